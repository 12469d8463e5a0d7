"""The lock on content/: one run at a time writes the archive; a second waits a little, then refuses.

The lock is an flock on content/.lock, which the kernel releases when its process ends however it ends
(a SIGKILL included), so a killed run never leaves the archive locked. The file also names its owner
(pid, host, start time) for the message a waiting or refused run prints, and is removed on release, so a
finished run leaves content/ exactly as its files are.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import ArchiveBusy, WriteError
from .files import pid_alive

LOCK_NAME = ".lock"
POLL = 0.05   # seconds between tries while another run holds the lock


@contextmanager
def hold_archive(root: Path, wait: float, waited: Callable[[str], None] | None = None,
                 took_over: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the lock on root for the block; wait up to `wait` seconds for another run to let go.

    waited(line) is told, once the lock is had, whom this run waited for; took_over(line) when a killed
    run's owner record was left behind. Raise ArchiveBusy naming the holder when the wait runs out (the
    run's only line), WriteError when the folder cannot be written at all.
    """
    root = Path(root)
    path = root / LOCK_NAME
    started = time.monotonic()
    holder: dict[str, object] | None = None
    blocked = False
    fd = _open(path)
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            blocked, holder = True, _owner(fd) or holder
            if time.monotonic() - started >= wait:
                os.close(fd)
                raise ArchiveBusy(f"{root}: another run holds the archive ({_holder(holder)}); waited {wait:g} s "
                                  f"(fetch.lock_wait): run again when it has finished") from None
            time.sleep(POLL)
            continue
        # The last holder removes the file as it lets go: a lock taken on a file no longer at the path
        # would exclude nobody, so take it again on the file that is there now.
        try:
            current = os.stat(path).st_ino
        except FileNotFoundError:
            current = None
        if current == os.fstat(fd).st_ino:
            break
        os.close(fd)
        fd = _open(path)
    try:
        if blocked and waited:
            waited(f"{root}: waited {time.monotonic() - started:.1f} s for another run ({describe(holder)}) to finish")
        left = _owner(fd)
        if left and took_over:
            took_over(f"{path}: the run that held it ({describe(left)}) ended without letting go; taking it over")
        _record(fd, path)
        yield
    finally:
        try:
            path.unlink()   # while still locked: a run waiting on this file sees it gone and opens the new one
        except OSError:
            pass
        os.close(fd)   # releases the flock


def describe(owner: dict[str, object] | None) -> str:
    """Return 'pid 4242 on host ci-1, started 2026-06-17 02:37:01 UTC' for an owner record."""
    if not owner:
        return "owner not yet recorded"   # it has the lock and is about to write its name
    return f"pid {owner.get('pid')} on {owner.get('host')}, started {owner.get('started')}"


def _holder(owner: dict[str, object] | None) -> str:
    """Describe the run holding the lock now, saying so when its pid has ended."""
    text = describe(owner)
    pid = (owner or {}).get("pid")
    # flock belongs to an open file, which a forked child inherits: the pid may have ended while a
    # process it started still holds the lock.
    if isinstance(pid, int) and (owner or {}).get("host") == socket.gethostname() and not pid_alive(pid):
        text += ", which has ended: a process it started still holds the lock"
    return text


def _open(path: Path) -> int:
    """Open (creating if needed) the lock file; raise WriteError when the folder refuses it."""
    try:
        try:
            return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except FileNotFoundError:   # the first run on a new archive
            path.parent.mkdir(parents=True, exist_ok=True)
            return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise WriteError.from_os(path, exc) from None


def _owner(fd: int) -> dict[str, object] | None:
    """Return the owner record in the lock file, or None when it holds none (yet)."""
    try:
        data = json.loads(os.pread(fd, 4096, 0) or b"null")
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _record(fd: int, path: Path) -> None:
    """Write this run's pid, host and start time into the lock file, for a waiting run's message."""
    owner = {"pid": os.getpid(), "host": socket.gethostname(),
             "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())}
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(owner) + "\n").encode(), 0)
    except OSError as exc:
        raise WriteError.from_os(path, exc) from None
