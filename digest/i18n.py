"""The interface's words in every supported language; templates read them through `t`."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "authors": "Authors", "abstract": "Abstract", "show_abstract": "Original abstract",
        "standfirst": "Standfirst", "standfirst_note": "The journal's feed gives only this standfirst, not the abstract.",
        "summary_extractive": "Extractive summary: the abstract's opening sentences, not an LLM summary.",
        "summary_llm": "Summary by {model}",
        "latest": "Latest digest", "archive": "Archive", "topics": "Topics", "status": "Source status",
        "previous_day": "Previous day", "next_day": "Next day", "papers": "papers", "paper": "paper",
        "topic_on_day": "{topic} on {day}", "all_topics": "All topics", "feed": "Feed",
        "updated_versions": "Updated versions", "updated_to": "updated to v{version} on {day}",
        "no_papers": "No papers yet: run `python build.py` to fetch the first day.",
        "topic_latest": "Latest days in {topic}", "more_on_day": "All {count} on {day}",
        "archive_intro": "Every day of the digest, with its papers per topic.",
        "status_intro": "How each source fared on its last checks.",
        "source": "Source", "state": "State", "checked": "Last check", "last_success": "Last success",
        "last_error": "Last error", "failures": "Failed runs in a row", "new_papers": "New",
        "not_found": "Page not found", "not_found_text": "This page does not exist. The latest digest is here:",
        "skip": "Skip to the papers", "day_count": "{count} papers on {day}",
        "st_ok": "ok", "st_empty": "no announcement", "st_stale": "stale", "st_not_modified": "unchanged",
        "st_failed": "failed", "st_none": "not checked yet",
    },
    "zh": {
        "authors": "作者", "abstract": "摘要", "show_abstract": "原文摘要",
        "standfirst": "导语", "standfirst_note": "期刊的订阅源只提供这段导语,没有摘要。",
        "summary_extractive": "摘录式摘要:取自摘要开头的句子,并非大语言模型生成。",
        "summary_llm": "由 {model} 生成的摘要",
        "latest": "最新简报", "archive": "归档", "topics": "主题", "status": "来源状态",
        "previous_day": "前一天", "next_day": "后一天", "papers": "篇论文", "paper": "篇论文",
        "topic_on_day": "{day} · {topic}", "all_topics": "全部主题", "feed": "订阅",
        "updated_versions": "版本更新", "updated_to": "已于 {day} 更新至 v{version}",
        "no_papers": "暂无论文:运行 `python build.py` 抓取第一天的内容。",
        "topic_latest": "{topic} 的最近几天", "more_on_day": "{day} 的全部 {count} 篇",
        "archive_intro": "简报的每一天,以及各主题的论文数。",
        "status_intro": "各来源最近几次抓取的情况。",
        "source": "来源", "state": "状态", "checked": "最近检查", "last_success": "最近成功",
        "last_error": "最近错误", "failures": "连续失败次数", "new_papers": "新增",
        "not_found": "页面不存在", "not_found_text": "此页面不存在。最新简报在这里:",
        "skip": "跳到论文列表", "day_count": "{day} 共 {count} 篇论文",
        "st_ok": "正常", "st_empty": "无发布", "st_stale": "未更新", "st_not_modified": "无变化",
        "st_failed": "失败", "st_none": "尚未检查",
    },
}


def translator(lang: str):
    """Return t(key, **values) for a language, falling back to English for a missing key."""
    table = MESSAGES.get(lang, MESSAGES["en"])

    def t(key: str, **values: object) -> str:
        text = table.get(key) or MESSAGES["en"][key]
        return text.format(**values) if values else text

    return t


def localised(value: dict[str, str], lang: str) -> str:
    """Return a config text in a language: its own entry, a language-neutral one, or the first."""
    return value.get(lang) or value.get("*") or value.get("en") or next(iter(value.values()), "")
