"""What a render knows of each day without reading it whole: the day index, its feed window and radar matches.

The index is kept in site/ (the manifest). content/ stays the one source of truth: a day file's entry is trusted
only while its size and modification time are unchanged (as make and git do), else the file is hashed and, if
new, parsed.
"""

from __future__ import annotations

import hashlib
import json
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from datetime import date, timedelta
from typing import Any, Protocol

from ..archive import Archive, Day, dumps
from ..config import Radar
from ..papers import Paper
from ..radar import radar_hits
from .briefings import themes, themes_version
from .layout import day_breaks, layout_version
from .workers import PARALLEL_FROM, run_all
from .writer import inputs_key

ID_SEPARATOR = "\x1f"   # the ASCII unit separator: never part of a paper id


@dataclass(frozen=True)
class DayInfo:
    """One day as the renderer's index sees it: enough to plan pages without the papers themselves.

    A year's index is ~14 MB, read by every render, though most renders use the ids and the radar's papers of a few
    days: both are kept as one text (as the manifest keeps it, writer.read_part) and read where asked for (ids,
    radar)."""

    day: date
    key: str                               # hash of the day's content
    size: int                              # papers
    counts: dict[str, int]                 # topic -> papers listing it
    # Its paper ids (ID_SEPARATOR between them), for new versions on later days; then TEXT_SEPARATOR and its papers
    # on the owner's radar, whole (JSON of [number on the day, paper JSON] pairs): the radar page and feed gather
    # them from across the archive, so they are kept here rather than re-read day by day.
    text: str
    updates: tuple[tuple[str, int | None], ...]  # (id, version) of the new versions announced this day
    radar_ids: tuple[str, ...] = ()        # the radar's papers' ids (RadarIndex: which papers to match)
    # Where its numbered pages start, full and compact (layout.day_breaks): every link to a card reads them.
    breaks: tuple[tuple[int, ...], ...] = ((), ())
    # Its titles' frequent terms (briefings.themes), for its offline briefing: a day whose first page is
    # re-rendered for a link or a mark need not count its titles again.
    themes: tuple[tuple[str, int], ...] = ()

    @cached_property
    def ids(self) -> tuple[str, ...]:
        cut = self.text.rfind(TEXT_SEPARATOR)   # a radar's JSON holds no raw control character
        return tuple(self.text[:cut].split(ID_SEPARATOR)) if cut > 0 else ()

    @cached_property
    def radar(self) -> tuple[tuple[int, dict[str, Any]], ...]:
        """The radar's papers: (number on the day, paper JSON)."""
        return tuple((n, paper) for n, paper in json.loads(self.text[self.text.rfind(TEXT_SEPARATOR) + 1:]))

    def to_json(self) -> list[Any]:
        """The entry's JSON, its text last: the manifest keeps that text raw (writer.read_part)."""
        return [self.day.isoformat(), self.key, self.size, self.counts, [list(u) for u in self.updates],
                list(self.radar_ids), [list(b) for b in self.breaks], [list(t) for t in self.themes], self.text]

    @classmethod
    def from_json(cls, data: list[Any]) -> DayInfo:
        day, key, size, counts, updates, radar_ids, breaks, found, text = data
        return cls(date.fromisoformat(day), key, size, counts, text, tuple(map(tuple, updates)), tuple(radar_ids),
                   tuple(map(tuple, breaks)), tuple(map(tuple, found)))


INDEX_FORMAT = 3   # DayInfo.to_json's layout: an entry of another is made again
TEXT_SEPARATOR = "\x1e"   # the ASCII record separator, between a day's ids and its radar's JSON


def index_entry(day: Day, key: str, radar: Radar, page_size: int) -> DayInfo:
    """Return the index entry of a parsed day (radar: the owner's follows, whose matches it lists; page_size: the
    most cards on a full numbered page)."""
    counts: dict[str, int] = {}
    for paper in day.papers:
        for topic in paper.topics:
            counts[topic] = counts.get(topic, 0) + 1
    matched = [(n, p) for n, p in enumerate(day.papers, 1) if radar_hits(p, radar)]
    radar_json = json.dumps([[n, p.to_json()] for n, p in matched], ensure_ascii=False, separators=(",", ":"))
    return DayInfo(day.day, key, len(day.papers), counts,
                   ID_SEPARATOR.join(p.id for p in day.papers) + TEXT_SEPARATOR + radar_json,
                   tuple((u.id, u.version) for u in day.updates), tuple(p.id for _, p in matched),
                   day_breaks(day.papers, day.updates, page_size), tuple(themes(p.title for p in day.papers)))


class DaySource(Protocol):
    """Where the renderer gets its days: the archive on disk, or days already in memory."""

    def index(self, cached: dict[str, Any], radar: Radar, page_size: int) -> tuple[list[DayInfo], dict[str, Any]]:
        """Return every day's info, oldest first, and the cache entries to keep for next time."""

    def load(self, info: DayInfo) -> Day:
        """Return the day's papers."""


class MemoryDays:
    """Days handed over as objects (tests, callers that already hold them)."""

    def __init__(self, days: Iterable[Day]):
        self.days = {d.day: d for d in days}

    def index(self, cached: dict[str, Any], radar: Radar, page_size: int) -> tuple[list[DayInfo], dict[str, Any]]:
        infos = []
        for day in sorted(self.days.values(), key=lambda d: d.day):
            infos.append(index_entry(day, hashlib.blake2b(dumps(day.to_json()), digest_size=12).hexdigest(), radar,
                                      page_size))
        return infos, {}

    def load(self, info: DayInfo) -> Day:
        return self.days[info.day]


class ArchiveDays:
    """Days read from content/days/ lazily: a day file unchanged since the last render is not even opened.

    The few days a render indexes in this process (the daily case: the new day) are kept as parsed, until their
    pages load them (once): a day file is parsed once a render. A batch big enough for workers (a first render)
    keeps none, so that the render never holds the archive."""

    def __init__(self, archive: Archive):
        self.archive = archive
        self.parsed: dict[date, Day] = {}

    def index(self, cached: dict[str, Any], radar: Radar, page_size: int) -> tuple[list[DayInfo], dict[str, Any]]:
        # A day's radar matches hold only for the radar they were found with, its page breaks and themes for the rules.
        follows = inputs_key(radar, page_size, layout_version(), themes_version(), INDEX_FORMAT)
        # An entry: [size and time of the day file, follows, *DayInfo.to_json()].
        usable = {name: entry for name, entry in cached.items() if entry[1] == follows}
        found: dict[str, tuple[list[int], DayInfo | None]] = {}
        keep: dict[str, list[Any]] = {}
        for day in self.archive.day_dates():
            path = self.archive.day_path(day)
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            stamp = [stat.st_size, stat.st_mtime_ns]
            entry = usable.get(path.name)
            if entry and entry[0] == stamp:
                found[path.name] = (stamp, DayInfo.from_json(entry[2:]))
                keep[path.name] = entry   # as it was read: an unchanged day's entry is not made again
            else:
                found[path.name] = (stamp, None)
        # Hash (and, if changed, parse) the rest: a first render reads the whole archive, on every core.
        names = [name for name, (_, info) in found.items() if info is None]
        todo = [(self.archive, name, radar, page_size, usable[name][3] if name in usable else None)
                for name in names]
        for name, info in zip(names, self.index_files(todo)):
            stamp, made = found[name][0], info or DayInfo.from_json(usable[name][2:])
            found[name] = (stamp, made)
            keep[name] = [stamp, follows, *made.to_json()]
        return [info for _, info in found.values() if info is not None], keep

    def index_files(self, todo: list[IndexTask]) -> list[DayInfo | None]:
        """index_file of each task: in workers for a big batch, else here, keeping the days parsed (load)."""
        if len(todo) >= PARALLEL_FROM:
            return run_all(index_file, todo)
        infos: list[DayInfo | None] = []
        for task in todo:
            parsed = parse_file(task)
            if parsed is not None:
                self.parsed[parsed[1].day] = parsed[1]
            infos.append(parsed and parsed[0])
        return infos

    def load(self, info: DayInfo) -> Day:
        day = self.parsed.pop(info.day, None) or self.archive.read_day(info.day)
        if day is None:
            raise FileNotFoundError(self.archive.day_path(info.day))
        return day


IndexTask = tuple[Archive, str, Radar, int, str | None]   # the archive, a day file's name, the radar, page size, cached key


def index_file(task: IndexTask) -> DayInfo | None:
    """Return a day file's index entry, or None if its bytes still hash to the cached key (merely touched)."""
    # The parsed day is not kept: from a worker, a first render would hand the whole archive back.
    parsed = parse_file(task)
    return parsed and parsed[0]


def parse_file(task: IndexTask) -> tuple[DayInfo, Day] | None:
    """Return a day file's index entry and its parsed day, or None if its bytes still hash to the cached key."""
    archive, name, radar, page_size, cached_key = task
    path = archive.days_dir / name
    data = path.read_bytes()
    key = hashlib.blake2b(data, digest_size=12).hexdigest()
    if key == cached_key:
        return None
    day = archive.parse_day(path, data)
    return index_entry(day, key, radar, page_size), day


class RadarIndex:
    """Which papers match the owner's radar: known from the day index, each paper's hits computed once."""

    def __init__(self, infos: Iterable[DayInfo], radar: Radar):
        self.radar = radar
        self.on_radar = {(pid, info.day) for info in infos for pid in info.radar_ids}
        self._hits: dict[tuple[str, date], tuple[str, ...]] = {}

    def hits(self, paper: Paper) -> tuple[str, ...]:
        """Radar hits, computed once per paper (cards, the radar page and its feed all ask)."""
        key = (paper.id, paper.day)
        if key not in self.on_radar:   # the day index already knows which papers match: most do not
            return ()
        if key not in self._hits:
            self._hits[key] = radar_hits(paper, self.radar)
        return self._hits[key]


class DayIndex:
    """The archive's days as the index sees them: the pages' days, the feed window, later versions."""

    def __init__(self, infos: list[DayInfo], feed_days: int, topics: Iterable[str]):
        # A day with nothing to read never becomes a page, but its new versions still mark older cards.
        self.days = [info for info in infos if info.size]
        self.topics = tuple(topics)
        self.feed_days = feed_days
        self.versions: dict[str, list[tuple[date, int | None]]] = {}   # paper id -> its new versions, oldest first
        for info in infos:
            for uid, version in info.updates:
                self.versions.setdefault(uid, []).append((info.day, version))
        self.update_days = sorted(info.day for info in infos if info.updates)
        since = self.days[-1].day - timedelta(days=feed_days - 1) if self.days else date.max
        self.window = [info for info in reversed(self.days) if info.day >= since]   # the feeds' days, newest first
        self.shared = {info.day for info in self.window}   # days the feeds and topic pages read again
        self._marks: dict[date, list[tuple[str, int | None, str]]] = {}

    def neighbours(self, i: int) -> tuple[date | None, date | None]:
        """Return the days before and after the i-th day page."""
        return (self.days[i - 1].day if i else None, self.days[i + 1].day if i + 1 < len(self.days) else None)

    def marks_until(self, day: date) -> date:
        """The last day whose new versions mark the cards of `day`: any while it is in the feed window, else its
        last day in the window's.

        A card shows the new versions announced while its day was in the feed window, and keeps them: a new version
        of an old paper would otherwise re-render an old day page every day (about 30 of them a day on a year of
        arXiv), and a day leaving the window would be rendered again for its marks alone (half a weekday's numbered
        pages). The new day's "Updated versions" list announces every new version, old or not."""
        return date.max if day in self.shared else day + timedelta(days=self.feed_days - 1)

    def marks(self, info: DayInfo) -> list[tuple[str, int | None, str]]:
        """Return the later new versions of this day's papers that mark its cards (marks_until): (id, version, day)."""
        found = self._marks.get(info.day)   # asked once per page: a long day has seventy numbered pages
        if found is None:
            found = self._marks[info.day] = []
            until = self.marks_until(info.day)
            first = bisect_right(self.update_days, info.day)
            if first < len(self.update_days) and self.update_days[first] <= until:   # else no need to read its ids
                for pid in sorted(self.versions.keys() & info.ids):   # a set operation: days hold hundreds of ids
                    if (later := self.later_version(pid, info.day, until)) is not None:
                        found.append((pid, later[0], later[1].isoformat()))
        return found

    def later_version(self, pid: str, day: date, until: date) -> tuple[int | None, date] | None:
        """The latest new version of a paper of `day` announced after it and by `until`: (version, day), else None."""
        found = None
        for on, version in self.versions.get(pid, ()):
            if day < on <= until:
                found = (version, on)
        return found

    def update_of(self, paper: Paper) -> tuple[int, date] | None:
        """Return (version, day) of the later version that marks the paper's card (see marks()), else None."""
        later = self.later_version(paper.id, paper.day, self.marks_until(paper.day)) if paper.id in self.versions else None
        if later and later[0] and (paper.version or 0) < later[0]:
            return later[0], later[1]
        return None

    def topic_ids(self, info: DayInfo) -> list[str]:
        """Return the configured topics the day lists, in the configuration's order."""
        return [tid for tid in self.topics if tid in info.counts]


class DayLoader:
    """Reads a day's papers at most once per render: only the feed window's days stay in memory."""

    def __init__(self, source: DaySource, shared: set[date]):
        self.source, self.shared = source, shared
        self.kept: dict[date, Day] = {}

    def load(self, info: DayInfo) -> Day:
        day = self.kept.get(info.day) or self.source.load(info)
        if info.day in self.shared:
            self.kept[info.day] = day
        return day
