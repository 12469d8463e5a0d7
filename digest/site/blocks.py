"""A page's per-day pieces kept across renders, each under the fingerprint of what it is made from.

A topic page lists its topic's latest days (plan.RECENT_DAYS) and is rendered again on every new day, though only the
new day's entries are new: each listed day's entries were rebuilt from its whole day file (read and parsed: a
weekday's holds ~1,200 papers). The page keeps each day's piece here under a key of the day's content and layout
(plan.SitePlan.topic_block_key); the next render reads the day file only for the pieces whose key changed. A topic
feed (site/feeds.py) keeps its days' Atom entries the same way (plan.SitePlan.feed_block_key): a quiet topic's feed
spans the whole feed window, fourteen day files. A week's page (site/weeks.py) keeps what it takes from each of its days
(plan.SitePlan.week_block_key), while the week is in the full window.

The render's cache, like the manifest and the frames (site/frames.py): site/.academichub-blocks/ (a dot folder: not
deployed), one file per page, rewritten with the page to hold only the pieces it used: a day leaving the page leaves
the file too. An unreadable file is a cache miss, never an error.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..files import write_atomic
from .writer import compact_json

BLOCKS = ".academichub-blocks"


class Blocks:
    """One page's pieces: those kept by the last render it was written in, and those this render uses."""

    def __init__(self, root: Path, name: str):
        self.path = root / BLOCKS / f"{name}.json"
        self.kept = self._read()
        self.used: dict[str, list[Any]] = {}

    def _read(self) -> dict[str, list[Any]]:
        try:
            data = json.loads(self.path.read_bytes())
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError):   # a cache: the pieces are made again
            return {}

    def get(self, key: str) -> list[Any] | None:
        """The piece kept under key (and mark it used), or None."""
        found = self.kept.get(key)
        if isinstance(found, list):
            self.used[key] = found
            return found
        return None

    def put(self, key: str, piece: list[Any]) -> None:
        self.used[key] = piece

    def save(self) -> None:
        """Keep this render's pieces (only those) for the next one."""
        if self.used == self.kept:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path, compact_json(self.used).encode("utf-8", "surrogatepass"), durable=False)

    def remove(self) -> None:
        """Keep none of the page's pieces (a page whose days change no more)."""
        self.path.unlink(missing_ok=True)
