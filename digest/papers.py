"""The Paper record, and the pure step that turns one run's entries into new cards and updates."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any, Iterable, Mapping

from .clean import doi_from_text
from .errors import RecordError
from .sources import arxiv, biorxiv
from .sources.feed import Entry

# arXiv's announce types: new and cross are the day's papers; replace* announce a new version.
NEW_TYPES = ("new", "cross")


@dataclass(frozen=True)
class Paper:
    id: str                        # "arXiv:2606.13504", "doi:10.1101/...", "url:<hash>"
    title: str
    authors: tuple[str, ...]
    abstract: str
    url: str
    day: date                      # the digest day it first appeared on
    sources: tuple[str, ...]       # every source that listed it, in sources.yaml order
    topics: tuple[str, ...]        # home topic first
    version: int | None = None
    doi: str | None = None
    published: date | None = None
    announce: str | None = None
    abstract_kind: str = "abstract"   # or "standfirst" when the feed gives only a teaser
    links: tuple[str, ...] = ()       # the same paper elsewhere: its journal version beside the preprint
    summary: dict[str, str] = field(default_factory=dict)  # language -> text, written by an LLM
    summary_model: str | None = None
    summary_prompt: str | None = None
    summary_version: int | None = None    # the paper version the summary was written for
    # Why the model's summary failed the faithfulness gate (digest/gate.py), when it did: stored with the model and
    # prompt like a summary, so a rerun does not ask again; the card shows the extractive summary meanwhile.
    summary_verdict: str | None = None
    summary_at: date | None = None        # the day the summary was written (cards show it beside the model)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id, "version": self.version, "title": self.title, "authors": list(self.authors),
            "abstract": self.abstract, "abstract_kind": self.abstract_kind, "url": self.url, "doi": self.doi,
            "sources": list(self.sources), "topics": list(self.topics),
            "published": self.published.isoformat() if self.published else None,
            "day": self.day.isoformat(), "announce": self.announce,
        }
        if self.links:
            data["links"] = list(self.links)
        if self.summary:
            data.update(summary=dict(sorted(self.summary.items())), summary_model=self.summary_model,
                        summary_prompt=self.summary_prompt, summary_version=self.summary_version)
            if self.summary_at:   # absent from files written before it was kept
                data["summary_at"] = self.summary_at.isoformat()
        if self.summary_verdict:
            data.update(summary_model=self.summary_model, summary_prompt=self.summary_prompt,
                        summary_version=self.summary_version, summary_verdict=self.summary_verdict)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Paper":
        """Return the paper a day file's record holds; raise RecordError naming its first field that is wrong."""
        # A render reads every archived paper, so the usual case costs one exact type test per field, written
        # out (a loop over PAPER_FIELDS would double this function's time), and one join per non-empty list,
        # which raises TypeError on an item that is not a string. The message is worked out from PAPER_FIELDS,
        # on failure only; tests/test_papers.py checks that the two refuse the same values. type() is exact:
        # "version": true is refused as not an integer.
        try:
            pid, title, authors, abstract = data.get("id"), data.get("title"), data.get("authors"), data.get("abstract")
            url, day, sources, topics = data.get("url"), data.get("day"), data.get("sources"), data.get("topics")
            version, doi, published = data.get("version"), data.get("doi"), data.get("published")
            announce, kind, links = data.get("announce"), data.get("abstract_kind"), data.get("links")
            summary = data.get("summary")
            summary_model, summary_prompt = data.get("summary_model"), data.get("summary_prompt")
            summary_version, summary_at, summary_verdict = (data.get("summary_version"), data.get("summary_at"),
                                                            data.get("summary_verdict"))
        except AttributeError:   # a list, a string, a number
            raise RecordError("paper", None, None, wrong_type("an object", data)) from None
        if not (type(pid) is str and type(title) is str and type(day) is str
                and (authors is None or type(authors) is list) and (abstract is None or type(abstract) is str)
                and (url is None or type(url) is str) and (sources is None or type(sources) is list)
                and (topics is None or type(topics) is list) and (version is None or type(version) is int)
                and (doi is None or type(doi) is str) and (published is None or type(published) is str)
                and (announce is None or type(announce) is str) and (kind is None or type(kind) is str)
                and (links is None or type(links) is list) and (summary is None or type(summary) is dict)
                and (summary_model is None or type(summary_model) is str)
                and (summary_prompt is None or type(summary_prompt) is str)
                and (summary_version is None or type(summary_version) is int)
                and (summary_verdict is None or type(summary_verdict) is str)
                and (summary_at is None or type(summary_at) is str)):
            raise record_error("paper", data, PAPER_FIELDS)
        try:
            for strings in (authors, sources, topics, links):
                if strings:
                    _join(strings)
            if summary:
                _join(summary), _join(summary.values())
            values: dict[str, Any] = {
                "id": pid, "title": title, "authors": tuple(authors or ()), "abstract": abstract or "",
                "url": url or "", "day": _date(day), "sources": tuple(sources or ()), "topics": tuple(topics or ()),
                "version": version, "doi": doi, "published": _date(published) if published else None,
                "announce": announce, "abstract_kind": kind or "abstract", "links": tuple(links or ()),
                "summary": dict(summary or {}), "summary_model": summary_model,
                "summary_prompt": summary_prompt, "summary_version": summary_version,
                "summary_verdict": summary_verdict, "summary_at": _date(summary_at) if summary_at else None,
            }
        except (TypeError, ValueError):   # an item that is not a string, a date that is not one
            raise record_error("paper", data, PAPER_FIELDS) from None
        if cls is not Paper:
            return cls(**values)
        # A render reads every archived paper, often more than once: filling the instance's dict in one
        # step skips the frozen __init__'s call per field (a third of the time). It sets exactly what
        # __init__ would (tests/test_papers.py checks the field list), and Paper has no __post_init__.
        paper = _new_object(cls)
        paper.__dict__.update(values)
        return paper


def pdf_url(p: Paper) -> str | None:
    """The paper's PDF where its source has one (its family's rule: arXiv's /pdf/, bioRxiv's .full.pdf), else None."""
    if p.id.startswith("arXiv:"):
        return arxiv.pdf_url(p.id.removeprefix("arXiv:"), p.version)
    return biorxiv.pdf_url(p.url, p.doi, p.version)


_new_object = object.__new__
_join = "".join
_DATES: dict[str, date] = {}


def _date(text: str) -> date:
    """Return date.fromisoformat(text), remembered: a day file's papers share a handful of dates."""
    found = _DATES.get(text)
    if found is None:
        found = date.fromisoformat(text)
        if len(_DATES) >= 4096:
            _DATES.clear()
        _DATES[text] = found
    return found


@dataclass(frozen=True)
class Kind:
    """What one field of an archived file may hold (JSON types, exactly), and what a message calls it."""

    types: tuple[type, ...]
    expected: str                  # "a string": read as "expected a string, got 123"
    items: bool = False            # a list's items, an object's keys and values, must be strings
    is_date: bool = False          # a string that must be an ISO date

    def problem(self, value: Any) -> str | None:
        """Return what is wrong with value for this kind ("expected a string, got 123"), or None."""
        if (type(value) not in self.types or (self.items and value and not _all_text(value))
                or (self.is_date and (value or _NULL not in self.types) and not _is_date(value))):
            return wrong_type(self.expected, value)
        return None


def _all_text(value: list | dict) -> bool:
    return all(type(item) is str for item in ([*value, *value.values()] if type(value) is dict else value))


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


_NULL = type(None)
TEXT, TEXT_OR_NULL = Kind((str,), "a string"), Kind((str, _NULL), "a string")
DATE = Kind((str,), "a date (YYYY-MM-DD)", is_date=True)
DATE_OR_NULL = Kind((str, _NULL), "a date (YYYY-MM-DD)", is_date=True)
COUNT, COUNT_OR_NULL = Kind((int,), "an integer"), Kind((int, _NULL), "an integer")
TEXTS = Kind((list, _NULL), "a list of strings", items=True)
TEXT_MAP = Kind((dict, _NULL), "an object of strings", items=True)
COUNTS = Kind((dict, _NULL), "an object of counts")

# The fields of an archived record, in its dataclass's field order (tests/test_papers.py pins both). Each is
# checked as the record is read: a hand-edited "authors": "One Name" must stop the build with one line naming
# it, not crash a render or show "O, n, e" as the authors.
PAPER_FIELDS = (
    ("id", TEXT), ("title", TEXT), ("authors", TEXTS), ("abstract", TEXT_OR_NULL), ("url", TEXT_OR_NULL),
    ("day", DATE), ("sources", TEXTS), ("topics", TEXTS), ("version", COUNT_OR_NULL), ("doi", TEXT_OR_NULL),
    ("published", DATE_OR_NULL), ("announce", TEXT_OR_NULL), ("abstract_kind", TEXT_OR_NULL), ("links", TEXTS),
    ("summary", TEXT_MAP), ("summary_model", TEXT_OR_NULL), ("summary_prompt", TEXT_OR_NULL),
    ("summary_version", COUNT_OR_NULL), ("summary_verdict", TEXT_OR_NULL), ("summary_at", DATE_OR_NULL))
UPDATE_FIELDS = (("id", TEXT), ("version", COUNT_OR_NULL), ("title", TEXT), ("url", TEXT_OR_NULL),
                 ("sources", TEXTS), ("announce", TEXT_OR_NULL))
_UPDATE_NAMES = tuple(name for name, _ in UPDATE_FIELDS)


def field_problem(data: Mapping[str, Any], fields: tuple[tuple[str, Kind], ...]) -> tuple[str, str] | None:
    """Return (field, what is wrong) for the first field of data that does not hold its kind, or None."""
    for name, kind in fields:
        if name not in data and _NULL not in kind.types:
            return name, f"missing, expected {kind.expected}"
        if (problem := kind.problem(data.get(name))) is not None:
            return name, problem
    return None


def record_error(kind: str, data: Mapping[str, Any], fields: tuple[tuple[str, Kind], ...]) -> RecordError:
    """Return the error naming a record's first wrong field, by the record's id when it has a usable one."""
    pid = data.get("id")
    found = field_problem(data, fields)
    if found is None:
        raise AssertionError(f"a {kind}'s fast check refused it, but every field matches the table: {data!r}")
    return RecordError(kind, pid if type(pid) is str and pid else None, *found)


def wrong_type(expected: str, value: Any) -> str:
    """Return "expected a string, got 123": the value as the JSON file shows it, shortened."""
    shown = json.dumps(value, ensure_ascii=False, default=repr)
    return f"expected {expected}, got {shown if len(shown) <= 60 else shown[:57] + '...'}"


@dataclass(frozen=True)
class Update:
    """A new version of a paper, announced on a later day: listed compactly, never a new card."""

    id: str
    version: int | None
    title: str
    url: str
    sources: tuple[str, ...]
    announce: str | None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "version": self.version, "title": self.title, "url": self.url,
                "sources": list(self.sources), "announce": self.announce}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Update":
        """Return the update a day file's record holds; raise RecordError naming its first field that is wrong."""
        try:
            pid, version, title, url, sources, announce = map(data.get, _UPDATE_NAMES)
        except AttributeError:   # as in Paper.from_json
            raise RecordError("update", None, None, wrong_type("an object", data)) from None
        if not (type(pid) is str and type(title) is str and (version is None or type(version) is int)
                and (url is None or type(url) is str) and (sources is None or type(sources) is list)
                and (announce is None or type(announce) is str)):
            raise record_error("update", data, UPDATE_FIELDS)
        try:
            if sources:
                _join(sources)
        except TypeError:
            raise record_error("update", data, UPDATE_FIELDS) from None
        values: dict[str, Any] = {"id": pid, "version": version, "title": title, "url": url or "", "sources": tuple(sources or ()),
                  "announce": announce}
        if cls is not Update:
            return cls(**values)
        update = _new_object(cls)   # as in Paper.from_json
        update.__dict__.update(values)
        return update


@dataclass(frozen=True)
class Ingest:
    """What one run adds: new papers by digest day, new versions, and per-source counts."""

    papers: dict[date, list[Paper]]
    updates: dict[date, list[Update]]
    new_by_source: dict[str, int]
    seen_by_source: dict[str, int]
    links: dict[str, tuple[str, ...]] = field(default_factory=dict)  # archived paper id -> pages found for it
    dropped_by_source: dict[str, dict[str, int]] = field(default_factory=dict)  # source -> parse.DROP_REASONS key -> n


def merge_entries(entries: Iterable[Entry], source_order: Mapping[str, int]) -> list[Entry]:
    """Merge entries that are one paper: the same id (cross-lists), or a preprint and its journal version by DOI."""
    merged: dict[str, Entry] = {}
    for entry in entries:
        have = merged.get(entry.id)
        merged[entry.id] = entry if have is None else _combine(have, entry, source_order)
    # arXiv gives a paper's journal DOI (`arxiv:doi`); the journal's item of that DOI joins the preprint's card.
    preprint_of = {e.doi: e.id for e in merged.values() if e.doi and e.id.startswith("arXiv:")}
    for key in [k for k, e in merged.items() if k.startswith("doi:") and e.doi in preprint_of]:
        journal = merged.pop(key)
        preprint = merged[preprint_of[journal.doi or ""]]
        sources = _ordered(set(preprint.sources) | set(journal.sources), source_order)
        links = tuple(dict.fromkeys(u for u in (*preprint.links, journal.url, *journal.links) if u and u != preprint.url))
        merged[preprint.id] = replace(preprint, sources=sources, links=links)
    return list(merged.values())


def _ordered(sources: Iterable[str], source_order: Mapping[str, int]) -> tuple[str, ...]:
    return tuple(sorted(sources, key=lambda s: source_order.get(s, 1 << 30)))


def _combine(have: Entry, entry: Entry, source_order: Mapping[str, int]) -> Entry:
    """Return one entry for two listings of the same id."""
    sources = _ordered(set(have.sources) | set(entry.sources), source_order)
    # `new` beats `cross` beats `replace`: the primary listing describes the paper best.
    best = min(have, entry, key=lambda e: _announce_rank(e.announce))
    return replace(
        best, sources=sources, categories=best.categories or have.categories or entry.categories,
        authors=best.authors or have.authors or entry.authors,
        abstract=best.abstract or have.abstract or entry.abstract,
        version=max(v for v in (have.version, entry.version, 0) if v is not None) or None,
        doi=best.doi or have.doi or entry.doi,
        links=tuple(dict.fromkeys((*have.links, *entry.links))),
    )


def _announce_rank(announce: str | None) -> int:
    return {"new": 0, None: 1, "cross": 2, "replace": 3, "replace-cross": 4}.get(announce, 5)


# arXiv opened in August 1991: an earlier date is a placeholder (`1900-01-01`). A date after the run day is
# mostly a journal's cover (issue) date, printed weeks or months ahead of the day the paper appears (Science,
# Cell, ScienceDirect's volumes): the paper is kept, its card goes on the run day, the day it first appeared,
# and `published` keeps the date the source gave. A date more than half a year ahead is a feed's error.
# Neither error may open a page of its own.
EARLIEST = date(1991, 1, 1)
FUTURE_MARGIN = timedelta(days=183)


def in_date_window(published: date | None, run_date: date) -> bool:
    """True when an item's date (or its lack of one) can place it on a digest day."""
    return published is None or EARLIEST <= published <= run_date + FUTURE_MARGIN


def dated(entry: Entry, run_date: date) -> Entry:
    """Return the entry dated by its feed when it has no date of its own and the feed's is a plausible one."""
    if entry.published is None and entry.feed_date is not None and in_date_window(entry.feed_date, run_date):
        return replace(entry, published=entry.feed_date)
    return entry


def digest_day(published: date | None, last_day: date | None, run_date: date) -> date:
    """Return the day a newly seen paper belongs to: the source's date if it is still open, else the run date.

    A date after the run day (a cover date) is the run day: no page is made for a day that has not come."""
    if published is None or published > run_date:
        return run_date
    if last_day is not None and published <= last_day:
        return run_date  # that day is closed for this source: it first appears here today
    return published


def doi_key(doi: str) -> str:
    """Return the key an archived paper's DOI is known by when new items are matched against the archive.

    It is the DOI's normal form (clean.doi_from_text), the form every new entry's DOI has: a card stored
    before that rule (`doi:10.1287/mnsc.2025.01729?af=r`) keeps its id and still matches the paper read
    today as `doi:10.1287/mnsc.2025.01729`, which is then no new card."""
    return doi_from_text(doi) or doi


def is_seen(entry: Entry, seen_versions: Mapping[str, int], seen_dois: Mapping[str, str]) -> bool:
    """True when the archive already holds this paper at this version (or holds it under another id by DOI)."""
    if entry.id in seen_versions:
        return (entry.version or 0) <= seen_versions[entry.id]
    return entry.doi is not None and seen_dois.get(entry.doi, entry.id) != entry.id


def ingest(
    entries: Iterable[Entry],
    seen_versions: Mapping[str, int],
    last_day: Mapping[str, date],
    run_date: date,
    source_topics: Mapping[str, str],
    source_order: Mapping[str, int],
    seen_dois: Mapping[str, str] | None = None,
    ignore_replacements: Iterable[str] = (),
) -> Ingest:
    """Split one run's entries into new papers (by day) and new versions of known papers.

    seen_dois maps the DOIs of archived papers to their ids, so a journal version of a preprint shown
    earlier (or the reverse) is not a new card; sources in ignore_replacements drop new versions of
    papers never shown instead of listing them."""
    papers: dict[date, list[Paper]] = {}
    updates: dict[date, list[Update]] = {}
    new_by_source = {s: 0 for s in source_order}
    seen_by_source = {s: 0 for s in source_order}
    seen_dois = seen_dois or {}
    ignoring = set(ignore_replacements)
    links: dict[str, tuple[str, ...]] = {}
    dropped: dict[str, dict[str, int]] = {}

    def drop(entry: Entry, why: str) -> None:
        for s in entry.sources:
            counts = dropped.setdefault(s, {})
            counts[why] = counts.get(why, 0) + 1

    for entry in merge_entries(entries, source_order):
        entry = dated(entry, run_date)
        known = entry.id in seen_versions
        is_update = entry.announce not in (None, *NEW_TYPES)
        if is_seen(entry, seen_versions, seen_dois):
            for s in entry.sources:
                seen_by_source[s] += 1
            shown_as = seen_dois.get(entry.doi or "") if not known else None
            if shown_as and entry.url:  # the other version of a paper shown earlier: its card links this one
                links[shown_as] = tuple(dict.fromkeys((*links.get(shown_as, ()), entry.url, *entry.links)))
            continue
        if not in_date_window(entry.published, run_date):
            drop(entry, "date")
            continue
        if is_update and not known and set(entry.sources) <= ignoring:
            drop(entry, "ignored_version")  # a new version of a paper never shown, from sources that ignore those
            continue
        for s in entry.sources:
            new_by_source[s] += 1
        sources = home_first(entry, source_topics)
        day = digest_day(entry.published, last_day.get(sources[0]), run_date)
        if known or is_update:
            updates.setdefault(day, []).append(Update(entry.id, entry.version, entry.title, entry.url,
                                                       sources, entry.announce))
        else:
            papers.setdefault(day, []).append(new_paper(entry, sources, day, source_topics))
    return Ingest(papers, updates, new_by_source, seen_by_source, links, dropped)


def home_first(entry: Entry, source_topics: Mapping[str, str]) -> tuple[str, ...]:
    """Return the entry's sources, its home first: the source whose topic is its primary category (its card's label)."""
    home = entry.categories[0] if entry.categories else None
    return tuple(sorted(entry.sources, key=lambda s: source_topics.get(s) != home))


def new_paper(entry: Entry, sources: tuple[str, ...], day: date, source_topics: Mapping[str, str]) -> Paper:
    """Return the card of a paper first seen in this run: its categories, then its sources' topics, as topics."""
    topics = list(entry.categories)
    for s in sources:
        if source_topics.get(s) and source_topics[s] not in topics:
            topics.append(source_topics[s])
    return Paper(id=entry.id, title=entry.title, authors=entry.authors, abstract=entry.abstract, url=entry.url,
                 day=day, sources=sources, topics=tuple(topics), version=entry.version, doi=entry.doi,
                 published=entry.published, announce=entry.announce, abstract_kind=entry.abstract_kind,
                 links=entry.links)


def card_order(paper: Paper, source_order: Mapping[str, int]) -> tuple:
    """Sort key of a day's cards: by source as listed in sources.yaml, new before cross-lists, then id."""
    return (source_order.get(paper.sources[0], 1 << 30) if paper.sources else 1 << 30,
            _announce_rank(paper.announce), paper.id)
