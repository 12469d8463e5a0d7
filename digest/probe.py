"""Probe each source once, without storing anything: the forker's check that every feed answers.

A probe asks each source exactly what the fetch stage would ask on a first run (the same targets, the same
family jobs: arXiv's joined listings, the details API over its last day, the fallback when the url fails),
so a source that passes here is read the same way by the daily build."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .archive import SourceState
from .collect import dropped_words, fetch_settings, target
from .config import Config
from .sources.gather import gather_sources
from .sources.http import FetchSettings
from .sources.records import Gathered, Target


@dataclass(frozen=True)
class Probe:
    source: str
    status: str        # ok | empty | failing
    items: int = 0     # items the source lists now
    detail: str = ""   # the location that answered, or why it failed
    papers: int = 0    # of those, the papers (the others are not shown, for the reasons in not_shown)
    not_shown: str = ""   # "1 not shown (1 untitled)", or ""

    def line(self) -> str:
        """Return the one-line status printed by `build.py check --online`."""
        if self.status == "failing":
            return f"  {self.source:<28} failing  {self.detail}"
        if self.status == "empty":
            return f"  {self.source:<28} empty    0 items: the feed answers but lists no paper now ({self.detail})"
        extra = f": {self.papers} papers, {self.not_shown}" if self.not_shown else ""
        return f"  {self.source:<28} ok       {self.items} items{extra} ({self.detail})"


def probe_sources(config: Config, run_date: date, settings: FetchSettings | None = None) -> list[Probe]:
    """Fetch and read every enabled source the fetch stage's way for run_date; return one Probe each, in
    sources.yaml order."""
    # A fresh state: no validators (a 304 would say nothing about whether the feed still parses), and a
    # dated API asked for the range a first run asks.
    targets = [target(s, SourceState(), config, run_date) for s in config.sources if s.enabled]
    gathered = gather_sources(targets, settings or fetch_settings(config))
    return [probe_of(t, gathered[t.source.id]) for t in targets]


def probe_of(asked: Target, got: Gathered) -> Probe:
    """Return the probe of one source from what its job gave: which location answered, or why none did."""
    sid = asked.source.id
    if got.status != "ok":
        return Probe(sid, "failing", detail=got.error or f"source '{sid}': no answer")
    where = asked.location
    if asked.since is not None:
        where += f", {asked.since}..{asked.until or asked.since}"
    if got.fallback_used:
        where = f"the fallback answered: {got.note}"   # the note names the url's failure and the fallback
    elif got.note:
        where += f"; {got.note}"
    if not got.entries:
        return Probe(sid, "empty", detail=where)
    dropped = sum(got.dropped.values())
    not_shown = f"{dropped} not shown ({dropped_words(got.dropped)})" if dropped else ""
    return Probe(sid, "ok", len(got.entries) + dropped, where, len(got.entries), not_shown)
