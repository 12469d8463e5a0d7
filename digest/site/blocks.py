"""A page's per-day pieces kept across renders, each under the fingerprint of what it is made from.

A topic page lists its topic's latest days (plan.RECENT_DAYS) and is rendered again on every new day, though only the
new day's entries are new: each listed day's entries were rebuilt from its whole day file (read and parsed: a
weekday's holds ~1,200 papers). The page keeps each day's piece here under a key of the day's content and layout
(plan.SitePlan.topic_block_key); the next render reads the day file only for the pieces whose key changed. A topic
feed (site/feeds.py) keeps its days' Atom entries the same way (plan.SitePlan.feed_block_key): a quiet topic's feed
spans the whole feed window, fourteen day files. A week's page (site/weeks.py) keeps what it takes from each of its days
(plan.SitePlan.week_block_key), while the week is in the full window.

The render's cache, like the manifest and the frames (site/frames.py): site/.academichub-blocks/ (a dot folder: not
deployed), one folder per page and one file per piece in it, named by its key (SUFFIX): a render writes only the
pieces it made (a busy topic's fourteen days of Atom entries are ~1.5 MB, rewritten whole on every new day while one
file held them all) and removes those it did not use, so a day leaving the page leaves the folder too. An unreadable
piece is a cache miss, never an error. The radar's page and feed keep their days' entries the same way (site/pages.py
SitePages.radar), and the weeks' feed each week's entry (site/weeks.py).

A piece is a JSON list, and may carry a body: bytes of the output as they go into the page or feed (a day's topic
page entries, a day's Atom entries), kept raw after the list's line rather than as a JSON string, so that a render
neither decodes nor re-encodes a megabyte of escaped HTML to copy it into a file. A feed's body was gated
(clean.xml_text) when it was made, and its key holds the code's version and the day's content: it is put into the feed
as it is (site/feeds.py).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from ..files import write_atomic
from .writer import json_line, read_json_line

BLOCKS = ".academichub-blocks"
SUFFIX = ".piece"   # writer.json_line: the piece, then its body (before, a .json file, removed as unused)


class Blocks:
    """One page's pieces: those this render uses, read from the last renders' where their keys hold."""

    def __init__(self, root: Path, name: str):
        self.folder = root / BLOCKS / name
        self.used: dict[str, list[Any]] = {}
        self.bodies: dict[str, bytes] = {}
        self.made: set[str] = set()

    def get(self, key: str) -> list[Any] | None:
        """The piece kept under key (and mark it used), or None; its body is body(key)."""
        try:
            data = (self.folder / f"{key}{SUFFIX}").read_bytes()
            found, at = read_json_line(data)
        except (OSError, ValueError):   # a cache: the piece is made again
            return None
        if not isinstance(found, list):
            return None
        self.used[key] = found
        self.bodies[key] = data[at:]
        return found

    def body(self, key: str) -> bytes:
        """The body of the piece under key that this render got or put (b"": none)."""
        return self.bodies.get(key, b"")

    def has(self, key: str) -> bool:
        """Whether a piece is kept under key (whether get(key) will find it, unless its file is unreadable)."""
        return (self.folder / f"{key}{SUFFIX}").is_file()

    def put(self, key: str, piece: list[Any], body: bytes = b"") -> None:
        if self.used.get(key) != piece or self.bodies.get(key, b"") != body:
            self.made.add(key)
        self.used[key] = piece
        self.bodies[key] = body

    def save(self) -> None:
        """Keep the pieces this render made, and remove those it did not use."""
        if self.made:
            self.folder.mkdir(parents=True, exist_ok=True)
        for key in sorted(self.made):
            write_atomic(self.folder / f"{key}{SUFFIX}", json_line(self.used[key], [self.bodies.get(key, b"")]),
                         durable=False)
        if self.folder.is_dir():
            for path in self.folder.iterdir():
                if path.suffix in (SUFFIX, ".json") and path.stem not in self.used:
                    path.unlink(missing_ok=True)

    def remove(self) -> None:
        """Keep none of the page's pieces (a page whose days change no more)."""
        shutil.rmtree(self.folder, ignore_errors=True)
