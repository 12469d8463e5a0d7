"""What every family's plan shares: one plain feed, fetched conditionally and read the family's way, and the
source's fallback feed when its url fails."""

from __future__ import annotations

from ..config import Source
from ..errors import SourceError
from . import read_feed
from .feed import is_cut_short
from .http import FetchRequest, FetchResult, Session
from .records import Gathered, Target


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
                    note=f"{why}; used the fallback {target.fallback}", dropped=gathered.dropped, fallback_used=True)
