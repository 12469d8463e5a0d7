"""Fetch and parse every source the way its family needs: joined arXiv listings, paged APIs, plain feeds."""

from __future__ import annotations

import asyncio
import sys
import traceback
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Coroutine, Sequence

from . import arxiv, biorxiv
from ..config import Source
from ..errors import SourceError
from .http import FetchRequest, FetchResult, FetchSettings, Session, make_client
from .feed import Entry, is_cut_short, read_feed


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


async def gather(targets: Sequence[Target], settings: FetchSettings, item_limit: int = arxiv.ITEM_LIMIT,
                 session: Session | None = None) -> dict[str, Gathered]:
    """Return what each target gave, keyed by source id; failures are results, never exceptions."""
    if session is None:
        async with make_client(settings) as client:
            return await gather(targets, settings, item_limit, Session(settings, client))
    by_id = {t.source.id: t for t in targets}
    listed = [(t.source.id, t.location) for t in targets if t.source.family == "arxiv"]
    groups, _ = arxiv.group_sources(listed)
    grouped = {sid for g in groups for sid in g.source_ids}
    jobs = [_isolated(_group(session, g, by_id, item_limit), [by_id[sid] for sid in g.source_ids]) for g in groups]
    for target in targets:
        if target.source.id in grouped:
            continue
        api = biorxiv.details_base(target.location) if target.source.family == "biorxiv" else None
        jobs.append(_isolated(_api(session, target, api) if api and target.since else _feed(session, target), [target]))
    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(job) for job in jobs]
    out: dict[str, Gathered] = {}
    for task in tasks:
        out.update(task.result())
    return out


async def _isolated(job: Coroutine[Any, Any, dict[str, Gathered]], targets: Sequence[Target]) -> dict[str, Gathered]:
    """Run one source's job so that any exception from reading, parsing or adapting its feed fails only it.

    An exception here is a bug (expected failures are results already): its traceback goes to the log,
    and the other sources still publish."""
    try:
        return await job
    except Exception as exc:  # noqa: BLE001 - the whole point: one source's bug must not cost the run
        names = "+".join(t.source.id for t in targets)
        print(f"source '{names}': internal error, traceback follows (please report it):", file=sys.stderr)
        traceback.print_exc(file=sys.stderr)
        why = f"source '{names}': internal error while reading its feed: {type(exc).__name__}: {exc}"[:300]
        return {t.source.id: Gathered(t.source.id, "failed", url=t.location, error=why) for t in targets}


def gather_sources(targets: Sequence[Target], settings: FetchSettings,
                   item_limit: int = arxiv.ITEM_LIMIT) -> dict[str, Gathered]:
    """Gather every target with a fresh client."""
    return asyncio.run(gather(targets, settings, item_limit))


async def _feed(session: Session, target: Target) -> dict[str, Gathered]:
    """Fetch one feed (conditionally when its URL is unchanged), falling back to the source's fallback URL."""
    source = target.source
    url = target.location
    same = target.kept_url == url
    result = await session.fetch(FetchRequest(source.id, url, target.etag if same else None,
                                              target.last_modified if same else None))
    gathered = _from_result(result, source)
    if gathered.status == "failed" and target.fallback and url != target.fallback:
        return {source.id: await _fallback(session, target, gathered.error or "")}
    return {source.id: gathered}


def _from_result(result: FetchResult, source: Source) -> Gathered:
    if result.status == "failed":
        return Gathered(source.id, "failed", url=result.url, error=result.error)
    if result.status == "not_modified":
        return Gathered(source.id, "not_modified", url=result.url, etag=result.etag, last_modified=result.last_modified)
    try:
        parsed = read_feed(result.body or b"", source.id, source.family)
    except SourceError as exc:
        return Gathered(source.id, "failed", url=result.url, error=str(exc))
    return Gathered(source.id, "ok", tuple(parsed.entries), result.url, result.etag, result.last_modified,
                    warnings=_cut_short(result, source.id, len(parsed.entries)), dropped=parsed.dropped)


def _cut_short(result: FetchResult, label: str, kept: int) -> tuple[str, ...]:
    """Return the warning for a feed whose XML ends mid-item, if it does."""
    if not is_cut_short(result.body or b""):
        return ()
    return (f"source '{label}': the feed is cut short (truncated XML); kept the {kept} complete items",)


async def _fallback(session: Session, target: Target, why: str) -> Gathered:
    """Fetch the source's fallback feed after its url failed; say so in a note."""
    source = target.source
    result = await session.fetch(FetchRequest(source.id, target.fallback))
    gathered = _from_result(result, source)
    if gathered.status == "failed":
        return Gathered(source.id, "failed", url=target.location,
                        error=f"{why}; the fallback failed too: {gathered.error}")
    # No validators: they belong to the fallback URL, and the main URL should be asked afresh next time.
    return Gathered(source.id, gathered.status, gathered.entries, target.location,
                    note=f"{why}; used the fallback {target.fallback}", dropped=gathered.dropped)


async def _group(session: Session, group: arxiv.Group, targets: dict[str, Target], item_limit: int
                 ) -> dict[str, Gathered]:
    """Fetch a joined arXiv listing once, split it in halves past the item limit, and attribute its entries."""
    members = [targets[sid] for sid in group.source_ids]
    url = group.url
    first = members[0]
    # Validators only when every member last fetched this very listing and kept the same ones.
    same = all((t.kept_url, t.etag, t.last_modified) == (url, first.etag, first.last_modified) for t in members)
    etag, modified = (first.etag, first.last_modified) if same else (None, None)
    label = "+".join(group.source_ids)
    result = await session.fetch(FetchRequest(label, url, etag, modified))
    if result.status == "failed":
        out = {}
        for target in members:
            failed = Gathered(target.source.id, "failed", url=url, error=result.error)
            out[target.source.id] = (await _fallback(session, target, result.error or "")
                                     if target.fallback else failed)
        return out
    if result.status == "not_modified":
        return {t.source.id: Gathered(t.source.id, "not_modified", url=url, etag=result.etag,
                                      last_modified=result.last_modified) for t in members}
    try:
        parsed = read_feed(result.body or b"", label, "arxiv")
    except SourceError as exc:
        return {t.source.id: Gathered(t.source.id, "failed", url=url, error=str(exc)) for t in members}
    entries = parsed.entries
    if len(entries) >= item_limit and len(group.members) > 1:
        # The listing was cut at arXiv's limit: ask for each half of the categories instead.
        out = {}
        for half in group.halves():
            out.update(await _group(session, half, targets, item_limit))
        return out
    by_source = arxiv.attribute(entries, group)
    cut = _cut_short(result, label, len(entries))
    # An item dropped from a joined listing names no category it could be counted under: the first member holds it.
    return {sid: Gathered(sid, "ok", tuple(found), url, result.etag, result.last_modified, warnings=cut if i == 0 else (),
                          dropped=parsed.dropped if i == 0 else {})
            for i, (sid, found) in enumerate(by_source.items())}


async def _api(session: Session, target: Target, api: tuple[str, str]) -> dict[str, Gathered]:
    """Page through the bioRxiv/medRxiv details API for the target's date range, every record once."""
    source = target.source
    base, server = api
    assert target.since is not None
    until = target.until or target.since
    found: dict[tuple[str, int | None], Entry] = {}
    dropped: dict[str, int] = {}
    cursor, total, page_size, pages = 0, None, biorxiv.PAGE_SIZE, 0
    while pages < biorxiv.MAX_PAGES:
        url = biorxiv.page_url(base, target.since, until, cursor, source.subjects)
        result = await session.fetch(FetchRequest(source.id, url))
        page, error = None, result.error or f"source '{source.id}': no answer"
        if result.status == "ok":
            try:
                page = biorxiv.parse_page(result.body or b"", source.id, server, source.subjects)
            except SourceError as exc:
                error = str(exc)
        if page is None:
            why = f"{error} (page at cursor {cursor})"
            if target.fallback:
                return {source.id: await _fallback(session, target, why)}
            return {source.id: Gathered(source.id, "failed", url=target.location, error=why)}
        pages += 1
        if total is None:
            total = page.total
            if total is not None and total > page.count > 0:
                page_size = page.count  # the server's page size, whatever it is today
        for why, n in page.dropped.items():
            dropped[why] = dropped.get(why, 0) + n
        for entry in page.entries:
            if (entry.id, entry.version) in found:
                dropped["duplicate"] = dropped.get("duplicate", 0) + 1
            found.setdefault((entry.id, entry.version), entry)
        cursor += page.count
        if page.count == 0:
            break  # the records ran out, whatever the total said
        if total is not None and cursor >= total and page.count < page_size:
            break  # a short last page at the total: done (a full one may hide more behind a low total)
    note = None
    if total is not None and cursor != total:
        note = f"source '{source.id}': the details API reported {total} records but gave {cursor}"
    elif pages >= biorxiv.MAX_PAGES:
        note = f"source '{source.id}': stopped after {pages} pages of the details API"
    return {source.id: Gathered(source.id, "ok", tuple(found.values()), target.location, note=note, overlaps=True,
                                dropped=dropped)}
