"""Every target fetched and read the way its family plans it, each source isolated: one source's bug costs only
itself. Also what every family's plan shares: one plain feed, read conditionally, and the fallback feed."""

from __future__ import annotations

import asyncio
import sys
import traceback
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Coroutine, Sequence

from . import group_jobs, job, read_feed
from ..config import Source
from ..errors import SourceError
from .feed import Entry, is_cut_short
from .http import FetchRequest, FetchResult, FetchSettings, Session, make_client


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

# One source's (or one joined listing's) requests, and the targets whose results it returns.
Job = tuple[Coroutine[Any, Any, dict[str, Gathered]], list[Target]]


async def gather(targets: Sequence[Target], settings: FetchSettings, item_limit: int | None = None,
                 session: Session | None = None) -> dict[str, Gathered]:
    """Return what each target gave, keyed by source id; failures are results, never exceptions.

    item_limit overrides a listing's item limit (arXiv's), for tests."""
    if session is None:
        async with make_client(settings) as client:
            return await gather(targets, settings, item_limit, Session(settings, client))
    jobs = group_jobs(session, targets, item_limit)
    grouped = {t.source.id for _, members in jobs for t in members}
    jobs += [(job(session, t), [t]) for t in targets if t.source.id not in grouped]
    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(_isolated(work, members)) for work, members in jobs]
    out: dict[str, Gathered] = {}
    for task in tasks:
        out.update(task.result())
    return out


async def _isolated(work: Coroutine[Any, Any, dict[str, Gathered]], targets: Sequence[Target]) -> dict[str, Gathered]:
    """Run one source's job so that any exception from reading, parsing or adapting its feed fails only it.

    An exception here is a bug (expected failures are results already): its traceback goes to the log,
    and the other sources still publish."""
    try:
        return await work
    except Exception as exc:  # noqa: BLE001 - the whole point: one source's bug must not cost the run
        names = "+".join(t.source.id for t in targets)
        print(f"source '{names}': internal error, traceback follows (please report it):", file=sys.stderr)
        traceback.print_exc(file=sys.stderr)
        why = f"source '{names}': internal error while reading its feed: {type(exc).__name__}: {exc}"[:300]
        return {t.source.id: Gathered(t.source.id, "failed", url=t.location, error=why) for t in targets}


def gather_sources(targets: Sequence[Target], settings: FetchSettings,
                   item_limit: int | None = None) -> dict[str, Gathered]:
    """Gather every target with a fresh client."""
    return asyncio.run(gather(targets, settings, item_limit))


async def fetch_feed(session: Session, target: Target) -> dict[str, Gathered]:
    """Fetch one feed (conditionally when its URL is unchanged), falling back to the source's fallback URL."""
    source = target.source
    url = target.location
    same = target.kept_url == url
    result = await session.fetch(FetchRequest(source.id, url, target.etag if same else None,
                                              target.last_modified if same else None))
    gathered = from_result(result, source)
    if gathered.status == "failed" and target.fallback and url != target.fallback:
        return {source.id: await fallback(session, target, gathered.error or "")}
    return {source.id: gathered}


def from_result(result: FetchResult, source: Source) -> Gathered:
    """Return what one fetched feed gave: its entries read the family's way, or why it failed."""
    if result.status == "failed":
        return Gathered(source.id, "failed", url=result.url, error=result.error)
    if result.status == "not_modified":
        return Gathered(source.id, "not_modified", url=result.url, etag=result.etag, last_modified=result.last_modified)
    try:
        parsed = read_feed(result.body or b"", source.id, source.family)
    except SourceError as exc:
        return Gathered(source.id, "failed", url=result.url, error=str(exc))
    return Gathered(source.id, "ok", tuple(parsed.entries), result.url, result.etag, result.last_modified,
                    warnings=cut_short_warning(result, source.id, len(parsed.entries)), dropped=parsed.dropped)


def cut_short_warning(result: FetchResult, label: str, kept: int) -> tuple[str, ...]:
    """Return the warning for a feed whose XML ends mid-item, if it does."""
    if not is_cut_short(result.body or b""):
        return ()
    return (f"source '{label}': the feed is cut short (truncated XML); kept the {kept} complete items",)


async def fallback(session: Session, target: Target, why: str) -> Gathered:
    """Fetch the source's fallback feed after its url failed; say so in a note."""
    source = target.source
    result = await session.fetch(FetchRequest(source.id, target.fallback))
    gathered = from_result(result, source)
    if gathered.status == "failed":
        return Gathered(source.id, "failed", url=target.location,
                        error=f"{why}; the fallback failed too: {gathered.error}")
    # No validators: they belong to the fallback URL, and the main URL should be asked afresh next time.
    return Gathered(source.id, gathered.status, gathered.entries, target.location,
                    note=f"{why}; used the fallback {target.fallback}", dropped=gathered.dropped)
