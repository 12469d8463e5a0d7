""""For you"'s vectors: each full day's stored vectors (content/vectors/, digest/vectors.py) as one small file,
YYYY-MM-DD/vectors.bin, that static/js/foryou.js fetches only when a reader turns "For you" on or stars a card.

The file is DIMS bytes a row: row 0 names the vectoriser that made the day's vectors (its first byte the number of
its kind in KINDS, how its rows are compared: "signed", the cosine of DIMS signed bytes, or "terms", the cosine of
the weighted terms a row lists (digest/vectoriser.py); then a hash of its name: a star keeps the row, and is compared
only with vectors of the same vectoriser, since an embeddings model's and the local vectoriser's are not
comparable), then the day's cards' vectors in their numbered order (card n is row n), zero bytes for a paper with
no vector of that vectoriser (close to nothing). The vectoriser is the one that made most of
the day's stored vectors: after a change of llm.embeddings_model a day holds one kind until `vectors --redo`. A compact day has no cards to
rank, so no file: the site carries DIMS bytes per paper of the full window (site.full_days), not of the archive.
What the browser needs to read it (the file's name, its row size, each kind's cosine from which a card is "close
to" a star) the build hands to the page in the cards' section (FORYOU, day.html), and the kind is in the file:
the script decides none of it.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Mapping
from datetime import date

import numpy as np

from ..files import file_key
from ..vectoriser import DIMS, KINDS, MODEL, kind_of
from ..vectors import VectorStore
from .index import DayInfo
from .plan import SitePlan
from .writer import SiteWriter

VECTORS_FILE = "vectors.bin"
FORMAT = "kind and vectoriser row, then cards/3"   # the file's layout, in its fingerprint: a new one rewrites all
# A card is "close to" a star from this cosine of their stored vectors on, by kind (KINDS' order): few of the
# demo's pairs of papers of different home topics reach it (signed: 2.9 %, terms: 1.6 %), every pair within a
# planted field does (tests/test_foryou.py prints both), so a reason is rarely shown by chance.
CLOSE = {"signed": 0.25, "terms": 0.1}
# What day.html hands static/js/foryou.js ("close": each kind's name and threshold, by kind number, as JSON).
FORYOU = {"file": VECTORS_FILE, "dims": DIMS, "close": json.dumps([[kind, CLOSE[kind]] for kind in KINDS])}


def vectoriser_row(name: str) -> bytes:
    """Row 0 of a vectors file: the number of the vectoriser's kind, then DIMS - 1 bytes standing for its name
    (compared, never read back)."""
    return bytes([KINDS.index(kind_of(name))]) + hashlib.blake2b(name.encode("utf-8"), digest_size=DIMS - 1).digest()


def day_vectors(ids: tuple[str, ...], stored: Mapping[str, np.ndarray], vectoriser: str = MODEL) -> bytes:
    """The day's vectors file: the vectoriser's row, then each card's stored vector in the day's order, zeros where
    there is none."""
    rows = np.zeros((len(ids), DIMS), dtype=np.int8)
    for row, pid in enumerate(ids):
        vec = stored.get(pid)
        if vec is not None:
            rows[row] = vec
    return vectoriser_row(vectoriser) + rows.tobytes()


class DayVectors:
    """Writes the full days' vectors files from the vector store (None: a render from memory, zeros)."""

    def __init__(self, store: VectorStore | None, writer: SiteWriter, plan: SitePlan):
        self.store, self.writer, self.plan = store, writer, plan

    def stored(self, day: date) -> tuple[str, dict[str, np.ndarray]]:
        """The vectoriser that made most of the day's stored vectors, and its vectors by paper id."""
        found = self.store.read_vectors(day) if self.store is not None else {}
        made_by = Counter(model for _, _, model in found)
        name = min(made_by, key=lambda m: (-made_by[m], m)) if made_by else MODEL
        return name, {pid: vec for (pid, _, model), vec in found.items() if model == name}

    def stamp(self, day: date) -> str | None:
        """A hash of the stored vectors file: it changes when vectors are added to a day or made again (a new model's
        vectors may keep the file's size), which re-writes the site's."""
        return file_key(self.store.vectors_path(day)) if self.store else None

    def target_of(self, info: DayInfo) -> str:
        return f"{info.day.isoformat()}/{VECTORS_FILE}"

    def write(self) -> None:
        """Write each full day's file whose day or stored vectors changed (a compact day's is removed with it)."""
        for info in self.plan.index.days:
            if self.plan.layout(info).compact:
                continue
            target = self.plan.target(self.target_of(info), info.key, FORMAT, self.stamp(info.day))
            if not target.fresh:
                name, stored = self.stored(info.day)
                self.writer.write(target.rel, day_vectors(info.ids, stored, name), target.fingerprint)
