"""The fetch stage: every source fetched, parsed and merged into the archive, with a status per source."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from .archive import Archive, Day, SourceState, State
from .clean import clip_text
from .config import Config, Source
from .errors import SourceError
from .fetch import FetchRequest, FetchResult, FetchSettings, fetch_sources
from .papers import card_order, ingest
from .parse import Entry, is_cut_short, parse_feed

USER_AGENT = "AcademicHub/{version} (daily research digest; {contact})"


@dataclass(frozen=True)
class SourceReport:
    source: str
    status: str          # ok | empty | stale | not_modified | failed
    new: int = 0
    seen: int = 0
    error: str | None = None

    def line(self) -> str:
        if self.status == "failed":
            return f"  {self.source:<28} failed     {self.error}"
        return f"  {self.source:<28} {self.status:<10} {self.new} new, {self.seen} seen"


def source_location(source: Source, config: Config, run_date: date) -> str:
    """Return the URL or absolute path to fetch for a source on a run date ({date} filled in)."""
    url = source.url.replace("{date}", run_date.isoformat())
    if "://" in url:
        return url
    return str((config.base_dir / url).resolve())


def fetch_settings(config: Config) -> FetchSettings:
    """Return the fetch settings of sources.yaml, with the project's honest User-Agent."""
    from . import __version__
    contact = config.site.contact or config.site.base_url or "https://github.com/"
    polite = {host: config.fetch.polite_interval for host in ("arxiv.org", "export.arxiv.org", "rss.arxiv.org")}
    return FetchSettings(
        user_agent=USER_AGENT.format(version=__version__, contact=contact), timeout=config.fetch.timeout,
        attempts=config.fetch.attempts, backoff=config.fetch.backoff, concurrency=config.fetch.concurrency,
        per_host=config.fetch.per_host,
        max_bytes=config.fetch.max_bytes, deadline=config.fetch.deadline, budget=config.fetch.budget,
        polite_hosts=polite, base_dir=config.base_dir,
    )


@dataclass(frozen=True)
class CollectReport:
    sources: list[SourceReport]
    new_papers: int       # distinct new cards (a cross-listed paper counts once)
    new_versions: int
    warnings: tuple[str, ...] = ()   # one line each, naming the source: items over the cap

    @property
    def failed(self) -> int:
        return sum(r.status == "failed" for r in self.sources)


def collect(config: Config, archive: Archive, run_date: date, settings: FetchSettings | None = None) -> CollectReport:
    """Fetch every enabled source for run_date and store what is new; report per source."""
    settings = settings or fetch_settings(config)
    state = archive.read_state()
    sources = [s for s in config.sources if s.enabled]
    requests = []
    for source in sources:
        location = source_location(source, config, run_date)
        kept = state.sources.get(source.id) or SourceState()
        same_url = kept.url == location
        requests.append(FetchRequest(source.id, location, kept.etag if same_url else None,
                                     kept.last_modified if same_url else None))
    results = fetch_sources(requests, settings)

    entries: list[Entry] = []
    failures: dict[str, str] = {}
    warnings: list[str] = []
    parsed_count: dict[str, int] = {}
    for source, result in zip(sources, results):
        if result.status == "failed":
            failures[source.id] = result.error or f"source '{source.id}': fetch failed"
        elif result.status == "ok":
            try:
                found = parse_feed(result.body or b"", source.id, source.family)
            except SourceError as exc:
                failures[source.id] = str(exc)
                continue
            if is_cut_short(result.body or b""):
                warnings.append(f"source '{source.id}': the feed is cut short (truncated XML); "
                                f"kept the {len(found)} complete items")
            found, note = bound_entries(found, source.id, config.fetch.max_items, config.fetch.max_abstract)
            if note:
                warnings.append(note)
            parsed_count[source.id] = len(found)
            entries.extend(found)

    days = archive.read_days()
    seen_versions: dict[str, int] = {}
    for day in days:
        for item in (*day.papers, *day.updates):
            seen_versions[item.id] = max(seen_versions.get(item.id, 0), item.version or 0)
    last_day = {sid: date.fromisoformat(s.last_day) for sid, s in state.sources.items() if s.last_day}
    order = {s.id: i for i, s in enumerate(config.sources)}
    result = ingest(entries, seen_versions, last_day, run_date, {s.id: s.topic for s in config.sources}, order)

    by_day = {d.day: d for d in days}
    # Items a killed run stored but never recorded in state.json count as this run's, so a rerun
    # converges to what the uninterrupted run would have saved.
    contributed, recovered = unrecorded(days, state)
    new_by_source = {sid: n + recovered.get(sid, 0) for sid, n in result.new_by_source.items()}
    seen_by_source = {sid: n - recovered.get(sid, 0) for sid, n in result.seen_by_source.items()}
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

    reports = []
    for source, fetched in zip(sources, results):
        report = _report(source.id, fetched, failures, parsed_count, new_by_source, seen_by_source)
        state.sources[source.id] = _next_state(state.sources.get(source.id) or SourceState(), report, fetched,
                                               run_date, contributed.get(source.id))
        reports.append(report)
    state.last_run = max(filter(None, (state.last_run, run_date.isoformat())))
    # Validators are saved only after the papers they cover are on disk.
    archive.write_state(state)
    return CollectReport(reports, sum(map(len, result.papers.values())), sum(map(len, result.updates.values())),
                         tuple(warnings))


def unrecorded(days: list[Day], state: State) -> tuple[dict[str, date], dict[str, int]]:
    """Per source, the latest day and the count of stored items dated after the source's recorded last_day."""
    latest: dict[str, date] = {}
    count: dict[str, int] = {}
    for day in days:
        for item in (*day.papers, *day.updates):
            for sid in item.sources:
                known = state.sources.get(sid)
                if known is None or known.last_day is None or day.day.isoformat() > known.last_day:
                    latest[sid] = max(latest.get(sid, day.day), day.day)
                    count[sid] = count.get(sid, 0) + 1
    return latest, count


def bound_entries(entries: list[Entry], source_id: str, max_items: int, max_abstract: int
                  ) -> tuple[list[Entry], str | None]:
    """Keep at most max_items entries with abstracts of at most max_abstract characters; say what was cut."""
    note = None
    if len(entries) > max_items:
        note = f"source '{source_id}': {len(entries)} items, only the first {max_items} kept (fetch.max_items)"
        entries = entries[:max_items]
    return [e if len(e.abstract) <= max_abstract else replace(e, abstract=clip_text(e.abstract, max_abstract))
            for e in entries], note


def _report(sid: str, fetched: FetchResult, failures: dict[str, str], parsed: dict[str, int],
            new: dict[str, int], seen: dict[str, int]) -> SourceReport:
    if sid in failures:
        return SourceReport(sid, "failed", error=failures[sid])
    if fetched.status == "not_modified":
        return SourceReport(sid, "not_modified")
    if parsed.get(sid, 0) == 0:
        return SourceReport(sid, "empty")
    status = "ok" if new.get(sid) else "stale"
    return SourceReport(sid, status, new.get(sid, 0), seen.get(sid, 0))


def _next_state(old: SourceState, report: SourceReport, fetched: FetchResult, run_date: date,
                contributed: date | None) -> SourceState:
    today = run_date.isoformat()
    if report.status == "failed":
        return replace(old, checked=today, status="failed", new=0, last_error=report.error, failures=old.failures + 1)
    if fetched.status == "not_modified":  # a 304 may omit the validators: the old ones still hold
        etag, last_modified = fetched.etag or old.etag, fetched.last_modified or old.last_modified
    else:
        etag, last_modified = fetched.etag, fetched.last_modified
    state = replace(old, url=fetched.url, etag=etag, last_modified=last_modified, last_success=today, failures=0)
    if contributed is not None:
        state.last_day = max(filter(None, (old.last_day, contributed.isoformat())))
    if old.checked == today and report.new == 0 and old.status in ("ok", "stale", "empty"):
        return state  # a rerun of the same day found nothing more: what that day saw still stands
    return replace(state, checked=today, status=report.status, new=report.new)
