"""The search engine's files: a static inverted index that the browser reads in pieces with HTTP Range requests.

Why not SQLite FTS5 over an HTTP VFS: its reads are synchronous page reads, one request each, and a query walks
B-trees (term, doclist, then each row): measured over a counting VFS on 300k synthetic papers an author query read
39 distinct pages, 39 sequential round trips (5.9 s at 150 ms). Here every query is four rounds of parallel fetches
(bucket of the dictionary, posting lists, row-block offsets, row blocks), after a manifest and a directory read
once per session.

The archive is cut in segments, one per month (a month past SEGMENT_PAPERS is cut in parts at days). A segment has
  <name>-<hash>.post   the posting lists, laid out bucket by bucket; each list is local paper numbers (0 is the
                       segment's oldest paper, in day and card order) newest first: varint(n - 1 - first), then
                       varint gaps, so a common word's newest papers are its list's first bytes;
  <name>-<hash>.rows   a table of uint32 offsets, then blocks of ROWS_PER_BLOCK rows as raw-deflated JSON.
A segment is rewritten only when one of its days changes (the current month, daily) or its abstracts leave the
window; its files are named by their content's hash, so a reader never mixes two builds' files. The dictionary
of all segments is interleaved by bucket into dict-<hash>-<k>.bin (BUCKETS buckets of the terms' FNV-1a hash,
directory in dir-<hash>.bin): one Range request finds a term in every segment. search/index.json names the
current files and hands the browser the token rule.
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from ..radar import fold

BUCKETS = 4096            # dictionary buckets (a power of two): ~1/4096 of the dictionary is read per term
ROWS_PER_BLOCK = 16       # rows deflated together: a hit costs one block
DICT_FILE_BYTES = 16 << 20   # dictionary files are cut at bucket boundaries past this (every file <= 25 MiB)
SEGMENT_PAPERS = 50_000   # a month with more papers is cut in parts (at days), so each file stays well under 25 MiB
TITLE, TEXT = 0, 1        # the two fields of a posting list: title and authors (ranked first), the rest
AUTHOR_PREFIX = "@"       # the term of an author's whole folded name (radar.keys), for ?author= and follows
MIN_WORD = 2              # shorter words (not CJK) are not indexed: "a" would be in every paper
# Han, kana, Hangul and its jamo (NFKD, which fold applies, turns Hangul syllables into jamo): a run of these is
# indexed as character bigrams, so a two-character word is found inside a sentence written without spaces.
CJK = "\u1100-\u11ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002fa1f"
# Python's \w is exactly [\p{L}\p{N}_] (tests/test_searchdb.py checks every code point): the browser gets the
# same pattern with that class, written here, in search/index.json.
JS_WORD = "[\\p{L}\\p{N}_]"


def token_pattern(word: str) -> str:
    """The token rule: a run of CJK characters, or a run of other word characters."""
    return f"[{CJK}]+|(?:(?![{CJK}]){word})+"


TOKEN = re.compile(token_pattern(r"\w"))
CJK_START = re.compile(f"[{CJK}]")


def terms(folded: str) -> Iterator[str]:
    """The index terms of folded text: its words, and the character bigrams of its CJK runs."""
    for token in TOKEN.findall(folded):
        if CJK_START.match(token):
            if len(token) == 1:
                yield token
            else:
                yield from (token[i:i + 2] for i in range(len(token) - 1))
        elif len(token) >= MIN_WORD:
            yield token


def browser_rule() -> dict[str, object]:
    """What the browser needs to cut a query into the same terms (search/index.json)."""
    return {"token": token_pattern(JS_WORD), "cjk": f"[{CJK}]", "min": MIN_WORD, "author": AUTHOR_PREFIX,
            "buckets": BUCKETS, "block": ROWS_PER_BLOCK}


def fnv1a(term: str) -> int:
    """The 32-bit FNV-1a hash of the term's UTF-8 bytes (static/js/searchindex.js computes the same)."""
    h = 0x811C9DC5
    for byte in term.encode("utf-8"):
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return h


def varints(numbers: Iterable[int]) -> bytes:
    out = bytearray()
    for n in numbers:
        while n >= 0x80:
            out.append((n & 0x7F) | 0x80)
            n >>= 7
        out.append(n)
    return bytes(out)


def posting_bytes(ids: Sequence[int], size: int) -> bytes:
    """A list of ascending local numbers as the browser reads it: newest first, varint gaps."""
    gaps = [size - 1 - ids[-1]] + [ids[i] - ids[i - 1] for i in range(len(ids) - 1, 0, -1)]
    if max(gaps) < 0x80:
        return bytes(gaps)   # most lists of common words: one byte a gap, no loop in Python
    return varints(gaps)


@dataclass(frozen=True)
class DayTerms:
    """One day's part of the index: its papers' result rows, and each term's papers (their numbers on the day).

    A key is the field's digit and the term ("0attention": in a title or author name). Kept in the render's
    cache, so a new day does not read its month's other days again."""

    rows: list[list[object]]
    lists: dict[str, list[int]]

    def to_json(self) -> dict[str, object]:
        return {"rows": self.rows, "lists": self.lists}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> DayTerms:
        rows, lists = data["rows"], data["lists"]
        if not isinstance(rows, list) or not isinstance(lists, dict):
            raise ValueError("not a day's search terms")
        return cls(rows, lists)


def day_terms(papers: Iterable[tuple[list[object], str, Sequence[str], Iterable[str]]]) -> DayTerms:
    """The day's terms from its papers: (row, title, authors, other texts). Title and author names (and the
    whole-name terms) are the first field, ranked first; other text (summaries, the abstract in the window) the
    second, without the terms already in the first."""
    rows: list[list[object]] = []
    lists: dict[str, list[int]] = {}
    for number, (row, title, authors, texts) in enumerate(papers):
        rows.append(row)
        first = set(terms(fold(title + " " + " ".join(authors))))
        first.update(AUTHOR_PREFIX + key for key in map(fold, authors) if key)
        rest: set[str] = set()
        for text in texts:
            rest.update(terms(fold(text)))
        for term in first:
            lists.setdefault(f"{TITLE}{term}", []).append(number)
        for term in rest - first:
            lists.setdefault(f"{TEXT}{term}", []).append(number)
    return DayTerms(rows, lists)


@dataclass(frozen=True)
class SegmentFiles:
    """A built segment: its files' bytes, and its dictionary chunk for each bucket."""

    count: int
    post: bytes
    rows: bytes
    chunks: dict[int, bytes]     # bucket -> varint(count of entries), varint(base offset), entries


def build_segment(days: Sequence[DayTerms]) -> SegmentFiles:
    """Encode one segment from its days, oldest first: posting lists by bucket, dictionary chunks, row blocks."""
    lists: dict[str, list[int]] = {}
    size = 0
    for day in days:
        for key, ids in day.lists.items():
            found = lists.get(key)
            shifted = [i + size for i in ids] if size else ids
            if found is None:
                lists[key] = list(shifted)
            else:
                found.extend(shifted)
        size += len(day.rows)
    by_bucket: dict[int, list[tuple[int, int, bytes]]] = {}
    for key, ids in lists.items():
        h = fnv1a(key[1:])
        by_bucket.setdefault(h & (BUCKETS - 1), []).append((h, len(ids) * 2 + int(key[0]), posting_bytes(ids, size)))
    post, chunks = bytearray(), {}
    for bucket in sorted(by_bucket):
        entries = sorted(by_bucket[bucket])   # a term's two lists side by side: the browser reads both at once
        head = varints((len(entries), len(post)))
        body = bytearray()
        for h, count_field, data in entries:
            body += struct.pack("<I", h) + varints((count_field, len(data)))
            post += data
        chunks[bucket] = head + bytes(body)
    return SegmentFiles(size, bytes(post), row_blocks([row for day in days for row in day.rows]), chunks)


def row_blocks(rows: Sequence[list[object]]) -> bytes:
    """The rows file: (blocks + 1) uint32 offsets from the file's start, then the raw-deflated blocks."""
    blocks = []
    for start in range(0, len(rows), ROWS_PER_BLOCK):
        text = json.dumps(rows[start:start + ROWS_PER_BLOCK], ensure_ascii=False, separators=(",", ":"))
        packer = zlib.compressobj(9, zlib.DEFLATED, -15)
        blocks.append(packer.compress(text.encode("utf-8")) + packer.flush())
    offsets, at = [], 4 * (len(blocks) + 1)
    for block in blocks:
        offsets.append(at)
        at += len(block)
    offsets.append(at)
    return struct.pack(f"<{len(offsets)}I", *offsets) + b"".join(blocks)


def chunks_bytes(chunks: dict[int, bytes]) -> bytes:
    """A segment's dictionary chunks as one cache file: (BUCKETS + 1) uint32 offsets, then the chunks."""
    offsets, data = [], bytearray()
    for bucket in range(BUCKETS):
        offsets.append(len(data))
        data += chunks.get(bucket, b"")
    offsets.append(len(data))
    return struct.pack(f"<{BUCKETS + 1}I", *offsets) + bytes(data)


def chunks_of(data: bytes) -> list[bytes]:
    """The chunks of a cache file written by chunks_bytes, by bucket."""
    offsets = struct.unpack_from(f"<{BUCKETS + 1}I", data)
    base = 4 * (BUCKETS + 1)
    return [data[base + offsets[b]:base + offsets[b + 1]] for b in range(BUCKETS)]


def interleave(segments: Sequence[Sequence[bytes]]) -> tuple[bytes, list[bytes]]:
    """The dictionary of all segments (oldest first), bucket by bucket: (directory, dictionary files).

    A bucket holds, for each segment with terms in it, varint(segment number) and the segment's chunk. The
    directory is (BUCKETS + 1) uint32 offsets into the dictionary files read as one; files are cut only at
    bucket boundaries, so a bucket is one Range request of one file."""
    offsets, files, current, done = [], [], bytearray(), 0
    for bucket in range(BUCKETS):
        if len(current) >= DICT_FILE_BYTES:
            files.append(bytes(current))
            done += len(current)
            current = bytearray()
        offsets.append(done + len(current))
        for number, chunks in enumerate(segments):
            if chunks[bucket]:
                current += varints((number,)) + chunks[bucket]
    files.append(bytes(current))
    offsets.append(done + len(current))
    return struct.pack(f"<{BUCKETS + 1}I", *offsets), files


def content_name(stem: str, data: bytes, suffix: str) -> str:
    """A file name that changes with the file's bytes."""
    return f"{stem}-{hashlib.blake2b(data, digest_size=6).hexdigest()}.{suffix}"


def read_rows(data: bytes) -> list[list[object]]:
    """Every row of a rows file (tests and the benchmark read the index as the browser does)."""
    count = struct.unpack_from("<I", data)[0] // 4
    offsets = struct.unpack_from(f"<{count}I", data)
    return [row for a, b in zip(offsets, offsets[1:])
            for row in json.loads(zlib.decompress(data[a:b], -15).decode("utf-8"))]
