"""A segment's rows file: the result rows (search.search_row) in blocks of ROWS_PER_BLOCK, raw-deflated JSON, after
a table of their uint32 offsets; a hit costs one block (static/js/searchindex.js reads the offsets, then blocks).
A block is stored by field, a list of each field's values ([[ids], [days], ...]): like beside like deflates
better (bench/search.py's old month: 146 -> 141 B a paper).
"""

from __future__ import annotations

import json
import struct
from bisect import bisect_left, bisect_right
import zlib
from collections.abc import Callable, Collection, Sequence

ROWS_PER_BLOCK = 16       # rows deflated together: a hit costs one block


def row_blocks(rows: Sequence[list[object]]) -> bytes:
    """The rows file: (blocks + 1) uint32 offsets from the file's start, then the raw-deflated blocks."""
    return blocks_file([deflated(rows[start:start + ROWS_PER_BLOCK]) for start in range(0, len(rows), ROWS_PER_BLOCK)])


def deflated(rows: Sequence[list[object]]) -> bytes:
    """A block of rows: its fields' columns as raw-deflated JSON."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    columns = [list(column) for column in zip(*rows)]
    return packer.compress(json.dumps(columns, ensure_ascii=False, separators=(",", ":")).encode("utf-8")) + packer.flush()


def inflated(block: bytes) -> list[list[object]]:
    """The rows of a block written by deflated."""
    return [list(row) for row in zip(*json.loads(zlib.decompress(block, -15).decode("utf-8")))]


def relinked_rows(data: bytes, relink: Callable[[list[object]], bool], days: Collection[str]) -> bytes:
    """The rows file with relink(row) applied to every row in order (it changes the row, or returns False) of
    the blocks holding rows of `days` (days gone compact, a month's few, out of hundreds of blocks): only the
    blocks holding a changed row are deflated again (the same bytes as row_blocks of the changed rows).

    A segment's rows go in their days' order (a month's days, oldest first, appended at the end), so a day's rows
    are the blocks between two found by bisection: a few blocks are inflated, not the month's."""
    count = struct.unpack_from("<I", data)[0] // 4
    offsets = struct.unpack_from(f"<{count}I", data)
    texts: dict[int, str] = {}

    def text(block: int) -> str:
        if block not in texts:
            texts[block] = zlib.decompress(data[offsets[block]:offsets[block + 1]], -15).decode("utf-8")
        return texts[block]

    def block_days(block: int) -> list[str]:
        return json.loads(text(block))[1]   # a block's second column: its rows' days

    holding: set[int] = set()
    for day in days:
        first = bisect_left(range(count - 1), day, key=lambda block: block_days(block)[-1])
        holding.update(range(first, bisect_right(range(count - 1), day, key=lambda block: block_days(block)[0])))
    blocks = []
    for block, (start, end) in enumerate(zip(offsets, offsets[1:])):
        if block not in holding:
            blocks.append(data[start:end])
            continue
        rows = [list(row) for row in zip(*json.loads(text(block)))]
        changed = [relink(row) for row in rows]   # every row of the block: relink counts them
        blocks.append(deflated(rows) if any(changed) else data[start:end])
    return blocks_file(blocks)


def blocks_file(blocks: Sequence[bytes]) -> bytes:
    offsets, at = [], 4 * (len(blocks) + 1)
    for block in blocks:
        offsets.append(at)
        at += len(block)
    offsets.append(at)
    return struct.pack(f"<{len(offsets)}I", *offsets) + b"".join(blocks)


def read_rows(data: bytes) -> list[list[object]]:
    """Every row of a rows file (tests and the benchmark read the index as the browser does)."""
    count = struct.unpack_from("<I", data)[0] // 4
    offsets = struct.unpack_from(f"<{count}I", data)
    return [row for a, b in zip(offsets, offsets[1:]) for row in inflated(data[a:b])]


def append_rows(data: bytes, count: int, rows: list[list[object]]) -> bytes:
    """The rows file with more rows: only its last block (if not full) is deflated again."""
    blocks = struct.unpack_from("<I", data)[0] // 4 - 1
    offsets = struct.unpack_from(f"<{blocks + 1}I", data)
    kept = blocks if count % ROWS_PER_BLOCK == 0 else blocks - 1
    last = inflated(data[offsets[kept]:offsets[kept + 1]]) if kept < blocks else []
    tail = row_blocks(last + rows)
    tail_blocks = struct.unpack_from("<I", tail)[0] // 4 - 1
    tail_offsets = struct.unpack_from(f"<{tail_blocks + 1}I", tail)
    head = 4 * (kept + tail_blocks + 1)
    moved = head - 4 * (blocks + 1)   # the table grows: every old block moves by as much
    table = [o + moved for o in offsets[:kept]]
    start = offsets[kept] + moved
    table += [start + o - tail_offsets[0] for o in tail_offsets]
    return struct.pack(f"<{len(table)}I", *table) + data[offsets[0]:offsets[kept]] + tail[tail_offsets[0]:]
