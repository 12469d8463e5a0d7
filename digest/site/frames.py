"""A full day's first page kept in two halves around its "Updated versions" list, for the render after next.

Those rows link to the cards of earlier full days (plan.SitePlan.update_links), and a linked day leaving the full
window moves its cards: every new day turned the links of some twenty first pages, and each of them was rendered
again from its whole day file (read, cards and briefing built) for a few rows. A first page is kept here with the
fingerprint of everything else it is made from (plan.SitePlan.day_frame) and the rows it lists; while that
fingerprint holds, only the rows are rendered again (templates/_updates.html) between the two halves.

The render's cache, like the manifest: site/.academichub-frames/ (a dot folder: not deployed), one file per full day;
a day that turns compact (whose first page lists no updates) or leaves the archive loses its file.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..files import write_atomic
from ..errors import RecordError
from ..papers import Update
from .writer import compact_json

FRAMES = ".academichub-frames"


@dataclass(frozen=True)
class Frame:
    key: str                       # plan.SitePlan.day_frame: what the page is made from, its rows' links aside
    before: str                    # the page's HTML up to its "Updated versions" section
    after: str                     # and from the end of that section on
    updates: tuple[Update, ...]    # the rows the page lists (layout.updates_shown)
    more: int                      # the new versions the day announced beyond them


class Frames:
    def __init__(self, root: Path):
        self.folder = root / FRAMES

    def path(self, iso: str) -> Path:
        return self.folder / f"{iso}.json"

    def read(self, iso: str, key: str) -> Frame | None:
        """The day's frame if it was kept for this fingerprint; None otherwise (or if it is unreadable)."""
        try:
            data = json.loads(self.path(iso).read_bytes())
            if data["key"] != key:
                return None
            return Frame(key, data["before"], data["after"], tuple(Update.from_json(u) for u in data["updates"]),
                         int(data["more"]))
        except (OSError, ValueError, KeyError, TypeError, RecordError):   # a cache: rendered whole instead
            return None

    def keep(self, iso: str, key: str, html: str, section: str, updates: Sequence[Update], more: int) -> None:
        """Keep a first page just rendered, split around its "Updated versions" section (rendered alone as
        `section`, the same text the page holds)."""
        at = html.rfind(section) if section else -1
        if at < 0:
            return
        data = {"key": key, "before": html[:at], "after": html[at + len(section):],
                "updates": [u.to_json() for u in updates], "more": more}
        self.folder.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path(iso), compact_json(data).encode("utf-8", "surrogatepass"), durable=False)

    def prune(self, full: Iterable[str]) -> None:
        """Remove the frames of the days (ISO dates) that are not full days any more."""
        if not self.folder.is_dir():
            return
        keep = {f"{iso}.json" for iso in full}
        for path in self.folder.iterdir():
            if path.name not in keep:
                path.unlink(missing_ok=True)
