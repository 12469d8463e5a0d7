"""digest/files.py: atomic writes, their one test seam (on_rename), and modes that follow the umask."""

import os
import re
from pathlib import Path

import pytest

from digest import files
from digest.errors import WriteError
from digest.files import write_atomic

ROOT = Path(__file__).resolve().parent.parent


def test_on_rename_is_unset_in_production():
    assert files.on_rename is None


def test_on_rename_sees_each_rename_and_an_unchanged_file_is_no_rename(tmp_path, monkeypatch):
    seen: list[Path] = []
    monkeypatch.setattr(files, "on_rename", seen.append)
    a, b = tmp_path / "a.json", tmp_path / "sub" / "b.json"
    assert write_atomic(a, b"1") and write_atomic(b, b"2") and not write_atomic(a, b"1")
    assert seen == [a, b]


def test_a_write_stopped_at_the_rename_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "state.json"
    target.write_bytes(b"old")

    def refuse(path: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files, "on_rename", refuse)
    with pytest.raises(WriteError):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["state.json"]


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_written_files_follow_the_umask(tmp_path, umask):
    old = os.umask(umask)
    try:
        write_atomic(tmp_path / "page.html", b"x")
    finally:
        os.umask(old)
    assert (tmp_path / "page.html").stat().st_mode & 0o777 == 0o666 & ~umask


def test_temporary_names_carry_the_pid_that_cleanup_checks(tmp_path):
    fd, name = files._temp_file(tmp_path / "new" / "day.json")
    os.close(fd)
    assert files._TEMP_NAME.match(Path(name).name)[1] == str(os.getpid())


def test_no_production_code_reads_a_test_variable_or_changes_the_umask():
    for path in [ROOT / "build.py", *(ROOT / "digest").rglob("*.py")]:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"ACADEMICHUB_TEST|os\.umask\(", text), path
