"""The archive in content/: day files and fetch state, read whole and written atomically."""

from __future__ import annotations

import gc
import json
import os
import re
import signal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from .errors import ArchiveError, WriteError
from .papers import Paper, Update

SCHEMA = 1
# mkstemp makes owner-only files; published pages and committed archive files must be world-readable
# (a web server or a Pages artifact running as another user reads them).
_UMASK = os.umask(0o022)
os.umask(_UMASK)
_FILE_MODE = 0o666 & ~_UMASK


@dataclass(frozen=True)
class Day:
    day: date
    papers: tuple[Paper, ...]
    updates: tuple[Update, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"schema": SCHEMA, "day": self.day.isoformat(),
                "papers": [p.to_json() for p in self.papers], "updates": [u.to_json() for u in self.updates]}


@dataclass
class SourceState:
    """What the archive remembers of one source between runs."""

    url: str | None = None            # the URL the validators belong to
    etag: str | None = None
    last_modified: str | None = None
    checked: str | None = None        # run date of the last check
    status: str | None = None         # ok | empty | stale | not_modified | failed
    new: int = 0                      # new papers on the last check
    last_success: str | None = None
    last_day: str | None = None       # latest digest day this source contributed to
    last_error: str | None = None
    failures: int = 0                 # consecutive failed runs
    dropped: dict[str, int] = field(default_factory=dict)   # items not shown on the last check, by reason


@dataclass
class State:
    last_run: str | None = None
    sources: dict[str, SourceState] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"schema": SCHEMA, "last_run": self.last_run,
                "sources": {k: vars(v) for k, v in sorted(self.sources.items())}}


def dumps(data: Any) -> bytes:
    """Serialise JSON the same way every time, readable and diff-friendly."""
    return (json.dumps(data, ensure_ascii=False, indent=1, sort_keys=False) + "\n").encode("utf-8")


# Test hook (tests/test_crash.py): SIGKILL this process just before its Nth rename, to prove a kill at
# any write leaves content/ whole. Unset in normal runs.
_KILL_AT_WRITE = int(os.environ.get("ACADEMICHUB_TEST_KILL_AT_WRITE") or 0)
_renames = 0
# A temporary file is named .<name>.<pid>.<random>.tmp: the pid of the run writing it tells cleanup whether
# that run is still alive (another run's live temporary file must never be deleted under it).
_TEMP_NAME = re.compile(r"^\..+\.(\d+)\.[A-Za-z0-9_]{8}\.tmp$")


def _crash_hook() -> None:
    global _renames
    _renames += 1
    if _renames == _KILL_AT_WRITE:
        os.kill(os.getpid(), signal.SIGKILL)


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
            os.fchmod(handle.fileno(), _FILE_MODE)
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        if _KILL_AT_WRITE:
            _crash_hook()
        os.replace(tmp, path)
    except BaseException as exc:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise WriteError.from_os(path, exc) from None
        raise
    return True


def _temp_file(path: Path) -> tuple[int, str]:
    """Open a new temporary file beside path, named for this process; create the folder if it is missing."""
    prefix, folder = f".{path.name}.{os.getpid()}.", path.parent
    try:
        return tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=folder)
    except FileNotFoundError:
        folder.mkdir(parents=True, exist_ok=True)
        return tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=folder)


@dataclass(frozen=True)
class Briefing:
    """One day's LLM briefing in one language: Markdown, with what wrote it and which papers it covers."""

    day: date
    lang: str
    model: str
    prompt: str
    papers: str        # fingerprint of the day's paper ids: a grown day gets a new briefing
    text: str          # Markdown; cards are cited as [03](#arXiv:2606.13504)

    def to_text(self) -> str:
        return (f"---\nmodel: {json.dumps(self.model, ensure_ascii=False)}\nprompt: {json.dumps(self.prompt)}\n"
                f"papers: {json.dumps(self.papers)}\n---\n{self.text.strip()}\n")

    @classmethod
    def from_text(cls, day: date, lang: str, text: str) -> "Briefing":
        head, sep, body = text.partition("\n---\n")
        if not text.startswith("---\n") or not sep:
            return cls(day, lang, "", "", "", text.strip())   # hand-written: shown, never counted as current
        meta: dict[str, str] = {}
        for line in head[4:].splitlines():
            key, _, value = line.partition(":")
            try:
                meta[key.strip()] = str(json.loads(value.strip()))
            except ValueError:
                meta[key.strip()] = value.strip()
        return cls(day, lang, meta.get("model", ""), meta.get("prompt", ""), meta.get("papers", ""), body.strip())


class Archive:
    """content/: `days/YYYY-MM-DD.json` per digest day and `state.json` for fetching."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.days_dir = self.root / "days"

    def day_path(self, day: date) -> Path:
        return self.days_dir / f"{day.isoformat()}.json"

    def day_dates(self) -> list[date]:
        if not self.days_dir.is_dir():
            return []
        found = []
        for path in self.days_dir.glob("????-??-??.json"):
            try:
                found.append(date.fromisoformat(path.stem))
            except ValueError:
                continue
        return sorted(found)

    def read_day(self, day: date) -> Day | None:
        raw = self.day_bytes(day)
        return None if raw is None else self.parse_day(self.day_path(day), raw)

    def day_bytes(self, day: date) -> bytes | None:
        """Return a day file's bytes, or None when there is none; raise ArchiveError naming it if unreadable."""
        path = self.day_path(day)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise ArchiveError(f"{path}: unreadable day file ({exc}); restore it from git") from None

    def parse_day(self, path: Path, raw: bytes) -> Day:
        """Return the Day in a day file's bytes; raise ArchiveError naming the file if they are not one."""
        # A day file is some ten thousand small containers, none in a cycle: the garbage collector would
        # run a dozen times per file over a growing heap for nothing, so it waits until the day is built.
        with collector_paused():
            try:
                data = json.loads(raw)
            except ValueError as exc:
                raise ArchiveError(f"{path}: unreadable day file ({exc}); restore it from git") from None
            if not isinstance(data, dict) or data.get("schema") != SCHEMA:
                raise ArchiveError(f"{path}: unknown schema {data.get('schema') if isinstance(data, dict) else '?'}")
            try:
                return Day(date.fromisoformat(data["day"]), tuple(map(Paper.from_json, data["papers"])),
                           tuple(map(Update.from_json, data.get("updates") or ())))
            except (KeyError, TypeError, ValueError) as exc:
                raise ArchiveError(f"{path}: malformed day file ({exc!r}); restore it from git") from None

    def read_days(self) -> list[Day]:
        return list(self.iter_days())

    def iter_days(self, newest_first: bool = False) -> Iterator[Day]:
        """Yield the archived days one at a time: a stage that needs only part of each never holds them all."""
        dates = self.day_dates()
        for on in reversed(dates) if newest_first else dates:
            day = self.read_day(on)
            if day is not None:
                yield day

    def write_day(self, day: Day) -> bool:
        return write_atomic(self.day_path(day.day), dumps(day.to_json()))

    def briefing_path(self, day: date, lang: str) -> Path:
        return self.days_dir / f"{day.isoformat()}.briefing.{lang}.md"

    def read_briefing(self, day: date, lang: str) -> Briefing | None:
        path = self.briefing_path(day, lang)
        try:
            return Briefing.from_text(day, lang, path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise ArchiveError(f"{path}: unreadable briefing ({exc}); restore it from git") from None

    def read_briefings(self) -> dict[tuple[date, str], Briefing]:
        """Return every stored briefing by (day, language)."""
        found: dict[tuple[date, str], Briefing] = {}
        if self.days_dir.is_dir():
            for path in sorted(self.days_dir.glob("????-??-??.briefing.*.md")):
                stem, lang = path.name[:10], path.name[20:-3]
                try:
                    day = date.fromisoformat(stem)
                except ValueError:
                    continue
                if (briefing := self.read_briefing(day, lang)) is not None:
                    found[(day, lang)] = briefing
        return found

    def write_briefing(self, briefing: Briefing) -> bool:
        return write_atomic(self.briefing_path(briefing.day, briefing.lang), briefing.to_text().encode("utf-8"))

    def read_usage(self) -> dict[str, dict[str, int]]:
        """Return LLM usage by digest day: requests, prompt_tokens, completion_tokens, papers, briefings."""
        path = self.root / "usage.json"
        try:
            data = json.loads(path.read_bytes())
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise ArchiveError(f"{path}: unreadable usage file ({exc}); restore it from git") from None
        days = data.get("days") if isinstance(data, dict) else None
        return {k: dict(v) for k, v in (days or {}).items() if isinstance(v, dict)}

    def write_usage(self, usage: dict[str, dict[str, int]]) -> bool:
        return write_atomic(self.root / "usage.json", dumps({"schema": SCHEMA, "days": dict(sorted(usage.items()))}))

    def read_state(self) -> State:
        path = self.root / "state.json"
        try:
            data = json.loads(path.read_bytes())
        except FileNotFoundError:
            return State()
        except (OSError, ValueError) as exc:
            raise ArchiveError(f"{path}: unreadable state file ({exc}); restore it from git") from None
        known = set(vars(SourceState()))
        sources = {k: SourceState(**{f: v for f, v in s.items() if f in known}) for k, s in (data.get("sources") or {}).items()}
        return State(last_run=data.get("last_run"), sources=sources)

    def write_state(self, state: State) -> bool:
        """Write state.json, the last file of a fetch, and clear temporary files a killed run left."""
        written = write_atomic(self.root / "state.json", dumps(state.to_json()))
        remove_stale_temps(self.root)
        return written
