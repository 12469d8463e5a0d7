"""Two runs on one content/ lose nothing: the second waits for the first or refuses in one line; a killed run's
lock and temporary files are taken over and cleared; a disk that refuses a write ends the run in one line."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from feedserver import FeedServer, Request, conditional

import build
from digest.archive import Archive
from digest.errors import WriteError
from digest.files import remove_stale_temps, write_atomic
from digest.lock import LOCK_NAME

ROOT = Path(__file__).resolve().parent.parent
DAY = "2026-06-17"
BUSY = "another run holds the archive"
GATE_TIMEOUT = 10.0   # seconds a gated feed waits for the test to open it (a run that never overlaps fails)


def feed(source: str, items: int = 3) -> bytes:
    """Return a small RSS 2.0 feed whose items belong to this source alone."""
    body = "".join(
        f"<item><title>Paper {i} of {source}</title><link>https://example.org/{source}/{i}</link>"
        f"<description>An abstract number {i} of {source}, long enough to read as one.</description>"
        f"<pubDate>{DAY}T08:00:00Z</pubDate></item>" for i in range(items))
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>{source}</title>{body}</channel></rss>'.encode()


def gated(source: str, gate: threading.Event):
    """Serve source's feed (with an ETag, as a real host does) once the test opens the gate."""
    answer = conditional(feed(source), etag=f'"{source}"')

    def handler(req: Request):
        gate.wait(GATE_TIMEOUT)
        return answer(req)

    return handler


def write_config(path: Path, server: FeedServer, source: str, gate: threading.Event, lock_wait: float) -> Path:
    """Write a sources.yaml with one generic source served behind the gate; return its path."""
    server.route(f"/{source}.xml", gated(source, gate))
    path.write_text(
        "site: {title: Lock}\n"
        f"fetch: {{attempts: 1, timeout: 20, deadline: 20, lock_wait: {lock_wait}}}\n"
        "topics: {misc: misc}\n"
        f'sources:\n  - {{id: {source}, label: "{source}", topic: misc, family: generic, '
        f'url: "{server.url(source + ".xml")}"}}\n', encoding="utf-8")
    return path


def start(root: Path, config: Path, content: Path) -> subprocess.Popen:
    """Start `python build.py fetch` from the checkout at root, in a real process of its own."""
    return subprocess.Popen([sys.executable, "build.py", "fetch", "--config", str(config), "--content", str(content),
                             "--site", str(content.parent / "site"), "--date", DAY],
                            cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def holds_open(pid: int, path: Path) -> bool:
    """Return whether process pid has path open (Linux's /proc): a run waiting for the lock keeps it open."""
    try:
        return any(os.readlink(f"/proc/{pid}/fd/{fd}") == str(path) for fd in os.listdir(f"/proc/{pid}/fd"))
    except OSError:   # the process ended, or one of its files closed while we looked
        return False


def open_when_both_wait(procs: list[subprocess.Popen], path: Path, gate: threading.Event) -> threading.Thread:
    """Open the gate once both runs have the lock file open: one holds the archive, the other waits for it."""
    def watch() -> None:
        while not gate.wait(0.01):
            if all(holds_open(p.pid, path) for p in procs):
                gate.set()
    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def stored(content: Path) -> tuple[dict[str, set[str]], dict]:
    """Return the stored paper titles by source, and state.json's sources."""
    papers: dict[str, set[str]] = {}
    for day in Archive(content).read_days():
        for paper in day.papers:
            for sid in paper.sources:
                papers.setdefault(sid, set()).add(paper.title)
    return papers, json.loads((content / "state.json").read_text())["sources"]


def race(root: Path, work: Path, server: FeedServer, trial: int) -> dict:
    """Start two fetches of different sources on one new archive at once; return what each did and what was kept.

    Each feed answers only once both runs have the lock file open, so whichever run takes the archive first
    still holds it when the second arrives: the two runs overlap in every trial (and the test asserts it).
    """
    gate = threading.Event()
    content = work / f"content-{trial}"
    names = [f"a{trial}", f"b{trial}"]
    configs = [write_config(work / f"{n}.yaml", server, n, gate, lock_wait=30) for n in names]
    procs = [start(root, config, content) for config in configs]
    watcher = open_when_both_wait(procs, content / LOCK_NAME, gate)
    try:
        ends = [p.communicate(timeout=60) for p in procs]
    finally:
        gate.set()
        watcher.join(timeout=5)
    papers, state = stored(content)
    return {"names": names, "pids": [p.pid for p in procs], "codes": [p.returncode for p in procs],
            "out": [out.splitlines(keepends=True) for out, _ in ends], "err": [err for _, err in ends],
            "papers": papers, "state": state}


def lost(result: dict) -> list[str]:
    """Return what the race lost: a source whose papers or state are missing, or whose state names a day without them."""
    problems = []
    for name in result["names"]:
        if result["papers"].get(name) != {f"Paper {i} of {name}" for i in range(3)}:
            problems.append(f"{name}: papers {sorted(result['papers'].get(name, ()))}")
        kept = result["state"].get(name)
        if not kept or kept["last_day"] != DAY or kept["etag"] != f'"{name}"':
            problems.append(f"{name}: state {kept}")
    return problems


def test_two_fetches_at_once_lose_nothing(tmp_path):
    trials, waited = 6, 0
    with FeedServer() as server:
        for trial in range(trials):
            result = race(ROOT, tmp_path, server, trial)
            assert result["codes"] == [0, 0], result["err"]
            assert lost(result) == [], result
            # Exactly one run found the archive held, and said in one line whom it waited for.
            said = [[line for line in out if "waited" in line] for out in result["out"]]
            assert sorted(map(len, said)) == [0, 1], said
            second = 0 if said[0] else 1
            assert re.fullmatch(rf".*content-{trial}: waited \d+\.\d s for another run \(pid "
                                rf"{result['pids'][1 - second]} on {re.escape(socket.gethostname())}, "
                                r"started [-\d: ]+ UTC\) to finish\n", said[second][0]), said
            assert not [e for e in result["err"] if e.strip()], result["err"]
            waited += 1
        assert not server.errors
    assert not list(tmp_path.rglob(LOCK_NAME)) and not list(tmp_path.rglob(".*.tmp"))
    print(f"\nlock: {waited} of {trials} races overlapped, each kept both runs' papers and state")


def test_a_second_run_gives_up_after_lock_wait_in_one_line(tmp_path):
    gate = threading.Event()
    content = tmp_path / "content"
    with FeedServer() as server:
        first = start(ROOT, write_config(tmp_path / "a.yaml", server, "a", gate, lock_wait=30), content)
        try:
            while not server.requests_to("/a.xml"):   # it holds the archive once it asks its feed
                assert first.poll() is None, first.communicate()
                threading.Event().wait(0.02)
            second = subprocess.run([sys.executable, "build.py", "fetch", "--config",
                                     str(write_config(tmp_path / "b.yaml", server, "b", gate, lock_wait=0.3)),
                                     "--content", str(content), "--date", DAY],
                                    cwd=ROOT, capture_output=True, text=True, timeout=60)
        finally:
            gate.set()
        out, err = first.communicate(timeout=60)
    assert first.returncode == 0, err
    assert (second.returncode, second.stdout) == (1, "")
    assert re.fullmatch(rf"{re.escape(str(content))}: {BUSY} \(pid {first.pid} on {re.escape(socket.gethostname())}, "
                        r"started [-\d: ]+ UTC\); waited 0.3 s \(fetch.lock_wait\): run again when it has finished\n",
                        second.stderr), second.stderr
    papers, state = stored(content)
    assert set(papers) == set(state) == {"a"}   # the refused run stored nothing, the first run everything
    assert not (content / LOCK_NAME).exists()


def test_a_killed_runs_lock_is_taken_over(tmp_path, capsys):
    content = tmp_path / "content"
    killed = subprocess.Popen([sys.executable, "-c", "import os, signal, sys\nfrom digest.lock import hold_archive\n"
                               "with hold_archive(sys.argv[1], 0):\n    os.kill(os.getpid(), signal.SIGKILL)\n",
                               str(content)], cwd=ROOT)
    assert killed.wait(timeout=30) == -signal.SIGKILL
    left = json.loads((content / LOCK_NAME).read_text())
    assert (left["pid"], left["host"]) == (killed.pid, socket.gethostname())
    with FeedServer() as server:
        gate = threading.Event()
        gate.set()
        config = write_config(tmp_path / "a.yaml", server, "a", gate, lock_wait=0)
        assert build.main(["fetch", "--config", str(config), "--content", str(content), "--date", DAY]) == 0
    out = capsys.readouterr().out
    assert f"{content / LOCK_NAME}: the run that held it (pid {left['pid']} on " in out
    assert "ended without letting go; taking it over" in out
    assert stored(content)[0] == {"a": {f"Paper {i} of a" for i in range(3)}}
    assert not (content / LOCK_NAME).exists()


def dead_pid() -> int:
    """Return the pid of a process that has ended (and been reaped)."""
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_cleanup_removes_only_dead_runs_temporary_files(tmp_path):
    days = tmp_path / "content" / "days"
    days.mkdir(parents=True)
    alive = subprocess.Popen(["sleep", "30"])
    try:
        dead = dead_pid()
        names = {pid: days / f".{DAY}.json.{pid}.abcd1234.tmp" for pid in (os.getpid(), alive.pid, dead)}
        for path in names.values():
            path.write_bytes(b"half")
        assert remove_stale_temps(tmp_path / "content") == 1
        assert sorted(days.iterdir()) == sorted(names[pid] for pid in (os.getpid(), alive.pid))
    finally:
        alive.kill()
        alive.wait()


def test_a_killed_summarizes_temporary_file_is_removed_by_the_next_summarize(tmp_path, capsys):
    # A summarize SIGKILLed mid-write leaves .<day file>.<its pid>.<random>.tmp beside the day file.
    content = tmp_path / "content"
    config = ROOT / "demo" / "sources.yaml"
    assert build.main(["fetch", "--config", str(config), "--content", str(content), "--date", "2026-06-16"]) == 0
    left = content / "days" / f".2026-06-16.json.{dead_pid()}.k1ll3d_x.tmp"
    left.write_bytes(b'{"schema": 1, "day": "2026-06-1')
    before = {p.name: p.read_bytes() for p in (content / "days").glob("*.json")}
    assert build.main(["summarize", "--config", str(config), "--content", str(content)]) == 0
    assert not left.exists()
    assert {p.name: p.read_bytes() for p in (content / "days").glob("*.json")} == before
    capsys.readouterr()


# ---- a disk that refuses the write ----------------------------------------------------------------


def test_a_name_too_long_is_one_line_naming_the_path(tmp_path):
    path = tmp_path / ("x" * 300 + ".json")
    with pytest.raises(WriteError) as caught:
        write_atomic(path, b"{}")
    assert str(caught.value) == (f"{path}: cannot write: File name too long; use a shorter folder path "
                                 "(no file was half-written)")
    assert list(tmp_path.iterdir()) == []


def test_a_file_where_a_folder_should_be_is_one_line(tmp_path):
    (tmp_path / "days").write_text("not a folder")
    path = tmp_path / "days" / f"{DAY}.json"
    with pytest.raises(WriteError) as caught:
        write_atomic(path, b"{}")
    assert str(caught.value).startswith(f"{path}: cannot write: Not a directory; a file stands where a folder")
    assert (tmp_path / "days").read_text() == "not a folder"


def private_mount() -> list[str]:
    """Return the unshare command that gives a child its own mount namespace (to mount a tmpfs), or skip."""
    probe = Path("/tmp") if Path("/tmp").is_dir() else Path.cwd()
    for command in (["unshare", "--map-root-user", "--mount"], ["unshare", "--mount"]):
        if shutil.which(command[0]) is None:
            break
        try:
            done = subprocess.run([*command, "sh", "-c", f'mount -t tmpfs -o size=64k tmpfs "{probe}"'],
                                  capture_output=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if done.returncode == 0:
            return command
    pytest.skip("no private mount namespace here (unshare --mount refused): cannot make a small or read-only tmpfs")


# Run inside the private namespace: mount a small tmpfs at $1, copy the archive $2 into it, make it read-only
# or nearly full ($3), run build.py with the remaining arguments, then copy the archive out to $2 for checking.
SHELL = r'''
set -e
mnt=$1 archive=$2 how=$3; shift 3
mount -t tmpfs -o size=2m tmpfs "$mnt"
cp -a "$archive" "$mnt/content"
if [ "$how" = read-only ]; then
    mount -o remount,ro tmpfs "$mnt"
else  # leave one page free: room for the lock's owner record, none for a day file
    "$PYTHON" -c 'import os, sys; s = os.statvfs(sys.argv[1]); open(sys.argv[1] + "/filler", "wb").write(b"x" * ((s.f_bavail - 1) * s.f_frsize))' "$mnt"
fi
set +e
"$PYTHON" build.py "$@" --content "$mnt/content" > "$mnt/../out.txt" 2> "$mnt/../err.txt"
code=$?
rm -rf "$archive" && cp -a "$mnt/content" "$archive"
exit $code
'''


@pytest.mark.parametrize("how, reason", [("full", "No space left on device; free space and run again"),
                                         ("read-only", "Read-only file system; mount it writable")])
def test_a_full_or_read_only_archive_ends_in_one_line_and_stays_whole(tmp_path, how, reason):
    unshare = private_mount()
    config = ROOT / "demo" / "sources.yaml"
    content = tmp_path / "content"
    assert subprocess.run([sys.executable, "build.py", "fetch", "--config", str(config), "--content", str(content),
                           "--date", "2026-06-16"], cwd=ROOT, capture_output=True, timeout=60).returncode == 0
    before = {p.relative_to(content): p.read_bytes() for p in content.rglob("*") if p.is_file()}
    (tmp_path / "mnt").mkdir()
    done = subprocess.run([*unshare, "sh", "-c", SHELL, "sh", str(tmp_path / "mnt"), str(content), how,
                           "fetch", "--config", str(config), "--date", "2026-06-17"],
                          cwd=ROOT, env={**os.environ, "PYTHON": sys.executable}, capture_output=True, timeout=60)
    err = (tmp_path / "err.txt").read_text()
    assert done.returncode == 1, (done.stderr, err)
    # The refused file is the first the run writes: on a read-only disk the lock, on a full one the new day.
    named = f"{tmp_path / 'mnt' / 'content' / LOCK_NAME}" if how == "read-only" else \
        f"{tmp_path / 'mnt' / 'content' / 'days' / '2026-06-17.json'}"
    assert err == f"{named}: cannot write: {reason}" + err.split(reason, 1)[1] and err.count("\n") == 1, err
    assert {p.relative_to(content): p.read_bytes() for p in content.rglob("*") if p.is_file()} == before


def test_a_read_only_site_ends_render_in_one_line(tmp_path):
    unshare = private_mount()
    config, content, site = ROOT / "demo" / "sources.yaml", tmp_path / "content", tmp_path / "site"
    assert build.main(["fetch", "--config", str(config), "--content", str(content), "--date", "2026-06-16"]) == 0
    site.mkdir()
    done = subprocess.run([*unshare, "sh", "-c", 'mount -t tmpfs -o size=1m,ro tmpfs "$1" && shift && exec "$@"', "sh",
                           str(site), sys.executable, "build.py", "render", "--config", str(config),
                           "--content", str(content), "--site", str(site)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and done.stderr.startswith(f"{site}/"), done.stderr
    assert ": cannot write: Read-only file system; mount it writable or use another folder" in done.stderr
