"""The demo's expected papers, as written down in tests/expected_papers.txt, and the same view of a built archive.

The end-to-end tests compare the two: a paper that parsing drops cannot vanish from both sides at once.
"""

from __future__ import annotations

from pathlib import Path

from digest.archive import Archive

SPEC = Path(__file__).resolve().parent / "expected_papers.txt"

Cards = dict[tuple[str, str], dict[str, str]]   # (digest day, source id) -> {paper id: title}


def expected_papers() -> Cards:
    """Return the cards tests/expected_papers.txt lists, by digest day and source."""
    cards: Cards = {}
    for n, line in enumerate(SPEC.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("#") or not line.strip():
            continue
        day, source, paper_id, title = line.split("\t")
        assert paper_id not in cards.setdefault((day, source), {}), f"{SPEC.name}:{n}: {paper_id} twice"
        cards[(day, source)][paper_id] = title
    return cards


def archived_papers(content: Path, sources: set[str] | None = None) -> Cards:
    """Return the cards of a built content/ (of the given sources only, if any), by digest day and source."""
    cards: Cards = {}
    for day in Archive(content).read_days():
        for paper in day.papers:
            for source in paper.sources:
                if sources is None or source in sources:
                    cards.setdefault((day.day.isoformat(), source), {})[paper.id] = paper.title
    return cards
