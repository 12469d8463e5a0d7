"""The owner's radar: which followed authors and keywords a paper matches (pure, no I/O)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from .config import Radar
from .papers import Paper


class _CombiningMarks(dict):
    """A str.translate table that deletes combining marks, filled in as characters are first met."""

    def __missing__(self, code: int) -> int | None:
        # Asking unicodedata once per distinct character, not once per character of every text.
        kept = None if unicodedata.combining(chr(code)) else code
        self[code] = kept
        return kept


_STRIP_MARKS = _CombiningMarks()
# No character below U+0300 is a combining mark (tests/test_radar.py checks), so only runs of the
# others need the table: most of an abstract with one accent is never looked at character by character.
_MAYBE_MARKS = re.compile("[^\x00-\u02ff]+")


def _strip_marks(match: re.Match[str]) -> str:
    return match.group().translate(_STRIP_MARKS)


def fold(text: str) -> str:
    """Lower-case, accent-free, single-spaced text: 'Jörg  Müller' and 'jorg muller' compare equal."""
    if not text.isascii():  # the slow path only for text with accents or other scripts
        text = _MAYBE_MARKS.sub(_strip_marks, unicodedata.normalize("NFKD", text))
    return " ".join(text.casefold().split())


@lru_cache(maxsize=256)
def _keyword_pattern(keyword: str) -> re.Pattern[str]:
    # Whole words only, so the keyword "RNA" does not mark "internal"; a plural 's' still matches.
    return re.compile(r"(?<!\w)" + re.escape(fold(keyword)).replace(r"\ ", r"[\s\-]+") + r"s?(?!\w)")


@lru_cache(maxsize=256)
def _first_word(keyword: str) -> str:
    return fold(keyword).split(" ")[0] if fold(keyword) else ""


@dataclass(frozen=True)
class _Follows:
    """A radar folded once: its authors beside their folds, its keywords beside first word and pattern."""

    authors: tuple[tuple[str, str], ...]
    folds: tuple[str, ...]                                  # the distinct author folds
    keywords: tuple[tuple[str, str, re.Pattern[str]], ...]


def _prepare(radar: Radar) -> _Follows:
    authors = tuple((a, fold(a)) for a in radar.authors)
    return _Follows(authors, tuple(dict.fromkeys(f for _, f in authors)),
                    tuple((k, _first_word(k), _keyword_pattern(k)) for k in radar.keywords))


_prepared = lru_cache(maxsize=16)(_prepare)


def radar_hits(paper: Paper, radar: Radar) -> tuple[str, ...]:
    """Return the radar's authors and keywords this paper matches, in the radar's order."""
    if not radar.authors and not radar.keywords:
        return ()
    try:
        follows = _prepared(radar)
    except TypeError:  # a Radar built with lists is unhashable: fold it for this paper only
        follows = _prepare(radar)
    hits: list[str] = []
    if follows.authors:
        # Folding is per character and keeps NUL, so the fold of the NUL-joined names holds every name's
        # fold: a radar author absent from it matches no name (almost every paper), and the names are
        # folded one by one only otherwise.
        names = fold("\0".join(paper.authors))
        if any(f in names for f in follows.folds):
            folded = {fold(a) for a in paper.authors}
            hits = [a for a, f in follows.authors if f in folded]
    if follows.keywords:
        text = f"{paper.title} {paper.abstract}"
        if text.isascii():
            # For ASCII, folding only lower-cases and collapses whitespace, which no first word holds: a
            # first word is in the folded text exactly when it is in the lower-cased one.
            lowered = text.lower()
            maybe = [k for k in follows.keywords if k[1] in lowered]
            text = " ".join(lowered.split()) if maybe else ""
        else:
            text = fold(text)
            maybe = [k for k in follows.keywords if k[1] in text]
        # The substring test first: the whole-word pattern is much slower and almost never matches.
        hits.extend(k for k, _, pattern in maybe if pattern.search(text))
    return tuple(hits)
