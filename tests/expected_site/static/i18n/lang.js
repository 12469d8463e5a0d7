/* The reader's language from the first paint (written by the build as static/i18n/lang.js, from templates/lang.js).
   A classic script in <head>, run before the body is parsed: it reads the stored choice (?lang= or localStorage),
   sets it on <html data-lang>, and translates each interface string as the parser adds it, in the mutation
   observer's callback, which runs before the browser next renders: a reader of another language than the page's
   never sees the page's. An element is translated once the parser has closed it (setting the text of an open one
   would have the parser append the rest of the original); until then it is [data-i18n-wait], which style.css hides.
   The messages are the build's (digest/i18n.py), plural messages as their forms: "=1" and the like, else "other". */
(function () {
  "use strict";
  var DATA = {"html":{"en":"en","zh":"zh-Hans"},"messages":{"en":{"abstract":"Abstract","abstract_less":"Less","abstract_more":"More","abstract_page":"Abstract page","all_topics":"All topics","also_at":"Also at {host}","another_batch":"Another batch","archive":"Archive","archive_intro":"Every day of the digest, with its papers per topic.","author_elsewhere":"{name} elsewhere in the archive","author_filter":"Author","author_needs_js":"So does listing one author's papers (an author's link leads here); each day's page shows its papers and their authors.","authors":"Authors","authors_label":"Authors:","batch_status":"Cards {start}–{end} of {total}","briefing":"Daily briefing","briefing_llm":"Written by {model} from the day's titles and abstracts; the numbers are the cards below.","briefing_offline":"Counted from the day's papers by AcademicHub, not written by a language model.","checked":"Last check","cite_day":"Cite this day's papers ({count}):","cite_download":"Cite ({format})","cite_failed":"Citations unavailable","cite_page":"Cite this page's papers ({count}):","compact_day":"A compact listing: the newest days show full cards with summaries and abstracts; search finds every paper.","copy_link":"Copy link","cross_list":"cross-list","day_count":{"=1":"{count} paper on {day}","other":"{count} papers on {day}"},"day_page_title":"{day} · Page {n} · {site}","day_pages":"Pages of {day}","drop_cut_short":"cut short","drop_date":"dated before 1991 or over six months after the run day","drop_duplicate":"listed twice","drop_editorial":"news, comment or editorial","drop_front_matter":"cover, contents or masthead","drop_ignored_version":"new version of a paper never shown (replacements: ignore)","drop_no_doi":"no DOI","drop_notice":"correction, retraction or reply","drop_over_cap":"over fetch.max_items","drop_subject":"outside the subjects filter","drop_untitled":"untitled","dropped":"Not shown (last check)","failures":"Failed runs in a row","feed":"Feed","feed_card":"Card on {site}","feeds_address":"Address","feeds_briefing_text":"One entry a day: the day's briefing.","feeds_intro":"Follow the digest in a feed reader: open a feed below in your reader, or copy its address into it. Each entry holds the paper's summaries, with the model that wrote them, its abstract, and links to its card here and to its PDF; a new version of a paper updates its entry instead of adding one.","feeds_opml":"Every feed at once","feeds_opml_text":"An OPML file of all these feeds, for a reader that imports a list of subscriptions.","feeds_radar_text":"The papers by the authors and on the keywords this site follows.","feeds_rss":"The same as RSS 2.0, for readers that take no Atom.","feeds_site":"All papers","feeds_site_text":"Every paper of the last {days} days, newest first (at most {count} entries).","feeds_title":"Subscribe","feeds_topic_page":"its page","feeds_topics":"One topic","feeds_weeks_text":"One entry a week: its papers per topic and its radar matches, with a link to its digest.","filter_count":{"=1":"{count} paper by {name} on this page","other":"{count} papers by {name} on this page"},"follow":"Follow","follow_author":"Author","follow_author_named":"Follow {name}","follow_keyword":"Keyword","follow_kind":"Kind","follow_matches":"Papers matching what you follow","follow_value":"Name or word","followed_mark":"On my radar","followed_only":"Only papers on my radar","following_author_named":"Following {name} ✓","follows_none":"You follow nothing yet.","foryou":"For you","foryou_bad_import":"Nothing to import in that text.","foryou_default":"My interest","foryou_delete":"Delete interest","foryou_export":"Export as a link","foryou_import":"Import","foryou_import_label":"A link exported from “For you”","foryou_imported":{"=1":"{count} star imported","other":"{count} stars imported"},"foryou_interest":"Interest","foryou_manage":"Edit interests","foryou_name":"Name","foryou_new":"New interest","foryou_none":"Star papers (★) and “For you” puts the closest first; stars stay in this browser.","foryou_ranked":{"=1":"Closest to your stars first; {count} paper close to one of them says which","other":"Closest to your stars first; {count} papers close to one of them say which"},"foryou_reason":"close to ★ {title}","foryou_rename":"Rename","foryou_star":"Star","foryou_stars":{"=1":"{count} star in {interest}","other":"{count} stars in {interest}"},"foryou_unavailable":"For you is unavailable for this day.","foryou_unranked":"None of your stars can be compared with this day's papers yet: the usual order.","home_title":"{site} · {tagline}","labelled":"{label}: {value}","language":"Language","last_error":"Last error","last_success":"Last success","latest":"Latest digest","link_copied":"Link copied","link_in_address_bar":"Link in the address bar","listed_items":"Items","math_note":"Formulas are typeset in the browser.","more_on_day":{"=1":"{count} paper on {day}","other":"All {count} on {day}"},"more_updates":{"=1":"and {count} more new version","other":"and {count} more new versions"},"my_radar":"My radar","my_radar_intro":"Follow authors and keywords in this browser only: they are kept in its local storage and never sent anywhere.","my_radar_needs_js":"Following authors and keywords in this browser needs JavaScript. The authors and keywords this site follows, and their papers, are listed below.","new_papers":"New","new_since_visit":"New since your last visit","new_versions":"New versions","next_day":"Next day","next_page":"Next page","no_papers":"No papers yet.","not_found":"Page not found","not_found_text":"This page does not exist. The latest digest is here:","page_n":"Page {n}","page_title":"{page} · {site}","paper_count":{"=1":"{count} paper","other":"{count} papers"},"previous_day":"Previous day","previous_page":"Previous page","radar":"Radar","radar_authors":"Authors","radar_feed":"Radar feed","radar_hits":"On the radar: {names}","radar_intro":"Papers by the authors and on the keywords this site follows.","radar_keywords":"Keywords","radar_mark":"On the radar","radar_matches":"Papers on the radar","radar_none":"This site follows no authors or keywords yet.","radar_owner":"Followed by this site","radar_title":"Research radar","read_briefing":"Read the whole briefing","related_label":"Related across fields:","remove_filter":"Remove author filter","report_summary":"Report a wrong summary","search":"Search","search_author_all":"All papers by {name} in the archive","search_author_results":{"=1":"{count} paper by {name}","other":"{count} papers by {name}"},"search_button":"Search","search_hint":"Type at least two letters.","search_label":"Words in a title, author or summary","search_loading":"Searching…","search_more":"Search older months","search_needs_js":"Search runs in your browser and needs JavaScript; the archive lists every day.","search_none":"Nothing found for “{query}”.","search_results":{"=1":"{count} result for “{query}”","other":"{count} results for “{query}”"},"search_title":"Search the archive","seen_before":"Seen before","show_abstract":"Original abstract","site.description":"AcademicHub aggregates real-time literature from top journals and preprint platforms. Build your personal research radar and let large language models compile cross-disciplinary analysis briefings automatically.","site.heading":"Explore the Frontier of Global Academia","site.tagline":"Academic Intelligence · Curated Daily","skip":"Skip to the papers","source":"Source","st_dead":{"=1":"failed {count} run: check its URL","other":"failing {count} runs in a row: check its URL"},"st_empty":"no announcement","st_failed":"failed","st_none":"not checked yet","st_not_modified":"unchanged","st_ok":"ok","st_stale":"stale","standfirst":"Standfirst","standfirst_note":"The journal's feed gives only this standfirst, not the abstract.","state":"State","status":"Source status","status_counts":"On the last check, each item a source listed is one of: a new card, a new version of a paper shown before, a paper seen before, or not shown for the reason given.","status_intro":"How each source fared on its last checks.","summary_extractive":"Extractive summary: the abstract's opening sentences, not an LLM summary.","summary_kind_abstract":"No model-written summaries on this page: each card shows the paper's abstract.","summary_kind_llm":"Summaries on this page were written by a language model ({model}) from each abstract, which follows it; the rest show the abstract.","summary_llm":"Summary by {model}","summary_provenance":"Written by {model} on {day} from the title and abstract only (prompt {prompt}); not checked by a person.","table_scrolls":"The table scrolls sideways: more columns on the right.","this_week":"This week","topic.bioinformatics":"Bioinformatics","topic.comp-bio":"Computational Biology","topic.cs.AI":"Artificial Intelligence","topic.cs.CL":"Computation and Language","topic.cs.CV":"Computer Vision","topic.cs.LG":"Machine Learning","topic.math.PR":"Probability","topic.medicine":"Medicine","topic.quant-ph":"Quantum Physics","topic.science":"Science","topic_latest":"Latest days in {topic}","topic_on_day":"{topic} on {day}","topic_on_day_title":"{topic} on {day} · {site}","topics":"Topics","unfollow":"Stop following","unfollow_author_named":"Stop following {name}","updated_to":"updated to v{version} on {day}","updated_versions":"Updated versions","week_across":"Listed under the most topics","week_briefing":"Weekly briefing","week_briefing_llm":"Written by {model} from the summaries of the week's leading papers; the numbers are the cards' on their day pages.","week_briefing_offline":"Counted from the week's papers by AcademicHub, not written by a language model.","week_radar_shown":{"=1":"{count} paper this week ({shown} shown)","other":"{count} papers this week ({shown} shown)"},"week_span":{"=1":"{count} paper from {start} to {end}","other":"{count} papers from {start} to {end}"},"week_title":"Week {week}","week_topic_shown":{"=1":"{count} paper this week ({shown} shown); by day:","other":"{count} papers this week ({shown} shown); all of them by day:"},"weekly_digests":"Weekly digests","weeks_feed":"Feed of the weekly digests","weeks_intro":"Each week's papers by topic: the radar's and the most cross-listed first, with a briefing counted from the week."},"zh":{"abstract":"摘要","abstract_less":"收起","abstract_more":"展开","abstract_page":"摘要页","all_topics":"全部主题","also_at":"另见{host}","another_batch":"换一批","archive":"归档","archive_intro":"简报的每一天，以及各主题的论文数。","author_elsewhere":"{name}在归档中的其他论文","author_filter":"作者","author_needs_js":"按作者列出论文（作者链接指向此处）也是如此；每天的页面都列出当天的论文及其作者。","authors":"作者","authors_label":"作者：","batch_status":"第{start}–{end}篇，共{total}篇","briefing":"每日简报","briefing_llm":"由{model}根据当天论文的标题与摘要撰写；编号对应下方的卡片。","briefing_offline":"由AcademicHub根据当天论文统计得出，并非大语言模型撰写。","checked":"最近检查","cite_day":"引用当天全部{count}篇论文：","cite_download":"引用（{format}）","cite_failed":"引用暂不可用","cite_page":"引用本页全部{count}篇论文：","compact_day":"精简列表：最近的日子显示带摘要与原文摘要的完整卡片；搜索可找到每一篇论文。","copy_link":"复制链接","cross_list":"交叉列出","day_count":"{day}共{count}篇论文","day_page_title":"{day} · 第{n}页 · {site}","day_pages":"{day}的分页","drop_cut_short":"条目被截断","drop_date":"日期早于1991年或晚于运行日半年以上","drop_duplicate":"重复列出","drop_editorial":"新闻、评论或社论","drop_front_matter":"封面、目录或刊头","drop_ignored_version":"从未收录论文的新版本（replacements: ignore）","drop_no_doi":"无DOI","drop_notice":"更正、撤稿或回复","drop_over_cap":"超出fetch.max_items","drop_subject":"不在所选学科内","drop_untitled":"无标题","dropped":"未收录（最近检查）","failures":"连续失败次数","feed":"订阅","feed_card":"{site}上的卡片","feeds_address":"地址","feeds_briefing_text":"每天一条：当天的简报。","feeds_intro":"用订阅阅读器关注本站：在阅读器中打开下面的订阅源，或把它的地址复制进去。每个条目包含论文的摘要（注明生成它的模型）、原文摘要，以及指向本站卡片和PDF的链接；论文有新版本时，会更新原条目而不是新增一条。","feeds_opml":"一次订阅全部","feeds_opml_text":"包含以上所有订阅源的OPML文件，可导入支持订阅列表的阅读器。","feeds_radar_text":"本站关注的作者与关键词的相关论文。","feeds_rss":"同样内容的RSS 2.0版本，供不支持Atom的阅读器使用。","feeds_site":"全部论文","feeds_site_text":"最近{days}天的每一篇论文，最新的在前（最多{count}条）。","feeds_title":"订阅","feeds_topic_page":"主题页面","feeds_topics":"单个主题","feeds_weeks_text":"每周一条：本周各主题的论文数与雷达命中，并链接到本周汇总。","filter_count":"本页有{name}的论文{count}篇","follow":"关注","follow_author":"作者","follow_author_named":"关注{name}","follow_keyword":"关键词","follow_kind":"类型","follow_matches":"与你的关注相符的论文","follow_value":"姓名或词语","followed_mark":"我的雷达","followed_only":"只看我的雷达","following_author_named":"已关注{name} ✓","follows_none":"你还没有关注任何内容。","foryou":"为你推荐","foryou_bad_import":"这段文字中没有可导入的内容。","foryou_default":"我的兴趣","foryou_delete":"删除兴趣","foryou_export":"导出为链接","foryou_import":"导入","foryou_import_label":"从“为你推荐”导出的链接","foryou_imported":"已导入{count}个星标","foryou_interest":"兴趣","foryou_manage":"编辑兴趣","foryou_name":"名称","foryou_new":"新建兴趣","foryou_none":"为论文加星（★）后，“为你推荐”会把最相近的论文排在前面；星标只保存在本浏览器中。","foryou_ranked":"与你的星标最相近的论文排在前面；其中{count}篇与某个星标相近，并注明是哪一个","foryou_reason":"与★{title}相近","foryou_rename":"重命名","foryou_star":"加星","foryou_stars":"“{interest}”中有{count}个星标","foryou_unavailable":"这一天暂不支持“为你推荐”。","foryou_unranked":"你的星标暂时无法与这一天的论文比较：按原有顺序排列。","home_title":"{site} · {tagline}","labelled":"{label}：{value}","language":"语言","last_error":"最近错误","last_success":"最近成功","latest":"最新简报","link_copied":"链接已复制","link_in_address_bar":"链接已在地址栏中","listed_items":"条目","math_note":"公式在浏览器中排版。","more_on_day":"{day}的全部{count}篇","more_updates":"另有{count}个新版本","my_radar":"我的雷达","my_radar_intro":"只在本浏览器中关注作者和关键词：它们保存在本地存储中，不会发送到任何地方。","my_radar_needs_js":"在本浏览器中关注作者和关键词需要启用JavaScript。本站关注的作者、关键词及其论文列在下方。","new_papers":"新增","new_since_visit":"上次访问后新增","new_versions":"新版本","next_day":"后一天","next_page":"下一页","no_papers":"暂无论文。","not_found":"页面不存在","not_found_text":"此页面不存在。最新简报在这里：","page_n":"第{n}页","page_title":"{page} · {site}","paper_count":"{count}篇论文","previous_day":"前一天","previous_page":"上一页","radar":"雷达","radar_authors":"作者","radar_feed":"雷达订阅","radar_hits":"雷达命中：{names}","radar_intro":"本站关注的作者与关键词的相关论文。","radar_keywords":"关键词","radar_mark":"雷达命中","radar_matches":"雷达上的论文","radar_none":"本站尚未关注任何作者或关键词。","radar_owner":"本站关注","radar_title":"科研雷达","read_briefing":"阅读完整简报","related_label":"跨领域相关：","remove_filter":"移除作者筛选","report_summary":"报告摘要错误","search":"搜索","search_author_all":"归档中{name}的全部论文","search_author_results":"{name}的{count}篇论文","search_button":"搜索","search_hint":"请至少输入两个字符。","search_label":"标题、作者或摘要中的词","search_loading":"正在搜索…","search_more":"搜索更早的月份","search_needs_js":"搜索在浏览器中运行，需要启用JavaScript；归档页列出了每一天。","search_none":"没有找到“{query}”。","search_results":"“{query}”共{count}条结果","search_title":"搜索归档","seen_before":"已收录","show_abstract":"原文摘要","site.description":"AcademicHub 汇聚顶级期刊与预印本平台的实时文献。定制您的专属科研雷达，利用大语言模型自动生成交叉领域文献分析简报。","site.heading":"探索全球前沿学术脉络","site.tagline":"学术情报 · 每日精选","skip":"跳到论文列表","source":"来源","st_dead":"已连续失败{count}次：请检查其地址","st_empty":"无发布","st_failed":"失败","st_none":"尚未检查","st_not_modified":"无变化","st_ok":"正常","st_stale":"未更新","standfirst":"导语","standfirst_note":"期刊的订阅源只提供这段导语，没有摘要。","state":"状态","status":"来源状态","status_counts":"最近一次检查中，来源列出的每个条目都属于以下之一：新卡片、已收录论文的新版本、此前已收录的论文，或因所列原因未收录。","status_intro":"各来源最近几次抓取的情况。","summary_extractive":"摘录式摘要：取自摘要开头的句子，并非大语言模型生成。","summary_kind_abstract":"本页没有模型生成的摘要：每张卡片显示论文的原文摘要。","summary_kind_llm":"本页的摘要由语言模型（{model}）根据各篇摘要生成，原文摘要附在其后；其余卡片显示原文摘要。","summary_llm":"由{model}生成的摘要","summary_provenance":"由{model}于{day}仅根据标题和摘要生成（提示词{prompt}），未经人工核对。","table_scrolls":"表格可左右滑动，右侧还有更多列。","this_week":"本周","topic.bioinformatics":"生物信息学","topic.comp-bio":"计算生物学","topic.cs.AI":"人工智能","topic.cs.CL":"计算语言学","topic.cs.CV":"计算机视觉","topic.cs.LG":"机器学习","topic.math.PR":"概率论","topic.medicine":"医学","topic.quant-ph":"量子物理","topic.science":"综合科学","topic_latest":"{topic}的最近几天","topic_on_day":"{day} · {topic}","topic_on_day_title":"{day} · {topic} · {site}","topics":"主题","unfollow":"取消关注","unfollow_author_named":"取消关注{name}","updated_to":"已于{day}更新至v{version}","updated_versions":"版本更新","week_across":"跨主题最多的论文","week_briefing":"每周简报","week_briefing_llm":"由{model}根据本周主要论文的摘要撰写；编号对应各论文在其当天页面上的卡片。","week_briefing_offline":"由AcademicHub根据本周论文统计得出，并非大语言模型撰写。","week_radar_shown":"本周{count}篇（显示{shown}篇）","week_span":"{start}至{end}，共{count}篇论文","week_title":"{week}周","week_topic_shown":"本周{count}篇（显示{shown}篇）；按日期查看全部：","weekly_digests":"每周汇总","weeks_feed":"每周汇总的订阅源","weeks_intro":"每周各主题的论文：雷达命中与跨主题最多的论文在前，附根据当周论文统计的简报。"}}};   // JSON (digest/site/pages.py catalogs)
  var KEY = "academichub.lang", WAIT = "data-i18n-wait";
  var html = document.documentElement;
  var DEFAULT = html.getAttribute("data-lang") || "en";
  var SEL = "[data-i18n],[data-i18n-attr],option[data-i18n-opt],.summary,[data-variant],article.card,li.entry";
  var lang = DEFAULT, cat = DATA.messages[DEFAULT] || {};

  function store(code) { try { localStorage.setItem(KEY, code); } catch (e) { /* private mode */ } }
  function chosen() {
    var asked = null, kept = null;
    try { asked = new URLSearchParams(location.search).get("lang"); } catch (e) { /* no URLSearchParams */ }
    if (asked && DATA.messages[asked]) { store(asked); return asked; }
    try { kept = localStorage.getItem(KEY); } catch (e) { /* storage refused */ }
    return kept && DATA.messages[kept] ? kept : DEFAULT;
  }
  function message(key) {
    return cat[key] != null ? cat[key] : (DATA.messages[DEFAULT] || {})[key];
  }
  function fmt(key, args) {
    var text = message(key);
    if (text == null) return null;
    if (typeof text === "object") text = text["=" + (args && args.count)] || text.other;
    return String(text).replace(/\{(\w+)\}/g, function (m, name) {
      var v = args && args[name];
      // "@key": another message as the value (the build writes one only for a key it has); any other text as it is.
      if (typeof v === "string" && v.charAt(0) === "@" && message(v.slice(1)) != null) v = message(v.slice(1));
      return v == null ? m : String(v);
    });
  }
  function htmlLang(code) { return DATA.html[code] || code; }
  function setText(node) {
    if (node.hasAttribute("data-i18n")) {
      var args = node.getAttribute("data-i18n-args");
      var text = fmt(node.getAttribute("data-i18n"), args ? JSON.parse(args) : null);
      if (text != null) node.textContent = text;
      // Inside a card only the interface words change language; the paper's own text keeps the page's.
      if (node.closest("article.card, li.entry")) node.setAttribute("lang", htmlLang(lang));
    } else if (node.hasAttribute("data-i18n-opt")) {
      node.textContent = fmt(node.getAttribute("data-i18n-opt"));
    } else if (node.classList.contains("summary")) {
      // A second language exists only where the archive has one. Each is the build's HTML (digest/site/cards.py:
      // the text escaped, its math the MathML of digest/site/mathml.py), so it goes in as markup, never as text.
      if (!node.hasAttribute("data-summary-" + DEFAULT)) node.setAttribute("data-summary-" + DEFAULT, node.innerHTML);
      var own = node.getAttribute("data-summary-" + lang);
      node.innerHTML = own != null ? own : node.getAttribute("data-summary-" + DEFAULT);
      node.setAttribute("lang", htmlLang(own != null ? lang : DEFAULT));
    }
  }
  /* Whatever the start tag says: attributes, a briefing variant's visibility, a card's own language. */
  function setAttributes(node) {
    var pairs = node.getAttribute("data-i18n-attr");
    if (pairs) pairs.split(";").forEach(function (pair) {
      var parts = pair.split(":"), text = fmt(parts[1]);
      if (text != null) node.setAttribute(parts[0], text);
    });
    var box = node.hasAttribute("data-variant") && node.parentNode;
    if (box && box.hasAttribute("data-lang-variants")) {   // the chosen language's briefing, else the default's
      var has = (" " + box.getAttribute("data-lang-variants") + " ").indexOf(" " + lang + " ") >= 0;
      node.hidden = node.getAttribute("data-variant") !== (has ? lang : DEFAULT);
    }
    if (node.matches("article.card, li.entry")) node.setAttribute("lang", htmlLang(DEFAULT));
  }
  function hasText(node) { return node.matches("[data-i18n],option[data-i18n-opt],.summary"); }
  function translate(node) { setAttributes(node); if (hasText(node)) setText(node); }
  function translateAll(root) {
    if (root.matches && root.matches(SEL)) translate(root);
    Array.prototype.forEach.call(root.querySelectorAll(SEL), translate);
  }
  function mark(code) {
    html.setAttribute("data-lang", code);
    html.setAttribute("lang", htmlLang(code));
    var title = document.querySelector("title[data-i18n]");
    if (title) setText(title);
  }
  function set(code, remember) {
    if (!DATA.messages[code]) code = DEFAULT;
    if (remember) store(code);
    lang = code;
    cat = DATA.messages[code];
    mark(code);
    translateAll(document);
  }

  /* While the page is parsed: each element as it arrives, its text once the parser has moved past it. */
  var waiting = [];
  function lastNode() {
    var node = html;
    while (node.lastChild) node = node.lastChild;
    return node;
  }
  function settle(final) {
    var last = lastNode();
    waiting = waiting.filter(function (node) {
      if (!final && node.contains(last)) return true;
      node.removeAttribute(WAIT);
      setText(node);
      return false;
    });
  }
  function arrived(node) {
    if (node.hasAttribute(WAIT)) return;   // reported with its parent's subtree and on its own
    setAttributes(node);
    if (!hasText(node)) return;
    node.setAttribute(WAIT, "");
    waiting.push(node);
  }
  function watch() {
    function added(records, final) {
      records.forEach(function (record) {
        Array.prototype.forEach.call(record.addedNodes, function (node) {
          if (node.nodeType !== 1) return;
          if (node.matches(SEL)) arrived(node);
          Array.prototype.forEach.call(node.querySelectorAll(SEL), arrived);
        });
      });
      settle(final);
    }
    var seen = new MutationObserver(function (records) { added(records, false); });
    seen.observe(html, { childList: true, subtree: true });
    document.addEventListener("DOMContentLoaded", function () {
      var rest = seen.takeRecords();
      seen.disconnect();
      added(rest, true);   // the document is complete: every element is closed
    });
  }

  lang = chosen();
  cat = DATA.messages[lang];
  if (lang !== DEFAULT) {
    mark(lang);
    watch();
  }
  window.academichubLang = {
    DEFAULT: DEFAULT, LANGS: Object.keys(DATA.messages), fmt: fmt, set: set, translate: translateAll,
    current: function () { return lang; }
  };
})();
