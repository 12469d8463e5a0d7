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
of all segments is interleaved by bucket into dict-<hash>-<k>.bin (BUCKETS buckets of the terms' CRC-32,
directory in dir-<hash>.bin): one Range request finds a term in every segment. search/index.json names the
current files and hands the browser the term rule (term_pattern) and each segment's pair characters.

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
import json
import re
import struct
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..radar import fold

BUCKETS = 4096            # dictionary buckets (a power of two): ~1/4096 of the dictionary is read per term
ROWS_PER_BLOCK = 16       # rows deflated together: a hit costs one block
DICT_FILE_BYTES = 16 << 20   # dictionary files are cut at bucket boundaries past this (every file <= 25 MiB)
SEGMENT_PAPERS = 50_000   # a month with more papers is cut in parts (at days), so each file stays well under 25 MiB
TITLE, TEXT = 0, 1        # the two fields of a posting list: title and authors (ranked first), the rest
AUTHOR_PREFIX = "@"       # the term of an author's whole folded name (radar.keys), for ?author= and follows
CHECK_SEED = 0x9E3779B9   # the check hash's start (any constant other than the bucket hash's 0)
CHECK_BYTES = 3           # the check hash's low bytes a dictionary entry keeps (see term_hashes)
MIN_WORD = 2              # shorter words (not CJK) are not indexed: "a" would be in every paper
PAIR_CHARS = 48           # a segment indexes the pairs of its 48 commonest CJK characters (pair_chars)
# Han, kana, Hangul and its jamo (NFKD, which fold applies, turns Hangul syllables into jamo): each of these is a
# term, and a pair of neighbours too where the segment indexes their pairs (a word inside a sentence without spaces).
CJK = "\u1100-\u11ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002fa1f"
# A word character that is not CJK. Python's \w is exactly [\p{L}\p{N}_] (tests/test_searchdb.py checks every
# code point): the browser gets the rule with that class, written here, in search/index.json.
WORD = f"[^\\W{CJK}]"
JS_WORD = f"(?:(?![{CJK}])[\\p{{L}}\\p{{N}}_])"


def term_pattern(word: str) -> str:
    """The term rule, whole: a pattern whose first group, at each of its matches, is a word, a run of MIN_WORD or
    more word characters (not CJK), and whose second group is a CJK character. Two CJK characters matched side by
    side are neighbours, whose pair is a term too (terms). The browser cuts a query with the same pattern
    (search/index.json), so it cannot cut it otherwise than the build cut the papers."""
    cjk = f"[{CJK}]"
    return f"(?=({word}{{{MIN_WORD},}})|({cjk}))(?:{word}+|{cjk})"


TERMS = re.compile(term_pattern(WORD))
CJK_CHAR = re.compile(f"[{CJK}]")
PAIR = re.compile(f"[{CJK}]{{2}}")


def terms(folded: str) -> list[str]:
    """The index terms of folded text, in order: its words and CJK characters, each CJK character followed by the
    pair it makes with its neighbour (static/js/searchindex.js queryTerms cuts a query the same way)."""
    found = [(m.group(1) or m.group(2), m.start(), m.end(), m.group(2) is not None) for m in TERMS.finditer(folded)]
    out = []
    for (term, _, end, cjk), following in zip(found, found[1:] + [("", -1, -1, False)]):
        out.append(term)
        if cjk and following[3] and following[1] == end:
            out.append(term + following[0])
    return out


def term_set(folded: str) -> set[str]:
    """The distinct terms of folded text."""
    if CJK_CHAR.search(folded) is None:   # no pairs to make: the words alone, without a match object each (2x faster)
        return {word for word, _ in TERMS.findall(folded)}
    return set(terms(folded))


def is_pair(term: str) -> bool:
    """Return True if the term is a pair of CJK characters (a word holds none)."""
    return PAIR.fullmatch(term) is not None


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


def varints(numbers: Iterable[int]) -> bytes:
    out = bytearray()
    for n in numbers:
        while n >= 0x80:
            out.append((n & 0x7F) | 0x80)
            n >>= 7
        out.append(n)
    return bytes(out)


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


def day_terms(papers: Iterable[tuple[list[object], str, Sequence[str], Iterable[str]]]) -> DayTerms:
    """The day's terms from its papers: (row, title, authors, other texts). Title and author names (and the
    whole-name terms) are the first field, ranked first; other text (summaries, the abstract in the window) the
    second, without the terms already in the first."""
    rows: list[list[object]] = []
    fields: tuple[dict[str, list[int]], dict[str, list[int]]] = ({}, {})   # TITLE, TEXT: term -> papers
    for number, (row, title, authors, texts) in enumerate(papers):
        rows.append(row)
        names = [fold(name) for name in authors]
        first = term_set(fold(title) + " " + " ".join(names))
        first.update(AUTHOR_PREFIX + name for name in names if name)
        for ids, terms_in in zip(fields, (first, term_set(fold(" ".join(texts))) - first)):
            for term in terms_in:
                listed = ids.get(term)
                if listed is None:
                    ids[term] = [number]
                else:
                    listed.append(number)
    lists: dict[str, list[Any]] = {}
    for field, ids in zip((TITLE, TEXT), fields):
        for term, found in ids.items():
            gaps = [found[i] - found[i - 1] for i in range(len(found) - 1, 0, -1)]
            lists[f"{field}{term}"] = [len(found), found[-1], found[0], gap_text(gaps)]
    return DayTerms(rows, lists)


def gap_text(gaps: list[int]) -> str:
    """Varint gaps as latin-1 text (a JSON string that holds bytes)."""
    if not gaps:
        return ""
    return (bytes(gaps) if max(gaps) < 0x80 else varints(gaps)).decode("latin-1")


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
    small = [bytes((n,)) for n in range(0x80)]
    by_bucket: dict[int, list[tuple[int, int, bytes]]] = {}
    for key, entries in parts.items():
        pieces: list[bytes] = []
        count, below = 0, size   # below: the paper before which the list has reached
        for start, (n, newest, oldest, gaps) in reversed(entries):
            bridge = below - (start + newest) - (0 if pieces else 1)   # the first: from the segment's end
            pieces.append(small[bridge] if bridge < 0x80 else varints((bridge,)))
            pieces.append(gaps.encode("latin-1"))
            count += n
            below = start + oldest
        bucket_hash, check = term_hashes(key[1:])
        by_bucket.setdefault(bucket_hash & (BUCKETS - 1), []).append((check, count * 2 + int(key[0]), b"".join(pieces)))
    post, chunks = encode_buckets(by_bucket)
    return SegmentFiles(size, post, row_blocks([row for day in days for row in day.rows]), chunks, pairs)


def encode_buckets(by_bucket: dict[int, list[tuple[int, int, bytes]]]) -> tuple[bytes, dict[int, bytes]]:
    """The postings file laid out bucket by bucket, and each bucket's dictionary chunk.

    An entry is its check hash (CHECK_BYTES), varint(count * 2 + field), then varint(length) of its list in the
    postings file; a list of one paper (most of a month's terms: rare words, CJK pairs) is that one varint in
    place of the length, with nothing in the postings file (a byte less, and no request for it)."""
    post, chunks = bytearray(), {}
    for bucket in sorted(by_bucket):
        entries = sorted(by_bucket[bucket])   # a term's two lists side by side: the browser reads both at once
        head = varints((len(entries), len(post)))
        body = bytearray()
        for check, count_field, data in entries:
            body += check.to_bytes(CHECK_BYTES, "little") + varints((count_field,))
            if count_field >> 1 == 1:
                body += data
            else:
                body += varints((len(data),))
                post += data
        chunks[bucket] = head + bytes(body)
    return bytes(post), chunks


def row_blocks(rows: Sequence[list[object]]) -> bytes:
    """The rows file: (blocks + 1) uint32 offsets from the file's start, then the raw-deflated blocks."""
    return blocks_file([deflated(rows[start:start + ROWS_PER_BLOCK]) for start in range(0, len(rows), ROWS_PER_BLOCK)])


def deflated(rows: Sequence[list[object]]) -> bytes:
    """A block of rows: raw-deflated JSON."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode("utf-8")) + packer.flush()


def relinked_rows(data: bytes, relink: Callable[[list[object]], bool]) -> bytes:
    """The rows file with relink(row) applied to every row in order (it changes the row, or returns False): only
    the blocks holding a changed row are deflated again (the same bytes as row_blocks of the changed rows)."""
    count = struct.unpack_from("<I", data)[0] // 4
    offsets = struct.unpack_from(f"<{count}I", data)
    blocks = []
    for start, end in zip(offsets, offsets[1:]):
        rows = json.loads(zlib.decompress(data[start:end], -15).decode("utf-8"))
        changed = [relink(row) for row in rows]   # every row: relink counts them
        blocks.append(deflated(rows) if any(changed) else data[start:end])
    return blocks_file(blocks)


def blocks_file(blocks: Sequence[bytes]) -> bytes:
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
                count_field, pos = read_varint(chunk, pos + CHECK_BYTES)
                if count_field >> 1 == 1:   # a list of one paper, in the entry
                    first, pos = read_varint(chunk, pos)
                    tail = b""
                else:
                    length, pos = read_varint(chunk, pos)
                    first, rest = read_varint(post, offset)
                    tail = post[rest:offset + length]
                    offset += length
                entry = new.pop((check, count_field & 1), None)
                if entry is None:   # only the distance from the segment's end grows
                    entries.append((check, count_field, varints((first + added,)) + tail))
                    continue
                listed, newest, oldest, gaps = entry
                bridge = (count + oldest) - (count - 1 - first)
                data = varints((size - 1 - (count + newest),)) + gaps.encode("latin-1") + varints((bridge,)) + tail
                entries.append((check, count_field + 2 * listed, data))
        for (check, fld), (listed, newest, _, gaps) in new.items():
            entries.append((check, listed * 2 + fld, varints((size - 1 - (count + newest),)) + gaps.encode("latin-1")))
        if not entries:
            del by_bucket[bucket]
    new_post, new_chunks = encode_buckets(by_bucket)
    return SegmentFiles(size, new_post, append_rows(rows, count, day.rows), new_chunks, pairs)


def append_rows(data: bytes, count: int, rows: list[list[object]]) -> bytes:
    """The rows file with more rows: only its last block (if not full) is deflated again."""
    blocks = struct.unpack_from("<I", data)[0] // 4 - 1
    offsets = struct.unpack_from(f"<{blocks + 1}I", data)
    kept = blocks if count % ROWS_PER_BLOCK == 0 else blocks - 1
    last = json.loads(zlib.decompress(data[offsets[kept]:offsets[kept + 1]], -15)) if kept < blocks else []
    tail = row_blocks(last + rows)
    tail_blocks = struct.unpack_from("<I", tail)[0] // 4 - 1
    tail_offsets = struct.unpack_from(f"<{tail_blocks + 1}I", tail)
    head = 4 * (kept + tail_blocks + 1)
    moved = head - 4 * (blocks + 1)   # the table grows: every old block moves by as much
    table = [o + moved for o in offsets[:kept]]
    start = offsets[kept] + moved
    table += [start + o - tail_offsets[0] for o in tail_offsets]
    return struct.pack(f"<{len(table)}I", *table) + data[offsets[0]:offsets[kept]] + tail[tail_offsets[0]:]
