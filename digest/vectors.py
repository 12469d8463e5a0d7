"""Each paper's stored vector and each new day's related papers across fields: content/vectors/ and content/related/.

A vector is made once, by the local vectoriser (digest/vectoriser.py: MODEL) or an embeddings model
(digest/embeddings.py, reduced to DIMS signed bytes), and each record names the one that made it. A vector of an
earlier local vectoriser (EARLIER_LOCAL) is made again by the current one, within the days given: a pure function
of the text, so cheap, and no --redo is needed; any other stored vector is kept whatever made it, until --redo.

Related papers are found once, when a day is new, by the hashed rows of words and word pairs (vectoriser.hashed)
for the local vectoriser's papers and by the stored vectors less their mean for a model's: each of its papers
against the day itself and the window of days before it, among papers sharing no topic and whose vector the same
vectoriser made, nearest by cosine above RELATED_MIN. Older days keep theirs.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .archive import Archive, Day
from .clean import clip
from .files import write_atomic
from .papers import Paper
from .vectoriser import DIMS, FIRST_MODEL, MODEL, hashed, unit_rows, vector

EARLIER_LOCAL = frozenset({FIRST_MODEL})   # earlier local vectorisers: their vectors are made again by MODEL
WINDOW_DAYS = 14             # a new day's papers are compared with the days this far back
RELATED_SHOWN = 3
RELATED_MIN = 0.15           # cosine of hashed features below which a neighbour is not related (bench/vectors.py)
RELATED_TITLE = 120          # characters of a related paper's title kept for its link
SCHEMA = 1
CHUNK = 256                  # papers whose cosines are held at once
FIRST_LOOK = 64             # nearest neighbours looked at before all are


def local_vectors(papers: Sequence[Paper]) -> list[np.ndarray]:
    """The papers' vectors by the local vectoriser."""
    return [vector(p) for p in papers]


def encode(vec: np.ndarray) -> str:
    return base64.b64encode(vec.astype(np.int8).tobytes()).decode("ascii")


def decode(text: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype=np.int8)


@dataclass(frozen=True)
class Related:
    """A paper related across fields: where its card is (id and day) and its title for the link."""

    id: str
    day: date
    title: str


class VectorStore:
    """content/vectors/YYYY-MM-DD.json (one line per paper: id, version, model, base64 bytes) and
    content/related/YYYY-MM-DD.json (each paper's related papers, found when its day was new)."""

    def __init__(self, archive: Archive):
        self.vectors_dir = archive.root / "vectors"
        self.related_dir = archive.root / "related"

    def vectors_path(self, day: date) -> Path:
        return self.vectors_dir / f"{day.isoformat()}.json"

    def related_path(self, day: date) -> Path:
        return self.related_dir / f"{day.isoformat()}.json"

    def read_vectors(self, day: date) -> dict[tuple[str, int | None, str], np.ndarray]:
        data = _read(self.vectors_path(day))
        rows = data.get("vectors") if data else None
        found = {}
        for row in rows if isinstance(rows, list) else ():
            if isinstance(row, list) and len(row) == 4 and isinstance(row[0], str) and isinstance(row[3], str):
                vec = decode(row[3])
                if vec.size == DIMS:
                    found[(row[0], row[1], row[2])] = vec
        return found

    def write_vectors(self, day: date, rows: Iterable[tuple[str, int | None, str, np.ndarray]]) -> bool:
        # One line per paper: a day's file diffs by paper, and grows only when the day does.
        lines = ",\n".join(json.dumps([pid, version, model, encode(vec)], ensure_ascii=False)
                           for pid, version, model, vec in rows)
        head = json.dumps({"schema": SCHEMA, "day": day.isoformat()})[:-1]
        return write_atomic(self.vectors_path(day), f'{head}, "vectors": [\n{lines}\n]}}\n'.encode("utf-8"))

    def read_related(self, day: date) -> tuple[str, dict[str, tuple[Related, ...]]]:
        """Return (the fingerprint of the papers it was found for, each paper's related papers)."""
        data = _read(self.related_path(day))
        if not data or not isinstance(data.get("related"), dict):
            return "", {}
        found = {}
        for pid, items in data["related"].items():
            try:
                found[pid] = tuple(Related(str(i), date.fromisoformat(d), str(t)) for i, d, t in items)
            except (TypeError, ValueError):
                continue
        return str(data.get("papers", "")), found

    def write_related(self, day: date, papers: str, related: dict[str, list[Related]]) -> bool:
        lines = ",\n".join(f"{json.dumps(pid, ensure_ascii=False)}: "
                           f"{json.dumps([[r.id, r.day.isoformat(), r.title] for r in items], ensure_ascii=False)}"
                           for pid, items in related.items())
        head = json.dumps({"schema": SCHEMA, "day": day.isoformat(), "model": MODEL, "papers": papers})[:-1]
        return write_atomic(self.related_path(day), f'{head}, "related": {{\n{lines}\n}}}}\n'.encode("utf-8"))


def _read(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        print(f"vectors: {path}: unreadable ({exc}); it is computed again")
        return None
    return data if isinstance(data, dict) else None


def fingerprint(papers: Sequence[Paper], made_by: Sequence[str] | None = None) -> str:
    """The key of a day's related papers: its papers, and the vectoriser of each (made_by, in the same order;
    None: all FIRST_MODEL's, named by their ids alone, as the first related files were)."""
    names = made_by or [FIRST_MODEL] * len(papers)
    keys = (p.id if name == FIRST_MODEL else f"{p.id} {name}" for p, name in zip(papers, names))
    return hashlib.blake2b("\n".join(keys).encode("utf-8"), digest_size=8).hexdigest()


class Vectoriser(Protocol):
    """What makes vectors for papers that have none (digest/embeddings.py's Embedder; the local one otherwise)."""

    @property
    def name(self) -> str: ...

    def __call__(self, papers: Sequence[Paper]) -> list[np.ndarray]:
        """The papers' stored vectors in order: all, or the first ones when the rest could not be made now."""
        ...


Held = list[tuple[str, np.ndarray] | None]   # each of a day's papers' (vectoriser, stored vector), None if none


def day_vectors(store: VectorStore, day: Day, name: str, make: Callable[[Sequence[Paper]], list[np.ndarray]],
                redo: bool = False) -> tuple[Held, bool]:
    """Each of the day's papers' vector, made by `make` (as vectoriser `name`) for those with none stored and with
    `redo` for those another vectoriser made; a stored vector of the same id and version is kept whatever made it,
    but one of an earlier local vectoriser (EARLIER_LOCAL) is made again by the local one (MODEL).
    Return them and whether any was made (and the day's file written)."""
    stored: dict[tuple[str, int | None], tuple[str, np.ndarray]] = {}
    for (pid, version, model), vec in store.read_vectors(day.day).items():
        if (pid, version) not in stored or model == name:
            stored[(pid, version)] = (model, vec)
    held: Held = [stored.get((p.id, p.version)) for p in day.papers]
    wanted = [i for i, h in enumerate(held) if h is None or (redo and h[0] != name)]
    made = make([day.papers[i] for i in wanted]) if wanted else []
    for i, vec in zip(wanted, made):
        held[i] = (name, vec)
    stale = [i for i, h in enumerate(held) if h is not None and h[0] in EARLIER_LOCAL]
    for i in stale:
        held[i] = (MODEL, vector(day.papers[i]))
    if made or stale:
        store.write_vectors(day.day, ((p.id, p.version, h[0], h[1]) for p, h in zip(day.papers, held) if h))
    return held, bool(made or stale)


def remake_earlier(archive: Archive, store: VectorStore, dates: Sequence[date]) -> int:
    """Make MODEL's vectors again for those of an earlier local vectoriser on the given days (no other is made);
    return the days changed. Only a day whose stored vectors name one is read."""
    changed = 0
    for on in dates:
        if any(model in EARLIER_LOCAL for _, _, model in store.read_vectors(on)) and (day := archive.read_day(on)):
            changed += day_vectors(store, day, MODEL, lambda papers: [])[1]
    return changed


def nearest_across(papers: Sequence[Paper], rows: np.ndarray, pool: Sequence[Paper], pool_rows: np.ndarray,
                   shown: int = RELATED_SHOWN, least: float = RELATED_MIN) -> dict[str, list[Related]]:
    """Each paper's nearest papers of the pool that share none of its topics, best first, above `least`."""
    related: dict[str, list[Related]] = {}
    pool32 = pool_rows.astype(np.float32).T
    for first in range(0, len(papers), CHUNK):   # a chunk's cosines at a time: a weekday against its window
        cosines = rows[first:first + CHUNK].astype(np.float32) @ pool32
        for i, paper in enumerate(papers[first:first + CHUNK]):
            found = _nearest(paper, cosines[i], pool, shown, least)
            if found:
                related[paper.id] = found
    return related


def _nearest(paper: Paper, cosines: np.ndarray, pool: Sequence[Paper], shown: int, least: float) -> list[Related]:
    topics = set(paper.topics)
    found: list[Related] = []
    # The best few first (most neighbours share a topic, so a few dozen are looked at), all only if need be.
    near = min(len(cosines) - 1, FIRST_LOOK)
    for order in (np.argpartition(-cosines, near)[:near + 1], np.arange(len(cosines))):
        found = []
        for j in sorted(order.tolist(), key=lambda j: (-float(cosines[j]), j)):
            if cosines[j] < least or len(found) == shown:
                return found
            other = pool[j]
            if other.id != paper.id and not topics.intersection(other.topics):
                found.append(Related(other.id, other.day, clip(other.title, RELATED_TITLE)))
        if len(found) == shown or len(order) == len(cosines):
            return found
    return found


def latest(dates: Sequence[date], days: int) -> list[date]:
    """The archive's dates within `days` calendar days of its newest (dates sorted, oldest first)."""
    return [on for on in dates[-days:] if on > dates[-1] - timedelta(days=days)] if days > 0 else []


def vectors_stage(archive: Archive, window: int = WINDOW_DAYS, make: Vectoriser | None = None,
                  redo: bool = False, remake: int = 0) -> tuple[int, int]:
    """Store the vectors of the latest `window` days (by `make`, else the local vectoriser; with `redo` again for
    those another vectoriser made) and the related papers of each of those days not yet done; vectors of an
    earlier local vectoriser are made again by the local one over the latest `remake` days too (site.full_days:
    those whose vectors the browser reads).

    Return (days whose related papers were found, their papers). Cost grows with the window, not the archive."""
    store = VectorStore(archive)
    dates = archive.day_dates()
    if not dates:
        return 0, 0
    recent = latest(dates, window)
    remake_earlier(archive, store, [on for on in latest(dates, remake) if on not in recent] if remake > window else [])
    days = [d for d in map(archive.read_day, recent) if d is not None and d.papers]
    rows: dict[tuple[date, str], np.ndarray] = {}   # hashed rows, made once (a pure function of the text)
    made = {d.day: day_vectors(store, d, make.name if make else MODEL, make or local_vectors, redo) for d in days}
    held = {on: vectors for on, (vectors, _) in made.items()}
    # A day is done again when its papers or their vectorisers change, and every day once --redo changed any
    # (their windows changed too); not while one of its papers lacks a vector.
    again = redo and any(changed for _, changed in made.values())
    todo = [d for d in days if all(held[d.day]) and (again or store.read_related(d.day)[0] != fingerprint(
        d.papers, [h[0] for h in held[d.day] if h]))]
    pool = [(p, h[0], h[1]) for d in days for p, h in zip(d.papers, held[d.day]) if h]
    for day in todo:
        # The window before the day, and the day itself: never a later day, so a day found once stays so.
        near = [(p, name, vec) for p, name, vec in pool if day.day - timedelta(days=window) < p.day <= day.day]
        related: dict[str, list[Related]] = {}
        for name in sorted({name for _, name, _ in near}):   # a vector is compared with its vectoriser's only
            group = [(p, row_of(rows, p) if name == MODEL else vec) for p, n, vec in near if n == name]
            papers = [p for p, _ in group]
            unit = unit_rows([row for _, row in group] if name == MODEL else centred([row for _, row in group]))
            mine = [i for i, p in enumerate(papers) if p.day == day.day]
            related.update(nearest_across([papers[i] for i in mine], unit[mine], papers, unit))
        store.write_related(day.day, fingerprint(day.papers, [h[0] for h in held[day.day] if h]),
                            {p.id: related[p.id] for p in day.papers if p.id in related})
    return len(todo), sum(len(d.papers) for d in todo)


def centred(vectors: Sequence[np.ndarray]) -> list[np.ndarray]:
    """A model's vectors less their mean: an embedding model puts every text in one narrow cone (any two papers'
    cosine is high), and what is left after the common direction is what RELATED_MIN can tell apart."""
    values = np.array(vectors, dtype=np.float32).reshape(len(vectors), -1)
    return list(values - values.mean(axis=0))


def row_of(rows: dict[tuple[date, str], np.ndarray], paper: Paper) -> np.ndarray:
    """The paper's hashed row, made once per stage."""
    key = (paper.day, paper.id)
    if key not in rows:
        rows[key] = hashed(paper)
    return rows[key]
