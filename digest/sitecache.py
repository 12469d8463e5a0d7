"""What a render knows without reading every day: a per-day index, per-page fingerprints, the site writer.

The cache lives in site/ (the manifest): deleting site/ only makes the next render a full one.
content/ stays the one source of truth: a day file's summary is trusted only while its size and
modification time are unchanged (as make and git do), else the file is hashed and, if new, parsed.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from .archive import Archive, Day, dumps, remove_stale_temps, write_atomic
from .clean import xml_text
from .config import Radar
from .radar import radar_hits

CACHE_VERSION = 4
ID_SEPARATOR = "\x1f"   # the ASCII unit separator: never part of a paper id
PARALLEL_FROM = 8    # tasks (days to index or render) before worker processes pay for themselves
MANIFEST = ".academichub-manifest"
RENDERING = ".academichub-rendering"
PACKAGE = Path(__file__).resolve().parent
TEMPLATES = PACKAGE.parent / "templates"


def fingerprint(*parts: Any) -> str:
    """Return a short stable hash of parts made of strings, numbers, dates, None, lists and tuples."""
    # repr of these types is stable across runs and Python versions, and cheaper than JSON.
    return hashlib.blake2b(repr(parts).encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


@dataclass(frozen=True)
class DayInfo:
    """One day as the renderer's index sees it: enough to plan pages without the papers themselves."""

    day: date
    key: str                               # hash of the day's content
    size: int                              # papers
    counts: dict[str, int]                 # topic -> papers listing it
    ids: tuple[str, ...]                   # paper ids, for new versions announced on later days
    updates: tuple[tuple[str, int | None], ...]  # (id, version) of the new versions announced this day
    # The papers on the owner's radar, whole (number on the day, paper JSON): the radar page and feed
    # gather them from across the archive, so they are kept here rather than re-read day by day.
    radar: tuple[tuple[int, dict[str, Any]], ...] = ()

    def to_json(self) -> list[Any]:
        # The ids as one string: a year's index holds 110,000 of them, and one string per day reads 2x faster.
        return [self.day.isoformat(), self.key, self.size, self.counts, ID_SEPARATOR.join(self.ids),
                [list(u) for u in self.updates], [list(r) for r in self.radar]]

    @classmethod
    def from_json(cls, data: list[Any]) -> DayInfo:
        day, key, size, counts, ids, updates, radar = data
        return cls(date.fromisoformat(day), key, size, counts, tuple(ids.split(ID_SEPARATOR)) if ids else (),
                   tuple((i, v) for i, v in updates), tuple((n, paper) for n, paper in radar))


def summarise(day: Day, key: str, radar: Radar) -> DayInfo:
    """Return the index entry of a parsed day (radar: the owner's follows, whose matches it lists)."""
    counts: dict[str, int] = {}
    for paper in day.papers:
        for topic in paper.topics:
            counts[topic] = counts.get(topic, 0) + 1
    return DayInfo(day.day, key, len(day.papers), counts, tuple(p.id for p in day.papers),
                   tuple((u.id, u.version) for u in day.updates),
                   tuple((n, p.to_json()) for n, p in enumerate(day.papers, 1) if radar_hits(p, radar)))


class DaySource(Protocol):
    """Where the renderer gets its days: the archive on disk, or days already in memory."""

    def index(self, cached: dict[str, Any], radar: Radar) -> tuple[list[DayInfo], dict[str, Any]]:
        """Return every day's info, oldest first, and the cache entries to keep for next time."""

    def load(self, info: DayInfo) -> Day:
        """Return the day's papers."""


class MemoryDays:
    """Days handed over as objects (tests, callers that already hold them)."""

    def __init__(self, days: Iterable[Day]):
        self.days = {d.day: d for d in days}

    def index(self, cached: dict[str, Any], radar: Radar) -> tuple[list[DayInfo], dict[str, Any]]:
        infos = []
        for day in sorted(self.days.values(), key=lambda d: d.day):
            infos.append(summarise(day, hashlib.blake2b(dumps(day.to_json()), digest_size=12).hexdigest(), radar))
        return infos, {}

    def load(self, info: DayInfo) -> Day:
        return self.days[info.day]


class ArchiveDays:
    """Days read from content/days/ lazily: a day file unchanged since the last render is not even opened."""

    def __init__(self, archive: Archive):
        self.archive = archive

    def index(self, cached: dict[str, Any], radar: Radar) -> tuple[list[DayInfo], dict[str, Any]]:
        follows = fingerprint(radar)  # a day's radar matches hold only for the radar they were found with
        usable = {name: entry for name, entry in cached.items() if entry[1] == follows}
        found: dict[str, tuple[list[int], DayInfo | None]] = {}
        for day in self.archive.day_dates():
            path = self.archive.day_path(day)
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            stamp = [stat.st_size, stat.st_mtime_ns]
            entry = usable.get(path.name)
            found[path.name] = (stamp, DayInfo.from_json(entry[2]) if entry and entry[0] == stamp else None)
        # Hash (and, if changed, parse) the rest: a first render reads the whole archive, on every core.
        names = [name for name, (_, info) in found.items() if info is None]
        todo = [(self.archive, name, radar, usable[name][2][1] if name in usable else None) for name in names]
        with worker_pool(len(todo)) as pool:
            for name, info in zip(names, (pool.map if pool else map)(_index_file, todo)):
                found[name] = (found[name][0], info or DayInfo.from_json(usable[name][2]))
        infos = [info for _, info in found.values() if info is not None]
        keep = {name: [stamp, follows, info.to_json()] for name, (stamp, info) in found.items() if info is not None}
        return infos, keep

    def load(self, info: DayInfo) -> Day:
        day = self.archive.read_day(info.day)
        if day is None:
            raise FileNotFoundError(self.archive.day_path(info.day))
        return day


def _index_file(task: tuple[Archive, str, Radar, str | None]) -> DayInfo | None:
    """Return a day file's index entry, or None if its bytes still hash to the cached key (merely touched)."""
    archive, name, radar, cached_key = task
    path = archive.days_dir / name
    data = path.read_bytes()
    key = hashlib.blake2b(data, digest_size=12).hexdigest()
    if key == cached_key:
        return None
    # The parsed day is not kept: a full render would otherwise hold the whole archive in memory.
    return summarise(archive.parse_day(path, data), key, radar)


@contextmanager
def worker_pool(tasks: int) -> Iterator[Any]:
    """Yield a pool of forked workers (one per core, up to 4) for a large batch of tasks, else None."""
    workers = min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1, 4)
    if tasks < PARALLEL_FROM or workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        yield None
        return
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        yield pool


def read_manifest(path: Path) -> dict[str, Any]:
    """Return the last render's manifest: files written, page fingerprints, day index (empty if none)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {"files": [], "pages": {}, "days": {}}
    try:
        data = json.loads(text)
        if isinstance(data, dict) and data.get("version") == CACHE_VERSION:
            return data
    except ValueError:
        pass
    # An older manifest (one file per line) or another version: keep only the file list, for removal.
    files = [] if text.lstrip().startswith("{") else [line for line in text.split("\n") if line]
    return {"files": files, "pages": {}, "days": {}}


def manifest_bytes(files: Iterable[str], pages: dict[str, str], days: dict[str, Any]) -> bytes:
    """Serialise the manifest compactly: it is a cache, read by machines only."""
    data = {"version": CACHE_VERSION, "files": sorted(files), "pages": dict(sorted(pages.items())),
            "days": dict(sorted(days.items()))}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass
class SiteWriter:
    """Collects every output file so unchanged ones are left alone and vanished ones removed.

    A page whose inputs' fingerprint matches the last render's is not even rendered (`fresh`);
    any other file is written only when its bytes changed.
    """

    root: Path
    written: int = 0
    files: set[str] = field(default_factory=set)
    pages: dict[str, str] = field(default_factory=dict)   # page -> fingerprint of what it was rendered from

    def __post_init__(self) -> None:
        self.manifest = read_manifest(self.root / MANIFEST)
        # A marker for the length of a render: if it is already there, the last render was killed and may
        # have left temporary files behind. Only then is the whole tree searched for them.
        self.interrupted = (self.root / RENDERING).exists()
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / RENDERING).touch()  # empty, so no temporary file and rename are needed

    def fresh(self, rel: str, print_: str) -> bool:
        """Return True (and keep the page) if rel was rendered from the same inputs and is still there."""
        if self.manifest["pages"].get(rel) == print_ and os.path.isfile(os.path.join(self.root, rel)):
            self.files.add(rel)
            self.pages[rel] = print_
            return True
        return False

    def write(self, rel: str, data: str | bytes, print_: str | None = None) -> None:
        if isinstance(data, str) and rel.endswith((".xml", ".opml")):
            # Feed readers reject a whole feed for one illegal character. Everything a feed holds passed the
            # text gate on its way into content/; a hand-edited archive file may not have, so gate once more.
            data = xml_text(data)
        payload = data.encode("utf-8") if isinstance(data, str) else data
        self.files.add(rel)
        if print_ is not None:
            self.pages[rel] = print_
        if write_atomic(self.root / rel, payload, durable=False):
            self.written += 1

    def finish(self, days: dict[str, Any]) -> int:
        """Remove files an earlier render wrote that this one did not; save the manifest; return how many."""
        removed = 0
        for rel in sorted(set(self.manifest["files"]) - self.files - {""}):
            target = (self.root / rel).resolve()
            if self.root.resolve() in target.parents and target.is_file():
                target.unlink()
                removed += 1
        old = self.manifest
        # Comparing is much cheaper than serialising a year's index: a no-op render leaves the manifest be.
        if (self.files != set(old["files"]) or self.pages != old["pages"] or days != old["days"]
                or not (self.root / MANIFEST).is_file()):
            write_atomic(self.root / MANIFEST, manifest_bytes(self.files, self.pages, days), durable=False)
        if self.interrupted:
            remove_stale_temps(self.root)  # a killed render leaves its temporary files behind
        (self.root / RENDERING).unlink(missing_ok=True)
        return removed


@lru_cache(maxsize=1)
def code_version() -> str:
    """Return a hash of the templates and the package's code: a change to either re-renders every page."""
    digest = hashlib.blake2b(digest_size=12)
    for path in sorted([*TEMPLATES.rglob("*"), *PACKAGE.glob("*.py")]):
        if path.is_file():
            digest.update(path.relative_to(PACKAGE.parent).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()
