"""The pure parts of summarising: parsing model answers, batching, card links, safe Markdown, the offline briefing."""

import json
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import pytest
from llmserver import task

from digest import briefing
from digest.site import briefings
from digest.archive import Archive, Briefing, Day, State
from digest.config import Radar, load_config
from digest.errors import ConfigError
from digest.llm import endpoint, estimate_tokens, parse_json
from digest.config import LLMOptions
from digest.papers import Paper
from digest.site import render_site
from digest.summarize import INPUT_CHARS, batches, clean_summary, read_answer

D = date(2026, 6, 17)


def paper(n, **kw):
    values = dict(id=f"arXiv:2606.{10000 + n}", title=f"Paper {n}", authors=("Ada Lovelace",), abstract="x" * 100,
                  url="https://arxiv.org/abs/x", day=D, sources=("lg",), topics=("cs.LG",))
    values.update(kw)
    return Paper(**values)


@pytest.mark.parametrize("text, expected", [
    ('{"a": 1}', {"a": 1}),
    ('```json\n{"a": 1}\n```', {"a": 1}),
    ('Sure, here you go:\n{"a": {"b": [1, 2]}}\nAnything else?', {"a": {"b": [1, 2]}}),
    ('[{"n": 1}]', [{"n": 1}]),
    ("{summaries: [1: 'nope'", None),
    ("no json at all", None),
    ('"just a string"', None),
])
def test_parse_json_tolerates_what_models_wrap_around_it(text, expected):
    assert parse_json(text) == expected


def test_read_answer_accepts_common_shapes_and_drops_incomplete_items():
    batch = [paper(1), paper(2), paper(3)]
    good = {"en": "A plain summary of the paper.", "zh": "一个简单的总结，说明了这篇论文的内容。"}

    def read(answer, langs=("en", "zh")):
        found = read_answer(json.dumps(answer) if not isinstance(answer, str) else answer, batch, list(langs))
        return set(found.good), found.refused

    assert read({"summaries": [{"n": 1, **good}, {"n": 3, **good}]}) == ({0, 2}, {})
    assert read({"summaries": {"2": good}}) == ({1}, {})
    assert read([good, good, good]) == ({0, 1, 2}, {})   # unnumbered, in order
    assert read({"summaries": [{"n": 1, "en": "A plain summary."}]}) == (set(), {})   # no zh: not answered
    assert read({"summaries": [{"n": 9, **good}]}) == (set(), {})
    assert read("nonsense", ["en"]) == (set(), {})
    english_as_zh = {"summaries": [{"n": 1, "en": good["en"], "zh": "Not Chinese at all, just English."}]}
    assert read(english_as_zh) == (set(), {0: "language: not Chinese (0 CJK characters, 6 Latin words) (zh)"})


@pytest.mark.parametrize("value, expected", [
    ("  A   plain\nsummary. ", "A plain summary."),
    ("<b>Bold</b> claim <script>x()</script>here.", "Bold claim x() here."),
    (42, None),
    ("  ", None),
    ("这是中文摘要。", "这是中文摘要。"),
])
def test_clean_summary(value, expected):
    assert clean_summary(value) == expected


def test_batches_group_short_papers_and_count_a_long_one_at_what_the_request_carries():
    short = [paper(i, abstract="s" * 200) for i in range(5)]
    long = paper(9, abstract="l" * 9000)   # a request carries its first INPUT_CHARS characters only
    groups = batches(short[:3] + [long] + short[3:], size=8, chars=INPUT_CHARS + 100)
    assert [len(g) for g in groups] == [3, 1, 2]
    assert [len(g) for g in batches(short[:3] + [long] + short[3:], size=8, chars=6000)] == [6]
    assert [len(g) for g in batches(short, size=2, chars=6000)] == [2, 2, 1]


def test_link_cards_turns_numbers_into_card_links():
    papers = [paper(1), paper(2), paper(3)]
    text = briefing.link_cards("Read [01] and [2, 3] first; [9] is not a card; [x](y) stays.", papers)
    assert text == ("Read [01](#arXiv:2606.10001) and [02](#arXiv:2606.10002), [03](#arXiv:2606.10003) first; "
                    "[9] is not a card; [x](y) stays.")


def test_to_html_renumbers_and_keeps_only_links_to_cards_on_the_page():
    text = ("### Themes\n\n[07](#arXiv:1) and [08](#arXiv:gone) <script>alert(1)</script>\n\n"
            "[bad](javascript:alert(1)) [out](https://example.org/) ![p](https://tracker.invalid/p.png) "
            "<img src=x onerror=alert(1)>\n\n# Heading\n")
    html = briefings.to_html(text, {"arXiv:1": "02"})
    assert '<a href="#arXiv:1">02</a>' in html
    assert "[08]" in html and "arXiv:gone" not in html
    assert "<script" not in html and "&lt;script&gt;" in html
    assert "javascript:" not in html and "example.org" not in html and "<img" not in html
    assert "<h1" not in html and "<h3>Heading</h3>" in html


def test_to_html_keeps_math_as_written_for_katex():
    """Markdown would read `\\(` as an escaped `(` and `*` as emphasis: math spans come through as the model wrote them."""
    text = r"We bound \(x_1 * y_2 < 3\), then $$a*b*c$$ and \[ \sum_i a_i \] in [07](#arXiv:1); *plain* ahbriefingmath9x"
    html = briefings.to_html(text, {"arXiv:1": "02"})
    assert r"\(x_1 * y_2 &lt; 3\)" in html and "$$a*b*c$$" in html and r"\[ \sum_i a_i \]" in html
    assert '<a href="#arXiv:1">02</a>' in html and "<em>plain</em>" in html and "ahbriefingmath9x" in html


def test_offline_briefing_counts_themes_cross_lists_and_radar():
    topics = {"cs.LG": "Machine Learning", "medicine": "Medicine", "cs.CV": "Computer Vision"}
    papers = [paper(1, title="Diffusion models for tumour segmentation", topics=("cs.CV", "medicine")),
              paper(2, title="Diffusion models in weather forecasting"),
              paper(3, title="Graph neural networks for tumour growth", topics=("medicine",), authors=("Chiwun Yang",)),
              paper(4, title="A *markdown* title with [a link](javascript:x) <b>")]
    counts = briefings.count(papers, topics, radar=Radar(authors=("Chiwun Yang",), keywords=("weather",)))
    assert (counts.papers, counts.topics, counts.across, counts.radar) == (
        4, (("cs.LG", 2), ("medicine", 2), ("cs.CV", 1)), 1, 2)
    html = briefings.offline(counts, topics, "en")
    assert html.startswith("<p><strong>Offline briefing</strong>")
    assert "<strong>4 papers</strong> across 3 topics: Machine Learning 2 · Medicine 2 · Computer Vision 1" in html
    assert "diffusion models (2)" in html and "tumour (2)" in html
    assert ('<a href="#arXiv:2606.10001">01</a> Diffusion models for tumour segmentation (Computer Vision, Medicine)'
            in html)
    assert ('<strong>Radar</strong>: 2 papers match: <a href="#arXiv:2606.10002">02</a> Diffusion models in weather '
            'forecasting (weather); <a href="#arXiv:2606.10003">03</a> Graph neural networks for tumour growth '
            '(Chiwun Yang)') in html
    zh = briefings.offline(briefings.count(papers, topics), topics, "zh")
    assert zh.startswith("<p><strong>离线简报</strong>") and "4篇论文" in zh and "雷达" not in zh
    text = briefings.plain_text(html)
    assert text.startswith("Offline briefing: no language model") and "<" not in text
    assert "• 4 papers across 3 topics" in text and "\n\n• Radar: 2 papers match: 02 Diffusion models in weather" in text


def test_offline_briefing_is_the_html_the_markdown_round_trip_made():
    # Pinned: the bytes the former Markdown -> HTML -> nh3 path produced for the same day, punctuation and all.
    topics = {"cs.LG": "Machine Learning", "medicine": "Medicine & Health", "cs.CV": "Computer Vision"}
    papers = [paper(1, title="Diffusion models for tumour segmentation", topics=("cs.CV", "medicine")),
              paper(2, title='Diffusion models in weather forecasting: "a" Q&A it\'s 2.5x (v2) [re-run] *fast* _it_ '
                             "#1 + 10%"),
              paper(3, title="Graph neural networks for tumour growth — Schrödinger's cat", topics=("medicine", "cs.LG"),
                    authors=("Chiwun Yang",)),
              paper(4, title="Weather graph neural networks", topics=("cs.LG", "cs.LG", "other"))]
    counts = briefings.count(papers, topics, Radar(authors=("Chiwun Yang",), keywords=("weather",)))
    assert briefings.offline(counts, topics, "en") == (
        "<p><strong>Offline briefing</strong>: no language model is configured, so these are counts taken from the "
        "day's papers, not an analysis.</p>\n<ul>\n"
        "<li><strong>4 papers</strong> across 3 topics: Machine Learning 4 · Medicine &amp; Health 2 · Computer Vision 1"
        "</li>\n<li><strong>Most frequent themes</strong> in the titles: diffusion models (2) · graph neural (2) · "
        "neural networks (2) · tumour (2) · weather (2)</li>\n"
        "<li><strong>Across fields</strong>: 2 papers are listed under more than one topic, such as "
        '<a href="#arXiv:2606.10001">01</a> Diffusion models for tumour segmentation (Computer Vision, Medicine &amp; '
        'Health); <a href="#arXiv:2606.10003">03</a> Graph neural networks for tumour growth — Schrödinger\'s cat '
        "(Medicine &amp; Health, Machine Learning)</li>\n"
        '<li><strong>Radar</strong>: 3 papers match: <a href="#arXiv:2606.10002">02</a> Diffusion models in weather '
        'forecasting: "a" Q&amp;A it\'s 2.5x (v2) [re-run] *fast* _it_ #1 + 10% (weather); '
        '<a href="#arXiv:2606.10003">03</a> Graph neural networks for tumour growth — Schrödinger\'s cat (Chiwun Yang); '
        '<a href="#arXiv:2606.10004">04</a> Weather graph neural networks (weather)</li>\n</ul>')


class _Markup(HTMLParser):
    """Collects the tags, attributes and text of a piece of HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_data(self, data):
        self.text.append(data)


def test_offline_briefing_keeps_a_hostile_title_text_and_links_only_cards():
    hostile = ("<script>alert(1)</script> [03](javascript:alert(2)) javascript:alert(3) <img src=x onerror=alert(4)> "
               "**bold** a|b ~c &copy; &amp;")
    topics = {"cs.LG": "<b>ML</b>", "medicine": "Medicine"}
    papers = [paper(1, title=hostile, topics=("cs.LG", "medicine")),
              paper(2, id='x" onmouseover="alert(5)', title="Quoted id", topics=("cs.LG", "medicine"), authors=("Eve",)),
              paper(3, title="Plain")]
    html = briefings.offline(briefings.count(papers, topics, Radar(authors=("Eve",), keywords=())), topics, "en")
    parsed = _Markup()
    parsed.feed(html)
    assert {tag for tag, _ in parsed.tags} <= {"p", "strong", "ul", "li", "a"}
    links = [(tag, attrs) for tag, attrs in parsed.tags if attrs]
    assert links and all(tag == "a" and [name for name, _ in attrs] == ["href"] for tag, attrs in links)
    assert {value for _, attrs in links for _, value in attrs} == {"#arXiv:2606.10001", '#x" onmouseover="alert(5)'}
    text = "".join(parsed.text)
    assert hostile in text and "<b>ML</b>" in text   # shown as the feed wrote it, no stray Markdown backslashes
    assert "<script" not in html and "<img" not in html and "<b>" not in html and 'href="javascript' not in html
    feed = briefings.plain_text(html)
    assert hostile in feed and "<b>ML</b>" in feed


def test_themes_skip_stopwords_and_prefer_two_word_terms():
    top = briefings.themes(["Learning the learning rate", "A new approach to learning rate schedules", "Other"])
    assert top == [("learning rate", 2)]


@pytest.mark.parametrize("days", [
    [["Learning the learning rate", "A new approach"], ["to learning rate schedules", "Other"]],   # once a day each
    [["Sparse models of sparse data"], ["Sparse data", "Graph models"], ["Graph models of data", "Graph data"]],
    [["Quantum walks"], [], ["Quantum walks on graphs", "Random walks on graphs", "Random graphs"]],   # ties, an empty day
    [["Once only here"], ["Once only there"]],   # words seen twice in all, never twice on one day
])
def test_themes_of_several_days_equal_the_themes_of_all_their_titles(days):
    # A week's page sums its days' title_terms (site/weeks.py keeps them per day): the same themes, in the same order.
    assert briefings.themes_of(briefings.title_terms(titles) for titles in days) == briefings.themes(
        [title for titles in days for title in titles])
    assert briefings.themes_of(briefings.title_terms(titles) for titles in days)   # each case has a theme


def test_briefing_files_round_trip_and_hand_written_ones_still_show(tmp_path):
    archive = Archive(tmp_path)
    stored = Briefing(D, "zh", "deepseek-chat", "b1.1", "abc", "### 主题\n\n---\n\n正文 [01](#arXiv:1)")
    assert archive.write_briefing(stored) and not archive.write_briefing(stored)
    assert archive.read_briefings() == {(D, "zh"): stored}
    (tmp_path / "days" / "2026-06-16.briefing.en.md").write_text("Written by hand.\n", encoding="utf-8")
    hand = archive.read_briefing(date(2026, 6, 16), "en")
    assert hand.text == "Written by hand." and hand.model == ""


def test_endpoint_needs_a_key_or_a_base_url():
    options = LLMOptions()
    assert endpoint(options, {}) is None
    assert endpoint(options, {"OPENAI_API_KEY": "sk-1"}).url == "https://api.openai.com/v1"
    local = endpoint(options, {"OPENAI_BASE_URL": "http://127.0.0.1:11434/v1"})
    assert local.url == "http://127.0.0.1:11434/v1" and local.key == "not-needed"
    assert endpoint(options, {"OPENAI_API_KEY": "sk-1"}, demo=True) is None
    assert endpoint(LLMOptions(enabled=False), {"OPENAI_API_KEY": "sk-1"}) is None
    assert endpoint(LLMOptions(api_key_env="DEEPSEEK_KEY"), {"DEEPSEEK_KEY": "k"}).key == "k"
    assert endpoint(options, {"OPENAI_API_KEY": "sk-1", "OPENAI_MODEL": "deepseek-chat"}).model == "deepseek-chat"
    # the workflow sets unset repository variables as empty strings: they change nothing
    assert endpoint(options, {"OPENAI_API_KEY": "", "OPENAI_BASE_URL": "", "OPENAI_MODEL": ""}) is None
    assert endpoint(options, {"OPENAI_API_KEY": "sk-1", "OPENAI_MODEL": ""}).model == "gpt-4o-mini"


def test_estimate_tokens_counts_cjk_per_character():
    assert estimate_tokens("中文摘要") == 5 and estimate_tokens("a" * 40) == 11


def test_llm_config_errors_name_key_and_line(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text("topics: {t: T}\nsources:\n  - {id: a, label: A, topic: t, url: a.xml}\n"
                    "llm:\n  languages: [en, fr]\n  base_url: ftp://x\n  concurrency: 0\n  modle: x\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    problems = caught.value.problems
    assert "sources.yaml:7: llm.concurrency: expected a positive number, got 0" in problems
    assert any(p.startswith("sources.yaml:8: llm.modle: unknown key") for p in problems)
    path.write_text("topics: {t: T}\nsources:\n  - {id: a, label: A, topic: t, url: a.xml}\n"
                    "llm:\n  languages: [en, fr]\n  base_url: ftp://x\n  api_key_env: 'my key'\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.problems == [
        "sources.yaml:5: llm.languages: unknown language 'fr' (known: en, zh)",
        "sources.yaml:6: llm.base_url: expected an http(s) URL such as http://127.0.0.1:11434/v1, got 'ftp://x'",
        "sources.yaml:7: llm.api_key_env: expected the name of an environment variable, got 'my key'"]


def test_a_big_day_is_sampled_across_topics_for_the_briefing():
    papers = [paper(i, topics=("cs.LG",)) for i in range(300)] + [paper(1000 + i, topics=("medicine",)) for i in range(5)]
    chosen = briefing.sample(papers, limit=20)
    assert len(chosen) == 20 and sum(p.topics == ("medicine",) for _, p in chosen) == 5
    assert [n for n, _ in chosen] == sorted(n for n, _ in chosen) and chosen[-1][0] == 305   # card numbers kept
    sent = task({"messages": [{}, {"content": briefing.request(papers, {}, ["en"])}]})["papers"]
    assert len(sent) == briefing.MAX_PAPERS and len(sent[0]["abstract"]) <= 140


def test_a_rendered_day_shows_the_offline_briefing_per_language_and_its_feed_text(tmp_path):
    config = load_config(Path(__file__).resolve().parent.parent / "demo" / "sources.yaml")
    hostile = "Cross <script>alert(1)</script> [03](javascript:alert(2))"
    papers = (paper(1, title=hostile, topics=("cs.LG", "cs.CV")), paper(2, title="Plain one"))
    render_site(config, [Day(D, papers)], State(), tmp_path)
    page = (tmp_path / D.isoformat() / "index.html").read_text()
    assert page.count('class="briefing briefing-offline"') == 1

    def variant(lang):
        return page.split(f'data-variant="{lang}"', 1)[1].split("</div>", 1)[0]

    en, zh = variant("en"), variant("zh")
    assert "Machine Learning 2 · Computer Vision 1" in en and "机器学习（2） · 计算机视觉（1）" in zh
    assert "(Machine Learning, Computer Vision)" in en and "（机器学习、计算机视觉）" in zh
    for html in (en, zh):
        assert '<a href="#arXiv:2606.10001">01</a> Cross &lt;script&gt;alert(1)&lt;/script&gt; ' \
               "[03](javascript:alert(2))" in html and "<script" not in html and 'href="javascript' not in html
    front = (tmp_path / "index.html").read_text()
    assert front.split('data-variant="en"', 1)[1].split("</div>", 1)[0] == en
    atom = "{http://www.w3.org/2005/Atom}"
    [content] = ElementTree.parse(tmp_path / "briefing.xml").getroot().iter(f"{atom}content")
    assert content.get("type") == "text"
    assert content.text.startswith("Offline briefing: no language model is configured")
    assert f"1 paper is listed under more than one topic: 01 {hostile} (Machine Learning, Computer Vision)" in content.text
    assert content.text.endswith("not written by a language model.")


def test_the_day_index_keeps_each_days_themes_and_the_briefing_uses_them():
    from digest.site.index import DayInfo, index_entry
    titles = ["Diffusion models for tumour segmentation", "Diffusion models in weather forecasting", "Tumour growth"]
    day = Day(date(2026, 6, 10), tuple(paper(n, title=t) for n, t in enumerate(titles, 1)), ())
    info = index_entry(day, "key", Radar(), 20)
    assert info.themes == tuple(briefings.themes(titles)) and ("diffusion models", 2) in info.themes
    assert DayInfo.from_json(json.loads(json.dumps(info.to_json()))) == info   # kept in the manifest as it was
    # A day whose first page is rendered again says the themes the index kept, without counting its titles.
    kept = briefings.Briefings({}, "en", ("en",), {}, lambda p: (), {day.day: (("kept theme", 7),)})
    assert "kept theme (7)" in kept.shown(day, "en").html and "diffusion models" not in kept.shown(day, "en").html
