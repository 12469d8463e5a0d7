"""The site writer: every output file goes through it, unchanged ones are left alone, vanished ones removed.

Its manifest (in site/) records the files written with their sizes, each page's fingerprint and the day index:
deleting site/ (or a day's folder) only makes the next render a full one (or that day's). The day folders' files and
pages and the days' index entries are kept in one part per month (MONTHS): a year's manifest is ~14 MB, and a new
day changes its own month's part and few others, so a render rewrites only the parts that changed.

A part is a line of JSON (files, pages, days) and then the days' texts, raw: a day's entry ends with a text (its
papers' ids, its radar's papers), nine tenths of a year's index, which as JSON strings took most of the time it
took to read the manifest (a radar's JSON, escaped inside a string, the most). Raw, it is only decoded.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..files import collector_paused, remove_stale_temps, write_atomic
from ..clean import xml_text

CACHE_VERSION = 6   # 6: a part is a JSON line and its days' texts (read_part); an older manifest re-renders
MANIFEST = ".academichub-manifest"
MONTHS = ".academichub-manifest-months"   # the manifest's part for each month of days (YYYY-MM), like it a cache
# without a suffix: no served file type (its ids are joined by a control character, index.ID_SEPARATOR)
DAY_KEY = re.compile(r"\d{4}-\d\d-\d\d(/|\.json$)")   # a day folder's file or page, or a day file's index entry
RENDERING = ".academichub-rendering"
PACKAGE = Path(__file__).resolve().parent.parent          # digest/
TEMPLATES = PACKAGE.parent / "templates"


def inputs_key(*parts: Any) -> str:
    """Return a short stable hash of a page's inputs: strings, numbers, dates, None, lists and tuples."""
    # repr of these types is stable across runs and Python versions, and cheaper than JSON.
    return hashlib.blake2b(repr(parts).encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


@lru_cache(maxsize=1)
def code_version() -> str:
    """Return a hash of the templates and the package's code: a change to either re-renders every page."""
    digest = hashlib.blake2b(digest_size=12)
    for path in sorted([*TEMPLATES.rglob("*"), *PACKAGE.rglob("*.py")]):
        if path.is_file():
            digest.update(path.relative_to(PACKAGE.parent).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def compact_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


# A cache file of the render (a manifest part, a kept piece: site/blocks.py) is a line of compact JSON, then raw bytes
# that would cost more to escape and parse as JSON strings. Compact JSON holds no raw newline (json escapes one in a
# string): the first ends the line.

def json_line(head: Any, body: Sequence[bytes] = ()) -> bytes:
    """The cache file of head (JSON) and body (raw bytes after its line)."""
    return b"".join([compact_json(head).encode("utf-8", "surrogatepass"), b"\n", *body])


def read_json_line(data: bytes) -> tuple[Any, int]:
    """A json_line file's head and where its body starts; ValueError if it is not one."""
    at = data.index(b"\n") + 1
    with collector_paused():   # a manifest part's thousands of small containers hold no cycle
        return json.loads(data[:at]), at


def read_manifest(path: Path) -> dict[str, Any]:
    """Return the last render's manifest: files written (path -> bytes), page fingerprints, day index (empty if none),
    its month parts (MONTHS, beside it) merged in."""
    data = _read_main(path)
    if data.get("version") == CACHE_VERSION:
        for part_path in sorted((path.parent / MONTHS).glob("[0-9][0-9][0-9][0-9]-[0-9][0-9]")):
            part = read_part(part_path)
            if part is not None:   # else a cache miss: that month's pages are rendered again
                for name in ("files", "pages", "days"):
                    data[name].update(part[name])
    return data


def read_part(path: Path) -> dict[str, Any] | None:
    """Return a manifest file of this CACHE_VERSION (the main file or a month's part), its days' texts put back at
    the end of their entries; None if it is missing, of another version or damaged."""
    try:
        data = path.read_bytes()
        part, at = read_json_line(data)
        if not isinstance(part, dict) or part.get("version") != CACHE_VERSION:
            return None
        texts = memoryview(data)   # each text decoded from its place: no copy of the part's bytes
        for entry, size in zip(part["days"].values(), part.pop("texts"), strict=True):
            entry.append(str(texts[at:at + size], "utf-8", "surrogatepass"))
            at += size
        return part if at == len(data) else None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _read_main(path: Path) -> dict[str, Any]:
    data = read_part(path)
    if data is not None:
        return data
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return {"files": {}, "pages": {}, "days": {}}
    # An older manifest (one file per line, a version 4 list of files, a version 5 JSON) or a damaged one: keep
    # only the file names, for removal; no size is trusted, so every page is rendered again.
    if not text.lstrip().startswith("{"):
        return {"files": dict.fromkeys(line for line in text.split("\n") if line), "pages": {}, "days": {}}
    try:
        old = json.loads(text.partition("\n")[0]).get("files")
    except (ValueError, AttributeError):
        old = None
    return {"files": dict.fromkeys(old) if isinstance(old, (list, dict)) else {}, "pages": {}, "days": {}}


def manifest_bytes(files: dict[str, int], pages: dict[str, str], days: dict[str, Any]) -> bytes:
    """Serialise the manifest (or one of its parts) compactly: it is a cache, read by machines only. Each days entry
    ends with a text, written raw after the JSON line (read_part)."""
    entries = dict(sorted(days.items()))
    texts = [entry[-1].encode("utf-8", "surrogatepass") for entry in entries.values()]
    data = {"version": CACHE_VERSION, "files": dict(sorted(files.items())), "pages": dict(sorted(pages.items())),
            "days": {name: entry[:-1] for name, entry in entries.items()}, "texts": [len(text) for text in texts]}
    return json_line(data, texts)


Part = tuple[dict[str, int], dict[str, str], dict[str, Any]]


def manifest_parts(files: dict[str, int], pages: dict[str, str], days: dict[str, Any]) -> dict[str, Part]:
    """The manifest split by month (YYYY-MM) of the day each entry belongs to; "" for the rest (the main file)."""
    parts: dict[str, Part] = {"": ({}, {}, {})}
    every: tuple[dict[str, Any], ...] = (files, pages, days)
    for at, entries in enumerate(every):
        for key, value in entries.items():
            month = key[:7] if DAY_KEY.match(key) else ""
            if month not in parts:
                parts[month] = ({}, {}, {})
            parts[month][at][key] = value
    return parts


def write_manifest(root: Path, files: dict[str, int], pages: dict[str, str], days: dict[str, Any],
                   old: dict[str, Any]) -> None:
    """Write the manifest's parts that differ from the last render's (old), and remove those of months now gone."""
    new, before = manifest_parts(files, pages, days), manifest_parts(old["files"], old["pages"], old["days"])
    for month in sorted(new.keys() | before.keys(), reverse=True):   # the main file last
        path = root / MONTHS / month if month else root / MANIFEST
        if month not in new:
            path.unlink(missing_ok=True)
        elif new[month] != before.get(month) or not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, manifest_bytes(*new[month]), durable=False)


@dataclass
class Written:
    """What one writer (the render's, or a worker's share of it) put in site/: merged into the render's."""

    count: int = 0
    files: dict[str, int] = field(default_factory=dict)   # path -> bytes: the size line needs no stat per file
    pages: dict[str, str] = field(default_factory=dict)   # page -> fingerprint of what it was rendered from

    def merge(self, other: Written) -> None:
        self.count += other.count
        self.files.update(other.files)
        self.pages.update(other.pages)


class SiteWriter:
    """Collects every output file so unchanged ones are left alone and vanished ones removed.

    A page whose inputs' fingerprint matches the last render's is not even rendered (`fresh`);
    any other file is written only when its bytes changed.

    A no-op render must not grow with the site's file count (a year is 25,000 files), so the manifest is
    trusted for what it lists: a fresh page is not looked at on disk, only its top folder (a day's, or
    topics/) is checked once, so a deleted day folder is rendered again. A render that was killed leaves its
    marker behind, and the next one then checks every page's file.
    """

    def __init__(self, root: Path, manifest: dict[str, Any], interrupted: bool = False):
        self.root = root
        self.manifest = manifest
        self.interrupted = interrupted
        self.done = Written()
        self._folders: dict[str, bool] = {}   # top folder -> is a folder (checked once a render)

    @classmethod
    def open(cls, root: Path) -> SiteWriter:
        """Start a render into root: read the last manifest, and mark the render as under way."""
        manifest = read_manifest(root / MANIFEST)
        # A marker for the length of a render: if it is already there, the last render was killed and may
        # have left temporary files behind. Only then is the whole tree searched for them.
        interrupted = (root / RENDERING).exists()
        root.mkdir(parents=True, exist_ok=True)
        (root / RENDERING).touch()  # empty, so no temporary file and rename are needed
        return cls(root, manifest, interrupted)

    def share(self) -> SiteWriter:
        """Return a writer into the same site whose record starts empty (a batch of days, maybe in a worker)."""
        return SiteWriter(self.root, self.manifest, self.interrupted)

    def fresh(self, rel: str, fingerprint: str) -> bool:
        """Return True (and keep the page) if rel was rendered from the same inputs and is still there."""
        if self.manifest["pages"].get(rel) != fingerprint:
            return False
        size = self.manifest["files"].get(rel)
        if size is None or not self._there(rel):
            return False
        self.done.files[rel] = size
        self.done.pages[rel] = fingerprint
        return True

    def _there(self, rel: str) -> bool:
        """Return whether a page the manifest lists is still on disk: its top folder, or after a killed render its file."""
        if self.interrupted:
            return os.path.isfile(os.path.join(self.root, rel))
        top = rel.split("/", 1)[0] if "/" in rel else ""
        there = self._folders.get(top)
        if there is None:
            there = self._folders[top] = os.path.isdir(os.path.join(self.root, top))
        return there and (bool(top) or os.path.isfile(os.path.join(self.root, rel)))

    def write(self, rel: str, data: str | bytes, fingerprint: str | None = None) -> None:
        if isinstance(data, str) and rel.endswith((".xml", ".opml")):
            # Feed readers reject a whole feed for one illegal character. Everything a feed holds passed the
            # text gate on its way into content/; a hand-edited archive file may not have, so gate once more.
            data = xml_text(data)
        payload = data.encode("utf-8") if isinstance(data, str) else data
        self.done.files[rel] = len(payload)
        if fingerprint is not None:
            self.done.pages[rel] = fingerprint
        if write_atomic(self.root / rel, payload, durable=False):
            self.done.count += 1

    def deployed_bytes(self) -> int:
        """Return the bytes of every file this render wrote or kept that a Pages artifact holds."""
        # upload-pages-artifact (v4 on) leaves out dotfiles, so the manifest and the render marker are not
        # deployed; every other file of site/ went through this writer.
        return sum(size for rel, size in self.done.files.items()
                   if not (rel.startswith(".") or "/." in rel))

    def finish(self, days: dict[str, Any]) -> int:
        """Remove files an earlier render wrote that this one did not; save the manifest; return how many."""
        removed = 0
        files, pages = self.done.files, self.done.pages
        for rel in sorted(self.manifest["files"].keys() - files.keys() - {""}):
            target = (self.root / rel).resolve()
            if self.root.resolve() in target.parents and target.is_file():
                target.unlink()
                removed += 1
        old = self.manifest
        # Comparing is much cheaper than serialising a year's index: a no-op render leaves the manifest be.
        # Only a page's size is ever read back (a fresh page's), and it changes only with its fingerprint: a file
        # written every render (the status page) may change size without the manifest being rewritten.
        if (files.keys() != old["files"].keys() or pages != old["pages"] or days != old["days"]
                or not (self.root / MANIFEST).is_file()):
            write_manifest(self.root, files, pages, days, old)
        if self.interrupted:
            remove_stale_temps(self.root)  # a killed render leaves its temporary files behind
        (self.root / RENDERING).unlink(missing_ok=True)
        return removed
