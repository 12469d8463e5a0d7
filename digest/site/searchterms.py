"""The index's terms: the rule that cuts text into terms (the browser gets it whole, search/index.json), and one
day's terms, each one's papers already encoded (DayTerms: what a day job hands the search index).

CJK text (written without spaces) is cut into characters, and each character followed by the pair it makes with
its neighbour: term_pattern's third group is that neighbour, so the browser, which cuts a query with the same
pattern, finds the pairs the same way. Which pairs a segment indexes is searchdb's (pair_chars).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from operator import sub
from typing import Any

from ..files import collector_paused
from ..radar import fold

TITLE, TEXT = 0, 1        # the two fields of a posting list: title and authors (ranked first), the rest
AUTHOR_PREFIX = "@"       # the term of an author's whole folded name (radar.keys), for ?author= and follows
MIN_WORD = 2              # shorter words (not CJK) are not indexed: "a" would be in every paper
# Han, kana, Hangul and its jamo (NFKD, which fold applies, turns Hangul syllables into jamo): each of these is a
# term, and a pair of neighbours too where the segment indexes their pairs (a word inside a sentence without spaces).
CJK = "\u1100-\u11ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002fa1f"
# A word character that is not CJK. Python's \w is exactly [\p{L}\p{N}_] (tests/test_searchdb.py checks every
# code point): the browser gets the rule with that class, written here, in search/index.json.
WORD = f"[^\\W{CJK}]"
JS_WORD = f"(?:(?![{CJK}])[\\p{{L}}\\p{{N}}_])"


def term_pattern(word: str) -> str:
    """The term rule, whole: a pattern whose first group, at each of its matches, is a word, a run of MIN_WORD or
    more word characters (not CJK); whose second group is a CJK character, and third its neighbour if a CJK
    character follows it: the two make a pair, a term too (terms). The browser cuts a query with the same pattern
    (search/index.json), so it cannot cut it otherwise than the build cut the papers."""
    cjk = f"[{CJK}]"
    return f"(?=({word}{{{MIN_WORD},}})|({cjk})({cjk})?)(?:{word}+|{cjk})"


TERMS = re.compile(term_pattern(WORD))
# The words of text without CJK, which term_pattern's first group takes (the maximal runs of MIN_WORD or more word
# characters): findall gives them as strings, not as tuples of the three groups (a day's texts, tokenised here).
WORDS = re.compile(f"{WORD}{{{MIN_WORD},}}")
# WORDS in ASCII text, where no character is CJK and WORD is \w: the engine matches \w in half the time.
ASCII_WORDS = re.compile(f"\\w{{{MIN_WORD},}}")
CJK_CHAR = re.compile(f"[{CJK}]")
PAIR = re.compile(f"[{CJK}]{{2}}")
NEIGHBOURS = re.compile(f"(?=({PAIR.pattern}))")   # every pair of neighbours (term_pattern's second and third groups)


def terms(folded: str) -> list[str]:
    """The index terms of folded text, in order: its words and CJK characters, each CJK character followed by the
    pair it makes with its neighbour (static/js/searchindex.js queryTerms cuts a query with the same pattern)."""
    out = []
    for word, char, neighbour in TERMS.findall(folded):
        if word:
            out.append(word)
        else:
            out.append(char)
            if neighbour:
                out.append(char + neighbour)
    return out


def term_set(texts: Iterable[str], neighbours: re.Pattern[str] = NEIGHBOURS) -> set[str]:
    """The distinct terms of folded texts, each cut alone (its CJK pairs: those neighbours finds, pairs_of)."""
    found: set[str] = set()
    for folded in texts:
        if folded.isascii():   # most texts (a weekday's abstracts are ~1.5 MB): no CJK, and a simpler class
            found.update(ASCII_WORDS.findall(folded))
            continue
        found.update(WORDS.findall(folded))
        # Only a text with CJK is searched for its characters and pairs, a pass each.
        if CJK_CHAR.search(folded) is not None:
            found.update(CJK_CHAR.findall(folded))
            found.update(neighbours.findall(folded))
    return found


@lru_cache(maxsize=64)
def pairs_of(chars: str | None) -> re.Pattern[str]:
    """The pattern of the CJK pairs a day's terms hold: every pair (chars None), or only the pairs of two of these
    characters, when they are known to be the only ones its segment keeps (searchdb.pair_chars): a weekday's
    Chinese summaries hold ~50,000 pairs, of which a segment keeps ~2,000."""
    if chars is None:
        return NEIGHBOURS
    return re.compile(f"(?=([{re.escape(chars)}]{{2}}))") if chars else re.compile("(?!)")   # "": no pair at all


def is_pair(term: str) -> bool:
    """Return True if the term is a pair of CJK characters (a word holds none)."""
    return PAIR.fullmatch(term) is not None


def varints(numbers: Iterable[int]) -> bytes:
    out = bytearray()
    for n in numbers:
        while n >= 0x80:
            out.append((n & 0x7F) | 0x80)
            n >>= 7
        out.append(n)
    return bytes(out)


SHORT_VARINTS = [varints((n,)) for n in range(1 << 14)]   # one or two bytes: most counts, lengths and distances


def varint(n: int) -> bytes:
    """varints((n,)): from a table below 2**14 (appending a day writes one for each of a month's ~230,000 lists)."""
    return SHORT_VARINTS[n] if n < 1 << 14 else varints((n,))


def read_varint(data: bytes, pos: int) -> tuple[int, int]:
    """The varint at pos, and the position after it."""
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7


@dataclass(frozen=True)
class DayTerms:
    """One day's part of the index: its papers' result rows, and each term's papers already encoded.

    A key is the field's digit and the term ("0attention": in a title or author name); its value is [count,
    newest, oldest, gaps]: the papers' numbers on the day and the varint gaps between them, newest first, as a
    latin-1 string. A segment's list is its days' gaps joined with one bridging gap each, so a month is put
    together without decoding its days again. Kept in the render's cache (JSON)."""

    rows: list[list[object]]
    lists: dict[str, list[Any]]

    def to_json(self) -> dict[str, object]:
        return {"rows": self.rows, "lists": self.lists}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> DayTerms:
        rows, lists = data["rows"], data["lists"]
        if not isinstance(rows, list) or not isinstance(lists, dict):
            raise ValueError("not a day's search terms")
        return cls(rows, lists)


def day_terms(papers: Iterable[tuple[list[object], str, Sequence[str], Iterable[str]]], pairs: str | None = None
              ) -> DayTerms:
    """The day's terms from its papers: (row, title, authors, other texts). Title and author names (and the
    whole-name terms) are the first field, ranked first; other text (summaries, the abstract in the window) the
    second, without the terms already in the first. pairs: the characters whose pairs its segment keeps, if known
    (pairs_of): the day's terms then hold no other pair."""
    with collector_paused():   # ~100,000 lists and ~400,000 numbers a weekday, no cycle: the collector cost a fifth
        return day_lists(papers, pairs_of(pairs))


def day_lists(papers: Iterable[tuple[list[object], str, Sequence[str], Iterable[str]]],
              neighbours: re.Pattern[str] = NEIGHBOURS) -> DayTerms:
    rows: list[list[object]] = []
    fields: tuple[defaultdict[str, list[int]], defaultdict[str, list[int]]] = (defaultdict(list), defaultdict(list))
    for number, (row, title, authors, texts) in enumerate(papers):
        rows.append(row)
        names = [fold(name) for name in authors]
        first = term_set((fold(title), *names), neighbours)
        first.update(AUTHOR_PREFIX + name for name in names if name)
        # Each text folded alone: an English summary or abstract takes fold's fast path beside a Chinese summary.
        other = term_set(map(fold, texts), neighbours) - first
        for ids, terms_in in zip(fields, (first, other)):
            for term in terms_in:
                ids[term].append(number)
    lists: dict[str, list[Any]] = {}
    for field, ids in zip((TITLE, TEXT), fields):
        for term, found in ids.items():
            if len(found) == 1:   # most terms of a day: one paper, no gaps
                lists[f"{field}{term}"] = [1, found[0], found[0], ""]
            else:
                lists[f"{field}{term}"] = [len(found), found[-1], found[0], gap_text(list(map(sub, found[:0:-1],
                                                                                               found[-2::-1])))]
    return DayTerms(rows, lists)


def gap_text(gaps: list[int]) -> str:
    """Varint gaps as latin-1 text (a JSON string that holds bytes)."""
    if not gaps:
        return ""
    return (bytes(gaps) if max(gaps) < 0x80 else varints(gaps)).decode("latin-1")
