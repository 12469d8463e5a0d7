"""The archive in content/: day files and fetch state, read whole and written atomically."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date
from pathlib import Path
from typing import Any

from .clean import xml_text
from .errors import ArchiveError, RecordError
from .files import collector_paused, remove_stale_temps, write_atomic
from .papers import COUNT, COUNTS, DATE, DATE_OR_NULL, TEXT_OR_NULL, Kind, Paper, Update, field_problem, wrong_type

SCHEMA = 1


@dataclass(frozen=True)
class Day:
    day: date
    papers: tuple[Paper, ...]
    updates: tuple[Update, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"schema": SCHEMA, "day": self.day.isoformat(),
                "papers": [p.to_json() for p in self.papers], "updates": [u.to_json() for u in self.updates]}


@dataclass(frozen=True)
class Counts:
    """What one check of a source made of the items it listed: each is a new card, a new version of a paper
    shown before, a paper already archived, or not shown for a reason (sources.feed.DROP_REASONS keys).

    The build output, the job summary and /status/ all show this one record."""

    items: int = 0        # items the source listed (a cross-listed paper counts under each of its sources)
    new: int = 0          # new cards
    versions: int = 0     # new versions, listed under "Updated versions", never new cards
    seen: int = 0         # already in the archive at this version
    dropped: dict[str, int] = field(default_factory=dict)

    @property
    def not_shown(self) -> int:
        return sum(self.dropped.values())

    @property
    def adds_up(self) -> bool:
        """True when every listed item is accounted for, once."""
        return self.items == self.new + self.versions + self.seen + self.not_shown


@dataclass
class SourceState:
    """What the archive remembers of one source between runs."""

    url: str | None = None            # the URL the validators belong to
    etag: str | None = None
    last_modified: str | None = None
    checked: str | None = None        # run date of the last check
    status: str | None = None         # ok | empty | stale | not_modified | failed
    new: int = 0                      # new cards on the last check (the counts: see Counts)
    last_success: str | None = None
    last_day: str | None = None       # latest digest day this source contributed to
    last_error: str | None = None
    failures: int = 0                 # consecutive failed runs
    dropped: dict[str, int] = field(default_factory=dict)   # items not shown on the last check, by reason
    items: int = 0                    # items listed on the last check
    versions: int = 0                 # new versions on the last check
    seen: int = 0                     # items already archived on the last check

    @property
    def counts(self) -> Counts:
        """Return the last check's counts."""
        return Counts(self.items, self.new, self.versions, self.seen, self.dropped)

    def counted(self, counts: Counts) -> "SourceState":
        """Return this state holding a check's counts."""
        return replace(self, items=counts.items, new=counts.new, versions=counts.versions, seen=counts.seen,
                       dropped=dict(sorted(counts.dropped.items())))


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


def week_of(day: date) -> str:
    """The ISO week a day belongs to, as content/weeks/ and the site's week pages name it: "2026-W25"."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_rank(paper: Paper, radar_hit: bool, listed: int) -> tuple[bool, int, int]:
    """The order a week leads with, on its page (site/weeks.py) and in its briefing's request (briefing.week_papers):
    the radar's papers first, then those listed under the most configured topics, then the newest."""
    return not radar_hit, -listed, -paper.day.toordinal()


@dataclass(frozen=True)
class Briefing:
    """One day's (or ISO week's) LLM briefing in one language: Markdown, with what wrote it and which papers it covers.

    Or the gate's verdict on the briefing that model wrote for those papers, with no text: a rerun does not ask for
    the same failure again (a summary's verdict is kept the same way), and the site shows the offline briefing."""

    day: date
    lang: str
    model: str
    prompt: str
    papers: str        # fingerprint of the day's paper ids: a grown day gets a new briefing
    text: str          # Markdown; cards are cited as [03](#arXiv:2606.13504)
    verdict: str = ""  # why every theme the model wrote failed the gate ("number: 40%"); then text is ""
    # A week's briefing ("2026-W25", in content/weeks/): its day is a day of that week (the one asked on, whose
    # usage counts it; the week's Monday once read back) and its papers' fingerprint covers every day of the week.
    week: str = ""

    def to_text(self) -> str:
        verdict = f"verdict: {json.dumps(self.verdict, ensure_ascii=False)}\n" if self.verdict else ""
        return (f"---\nmodel: {json.dumps(self.model, ensure_ascii=False)}\nprompt: {json.dumps(self.prompt)}\n"
                f"papers: {json.dumps(self.papers)}\n{verdict}---\n{self.text.strip()}\n")

    @classmethod
    def from_text(cls, day: date, lang: str, text: str, week: str = "") -> "Briefing":
        head, sep, body = text.partition("\n---\n")
        if not text.startswith("---\n") or not sep:
            return cls(day, lang, "", "", "", text.strip(), week=week)   # hand-written: shown, never counted as current
        meta: dict[str, str] = {}
        for line in head[4:].splitlines():
            key, _, value = line.partition(":")
            try:
                meta[key.strip()] = str(json.loads(value.strip()))
            except ValueError:
                meta[key.strip()] = value.strip()
        return cls(day, lang, meta.get("model", ""), meta.get("prompt", ""), meta.get("papers", ""), body.strip(),
                   meta.get("verdict", ""), week)


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
        """Return the Day in a day file's bytes; raise ArchiveError naming the file (and paper, field) if not one."""
        # A day file is some ten thousand small containers, none in a cycle: the garbage collector would
        # run a dozen times per file over a growing heap for nothing, so it waits until the day is built.
        with collector_paused():
            data, suspect = _read_json(path, raw, "day file")
            if found := field_problem(data, _DAY_FIELDS):
                raise ArchiveError(f"{path}: {found[0]}: {found[1]}")
            if data["day"] != path.stem:
                # Readers find a day by its file's name, collect by its field: two names for one day would
                # let one file silently stand in for another.
                raise ArchiveError(f"{path}: day: the file is named for {path.stem} but holds {data['day']}; "
                                   f"a day file holds its own day: fix the field or rename the file")
            papers = _records(path, data["papers"], Paper.from_json)
            updates = _records(path, data.get("updates") or (), Update.from_json)
            seen: set[str] = set()
            for paper in papers:
                if paper.id in seen:
                    raise ArchiveError(f"{path}: paper {paper.id}: listed twice in one day (two cards with one "
                                       f"HTML id); keep one")
                seen.add(paper.id)
            # A character XML 1.0 refuses is refused here rather than dropped: the site then always shows the
            # committed file as it is, verify stops it before a commit, and the fix is one edit. Dropping it
            # silently would leave content/ and the site disagreeing until some later write rewrote the file.
            if suspect and (refused := _refused_in_records(data)):
                raise ArchiveError(f"{path}: {refused}")
            return Day(date.fromisoformat(data["day"]), papers, updates)

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

    def briefing_path(self, day: date, lang: str, week: str = "") -> Path:
        if week:
            return self.root / "weeks" / f"{week}.briefing.{lang}.md"
        return self.days_dir / f"{day.isoformat()}.briefing.{lang}.md"

    def read_briefing(self, day: date, lang: str, week: str = "") -> Briefing | None:
        """Return the stored briefing of a day (or of the ISO week `week`, day then being one of its days) in lang."""
        path = self.briefing_path(day, lang, week)
        try:
            return Briefing.from_text(day, lang, path.read_text(encoding="utf-8"), week)
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise ArchiveError(f"{path}: unreadable briefing ({exc}); restore it from git") from None

    def read_briefings(self) -> dict[tuple[date, str], Briefing]:
        """Return every stored briefing by (day, language) that has a text to show (a verdict has none)."""
        found: dict[tuple[date, str], Briefing] = {}
        if self.days_dir.is_dir():
            for path in sorted(self.days_dir.glob("????-??-??.briefing.*.md")):
                stem, lang = path.name[:10], path.name[20:-3]
                try:
                    day = date.fromisoformat(stem)
                except ValueError:
                    continue
                if (briefing := self.read_briefing(day, lang)) is not None and not briefing.verdict:
                    found[(day, lang)] = briefing
        return found

    def read_week_briefings(self) -> dict[tuple[str, str], Briefing]:
        """Return every stored week's briefing by (ISO week, language) that has a text to show (a verdict has none)."""
        found: dict[tuple[str, str], Briefing] = {}
        for path in sorted((self.root / "weeks").glob("????-W??.briefing.*.md")):
            week, lang = path.name[:8], path.name[18:-3]
            try:
                monday = date.fromisocalendar(int(week[:4]), int(week[6:]), 1)
            except ValueError:
                continue
            if (briefing := self.read_briefing(monday, lang, week)) is not None and not briefing.verdict:
                found[(week, lang)] = briefing
        return found

    def write_briefing(self, briefing: Briefing) -> bool:
        path = self.briefing_path(briefing.day, briefing.lang, briefing.week)
        path.parent.mkdir(parents=True, exist_ok=True)
        return write_atomic(path, briefing.to_text().encode("utf-8"))

    def read_usage(self) -> dict[str, dict[str, int]]:
        """Return LLM usage by digest day: requests, prompt_tokens, completion_tokens, papers, briefings."""
        path = self.root / "usage.json"
        if (loaded := _read_file(path, "usage file")) is None:
            return {}
        data, suspect = loaded
        if found := field_problem(data, _USAGE_FIELDS):
            raise ArchiveError(f"{path}: {found[0]}: {found[1]}")
        days = data.get("days") or {}
        for day, counts in days.items():
            if (problem := DATE.problem(day)) is not None:
                raise ArchiveError(f"{path}: day {json.dumps(day, ensure_ascii=False)}: {problem}")
            if type(counts) is not dict:
                raise ArchiveError(f"{path}: day {day}: {wrong_type('an object of counts', counts)}")
            if found := field_problem(counts, tuple((name, COUNT) for name in counts)):
                raise ArchiveError(f"{path}: day {day}: {found[0]}: {found[1]}")
        if suspect and (refused := _refused_in(days)):   # as in parse_day
            raise ArchiveError(f"{path}: {refused}")
        return {k: dict(v) for k, v in days.items()}

    def write_usage(self, usage: dict[str, dict[str, int]]) -> bool:
        return write_atomic(self.root / "usage.json", dumps({"schema": SCHEMA, "days": dict(sorted(usage.items()))}))

    def read_batches(self) -> list[Any]:
        """Return the LLM batches submitted and not yet collected (llm.mode: batch) as stored, oldest first."""
        if (loaded := _read_file(self.batches_path, "batch file")) is None:
            return []
        data, _ = loaded
        if found := field_problem(data, _BATCHES_FIELDS):
            raise ArchiveError(f"{self.batches_path}: {found[0]}: {found[1]}")
        return list(data.get("batches") or [])

    def write_batches(self, batches: list[Any]) -> bool:
        return write_atomic(self.batches_path, dumps({"schema": SCHEMA, "batches": batches}))

    @property
    def batches_path(self) -> Path:
        return self.root / "batches.json"

    def read_state(self) -> State:
        """Return the fetch state; raise ArchiveError naming the file, the source and the field if it is not one."""
        path = self.root / "state.json"
        if (loaded := _read_file(path, "state file")) is None:
            return State()
        data, suspect = loaded
        if found := field_problem(data, _STATE_FIELDS):
            raise ArchiveError(f"{path}: {found[0]}: {found[1]}")
        sources = data.get("sources") or {}
        for name, source in sources.items():
            where = f"{path}: source {json.dumps(name, ensure_ascii=False)}"
            if type(source) is not dict:
                raise ArchiveError(f"{where}: {wrong_type('an object', source)}")
            sources[name] = source = _ADDED_COUNTS | source   # a state.json written before they were counted
            # A field this build does not know would be dropped by the next write: refused, as in sources.yaml.
            if unknown := sorted(set(source) - _SOURCE_NAMES):
                known = ", ".join(name for name, _ in _SOURCE_FIELDS)
                raise ArchiveError(f"{where}: {unknown[0]}: unknown field (known: {known})")
            if found := field_problem(source, _SOURCE_FIELDS):
                raise ArchiveError(f"{where}: {found[0]}: {found[1]}")
        if suspect and (refused := _refused_in({"last_run": data.get("last_run"), "sources": sources})):
            raise ArchiveError(f"{path}: {refused}")   # refused, not dropped, as in parse_day
        return State(last_run=data.get("last_run"), sources={k: SourceState(**s) for k, s in sources.items()})

    def write_state(self, state: State) -> bool:
        """Write state.json, the last file of a fetch, and clear temporary files a killed run left."""
        written = write_atomic(self.root / "state.json", dumps(state.to_json()))
        remove_stale_temps(self.root)
        return written


# The file-level fields of the archive's JSON files, in the kinds papers.py checks a record's fields with.
_DAY_FIELDS = (("day", DATE), ("papers", Kind((list,), "a list of papers")),
               ("updates", Kind((list, type(None)), "a list of updates")))
_BATCHES_FIELDS = (("batches", Kind((list, type(None)), "a list of batches")),)
_USAGE_FIELDS = (("days", Kind((dict, type(None)), "an object of days")),)
_STATE_FIELDS = (("last_run", DATE_OR_NULL), ("sources", Kind((dict, type(None)), "an object of sources")))
# SourceState's fields by their annotation; collect parses these three as dates.
_SOURCE_FIELDS = tuple((f.name, DATE_OR_NULL if f.name in ("checked", "last_success", "last_day")
                        else {"int": COUNT, "str | None": TEXT_OR_NULL, "dict[str, int]": COUNTS}[str(f.type)]) for f in fields(SourceState))
_SOURCE_NAMES = frozenset(name for name, _ in _SOURCE_FIELDS)
# SourceState's counts added after schema 1: an older state.json lacks them, and reads as zero.
_ADDED_COUNTS = {"items": 0, "versions": 0, "seen": 0}


def _read_file(path: Path, what: str) -> tuple[dict[str, Any], bool] | None:
    """Return what _read_json does for the file at path, or None when there is none."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ArchiveError(f"{path}: unreadable {what} ({exc}); restore it from git") from None
    return _read_json(path, raw, what)


def _read_json(path: Path, raw: bytes, what: str) -> tuple[dict[str, Any], bool]:
    """Return the JSON object in an archive file's bytes, and whether it may hold characters XML 1.0 refuses.

    Raise ArchiveError naming the file when the bytes are not UTF-8 JSON, not an object, or of another schema:
    the one schema rule of every file in content/."""
    try:
        text = raw.decode("utf-8-sig")   # strict: a raw lone surrogate is refused here; an editor's BOM is not
        data = json.loads(text)
    except ValueError as exc:
        raise ArchiveError(f"{path}: unreadable {what} ({exc}); restore it from git") from None
    if type(data) is not dict:
        raise ArchiveError(f"{path}: {wrong_type('a JSON object', data)}; restore it from git")
    if data.get("schema") != SCHEMA:
        # A newer build's file read (and later rewritten) by this one would lose what it added.
        found = "no schema" if "schema" not in data else f"unknown schema {json.dumps(data['schema'])}"
        raise ArchiveError(f"{path}: {found} (this build reads schema {SCHEMA}): update AcademicHub, "
                           f"or restore the file from git")
    return data, _may_hold_refused(text)


def _may_hold_refused(text: str) -> bool:
    """Return False when a JSON text surely decodes to no character XML 1.0 refuses; True when it may."""
    # Strict UTF-8 has refused raw surrogates and json.loads raw control characters, so one arrives only
    # as an escape (\b, \f, \uXXXX) or as a raw U+FFFE/U+FFFF. Finding each backslash is a memchr, and a
    # day file holds a few hundred (quotes, TeX): scanning every string instead would cost a third of a parse.
    if "\ufffe" in text or "\uffff" in text:
        return True
    find = text.find
    at = find("\\")
    while at >= 0:
        if text[at + 1] in "bfu":   # json.loads accepted the text, so a backslash is never its last character
            return True
        at = find("\\", at + 2)   # past the escaped character, which may itself be a backslash
    return False


def _refused_in(value: Any, where: str = "") -> str | None:
    """Return "field: holds U+0007, ..." for the first string (or key) in value with a character XML 1.0 refuses."""
    if type(value) is str:
        if xml_text(value) != value:
            bad = next(c for c in value if not xml_text(c))
            return (f"{where or 'value'}: holds U+{ord(bad):04X}, a character XML 1.0 does not allow "
                    f"(a page or feed would be ill-formed); remove it")
        return None
    items = value.items() if type(value) is dict else enumerate(value) if type(value) is list else ()
    for key, item in items:
        label = f"{where}[{key}]" if type(key) is int else f"{where}.{key}" if where else str(key)
        if type(key) is str and (found := _refused_in(key, f"{label} (its name)")):
            return found
        if found := _refused_in(item, label):
            return found
    return None


def _refused_in_records(data: dict[str, Any]) -> str | None:
    """Return _refused_in's line for the first paper or update of a day file that holds a refused character."""
    for kind in ("papers", "updates"):
        for record in data.get(kind) or ():
            if found := _refused_in(record):
                return f"{kind[:-1]} {record['id']}: {found}"
    return _refused_in({k: v for k, v in data.items() if k not in ("papers", "updates")})


def _records(path: Path, items: Sequence[Any], read: Any) -> tuple[Any, ...]:
    """Return read(item) for each record of a day file; raise ArchiveError naming the file, record and field."""
    try:
        return tuple(map(read, items))
    except RecordError as exc:
        if exc.pid is None:   # named by its place in the file instead: worked out only now, on failure
            number = next(i for i, item in enumerate(items, 1) if _fails(read, item))
            raise ArchiveError(f"{path}: {exc.kind} #{number}: {exc.detail}") from None
        raise ArchiveError(f"{path}: {exc}") from None


def _fails(read: Any, item: Any) -> bool:
    try:
        read(item)
    except RecordError:
        return True
    return False
