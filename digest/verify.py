"""Check a freshly built archive against the copy it started from: it parses and nothing shrank."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from .archive import Archive, Day, State
from .errors import ArchiveError
from .papers import Paper


@dataclass(frozen=True)
class Verdict:
    problems: list[str]   # one line each; empty when the archive may be committed
    message: str          # the commit message: "digest 2026-06-03: 412 papers from 6 sources"


@dataclass
class _Tally:
    """What the changed days add up to, for the commit message: kept small, never whole days."""

    seen: set[str] = field(default_factory=set)                              # paper ids in the baseline's changed days
    candidates: list[tuple[date, str, tuple[str, ...]]] = field(default_factory=list)  # (day, id, sources) new there
    updates: int = 0                                                         # updates gained in the changed days


def verify_archive(new: Archive, old: Archive | None = None) -> Verdict:
    """Compare content/ after a build with its copy from before (None: empty); report anything lost or unreadable."""
    # One day at a time, so a year's archive is never held whole. A day file whose bytes are the same in both
    # archives is not parsed: nothing on it can be lost, it adds no paper and no update to the message.
    baseline_error: str | None = None
    problems: list[str] = []
    tally = _Tally()
    for day in sorted(set(new.day_dates()) | set(old.day_dates() if old else ())):
        try:
            raw = new.day_bytes(day)
        except ArchiveError as exc:
            return Verdict([str(exc)], "")
        before_raw = None
        if old is not None and baseline_error is None:
            try:
                before_raw = old.day_bytes(day)
            except ArchiveError as exc:
                baseline_error = f"baseline: {exc}"
        if raw is not None and raw == before_raw:
            continue
        try:
            after = new.parse_day(new.day_path(day), raw) if raw is not None else None
        except ArchiveError as exc:
            return Verdict([str(exc)], "")
        before = None
        if before_raw is not None and baseline_error is None:
            try:
                before = old.parse_day(old.day_path(day), before_raw)  # type: ignore[union-attr]
            except ArchiveError as exc:  # the copy is what git holds: unreadable there means fix it by hand
                baseline_error = f"baseline: {exc}"
        if baseline_error is None:
            problems += _compare(new, day, before, after, tally)
    try:
        state = new.read_state()
        new.read_usage()   # read by the next summarize: a damaged one is caught before it is committed
    except ArchiveError as exc:
        return Verdict([str(exc)], "")
    if baseline_error is not None:
        return Verdict([baseline_error], "")
    try:
        old_state = old.read_state() if old else State()
    except ArchiveError as exc:
        return Verdict([f"baseline: {exc}"], "")
    for source in sorted(set(old_state.sources) - set(state.sources)):
        problems.append(f"{new.root / 'state.json'}: the fetch state of source '{source}' is gone")
    return Verdict(problems, _message(tally, state.last_run))


def _compare(new: Archive, day: date, before: Day | None, after: Day | None, tally: _Tally) -> list[str]:
    """Return what one changed day lost between the two archives, and add what it gained to the tally."""
    problems: list[str] = []
    old_ids = {p.id for p in before.papers} if before else set()
    tally.seen |= old_ids
    tally.updates += (len(after.updates) if after else 0) - (len(before.updates) if before else 0)
    if after is not None:
        tally.candidates += [(day, p.id, p.sources) for p in after.papers if p.id not in old_ids]
    if before is None:
        return problems
    if after is None:
        return [f"{new.day_path(day)}: the day file is gone"]
    now = {p.id: p for p in after.papers}
    for paper in before.papers:
        if paper.id not in now:
            problems.append(f"{new.day_path(day)}: paper {paper.id} is gone")
        elif lost := _lost_fields(paper, now[paper.id]):
            problems.append(f"{new.day_path(day)}: paper {paper.id} lost {', '.join(lost)}")
    if len(after.updates) < len(before.updates):
        problems.append(f"{new.day_path(day)}: {len(before.updates) - len(after.updates)} updates are gone")
    return problems


def _lost_fields(before: Paper, after: Paper) -> list[str]:
    """Return the fields that had a value before and have none now (an abstract, a summary...)."""
    old, new = before.to_json(), after.to_json()
    return [key for key, value in old.items() if value and not new.get(key)]


def _message(tally: _Tally, last_run: str | None) -> str:
    """Describe what the build added, as the commit message's subject line."""
    # A paper counts as added unless the baseline held its id on a changed day; a byte-identical day cannot hold
    # one either, since collect files a paper only when no day of the archive has its id yet.
    added: dict[date, list[tuple[str, ...]]] = {}
    for day, pid, sources in tally.candidates:
        if pid not in tally.seen:
            added.setdefault(day, []).append(sources)
    updates = tally.updates
    versions = f", {updates} new version{'s' * (updates != 1)}" if updates > 0 else ""
    if not added:
        return f"digest {last_run or 'state'}: no new papers{versions}"
    days = sorted(added)
    when = days[0].isoformat() if len(days) == 1 else f"{days[0]}..{days[-1]}"
    papers = [s for day in days for s in added[day]]
    named = {s for found in papers for s in found}
    return (f"digest {when}: {len(papers)} paper{'s' * (len(papers) != 1)} from "
            f"{len(named)} source{'s' * (len(named) != 1)}{versions}")
