"""Crash safety: a build SIGKILLed at many points of its store and render writes loses nothing, and the next
run converges to exactly what an uninterrupted run gives."""

import json
import os
import shutil
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

import build
from crashdriver import kill_before_rename
from digest import files
from digest.archive import Archive
from digest.collect import scan_archive
from digest.site.writer import MANIFEST, MONTHS

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "demo" / "sources.yaml"
DAY1, DAY2 = "2026-06-16", "2026-06-17"


def tree(folder: Path) -> dict[str, bytes]:
    # The render cache records each day file's size and modification time, which differ from folder to folder.
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != MANIFEST and not p.relative_to(folder).as_posix().startswith(MONTHS)}


def args(where: Path, day: str) -> list[str]:
    return ["--config", str(CONFIG), "--content", str(where / "content"), "--site", str(where / "site"), "--date", day]


def killed_build(where: Path, day: str, at_write: int) -> int:
    """Run build.py in a child that SIGKILLs itself just before its at_write-th file rename; return its code."""
    done = subprocess.run([sys.executable, "tests/crashdriver.py", str(at_write), *args(where, day)], cwd=ROOT,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)
    assert done.returncode in (0, -signal.SIGKILL), done.stderr.decode()
    return done.returncode


def forked_build(where: Path, day: str, at_write: int) -> int:
    """Like killed_build, in a forked child that has the modules loaded already: the same kill, 10 times faster."""
    pid = os.fork()
    if pid == 0:  # the child: arm the hook, build, and leave without running the parent's pytest teardown
        code = 3
        try:
            quiet = os.open(os.devnull, os.O_WRONLY)
            os.dup2(quiet, 1)
            os.dup2(quiet, 2)
            files.on_rename = kill_before_rename(at_write)
            code = build.main(args(where, day))
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
    assert code in (0, -signal.SIGKILL), code
    return code


def assert_archive_whole(content: Path, day1: bytes) -> None:
    """Every file in content/ parses, and the earlier day is byte for byte what it was."""
    archive = Archive(content)
    days = archive.read_days()  # raises ArchiveError on a torn file
    archive.read_state()
    assert days and days[0].day == date.fromisoformat(DAY1)
    assert (content / "days" / f"{DAY1}.json").read_bytes() == day1
    for path in content.rglob("*.json"):
        json.loads(path.read_bytes())


def test_kill_at_any_write_loses_nothing_and_converges(tmp_path, capsys):
    reference, base = tmp_path / "reference", tmp_path / "base"
    assert build.main(args(reference, DAY1)) == 0 and build.main(args(reference, DAY2)) == 0
    expected = tree(reference / "content"), tree(reference / "site")
    # After runs that were not killed, no stored item is missing from state.json: recovery adds nothing.
    ref = Archive(reference / "content")
    known = scan_archive(ref, ref.read_state())
    assert (known.latest, known.unrecorded) == ({}, {})
    assert build.main(args(base, DAY1)) == 0
    day1 = (base / "content" / "days" / f"{DAY1}.json").read_bytes()
    capsys.readouterr()

    # The day-2 build writes its day file and state first, then about 40 pages: kill it before each of
    # its first six renames and every sixth after, until a run gets through without a kill.
    kills = 0
    for at in [*range(1, 7), *range(12, 500, 6)]:
        work = tmp_path / f"kill-{at}"
        shutil.copytree(base, work)
        code = forked_build(work, DAY2, at)
        if code == 0:
            break
        kills += 1
        assert_archive_whole(work / "content", day1)
        assert build.main(args(work, DAY2)) == 0  # the next run completes ...
        assert (tree(work / "content"), tree(work / "site")) == expected, f"killed at write {at}"  # ... and converges
        shutil.rmtree(work)
    assert kills >= 10
    capsys.readouterr()
    print(f"\ncrash test: killed at {kills} points of a build, each recovered to the reference content/ and site/")


def test_a_killed_first_run_leaves_no_partial_files(tmp_path):
    work = tmp_path / "first"
    assert killed_build(work, DAY1, 1) == -signal.SIGKILL  # killed before its very first rename
    days = work / "content" / "days"
    assert not list(days.glob("*.json"))  # no torn day file, only a temporary one
    assert list(days.glob(".*.tmp"))
    assert build.main(args(work, DAY1)) == 0
    assert not list(work.rglob(".*.tmp"))  # the next run clears what the killed one left
