"""Hostile feeds end to end: script tags, event handlers and script URLs in every field never become active
content on a page, in a feed, in the OPML or the sitemap, and the pages' CSP forbids inline and foreign script."""

from dataclasses import replace
from pathlib import Path

import pytest
from activecheck import bad_url, csp_problems, html_problems, site_problems

import build
from digest.archive import Archive

DAY = "2026-06-17"

# Links as feeds may carry them; the XML parser decodes the entities, so several arrive as plain `javascript:`.
HOSTILE_LINKS = [
    "javascript:alert('l1')",
    "jav&amp;#x61;script:alert('l2')",           # double-encoded: reaches us as `jav&#x61;script:`
    "jav&#x61;script:alert('l3')",               # decoded by the XML parser to `javascript:`
    "JaVaScRiPt:alert('l4')",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    " &#9;java&#9;script:alert('l6')",           # tabs inside the scheme, which browsers drop
    "vbscript:msgbox('l7')",
    "https://example.org/ok&quot; onmouseover=&quot;alert('l8')",
    "//evil.example/protocol-relative",
    "&#x6A;avascript&#x3A;alert('l10')",
]

ABSTRACT = ("<![CDATA[<p onclick=\"alert('a1')\">Abstract {i} text.</p><script>alert('a2')</script>"
            "<img src=x onerror=\"alert('a3')\"><a href=\"javascript:alert('a4')\">click</a>"
            "<iframe src=\"https://evil.example/\"></iframe> &lt;script&gt;alert('a5')&lt;/script&gt; "
            "<svg/onload=alert('a6')> <style>body{{background:url(https://evil.example/x.png)}}</style>"
            "<object data=\"javascript:alert('a7')\"></object> [<a href='jav&#x61;script:alert(1)'>x</a>]]]>")


def generic_feed() -> str:
    items = []
    for i, link in enumerate(HOSTILE_LINKS):
        items.append(
            f"<item><title>&lt;script&gt;alert('t{i}')&lt;/script&gt;Hostile &lt;b onmouseover=\"alert(1)\"&gt;title"
            f"&lt;/b&gt; {i} &lt;img src=x onerror=alert('t')&gt;</title><link>{link}</link>"
            f"<guid>{link}#{i}</guid><description>{ABSTRACT.format(i=i)}</description>"
            f"<dc:creator>&lt;img src=x onerror=alert('au{i}')&gt;Eve {i}, Mallory \"onmouseover=alert(1) x=\"</dc:creator>"
            f"<category>&lt;script&gt;alert('c{i}')&lt;/script&gt;</category>"
            f"<pubDate>Wed, 17 Jun 2026 08:00:00 GMT</pubDate></item>")
    return ('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            "<channel><title>Hostile &lt;script&gt;</title><link>javascript:alert('channel')</link>"
            + "".join(items) + "</channel></rss>\n")


def arxiv_feed() -> str:
    """An arXiv-shaped feed whose categories, authors and abstract carry markup."""
    item = ("<item><title>Cross &lt;script&gt;alert('x')&lt;/script&gt; paper</title>"
            "<link>https://arxiv.org/abs/2606.99901</link><guid>oai:arXiv.org:2606.99901v1</guid>"
            "<description>arXiv:2606.99901v1 Announce Type: new Abstract: &lt;script&gt;alert('ab')&lt;/script&gt;"
            " We show &lt;img src=x onerror=alert(1)&gt; that a &lt; b. Math too: $\\href{javascript:alert('m1')}{x}$, "
            "$\\text{&lt;script&gt;alert('m2')&lt;/script&gt;}$, $\\text{&lt;img src=x onerror=alert('m3')&gt;}$, "
            "$\\hspace{9999em}x$, $\\style{color:red}{x}$ and $\\class{skip}{x}$.</description>"
            "<category>cs.LG</category><category>&lt;script&gt;alert('c1')&lt;/script&gt;</category>"
            "<category>x\" onclick=\"alert('c2')</category><category>javascript:alert('c3')</category>"
            "<dc:creator>Alice &lt;script&gt;alert(1)&lt;/script&gt;, Bob \" onmouseover=\"alert(2)</dc:creator>"
            "<pubDate>Wed, 17 Jun 2026 00:00:00 -0400</pubDate><arxiv:announce_type>new</arxiv:announce_type></item>")
    return ('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:arxiv="http://arxiv.org/schemas/atom"><channel><title>cs.LG</title>'
            f"<link>https://rss.arxiv.org/rss/cs.LG</link>{item}</channel></rss>\n")


SUMMARY = "LLM says <script>alert('llm')</script><img src=x onerror=alert(2)> [x](javascript:alert(3)) done."


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    (tmp / "hostile.xml").write_text(generic_feed(), encoding="utf-8")
    (tmp / "arxiv.xml").write_text(arxiv_feed(), encoding="utf-8")
    (tmp / "sources.yaml").write_text(
        "site: {title: 'Hostile', base_url: 'https://example.github.io/hub/'}\n"
        "topics: {cs.LG: Machine Learning, misc: Misc}\n"
        "sources:\n"
        "  - {id: hostile, label: Hostile, topic: misc, url: hostile.xml, family: generic}\n"
        "  - {id: arxiv-hostile, label: arXiv (CS.LG), topic: cs.LG, url: arxiv.xml, family: arxiv}\n"
        "  - {id: broken, label: Broken, topic: misc, url: \"missing-<script>alert('err')</script>.xml\"}\n",
        encoding="utf-8")
    args = ["--config", str(tmp / "sources.yaml"), "--content", str(tmp / "content"), "--site", str(tmp / "site")]
    assert build.main(["fetch", *args, "--date", DAY]) == 0
    # An LLM's answer is untrusted too: give every paper a hostile summary, as the summary stage would store it.
    archive = Archive(tmp / "content")
    for day in archive.read_days():
        papers = tuple(replace(p, summary={"en": SUMMARY}, summary_model="<b>m</b>") for p in day.papers)
        archive.write_day(replace(day, papers=papers))
    assert build.main(["render", *args]) == 0
    return tmp


def test_hostile_papers_are_stored_and_shown(hostile_site):
    days = Archive(hostile_site / "content").read_days()
    papers = [p for d in days for p in d.papers]
    assert len(papers) == len(HOSTILE_LINKS) + 1  # every item became a card, none was lost
    for paper in papers:
        assert paper.url == "" or paper.url.startswith("https://"), paper.url
        assert bad_url(paper.url) is None
    page = (hostile_site / "site" / DAY / "index.html").read_text(encoding="utf-8")
    assert "Hostile" in page and "Abstract 3 text." in page
    assert "&lt;script&gt;alert(&#39;a5&#39;)&lt;/script&gt;" in page  # shown as text, escaped
    assert "LLM says &lt;script&gt;" in page
    assert "Alice" in page and "Bob" in page
    # Math: typeset where harmless, shown as the TeX written where the converter refuses it (\href, \style, \class)
    assert '<math><mspace width="3em"></mspace><mi>x</mi></math>' in page   # \hspace{9999em} clamped
    assert '<span class="tex">$\\href{javascript:alert(&#39;m1&#39;)}{x}$</span>' in page


def test_no_active_content_anywhere_in_the_site(hostile_site):
    site = hostile_site / "site"
    kinds = {p.suffix for p in site.rglob("*") if p.is_file()}
    assert {".html", ".xml", ".opml"} <= kinds
    problems = site_problems(site, own_prefix="https://example.github.io/hub/")
    assert problems == [], "\n".join(problems[:20])


def test_status_page_escapes_error_text(hostile_site):
    page = (hostile_site / "site" / "status" / "index.html").read_text(encoding="utf-8")
    assert "source &#39;broken&#39;: file not found" in page
    assert "missing-&lt;script&gt;alert(&#39;err&#39;)&lt;/script&gt;.xml" in page
    problems, csp = html_problems(page, "status")
    assert problems == [] and csp


def test_csp_forbids_inline_script_and_other_hosts(hostile_site):
    pages = list((hostile_site / "site").rglob("*.html"))
    assert len(pages) >= 5
    for page in pages:
        _, csp = html_problems(page.read_text(encoding="utf-8"), page.name)
        assert csp_problems(csp, page.name) == []


@pytest.mark.parametrize("csp", [
    "default-src 'self'; script-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'",
    "default-src 'self'; script-src 'self' https://cdn.example; object-src 'none'; base-uri 'none'",
    "default-src *; object-src 'none'; base-uri 'none'",
    "style-src 'self'",
    None,
])
def test_the_csp_check_rejects_weak_policies(csp):
    assert csp_problems(csp, "page")


@pytest.mark.parametrize("markup", [
    "<script>alert(1)</script>", "<a href='jav&#x61;script:alert(1)'>x</a>", "<a href=' JaVa\tScRiPt:x'>x</a>",
    "<img src=x onerror=alert(1)>", "<a href='data:text/html,x'>x</a>", "<iframe src='/x'></iframe>",
    "<img src='https://evil.example/t.gif'>", '<script src="https://cdn.example/x.js"></script>',
    '<script src="static/site.js">alert(1)</script>', '<form action="https://evil.example/"></form>',
])
def test_the_checker_catches_active_markup(markup):
    assert html_problems(markup, "fragment")[0]
