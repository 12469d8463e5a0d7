"""Expected failures: each message names the source or config key and says what to do next."""

import errno


class DigestError(Exception):
    """A failure a user can act on; build.py prints it as one line and exits non-zero."""

    exit_code = 1


class ConfigError(DigestError):
    """sources.yaml is invalid; carries every problem found, one line each."""

    exit_code = 2

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class SourceError(DigestError):
    """One source could not be fetched or parsed."""


class ArchiveError(DigestError):
    """A file in content/ is unreadable or of an unknown schema."""


class WriteError(DigestError):
    """The disk refused a write to content/ or site/ (full, read-only, a name too long); nothing was half-written."""

    @classmethod
    def from_os(cls, path: object, exc: OSError) -> "WriteError":
        """Return the one line naming the path, the disk's reason and what to do about it."""
        remedy = _REMEDIES.get(exc.errno or 0, "fix it and run again")
        return cls(f"{path}: cannot write: {exc.strerror or exc}; {remedy} (no file was half-written)")


    DISK: frozenset[int] = frozenset()   # the errnos a disk gives for a write it refuses (set below)


class SiteTooLarge(DigestError):
    """site/ is over site.size_limit_mb: the build stops before it is deployed.

    Its own exit code, so the daily job still commits the day's content/ (nothing fetched is lost) and skips
    only the deploy."""

    exit_code = 3


class ArchiveBusy(DigestError):
    """Another run holds the lock on content/ and did not let go within the wait."""


# What the disk said -> what the user can do about it.
_REMEDIES = {
    errno.ENOSPC: "free space and run again",
    errno.EDQUOT: "free space (a disk quota is reached) and run again",
    errno.EFBIG: "the file is larger than this process may write: raise its file size limit (ulimit -f) and run again",
    errno.EROFS: "mount it writable or use another folder",
    errno.EACCES: "make the folder writable for this user and run again",
    errno.EPERM: "make the folder writable for this user and run again",
    errno.ENAMETOOLONG: "use a shorter folder path",
    errno.ENOTDIR: "a file stands where a folder should be: move it away and run again",
    errno.EISDIR: "a folder stands where a file should be: move it away and run again",
}
WriteError.DISK = frozenset(_REMEDIES)


class RecordError(ArchiveError):
    """One record of a day file (a paper, an update) holds a field of the wrong type; the reader adds the file."""

    def __init__(self, kind: str, pid: str | None, field: str | None, problem: str):
        self.kind, self.pid, self.field, self.problem = kind, pid, field, problem
        self.detail = f"{field}: {problem}" if field else problem
        super().__init__(f"{kind} {pid or 'without an id'}: {self.detail}")

    def __reduce__(self):  # a forked render worker sends it back whole
        return RecordError, (self.kind, self.pid, self.field, self.problem)
