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

from digest.preview import QuietRangeHandler, byte_range
from digest.site.searchdb import (BUCKETS, TEXT, TITLE, build_segment, chunks_bytes, chunks_of, day_terms, fnv1a,
                                  interleave, posting_bytes, read_rows, terms)


def test_python_word_class_is_the_browsers():
    # The browser's token pattern writes \\w as [\\p{L}\\p{N}_]: the two must agree on every code point.
    word = re.compile(r"\w")
    differ = [c for c in range(sys.maxunicode + 1)
              if bool(word.match(chr(c))) != (unicodedata.category(chr(c))[0] in "LN" or chr(c) == "_")]
    assert differ == []


@pytest.mark.parametrize("text,expected", [
    ("a deep learning model", ["deep", "learning", "model"]),        # one letter is not a term
    ("深度学习模型", ["深度", "度学", "学习", "习模", "模型"]),               # CJK as bigrams: 学习 is found
    ("用transformer做翻译", ["用", "transformer", "做翻", "翻译"]),         # runs split from words; a lone character
    ("x_1 and 2d", ["x_1", "and", "2d"]),
])
def test_terms(text, expected):
    assert list(terms(text)) == expected


def test_fnv1a_is_the_standard_hash():
    assert fnv1a("") == 0x811C9DC5 and fnv1a("a") == 0xE40C292C   # the published FNV-1a test vectors


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


@pytest.mark.parametrize("ids", [[0], [3, 4, 9], list(range(0, 5000, 7)), [0, 70000]])
def test_posting_lists_are_newest_first_varint_gaps(ids):
    assert decode(posting_bytes(ids, 70001), 70001) == ids[::-1]


def test_title_and_author_terms_rank_in_their_own_field():
    day = day_terms([(["a"], "Attention maps", ["Jörg Müller"], ["attention everywhere", "muller's law"]),
                     (["b"], "Other", [], ["maps of attention"])])
    assert day.lists[f"{TITLE}attention"] == [0] and day.lists[f"{TEXT}attention"] == [1]
    assert day.lists[f"{TITLE}@jorg muller"] == [0] and day.lists[f"{TITLE}muller"] == [0]
    assert f"{TEXT}muller" not in day.lists          # already in the first field: not twice
    assert day.lists[f"{TEXT}everywhere"] == [0] and day.rows == [["a"], ["b"]]


def lookup(directory: bytes, dictionary: bytes, post: bytes, term: str, size: int) -> dict[int, list[int]]:
    """A term's ids by field in segment 0, read from the interleaved dictionary as the browser reads it."""
    h = fnv1a(term)
    bucket = h & (BUCKETS - 1)
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
            entry_hash = struct.unpack_from("<I", data, pos)[0]
            pos += 4
            count_field, length = varint(), varint()
            if entry_hash == h and seg == 0:
                found[count_field & 1] = decode(post[offset:offset + length], size)
            offset += length
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
