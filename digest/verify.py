"""Check a freshly built archive against the copy it started from: it parses and nothing shrank."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .archive import Archive, State
from .errors import ArchiveError
from .papers import Paper


@dataclass(frozen=True)
class Verdict:
    problems: list[str]   # one line each; empty when the archive may be committed
    message: str          # the commit message: "digest 2026-06-03: 412 papers from 6 sources"


def verify_archive(new: Archive, old: Archive | None = None) -> Verdict:
    """Compare content/ after a build with its copy from before (None: empty); report anything lost or unreadable."""
    try:
        new_days, state = {d.day: d for d in new.read_days()}, new.read_state()
    except ArchiveError as exc:
        return Verdict([str(exc)], "")
    try:
        old_days, old_state = ({d.day: d for d in old.read_days()}, old.read_state()) if old else ({}, State())
    except ArchiveError as exc:  # the copy is what git holds: unreadable there means fix it by hand
        return Verdict([f"baseline: {exc}"], "")
    problems = []
    for day, before in sorted(old_days.items()):
        after = new_days.get(day)
        if after is None:
            problems.append(f"{new.day_path(day)}: the day file is gone")
            continue
        now = {p.id: p for p in after.papers}
        for paper in before.papers:
            if paper.id not in now:
                problems.append(f"{new.day_path(day)}: paper {paper.id} is gone")
            elif lost := _lost_fields(paper, now[paper.id]):
                problems.append(f"{new.day_path(day)}: paper {paper.id} lost {', '.join(lost)}")
        if len(after.updates) < len(before.updates):
            problems.append(f"{new.day_path(day)}: {len(before.updates) - len(after.updates)} updates are gone")
    for source in sorted(set(old_state.sources) - set(state.sources)):
        problems.append(f"{new.root / 'state.json'}: the fetch state of source '{source}' is gone")
    return Verdict(problems, _message(new_days, old_days, state.last_run))


def _lost_fields(before: Paper, after: Paper) -> list[str]:
    """Return the fields that had a value before and have none now (an abstract, a summary...)."""
    old, new = before.to_json(), after.to_json()
    return [key for key, value in old.items() if value and not new.get(key)]


def _message(new_days: dict, old_days: dict, last_run: str | None) -> str:
    """Describe what the build added, as the commit message's subject line."""
    seen = {p.id for d in old_days.values() for p in d.papers}
    added: dict[date, list[Paper]] = {}
    for day, record in new_days.items():
        fresh = [p for p in record.papers if p.id not in seen]
        if fresh:
            added[day] = fresh
    updates = sum(len(d.updates) for d in new_days.values()) - sum(len(d.updates) for d in old_days.values())
    versions = f", {updates} new version{'s' * (updates != 1)}" if updates > 0 else ""
    if not added:
        return f"digest {last_run or 'state'}: no new papers{versions}"
    days = sorted(added)
    when = days[0].isoformat() if len(days) == 1 else f"{days[0]}..{days[-1]}"
    papers = [p for day in days for p in added[day]]
    sources = {s for p in papers for s in p.sources}
    return (f"digest {when}: {len(papers)} paper{'s' * (len(papers) != 1)} from "
            f"{len(sources)} source{'s' * (len(sources) != 1)}{versions}")
