"""The fast reader of plain arXiv RSS gives exactly what feedparser gives, and steps aside otherwise."""

from pathlib import Path

import pytest

from digest.sources import arxiv, module, parse_feed
from digest.sources.feed import read_items

ROOT = Path(__file__).resolve().parent.parent
ARXIV_FEEDS = sorted((ROOT / "demo" / "feeds").glob("*/arxiv-*.xml"))

ITEM = """<item><title>{title}</title><link>https://arxiv.org/abs/2606.{n}</link>
<description>arXiv:2606.{n}v1 Announce Type: new
Abstract: {abstract}</description><guid isPermaLink="false">oai:arXiv.org:2606.{n}v1</guid>
<category>cs.LG</category><category>stat.ML</category><pubDate>Tue, 16 Jun 2026 00:00:00 -0400</pubDate>
<arxiv:announce_type>new</arxiv:announce_type><dc:creator>{authors}</dc:creator></item>"""
HEAD = ('<?xml version="1.0" encoding="{encoding}"?>\n<rss xmlns:arxiv="http://arxiv.org/schemas/atom" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" version="2.0"><channel><title>cs.LG</title>')


def feed(items: list[dict], encoding: str = "UTF-8", extra: str = "") -> bytes:
    body = "".join(ITEM.format(n=10000 + i, **item) for i, item in enumerate(items))
    return (HEAD.format(encoding=encoding) + body.replace("</item>", extra + "</item>", 1) + "</channel></rss>").encode(
        "utf-8" if encoding == "UTF-8" else encoding, "xmlcharrefreplace")


TRICKY = [
    {"title": "Bounds for &lt;i&gt;sparse&lt;/i&gt; models", "abstract": "It holds &amp;gt90% of the time, for $a&lt;b$.",
     "authors": "Andr\\'e Martins, J\\\"org M\\\"uller and Wei Zhang"},
    {"title": "Na&amp;iumlve   Bayes\n  revisited", "abstract": "We use &amp;microg/mL of &lt;b&gt;bold&lt;/b&gt; text.",
     "authors": "Zoë Ångström, Björn Li"},
    {"title": "Plain", "abstract": "Tabs\tand\nnewlines   squash \u2003 too.", "authors": ""},
]


def slow(body: bytes, family: str = "arxiv"):
    """Parse with feedparser only, as every family but arXiv does."""
    return read_items(body, "arxiv-cs-lg", module(family).ADAPTERS[family]).entries


@pytest.mark.parametrize("path", ARXIV_FEEDS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_demo_arxiv_feeds_read_the_same_both_ways(path):
    body = path.read_bytes()
    assert arxiv.plain_rss_items(body) is not None
    assert parse_feed(body, "arxiv-cs-lg", "arxiv") == slow(body)


def test_entities_markup_tex_and_space_read_the_same_both_ways():
    body = feed(TRICKY)
    assert arxiv.plain_rss_items(body) is not None
    fast = parse_feed(body, "arxiv-cs-lg", "arxiv")
    assert fast == slow(body)
    assert fast[0].abstract == "It holds >90% of the time, for $a<b$." and fast[0].authors[0] == "André Martins"


@pytest.mark.parametrize("body", [
    feed(TRICKY[:1], encoding="ISO-8859-1"),                                    # another encoding
    feed(TRICKY[:1], extra="<content:encoded xmlns:content='x'>more</content:encoded>"),  # another element
    feed([{**TRICKY[2], "authors": "jane@example.org (Jane Roe)"}]),            # an e-mail in the author
    feed(TRICKY[:1]).replace(b"isPermaLink=\"false\"", b""),                    # a permalink guid
    feed(TRICKY[:1]).replace(b"&lt;i&gt;", b"&nbsp;"),                          # an HTML entity: not XML
], ids=["encoding", "element", "email", "permalink", "html-entity"])
def test_other_shapes_go_to_feedparser(body):
    assert arxiv.plain_rss_items(body) is None
    assert parse_feed(body, "arxiv-cs-lg", "arxiv") == slow(body)
    assert parse_feed(body, "arxiv-cs-lg", "arxiv")
