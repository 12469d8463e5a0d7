"""`build.py summarize --redo ID|DAY|WEEK`: one paper's or one day's summaries (and that day's briefing, and the
briefing of its week once the week is finished), or one finished week's briefing alone, asked for again, whatever the
cache holds."""

from __future__ import annotations

import re
from datetime import date
from typing import Callable

from .archive import Archive, week_of
from .config import LLMOptions
from .errors import DigestError
from .papers import Paper
from .summarize import Scan, is_finished

DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
WEEK = re.compile(r"\d{4}-W\d{2}")     # an ISO week, as content/weeks/ and the week pages name it


class RedoError(DigestError):
    """--redo names no paper, day or finished week of content/, or one with nothing to summarise."""


def holds(days: list[date]) -> str:
    """Return what the archive holds, for a RedoError's line."""
    return f"it holds {days[0]} to {days[-1]}" if days else "it holds no day yet"


def redo_week(archive: Archive, target: str) -> str:
    """Return the ISO week `--redo target` names when its briefing may be asked for (a week of content/ that is
    over: summarize.is_finished); raise RedoError in one line otherwise."""
    days = archive.day_dates()
    if not any(week_of(on) == target and (day := archive.read_day(on)) is not None and day.papers for on in days):
        raise RedoError(f"--redo {target}: no day of that week with papers in {archive.root} ({holds(days)})")
    if not is_finished(target, days):
        raise RedoError(f"--redo {target}: the week is not over (the archive's newest day, {days[-1]}, is in it); "
                        "a week is briefed once it is")
    return target


def redo_papers(archive: Archive, target: str) -> tuple[date, list[Paper]]:
    """Return the day and the papers `--redo target` means; raise RedoError in one line when there are none."""
    days = archive.day_dates()
    held = holds(days)
    if DAY.fullmatch(target):
        try:
            on = date.fromisoformat(target)
        except ValueError:
            raise RedoError(f"--redo {target}: not a date (YYYY-MM-DD)") from None
        day = archive.read_day(on)
        if day is None:
            raise RedoError(f"--redo {target}: no such day in {archive.root} ({held})")
        papers = [p for p in day.papers if p.abstract.strip()]
        if not papers:
            raise RedoError(f"--redo {target}: no paper of that day has an abstract to summarise")
        return on, papers
    for day in archive.iter_days(newest_first=True):
        for paper in day.papers:
            if paper.id == target:
                if not paper.abstract.strip():
                    raise RedoError(f"--redo {target}: the paper has no abstract to summarise")
                return day.day, [paper]
    raise RedoError(f"--redo {target!r}: no paper with this id in {archive.root} and not a day "
                    f"(give an id as the cards show it, e.g. arXiv:2606.13504, a day YYYY-MM-DD or a week YYYY-Www; "
                    f"{held})")


def redo_plan(archive: Archive, target: str) -> Callable[[Archive, str, LLMOptions], Scan]:
    """Return summarize_stage's `plan` for --redo: only the named papers, cached or not; for a day, its briefing
    too, and its week's once the week is finished (summarize.is_finished: a week in progress is never briefed),
    whether a briefing or the gate's verdict on one is stored. For a week (YYYY-Www), that week's briefing alone:
    clearing a week's verdict costs one request, not a day's summaries."""
    if WEEK.fullmatch(target):
        week = redo_week(archive, target)   # checked now, before any request
        return lambda archive, model, options: Scan(rebrief=True, week=week)
    on, papers = redo_papers(archive, target)   # checked now, before any request
    whole_day = DAY.fullmatch(target) is not None

    def plan(archive: Archive, model: str, options: LLMOptions) -> Scan:
        chosen = papers[:options.max_papers]
        day = archive.read_day(on) if whole_day else None
        week = week_of(on) if day and is_finished(week_of(on), archive.day_dates()) else ""
        return Scan(recent=[day] if day else [], todo=[(on, chosen)], waiting=len(chosen), rebrief=True, week=week)

    return plan
