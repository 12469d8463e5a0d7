"""Reading day files: the same Day back, one clear error for a broken file, the collector left as found."""

import gc
from datetime import date
from pathlib import Path

import pytest

from digest.archive import Archive, Day, dumps
from digest.errors import ArchiveError
from digest.papers import Paper, Update

D = date(2026, 6, 16)
DAY = Day(D, (Paper(id="arXiv:1", title="Jörg's paper", authors=("Jörg Müller",), abstract="A.", url="https://a/1",
                    day=D, sources=("lg",), topics=("cs.LG",), version=1, published=D, announce="new",
                    summary={"en": "S"}, summary_model="m", summary_prompt="p", summary_version=1),
              Paper(id="url:2", title="T", authors=(), abstract="", url="", day=D, sources=(), topics=())),
          (Update("arXiv:0", 2, "Old", "https://a/0", ("lg",), "replace"),))


@pytest.mark.parametrize("collecting", [True, False])
def test_a_day_file_parses_back_to_the_same_day(tmp_path, collecting):
    archive = Archive(tmp_path)
    archive.write_day(DAY)
    (gc.enable if collecting else gc.disable)()
    try:
        assert archive.read_day(D) == DAY
        assert gc.isenabled() is collecting  # parsing pauses the collector and restores it as it was
    finally:
        gc.enable()


@pytest.mark.parametrize("raw,message", [
    (b"{not json", "unreadable day file"),
    (b'{"schema": 9}', "unknown schema 9"),
    (b'{"schema": 1, "day": "2026-06-16", "papers": [{"title": "no id"}]}', "paper #1: id: missing, expected a string"),
    (b'{"schema": 1, "day": "2026-06-16", "papers": [["id"]]}', 'paper #1: expected an object, got ["id"]'),
    (b'{"schema": 1, "day": "2026-06-16", "papers": [], "updates": [{"id": "x"}]}',
     "update x: title: missing, expected a string"),
])
def test_a_broken_day_file_is_one_error_naming_it(tmp_path, raw, message):
    path = Path(tmp_path) / "days" / "2026-06-16.json"
    path.parent.mkdir()
    path.write_bytes(raw)
    with pytest.raises(ArchiveError) as caught:
        Archive(tmp_path).read_day(D)
    assert str(caught.value).startswith(f"{path}: ") and message in str(caught.value)
    assert gc.isenabled()


def test_day_file_bytes_round_trip(tmp_path):
    archive = Archive(tmp_path)
    archive.write_day(DAY)
    assert archive.day_path(D).read_bytes() == dumps(archive.read_day(D).to_json())
