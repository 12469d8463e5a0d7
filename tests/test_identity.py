"""Identity and dates as real feeds give them: one normal form of a DOI for every family and for the archive, the
DOI among several identifiers, the feed's date for items without one, and cover dates ahead of the run day."""

from datetime import date
from pathlib import Path

import pytest

from digest.clean import doi_from_text
from digest.papers import digest_day, in_date_window, ingest
from digest.sources import parse_feed
from digest.sources.feed import Entry

REAL = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "real"


def real(name: str) -> bytes:
    path = REAL / name
    if not path.exists():
        pytest.skip(f"{path} is not here")
    return path.read_bytes()


@pytest.mark.parametrize("raw, doi", [
    # Atypon (INFORMS, SAGE, Wiley) links keep their query: it is no part of the DOI.
    ("https://pubsonline.informs.org/doi/abs/10.1287/mnsc.2025.01729?af=R", "10.1287/mnsc.2025.01729"),
    ("https://journals.sagepub.com/doi/abs/10.1177/01492063261461518?ai=2b4&mi=ehikzz&af=R",
     "10.1177/01492063261461518"),
    ("https://onlinelibrary.wiley.com/doi/10.1111/jeb.70001#abstract", "10.1111/jeb.70001"),
    # the id an earlier run stored, normalised the same way
    ("doi:10.1287/mnsc.2025.01729?af=r", "10.1287/mnsc.2025.01729"),
    ("https://doi.org/10.1038/S41586-026-09612-3.", "10.1038/s41586-026-09612-3"),
    ("info:doi/10.1126/science.adk1234", "10.1126/science.adk1234"),
    ("hwp:resource-id:sci;383/6678/28", None),
    # a DOI may hold `;`, `()`, `<>`; a link percent-encodes them
    ("10.1002/(SICI)1097-4636(199812)43:4<393::AID-JBM5>3.0.CO;2-I",
     "10.1002/(sici)1097-4636(199812)43:4<393::aid-jbm5>3.0.co;2-i"),
    ("https://doi.org/10.1002/%28SICI%291097-4636%28199812%2943%3A4%3C393%3A%3AAID-JBM5%3E3.0.CO%3B2-I",
     "10.1002/(sici)1097-4636(199812)43:4<393::aid-jbm5>3.0.co;2-i"),
    ("(see doi:10.1016/S0140-6736(20)30183-5).", "10.1016/s0140-6736(20)30183-5"),   # its `)` is its own
    ("[doi:10.1000/xyz]", "10.1000/xyz"),
    ("https://doi.org/10.5555/abc%2Bdef", "10.5555/abc+def"),
    ("https://doi.org/10.5555/abc%25def", "10.5555/abc%25def"),   # a literal `%` stays escaped
    ("https://doi.org/10.5555/abc%3Fdef", "10.5555/abc%3fdef"),   # so does a literal `?`
    ("<p>doi:10.1038/nature12373</p>", "10.1038/nature12373"),
    ("https://example.org/10.1234/", None),
    ("no doi", None),
])
def test_doi_from_text_gives_one_normal_form(raw, doi):
    assert doi_from_text(raw) == doi
    if doi:   # normalising the normal form changes nothing: stored DOIs can be mapped through it
        assert doi_from_text(doi) == doi and doi_from_text(f"doi:{doi}") == doi


RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Aggregate</title>
<link>https://example.org/</link><pubDate>Mon, 20 Jul 2026 06:00:00 GMT</pubDate>{items}</channel></rss>"""
ITEM = "<item><title>{title}</title><link>{link}</link><description>Text.</description>{extra}</item>"


def rss(*items: tuple[str, str, str]) -> bytes:
    return RSS.format(items="".join(ITEM.format(title=t, link=l, extra=x) for t, l, x in items)).encode()


def test_publisher_links_with_queries_give_clean_ids_and_dois():
    body = rss(("Management", "https://pubsonline.informs.org/doi/abs/10.1287/mnsc.2025.01729?af=R", ""),
               ("Management again", "https://pubsonline.informs.org/doi/10.1287/MNSC.2025.01729?af=R&amp;x=1", ""),
               ("Journal of Management", "https://journals.sagepub.com/doi/abs/10.1177/01492063261461518"
                                         "?ai=2b4&amp;mi=ehikzz&amp;af=R", ""))
    entries = parse_feed(body, "aggregate", "generic")
    assert [(e.id, e.doi) for e in entries] == [
        ("doi:10.1287/mnsc.2025.01729", "10.1287/mnsc.2025.01729"),
        ("doi:10.1287/mnsc.2025.01729", "10.1287/mnsc.2025.01729"),
        ("doi:10.1177/01492063261461518", "10.1177/01492063261461518")]
    assert "?" in entries[0].url   # the link itself is kept as the publisher gave it


HIGHWIRE = b"""<?xml version="1.0" encoding="UTF-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://www.science.org/"><title>Science current issue</title><link>https://www.science.org/</link>
<dc:date>2026-07-16</dc:date></channel>
<item rdf:about="http://science.sciencemag.org/cgi/content/short/393/6754/230?rss=1">
<title>A dated and identified report</title><link>http://science.sciencemag.org/cgi/content/short/393/6754/230?rss=1</link>
<description>Report text.</description><dc:creator>Ada Lovelace</dc:creator><dc:date>2026-07-17</dc:date>
<dc:identifier>info:doi/10.1126/science.adk1234</dc:identifier><dc:identifier>hwp:resource-id:sci;393/6754/230</dc:identifier>
</item>
<item rdf:about="http://science.sciencemag.org/cgi/content/short/393/6754/231?rss=1">
<title>Identifiers the other way round</title><link>http://science.sciencemag.org/cgi/content/short/393/6754/231?rss=1</link>
<dc:identifier>hwp:resource-id:sci;393/6754/231</dc:identifier><dc:identifier>info:doi/10.1126/SCIENCE.adk5678</dc:identifier>
</item>
<item rdf:about="http://science.sciencemag.org/cgi/content/short/393/6754/232?rss=1">
<title>No DOI at all</title><link>http://science.sciencemag.org/cgi/content/short/393/6754/232?rss=1</link>
<dc:identifier>hwp:resource-id:sci;393/6754/232</dc:identifier>
</item>
</rdf:RDF>"""


def test_highwire_items_keep_the_doi_among_their_identifiers():
    first, second, third = parse_feed(HIGHWIRE, "science", "generic")
    assert (first.id, first.doi) == ("doi:10.1126/science.adk1234", "10.1126/science.adk1234")
    assert (second.id, second.doi) == ("doi:10.1126/science.adk5678", "10.1126/science.adk5678")
    assert third.id.startswith("url:") and third.doi is None
    # an item's own date wins; one without takes the channel's
    assert (first.published, first.feed_date) == (date(2026, 7, 17), None)
    assert (second.published, second.feed_date) == (None, date(2026, 7, 16))


ATOM = """<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>
<id>urn:a</id><updated>2026-07-14T10:00:00+02:00</updated><entry><title>Undated</title><id>urn:a:1</id>
<link href="https://example.org/1"/></entry></feed>"""
RSS2_BUILD_DATE = RSS.replace("<pubDate>Mon, 20 Jul 2026 06:00:00 GMT</pubDate>",
                              "<lastBuildDate>Tue, 14 Jul 2026 23:30:00 -0400</lastBuildDate>")


@pytest.mark.parametrize("body", [
    RSS.replace("20 Jul", "14 Jul").format(items=ITEM.format(title="Undated", link="https://example.org/1", extra="")),
    RSS2_BUILD_DATE.format(items=ITEM.format(title="Undated", link="https://example.org/1", extra="")),
    HIGHWIRE.decode().replace("2026-07-16", "2026-07-14"),
    ATOM,
], ids=["rss2-pubDate", "rss2-lastBuildDate", "rss1-dc-date", "atom-updated"])
def test_the_feeds_own_date_is_read_from_each_format(body):
    undated = [e for e in parse_feed(body.encode(), "s", "generic") if e.published is None]
    assert undated and {e.feed_date for e in undated} == {date(2026, 7, 14)}   # in the feed's own offset


TOPICS, ORDER = {"science": "Science"}, {"science": 0}


def test_an_item_without_a_date_goes_on_its_feeds_day_not_the_run_day():
    entries = parse_feed(HIGHWIRE, "science", "generic")
    result = ingest(entries, {}, {}, date(2026, 7, 20), TOPICS, ORDER)
    days = {p.title: (d, p.published) for d, papers in result.papers.items() for p in papers}
    assert days["Identifiers the other way round"] == (date(2026, 7, 16), date(2026, 7, 16))
    assert days["A dated and identified report"] == (date(2026, 7, 17), date(2026, 7, 17))


def entry(published=None, feed_date=None, pid="doi:10.1/a", doi="10.1/a"):
    return Entry(sources=("science",), id=pid, title="T", authors=(), abstract="", url="https://x.org/a", doi=doi,
                 published=published, feed_date=feed_date)


def test_an_implausible_feed_date_is_ignored_not_a_reason_to_drop():
    result = ingest([entry(feed_date=date(1970, 1, 1))], {}, {}, date(2026, 7, 20), TOPICS, ORDER)
    assert [(d, p.published) for d, ps in result.papers.items() for p in ps] == [(date(2026, 7, 20), None)]
    assert result.dropped_by_source == {}


@pytest.mark.parametrize("published, kept, day", [
    (date(2026, 7, 23), True, date(2026, 7, 20)),     # a weekly's next issue: shown today, dated as printed
    (date(2026, 10, 1), True, date(2026, 7, 20)),     # a volume's cover date months ahead
    (date(2027, 6, 1), False, None),                   # almost a year ahead: a feed's error
    (date(1900, 1, 1), False, None),                   # a placeholder
])
def test_a_cover_date_ahead_puts_the_card_on_the_run_day(published, kept, day):
    run = date(2026, 7, 20)
    assert in_date_window(published, run) is kept
    result = ingest([entry(published)], {}, {}, run, TOPICS, ORDER)
    if kept:
        assert digest_day(published, None, run) == day
        [(on, [paper])] = result.papers.items()
        assert on == day and paper.published == published
    else:
        assert result.papers == {} and result.dropped_by_source == {"science": {"date": 1}}


def test_a_doi_stored_with_its_query_is_the_same_paper_under_its_normal_id():
    # An earlier run stored `doi:10.1287/mnsc.2025.01729?af=r`; today the same item reads as the clean id.
    from digest.papers import doi_key
    stored_id, stored_doi = "doi:10.1287/mnsc.2025.01729?af=r", "10.1287/mnsc.2025.01729?af=r"
    seen_dois = {doi_key(stored_doi): stored_id}
    today = entry(date(2026, 7, 20), pid="doi:10.1287/mnsc.2025.01729", doi="10.1287/mnsc.2025.01729")
    result = ingest([today], {stored_id: 0}, {}, date(2026, 7, 20), TOPICS, ORDER, seen_dois)
    assert result.papers == {} and result.updates == {} and result.seen_by_source == {"science": 1}


# --- real files ----------------------------------------------------------------------------------------------


def test_early_2024_arxiv_rss_items_take_the_channel_date():
    from digest.sources import arxiv
    from digest.sources.feed import read_items
    body = real("arxiv-rss-stat-2024-03-26.xml")
    entries = parse_feed(body, "stat", "arxiv")
    # its arxiv:DOI and arxiv:journal_reference keep it on the fast reader, which reads what feedparser reads
    assert arxiv.plain_rss_items(body) is not None and entries == read_items(body, "stat", arxiv.arxiv_item).entries
    assert sum(1 for e in entries if e.doi) == 8 and "arXiv:2212.06370" in {e.id for e in entries if e.doi}
    assert len(entries) == 123 and {e.published for e in entries} == {None}
    assert {e.feed_date for e in entries} == {date(2024, 3, 26)}
    result = ingest(entries, {}, {}, date(2026, 12, 1), {"stat": "stat"}, {"stat": 0})
    assert set(result.papers) | set(result.updates) == {date(2024, 3, 26)}
    assert sum(map(len, result.papers.values())) == 62 and sum(map(len, result.updates.values())) == 61


def test_real_journal_feeds_give_normal_dois():
    for name, family in (("cell-current-2015-11-06.rdf", "generic"), ("nature-2024-07-18.rss", "nature"),
                         ("biorxiv-plantbio-2019-08-27.rdf", "biorxiv")):
        entries = parse_feed(real(name), "s", family)
        assert entries, name
        for e in entries:
            assert e.doi and e.id == f"doi:{e.doi}" and doi_from_text(e.doi) == e.doi, (name, e.id)
            assert "?" not in e.doi and e.published is not None, (name, e.id)


def test_a_card_stored_with_a_query_in_its_id_is_not_shown_again_by_the_next_run(tmp_path):
    # content/ from before the DOI rule: the INFORMS card's id and DOI kept the link's `?af=r`.
    from digest.archive import Archive, Day, SourceState
    from digest.collect import collect
    from digest.config import load_config
    from digest.papers import Paper
    link = "https://pubsonline.informs.org/doi/abs/10.1287/mnsc.2025.01729?af=R"
    old = Paper(id="doi:10.1287/mnsc.2025.01729?af=r", title="Management", authors=(), abstract="Text.", url=link,
                day=date(2026, 7, 13), sources=("informs",), topics=("t",), doi="10.1287/mnsc.2025.01729?af=r")
    archive = Archive(tmp_path / "content")
    archive.write_day(Day(old.day, (old,)))
    state = archive.read_state()
    state.sources["informs"] = SourceState(last_success="2026-07-13", last_day="2026-07-13")
    archive.write_state(state)
    (tmp_path / "informs.xml").write_bytes(rss(("Management", link.replace("&", "&amp;"), ""),
                                               ("Another paper", "https://pubsonline.informs.org/doi/abs/10.1287/"
                                                                 "mnsc.2025.09999?af=R", "")))
    (tmp_path / "sources.yaml").write_text("topics: {t: T}\nsources:\n"
                                           "  - {id: informs, label: INFORMS, topic: t, url: informs.xml}\n")
    report = collect(load_config(tmp_path / "sources.yaml"), archive, date(2026, 7, 20))
    [source] = report.sources
    assert (source.new, source.seen) == (1, 1)   # the INFORMS item is the stored card's paper
    ids = [p.id for d in archive.read_days() for p in d.papers]
    assert sorted(ids) == ["doi:10.1287/mnsc.2025.01729?af=r", "doi:10.1287/mnsc.2025.09999"]   # the old id stays


@pytest.mark.parametrize("name", ["arxiv-api-mathNT-AG-2026-06-29.atom", "arxiv-atom-cs_LG-excerpt-2026-09-25.atom",
                                  "arxiv-rss-cs_ai-2026-04-27.xml", "arxiv-rss-stat-2024-03-26.xml",
                                  "arxiv-old-rss1-math-2012-09-12.xml"])
def test_every_real_arxiv_shape_gives_id_version_categories_and_a_date(name):
    entries = parse_feed(real(name), "s", "arxiv")
    assert entries
    for e in entries:
        assert e.id.startswith("arXiv:") and e.version and e.categories, e
        assert (e.published or e.feed_date) is not None and (e.published is None) == (e.feed_date is not None), e
        assert e.doi is None or doi_from_text(e.doi) == e.doi, e.doi
