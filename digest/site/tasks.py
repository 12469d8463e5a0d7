"""A render's work as tasks that this process and its forked workers take from one queue (workers.start_all).

A task is a batch of day jobs, a share of one day's numbered pages, or a step: a page or feed over many days that
the day jobs' output does not shape. A render of many days puts the day jobs' batches first and the steps after;
a daily render (a few days, one of them a weekday of 1,200 cards: beside_days) gets one worker beside this
process, and its heavy day comes in shares, so that whichever process is free takes the next task and neither
waits long for the other.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial

from ..config import Config
from .env import UiText
from .feeds import Feeds
from .foryou import DayVectors
from .pages import DayOutput, DayPages, SitePages
from .plan import DayJob
from .search import SearchIndex
from .weeks import Weeks
from .workers import Started, start_all, worker_count
from .writer import SiteWriter, Written

BESIDE_FROM = 200    # cards the day jobs render before a worker renders them beside this process
SHARE_PAGES = 8      # numbered pages of a heavy day per task, beside


def beside_days(jobs: Sequence[DayJob], batch: int) -> bool:
    """Whether the day jobs are too few days for workers of their own (the daily render: a new day, the days whose
    pages link or mark it, a day leaving the full window) but render many cards, and a worker can run beside."""
    cards = sum(job.layout.span(1)[1] - 1 if job.page else 0 for job in jobs) + sum(
        end - start for job in jobs for start, end in (job.layout.span(n) for n, _ in job.more))
    batches = -(-len(jobs) // batch)
    return cards >= BESIDE_FROM and worker_count(batches) == 0 and worker_count(1, beside=True) > 0


def site_steps(config: Config, pages: SitePages, feeds: Feeds, ui: UiText, vectors: DayVectors
               ) -> dict[str, Callable[[], None]]:
    """The pages and feeds over many days that the day jobs' output does not shape, by name (the week pages and
    the search index are not among them: a render of many days makes them from what its day jobs hand back)."""
    lang = config.site.default_language
    steps: dict[str, Callable[[], None]] = {"front page": pages.front_page, "vectors": vectors.write}
    for tid, topic in config.topics.items():
        steps[f"topic {tid}"] = partial(pages.topic_page, tid, topic.name(lang))
        steps[f"topic feed {tid}"] = partial(feeds.topic_feed, tid, topic.name(lang))
    steps.update({"archive": pages.archive_page, "status": pages.status_page, "catalogs": pages.catalogs,
                  "search page": pages.search_page, "feeds page": pages.feeds_page, "radar": partial(pages.radar, feeds),
                  "site feeds": feeds.site_feeds, "briefing feed": partial(feeds.briefing_feed, ui.plain),
                  "small files": pages.small_files, "static": pages.static})
    return steps


@dataclass
class RenderTasks:
    """The work function of the render's queue: a task is a list of day jobs or the name of a step."""

    day_pages: DayPages
    writer: SiteWriter
    steps: dict[str, Callable[[], None]]

    def __call__(self, task: list[DayJob] | str) -> DayOutput:
        if not isinstance(task, str):
            return self.day_pages.render(task)
        # The step's writes are recorded apart and handed back, as a day job's are (in a worker, this writer's
        # record is a copy that the render never sees).
        kept, self.writer.done = self.writer.done, Written()
        try:
            self.steps[task]()
            return DayOutput(self.writer.done)
        finally:
            self.writer.done = kept


def start(tasks: RenderTasks, jobs: list[DayJob], batch: int, beside: bool) -> Started[DayOutput]:
    """Start the render's tasks: the day jobs a batch at a time, then the steps; in forked workers for many days or
    beside (split_jobs), else here, now."""
    if not beside:
        batches = [jobs[i:i + batch] for i in range(0, len(jobs), batch)]
        queue: list[list[DayJob] | str] = [*batches, *tasks.steps]
        return start_all(tasks, queue, worker_count(len(batches)))
    firsts, rest = split_jobs(jobs)
    for job in rest:
        tasks.day_pages.loader.load(job.info)   # a day in parts is read once, before the worker is forked
    # The longest task first (the search index, which makes the new day's terms), the shortest last.
    queue = [*tasks.steps, *([job] for job in firsts), *([job] for job in rest)]
    return start_all(tasks, queue, worker_count(len(queue), beside))


def split_jobs(jobs: list[DayJob]) -> tuple[list[DayJob], list[DayJob]]:
    """Beside a worker, each day job is a task of its own, and a heavy day's comes in parts, so that no task keeps
    one process busy while the other has none left: its first page with its citations and first SHARE_PAGES
    numbered pages (among the first tasks), then its day-and-topic pages and SHARE_PAGES numbered pages at a time
    (the last). A part needs nothing another makes: beside, the day jobs make no search terms or week piece."""
    firsts, rest = [], []
    for job in jobs:
        if job.topics and (job.page or job.more):
            rest.append(replace(job, page=None, more=(), cite=None))
            job = replace(job, topics=())
        rest += [replace(job, page=None, topics=(), cite=None, more=job.more[n:n + SHARE_PAGES])
                 for n in range(SHARE_PAGES, len(job.more), SHARE_PAGES)]
        firsts.append(replace(job, more=job.more[:SHARE_PAGES]))
    return firsts, rest


def beside_steps(weeks: Weeks, search: SearchIndex) -> dict[str, Callable[[], None]]:
    """The steps a daily render adds beside a worker: the search index first (the longest), and the week pages,
    made here from the day read before the fork, so its day jobs make neither terms nor week piece."""
    return {"search index": search.write, "week pages": weeks.render}
