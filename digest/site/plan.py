"""Which pages the site has, and what each page family is made from, declared once per family.

A page's fingerprint hashes the render's version (code, templates, settings, language) with its inputs: a page
whose fingerprint the last render recorded, and which is still on disk, is not rendered again.

Retention: the newest site.full_days days have full cards (and day-and-topic pages); older days are compact, every
paper still listed under its card's id. A day's layout (compact or not, and where its pages start) is part of the
fingerprint of every page that shows or links its cards, so the day that leaves the window is rendered again,
compact, with the search rows, topic, archive and radar pages that point into it; its extra pages are removed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from ..archive import week_of
from .index import DayIndex, DayInfo
from .layout import DayLayout, day_layout
from .writer import SiteWriter, inputs_key

RECENT_DAYS = 7   # days a topic page lists
WEEKS_IN_FEED = 12   # weeks the weekly digests' feed holds


def week_path(day: date) -> str:
    """The path (from the site root) of the weekly digest that holds a day."""
    return f"weeks/{week_of(day)}/"


@dataclass(frozen=True)
class Target:
    """One output file: its path in site/, the fingerprint of its inputs, and whether it is up to date."""

    rel: str
    fingerprint: str
    fresh: bool


@dataclass(frozen=True)
class DayJob:
    """One day's pages that need rendering, with their fingerprints."""

    info: DayInfo
    layout: DayLayout
    prev_day: date | None
    next_day: date | None
    page: Target | None                   # None: the day page itself is fresh
    more: tuple[tuple[int, Target], ...]  # (number, target) of its numbered pages from 2 on to render
    topics: tuple[tuple[str, Target], ...]   # (topic id, target) of its day-and-topic pages to render
    cite: Target | None = None            # its citations file (cite.json, a full day's) to write, if stale
    frame: str = ""                       # plan.SitePlan.day_frame of its first page


class SitePlan:
    def __init__(self, writer: SiteWriter, version: str, index: DayIndex, topics: tuple[str, ...],
                 briefing_inputs: Callable[[date], list[tuple[str, str, str]]], feed_max_items: int,
                 full_days: int):
        self.writer, self.version, self.index = writer, version, index
        # The full window: the newest full_days calendar days (the latest day is always in it).
        self.full_since = index.days[-1].day - timedelta(days=full_days - 1) if index.days else date.min
        self._layouts: dict[date, DayLayout] = {}
        self._window_cards: dict[str, tuple[DayInfo, int]] | None = None
        self._day_keys: dict[date, str] = {}
        self.topics = topics
        self.briefing_inputs = briefing_inputs
        self.feed_max_items = feed_max_items
        # The related papers' links a day's numbered page shows (site/related.py: set when content/ has them).
        self.related: Callable[[DayInfo, int], Any] = lambda info, number: ()

    def target(self, rel: str, *inputs: Any) -> Target:
        fingerprint = inputs_key(self.version, rel, *inputs)
        return Target(rel, fingerprint, self.writer.fresh(rel, fingerprint))

    # -- the day pages ---------------------------------------------------------------------------

    def layout(self, info: DayInfo) -> DayLayout:
        """Return the day's numbered pages: full inside the window, compact before it (asked by every link)."""
        found = self._layouts.get(info.day)
        if found is None:
            found = self._layouts[info.day] = day_layout(info.day.isoformat(), info.size, info.breaks,
                                                         info.day < self.full_since)
        return found

    def shape(self, info: DayInfo) -> tuple[bool, tuple[int, ...]]:
        """What of a day's layout a page that links its cards depends on."""
        layout = self.layout(info)
        return layout.compact, layout.starts

    def update_links(self, on: date, ids: Iterable[str]) -> dict[str, str]:
        """The cards of the new versions a day announces (ids; paths from the root), where they are full cards: a card of
        the full window, on an earlier day. Others link to the paper itself. A day that leaves the window takes
        its links out of the fingerprints of the pages that showed them, so no link points at a page it lost."""
        if self._window_cards is None:
            self._window_cards = {pid: (day, n) for day in self.index.days if day.day >= self.full_since
                                  for n, pid in enumerate(day.ids, 1)}
        found = {}
        for pid in ids:
            card = self._window_cards.get(pid)
            if card and card[0].day < on:
                found[pid] = self.layout(card[0]).card_path(card[1], pid)
        return found

    def updated_cards(self, info: DayInfo) -> dict[str, str]:
        """Where the rows of a day's "Updated versions" link: a compact day's first page lists none (pages.day_context)."""
        return {} if self.layout(info).compact else self.update_links(info.day, (pid for pid, _ in info.updates))

    def day_frame(self, info: DayInfo, prev_day: date | None, next_day: date | None) -> str:
        """What a day's first page is made from but where its "Updated versions" rows link (site/frames.py)."""
        return inputs_key(self.version, info.key, self.shape(info), prev_day, next_day, self.page_marks(info, 1),
                          self.briefing_inputs(info.day), self.related(info, 1))

    def day_page(self, info: DayInfo, frame: str) -> Target:
        return self.target(f"{info.day.isoformat()}/index.html", frame, self.updated_cards(info))

    def page_ids(self, info: DayInfo, number: int) -> set[str]:
        """The ids of the cards on the day's numbered page."""
        first, after = self.layout(info).span(number)
        return set(info.ids[first - 1:after - 1])

    def page_marks(self, info: DayInfo, number: int) -> list[tuple[str, int | None, str]]:
        """The "updated to" marks of the cards on a day's numbered page: only a card shows one, so a new version of
        one paper re-renders the one page that holds its card, not the day's first page with its briefing. A compact
        day's entries show none."""
        if self.layout(info).compact:
            return []
        marks = self.index.marks(info)
        if not marks:
            return marks
        shown = self.page_ids(info, number)
        return [mark for mark in marks if mark[0] in shown]

    def day_more_page(self, info: DayInfo, number: int, prev_day: date | None) -> Target:
        """A numbered page from 2 on: the day's cards beyond the first page (no briefing, no updated versions).

        It links the previous day but not the next: a new day would otherwise re-render every numbered page of
        the day before it (~75 on a weekday) for one link, which the day's first page, one pager click away, holds."""
        return self.target(f"{info.day.isoformat()}/page/{number}/index.html", self.day_key(info), prev_day,
                           self.page_marks(info, number), self.related(info, number))

    def day_key(self, info: DayInfo) -> str:
        """A day's content and layout, hashed once for its numbered pages (a weekday's are ~75, each hashing its ~75
        page starts: most of planning a no-op render)."""
        found = self._day_keys.get(info.day)
        if found is None:
            found = self._day_keys[info.day] = inputs_key(info.key, self.shape(info))
        return found

    def topic_ids(self, info: DayInfo) -> list[str]:
        """Return the topics of the day's day-and-topic pages: a compact day has none."""
        return [] if self.layout(info).compact else self.index.topic_ids(info)

    def day_topic_page(self, info: DayInfo, topic: str) -> Target:
        # Compact entries show no "updated to" mark, so later versions do not touch the day's topic pages.
        return self.target(f"{info.day.isoformat()}/{topic}/index.html", info.key)

    def day_cite(self, info: DayInfo) -> Target | None:
        """A full day's citations (site/cite.py), read by its pages' scripts; a compact day has no cards to cite."""
        return None if self.layout(info).compact else self.target(f"{info.day.isoformat()}/cite.json", info.key)

    def front_page(self) -> Target:
        info = self.index.days[-1]
        prev_day = self.index.days[-2].day if len(self.index.days) > 1 else None
        return self.target("index.html", info.key, self.shape(info), prev_day, self.page_marks(info, 1),
                           self.briefing_inputs(info.day), self.updated_cards(info), self.related(info, 1))

    def day_jobs(self) -> list[DayJob]:
        """Return the days whose pages need rendering (fingerprints of those that do not are kept)."""
        jobs = []
        for i, info in enumerate(self.index.days):
            prev_day, next_day = self.index.neighbours(i)
            frame = self.day_frame(info, prev_day, next_day)
            page = self.day_page(info, frame)
            topics = [(tid, target) for tid in self.topic_ids(info)
                      if not (target := self.day_topic_page(info, tid)).fresh]
            more = [(n, target) for n in range(2, self.layout(info).count + 1)
                    if not (target := self.day_more_page(info, n, prev_day)).fresh]
            cite = self.day_cite(info)
            cite = None if cite is None or cite.fresh else cite
            if not page.fresh or topics or more or cite:
                jobs.append(DayJob(info, self.layout(info), prev_day, next_day, None if page.fresh else page,
                                   tuple(more), tuple(topics), cite, frame))
        return jobs

    # -- pages over many days ----------------------------------------------------------------------

    def topic_days(self, topic: str) -> list[DayInfo]:
        """The topic page's days: the topic's latest, newest first."""
        return [info for info in reversed(self.index.days) if topic in info.counts][:RECENT_DAYS]

    def topic_block_key(self, info: DayInfo, topic: str) -> str:
        """What a day's entries on a topic page are made from (site/blocks.py): its papers and where its cards are."""
        return inputs_key(self.version, info.day, info.key, self.shape(info), topic)

    def topic_page(self, topic: str) -> Target:
        return self.target(f"topics/{topic}/index.html",
                           [(i.day, i.key, self.shape(i)) for i in self.topic_days(topic)])

    def archive_page(self, rows: list[tuple[DayInfo, list[tuple[str, str, int]], bool]]) -> Target:
        return self.target("archive/index.html", [(info.day, info.size, counts, compact) for info, counts, compact in rows])

    def search_shard(self, month: str, infos: list[DayInfo]) -> Target:
        # only this month's changes
        return self.target(f"search/{month}.json", [(i.day, i.key, self.shape(i)) for i in infos])

    def search_day_mark(self, info: DayInfo) -> str:
        """What a day's rows in a search shard were made from: a new day reuses the other days' rows."""
        return inputs_key(self.version, info.key, self.shape(info))

    def radar_days(self) -> list[DayInfo]:
        """The newest days with papers on the owner's radar, enough of them to fill the radar page and feed."""
        chosen, total = [], 0
        for info in reversed(self.index.days):
            if total >= self.feed_max_items:
                break
            if info.radar_ids:
                chosen.append(info)
                total += len(info.radar_ids)
        return chosen

    def radar(self, days: list[DayInfo]) -> tuple[Target, Target]:
        """The radar page and its feed (whose entries a later version updates)."""
        inputs = [(i.day, i.key, self.shape(i), self.index.marks(i)) for i in days]
        return self.target("radar/index.html", inputs), self.target("radar/feed.xml", inputs)

    # -- the weekly digests (site/weeks.py) ----------------------------------------------------------

    def weeks(self) -> dict[str, list[DayInfo]]:
        """The ISO weeks that have days, oldest first, each with its days."""
        found: dict[str, list[DayInfo]] = {}
        for info in self.index.days:
            found.setdefault(week_of(info.day), []).append(info)
        return found

    def week_inputs(self, infos: list[DayInfo]) -> list[Any]:
        """What a week's page is made from: its days and their layouts, not their neighbours, so a new day re-renders
        only its own week (entries show no "updated to" marks, so later versions do not touch it either)."""
        return [(i.day, i.key, self.shape(i)) for i in infos]

    def week_block_key(self, info: DayInfo) -> str:
        """What a week's page takes from one of its days (site/blocks.py) is made from: as week_inputs, for one day."""
        return inputs_key(self.version, info.day, info.key, self.shape(info), "week")

    def week_page(self, week: str, infos: list[DayInfo], briefing: list[Any]) -> Target:
        """A week's page: its days (week_inputs) and its stored LLM briefing (briefings.Briefings.week_inputs)."""
        return self.target(f"weeks/{week}/index.html", [self.week_inputs(infos), briefing] if briefing
                           else self.week_inputs(infos))

    def weeks_index(self, weeks: dict[str, list[DayInfo]]) -> Target:
        return self.target("weeks/index.html", [(w, [(i.day, i.size) for i in infos]) for w, infos in weeks.items()])

    def weeks_feed(self, weeks: dict[str, list[DayInfo]], briefing: Callable[[str], list[Any]]) -> Target:
        """The newest weeks' feed (each entry from its days' index entries: counts and radar matches, or the week's
        stored LLM briefing: briefing(week), briefings.Briefings.week_inputs)."""
        return self.target("weeks/feed.xml", [(w, self.week_inputs(weeks[w]), *([b] if (b := briefing(w)) else []))
                                              for w in self.feed_weeks(weeks)])

    def feed_weeks(self, weeks: dict[str, list[DayInfo]]) -> list[str]:
        return list(reversed(weeks))[:WEEKS_IN_FEED]

    # -- feeds over the rolling window -------------------------------------------------------------

    def site_feeds(self) -> tuple[Target, Target]:
        """The site's Atom and RSS feeds."""
        window = self.feed_inputs()
        return self.target("feed.xml", window), self.target("rss.xml", window)

    def feed_inputs(self, topic: str | None = None) -> list[Any]:
        """What a feed of the window's papers is made from: their days, the links to their cards (the days'
        layouts) and their later versions (which update their entries)."""
        return [(i.day, i.key, self.shape(i), self.index.marks(i)) for i in self.index.window
                if topic is None or topic in i.counts]

    def feed_block_key(self, info: DayInfo, topic: str) -> str:
        """What a day's entries in a topic feed are made from (site/blocks.py): as feed_inputs, for one day, but its
        later versions, which each entry records (site/feeds.py, Feeds.feed_block)."""
        return inputs_key(self.version, info.day, info.key, self.shape(info), topic)

    def topic_feed(self, topic: str) -> Target:
        return self.target(f"topics/{topic}/feed.xml", self.feed_inputs(topic))

    def briefing_block_key(self, info: DayInfo) -> str:
        """What a day's entry in the briefing feed is made from (site/blocks.py): as briefing_feed's inputs, one day's."""
        return inputs_key(self.version, info.day, info.key, self.briefing_inputs(info.day))

    def briefing_feed(self) -> Target:
        return self.target("briefing.xml", [(i.day, i.key, self.briefing_inputs(i.day)) for i in self.index.window])
