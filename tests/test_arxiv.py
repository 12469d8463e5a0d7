"""arXiv listings: one joined request for every category, split past the item limit, entries back per source,
and the arXiv host never asked twice within the polite interval."""

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from feedserver import FeedServer, ok

from digest.archive import Archive
from digest.sources.arxiv import Group, attribute, group_sources, listing
from digest.collect import collect, fetch_settings
from digest.config import load_config
from digest.sources.feed import Entry

DAY = date(2026, 6, 19)


@pytest.mark.parametrize("url, expected", [
    ("https://rss.arxiv.org/rss/cs.LG", ("https://rss.arxiv.org/rss/", ("cs.LG",))),
    ("https://rss.arxiv.org/atom/cs.LG+cs.AI", ("https://rss.arxiv.org/atom/", ("cs.LG", "cs.AI"))),
    ("http://export.arxiv.org/rss/math.PR/", ("http://export.arxiv.org/rss/", ("math.PR",))),
    ("https://rss.arxiv.org/rss/quant-ph", ("https://rss.arxiv.org/rss/", ("quant-ph",))),
    ("https://rss.arxiv.org/rss/cs.LG?version=2", None),
    ("feeds/2026-06-16/arxiv-cs-lg.xml", None),        # the demo's local files are read one by one
    ("file:///tmp/rss/cs.LG", None),
    ("https://export.arxiv.org/api/query?search_query=cat:cs.LG", None),
])
def test_listing(url, expected):
    assert listing(url) == expected


def test_sources_are_grouped_by_listing_base_in_order():
    groups, others = group_sources([
        ("lg", "https://rss.arxiv.org/rss/cs.LG"), ("local", "feeds/x.xml"), ("cv", "https://rss.arxiv.org/rss/cs.CV"),
        ("pr", "http://export.arxiv.org/rss/math.PR"), ("both", "https://rss.arxiv.org/rss/cs.AI+cs.LG"),
    ])
    assert others == ["local"]
    assert [g.url for g in groups] == ["https://rss.arxiv.org/rss/cs.LG+cs.CV+cs.AI", "http://export.arxiv.org/rss/math.PR"]
    first, second = groups[0].halves()
    assert (first.url, second.url) == ("https://rss.arxiv.org/rss/cs.LG", "https://rss.arxiv.org/rss/cs.CV+cs.AI+cs.LG")


def entry(id_, *cats):
    return Entry(sources=("joined",), id=id_, title="T", authors=(), abstract="", url="", categories=cats, announce="new")


def test_entries_go_to_every_source_whose_category_they_list():
    group = Group("https://rss.arxiv.org/rss/", (("lg", ("cs.LG",)), ("cv", ("cs.CV",)), ("ai", ("cs.AI",))))
    got = attribute([entry("a", "cs.LG", "cs.AI"), entry("b", "stat.ML", "cs.cv"), entry("c")], group)
    assert {sid: [e.id for e in found] for sid, found in got.items()} == {"lg": ["a", "c"], "cv": ["b"], "ai": ["a"]}
    assert got["ai"][0].sources == ("ai",)


def item(n: int, cat: str) -> str:
    return (f"<item><title>Paper {n}</title><link>https://arxiv.org/abs/2606.{n:05d}</link>"
            f"<description>arXiv:2606.{n:05d}v1 Announce Type: new \nAbstract: Text {n}.</description>"
            f"<category>{cat}</category><pubDate>Fri, 19 Jun 2026 00:00:00 -0400</pubDate></item>")


def rss(items: list[str]) -> bytes:
    return ("<?xml version='1.0'?><rss version='2.0'><channel><title>arXiv</title>" + "".join(items)
            + "</channel></rss>").encode()


CONFIG = """
fetch: {{attempts: 1, polite_interval: {interval}, stale_window: {window}}}
topics: {{cs.LG: ML, cs.CV: CV, cs.AI: AI, math.PR: Probability}}
sources:
  - {{id: lg, label: LG, topic: cs.LG, url: "{base}/rss/cs.LG", family: arxiv}}
  - {{id: cv, label: CV, topic: cs.CV, url: "{base}/rss/cs.CV", family: arxiv}}
  - {{id: ai, label: AI, topic: cs.AI, url: "{base}/rss/cs.AI", family: arxiv}}
  - {{id: pr, label: PR, topic: math.PR, url: "{base}/rss/math.PR", family: arxiv}}
"""


def config_for(tmp_path: Path, server: FeedServer, interval: float = 0.3, window: float = 0):
    path = tmp_path / "sources.yaml"
    path.write_text(CONFIG.format(base=server.url("").rstrip("/"), interval=interval, window=window))
    return load_config(path)


def polite_settings(config, interval: float):
    # The loopback server stands in for arXiv: give its host arXiv's treatment.
    return replace(fetch_settings(config), polite_hosts={"127.0.0.1": interval})


def test_past_the_item_limit_the_categories_are_split_and_the_host_is_never_rushed(tmp_path):
    interval = 0.3
    with FeedServer() as server:
        per_cat = {"cs.LG": [item(i, "cs.LG") for i in range(1, 4)], "cs.CV": [item(i, "cs.CV") for i in range(11, 14)],
                   "cs.AI": [item(i, "cs.AI") for i in range(21, 23)], "math.PR": [item(31, "math.PR")]}
        # Any joined listing: the items of every category asked, as arXiv answers.
        server.route_prefix("/rss", lambda req: ok(rss([x for c in req.path.split("/")[-1].split("+")
                                                          for x in per_cat[c]]))(req))
        config = config_for(tmp_path, server, interval)
        report = collect(config, Archive(tmp_path / "content"), DAY, polite_settings(config, interval), item_limit=5)
        paths = [r.path for r in server.requests]
        times = [r.time for r in server.requests]
        assert server.max_in_flight == 1
    # 9 items >= 5: split in halves; 6 items in the first half, but one category each cannot be split further
    # than its sources, so cs.LG and cs.CV are asked alone.
    assert paths == ["/rss/cs.LG+cs.CV+cs.AI+math.PR", "/rss/cs.LG+cs.CV", "/rss/cs.LG", "/rss/cs.CV", "/rss/cs.AI+math.PR"]
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert min(gaps) >= interval * 0.95, gaps
    assert {r.source: (r.status, r.new) for r in report.sources} == {
        "lg": ("ok", 3), "cv": ("ok", 3), "ai": ("ok", 2), "pr": ("ok", 1)}


def test_joined_listing_is_one_request_and_sends_validators_back(tmp_path):
    with FeedServer() as server:
        from feedserver import conditional
        body = rss([item(1, "cs.LG"), item(2, "cs.CV"), item(3, "math.PR")])
        server.route("/rss/cs.LG+cs.CV+cs.AI+math.PR", conditional(body, etag='"v1"'))
        config = config_for(tmp_path, server, interval=0.05)
        archive = Archive(tmp_path / "content")
        first = collect(config, archive, DAY, polite_settings(config, 0.05))
        second = collect(config, archive, DAY, polite_settings(config, 0.05))
        reqs = server.requests
    assert len(reqs) == 2 and reqs[1].headers["If-None-Match"] == '"v1"'
    assert {r.source: r.status for r in first.sources} == {"lg": "ok", "cv": "ok", "ai": "empty", "pr": "ok"}
    assert {r.source: r.status for r in second.sources} == {s: "not_modified" for s in ("lg", "cv", "ai", "pr")}


def test_a_stale_category_is_asked_again_and_its_fresh_batch_kept(tmp_path):
    with FeedServer() as server:
        old = [item(1, "cs.LG"), item(2, "cs.CV")]
        server.route("/rss/cs.LG+cs.CV+cs.AI+math.PR", ok(rss(old)))
        config = config_for(tmp_path, server, interval=0.3, window=0.7)
        archive = Archive(tmp_path / "content")
        collect(config, archive, date(2026, 6, 18), polite_settings(config, 0.3))
        # The next day cs.LG is current but cs.CV still serves yesterday's batch, then catches up.
        server.route("/rss/cs.LG+cs.CV+cs.AI+math.PR", ok(rss([item(3, "cs.LG"), item(2, "cs.CV")])))
        from feedserver import sequence
        server.route("/rss/cs.CV", sequence(ok(rss([item(2, "cs.CV")])), ok(rss([item(4, "cs.CV")]))))
        before = len(server.requests)
        report = collect(config, archive, DAY, polite_settings(config, 0.3))
        retries = server.requests_to("/rss/cs.CV")
        times = [r.time for r in server.requests[before:]]
    assert len(retries) == 2
    assert min(b - a for a, b in zip(times, times[1:])) >= 0.3 * 0.95  # retries respect the polite interval too
    assert {r.source: r.status for r in report.sources}["cv"] == "ok"
    day = archive.read_day(DAY)
    assert {p.id for p in day.papers} == {"arXiv:2606.00003", "arXiv:2606.00004"}
    assert archive.read_state().sources["cv"].url.endswith("/rss/cs.CV")


def test_a_failed_joined_listing_fails_each_source_once_and_uses_fallbacks(tmp_path):
    fallback = tmp_path / "cs-cv.xml"
    fallback.write_bytes(rss([item(7, "cs.CV")]))
    with FeedServer() as server:
        from feedserver import status
        server.route("/rss/cs.LG+cs.CV+cs.AI+math.PR", status(503))
        path = tmp_path / "sources.yaml"
        path.write_text(CONFIG.format(base=server.url("").rstrip("/"), interval=0.05, window=0).replace(
            'url: "' + server.url("").rstrip("/") + '/rss/cs.CV", family: arxiv',
            'url: "' + server.url("").rstrip("/") + '/rss/cs.CV", family: arxiv, fallback: cs-cv.xml'))
        config = load_config(path)
        archive = Archive(tmp_path / "content")
        report = collect(config, archive, DAY, replace(polite_settings(config, 0.05), attempts=2, backoff=0.01))
        assert len(server.requests) == 2  # two attempts at the joined listing, never one per category
    got = {r.source: r for r in report.sources}
    assert {s: r.status for s, r in got.items()} == {"lg": "failed", "cv": "ok", "ai": "failed", "pr": "failed"}
    assert got["lg"].error.startswith("source 'lg+cv+ai+pr': HTTP 503") and "after 2 attempts" in got["lg"].error
    assert got["cv"].note.endswith(f"; used the fallback {fallback}")
    assert [p.id for p in archive.read_day(DAY).papers] == ["arXiv:2606.00007"]
    assert archive.read_state().sources["lg"].failures == 1


def test_atom_listings_are_joined_too(tmp_path):
    with FeedServer() as server:
        server.route("/atom/cs.LG+cs.CV", ok((Path(__file__).parent / "feeds" / "arxiv_atom_joined.xml").read_bytes()))
        base = server.url("").rstrip("/")
        path = tmp_path / "sources.yaml"
        path.write_text(f"""topics: {{cs.LG: ML, cs.CV: CV}}
sources:
  - {{id: lg, label: LG, topic: cs.LG, url: "{base}/atom/cs.LG", family: arxiv}}
  - {{id: cv, label: CV, topic: cs.CV, url: "{base}/atom/cs.CV", family: arxiv}}
""")
        config = load_config(path)
        archive = Archive(tmp_path / "content")
        report = collect(config, archive, DAY, fetch_settings(config))
        assert [r.path for r in server.requests] == ["/atom/cs.LG+cs.CV"]
    # lg's replace-cross is a new version, not a new card: counted apart.
    assert {r.source: (r.status, r.new, r.counts.versions) for r in report.sources} == {
        "lg": ("ok", 1, 1), "cv": ("ok", 1, 0)}
    day = archive.read_day(DAY)
    [paper] = day.papers
    assert paper.sources == ("cv", "lg") and paper.topics == ("cs.CV", "cs.LG")
    assert paper.authors == ("José María Olazábal", "Fatima Zahra") and r"$10\,\mathrm{m}$" in paper.abstract
    assert [(u.id, u.version, u.announce) for u in day.updates] == [("arXiv:2605.10001", 2, "replace-cross")]


def test_a_source_asking_for_a_whole_archive_owns_its_categories():
    group = Group("http://export.arxiv.org/rss/", (("lg", ("cs.LG",)), ("math", ("math",))))
    got = attribute([entry("a", "math.DG"), entry("b", "cs.LG", "math.OC"), entry("c", "mathematics")], group)
    assert {sid: [e.id for e in found] for sid, found in got.items()} == {"lg": ["b", "c"], "math": ["a", "b"]}


# The legacy arXiv RSS 1.0 (export.arxiv.org/rss/<archive> before 2024), as its items look.
LEGACY = """<?xml version="1.0" encoding="UTF-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="http://export.arxiv.org/rss/math"><title>math updates on arXiv.org</title>
<link>http://arxiv.org/</link><dc:date>2012-09-12T20:30:00-05:00</dc:date></channel>
<item rdf:about="http://arxiv.org/abs/math/0601001"><title>An old-\x7fstyle id. (arXiv:math/0601001v3 [math.AG] UPDATED)</title>
<link>http://arxiv.org/abs/math/0601001</link><description rdf:parseType="Literal">&lt;p&gt;Text.&lt;/p&gt;</description>
<dc:creator> &lt;a href="http://arxiv.org/find/math/1/au:+Doe_J/0/1/0/all/0/1"&gt;Jane Doe&lt;/a&gt; (Univ. of Somewhere, Dept. A), &lt;a href="http://arxiv.org/find/math/1/au:+Roe_R/0/1/0/all/0/1"&gt;Ren\u00e9 Roe&lt;/a&gt;</dc:creator>
</item>
<item rdf:about="http://arxiv.org/abs/1209.0001"><title>Is it so?. (arXiv:1209.0001v1 [cs.IT] CROSS LISTED)</title>
<link>http://arxiv.org/abs/1209.0001</link><description>&lt;p&gt;More.&lt;/p&gt;</description>
<dc:creator>&lt;a href="x"&gt;A. Writer&lt;/a&gt;</dc:creator></item>
</rdf:RDF>"""


def test_the_legacy_rss_1_0_gives_id_version_kind_categories_and_names():
    from digest.sources import parse_feed
    old, cross = parse_feed(LEGACY.encode(), "math", "arxiv")
    assert (old.id, old.version, old.announce, old.categories) == ("arXiv:math/0601001", 3, "replace", ("math.AG",))
    assert old.title == "An old-style id" and old.authors == ("Jane Doe", "René Roe")
    assert (cross.title, cross.announce, cross.categories, cross.authors) == ("Is it so?", "cross", ("cs.IT",), ("A. Writer",))
    assert old.published is None and old.feed_date == date(2012, 9, 12)


def test_the_real_legacy_rss_1_0_reads_as_the_listing_it_was():
    path = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "real" / "arxiv-old-rss1-math-2012-09-12.xml"
    if not path.exists():
        pytest.skip(f"{path} is not here")
    from digest.papers import ingest
    from digest.sources import parse_feed
    entries = parse_feed(path.read_bytes(), "math", "arxiv")
    assert len(entries) == 126
    by_id = {e.id: e for e in entries}
    yamabe = by_id["arXiv:0804.1418"]
    assert (yamabe.title, yamabe.version, yamabe.announce, yamabe.categories) == (
        "Smooth Yamabe invariant and surgery", 4, "replace", ("math.DG",))
    assert yamabe.authors == ("Bernd Ammann", "Mattias Dahl", "Emmanuel Humbert")
    assert "Schrodinger Equations" in by_id["arXiv:1209.2522"].title   # its U+007F is gone
    for e in entries:
        assert "(arXiv:" not in e.title and e.version and e.categories and e.authors, e.id
        assert not any("<" in a or "(" in a or "href" in a for a in e.authors), e.authors
        assert "\x7f" not in e.title + e.abstract
    result = ingest(entries, {}, {}, date(2026, 12, 1), {"math": "math"}, {"math": 0})
    # 71 new and 1 cross-list are cards of the day the feed is dated; the 54 UPDATED are new versions, no cards.
    assert list(result.papers) == [date(2012, 9, 12)] and len(result.papers[date(2012, 9, 12)]) == 72
    assert sum(map(len, result.updates.values())) == 54
