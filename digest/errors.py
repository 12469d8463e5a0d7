"""Expected failures: each message names the source or config key and says what to do next."""


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


class RecordError(ArchiveError):
    """One record of a day file (a paper, an update) holds a field of the wrong type; the reader adds the file."""

    def __init__(self, kind: str, pid: str | None, field: str | None, problem: str):
        self.kind, self.pid, self.field, self.problem = kind, pid, field, problem
        self.detail = f"{field}: {problem}" if field else problem
        super().__init__(f"{kind} {pid or 'without an id'}: {self.detail}")

    def __reduce__(self):  # a forked render worker sends it back whole
        return RecordError, (self.kind, self.pid, self.field, self.problem)
