"""The interface's words in every supported language; templates read them through `t`, the browser through the
catalog the build writes (static/i18n/lang.js).

A message is a text with {named} values, or a plural message: its forms by exact count ("=1") and "other", the
count choosing an exact form if there is one, else "other" (as ICU's `=1` selector). That is the one plural rule:
`choose` applies it here and static/i18n/lang.js applies the same data in the browser; English needs "=1" only, and
Chinese one text for every count.

Chinese typography, checked by tests/test_i18n.py: full-width punctuation after Chinese text (作者：, not 作者:),
and no space typed between Chinese and Latin letters, digits or a {value} (the " · " between a title's parts aside):
the page's `text-autospace` (style.css) spaces them where the browser can, as Chinese typesetting does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

Message = str | dict[str, str]

HTML_LANG = {"en": "en", "zh": "zh-Hans"}   # a language's code in lang="" (the Chinese here is Simplified)
LANGUAGE_NAMES = {"en": "English", "zh": "中文"}   # the language switch names each language in itself

MESSAGES: dict[str, dict[str, Message]] = {
    "en": {
        "authors": "Authors", "abstract": "Abstract", "show_abstract": "Original abstract",
        "authors_label": "Authors:", "standfirst": "Standfirst", "also_at": "Also at {host}", "related_label": "Related across fields:", "standfirst_note": "The journal's feed gives only this standfirst, not the abstract.",
        "summary_extractive": "Extractive summary: the abstract's opening sentences, not an LLM summary.",
        "summary_llm": "Summary by {model}",
        "briefing": "Daily briefing",
        "briefing_llm": "Written by {model} from the day's titles and abstracts; the numbers are the cards below.",
        "briefing_offline": "Counted from the day's papers by AcademicHub, not written by a language model.",
        "latest": "Latest digest", "archive": "Archive", "topics": "Topics", "status": "Source status",
        "previous_day": "Previous day", "next_day": "Next day",
        "compact_day": "A compact listing: the newest days show full cards with summaries and abstracts; search finds every paper.",
        "day_pages": "Pages of {day}", "page_n": "Page {n}", "previous_page": "Previous page", "next_page": "Next page", "paper_count": {"=1": "{count} paper", "other": "{count} papers"},
        "topic_on_day": "{topic} on {day}", "all_topics": "All topics", "feed": "Feed",
        "updated_versions": "Updated versions",
        "more_updates": {"=1": "and {count} more new version", "other": "and {count} more new versions"}, "updated_to": "updated to v{version} on {day}",
        "no_papers": "No papers yet.",
        "topic_latest": "Latest days in {topic}", "more_on_day": {"=1": "{count} paper on {day}", "other": "All {count} on {day}"},
        "archive_intro": "Every day of the digest, with its papers per topic.",
        "status_intro": "How each source fared on its last checks.",
        "source": "Source", "state": "State", "checked": "Last check", "last_success": "Last success",
        "last_error": "Last error", "failures": "Failed runs in a row", "new_papers": "New",
        "listed_items": "Items", "new_versions": "New versions", "seen_before": "Seen before",
        "status_counts": "On the last check, each item a source listed is one of: a new card, a new version of a paper shown before, a paper seen before, or not shown for the reason given.",
        "not_found": "Page not found", "not_found_text": "This page does not exist. The latest digest is here:",
        "skip": "Skip to the papers", "day_count": {"=1": "{count} paper on {day}", "other": "{count} papers on {day}"},
        "st_ok": "ok", "st_empty": "no announcement", "st_stale": "stale", "st_not_modified": "unchanged",
        "st_failed": "failed", "st_none": "not checked yet",
        "search": "Search", "search_title": "Search the archive", "search_label": "Words in a title, author or summary",
        "search_button": "Search", "search_needs_js": "Search runs in your browser and needs JavaScript; the archive lists every day.",
        "search_results": {"=1": "{count} result for “{query}”", "other": "{count} results for “{query}”"}, "search_none": "Nothing found for “{query}”.",
        "search_loading": "Searching…", "search_more": "Search older months", "search_hint": "Type at least two letters.",
        "search_author_results": {"=1": "{count} paper by {name}", "other": "{count} papers by {name}"}, "search_author_all": "All papers by {name} in the archive",
        "author_filter": "Author", "remove_filter": "Remove author filter", "author_elsewhere": "{name} elsewhere in the archive",
        "filter_count": {"=1": "{count} paper by {name} on this page", "other": "{count} papers by {name} on this page"},
        "another_batch": "Another batch", "batch_status": "Cards {start}–{end} of {total}",
        "language": "Language", "cross_list": "cross-list",
        "radar": "Radar", "radar_title": "Research radar", "radar_intro": "Papers by the authors and on the keywords this site follows.",
        "radar_owner": "Followed by this site", "radar_authors": "Authors", "radar_keywords": "Keywords",
        "radar_none": "This site follows no authors or keywords yet.",
        "radar_matches": "Papers on the radar", "radar_mark": "On the radar", "radar_feed": "Radar feed",
        "my_radar": "My radar", "my_radar_intro": "Follow authors and keywords in this browser only: they are kept in its local storage and never sent anywhere.",
        "follow_kind": "Kind", "follow_author": "Author", "follow_keyword": "Keyword", "follow_value": "Name or word",
        "follow": "Follow", "unfollow": "Stop following", "follow_author_named": "Follow {name}",
        "follows_none": "You follow nothing yet.", "follow_matches": "Papers matching what you follow",
        "followed_mark": "On my radar", "followed_only": "Only papers on my radar", "math_note": "Formulas are typeset in the browser.",
        "st_dead": {"=1": "failed {count} run: check its URL", "other": "failing {count} runs in a row: check its URL"},
        "dropped": "Not shown (last check)",
        "drop_untitled": "untitled", "drop_editorial": "news, comment or editorial", "drop_notice": "correction, retraction or reply",
        "drop_front_matter": "cover, contents or masthead", "drop_duplicate": "listed twice",
        "drop_cut_short": "cut short", "drop_subject": "outside the subjects filter", "drop_no_doi": "no DOI",
        "drop_date": "dated before 1991 or over six months after the run day", "drop_over_cap": "over fetch.max_items",
        "drop_ignored_version": "new version of a paper never shown (replacements: ignore)",
        # The reader's morning layout (templates/_briefing.html, status.html)
        "read_briefing": "Read the whole briefing", "table_scrolls": "The table scrolls sideways: more columns on the right.",
        # -- the feeds and the subscribe page (/feeds/) --
        "feeds_title": "Subscribe", "feed_card": "Card on {site}",
        "feeds_intro": "Follow the digest in a feed reader: open a feed below in your reader, or copy its address into it. Each entry holds the paper's summaries, with the model that wrote them, its abstract, and links to its card here and to its PDF; a new version of a paper updates its entry instead of adding one.",
        "feeds_site": "All papers", "feeds_site_text": "Every paper of the last {days} days, newest first (at most {count} entries).",
        "feeds_rss": "The same as RSS 2.0, for readers that take no Atom.",
        "feeds_briefing_text": "One entry a day: the day's briefing.",
        "feeds_weeks_text": "One entry a week: its papers per topic and its radar matches, with a link to its digest.",
        "feeds_radar_text": "The papers by the authors and on the keywords this site follows.",
        "feeds_topics": "One topic", "feeds_topic_page": "its page",
        "feeds_opml": "Every feed at once", "feeds_opml_text": "An OPML file of all these feeds, for a reader that imports a list of subscriptions.",
        "feeds_address": "Address",
        # The card (digest/site/cards.py, static/js/cardtools.js): its actions, summary kind and provenance.
        "abstract_page": "Abstract page", "copy_link": "Copy link", "link_copied": "Link copied",
        "link_in_address_bar": "Link in the address bar", "cite_download": "Cite ({format})",
        "cite_failed": "Citations unavailable", "cite_page": "Cite this page's papers ({count}):",
        "cite_day": "Cite this day's papers ({count}):", "abstract_more": "More", "abstract_less": "Less",
        "summary_kind_llm": "Summaries on this page were written by a language model ({model}) from each abstract, which follows it; the rest show the abstract.",
        "summary_kind_abstract": "No model-written summaries on this page: each card shows the paper's abstract.",
        "summary_provenance": "Written by {model} on {day} from the title and abstract only (prompt {prompt}); not checked by a person.",
        "report_summary": "Report a wrong summary",
        "labelled": "{label}: {value}", "radar_hits": "On the radar: {names}",
        "page_title": "{page} · {site}", "home_title": "{site} · {tagline}", "day_page_title": "{day} · Page {n} · {site}",
        "topic_on_day_title": "{topic} on {day} · {site}",
        "following_author_named": "Following {name} ✓", "unfollow_author_named": "Stop following {name}",
        "author_needs_js": "So does listing one author's papers (an author's link leads here); each day's page shows its papers and their authors.",
        "my_radar_needs_js": "Following authors and keywords in this browser needs JavaScript. The authors and keywords this site follows, and their papers, are listed below.",
        # The weekly digests (site/weeks.py, templates/week.html, weeks.html)
        "this_week": "This week", "weekly_digests": "Weekly digests", "week_briefing": "Weekly briefing",
        "week_title": "Week {week}", "week_span": {"=1": "{count} paper from {start} to {end}", "other": "{count} papers from {start} to {end}"},
        "weeks_intro": "Each week's papers by topic: the radar's and the most cross-listed first, with a briefing counted from the week.",
        "weeks_feed": "Feed of the weekly digests", "week_across": "Listed under the most topics",
        "week_topic_shown": {"=1": "{count} paper this week ({shown} shown); by day:", "other": "{count} papers this week ({shown} shown); all of them by day:"},
        "week_radar_shown": {"=1": "{count} paper this week ({shown} shown)", "other": "{count} papers this week ({shown} shown)"},
        "week_briefing_offline": "Counted from the week's papers by AcademicHub, not written by a language model.",
        "week_briefing_llm": "Written by {model} from the summaries of the week's leading papers; the numbers are "
                             "the cards' on their day pages.",
        # "For you" (static/js/foryou.js adds every control; site/foryou.py writes the vectors it reads)
        "foryou": "For you", "foryou_star": "Star", "foryou_reason": "close to ★ {title}",
        "foryou_interest": "Interest", "foryou_default": "My interest", "foryou_name": "Name",
        "foryou_new": "New interest", "foryou_rename": "Rename", "foryou_delete": "Delete interest",
        "foryou_manage": "Edit interests", "foryou_export": "Export as a link", "foryou_import": "Import",
        "foryou_import_label": "A link exported from “For you”",
        "foryou_stars": {"=1": "{count} star in {interest}", "other": "{count} stars in {interest}"},
        "foryou_imported": {"=1": "{count} star imported", "other": "{count} stars imported"},
        "foryou_none": "Star papers (★) and “For you” puts the closest first; stars stay in this browser.",
        # The order is by the sum of a card's cosines with the stars: a card close to one star (its reason shown) is
        # usually, not always, before the others, so the line says the order and counts the reasons.
        "foryou_ranked": {"=1": "Closest to your stars first; {count} paper close to one of them says which",
                          "other": "Closest to your stars first; {count} papers close to one of them say which"},
        "foryou_unranked": "None of your stars can be compared with this day's papers yet: the usual order.",
        "foryou_unavailable": "For you is unavailable for this day.", "foryou_bad_import": "Nothing to import in that text.",
        "new_since_visit": "New since your last visit",
    },
    "zh": {
        "authors": "作者", "abstract": "摘要", "show_abstract": "原文摘要", "authors_label": "作者：",
        "standfirst": "导语", "also_at": "另见{host}", "related_label": "跨领域相关：", "standfirst_note": "期刊的订阅源只提供这段导语，没有摘要。",
        "summary_extractive": "摘录式摘要：取自摘要开头的句子，并非大语言模型生成。",
        "summary_llm": "由{model}生成的摘要",
        "briefing": "每日简报",
        "briefing_llm": "由{model}根据当天论文的标题与摘要撰写；编号对应下方的卡片。",
        "briefing_offline": "由AcademicHub根据当天论文统计得出，并非大语言模型撰写。",
        "latest": "最新简报", "archive": "归档", "topics": "主题", "status": "来源状态",
        "previous_day": "前一天", "next_day": "后一天",
        "compact_day": "精简列表：最近的日子显示带摘要与原文摘要的完整卡片；搜索可找到每一篇论文。",
        "day_pages": "{day}的分页", "page_n": "第{n}页", "previous_page": "上一页", "next_page": "下一页", "paper_count": "{count}篇论文",
        "topic_on_day": "{day} · {topic}", "all_topics": "全部主题", "feed": "订阅",
        "updated_versions": "版本更新", "more_updates": "另有{count}个新版本", "updated_to": "已于{day}更新至v{version}",
        "no_papers": "暂无论文。",
        "topic_latest": "{topic}的最近几天", "more_on_day": "{day}的全部{count}篇",
        "archive_intro": "简报的每一天，以及各主题的论文数。",
        "status_intro": "各来源最近几次抓取的情况。",
        "source": "来源", "state": "状态", "checked": "最近检查", "last_success": "最近成功",
        "last_error": "最近错误", "failures": "连续失败次数", "new_papers": "新增",
        "listed_items": "条目", "new_versions": "新版本", "seen_before": "已收录",
        "status_counts": "最近一次检查中，来源列出的每个条目都属于以下之一：新卡片、已收录论文的新版本、此前已收录的论文，或因所列原因未收录。",
        "not_found": "页面不存在", "not_found_text": "此页面不存在。最新简报在这里：",
        "skip": "跳到论文列表", "day_count": "{day}共{count}篇论文",
        "st_ok": "正常", "st_empty": "无发布", "st_stale": "未更新", "st_not_modified": "无变化",
        "st_failed": "失败", "st_none": "尚未检查",
        "search": "搜索", "search_title": "搜索归档", "search_label": "标题、作者或摘要中的词",
        "search_button": "搜索", "search_needs_js": "搜索在浏览器中运行，需要启用JavaScript；归档页列出了每一天。",
        "search_results": "“{query}”共{count}条结果", "search_none": "没有找到“{query}”。",
        "search_loading": "正在搜索…", "search_more": "搜索更早的月份", "search_hint": "请至少输入两个字符。",
        "search_author_results": "{name}的{count}篇论文", "search_author_all": "归档中{name}的全部论文",
        "author_filter": "作者", "remove_filter": "移除作者筛选", "author_elsewhere": "{name}在归档中的其他论文",
        "filter_count": "本页有{name}的论文{count}篇",
        "another_batch": "换一批", "batch_status": "第{start}–{end}篇，共{total}篇",
        "language": "语言", "cross_list": "交叉列出",
        "radar": "雷达", "radar_title": "科研雷达", "radar_intro": "本站关注的作者与关键词的相关论文。",
        "radar_owner": "本站关注", "radar_authors": "作者", "radar_keywords": "关键词",
        "radar_none": "本站尚未关注任何作者或关键词。",
        "radar_matches": "雷达上的论文", "radar_mark": "雷达命中", "radar_feed": "雷达订阅",
        "my_radar": "我的雷达", "my_radar_intro": "只在本浏览器中关注作者和关键词：它们保存在本地存储中，不会发送到任何地方。",
        "follow_kind": "类型", "follow_author": "作者", "follow_keyword": "关键词", "follow_value": "姓名或词语",
        "follow": "关注", "unfollow": "取消关注", "follow_author_named": "关注{name}",
        "follows_none": "你还没有关注任何内容。", "follow_matches": "与你的关注相符的论文",
        "followed_mark": "我的雷达", "followed_only": "只看我的雷达", "math_note": "公式在浏览器中排版。",
        "st_dead": "已连续失败{count}次：请检查其地址",
        "dropped": "未收录（最近检查）",
        "drop_untitled": "无标题", "drop_editorial": "新闻、评论或社论", "drop_notice": "更正、撤稿或回复",
        "drop_front_matter": "封面、目录或刊头", "drop_duplicate": "重复列出",
        "drop_cut_short": "条目被截断", "drop_subject": "不在所选学科内", "drop_no_doi": "无DOI",
        "drop_date": "日期早于1991年或晚于运行日半年以上", "drop_over_cap": "超出fetch.max_items",
        "drop_ignored_version": "从未收录论文的新版本（replacements: ignore）",
        "read_briefing": "阅读完整简报", "table_scrolls": "表格可左右滑动，右侧还有更多列。",
        # -- the feeds and the subscribe page (/feeds/) --
        "feeds_title": "订阅", "feed_card": "{site}上的卡片",
        "feeds_intro": "用订阅阅读器关注本站：在阅读器中打开下面的订阅源，或把它的地址复制进去。每个条目包含论文的摘要（注明生成它的模型）、原文摘要，以及指向本站卡片和PDF的链接；论文有新版本时，会更新原条目而不是新增一条。",
        "feeds_site": "全部论文", "feeds_site_text": "最近{days}天的每一篇论文，最新的在前（最多{count}条）。",
        "feeds_rss": "同样内容的RSS 2.0版本，供不支持Atom的阅读器使用。",
        "feeds_briefing_text": "每天一条：当天的简报。",
        "feeds_weeks_text": "每周一条：本周各主题的论文数与雷达命中，并链接到本周汇总。",
        "feeds_radar_text": "本站关注的作者与关键词的相关论文。",
        "feeds_topics": "单个主题", "feeds_topic_page": "主题页面",
        "feeds_opml": "一次订阅全部", "feeds_opml_text": "包含以上所有订阅源的OPML文件，可导入支持订阅列表的阅读器。",
        "feeds_address": "地址",
        "abstract_page": "摘要页", "copy_link": "复制链接", "link_copied": "链接已复制",
        "link_in_address_bar": "链接已在地址栏中", "cite_download": "引用（{format}）",
        "cite_failed": "引用暂不可用", "cite_page": "引用本页全部{count}篇论文：",
        "cite_day": "引用当天全部{count}篇论文：", "abstract_more": "展开", "abstract_less": "收起",
        "summary_kind_llm": "本页的摘要由语言模型（{model}）根据各篇摘要生成，原文摘要附在其后；其余卡片显示原文摘要。",
        "summary_kind_abstract": "本页没有模型生成的摘要：每张卡片显示论文的原文摘要。",
        "summary_provenance": "由{model}于{day}仅根据标题和摘要生成（提示词{prompt}），未经人工核对。",
        "report_summary": "报告摘要错误",
        "labelled": "{label}：{value}", "radar_hits": "雷达命中：{names}",
        "page_title": "{page} · {site}", "home_title": "{site} · {tagline}", "day_page_title": "{day} · 第{n}页 · {site}",
        "topic_on_day_title": "{day} · {topic} · {site}",
        "following_author_named": "已关注{name} ✓", "unfollow_author_named": "取消关注{name}",
        "author_needs_js": "按作者列出论文（作者链接指向此处）也是如此；每天的页面都列出当天的论文及其作者。",
        "my_radar_needs_js": "在本浏览器中关注作者和关键词需要启用JavaScript。本站关注的作者、关键词及其论文列在下方。",
        "this_week": "本周", "weekly_digests": "每周汇总", "week_briefing": "每周简报",
        "week_title": "{week}周", "week_span": "{start}至{end}，共{count}篇论文",
        "weeks_intro": "每周各主题的论文：雷达命中与跨主题最多的论文在前，附根据当周论文统计的简报。",
        "weeks_feed": "每周汇总的订阅源", "week_across": "跨主题最多的论文",
        "week_topic_shown": "本周{count}篇（显示{shown}篇）；按日期查看全部：",
        "week_radar_shown": "本周{count}篇（显示{shown}篇）",
        "week_briefing_offline": "由AcademicHub根据本周论文统计得出，并非大语言模型撰写。",
        "week_briefing_llm": "由{model}根据本周主要论文的摘要撰写；编号对应各论文在其当天页面上的卡片。",
        "foryou": "为你推荐", "foryou_star": "加星", "foryou_reason": "与★{title}相近",
        "foryou_interest": "兴趣", "foryou_default": "我的兴趣", "foryou_name": "名称",
        "foryou_new": "新建兴趣", "foryou_rename": "重命名", "foryou_delete": "删除兴趣",
        "foryou_manage": "编辑兴趣", "foryou_export": "导出为链接", "foryou_import": "导入",
        "foryou_import_label": "从“为你推荐”导出的链接",
        "foryou_stars": "“{interest}”中有{count}个星标", "foryou_imported": "已导入{count}个星标",
        "foryou_none": "为论文加星（★）后，“为你推荐”会把最相近的论文排在前面；星标只保存在本浏览器中。",
        "foryou_ranked": "与你的星标最相近的论文排在前面；其中{count}篇与某个星标相近，并注明是哪一个",
        "foryou_unranked": "你的星标暂时无法与这一天的论文比较：按原有顺序排列。",
        "foryou_unavailable": "这一天暂不支持“为你推荐”。", "foryou_bad_import": "这段文字中没有可导入的内容。",
        "new_since_visit": "上次访问后新增",
    },
}


def choose(message: Message, count: object) -> str:
    """A message's text for a count: a plain text as it is, a plural message's exact form ("=1") or "other"."""
    if isinstance(message, str):
        return message
    return message.get(f"={count}") or message["other"]


def translator(lang: str) -> Callable[..., str]:
    """Return t(key, **values) for a language, falling back to English for a missing key."""
    table = MESSAGES.get(lang, MESSAGES["en"])

    def t(key: str, **values: object) -> str:
        text = choose(table.get(key) or MESSAGES["en"][key], values.get("count"))
        return text.format(**values) if values else text

    return t


def localised(value: Mapping[str, str], lang: str) -> str:
    """Return a config text in a language: its own entry, a language-neutral one, or the first."""
    return value.get(lang) or value.get("*") or value.get("en") or next(iter(value.values()), "")


def catalog(lang: str, extra: dict[str, str]) -> dict[str, Message]:
    """Return every message of a language (English filling gaps) plus site texts, for static/i18n/lang.js."""
    table: dict[str, Message] = {**MESSAGES["en"], **MESSAGES.get(lang, {})}
    return dict(sorted({**table, **extra}.items()))
