"""What a fetch plan and its answer are: the target one source is asked at, and what it gave."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Coroutine

from ..config import Source
from .feed import Entry


@dataclass(frozen=True)
class Target:
    """One source to fetch on this run, with what the archive remembers of it."""

    source: Source
    location: str                      # url (or absolute path) with {date} filled in
    etag: str | None = None            # validators of kept_url, sent only when asking that same URL
    last_modified: str | None = None
    kept_url: str | None = None
    since: date | None = None          # the details API's date range
    until: date | None = None
    fallback: str = ""                 # the source's fallback with {date} filled in


@dataclass(frozen=True)
class Gathered:
    """What one source gave on this run."""

    source_id: str
    status: str                        # ok | not_modified | failed
    entries: tuple[Entry, ...] = ()
    url: str = ""                      # the URL asked (the validators belong to it)
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None           # for failed
    note: str | None = None            # a warning on success: the fallback was used, the API's total was wrong
    overlaps: bool = False             # a date-range answer that re-lists days already seen by design
    warnings: tuple[str, ...] = ()     # e.g. a feed cut short: its complete items were kept
    dropped: dict[str, int] = field(default_factory=dict)   # items that are no paper, by parse.DROP_REASONS key
    fallback_used: bool = False        # the source's fallback answered, after its url failed

# One source's (or one joined listing's) requests, and the targets whose results it returns.
Job = tuple[Coroutine[Any, Any, dict[str, Gathered]], list[Target]]
