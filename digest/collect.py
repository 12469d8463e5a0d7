"""The fetch stage: every source fetched, parsed and merged into the archive, with a status per source."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Callable, Mapping, Sequence

from .archive import Archive, Counts, Day, SourceState, State
from .clean import clip
from .config import Config, Source
from .i18n import MESSAGES
from .papers import Ingest, Paper, Update, card_order, doi_key, ingest, is_seen, merge_entries
from .sources import date_range, polite_hosts, retries_stale
from .sources.arxiv import ITEM_LIMIT
from .sources.feed import Entry
from .sources.gather import gather_sources
from .sources.records import Gathered, Target
from .sources.http import FetchSettings, polite_interval

USER_AGENT = "AcademicHub/{version} (daily research digest; {contact})"


# What each state means to a reader, in the build output and the job summary (the site has its own words).
STATUS_WORDS = {"ok": "ok", "empty": "no announcement", "stale": "stale", "not_modified": "unchanged",
                "failed": "failed"}


@dataclass(frozen=True)
class SourceReport:
    source: str
    status: str          # ok | empty | stale | not_modified | failed
    counts: Counts = Counts()   # what became of each item it listed: state.json and /status/ keep this record
    error: str | None = None
    note: str | None = None  # a warning on success (fallback used, an API total that lied)

    @property
    def new(self) -> int:
        return self.counts.new

    @property
    def seen(self) -> int:
        return self.counts.seen

    @property
    def dropped(self) -> dict[str, int]:
        return self.counts.dropped

    @property
    def words(self) -> str:
        return STATUS_WORDS.get(self.status, self.status)

    def dropped_words(self) -> str:
        """Return "2 untitled, 1 listed twice": what was not shown and why, or ""."""
        return dropped_words(self.dropped)

    def counts_words(self) -> str:
        """Return "75 items: 27 new, 0 new versions, 0 seen, 48 not shown (44 news, comment or editorial, 4 correction, retraction or reply)"."""
        c = self.counts
        why = f" ({self.dropped_words()})" if c.dropped else ""
        versions = f"{c.versions} new version{'' if c.versions == 1 else 's'}"
        return f"{c.items} items: {c.new} new, {versions}, {c.seen} seen, {c.not_shown} not shown{why}"

    def line(self) -> str:
        if self.status == "failed":
            return f"  {self.source:<28} failed           {self.error}"
        return f"  {self.source:<28} {self.words:<16} {self.counts_words()}"


def dropped_words(dropped: Mapping[str, int]) -> str:
    """Return "2 untitled, 1 listed twice": what was not shown and why, or ""."""
    words = MESSAGES["en"]
    return ", ".join(f"{n} {words.get('drop_' + why, why)}" for why, n in sorted(dropped.items()))


def source_location(source: Source, config: Config, run_date: date, url: str | None = None) -> str:
    """Return the URL or absolute path to fetch for a source (or another of its URLs) on a run date ({date} filled in)."""
    url = (url or source.url).replace("{date}", run_date.isoformat())
    if "://" in url:
        return url
    return str((config.base_dir / url).resolve())


def portable(url: str | None, config: Config) -> str | None:
    """Return a local feed path relative to sources.yaml's folder, so state.json holds no machine's paths."""
    if url and "://" not in url and Path(url).is_absolute() and Path(url).is_relative_to(config.base_dir):
        return Path(url).relative_to(config.base_dir).as_posix()
    return url


def resolved(url: str | None, config: Config) -> str | None:
    """Return the location a URL kept by portable() stands for on this machine."""
    return str((config.base_dir / url).resolve()) if url and "://" not in url else url


def fetch_settings(config: Config) -> FetchSettings:
    """Return the fetch settings of sources.yaml, with the project's honest User-Agent."""
    from . import __version__
    contact = config.site.contact or config.site.base_url or "https://github.com/"
    return FetchSettings(
        user_agent=USER_AGENT.format(version=__version__, contact=contact), timeout=config.fetch.timeout,
        attempts=config.fetch.attempts, backoff=config.fetch.backoff, concurrency=config.fetch.concurrency,
        per_host=config.fetch.per_host,
        max_bytes=config.fetch.max_bytes, deadline=config.fetch.deadline, budget=config.fetch.budget,
        polite_hosts=polite_hosts(config.fetch), base_dir=config.base_dir,
    )


@dataclass(frozen=True)
class CollectReport:
    sources: list[SourceReport]
    new_papers: int       # distinct new cards (a cross-listed paper counts once)
    new_versions: int
    warnings: tuple[str, ...] = ()   # one line each, naming the source: items over the cap, a cut-short feed
    # Listings of those cards and versions by a second (third...) source: each source counts the paper, so the
    # per-source new cards and versions add up to new_papers + new_versions + cross_listings.
    cross_listings: int = 0

    @property
    def failed(self) -> int:
        return sum(r.status == "failed" for r in self.sources)

    def headline(self) -> str:
        """Return "41 new papers, 3 new versions (+4 cross-listings)"."""
        extra = f" (+{self.cross_listings} cross-listings)" if self.cross_listings else ""
        return f"{self.new_papers} new papers, {self.new_versions} new versions{extra}"

    def markdown(self, day: date, labels: dict[str, str]) -> str:
        """Return the run as a Markdown table, one row per source, for a CI job summary."""
        rows = [f"### fetch {day}: {self.headline()}", "",
                "| source | state | items | new | new versions | seen | not shown | note |",
                "| --- | --- | ---: | ---: | ---: | ---: | --- | --- |"]
        for r in self.sources:
            note = (r.error or r.note or "").replace("|", "\\|")
            c, why = r.counts, f" ({r.dropped_words()})" if r.dropped else ""
            rows.append(f"| {labels.get(r.source, r.source)} | {r.words} | {c.items} | {c.new} | {c.versions} | {c.seen} "
                        f"| {c.not_shown}{why} | {note} |")
        return "\n".join(rows) + "\n"


def collect(config: Config, archive: Archive, run_date: date, settings: FetchSettings | None = None,
            item_limit: int = ITEM_LIMIT) -> CollectReport:
    """Fetch every enabled source for run_date and store what is new; report per source."""
    plan = plan_run(config, archive, run_date)
    gathered = fetch(plan, config, run_date, settings or fetch_settings(config), item_limit)
    merged = merge(plan, gathered, config, archive, run_date)
    return record(plan, merged, config, archive, run_date)


@dataclass(frozen=True)
class Plan:
    """What this run asks of each enabled source, and what the archive and state.json already hold."""

    state: State
    sources: list[Source]                  # the enabled ones, in sources.yaml order
    kept: dict[str, SourceState]           # source id -> its state before this run
    targets: list[Target]
    known: KnownPapers

    def seen(self, entry: Entry) -> bool:
        """True when the archive held this entry (this version of it) before the run."""
        return is_seen(entry, self.known.versions, self.known.dois)


@dataclass(frozen=True)
class Merged:
    """What the run stored: each source's bounded answer, the merge's result, and each source's latest day."""

    gathered: dict[str, Gathered]
    result: Ingest
    contributed: dict[str, date]
    warnings: tuple[str, ...]


def plan_run(config: Config, archive: Archive, run_date: date) -> Plan:
    """Return the targets of every enabled source, from the config and the state, and the archive's ids."""
    state = archive.read_state()
    sources = [s for s in config.sources if s.enabled]
    kept = {s.id: state.sources.get(s.id) or SourceState() for s in sources}
    targets = [target(s, kept[s.id], config, run_date) for s in sources]
    return Plan(state, sources, kept, targets, scan_archive(archive, state))


def fetch(plan: Plan, config: Config, run_date: date, settings: FetchSettings, item_limit: int
          ) -> dict[str, Gathered]:
    """Gather every target, then ask stale listings again for up to fetch.stale_window seconds."""
    gathered = gather_sources(plan.targets, settings, item_limit)
    if config.fetch.stale_window > 0:
        # A source with items a killed run stored is not stale: those items are this run's.
        fresh = [t for t in plan.targets if not plan.known.unrecorded.get(t.source.id)]
        _retry_stale(config.fetch.stale_window, fresh, gathered, plan.seen, plan.kept, run_date, settings, item_limit)
    return gathered


def merge(plan: Plan, gathered: dict[str, Gathered], config: Config, archive: Archive, run_date: date) -> Merged:
    """Bound each source's answer, merge the entries into papers and write the days they change."""
    gathered, warnings = _bounded(gathered, config)
    entries = [e for g in gathered.values() if g.status == "ok" for e in g.entries]
    state, known = plan.state, plan.known
    last_day = {sid: date.fromisoformat(s.last_day) for sid, s in state.sources.items() if s.last_day}
    order = {s.id: i for i, s in enumerate(config.sources)}
    ignoring = {s.id for s in config.sources if s.replacements == "ignore"}
    result = ingest(entries, known.versions, last_day, run_date, {s.id: s.topic for s in config.sources}, order,
                    known.dois, ignoring)

    # Only the days this run changes are read whole: those it adds to, and those holding a paper it links.
    touched = {*result.papers, *result.updates, *(on for pid in result.links for on in known.home.get(pid, ()))}
    by_day = {d.day: d for d in map(archive.read_day, sorted(touched)) if d is not None}
    _add_links(archive, by_day, result.links)
    contributed = dict(known.latest)
    for day in sorted(set(result.papers) | set(result.updates)):
        old = by_day.get(day) or Day(day, ())
        have = {p.id for p in old.papers}
        papers = [*old.papers, *(p for p in result.papers.get(day, ()) if p.id not in have)]
        papers.sort(key=lambda p: card_order(p, order))
        updates = [*old.updates, *result.updates.get(day, ())]
        archive.write_day(Day(day, tuple(papers), tuple(updates)))
        for item in (*result.papers.get(day, ()), *result.updates.get(day, ())):
            for sid in item.sources:
                contributed[sid] = max(contributed.get(sid, day), day)
    return Merged(gathered, result, contributed, warnings)


def record(plan: Plan, merged: Merged, config: Config, archive: Archive, run_date: date) -> CollectReport:
    """Write each source's new state (after the papers it covers are on disk) and return the run's report."""
    result, state = merged.result, plan.state
    reports = []
    for source in plan.sources:
        got = merged.gathered[source.id]
        report = _report(got, plan.seen, run_counts(source.id, got, result, plan.known))
        after = _next_state(plan.kept[source.id], report, got, run_date, merged.contributed.get(source.id))
        state.sources[source.id] = replace(after, url=portable(after.url, config))
        reports.append(report)
    state.last_run = max(filter(None, (state.last_run, run_date.isoformat())))
    archive.write_state(state)
    listings = sum(len(item.sources) for day in result.papers.values() for item in day)
    listings += sum(len(item.sources) for day in result.updates.values() for item in day)
    papers, versions = sum(map(len, result.papers.values())), sum(map(len, result.updates.values()))
    return CollectReport(reports, papers, versions, merged.warnings, listings - papers - versions)


def run_counts(sid: str, got: Gathered, result: Ingest, known: KnownPapers) -> Counts:
    """Return what became of each item a source listed this run: new card, new version, seen or not shown."""
    if got.status != "ok":
        return Counts()
    # Items a killed run stored but never recorded in state.json count as this run's, so a rerun
    # converges to what the uninterrupted run would have saved (and such a source is not stale).
    recovered, recovered_versions = known.unrecorded.get(sid, 0), known.unrecorded_versions.get(sid, 0)
    versions = sum(sid in u.sources for day in result.updates.values() for u in day) + recovered_versions
    new = result.new_by_source.get(sid, 0) + recovered - versions
    dropped = add_counts(got.dropped, result.dropped_by_source.get(sid, {}))
    return Counts(len(got.entries) + sum(got.dropped.values()), new, versions,
                  result.seen_by_source.get(sid, 0) - recovered, dropped)


def _bounded(gathered: dict[str, Gathered], config: Config) -> tuple[dict[str, Gathered], tuple[str, ...]]:
    """Return each answer with repeats dropped and within fetch.max_items and max_abstract, and the warnings."""
    warnings: list[str] = []
    out = {}
    for sid, got in gathered.items():
        if got.status == "ok":
            warnings.extend(got.warnings)
            unique, repeated = once_each(got.entries)
            bounded, note = bound_entries(unique, sid, config.fetch.max_items, config.fetch.max_abstract)
            warnings.extend([note] if note else [])
            dropped = add_counts(got.dropped, {"duplicate": repeated, "over_cap": len(unique) - len(bounded)})
            got = replace(got, entries=tuple(bounded), dropped=dropped)
        out[sid] = got
    return out, tuple(warnings)


def once_each(entries: Sequence[Entry]) -> tuple[list[Entry], int]:
    """Return a source's entries with each paper once, and how many items repeated a paper already listed.

    A paper repeated in one answer (the same id again, another version of it, its journal version by DOI)
    is merged here as the run's merge would merge it, so each of the source's entries is one card, version
    or seen paper, and the repeats are counted as listed twice: every item is counted once."""
    merged = merge_entries(entries, {})
    return merged, len(entries) - len(merged)


def add_counts(*counts: Mapping[str, int]) -> dict[str, int]:
    """Return reason counts summed, zeros left out."""
    total: dict[str, int] = {}
    for one in counts:
        for why, n in one.items():
            if n:
                total[why] = total.get(why, 0) + n
    return total


@dataclass
class KnownPapers:
    """What the fetch stage needs to know of the archive, gathered one day file at a time."""

    versions: dict[str, int] = field(default_factory=dict)   # paper id -> newest version stored (0: none given)
    dois: dict[str, str] = field(default_factory=dict)       # DOI -> the id of the card holding it
    home: dict[str, list[date]] = field(default_factory=dict)   # paper id -> the day(s) its card is on
    # Per source, the latest day and the count of stored items dated after its recorded last_day: what a
    # killed run stored but never recorded in state.json.
    latest: dict[str, date] = field(default_factory=dict)
    unrecorded: dict[str, int] = field(default_factory=dict)
    unrecorded_versions: dict[str, int] = field(default_factory=dict)   # of those, new versions

    def add(self, day: Day, state: State) -> None:
        for paper in day.papers:
            self.versions[paper.id] = max(self.versions.get(paper.id, 0), paper.version or 0)
            self.home.setdefault(paper.id, []).append(day.day)
            if paper.doi:
                self.dois.setdefault(doi_key(paper.doi), paper.id)
        for update in day.updates:
            self.versions[update.id] = max(self.versions.get(update.id, 0), update.version or 0)
        iso = day.day.isoformat()
        items: tuple[Paper | Update, ...] = (*day.papers, *day.updates)
        for item in items:
            for sid in item.sources:
                recorded = state.sources.get(sid)
                if recorded is None or recorded.last_day is None or iso > recorded.last_day:
                    self.latest[sid] = max(self.latest.get(sid, day.day), day.day)
                    self.unrecorded[sid] = self.unrecorded.get(sid, 0) + 1
                    if isinstance(item, Update):
                        self.unrecorded_versions[sid] = self.unrecorded_versions.get(sid, 0) + 1


def scan_archive(archive: Archive, state: State) -> KnownPapers:
    """Read the archive's ids day by day: a year of days held at once would be hundreds of megabytes."""
    known = KnownPapers()
    for day in archive.iter_days():
        known.add(day, state)
    return known


def bound_entries(entries: list[Entry], source_id: str, max_items: int, max_abstract: int
                  ) -> tuple[list[Entry], str | None]:
    """Keep at most max_items entries with abstracts of at most max_abstract characters; say what was cut."""
    note = None
    if len(entries) > max_items:
        note = f"source '{source_id}': {len(entries)} items, only the first {max_items} kept (fetch.max_items)"
        entries = entries[:max_items]
    return [e if len(e.abstract) <= max_abstract else replace(e, abstract=clip(e.abstract, max_abstract))
            for e in entries], note


def _add_links(archive: Archive, by_day: dict[date, Day], links: dict[str, tuple[str, ...]]) -> None:
    """Link archived cards to the other version of their paper found this run (a journal's, a preprint's)."""
    for day, held in sorted(by_day.items()):
        changed = False
        papers = []
        for paper in held.papers:
            extra = [u for u in links.get(paper.id, ()) if u != paper.url and u not in paper.links]
            if extra:
                paper, changed = replace(paper, links=(*paper.links, *extra)), True
            papers.append(paper)
        if changed:
            by_day[day] = replace(held, papers=tuple(papers))
            archive.write_day(by_day[day])


def target(source: Source, kept: SourceState, config: Config, run_date: date) -> Target:
    """Return what to ask for a source: its location, validators, and the API's date range."""
    location = source_location(source, config, run_date)
    # A source found stale earlier today is asked afresh: validators could only hide the new batch.
    fresh = kept.status == "stale" and kept.checked == run_date.isoformat()
    last_success = date.fromisoformat(kept.last_success) if kept.last_success else None
    since, until = date_range(source.family, location, last_success, run_date)
    fallback = source_location(source, config, run_date, source.fallback) if source.fallback else ""
    if fresh:
        return Target(source, location, since=since, until=until, fallback=fallback)
    return Target(source, location, kept.etag, kept.last_modified, resolved(kept.url, config), since, until, fallback)


def _stale(got: Gathered, seen: Callable[[Entry], bool]) -> bool:
    """True when a source listed items and every one was in the archive before this run."""
    return got.status == "ok" and bool(got.entries) and not got.overlaps and all(seen(e) for e in got.entries)


def _retry_stale(window: float, targets: list[Target], gathered: dict[str, Gathered], seen: Callable[[Entry], bool],
                 kept: dict[str, SourceState], run_date: date, settings: FetchSettings, item_limit: int) -> None:
    """Ask stale arXiv categories again, for up to window seconds, keeping the first fresh answer of each."""
    today = run_date.isoformat()
    deadline = time.monotonic() + window

    def stale() -> list[Target]:
        # Only where the family says so (arXiv's listings: one category serving yesterday's batch is a known
        # glitch there), while a journal with nothing new is just quiet. A source already current earlier today
        # is not waited for again.
        return [t for t in targets if retries_stale(t.source.family, t.location)
                and _stale(gathered[t.source.id], seen)
                and not (kept[t.source.id].checked == today and kept[t.source.id].status == "ok")]

    while (waiting := stale()) and (left := deadline - time.monotonic()) > 0:
        # Each retry is a new fetch session: wait at least the host's polite interval so arXiv is never rushed.
        polite = max(polite_interval(t.location, settings) for t in waiting)
        time.sleep(max(min(left, window / 3), polite))
        again = gather_sources([Target(t.source, t.location, fallback=t.fallback) for t in waiting], settings, item_limit)
        for sid, got in again.items():
            if got.status == "ok" and not _stale(got, seen):
                gathered[sid] = got


def _report(got: Gathered, seen: Callable[[Entry], bool], counts: Counts) -> SourceReport:
    sid = got.source_id
    if got.status == "failed":
        return SourceReport(sid, "failed", error=got.error)
    if got.status == "not_modified":
        return SourceReport(sid, "not_modified", note=got.note)
    if not got.entries or got.overlaps and all(seen(e) for e in got.entries):
        # Nothing announced (arXiv's weekends and holidays), or nothing posted since the range last asked.
        return SourceReport(sid, "empty", counts, note=got.note)
    status = "stale" if _stale(got, seen) and not (counts.new or counts.versions) else "ok"
    return SourceReport(sid, status, counts, note=got.note)


def _next_state(old: SourceState, report: SourceReport, fetched: Gathered, run_date: date,
                contributed: date | None) -> SourceState:
    today = run_date.isoformat()
    if report.status == "failed":
        failed = replace(old, checked=today, status="failed", last_error=report.error, failures=old.failures + 1)
        return failed.counted(Counts())
    if fetched.status == "not_modified":  # a 304 may omit the validators: the old ones still hold
        etag, last_modified = fetched.etag or old.etag, fetched.last_modified or old.last_modified
    else:
        etag, last_modified = fetched.etag, fetched.last_modified
    state = replace(old, url=fetched.url, etag=etag, last_modified=last_modified, last_success=today, failures=0)
    if report.note:
        state.last_error = report.note
    if contributed is not None:
        state.last_day = max(filter(None, (old.last_day, contributed.isoformat())))
    counts = report.counts
    if old.checked == today and not (counts.new or counts.versions) and old.status in ("ok", "stale", "empty"):
        return state  # a rerun of the same day found nothing more: what that day saw (its counts too) still stands
    return replace(state, checked=today, status=report.status).counted(counts)
