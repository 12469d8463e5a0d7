"""The reader's features as generated files: catalogs, search shards, radar, batches, math, and page hygiene."""

import json
import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import feedparser
import pytest

from digest.archive import Day, State
from digest.config import Radar, load_config
from digest.errors import ConfigError
from digest.i18n import MESSAGES
from digest.papers import Paper
from digest.radar import radar_hits
from digest.site import render_site
from digest.site.searchdb import content_name
from digest.site.searchrows import read_rows

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "templates" / "static"
D1, D2 = date(2026, 5, 29), date(2026, 6, 2)
# Our own scripts only: classic ones deferred, the reader script as an ES module (deferred by itself), and the
# language's, which must run before the body paints.
OWN_SCRIPT = re.compile(r'<script (?:src="(?:\./|/|(?:\.\./)*)static/[\w./-]+\.js" defer|'
                        r'src="(?:\./|/|(?:\.\./)*)static/i18n/lang\.js"|'
                        r'type="module" src="(?:\./|/|(?:\.\./)*)static/js/[\w-]+\.js")></script>')


def paper(n, day, **kw):
    values = dict(id=f"arXiv:2606.{20000 + n}", title=f"Paper number {n}", authors=("Ada Lovelace", f"Author {n}"),
                  abstract=f"We study problem {n} in depth. " + "It is a hard problem with a long history. " * 12 + "We solve it.", url=f"https://arxiv.org/abs/2606.{20000 + n}",
                  day=day, sources=("arxiv-cs-lg",), topics=("cs.LG",), version=1, announce="new")
    values.update(kw)
    return Paper(**values)


@pytest.fixture
def config():
    return load_config(ROOT / "demo" / "sources.yaml")


@pytest.fixture
def site(tmp_path, config):
    day1 = tuple(paper(i, D1) for i in range(1, 46))
    day2 = (paper(100, D2, title="Regret bounds of $O(\\sqrt{T})$ for optimal transport", authors=("Chiwun Yang",),
                  summary={"en": "An English summary.", "zh": "中文摘要。"}, summary_model="test-model"),
            paper(101, D2, authors=("Jörg Müller",)))
    render_site(config, [Day(D1, day1), Day(D2, day2)], State(), tmp_path)
    return tmp_path


def test_catalogs_are_complete_in_both_languages(site, config):
    assert set(MESSAGES["en"]) == set(MESSAGES["zh"])
    script = (site / "static/i18n/lang.js").read_text()
    messages = json.loads(re.search(r"var DATA = (\{.*\});", script).group(1))["messages"]
    en, zh = messages["en"], messages["zh"]
    assert set(en) == set(zh) and en["another_batch"] == "Another batch" and zh["another_batch"] == "换一批"
    assert zh["topic.cs.LG"] == "机器学习" and zh["site.heading"] == "探索全球前沿学术脉络"
    # every key a page asks the script to translate exists in both catalogs
    for page in site.rglob("*.html"):
        for key in re.findall(r'data-i18n(?:-opt)?="([^"]+)"', page.read_text()) + \
                re.findall(r'data-i18n-attr="[\w-]+:([\w.]+)"', page.read_text()):
            assert key in en and key in zh, (page, key)
    # and every message the script formats itself
    scripts = "".join(path.read_text() for path in sorted((STATIC / "js").glob("*.js")))
    assert 'fmt("batch_status"' in scripts
    assert 'labelled("followed_mark"' in scripts
    for key in re.findall(r'(?:fmt|labelled)\("(\w+)"', scripts):
        assert key in en and key in zh, key


def test_pages_render_once_and_carry_the_switch(site):
    front = (site / "index.html").read_text()
    assert '<html lang="en" data-lang="en" data-langs="en zh" data-root="./">' in front
    assert 'id="lang-switch"' in front and 'data-lang="zh"' in front and "hidden" in front
    assert not list(site.glob("zh/**/*.html")), "a second language must not double the pages"
    # a second-language summary rides along only where the archive has one
    assert front.count("data-summary-zh=") == 1 and 'data-summary-zh="中文摘要。"' in front


def test_batch_markup_keeps_every_card(site):
    day = (site / D1.isoformat() / "index.html").read_text()
    assert 'data-batch-size="20"' in day and 'id="another-batch"' in day
    pages = [day, *(p.read_text() for p in sorted((site / D1.isoformat() / "page").glob("*/index.html")))]
    numbers = [n for page in pages for n in re.findall(r'<p class="num"><a href="[^"]*">(\d+)\.</a></p>', page)]   # pages split by weight
    assert numbers == [f"{i:02d}" for i in range(1, 46)]
    small = (site / D2.isoformat() / "index.html").read_text()
    assert 'id="another-batch"' not in small  # two cards fit one batch


def test_author_links_work_without_script(site):
    day = (site / D2.isoformat() / "index.html").read_text()
    assert '<a class="author" href="../search/?author=J%C3%B6rg%20M%C3%BCller" data-author="Jörg Müller">' in day
    assert 'id="author-filter" class="filterbar" hidden' in day and 'id="author-filter-clear"' in day


def test_search_index_has_a_segment_per_month_named_by_content(site):
    manifest = json.loads((site / "search/index.json").read_text())
    assert [s["name"] for s in manifest["segments"]] == ["2026-05", "2026-06"]   # oldest first: their numbers
    assert [s["count"] for s in manifest["segments"]] == [45, 2]
    may = read_rows((site / "search" / manifest["segments"][0]["rows"]).read_bytes())
    assert may[0][:5] == ["arXiv:2606.20001", "2026-05-29", "Paper number 1", "Ada Lovelace|Author 1", 2]
    june = read_rows((site / "search" / manifest["segments"][1]["rows"]).read_bytes())
    assert june[0][5] == "An English summary."
    for seg in manifest["segments"]:
        for kind in ("post", "rows"):
            data = (site / "search" / seg[kind]).read_bytes()
            assert seg[kind] == content_name(seg["name"], data, kind)   # a new build's file has a new name
    files = [site / "search" / manifest["dir"], *(site / "search" / d["file"] for d in manifest["dicts"])]
    assert all(f.is_file() for f in files) and manifest["papers"] == 47


@pytest.mark.parametrize("authors,keywords,title,names,expected", [
    (("Chiwun Yang",), (), "A paper", ("chiwun  yang",), ("Chiwun Yang",)),
    (("Jorg Muller",), (), "A paper", ("Jörg Müller",), ("Jorg Muller",)),
    (("Chiwun Yang",), (), "A paper", ("Chiwun Yangson",), ()),
    ((), ("RNA",), "Internal dynamics", (), ()),                       # whole words only
    ((), ("RNA",), "RNAs in the cell", (), ("RNA",)),                  # plural still matches
    ((), ("optimal transport",), "Optimal-transport costs", (), ("optimal transport",)),
    ((), ("foundation model",), "Foundation models for tables", (), ("foundation model",)),
])
def test_radar_matches(authors, keywords, title, names, expected):
    p = paper(1, D1, title=title, authors=names, abstract="")
    assert radar_hits(p, Radar(authors, keywords)) == expected


def test_radar_page_and_feed(site):
    page = (site / "radar/index.html").read_text()
    assert 'id="owner-radar"' in page and 'id="follow-form"' in page
    assert 'href="../2026-06-02/#arXiv:2606.20100"' in page and "Chiwun Yang, optimal transport" in page
    assert "We study problem" not in page  # compact entries: never the abstract
    feed = feedparser.parse((site / "radar/feed.xml").read_bytes())
    assert not feed.bozo and [e.title for e in feed.entries] == ["Regret bounds of $O(\\sqrt{T})$ for optimal transport"]
    card = (site / "2026-06-02/index.html").read_text().split('id="arXiv:2606.20100"', 1)[1].split("</article>")[0]
    assert 'class="radar-mark"' in card


def test_radar_config_is_validated(tmp_path):
    text = (ROOT / "demo" / "sources.yaml").read_text()
    line = text.splitlines().index("  authors: [Chiwun Yang]") + 1
    path = tmp_path / "sources.yaml"
    for change, expected in [("  authors: [Chiwun Yang, x]", f"sources.yaml:{line}: radar.authors[1]: expected a name or "
                                                             "word of at least 2 letters, got 'x'"),
                             ("  authors: Chiwun Yang", f"sources.yaml:{line}: radar.authors: expected a list of strings"),
                             ("  people: [Chiwun Yang]", f"sources.yaml:{line}: radar.people: unknown key")]:
        path.write_text(text.replace("  authors: [Chiwun Yang]", change))
        with pytest.raises(ConfigError) as err:
            load_config(path)
        assert str(err.value).startswith(expected), str(err.value)


def test_math_is_mathml_written_by_the_build_and_no_page_loads_a_typesetter(site):
    with_math = (site / D2.isoformat() / "index.html").read_text()
    assert "<math>" in with_math
    for page in site.rglob("*.html"):
        text = page.read_text()
        assert "katex" not in text.lower() and "math.js" not in text and "math-delimiters" not in text, page
    assert not (site / "static" / "katex").exists() and not (site / "static" / "math.js").exists()


def test_no_inline_script_and_no_other_host(site):
    for page in site.rglob("*.html"):
        text = page.read_text()
        assert "<script" not in OWN_SCRIPT.sub("", text), page
        assert not re.search(r"<[^>]+\son\w+\s*=", text), page
        assert "script-src 'self'" in text and "style=" not in text, page
        # the only absolute URLs are the papers' own links (abstract page and PDF)
        for url in re.findall(r'(?:href|src)="([^"]+)"', text):
            assert not url.startswith("//") and (not url.startswith("http") or re.match(r"https://arxiv\.org/(abs|pdf)/", url)), (page, url)
    for asset in list(STATIC.rglob("*.js")) + list(STATIC.rglob("*.css")):
        assert not re.search(r"https?://", asset.read_text()), asset


def test_day_topic_and_topic_pages_are_compact(site):
    topic_day = (site / D1.isoformat() / "cs.LG" / "index.html").read_text()
    assert topic_day.count('class="entry"') == 45 and "We study problem" in topic_day  # the short summary
    assert "We solve it." not in topic_day and "<details" not in topic_day
    assert 'href="../#arXiv:2606.20001"' in topic_day


def test_message_arguments_from_an_llm_stay_inert(tmp_path, config):
    hostile = paper(1, D1, summary={"en": "Fine."}, summary_model="m'><script>alert(1)</script>&\"")
    render_site(config, [Day(D1, (hostile,))], State(), tmp_path)
    day = (tmp_path / D1.isoformat() / "index.html").read_text()
    assert "<script>" not in day
    args = re.search(r"data-i18n=\"summary_llm\" data-i18n-args='([^']*)'", day).group(1)
    unescaped = args.replace("&lt;", "<").replace("&#39;", "'").replace("&amp;", "&")
    assert json.loads(unescaped) == {"model": "m'><script>alert(1)</script>&\""}
