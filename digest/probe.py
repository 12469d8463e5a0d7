"""Probe each source once, without storing anything: the forker's check that every feed answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .collect import fetch_settings, source_location
from .config import Config
from .errors import SourceError
from .sources.http import FetchRequest, FetchSettings, fetch_sources
from .sources import parse_feed
from .sources.feed import internal_error


@dataclass(frozen=True)
class Probe:
    source: str
    status: str        # ok | empty | failing
    items: int = 0     # papers the feed lists now
    detail: str = ""   # the location probed, or why it failed

    def line(self) -> str:
        """Return the one-line status printed by `build.py check --online`."""
        if self.status == "failing":
            return f"  {self.source:<28} failing  {self.detail}"
        if self.status == "empty":
            return f"  {self.source:<28} empty    0 items: the feed answers but lists no paper now ({self.detail})"
        return f"  {self.source:<28} ok       {self.items} items ({self.detail})"


def probe_sources(config: Config, run_date: date, settings: FetchSettings | None = None) -> list[Probe]:
    """Fetch and parse every enabled source for run_date; return one Probe each, in sources.yaml order."""
    sources = [s for s in config.sources if s.enabled]
    # No validators: a 304 would say nothing about whether the feed still parses.
    requests = [FetchRequest(s.id, source_location(s, config, run_date)) for s in sources]
    probes = []
    for source, fetched in zip(sources, fetch_sources(requests, settings or fetch_settings(config))):
        if fetched.status != "ok":
            probes.append(Probe(source.id, "failing", detail=fetched.error or f"source '{source.id}': no answer"))
            continue
        try:
            entries = parse_feed(fetched.body or b"", source.id, source.family)
        except SourceError as exc:
            probes.append(Probe(source.id, "failing", detail=str(exc)))
            continue
        except Exception as exc:  # noqa: BLE001 - a bug on one feed must not hide the others' answers
            probes.append(Probe(source.id, "failing", detail=internal_error(source.id, exc)))
            continue
        probes.append(Probe(source.id, "ok" if entries else "empty", len(entries), fetched.url))
    return probes
