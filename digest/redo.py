"""`build.py summarize --redo ID|DAY`: one paper's or one day's summaries (and that day's briefing, and the briefing
of its week once the week is finished) asked for again, whatever the cache holds."""

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


class RedoError(DigestError):
    """--redo names no paper or day of content/, or one with nothing to summarise."""


def redo_papers(archive: Archive, target: str) -> tuple[date, list[Paper]]:
    """Return the day and the papers `--redo target` means; raise RedoError in one line when there are none."""
    days = archive.day_dates()
    held = f"it holds {days[0]} to {days[-1]}" if days else "it holds no day yet"
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
                    f"(give an id as the cards show it, e.g. arXiv:2606.13504, or a day YYYY-MM-DD; {held})")


def redo_plan(archive: Archive, target: str) -> Callable[[Archive, str, LLMOptions], Scan]:
    """Return summarize_stage's `plan` for --redo: only the named papers, cached or not; for a day, its briefing
    too, and its week's once the week is finished (summarize.is_finished: a week in progress is never briefed),
    whether a briefing or the gate's verdict on one is stored."""
    on, papers = redo_papers(archive, target)   # checked now, before any request
    whole_day = DAY.fullmatch(target) is not None

    def plan(archive: Archive, model: str, options: LLMOptions) -> Scan:
        chosen = papers[:options.max_papers]
        day = archive.read_day(on) if whole_day else None
        week = week_of(on) if day and is_finished(week_of(on), archive.day_dates()) else ""
        return Scan(recent=[day] if day else [], todo=[(on, chosen)], waiting=len(chosen), rebrief=True, week=week)

    return plan
