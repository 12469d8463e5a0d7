"""PLOS (Atom), Nature (RSS 1.0) and any other RSS/Atom/RDF feed: notices dropped, boilerplate stripped,
standfirsts marked, and the same id, author and cleaning rules for every feed. Fixtures are ours."""

from datetime import date
from pathlib import Path

import pytest

from digest.sources import parse_feed
from digest.sources.feed import Entry, editorial_reason

FEEDS = Path(__file__).parent / "feeds"


def parse(name: str, family: str) -> dict[str, Entry]:
    return {e.id: e for e in parse_feed((FEEDS / name).read_bytes(), "src", family)}


def test_plos_drops_corrections_concerns_and_retractions_and_the_byline():
    entries = parse("days/2026-06-19/plos.xml", "plos")
    assert set(entries) == {"doi:10.1371/journal.pcbi.1099001", "doi:10.1371/journal.pcbi.1099002"}
    second = entries["doi:10.1371/journal.pcbi.1099002"]
    assert second.title == "Arabidopsis root growth follows a two-phase auxin wave"
    assert second.authors == ("Elif Yilmaz", "Pierre Durand")
    assert second.abstract.startswith("A reaction-diffusion model") and "by Elif" not in second.abstract
    assert second.published == date(2026, 6, 19) and second.abstract_kind == "abstract"


def test_nature_drops_news_corrections_replies_and_matters_arising_and_marks_standfirsts():
    entries = parse("days/2026-06-19/nature.xml", "nature")
    assert set(entries) == {"doi:10.1038/s41586-026-50001-1", "doi:10.1038/s41586-026-50002-4"}
    first = entries["doi:10.1038/s41586-026-50001-1"]
    assert first.abstract_kind == "standfirst"
    assert first.abstract.startswith("Infrared phase curves") and "Published online" not in first.abstract
    assert "doi:" not in first.abstract and first.doi == "10.1038/s41586-026-50001-1"
    assert first.url == "https://www.nature.com/articles/s41586-026-50001-1"
    assert entries["doi:10.1038/s41586-026-50002-4"].authors[-1] == "Renée Fontaine"


@pytest.mark.parametrize("title, reason", [
    ("Correction: A paper", "notice"), ("Author Correction: A paper", "notice"),
    ("Publisher Correction: A paper", "notice"), ("Retraction: A paper", "notice"),
    ("Retraction Note: A paper", "notice"), ("Expression of Concern: A paper", "notice"),
    ("Editorial Expression of Concern: A paper", "notice"), ("Reply to: Doubts", "notice"),
    ("Matters Arising: Limits", "notice"), ("Erratum: Table 2", "notice"), ("Corrigendum to: A paper", "notice"),
    ("Issue Information", "front_matter"), ("Cover Picture: Catalysis in a cage", "front_matter"),
    ("Editorial Board", "front_matter"), ("In This Issue", "front_matter"), ("Contents", "front_matter"),
    ("Correctional facilities and tuberculosis", None), ("Replying to reviewers with LLMs", None),
    ("Retractable wings in beetles", None), ("A reply-based protocol", None),
    ("Contents of the gut shape immunity", None), ("Covering arrays for software testing", None),
    ("Withdrawal of opioids in neonates", None),
])
def test_notices_and_front_matter_by_title(title, reason):
    entry = Entry(sources=("s",), id="doi:10.1/x", title=title, authors=(), abstract="", url="https://x.org/a")
    assert editorial_reason(entry) == reason


@pytest.mark.parametrize("section, reason", [
    ("Erratum", "notice"), ("Matters Arising", "notice"), ("News & Views", "editorial"),
    ("Book Review", "editorial"), ("Editorial", "editorial"), ("Issue Information", "front_matter"),
    ("This Week in Science", "front_matter"), ("Article", None), ("Research Article", None), ("Review", None),
    ("Correspondence", None), ("", None),
])
def test_notices_news_and_front_matter_by_the_publishers_article_type(section, reason):
    entry = Entry(sources=("s",), id="doi:10.1/x", title="Regulators of gut motility", authors=(), abstract="",
                  url="https://x.org/a", section=section)
    assert editorial_reason(entry) == reason


def test_nature_news_ids_are_editorial():
    entry = Entry(sources=("s",), id="doi:10.1038/d41586-024-02352-2", title="Long COVID lung damage", authors=(),
                  abstract="", url="https://www.nature.com/articles/d41586-024-02352-2")
    assert editorial_reason(entry) == "editorial"


def test_generic_rss2_ids_authors_and_cleaning():
    entries = parse("generic_rss2.xml", "generic")
    assert len(entries) == 2  # the Correction is dropped
    paper = entries["doi:10.5555/jir.2026.0142"]
    assert paper.title == "Heat tolerance of Daphnia across 40 lakes"
    assert paper.authors == ("Ana Lima", "Bruno Costa", "Zoë Weber")
    assert paper.abstract == "Warming lakes select for tolerance: >90% of clones survived 30°C."
    assert paper.published == date(2026, 6, 19)  # the feed's own offset, not UTC
    [note] = [e for k, e in entries.items() if k.startswith("url:")]
    assert note.authors == ("Jane Doe",) and note.published is None


def test_generic_atom_keeps_math_and_refuses_unsafe_links():
    entries = list(parse("generic_atom.xml", "generic").values())
    assert [e.title for e in entries] == ["Sparse & fast: tensor sketches", "Bad link target"]
    sketch, bad = entries
    assert sketch.authors == ("S. Kim", "L. Rossi") and sketch.abstract == r"We sketch tensors in $O(n \log n)$ time."
    assert bad.url == "" and bad.abstract == "Fine text." and bad.id.startswith("url:")


def test_generic_rdf_reads_dc_creators_and_prism_doi():
    entries = parse("generic_rdf.xml", "generic")
    assert list(entries) == ["doi:10.7777/sj.88"]  # the Expression of Concern is dropped
    paper = entries["doi:10.7777/sj.88"]
    assert paper.authors == ("C. N. Okafor", "X. Li") and paper.published == date(2026, 6, 19)


def test_the_same_paper_gets_the_same_id_from_any_family():
    body = (FEEDS / "generic_rdf.xml").read_bytes()
    ids = {family: [e.id for e in parse_feed(body, "s", family)] for family in ("generic", "nature", "plos", "biorxiv")}
    assert set(map(tuple, ids.values())) == {("doi:10.7777/sj.88",)}
