"""The search index's format (digest/site/searchdb.py) and the preview server's Range requests."""

from __future__ import annotations

import functools
import http.server
import re
import struct
import sys
import threading
import unicodedata
import urllib.request

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digest.preview import QuietRangeHandler, byte_range
from digest.site.searchdb import (BUCKETS, CHECK_BYTES, PAIR_CHARS, append_day, build_segment, chunks_bytes, chunks_of,
                                  interleave, pair_chars, term_hashes)
from digest.site.searchrows import read_rows
from digest.site.searchterms import TEXT, TITLE, day_terms, is_pair, read_varint, term_set, terms, varints


def test_python_word_class_is_the_browsers():
    # The browser's token pattern writes \\w as [\\p{L}\\p{N}_]: the two must agree on every code point.
    word = re.compile(r"\w")
    differ = [c for c in range(sys.maxunicode + 1)
              if bool(word.match(chr(c))) != (unicodedata.category(chr(c))[0] in "LN" or chr(c) == "_")]
    assert differ == []


@pytest.mark.parametrize("text,expected", [
    ("a deep learning model", ["deep", "learning", "model"]),        # one letter is not a term
    # CJK: each character, and after it the pair it makes with its neighbour (indexed where both are common)
    ("深度学习模型", ["深", "深度", "度", "度学", "学", "学习", "习", "习模", "模", "模型", "型"]),
    ("用transformer做翻译", ["用", "transformer", "做", "做翻", "翻", "翻译", "译"]),   # no pair across a word
    ("x_1 and 2d", ["x_1", "and", "2d"]),
])
def test_terms(text, expected):
    assert list(terms(text)) == expected
    assert term_set([text]) == set(expected)   # its own path where the text has no CJK


def test_the_bucket_hash_is_the_standard_crc32():
    assert term_hashes("123456789")[0] == 0xCBF43926   # the published CRC-32 check value
    assert term_hashes("a") != term_hashes("b") and term_hashes("a")[0] != term_hashes("a")[1]


def decode(data: bytes, size: int) -> list[int]:
    """A posting list as the browser reads it: ids newest first."""
    ids, value, shift, out = [], 0, 0, []
    for byte in data:
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            out.append(value)
            value, shift = 0, 0
    at = size
    for i, gap in enumerate(out):
        at -= gap + 1 if i == 0 else gap
        ids.append(at)
    return ids


def bitmap_papers(data: bytes) -> list[int]:
    """A bitmap list as the browser reads it: bit k of byte k // 8 is paper k; newest first."""
    return [8 * i + k for i in range(len(data) - 1, -1, -1) for k in range(7, -1, -1) if data[i] >> k & 1]


@pytest.mark.parametrize("ids", [[0], [3, 4, 9], list(range(0, 5000, 7)), [0, 70000], [200, 201, 202, 69999]])
def test_posting_lists_are_newest_first_varint_gaps_across_days(ids):
    # The ids fall on days of 1,000 papers and a last long one: each day's gaps are joined with a bridging gap.
    size = 70001
    days = [day_terms([([n], "common" if start + n in ids else "", [], []) for n in range(min(1000, size - start) if start < 69000 else size - start)])
            for start in range(0, 70000, 1000) if start <= 69000]
    built = build_segment(days)
    directory, files = interleave([chunks_of(chunks_bytes(built.chunks))])
    assert built.count == size and lookup(directory, files[0], built.post, "common", size)[TITLE] == ids[::-1]


def test_title_and_author_terms_rank_in_their_own_field():
    day = day_terms([(["a"], "Attention maps", ["Jörg Müller"], ["attention everywhere", "muller's law"]),
                     (["b"], "Other", [], ["maps of attention"])])
    assert day.lists[f"{TITLE}attention"] == [1, 0, 0, ""] and day.lists[f"{TEXT}attention"] == [1, 1, 1, ""]
    assert day.lists[f"{TITLE}@jorg muller"][:3] == [1, 0, 0] and day.lists[f"{TITLE}muller"][:3] == [1, 0, 0]
    assert f"{TEXT}muller" not in day.lists          # already in the first field: not twice
    assert day.lists[f"{TEXT}everywhere"][:3] == [1, 0, 0] and day.rows == [["a"], ["b"]]


def lookup(directory: bytes, dictionary: bytes, post: bytes, term: str, size: int) -> dict[int, list[int]]:
    """A term's ids by field in segment 0, read from the interleaved dictionary as the browser reads it."""
    bucket_hash, h = term_hashes(term)
    bucket = bucket_hash & (BUCKETS - 1)
    start, end = struct.unpack_from("<2I", directory, 4 * bucket)
    data, pos, found = dictionary[start:end], 0, {}

    def varint() -> int:
        nonlocal pos
        value = shift = 0
        while True:
            byte = data[pos]
            pos += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                return value

    while pos < len(data):
        seg, count, offset = varint(), varint(), varint()
        for _ in range(count):
            entry_hash = int.from_bytes(data[pos:pos + CHECK_BYTES], "little")
            pos += CHECK_BYTES
            code = varint()
            if code >> 2 == 1:   # one paper: its varint is in the entry
                listed = decode(varints((varint(),)), size)
            else:
                length = varint()
                stored = post[offset:offset + length]
                listed = bitmap_papers(stored) if code & 2 else decode(stored, size)
                offset += length
            if entry_hash == h and seg == 0:
                found[code & 1] = listed
    return found


def test_a_segment_reads_back_through_its_dictionary():
    days = [day_terms([([f"p{i}"], f"Paper {i} on graphs" if i % 3 else f"Paper {i}", [f"Author {i % 5}"],
                        ["graphs and more graphs"]) for i in range(40)]) for _ in range(2)]
    built = build_segment(days)
    directory, files = interleave([chunks_of(chunks_bytes(built.chunks))])
    assert len(files) == 1 and built.count == 80
    found = lookup(directory, files[0], built.post, "graphs", 80)
    titled = [n for n in range(80) if (n % 40) % 3]
    assert found[TITLE] == titled[::-1]
    assert found[TEXT] == [n for n in range(79, -1, -1) if n not in titled]
    assert lookup(directory, files[0], built.post, "@author 4", 80)[TITLE] == [n for n in range(79, -1, -1) if n % 5 == 4]
    assert [row[0] for row in read_rows(built.rows)] == [f"p{i}" for i in range(40)] * 2


@pytest.mark.parametrize("header,expected", [
    ("bytes=0-9", (0, 9)), ("bytes=5-", (5, 99)), ("bytes=-10", (90, 99)), ("bytes=90-500", (90, 99)),
    ("bytes=100-", None), ("bytes=5-2", None), ("items=0-1", None), ("bytes=-", None),
])
def test_byte_range(header, expected):
    assert byte_range(header, 100) == expected


def test_the_preview_server_answers_range_requests(tmp_path):
    (tmp_path / "f.bin").write_bytes(bytes(range(200)))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietRangeHandler, directory=str(tmp_path)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/f.bin"
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers={"Range": "bytes=10-19"})) as r:
            assert r.status == 206 and r.read() == bytes(range(10, 20))
            assert r.headers["Content-Range"] == "bytes 10-19/200"
        with urllib.request.urlopen(url) as r:
            assert r.status == 200 and len(r.read()) == 200
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(urllib.request.Request(url, headers={"Range": "bytes=300-"}))
        assert err.value.code == 416
    finally:
        server.shutdown()
        server.server_close()


def test_appending_a_day_gives_the_segment_built_at_once():
    def day(start: int, n: int) -> object:
        return day_terms([([start + i], f"Title {start + i} {'rare' if (start + i) % 37 == 0 else ''}",
                           [f"Author {(start + i) % 7}"], [f"text common {(start + i) % 3}"]) for i in range(n)])
    days = [day(0, 23), day(23, 17), day(40, 200), day(240, 1)]
    whole = build_segment(days)
    built = build_segment(days[:1])
    for extra in days[1:]:
        built = append_day(built.count, built.post, [built.chunks.get(b, b"") for b in range(BUCKETS)], built.rows, extra,
                           built.pairs)
    assert read_rows(built.rows) == read_rows(whole.rows) == [[n] for n in range(241)]
    d1, f1 = interleave([chunks_of(chunks_bytes(whole.chunks))])
    d2, f2 = interleave([chunks_of(chunks_bytes(built.chunks))])
    for term in ("rare", "common", "@author 3", "title", "0", "240"):
        assert lookup(d1, f1[0], whole.post, term, 241) == lookup(d2, f2[0], built.post, term, 241), term
    assert lookup(d2, f2[0], built.post, "rare", 241)[TITLE] == [222, 185, 148, 111, 74, 37, 0]


# Chinese: the first day's N papers hold 的模型 and 学习 each, and two of N rarer characters (in two papers each).
N = PAIR_CHARS + 8
RARE = "".join(chr(0x4F00 + k) for k in range(N))
FIRST_DAY = [f"的模型{RARE[i]}{RARE[(i + 1) % N]}学习的模" for i in range(N)]
A, B = RARE[0], RARE[1]


def chinese_day(start: int, texts: list[str]) -> object:
    return day_terms([([start + i], f"Paper {start + i}", [], [text]) for i, text in enumerate(texts)])


def test_a_segment_indexes_the_pairs_of_its_commonest_characters():
    days = [chinese_day(0, FIRST_DAY), chinese_day(N, ["学生的练习", "深度学习模型", A + B, B + A + "的模型", "习学"])]
    chars = pair_chars(days)
    assert len(chars) == PAIR_CHARS and set("的模型学习") <= set(chars) and chars == "".join(sorted(chars))
    assert pair_chars([day_terms([([0], "English only", [], ["no CJK"])]), days[1]]) == pair_chars(days[1:])
    assert pair_chars([day_terms([([0], "English only", [], ["no CJK"])])]) == ""
    built = build_segment(days)
    directory, files = interleave([chunks_of(chunks_bytes(built.chunks))])

    def papers(term: str) -> list[int]:
        found = lookup(directory, files[0], built.post, term, built.count)
        return sorted(found.get(TITLE, []) + found.get(TEXT, []))

    first = list(range(N))
    # A pair of two common characters is found as the pair: the papers holding both apart (学生的练习, 习学) are not.
    assert papers("学习") == first + [N + 1]
    assert papers("模型") == first + [N + 1, N + 3]
    # A single character is found wherever it stands (also inside a pair, and in a pair not indexed).
    assert papers("习") == first + [N, N + 1, N + 4]
    assert papers(A) == [0, N - 1, N + 2, N + 3]
    # A pair with a character outside the PAIR_CHARS is no term: the browser looks up its two characters, which
    # every paper holding it has (and those holding both apart).
    rare = next(RARE[i] + RARE[i + 1] for i in range(N - 1) if not {RARE[i], RARE[i + 1]} <= set(chars))
    holders = [n for n, text in enumerate(FIRST_DAY) if rare in text]
    assert papers(rare) == [] and holders and set(holders) <= set(papers(rare[0])) & set(papers(rare[1]))
    assert A in chars and B in chars and papers(A + B) == [0, N + 2]   # N + 3 holds B + A


def test_appending_chinese_days_gives_the_segment_built_at_once():
    # The pairs are fixed by the first day with CJK: a day of English first leaves them to the next day.
    days = [day_terms([([n], "English", [], ["no Chinese here"]) for n in range(3)]), chinese_day(3, FIRST_DAY),
            chinese_day(43, ["学生的练习", "深度学习模型"])]
    whole = build_segment(days)
    built = build_segment(days[:1])
    assert built.pairs == ""
    for extra in days[1:]:
        built = append_day(built.count, built.post, [built.chunks.get(b, b"") for b in range(BUCKETS)], built.rows, extra,
                           built.pairs)
    assert built.pairs == whole.pairs == pair_chars(days[1:2]) and built.post == whole.post
    assert built.chunks == whole.chunks


def test_terms_made_with_the_segments_pairs_give_the_same_segment_and_hold_no_other_pair():
    # A day whose segment's pairs are known (SearchIndex.plan_pairs) makes only those pairs' lists: the segment
    # built from them, or appended to with them, is byte for byte the one made from every pair.
    texts = ["学生的练习", "深度学习模型", A + B, B + A + "的模型", "习学", "模型" + RARE[5] + RARE[9]]
    every = [chinese_day(0, FIRST_DAY), chinese_day(N, texts)]
    chars = pair_chars(every)
    known = [every[0], day_terms([([N + i], f"Paper {N + i}", [], [t]) for i, t in enumerate(texts)], chars)]
    pairs = {key for key in known[1].lists if len(key) == 3 and is_pair(key[1:])}
    assert pairs and all(key[1] in chars and key[2] in chars for key in pairs)
    assert len(known[1].lists) < len(every[1].lists)   # the pairs of a character outside them are not made
    whole, filtered = build_segment(every), build_segment(known)
    assert (filtered.post, filtered.rows, filtered.chunks, filtered.pairs) == (whole.post, whole.rows, whole.chunks,
                                                                             whole.pairs)
    first = build_segment(every[:1])
    appended = append_day(first.count, first.post, [first.chunks.get(b, b"") for b in range(BUCKETS)], first.rows,
                          known[1], first.pairs)
    assert (appended.post, appended.chunks) == (whole.post, whole.chunks)
    # No pair at all where the segment keeps none.
    assert not any(is_pair(key[1:]) for key in day_terms([([0], "T", [], ["深度学习"])], "").lists if len(key) == 3)


def test_a_list_takes_its_smaller_form_and_appending_keeps_to_it():
    # "dense" is in every paper of the first day (a bitmap), absent from the next, then in one paper: its bitmap
    # to that paper outweighs its gaps, so it turns varints. "late" is rare, then in every paper: it turns a bitmap.
    # "steady" is in every other paper: a bitmap throughout, the new days' bits added to it.
    def day(start: int, n: int, dense: object, late: object) -> object:
        return day_terms([([start + i], "paper", [], [f"{'dense' if dense(i) else ''} {'late' if late(i) else ''}"
                                                       f" {'steady' if i % 2 == 0 else ''}"]) for i in range(n)])
    days = [day(0, 64, lambda i: True, lambda i: i == 3), day(64, 600, lambda i: False, lambda i: False),
            day(664, 400, lambda i: i == 399, lambda i: True)]
    forms = []
    built = build_segment(days[:1])
    for extra in days[1:]:
        built = append_day(built.count, built.post, [built.chunks.get(b, b"") for b in range(BUCKETS)], built.rows, extra,
                           built.pairs)
        forms.append(built)
    whole = build_segment(days)
    assert built.post == whole.post and built.chunks == whole.chunks

    def form(built: object, term: str) -> tuple[int, list[int]]:
        d, f = interleave([chunks_of(chunks_bytes(built.chunks))])
        return lookup_code(d, f[0], term), lookup(d, f[0], built.post, term, built.count)[TEXT]

    first = build_segment(days[:1])
    assert form(first, "dense") == (64 * 4 + 2 + TEXT, list(range(63, -1, -1)))   # a bitmap of 8 bytes
    assert form(forms[0], "dense")[0] == 64 * 4 + 2 + TEXT                        # untouched: as it was
    assert form(whole, "dense") == (65 * 4 + TEXT, [1063, *range(63, -1, -1)])     # 133 bytes of bitmap > 2 + 63
    assert form(first, "late")[0] == 4 + TEXT and form(forms[0], "late")[0] == 4 + TEXT
    assert form(whole, "late") == (401 * 4 + 2 + TEXT, [*range(1063, 663, -1), 3])
    assert [form(b, "steady")[0] for b in (first, *forms)] == [(n // 2) * 4 + 2 + TEXT for n in (64, 664, 1064)]
    assert form(whole, "steady")[1] == list(range(1062, -1, -2))


def lookup_code(directory: bytes, dictionary: bytes, term: str) -> int:
    """The code (count * 4 + bitmap * 2 + field) of a term's text entry in segment 0."""
    bucket_hash, h = term_hashes(term)
    start, end = struct.unpack_from("<2I", directory, 4 * (bucket_hash & (BUCKETS - 1)))
    data = dictionary[start:end]
    pos = 0

    def varint() -> int:
        nonlocal pos
        value, pos = read_varint(data, pos)
        return value

    varint()
    count, _ = varint(), varint()
    for _ in range(count):
        entry_hash = int.from_bytes(data[pos:pos + CHECK_BYTES], "little")
        pos += CHECK_BYTES
        code = varint()
        varint()
        if entry_hash == h and code & 1 == TEXT:
            return code
    raise AssertionError(term)


@given(st.text(alphabet=st.sampled_from(list("ab_1 .-é深度学习模型ㄱ가")), max_size=40))
def test_term_set_is_the_set_of_the_term_rules_terms(text):
    # term_set takes words, CJK characters and pairs in a pass each; terms follows term_pattern match by match.
    assert term_set([text]) == set(terms(text))
    # Texts cut apart hold no term across them: as if joined by a space.
    head, tail = text[:len(text) // 2], text[len(text) // 2:]
    assert term_set([head, tail]) == set(terms(head + " " + tail))


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=60))
def test_ascii_text_is_cut_as_the_term_rule_cuts_it(text):
    # term_set takes an ASCII text's words with a simpler pattern (ASCII_WORDS): the same words.
    assert term_set([text]) == set(terms(text))
