"""The source families: each family's name, the module under digest/sources/ that reads it, and the dispatch.

A new family is one module here and one line in REGISTRY (registry.py: sources.yaml's validation reads it).
A family module must define `ADAPTERS` (family name -> item adapter, feedparser item -> Entry or None) and
`job`, and may define these hooks; without one, the default holds:

- `read_feed(body, source_id, family) -> Parsed`: default feed.read_items with the family's adapter.
- `group_jobs(session, targets, item_limit) -> [(job, targets)]`: requests shared by several sources
  (arXiv's joined listings); default none.
- `job(session, target) -> job` (required): one source's requests; `jobs.fetch_feed` is one plain feed.
- `date_range(location, last_success, run_date) -> (since, until)`: a dated API's range; default none.
- `retries_stale(location) -> bool`: whether a listing that repeats yesterday is asked again; default no.
- `polite_hosts(options) -> {host: seconds}`: hosts that get one request at a time, spaced; default none.

This module stays light: family modules load on first use.
"""

from __future__ import annotations

import importlib
from datetime import date
from types import ModuleType
from typing import TYPE_CHECKING, Any, Coroutine, Sequence

from .registry import FAMILIES, REGISTRY, Family, guess_family  # noqa: F401 - the registry is this package's face

if TYPE_CHECKING:
    from ..config import FetchOptions
    from .feed import Entry, Parsed
    from .records import Gathered, Job, Target
    from .http import Session


def module(family: str) -> ModuleType:
    """Return the module that reads a family."""
    return importlib.import_module(f"{__name__}.{REGISTRY[family].module}")


def _modules() -> list[ModuleType]:
    """Return every family module once, in registry order."""
    names = dict.fromkeys(f.module for f in REGISTRY.values())
    return [importlib.import_module(f"{__name__}.{name}") for name in names]


def read_feed(body: bytes, source_id: str, family: str) -> Parsed:
    """Parse a feed document the family's way, counting every item dropped by its reason; SourceError if no feed."""
    reader = module(family)
    if hasattr(reader, "read_feed"):
        return reader.read_feed(body, source_id, family)
    from .feed import read_items
    return read_items(body, source_id, reader.ADAPTERS[family])


def parse_feed(body: bytes, source_id: str, family: str) -> list[Entry]:
    """Parse a feed document into entries; raise SourceError when it is not a feed at all."""
    return read_feed(body, source_id, family).entries


def group_jobs(session: Session, targets: Sequence[Target], item_limit: int | None) -> list[Job]:
    """Return the jobs that serve several targets at once (arXiv's joined listings), each with its targets."""
    jobs: list[Job] = []
    for reader in _modules():
        if hasattr(reader, "group_jobs"):
            mine = [t for t in targets if t.source.family in reader.ADAPTERS]
            jobs.extend(reader.group_jobs(session, mine, item_limit))
    return jobs


def job(session: Session, target: Target) -> Coroutine[Any, Any, dict[str, Gathered]]:
    """Return the job that fetches and reads one target the way its family asks."""
    return module(target.source.family).job(session, target)


def date_range(family: str, location: str, last_success: date | None, run_date: date
               ) -> tuple[date | None, date | None]:
    """Return the date range a dated API is asked for, or (None, None) for a feed."""
    reader = module(family)
    return reader.date_range(location, last_success, run_date) if hasattr(reader, "date_range") else (None, None)


def retries_stale(family: str, location: str) -> bool:
    """True when a source that lists only papers already seen is asked again (a known glitch of its host)."""
    reader = module(family)
    return hasattr(reader, "retries_stale") and reader.retries_stale(location)


def polite_hosts(options: FetchOptions) -> dict[str, float]:
    """Return every family's polite hosts: host -> min seconds between requests."""
    hosts: dict[str, float] = {}
    for reader in _modules():
        if hasattr(reader, "polite_hosts"):
            hosts.update(reader.polite_hosts(options))
    return hosts

