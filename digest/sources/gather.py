"""Every target fetched and read the way its family plans it, each source isolated: one source's bug costs only
itself."""

from __future__ import annotations

import asyncio
from typing import Any, Coroutine, Sequence

from . import group_jobs, job
from .feed import internal_error
from .http import FetchSettings, Session, make_client
from .records import Gathered, Target


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
        why = internal_error("+".join(t.source.id for t in targets), exc)
        return {t.source.id: Gathered(t.source.id, "failed", url=t.location, error=why) for t in targets}


def gather_sources(targets: Sequence[Target], settings: FetchSettings,
                   item_limit: int | None = None) -> dict[str, Gathered]:
    """Gather every target with a fresh client."""
    return asyncio.run(gather(targets, settings, item_limit))
