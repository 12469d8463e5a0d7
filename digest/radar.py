"""The owner's radar: which followed authors and keywords a paper matches (pure, no I/O)."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
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


def fold_char(ch: str) -> str:
    """One character's fold before whitespace is collapsed: fold(text) is the collapsed concatenation of these."""
    kept = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)).casefold()
    return "".join(" " if c.isspace() else c for c in kept)


def fold(text: str) -> str:
    """Lower-case, accent-free, single-spaced text: 'Jörg  Müller' and 'jorg muller' compare equal."""
    if not text.isascii():  # the slow path only for text with accents or other scripts
        text = _MAYBE_MARKS.sub(_strip_marks, unicodedata.normalize("NFKD", text))
    return " ".join(text.casefold().split())


@lru_cache(maxsize=8192)
def keys(names: tuple[str, ...]) -> str:
    """The folded names as the pages carry them (data-keys, search rows): "|"-joined, as data-authors.

    Cached: a paper's card, its entries on topic pages and its search row all carry the same keys."""
    return "|".join(fold(n) for n in names)


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


# One rule, one place: the browser folds what a reader types (a follow, ?author=) and compares it with the keys
# above, so it must fold exactly as fold() does. It cannot run Python, and no JS primitive is casefold() or
# unicodedata.combining(); so the browser runs a generic pipeline per character (NFKD, drop \p{M}, toLowerCase)
# and this module hands it, as data, every place where that pipeline and fold_char disagree: the marks fold_char
# keeps (category M but combining class 0, mostly Indic vowel signs) and a map for the rest (ß -> ss, ς -> σ,
# Cherokee, Python's extra whitespace). The build writes it as static/js/fold-data.js with the Python it
# folded the keys with; tests/test_browser_radar.py checks in Chromium that the two agree on every code point.
def _js_pipeline(ch: str, keep: frozenset[str]) -> str:
    """What static/js/fold.js does to a character absent from the map, as Python's unicodedata sees it."""
    return "".join(c for c in unicodedata.normalize("NFKD", ch)
                   if not unicodedata.category(c).startswith("M") or c in keep).lower()


def _assigned() -> Iterator[int]:
    """Every code point but those of planes 4 to 13, which Unicode leaves unassigned (Cn) and this scan would skip."""
    yield from range(0x40000)
    yield from range(0xE0000, 0x110000)


@lru_cache(maxsize=1)
def fold_data() -> tuple[tuple[tuple[int, int], ...], dict[str, str]]:
    """Return the ranges of marks fold keeps and the characters the browser's pipeline would fold otherwise."""
    ranges: list[list[int]] = []
    for code in _assigned():
        ch = chr(code)
        if unicodedata.category(ch).startswith("M") and not unicodedata.combining(ch):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1][1] = code
            else:
                ranges.append([code, code])
    keep = frozenset(chr(c) for a, b in ranges for c in range(a, b + 1))
    table = {}
    for code in _assigned():
        ch = chr(code)
        # Only a character that decomposes, is a mark, is a space or changes case can fold differently: the
        # cheap tests first (a build pays this once).
        if (unicodedata.decomposition(ch) or ch.lower() != ch.casefold() or ch.isspace() or ch in keep
                or unicodedata.category(ch).startswith("M")) and unicodedata.category(ch) not in ("Cn", "Cs") \
                and fold_char(ch) != _js_pipeline(ch, keep):
            table[ch] = fold_char(ch)
    return tuple((a, b) for a, b in ranges), table


def fold_data_js() -> str:
    """static/js/fold-data.js: fold_data() as an ES module (see the comment above fold_data)."""
    ranges, table = fold_data()
    marks = "".join(f"\\u{{{a:x}}}" if a == b else f"\\u{{{a:x}}}-\\u{{{b:x}}}" for a, b in ranges)
    entries = ",".join(f"[{json.dumps(k)},{json.dumps(v)}]" for k, v in table.items())
    return ("// Generated by digest/radar.py fold_data_js() from Python's unicodedata "
            f"{unicodedata.unidata_version}: do not edit.\n"
            f'export const KEPT_MARKS = new RegExp("[{marks}]", "u");\n'
            f"export const FOLDS = new Map([{entries}]);\n")
