"""Files on disk: atomic writes through temporary files, their cleanup, and the collector pause for big reads."""

from __future__ import annotations

import gc
import hashlib
import os
import random
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import WriteError

# Called with the target path just before each rename that puts a written file in place; None in production.
# The seam for tests/crashdriver.py, which kills the process there to prove a kill at any write leaves content/ whole.
on_rename: Callable[[Path], None] | None = None

# A temporary file is named .<name>.<pid>.<random>.tmp: the pid of the run writing it tells cleanup whether
# that run is still alive (another run's live temporary file must never be deleted under it).
_TEMP_NAME = re.compile(r"^\..+\.(\d+)\.[A-Za-z0-9_]{8}\.tmp$")
_TEMP_LETTERS = "abcdefghijklmnopqrstuvwxyz0123456789_"
_random = random.SystemRandom()
_TEMP_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def write_atomic(path: Path, data: bytes, durable: bool = True) -> bool:
    """Write bytes via a temporary file and rename; skip when unchanged. Return True if written.

    durable=False skips the fsync: for site/, which any render can rebuild from content/, a crash
    may leave an old page but never a torn one, and thousands of fsyncs would dominate a render.
    A disk that refuses the write (full, read-only, a name too long) raises WriteError naming the path;
    the file is then as it was.
    """
    try:
        if path.read_bytes() == data:
            return False
    except OSError:   # missing, or unreadable: the write below replaces it or says why it cannot
        pass
    tmp = None
    try:
        fd, tmp = _temp_file(path)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        if on_rename is not None:
            on_rename(path)
        os.replace(tmp, path)
    except BaseException as exc:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise WriteError.from_os(path, exc) from None
        raise
    return True


def _temp_file(path: Path) -> tuple[int, str]:
    """Open a new temporary file beside path, named for this process; create the folder if it is missing.

    Opened with mode 0o666 for the kernel to apply the umask: published pages and committed archive files must
    be as readable as any file the user creates (mkstemp's owner-only mode would hide them from a web server),
    and the umask need not be read, which only os.umask can do, by changing it for the whole process.
    """
    folder, made = path.parent, False
    for _ in range(100):
        name = str(folder / f".{path.name}.{os.getpid()}.{''.join(_random.choices(_TEMP_LETTERS, k=8))}.tmp")
        try:
            return os.open(name, _TEMP_FLAGS, 0o666), name
        except FileExistsError:
            continue
        except FileNotFoundError:
            if made:
                raise
            folder.mkdir(parents=True, exist_ok=True)
            made = True
    raise FileExistsError(f"no free temporary name beside {path}")


def file_key(path: Path) -> str | None:
    """A hash of a file's bytes (None: there is none), for a cache of what is made from it: not its time, as the
    daily job checks content/ out afresh, every file new; nor its size, which a change may keep."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    return hashlib.blake2b(data, digest_size=12).hexdigest()


def remove_stale_temps(folder: Path) -> int:
    """Delete temporary files that runs no longer alive left under folder; return how many."""
    stale = [p for p in Path(folder).rglob(".*.tmp")
             if (m := _TEMP_NAME.match(p.name)) and not pid_alive(int(m[1])) and p.is_file()]
    for path in stale:
        path.unlink(missing_ok=True)
    return len(stale)


def pid_alive(pid: int) -> bool:
    """Return whether a process with this pid runs on this host (ours always does)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:   # alive, but another user's
        return True
    except OverflowError:
        return False
    return True


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while building many objects that form no cycles; restore it after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
