"""A week's page and feed entry with an LLM briefing, hostile model output included: valid HTML by the Nu Html
Checker, no active content (tests/activecheck.py), no character a page or feed must not carry, and a feed valid by
the W3C validator's rules (tests/feedcheck.py).

The week's briefing goes through the daily briefing's gate when it is asked for, then through its sanitiser when
it is rendered. Both ways in are built: through the fake model on 127.0.0.1 (the gate drops the theme with a script
URL, the sanitiser has the rest) and as a file stored as is (a hand-edited content/weeks/ file: the sanitiser alone;
the same text as a day's briefing too, whose page the same sanitiser serves).
"""

from __future__ import annotations

import re
from pathlib import Path
from xml.etree import ElementTree

import pytest
from activecheck import site_problems
from browser_fixtures import vnu_errors
from feedcheck import feed_problems
from llmserver import LLMServer
from test_gate import run
from test_week_briefing import MON, WED, WEEK, answering_weeks_with, project, week_page

from digest.archive import Archive, Briefing

# The briefing's own tags (briefings._TAGS, the links only to cards): no other element, no other attribute
OTHER_TAG = re.compile(r"<(?!/?(?:p|ul|ol|li|strong|em|b|i|h3|h4|code|blockquote|br|hr|a)>|a href=\"(?:\.\./\.\./"
                       r"\d{4}-\d\d-\d\d/)?#arXiv:2606\.\d+\">|/?math[ >]|/?m[a-z]+[ >])[^>]*>")
VARIANT = re.compile(r'<div class="briefing-body" data-variant="(\w+)"[^>]*>\n(.*?)\n *<p class="note">', re.S)
CONTROLS = "\x01\x0b\x1b\x7f\x85\ufffe"
# Neither XML 1.0 nor HTML (a C0 or C1 control, DEL, a noncharacter) lets a page or feed carry these
REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
TAGS = ("<script>alert('x')</script> <img src=x onerror=alert('y')> <b onclick=\"steal()\">{bold}</b> "
        "</div></p><p <em>{unclosed} <iframe src=\"//evil\"> <svg onload=alert('v')>")
HOSTILE = {   # a theme the gate lets through (it cites [01] and [02] of two topics, states only what they state)...
    "en": f"### Across fields <script>alert('x')</script>\n\nBoth [01] and [02] study graphs on 12 benchmarks "
          f"{TAGS.format(bold='bold', unclosed='unclosed')} {CONTROLS} end of the theme.\n\n"
          # ... and one it drops: a script URL, in a link and bare
          "### Scripted\n\nRead [01] and [02] [here](javascript:alert('w')) or javascript:alert('w').",
    "zh": f"### 跨领域\n\n[01] 和 [02] 都在 12 个基准上研究图，这些论文从不同领域出发，得到相互印证的结论，值得对照阅读 "
          f"{TAGS.format(bold='粗体', unclosed='未闭合')} {CONTROLS} 主题结束。\n\n"
          "### 脚本\n\n[01] 和 [02] 请看[这里](javascript:alert('w'))。",
}


def link_script_urls(text: str) -> str:
    """The hand-edited file: script URLs in every place a link can hold one, and the citations already linked."""
    return (text.replace("[01]", "[01](#arXiv:2606.10003)").replace("[02]", "[02](#arXiv:2606.10002)")
            + "\n\n[x](javascript:alert(1)) [y](JaVaScRiPt:alert(2)) [z](data:text/html,x) <javascript:alert(3)> "
              "![p](https://tracker.invalid/p.png) [01](#arXiv:2606.10003\" onmouseover=\"alert(4))")


@pytest.fixture(scope="module", params=["asked", "stored"])
def week_site(request, tmp_path_factory) -> Path:
    """A project whose finished week W25 has a hostile LLM briefing, asked for or stored as is; rendered."""
    tmp_path = tmp_path_factory.mktemp(request.param)
    with LLMServer() as llm:
        config = project(tmp_path, llm)
        archive = Archive(tmp_path / "content")
        if request.param == "asked":
            asked = answering_weeks_with(llm, HOSTILE)
            assert run(tmp_path, config) == 0 and len(asked) == 1
            stored = archive.read_briefing(MON, "en", WEEK)
            assert "Across fields" in stored.text and "Scripted" not in stored.text   # the gate dropped one theme
            assert "<script>" in stored.text           # and kept the other for the sanitiser
        else:
            for lang in ("en", "zh"):   # the week's, and WED's day briefing: the one sanitiser serves both pages
                archive.write_briefing(Briefing(MON, lang, "week-model", "b2.1", "x", link_script_urls(HOSTILE[lang]),
                                                week=WEEK))
                archive.write_briefing(Briefing(WED, lang, "day-model", "b2.1", "x", link_script_urls(HOSTILE[lang])))
        assert not llm.errors, llm.errors
        assert run(tmp_path, config, "render") == 0
    assert 'class="briefing briefing-llm"' in week_page(tmp_path)
    day_page = (tmp_path / "site" / WED.isoformat() / "index.html").read_text(encoding="utf-8")
    assert ("day-model" in day_page) == (request.param == "stored")
    return tmp_path / "site"


def test_the_week_page_with_a_hostile_briefing_is_valid_html(week_site):
    pages = [week_site / "weeks" / WEEK / "index.html", week_site / "weeks" / "index.html",
             week_site / WED.isoformat() / "index.html"]
    assert vnu_errors(pages, week_site) == []


def test_no_hostile_markup_or_character_reaches_the_week_page_or_feed(week_site):
    assert site_problems(week_site) == []
    page = (week_site / "weeks" / WEEK / "index.html").read_text(encoding="utf-8")
    variants = dict(VARIANT.findall(page.split('class="briefing briefing-llm"', 1)[1]))
    assert "end of the theme" in variants["en"] and "主题结束" in variants["zh"]   # the theme is shown in both
    for text in variants.values():
        assert not OTHER_TAG.findall(text)
        assert "&lt;script&gt;" in text                    # the model's tags are shown as the text they were
    assert not REFUSED.search(page)
    feed = (week_site / "weeks" / "feed.xml").read_text(encoding="utf-8")
    assert not REFUSED.search(feed)
    assert feed_problems(week_site) == []
    entry = next(e for e in ElementTree.fromstring(feed).iter("{http://www.w3.org/2005/Atom}entry")
                 if e.findtext("{http://www.w3.org/2005/Atom}title", "").endswith(WEEK))
    content = entry.find("{http://www.w3.org/2005/Atom}content")
    assert content is not None and content.get("type") == "html"   # the sanitised briefing, its citations linked
    text = content.text or ""
    assert "end of the theme" in text and ("week-model" in text or "test-model" in text)   # with its provenance
    assert "&lt;script&gt;" in text            # the model's tags as the text they were (site_problems: no other)
    hrefs = re.findall(r'href="([^"]*)"', text)
    assert hrefs and all(re.fullmatch(r"\d{4}-\d\d-\d\d/#arXiv:2606\.\d+", href) for href in hrefs)   # cards only
    assert ("Scripted" in text) == (week_site.parent.name.startswith("stored"))   # the gate's drop holds here too
