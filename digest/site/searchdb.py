"""The search engine's files: a static inverted index that the browser reads in pieces with HTTP Range requests.
This module writes the segments' posting lists and the dictionary of all; searchterms.py cuts text into terms,
searchrows.py writes the result rows.

Why not SQLite FTS5 over an HTTP VFS: its reads are synchronous page reads, one request each, and a query walks
B-trees (term, doclist, then each row): measured over a counting VFS on 300k synthetic papers an author query read
39 distinct pages, 39 sequential round trips (5.9 s at 150 ms). Here every query is three rounds of parallel fetches
(bucket of the dictionary, posting lists, row blocks), after a manifest, a directory and the newest segment's
row-block offsets read once per session.

The archive is cut in segments, one per month (a month past SEGMENT_PAPERS is cut in parts at days). A segment has
  <name>-<hash>.post   the posting lists, laid out bucket by bucket; each list is local paper numbers (0 is the
                       segment's oldest paper, in day and card order) newest first: varint(n - 1 - first), then
                       varint gaps, so a common word's newest papers are its list's first bytes; or, where it is
                       smaller (a term in more than about one paper in eight), a bitmap of papers 0 to its newest
                       (bit k of byte k // 8, little-endian), whose newest papers are its last bytes;
  <name>-<hash>.rows   a table of uint32 offsets, then blocks of ROWS_PER_BLOCK rows as raw-deflated JSON.
A segment is rewritten only when one of its days changes (the current month, daily) or its abstracts leave the
window; its files are named by their content's hash, so a reader never mixes two builds' files. The dictionary
of all segments is interleaved by bucket into dict-<hash>-<k>.bin (BUCKETS buckets of the terms' CRC-32,
directory in dir-<hash>.bin): one Range request finds a term in every segment. search/index.json names the
current files and hands the browser the term rule (searchterms.term_pattern) and each segment's pair characters.

CJK text (written without spaces) is indexed by character, and by the pairs of neighbouring characters only
where both are among the segment's PAIR_CHARS commonest (pair_chars). Measured with bench/search.py's month of
24,800 papers (an ~80-character Chinese summary each; 296 B a paper without it): every pair cost 229 B a paper
(543,626 distinct pairs, 384,742 of them in one paper: a dictionary entry each), the characters cost 64 B, the
pairs of the 48 commonest 23 B more (32: 18 B; 128: 41 B). A query's pair whose two characters are common in a
segment is looked up there as the pair: exact, and it is the pair of two common characters that the
characters alone find worst (they stand apart in most papers). Another pair is looked up as its two
characters, which every paper holding the pair has: none is missed, and a paper holding both apart is found
too. A single character is found wherever it stands.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

import numpy as np

from .searchrows import ROWS_PER_BLOCK, append_rows, row_blocks
from .searchterms import AUTHOR_PREFIX, CJK_CHAR, JS_WORD, DayTerms, is_pair, read_varint, term_pattern, varint, varints

BUCKETS = 4096            # dictionary buckets (a power of two): ~1/4096 of the dictionary is read per term
DICT_FILE_BYTES = 16 << 20   # dictionary files are cut at bucket boundaries past this (every file <= 25 MiB)
SEGMENT_PAPERS = 50_000   # a month with more papers is cut in parts (at days), so each file stays well under 25 MiB
CHECK_SEED = 0x9E3779B9   # the check hash's start (any constant other than the bucket hash's 0)
CHECK_BYTES = 3           # the check hash's low bytes a dictionary entry keeps (see term_hashes)
PAIR_CHARS = 48           # a segment indexes the pairs of its 48 commonest CJK characters (pair_chars)


def browser_rule() -> dict[str, object]:
    """What the browser needs to cut a query into the same terms and to find them (search/index.json)."""
    return {"terms": term_pattern(JS_WORD), "author": AUTHOR_PREFIX, "buckets": BUCKETS, "block": ROWS_PER_BLOCK,
            "check": CHECK_SEED, "check_bytes": CHECK_BYTES}


def term_hashes(term: str) -> tuple[int, int]:
    """The term's bucket hash and check hash: CRC-32 of its UTF-8 bytes from 0, and the low CHECK_BYTES of it from
    CHECK_SEED (zlib's, in C; static/js/searchindex.js computes the same). A term absent from a month is taken
    for another only if its check equals one of its bucket's ~200 entries': 200 / 2**24, so a word found in no
    paper shows a wrong month's hits once in ~2,000 such queries over three years (each entry's fourth byte
    cost ~25 B a paper)."""
    data = term.encode("utf-8")
    return zlib.crc32(data), zlib.crc32(data, CHECK_SEED) & ((1 << 8 * CHECK_BYTES) - 1)


@dataclass(frozen=True)
class SegmentFiles:
    """A built segment: its files' bytes, and its dictionary chunk for each bucket."""

    count: int
    post: bytes
    rows: bytes
    chunks: dict[int, bytes]     # bucket -> varint(count of entries), varint(base offset), entries (encode_buckets)
    pairs: str                   # the CJK characters whose pairs the segment indexes (pair_chars)


def pair_chars(days: Iterable[DayTerms]) -> str:
    """The CJK characters whose pairs a segment indexes: the PAIR_CHARS in the most papers of its first day that
    has any (ties by code point), sorted. Fixed by that day, so a segment appended to day by day indexes the
    same pairs as one built at once; a month's commonest characters hardly change from one day to the next."""
    for day in days:
        papers: dict[str, int] = {}
        for key, entry in day.lists.items():
            if len(key) == 2 and CJK_CHAR.fullmatch(key[1]):
                papers[key[1]] = papers.get(key[1], 0) + int(entry[0])
        if papers:
            return "".join(sorted(sorted(papers, key=lambda c: (-papers[c], c))[:PAIR_CHARS]))
    return ""


def segment_lists(day: DayTerms, pairs: str) -> dict[str, list[Any]]:
    """The day's lists a segment indexing the pairs of these characters keeps: no other pair's."""
    return {key: entry for key, entry in day.lists.items()
            if not (len(key) == 3 and is_pair(key[1:])) or (key[1] in pairs and key[2] in pairs)}


def build_segment(days: Sequence[DayTerms]) -> SegmentFiles:
    """Encode one segment from its days, oldest first: posting lists by bucket, dictionary chunks, row blocks."""
    parts: dict[str, list[tuple[int, list[Any]]]] = {}
    size, pairs = 0, pair_chars(days)
    for day in days:
        for key, entry in segment_lists(day, pairs).items():
            found = parts.get(key)
            if found is None:
                parts[key] = [(size, entry)]
            else:
                found.append((size, entry))
        size += len(day.rows)
    by_bucket: dict[int, list[tuple[int, int, bytes]]] = {}
    for key, entries in parts.items():
        pieces: list[bytes] = []
        count, below = 0, size   # below: the paper before which the list has reached
        for start, (n, newest, oldest, gaps) in reversed(entries):
            bridge = below - (start + newest) - (0 if pieces else 1)   # the first: from the segment's end
            pieces.append(varint(bridge))
            pieces.append(gaps.encode("latin-1"))
            count += n
            below = start + oldest
        data = b"".join(pieces)
        newest = size - 1 - read_varint(pieces[0], 0)[0]
        bitmap = count > 1 and is_bitmap(newest, len(data) - len(pieces[0]))
        bucket_hash, check = term_hashes(key[1:])
        by_bucket.setdefault(bucket_hash & (BUCKETS - 1), []).append(
            (check, entry_code(count, bitmap, int(key[0])), bitmap_of(varint_ids(data, size)) if bitmap else data))
    post, chunks = encode_buckets(by_bucket)
    return SegmentFiles(size, post, row_blocks([row for day in days for row in day.rows]), chunks, pairs)


def encode_buckets(by_bucket: dict[int, list[tuple[int, int, bytes]]]) -> tuple[bytes, dict[int, bytes]]:
    """The postings file laid out bucket by bucket, and each bucket's dictionary chunk.

    An entry is its check hash (CHECK_BYTES), varint(entry_code), then varint(length) of its list in the
    postings file; a list of one paper (most of a month's terms: rare words, CJK pairs) is that one varint in
    place of the length, with nothing in the postings file (a byte less, and no request for it)."""
    post, chunks = bytearray(), {}
    for bucket in sorted(by_bucket):
        entries = sorted(by_bucket[bucket])   # a term's two lists side by side: the browser reads both at once
        head = varints((len(entries), len(post)))
        body = bytearray()
        for check, code, data in entries:
            body += check.to_bytes(CHECK_BYTES, "little") + varint(code)
            if code >> 2 == 1:
                body += data
            else:
                body += varint(len(data))
                post += data
        chunks[bucket] = head + bytes(body)
    return bytes(post), chunks


def entry_code(count: int, bitmap: bool, field: int) -> int:
    """A dictionary entry's number: count * 4 + 2 if its list is a bitmap + field."""
    return count * 4 + 2 * bitmap + field


def is_bitmap(newest: int, gap_bytes: int) -> bool:
    """Whether a list is written as a bitmap: when its bytes (to its newest paper) are fewer than its varint gaps'
    (besides the first varint, which only places the list: appending a day changes neither side of a list the
    day does not touch, so its form stays, and a segment appended to day by day is the one built at once)."""
    return newest // 8 + 1 < gap_bytes


def bitmap_of(ids: np.ndarray) -> bytes:
    """The bitmap of papers 0 to the newest of ids."""
    bits = np.zeros(int(ids.max()) // 8 * 8 + 8, dtype=np.uint8)
    bits[ids] = 1
    return np.packbits(bits, bitorder="little").tobytes()


def bitmap_with(data: bytes, ids: np.ndarray) -> bytes:
    """bitmap_of a bitmap's papers and newer ones (ids, newest first), without reading the bitmap's."""
    bits = np.zeros(int(ids[0]) // 8 + 1, dtype=np.uint8)
    bits[:len(data)] = np.frombuffer(data, dtype=np.uint8)
    np.bitwise_or.at(bits, ids >> 3, np.left_shift(1, ids & 7).astype(np.uint8))
    return bits.tobytes()


def bitmap_ids(data: bytes) -> np.ndarray:
    """The papers of a bitmap, newest first."""
    return np.flatnonzero(np.unpackbits(np.frombuffer(data, dtype=np.uint8), bitorder="little"))[::-1]


def varint_ids(data: bytes, size: int) -> np.ndarray:
    """The papers of a list of varints (the first counted from the segment's end, then gaps), newest first."""
    raw = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(raw < 0x80)
    starts = np.concatenate(([0], ends[:-1] + 1))
    group = np.repeat(np.arange(len(ends)), ends - starts + 1)
    shifts = 7 * (np.arange(len(raw)) - starts[group])
    values = np.zeros(len(ends), dtype=np.int64)
    np.add.at(values, group, (raw & 0x7F).astype(np.int64) << shifts)
    return size - 1 - np.cumsum(values)


def gap_bytes(ids: np.ndarray) -> int:
    """The bytes of the varint gaps between papers (newest first)."""
    gaps = ids[:-1] - ids[1:]
    return len(gaps) + int(sum(np.count_nonzero(gaps >= 1 << shift) for shift in (7, 14, 21, 28)))


def chunks_bytes(chunks: dict[int, bytes]) -> bytes:
    """A segment's dictionary chunks as one cache file: (BUCKETS + 1) uint32 offsets, then the chunks."""
    by_bucket = [chunks.get(bucket, b"") for bucket in range(BUCKETS)]
    return struct.pack(f"<{BUCKETS + 1}I", *accumulate(map(len, by_bucket), initial=0)) + b"".join(by_bucket)


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
    numbers = [varint(number) for number in range(len(segments))]
    for bucket in range(BUCKETS):
        if len(current) >= DICT_FILE_BYTES:
            files.append(bytes(current))
            done += len(current)
            current = bytearray()
        offsets.append(done + len(current))
        for number, chunks in zip(numbers, segments):
            if chunk := chunks[bucket]:
                current += number
                current += chunk
    files.append(bytes(current))
    offsets.append(done + len(current))
    return struct.pack(f"<{BUCKETS + 1}I", *offsets), files


def content_name(stem: str, data: bytes, suffix: str) -> str:
    """A file name that changes with the file's bytes."""
    return f"{stem}-{hashlib.blake2b(data, digest_size=6).hexdigest()}.{suffix}"


def day_entries(lists: dict[str, list[Any]]) -> dict[int, dict[tuple[int, int], list[Any]]]:
    """A day's lists by bucket, then by (check hash, field)."""
    out: dict[int, dict[tuple[int, int], list[Any]]] = {}
    for key, entry in lists.items():
        bucket_hash, check = term_hashes(key[1:])
        out.setdefault(bucket_hash & (BUCKETS - 1), {})[(check, int(key[0]))] = entry
    return out


def append_day(count: int, post: bytes, chunks: Sequence[bytes], rows: bytes, day: DayTerms, pairs: str
               ) -> SegmentFiles:
    """The segment (indexing the pairs of `pairs`) with one more (newest) day: its papers' ids go first in every
    list. The segment's other lists change only in their first varint (counted from the segment's end), so
    nothing older is decoded again."""
    added, pairs = len(day.rows), pairs or pair_chars([day])   # no CJK in its days yet: this day's fix them
    size, fresh = count + added, day_entries(segment_lists(day, pairs))
    by_bucket: dict[int, list[tuple[int, int, bytes]]] = {}
    for bucket in range(BUCKETS):
        new = fresh.get(bucket, {})
        entries = by_bucket[bucket] = []
        chunk = chunks[bucket]
        if chunk:
            n, pos = read_varint(chunk, 0)
            offset, pos = read_varint(chunk, pos)
            for _ in range(n):
                check = int.from_bytes(chunk[pos:pos + CHECK_BYTES], "little")
                code, pos = read_varint(chunk, pos + CHECK_BYTES)
                if code >> 2 == 1:   # a list of one paper, in the entry
                    first, pos = read_varint(chunk, pos)
                    rest = end = 0
                else:
                    length, pos = read_varint(chunk, pos)
                    first, rest = (0, offset) if code & 2 else read_varint(post, offset)
                    end = offset = offset + length
                entry = new.pop((check, code & 1), None)
                if entry is None:   # only the distance from the segment's end grows (a bitmap's: nothing)
                    entries.append((check, code, post[rest:end] if code & 2 else varint(first + added) + post[rest:end]))
                    continue
                entries.append((check, *appended(code, first, post[rest:end], count, size, entry)))
        for (check, fld), (listed, newest, _, gaps) in new.items():
            data = varint(size - 1 - (count + newest)) + gaps.encode("latin-1")
            bitmap = listed > 1 and is_bitmap(count + newest, len(gaps))
            entries.append((check, entry_code(listed, bitmap, fld), bitmap_of(varint_ids(data, size)) if bitmap else data))
        if not entries:
            del by_bucket[bucket]
    new_post, new_chunks = encode_buckets(by_bucket)
    return SegmentFiles(size, new_post, append_rows(rows, count, day.rows), new_chunks, pairs)


def appended(code: int, first: int, data: bytes, count: int, size: int, entry: list[Any]) -> tuple[int, bytes]:
    """A list of a segment of `count` papers (its entry's code, and its bitmap, or its first varint and the gaps
    after it) with the new day's papers (its DayTerms entry) first, in the form is_bitmap gives it: (code, bytes)."""
    listed, newest, oldest, gaps = entry
    newest += count
    day = varint(size - 1 - newest) + gaps.encode("latin-1")
    total = (code >> 2) + listed
    if code & 2:
        below = 8 * (len(data) - 1) + data[-1].bit_length() - 1   # a bitmap's last byte holds its newest paper
        bridge = varint(count + oldest - below)
        # Its papers' gaps take a byte each at least: a bitmap even then stays one, its bits only added to.
        if is_bitmap(newest, len(gaps) + len(bridge) + (code >> 2) - 1):
            return entry_code(total, True, code & 1), bitmap_with(data, varint_ids(day, size))
        old = bitmap_ids(data)
        old_gaps = gap_bytes(old)
    else:   # a list of varints (most)
        old, old_gaps = None, len(data)
        bridge = varint(count + oldest - (count - 1 - first))
    if is_bitmap(newest, len(gaps) + len(bridge) + old_gaps):
        old_ids = old if old is not None else varint_ids(varint(first) + data, count)
        return entry_code(total, True, code & 1), bitmap_of(np.concatenate((varint_ids(day, size), old_ids)))
    tail = varints((old[:-1] - old[1:]).tolist()) if old is not None else data
    return entry_code(total, False, code & 1), day + bridge + tail
