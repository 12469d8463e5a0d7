"""What a reader sees of real feeds (../shared/corpus/real/, its README says where each file comes from): every
title, abstract and author after parsing, and the math of a rendered page (in its HTML and in a browser). Read from there, never copied; the
tests skip when the folder is absent."""

from __future__ import annotations

import html
import json
import re
from datetime import date
from pathlib import Path

import pytest

from browser_fixtures import serve_site
from digest.archive import Day, State
from digest.clean import has_math
from digest.config import load_config
from digest.papers import new_paper
from digest.site import render_site
from digest.site.mathml import math_html
from digest.sources import parse_feed
from digest.sources.biorxiv import parse_page
from digest.sources.feed import Entry

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT.parent / "shared" / "corpus" / "real"
FAMILIES = {"arxiv": "arxiv", "biorxiv": "biorxiv", "nature": "nature", "cell": "generic"}
FILES = sorted(p.name for p in REAL.iterdir() if p.name != "README.md") if REAL.is_dir() else []
pytestmark = pytest.mark.skipif(not FILES, reason=f"{REAL} is absent")

# What must never reach a reader outside math: TeX text commands and escapes, bioRxiv's export artifacts,
# markup of any kind (MathML's included), a dash or tie TeX would have typeset.
RAW_TEX = re.compile(r"\\(?:textbf|textit|emph|url|href|texttt|%|&)|\{\\(?:em|bf|it)\b|(?<=\S)--(?!-)|(?<=\w)~(?=\w)")
ARTIFACT = re.compile(r"[.!?]nn[A-Z]|\{(?:[Dd]elta|alpha|beta|gamma|mu|Omega)\}")
MARKUP = re.compile(r"</?[A-Za-z][\w:-]*(?:\s[^<>]*)?/?>")
MATH_SPAN = re.compile(r"\$\$.+?\$\$|\$[^$]+\$|\\\(.+?\\\)|\\\[.+?\\\]", re.S)


def entries(name: str) -> list[Entry]:
    """The entries of one real file, parsed as the fetch stage parses that family."""
    body = (REAL / name).read_bytes()
    if name.endswith(".json"):
        return parse_page(body, "real", "biorxiv").entries
    return parse_feed(body, "real", FAMILIES[name.split("-")[0]])


def by_id(name: str) -> dict[str, Entry]:
    return {e.id: e for e in entries(name)}


@pytest.mark.parametrize("name", FILES)
def test_a_reader_sees_no_raw_tex_artifact_or_markup(name):
    found = entries(name)
    assert found, f"{name}: no entries"
    for entry in found:
        for field, text in (("title", entry.title), ("abstract", entry.abstract)):
            prose = MATH_SPAN.sub(" ", text)
            for pattern in (RAW_TEX, ARTIFACT, MARKUP):
                assert not pattern.search(prose), f"{name} {entry.id} {field}: {pattern.search(prose)!r} in {text[:300]!r}"
        for author in entry.authors:
            assert not MARKUP.search(author) and "," not in author and author[:1].isupper(), f"{name} {entry.id}: {author!r}"
            assert not re.fullmatch(r"(?:[A-Za-z]\.\s*)+|[a-z][\w-]*", author), f"{name} {entry.id}: {author!r} is half a name"


def test_biorxiv_rdf_reads_right():
    papers = by_id("biorxiv-plantbio-2019-08-27.rdf")
    # 12 of its 30 abstracts lost a paragraph break as `nn` (14 breaks)
    assert "by aquatic ecosystems. One sentence summary" in papers["doi:10.1101/745463"].abstract
    raw = (REAL / "biorxiv-plantbio-2019-08-27.rdf").read_text(encoding="utf-8")
    breaks = re.findall(r"(\w+)\.nn([A-Z]\w*)", raw)    # read from the file itself, not through the parser
    assert len(breaks) == 14 and sum(".nn" in p.split("</description>")[0] for p in raw.split("<description>")[1:]) == 12
    abstracts = " ".join(p.abstract for p in papers.values())
    for before, after in breaks:
        assert f"{before}. {after}" in abstracts, (before, after)
    assert "growth defects of yeast vip1\u0394 genotype" in papers["doi:10.1101/743294"].abstract
    assert "nearly ~60%" in papers["doi:10.1101/745364"].abstract     # `~` meaning "about" stays
    hickman = papers["doi:10.1101/742742"].authors
    assert hickman[-3:] == ("K. Denby", "C. C. M. J. Pieterse", "S. C. M. Van Wees") and len(hickman) == 8
    lower = next(p for p in papers.values() if "A. Zhang" in p.authors)
    assert lower.authors == ("A. Zhang", "X. Jiang", "X. Zhang")


def test_arxiv_text_commands_read_as_text_and_math_stays_as_written():
    ai = by_id("arxiv-rss-cs_ai-2026-04-27.xml")["arXiv:2604.21936"].abstract
    assert "become central: adaptability, the ability" in ai and "and reproducibility, the guar" in ai
    stat = by_id("arxiv-rss-stat-2024-03-26.xml")
    abstracts = " ".join(e.abstract for e in stat.values())
    assert "where 46.62% responses are censored" in abstracts
    assert re.search(r"source code is published at: https://github\.com/\S+", abstracts)
    assert "reproducible source code: https://github.com/kaist-silab/bootgen." in abstracts   # \href{u}{u}
    assert "Dvoretzky\u2013Kiefer\u2013Wolfowitz\u2013Massart inequality" in abstracts
    assert "we introduce a novel distribution-consistency" in abstracts
    display = stat["arXiv:2403.16828"].abstract
    assert "Suppose $$\\alpha_n=\\mathcal{N}_p(M_n,Q_n)$$ where $M_n=\\frac{1}{n}" in display
    bracket = by_id("arxiv-api-mathNT-AG-2026-06-29.atom")["arXiv:2606.28091"].abstract
    assert re.search(r"\\\[ \S.*\\otimes.*\\\]", bracket) and has_math(bracket)
    old = " ".join(e.abstract for e in entries("arxiv-old-rss1-math-2012-09-12.xml"))
    assert "$$v_{tt}(x,t)-\\Delta v(x,t)" in old and "converge with probability 1." in old
    assert "Kollár" in old and "Schrödinger" in old


@pytest.fixture(scope="module")
def math_site(tmp_path_factory):
    """A site rendered from the real items holding display math ($$…$$, \\[…\\]) and inline math."""
    stat = by_id("arxiv-rss-stat-2024-03-26.xml")
    api = by_id("arxiv-api-mathNT-AG-2026-06-29.atom")
    day = date(2026, 6, 16)
    picked = [stat["arXiv:2403.16828"], api["arXiv:2606.28091"]]
    papers = tuple(new_paper(e, ("arxiv-cs-lg",), day, {"arxiv-cs-lg": "cs.LG"}) for e in picked)
    site = tmp_path_factory.mktemp("site")
    render_site(load_config(ROOT / "demo" / "sources.yaml"), [Day(day, papers)], State(), site)
    return site, papers


def test_rendered_display_math_is_mathml_in_display_mode(math_site):
    site, papers = math_site
    page = (site / "2026-06-16" / "index.html").read_text(encoding="utf-8")
    assert "katex" not in page and "math.js" not in page
    for paper in papers:
        spans = re.findall(r"\$\$.+?\$\$|\\\[.+?\\\]", paper.abstract, re.S)
        assert spans, paper.id
        for span in spans:   # each display span reaches the page whole, typeset as display MathML
            assert math_html(span).removeprefix('<span class="math-wide">').startswith('<math display="block">'), span   # a long one in its scroll box
            assert math_html(span) in page, span
    assert page.count('<math display="block">') >= 2 and page.count("<math>") >= 2   # and the inline ones too
    search = (site / "search" / "index.html").read_text(encoding="utf-8")
    assert "katex" not in search and "math.js" not in search


def test_feeds_carry_math_as_tex_source(math_site):
    site, papers = math_site
    feed = html.unescape((site / "feed.xml").read_text(encoding="utf-8"))
    assert "local $γ$-factor for the exterior cube representation of $\\mathrm{GL}_6$." in feed
    assert "<math" not in feed and "katex" not in feed


# The classes none of the real files shows, as a publisher's RSS 2.0 writes them (ScienceDirect's MathML titles,
# a footnote mark linked from a title's word).
WRITTEN = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Journal</title>
<link>https://www.sciencedirect.com/journal/x</link><description>x</description>
<item><title><![CDATA[Ramsey numbers of <math xmlns="http://www.w3.org/1998/Math/MathML" altimg="si1.svg"><mrow><msub>
<mi>P</mi><mn>3</mn></msub></mrow></math>-free graphs]]></title>
<link>https://www.sciencedirect.com/science/article/pii/S0001</link><guid>S0001</guid>
<description><![CDATA[<p>We bound <math><mi>R</mi><mo>(</mo><mi>k</mi><mo>)</mo></math> for all k.</p>]]></description></item>
<item><title><![CDATA[Soil carbon<a href="#fn1"><sup>1</sup></a> under drought]]></title>
<link>https://www.sciencedirect.com/science/article/pii/S0002</link><guid>S0002</guid>
<description>Text.</description><dc:creator>Pieterse, C. C. M. J.; zhang, a.</dc:creator></item>
</channel></rss>"""


def test_written_mathml_and_footnote_marks_read_right():
    first, second = parse_feed(WRITTEN, "journal", "generic")
    assert first.title == "Ramsey numbers of ${P}_{3}$-free graphs" and has_math(first.title)
    assert first.abstract == "We bound $R(k)$ for all k."
    assert second.title == "Soil carbon under drought"
    assert second.authors == ("C. C. M. J. Pieterse", "A. Zhang")


def test_a_browser_shows_every_delimiter_typeset(math_site, new_context):
    """The build's MathML shows `$$…$$` and `\\[…\\]` as display math and `$…$` inline, JavaScript off: no delimiter
    is left in the text a reader sees."""
    site, papers = math_site
    page = new_context(java_script_enabled=False).new_page()
    page.goto(f"{serve_site(site)}2026-06-16/")
    for paper in papers:
        abstract = page.locator(f'article.card[id="{paper.id}"] div.abstract p')
        assert abstract.locator('math[display="block"]').count() >= 1, paper.id
        assert abstract.locator("math").count() >= 3, paper.id
        shown = abstract.text_content()
        assert not re.search(r"\$|\\\[|\\\(", shown), shown[:300]
