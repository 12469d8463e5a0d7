""""For you"'s vectors: each full day's stored vectors (content/vectors/, digest/vectors.py) as one small file,
YYYY-MM-DD/vectors.bin, that static/js/foryou.js fetches only when a reader turns "For you" on or stars a card.

The file is the day's cards' vectors in their numbered order, DIMS signed bytes each and nothing else (a card's
number is its row), zero bytes for a paper with no stored vector (close to nothing). A compact day has no cards to
rank, so no file: the site carries DIMS bytes per paper of the full window (site.full_days), not of the archive.
What the browser needs to read it (the file's name, its row size, the cosine above which a card is "close to" a
star) the build hands to the page in the cards' section (FORYOU, day.html): the script decides none of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import numpy as np

from ..vectors import DIMS, MODEL, VectorStore
from .index import DayInfo
from .plan import SitePlan
from .writer import SiteWriter

VECTORS_FILE = "vectors.bin"
# A card is "close to" a star from this cosine of their stored vectors on: 2.9 % of the demo's pairs of papers of
# different home topics reach it, every pair within a planted field does (tests/test_foryou.py prints both), so a
# reason is rarely shown by chance.
CLOSE = 0.25
FORYOU = {"file": VECTORS_FILE, "dims": DIMS, "close": CLOSE}   # what day.html hands static/js/foryou.js


def day_vectors(ids: tuple[str, ...], stored: Mapping[str, np.ndarray]) -> bytes:
    """The day's vectors file: each card's stored vector in the day's order, zeros where there is none."""
    rows = np.zeros((len(ids), DIMS), dtype=np.int8)
    for row, pid in enumerate(ids):
        vec = stored.get(pid)
        if vec is not None:
            rows[row] = vec
    return rows.tobytes()


class DayVectors:
    """Writes the full days' vectors files from the vector store (None: a render from memory, zeros)."""

    def __init__(self, store: VectorStore | None, writer: SiteWriter, plan: SitePlan):
        self.store, self.writer, self.plan = store, writer, plan

    def stored(self, day: date) -> dict[str, np.ndarray]:
        """The day's stored vectors of the current vectoriser, by paper id."""
        if self.store is None:
            return {}
        return {pid: vec for (pid, _, model), vec in self.store.read_vectors(day).items() if model == MODEL}

    def stamp(self, day: date) -> int | None:
        """The stored vectors file's size: it grows when vectors are added to a day, which re-writes the site's."""
        try:
            return self.store.vectors_path(day).stat().st_size if self.store else None
        except OSError:
            return None

    def target_of(self, info: DayInfo) -> str:
        return f"{info.day.isoformat()}/{VECTORS_FILE}"

    def write(self) -> None:
        """Write each full day's file whose day or stored vectors changed (a compact day's is removed with it)."""
        for info in self.plan.index.days:
            if self.plan.layout(info).compact:
                continue
            target = self.plan.target(self.target_of(info), info.key, MODEL, self.stamp(info.day))
            if not target.fresh:
                self.writer.write(target.rel, day_vectors(info.ids, self.stored(info.day)), target.fingerprint)
