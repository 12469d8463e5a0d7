"""The owner's radar: which followed authors and keywords a paper matches (pure, no I/O)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from .config import Radar
from .papers import Paper


def fold(text: str) -> str:
    """Lower-case, accent-free, single-spaced text: 'Jörg  Müller' and 'jorg muller' compare equal."""
    if not text.isascii():  # the slow path only for text with accents or other scripts
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.casefold().split())


@lru_cache(maxsize=256)
def _keyword_pattern(keyword: str) -> re.Pattern[str]:
    # Whole words only, so the keyword "RNA" does not mark "internal"; a plural 's' still matches.
    return re.compile(r"(?<!\w)" + re.escape(fold(keyword)).replace(r"\ ", r"[\s\-]+") + r"s?(?!\w)")


@lru_cache(maxsize=256)
def _first_word(keyword: str) -> str:
    return fold(keyword).split(" ")[0] if fold(keyword) else ""


def radar_hits(paper: Paper, radar: Radar) -> tuple[str, ...]:
    """Return the radar's authors and keywords this paper matches, in the radar's order."""
    if not radar.authors and not radar.keywords:
        return ()
    authors = {fold(a) for a in paper.authors}
    hits = [a for a in radar.authors if fold(a) in authors]
    text = fold(f"{paper.title} {paper.abstract}")
    # The substring test first: the whole-word pattern is much slower and almost never matches.
    hits.extend(k for k in radar.keywords if _first_word(k) in text and _keyword_pattern(k).search(text))
    return tuple(hits)
