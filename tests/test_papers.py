from dataclasses import FrozenInstanceError, fields
from datetime import date

import pytest

from digest.errors import RecordError
from digest.papers import PAPER_FIELDS, UPDATE_FIELDS, Paper, Update, digest_day, ingest, merge_entries
from digest.sources.feed import Entry

ORDER = {"lg": 0, "cv": 1, "ai": 2, "plos": 3}
TOPICS = {"lg": "cs.LG", "cv": "cs.CV", "ai": "cs.AI", "plos": "comp-bio"}
D1, D2 = date(2026, 6, 16), date(2026, 6, 17)


def entry(source, id_, announce="new", version=1, categories=("cs.LG",), published=D1, **kw):
    return Entry(sources=(source,), id=id_, title=kw.pop("title", f"Paper {id_}"), authors=kw.pop("authors", ("A. B",)),
                 abstract=kw.pop("abstract", "Text."), url=f"https://arxiv.org/abs/{id_}", version=version,
                 categories=categories, published=published, announce=announce, **kw)


def run(entries, seen=None, last_day=None, run_date=D1):
    return ingest(entries, seen or {}, last_day or {}, run_date, TOPICS, ORDER)


def test_cross_list_is_one_card_with_every_topic_and_home_source_first():
    result = run([
        entry("ai", "arXiv:1", announce="cross", categories=("cs.LG", "cs.AI", "cs.CV")),
        entry("lg", "arXiv:1", categories=("cs.LG", "cs.AI", "cs.CV")),
        entry("cv", "arXiv:1", announce="cross", categories=("cs.LG", "cs.AI", "cs.CV")),
    ])
    [paper] = result.papers[D1]
    assert paper.sources == ("lg", "cv", "ai")
    assert paper.topics == ("cs.LG", "cs.AI", "cs.CV")
    assert paper.announce == "new"
    assert result.new_by_source == {"lg": 1, "cv": 1, "ai": 1, "plos": 0}


def test_cross_list_from_an_unconfigured_primary_keeps_its_listing_source():
    [paper] = run([entry("ai", "arXiv:2", announce="cross", categories=("stat.ML", "cs.AI"))]).papers[D1]
    assert paper.sources == ("ai",) and paper.topics == ("stat.ML", "cs.AI")


def test_paper_seen_earlier_is_not_a_new_card():
    result = run([entry("lg", "arXiv:1")], seen={"arXiv:1": 1}, run_date=D2)
    assert result.papers == {} and result.updates == {}
    assert result.seen_by_source["lg"] == 1 and result.new_by_source["lg"] == 0


def test_new_version_of_a_known_paper_is_an_update_not_a_card():
    result = run([entry("lg", "arXiv:1", announce="replace", version=2, published=D2)],
                 seen={"arXiv:1": 1}, last_day={"lg": D1}, run_date=D2)
    assert result.papers == {}
    [update] = result.updates[D2]
    assert (update.id, update.version, update.announce) == ("arXiv:1", 2, "replace")


def test_replacement_of_a_paper_never_shown_goes_to_updates():
    result = run([entry("lg", "arXiv:9", announce="replace", version=3)])
    assert result.papers == {} and result.updates[D1][0].version == 3


def test_merge_keeps_best_listing_and_highest_version():
    merged = merge_entries([entry("ai", "arXiv:1", announce="cross", authors=()),
                            entry("lg", "arXiv:1", authors=("X Y",))], ORDER)
    assert len(merged) == 1 and merged[0].authors == ("X Y",) and merged[0].sources == ("lg", "ai")


@pytest.mark.parametrize("published, last_day, run_date, day", [
    (D1, None, D1, D1),                       # first sight, the source's own day
    (D1, None, D2, D1),                       # a day the digest did not run for is filled in
    (D1, D1, D2, D2),                         # that day is closed for this source: shown on the run day
    (date(2026, 6, 20), None, D2, D2),        # a date in the future is clamped to the run day
    (None, None, D2, D2),                     # no date at all: the run day
])
def test_digest_day(published, last_day, run_date, day):
    assert digest_day(published, last_day, run_date) == day


def journal(source, doi, **kw):
    return Entry(sources=(source,), id=f"doi:{doi}", title="Journal title", authors=("A. B",), abstract="Journal text.",
                 url=f"https://journals.plos.org/article?id={doi}", doi=doi, published=D1, **kw)


def test_preprint_and_its_journal_version_are_one_card_linking_both():
    result = run([journal("plos", "10.1371/j.1"), entry("lg", "arXiv:5", doi="10.1371/j.1")])
    [paper] = result.papers[D1]
    assert paper.id == "arXiv:5" and paper.sources == ("lg", "plos")
    assert paper.url == "https://arxiv.org/abs/arXiv:5" and paper.links == ("https://journals.plos.org/article?id=10.1371/j.1",)
    assert result.new_by_source == {"lg": 1, "cv": 0, "ai": 0, "plos": 1}
    assert Paper.from_json(paper.to_json()) == paper


@pytest.mark.parametrize("seen_dois", [{"10.1371/j.1": "arXiv:5"}, {"10.1371/j.1": "doi:10.1371/j.1"}])
def test_a_paper_shown_under_one_id_is_not_a_new_card_under_the_other(seen_dois):
    seen = {seen_dois["10.1371/j.1"]: 1}
    later = journal("plos", "10.1371/j.1") if "arXiv" in seen_dois["10.1371/j.1"] else entry("lg", "arXiv:5", doi="10.1371/j.1")
    result = ingest([later], seen, {}, D2, TOPICS, ORDER, seen_dois)
    assert result.papers == {} and result.updates == {} and sum(result.seen_by_source.values()) == 1
    assert result.links == {seen_dois["10.1371/j.1"]: (later.url,)}  # the shown card will link this version


def test_replacements_of_unseen_papers_can_be_ignored_per_source():
    entries = [entry("lg", "arXiv:9", announce="replace", version=3), entry("ai", "arXiv:8", announce="replace", version=2,
                                                                           categories=("cs.AI",))]
    result = ingest(entries, {"arXiv:7": 1}, {}, D1, TOPICS, ORDER, {}, ignore_replacements={"ai"})
    assert [u.id for u in result.updates[D1]] == ["arXiv:9"]
    # a new version of a paper that was shown is always listed: it marks the card
    shown = ingest([entry("ai", "arXiv:8", announce="replace", version=2, categories=("cs.AI",))], {"arXiv:8": 1}, {},
                   D2, TOPICS, ORDER, {}, ignore_replacements={"ai"})
    assert [u.id for u in shown.updates[D1]] == ["arXiv:8"]


FULL = Paper(id="arXiv:2606.1", title="T", authors=("Jörg Müller", "A. B"), abstract="Text.", url="https://a/1",
             day=D2, sources=("lg", "ai"), topics=("cs.LG", "cs.AI"), version=3, doi="10.1/x", published=D1,
             announce="cross", abstract_kind="standfirst", links=("https://j/1",), summary={"zh": "中", "en": "E"},
             summary_model="m", summary_prompt="p1", summary_version=2, summary_at=D2)
BARE = Paper(id="url:1", title="T", authors=(), abstract="", url="", day=D1, sources=(), topics=())


@pytest.mark.parametrize("paper", [FULL, BARE], ids=["every-field", "defaults"])
def test_from_json_round_trip_gives_the_same_paper(paper):
    back = Paper.from_json(paper.to_json())
    assert back == paper and back.to_json() == paper.to_json()
    # The fast path fills the instance's dict itself: exactly the fields __init__ sets, in their order.
    assert list(vars(back)) == [f.name for f in fields(Paper)] and vars(back) == vars(paper)
    assert isinstance(back.authors, tuple) and isinstance(back.links, tuple) and back.summary is not paper.summary
    with pytest.raises(FrozenInstanceError):
        back.title = "changed"  # type: ignore[misc]


def test_from_json_fills_defaults_for_missing_and_null_fields():
    data = {"id": "x", "title": "T", "day": "2026-06-16", "authors": None, "published": "", "abstract_kind": None,
            "summary": None, "links": None}
    assert Paper.from_json(data) == Paper(id="x", title="T", authors=(), abstract="", url="", day=D1, sources=(),
                                          topics=())


@pytest.mark.parametrize("data,message", [
    ({"title": "T", "day": "2026-06-16"}, "paper without an id: id: missing, expected a string"),
    ({"id": "x", "title": "T", "day": "16/06/2026"}, 'paper x: day: expected a date (YYYY-MM-DD), got "16/06/2026"'),
    ({"id": "x", "title": "T", "day": 20260616}, "paper x: day: expected a date (YYYY-MM-DD), got 20260616"),
    ({"id": "x", "title": "T", "day": "2026-06-16", "published": ["2026"]},
     'paper x: published: expected a date (YYYY-MM-DD), got ["2026"]'),
    (["id", "x"], 'paper without an id: expected an object, got ["id", "x"]'),
])
def test_from_json_names_the_field_of_a_malformed_paper(data, message):
    with pytest.raises(RecordError) as caught:
        Paper.from_json(data)
    assert str(caught.value) == message


# Values of every JSON type, each wrong for some field; the fast check in from_json and the table that words the
# message (PAPER_FIELDS, UPDATE_FIELDS) must refuse exactly the same ones, for every field.
ODD_VALUES = [None, "", "x", "2026-06-16", 0, 3, -1, 2.0, True, False, [], ["a"], ["a", 5], [["a"]], {}, {"en": "E"},
              {"en": 5}, {"en": None}]


@pytest.mark.parametrize("record,table", [(Paper, PAPER_FIELDS), (Update, UPDATE_FIELDS)], ids=["paper", "update"])
def test_the_fast_check_refuses_what_the_table_refuses(record, table):
    assert [name for name, _ in table] == [f.name for f in fields(record)]
    base = {"id": "x", "title": "T", "day": "2026-06-16"} if record is Paper else {"id": "x", "title": "T"}
    for name, kind in table:
        for value in ODD_VALUES:
            data = {**base, name: value}
            wrong = kind.problem(value)
            try:
                record.from_json(data)
            except RecordError as exc:
                assert wrong is not None and exc.field == name and str(exc).endswith(f"{name}: {wrong}"), (name, value)
            else:
                assert wrong is None, (name, value)
        if name in base:
            missing = {k: v for k, v in base.items() if k != name}
            with pytest.raises(RecordError, match=f": {name}: missing, expected"):
                record.from_json(missing)


def test_from_json_of_a_subclass_builds_the_subclass():
    class Marked(Paper):
        pass
    back = Marked.from_json(FULL.to_json())
    assert type(back) is Marked and back.to_json() == FULL.to_json()


def test_update_round_trip():
    update = Update("arXiv:1", 2, "T", "https://a/1", ("lg",), "replace")
    back = Update.from_json(update.to_json())
    assert back == update and list(vars(back)) == [f.name for f in fields(Update)]
    assert Update.from_json({"id": "x", "title": "T"}) == Update("x", None, "T", "", (), None)


def test_a_summary_without_its_date_still_loads():
    # Day files written before summary_at was kept: the paper loads, with no date, and is written back without one.
    data = FULL.to_json()
    del data["summary_at"]
    back = Paper.from_json(data)
    assert back.summary_at is None and back.summary_model == "m" and "summary_at" not in back.to_json()
    assert FULL.to_json()["summary_at"] == D2.isoformat()
