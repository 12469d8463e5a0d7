"""Load and validate sources.yaml into typed settings; every problem names its key and line."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from .errors import ConfigError
from .urls import CONTROL as _CONTROL
from .urls import HTTP_URL, check_source_url, http_problem, site_url
from .sources.registry import FAMILIES, guess_family

LANGUAGES = ("en", "zh")
REPLACEMENTS = ("list", "ignore")
# Checked with fullmatch (`$` would let a final newline by). Ids and topics name folders and URL segments
# (/YYYY-MM-DD/<topic>/, /topics/<topic>/); a topic ends in a letter or digit since Windows drops a final dot.
_SOURCE_ID = re.compile(r"[a-z0-9][a-z0-9\-]*")
_TOPIC_ID = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.\-]*[A-Za-z0-9])?")
ID_MAX = 64   # characters of a source or topic id: a short folder name, well inside any file system's limit
# A newline, a tab or another control character: no one-line setting (a label, a URL, a header) holds one.
_PRINTABLE_ASCII = re.compile(r"[\x20-\x7e]*")   # what an HTTP header value may safely hold
# A GitHub owner (letters, digits, inner hyphens) and repository name (letters, digits, ".", "_", "-").
GITHUB_REPOSITORY = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}")


@dataclass(frozen=True)
class Topic:
    id: str
    names: dict[str, str]  # language -> display name

    def name(self, lang: str) -> str:
        return self.names.get(lang) or next(iter(self.names.values()), self.id)


@dataclass(frozen=True)
class Source:
    id: str
    label: str
    url: str          # http(s) URL, file:// URL or a path relative to sources.yaml; may hold {date}
    topic: str
    family: str = "generic"
    enabled: bool = True
    subjects: tuple[str, ...] = ()  # bioRxiv/medRxiv details API: keep only these subjects (empty = all)
    fallback: str = ""              # another URL of the same papers, fetched when url fails (e.g. the RSS)
    replacements: str = "list"      # new versions of papers never shown: "list" them compactly, or "ignore"


@dataclass(frozen=True)
class Site:
    title: str = "AcademicHub"
    tagline: dict[str, str] = field(default_factory=lambda: {"en": "Academic Intelligence · Curated Daily", "zh": "学术情报 · 每日精选"})
    heading: dict[str, str] = field(default_factory=lambda: {"en": "Explore the Frontier of Global Academia", "zh": "探索全球前沿学术脉络"})
    description: dict[str, str] = field(default_factory=dict)
    base_url: str = ""        # absolute URL of the published site; "" keeps every link relative
    languages: tuple[str, ...] = ("en", "zh")
    default_language: str = "en"
    timezone: str = "UTC"
    batch_size: int = 20      # cards shown before "another batch"
    page_size: int = 16       # cards on one numbered page of a day (/YYYY-MM-DD/page/2/ holds the next ones)
    full_days: int = 30       # the newest days with full cards; older days list their papers compactly
    feed_days: int = 14       # rolling window of the Atom/RSS feeds
    feed_max_items: int = 300
    contact: str = ""         # URL or address named in the User-Agent
    size_limit_mb: float = 1000.0   # site/ may hold this much (GitHub Pages refuses a site over 1 GB)
    # "owner/name" of the site's GitHub repository, where a card's "report a wrong summary" opens an issue; ""
    # shows no such link (the daily workflow passes its own repository: build.py --repository)
    repository: str = ""


@dataclass(frozen=True)
class FetchOptions:
    timeout: float = 30.0
    attempts: int = 3
    backoff: float = 2.0
    concurrency: int = 8
    per_host: int = 2             # requests in flight to any one host
    max_bytes: int = 20_000_000
    polite_interval: float = 3.0  # seconds between requests to arXiv hosts, as arXiv asks
    deadline: float = 120.0       # seconds for one request, connect to last byte (a slow drip is cut)
    budget: float = 900.0         # seconds for the whole fetch stage; unfinished sources fail this run
    max_items: int = 2000         # items kept per source and run (the rest are dropped, with a warning)
    max_abstract: int = 10000     # characters kept of an abstract
    warn_failures: int = 3        # warn in the build summary when a source fails this many runs in a row
    # seconds during which a stale arXiv category is asked again in the same run (0 = only later runs)
    stale_window: float = field(default=0.0, metadata={"zero_ok": True})
    # seconds a run waits for another run holding content/ before it gives up (0 = not at all)
    lock_wait: float = field(default=5.0, metadata={"zero_ok": True})


@dataclass(frozen=True)
class Radar:
    """The site owner's followed authors and keywords, marked on cards and gathered on /radar/."""

    authors: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()


LLM_MODES = ("sync", "batch")


@dataclass(frozen=True)
class LLMOptions:
    enabled: bool = True               # false: offline summaries even when a key is set
    model: str = "gpt-4o-mini"
    base_url: str = ""                 # "" = OpenAI, or OPENAI_BASE_URL; any OpenAI-compatible /v1 URL
    api_key_env: str = "OPENAI_API_KEY"  # name of the env var holding the key (none needed with a base_url)
    languages: tuple[str, ...] = ("en", "zh")
    concurrency: int = 4               # requests in flight
    batch_size: int = 12               # papers sharing one request (the instructions are paid once)
    batch_chars: int = 14000           # title + abstract characters one request may carry
    # Sized for the default sources' weekday (about 1,200 new papers, plus new versions): no growing backlog.
    max_papers: int = 1500             # papers summarised per run; the rest wait for the next run
    max_tokens: int = 1000000          # prompt + completion tokens spent per run, checked before each request
    briefing_days: int = 3             # the latest days that get an LLM briefing
    timeout: float = 60.0              # seconds per request
    attempts: int = 3                  # tries for timeouts, dropped connections, 429 and 5xx (Retry-After honoured)
    prompt_version: int = 1            # raise it to have every summary and briefing written again
    mode: str = "sync"                 # sync: ask and wait; batch: submit through the Batch API, collect next run
    embeddings_model: str = ""         # "" = the local vectoriser; else the /v1/embeddings model (digest/embeddings.py)
    embeddings_base_url: str = ""      # "" = the chat endpoint's (base_url / OPENAI_BASE_URL)
    embeddings_batch: int = 128        # papers sharing one embeddings request


@dataclass(frozen=True)
class Config:
    path: Path
    site: Site
    fetch: FetchOptions
    topics: dict[str, Topic]
    sources: tuple[Source, ...]
    radar: Radar = Radar()
    llm: LLMOptions = field(default_factory=LLMOptions)

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    def source(self, source_id: str) -> Source | None:
        return next((s for s in self.sources if s.id == source_id), None)


# libyaml's safe loader when PyYAML was built with it: the same documents and marks, six times faster (a
# render reads the config too, and one new day's render takes well under a second).
FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Lines:
    """Maps a dotted key path (`sources[2].url`) to its line in the YAML text."""

    def __init__(self, text: str):
        self.lines: dict[str, int] = {}
        self.duplicates: list[tuple[str, int, int]] = []  # (key path, its line, the earlier line)
        try:
            root = yaml.compose(text, Loader=FAST_LOADER)
        except yaml.YAMLError:
            root = None
        if root is not None:
            self._walk(root, "")

    def _walk(self, node: yaml.Node, path: str) -> None:
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                child = f"{path}.{key.value}" if path else str(key.value)
                if child in self.lines and not any(child.startswith(d + ".") for d, _, _ in self.duplicates):
                    # YAML keeps the last of two equal keys without a word: a forker's second
                    # sources: block would silently replace the first.
                    self.duplicates.append((child, key.start_mark.line + 1, self.lines[child]))
                self.lines[child] = key.start_mark.line + 1
                self._walk(value, child)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self._walk(item, f"{path}[{i}]")

    def at(self, path: str) -> int:
        """Return the line of path, or of its nearest parent in the file (1 when none is)."""
        while path not in self.lines and path:
            parent = re.sub(r"(\.[^.\[]+|\[\d+\])\Z", "", path)
            path = parent if parent != path else ""  # a missing top-level key: the loop must end
        return self.lines.get(path, 1)


_PLAIN_KINDS: dict[str, type | tuple[type, ...]] = {"str": str, "int": int, "float": (int, float), "bool": bool}


class _Checker:
    def __init__(self, filename: str, lines: _Lines):
        self.filename, self.lines = filename, lines
        self.problems: list[str] = []

    def problem(self, path: str, message: str) -> None:
        # A key may itself hold a newline ("cs.LG\n"): escaped, so each problem stays one line.
        shown = _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode(), path)
        self.problems.append(f"{self.filename}:{self.lines.at(path)}: {shown}: {message}")

    def record(self, cls: type, data: Any, path: str, overrides: dict[str, Any] | None = None) -> Any:
        """Build a dataclass from a mapping, checking key names and value types; None on failure."""
        if data is None:
            data = {}
        if not isinstance(data, dict):
            self.problem(path, f"expected a mapping, got {_kind(data)}")
            return None
        known = {f.name: f for f in fields(cls) if f.name not in (overrides or {})}
        values: dict[str, Any] = dict(overrides or {})
        ok = True
        for key, value in data.items():
            where = f"{path}.{key}" if path else str(key)
            if key not in known:
                self.problem(where, f"unknown key ({_did_you_mean(key, sorted(known))})")
                ok = False
                continue
            converted = self.value(str(known[key].type), value, where, known[key].metadata.get("zero_ok", False))
            if converted is _BAD:
                ok = False
            else:
                values[key] = converted
        return cls(**values) if ok else None

    def value(self, kind: str, value: Any, where: str, zero_ok: bool = False) -> Any:
        expect = _PLAIN_KINDS.get(kind)
        if expect is not None:
            if isinstance(value, bool) and kind != "bool" or not isinstance(value, expect):
                # YAML reads a bare yes/no/on/off as true/false: say so, or the message is a riddle.
                hint = " (YAML reads yes, no, on and off as true/false: put the text in quotes)" \
                    if isinstance(value, bool) and kind == "str" else ""
                self.problem(where, f"expected {_article(kind)}, got {_kind(value)} {value!r}{hint}")
                return _BAD
            if kind not in ("int", "float"):
                return value
            number = cast(float, value)   # an int or a float: checked just above
            if number < 0 if zero_ok else number <= 0:
                self.problem(where, f"expected a {'non-negative' if zero_ok else 'positive'} number, got {value!r}")
                return _BAD
            return float(number) if kind == "float" else number
        if kind == "tuple[str, ...]":
            items = value if isinstance(value, list) else None
            if items is None or not all(isinstance(v, str) for v in items):
                self.problem(where, f"expected a list of strings, got {_kind(value)}")
                return _BAD
            return tuple(items)
        if kind == "dict[str, str]":
            if isinstance(value, str):
                return {"*": value}
            if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                self.problem(where, f"expected text or a mapping of language to text, got {_kind(value)}")
                return _BAD
            for lang in value:
                if lang not in LANGUAGES:
                    self.problem(f"{where}.{lang}", f"unknown language {lang!r} (known: {', '.join(LANGUAGES)})")
                    return _BAD
            return dict(value)
        raise TypeError(f"no checker for field type {kind}")


_BAD = object()


def _did_you_mean(key: object, known: "list[str] | tuple[str, ...]") -> str:
    """Return "did you mean 'x'? expected one of: ..." for an unknown key, the guess only when close."""
    guess = difflib.get_close_matches(str(key), known, 1, 0.75)
    return (f"did you mean {guess[0]!r}? " if guess else "") + f"expected one of: {', '.join(known)}"


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "text", bool: "true/false", int: "a number", float: "a number",
            type(None): "nothing"}.get(type(value), type(value).__name__)


def _article(kind: str) -> str:
    return {"str": "text", "int": "a whole number", "float": "a number", "bool": "true or false"}[kind]


def load_config(path: str | Path) -> Config:
    """Read and validate sources.yaml; raise ConfigError listing every problem."""
    path = Path(path)
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError([f"{path}: cannot read the config file: {exc.strerror or exc}"]) from None
    try:
        try:
            data = yaml.load(text, Loader=FAST_LOADER)   # a safe loader, like safe_load's
        except yaml.YAMLError:
            data = yaml.safe_load(text)   # for the pure-Python parser's message, which names the problem better
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{name}:{mark.line + 1}" if mark else name
        raise ConfigError([f"{where}: not valid YAML: {getattr(exc, 'problem', None) or exc}"]) from None
    lines = _Lines(text)
    check = _Checker(name, lines)
    for key, line, earlier in lines.duplicates:
        check.problems.append(f"{name}:{line}: {key}: duplicate key: it would silently replace the one on line {earlier}")
    if not isinstance(data, dict):
        raise ConfigError([f"{name}:1: expected a mapping with site, topics and sources"])
    misspelt = set()
    for key in data:
        if key not in ("site", "fetch", "llm", "topics", "sources", "radar"):
            check.problem(str(key), f"unknown key ({_did_you_mean(key, ('fetch', 'llm', 'radar', 'site', 'sources', 'topics'))})")
            misspelt.update(difflib.get_close_matches(str(key), ("topics", "sources"), 1, 0.75))

    site = check.record(Site, data.get("site"), "site") or Site()
    fetch = check.record(FetchOptions, data.get("fetch"), "fetch") or FetchOptions()
    llm = check.record(LLMOptions, data.get("llm"), "llm") or LLMOptions()
    site = _check_site(check, site)
    _check_llm(check, llm)
    topics = _load_topics(check, data.get("topics"))
    sources = _load_sources(check, data.get("sources"), topics, path.parent)
    radar = check.record(Radar, data.get("radar"), "radar") or Radar()
    _check_radar(check, radar)
    # A misspelt `sources:` is one mistake: the missing `sources` it leaves is not a second one.
    check.problems = [p for p in check.problems if p.split(": ", 2)[1] not in misspelt - set(data)]
    if check.problems:
        raise ConfigError(check.problems)
    return Config(path=path.resolve(), site=site, fetch=fetch, topics=topics, sources=sources, radar=radar, llm=llm)


def _check_radar(check: _Checker, radar: Radar) -> None:
    for key in ("authors", "keywords"):
        for i, item in enumerate(getattr(radar, key)):
            if len(item.strip()) < 2:
                check.problem(f"radar.{key}[{i}]", f"expected a name or word of at least 2 letters, got {item!r}")


def _check_languages(check: _Checker, key: str, languages: tuple[str, ...]) -> None:
    for lang in languages:
        if lang not in LANGUAGES:
            check.problem(key, f"unknown language {lang!r} (known: {', '.join(LANGUAGES)})")
    if not languages:
        check.problem(key, "list at least one language")


def _check_line(check: _Checker, key: str, text: str, example: str) -> None:
    """Report text that is blank or holds a newline: a name shown on one line (a tab title, a card's badge)."""
    if not text.strip():
        check.problem(key, f"expected a name, e.g. {example}, got {text!r}")
    elif _CONTROL.search(text):
        check.problem(key, f"expected one line without control characters, got {text!r}")


def _check_site(check: _Checker, site: Site) -> Site:
    """Report the site's problems; return it with base_url in the ASCII form links and headers use."""
    _check_line(check, "site.title", site.title, "Lab Digest")
    _check_languages(check, "site.languages", site.languages)
    if site.default_language not in site.languages:
        check.problem("site.default_language", f"{site.default_language!r} is not in site.languages")
    try:
        ZoneInfo(site.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        check.problem("site.timezone", f"unknown time zone {site.timezone!r} (use a name like UTC or Asia/Shanghai)")
    if not _PRINTABLE_ASCII.fullmatch(site.contact):   # an e-mail's non-ASCII domain: write its xn-- form
        check.problem("site.contact", f"must be printable ASCII for the User-Agent header, got {site.contact!r}")
    if site.repository and not GITHUB_REPOSITORY.fullmatch(site.repository):
        check.problem("site.repository", f"expected a GitHub repository as owner/name, got {site.repository!r}")
    try:
        return replace(site, base_url=site_url(site.base_url))
    except ValueError as exc:
        check.problem("site.base_url", str(exc))
        return site


def _check_llm(check: _Checker, llm: LLMOptions) -> None:
    _check_languages(check, "llm.languages", llm.languages)
    for key, url in (("llm.base_url", llm.base_url), ("llm.embeddings_base_url", llm.embeddings_base_url)):
        if url and (why := http_problem(url) or (None if HTTP_URL.fullmatch(url) else
                    f"expected an http(s) URL such as http://127.0.0.1:11434/v1, got {url!r}")):
            check.problem(key, why)
    if llm.embeddings_model:
        _check_line(check, "llm.embeddings_model", llm.embeddings_model, "text-embedding-3-small or nomic-embed-text")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", llm.api_key_env):
        check.problem("llm.api_key_env", f"expected the name of an environment variable, got {llm.api_key_env!r}")
    if not llm.model.strip():
        check.problem("llm.model", "name the model, e.g. gpt-4o-mini, deepseek-chat or llama3.1")
    if llm.mode not in LLM_MODES:
        check.problem("llm.mode", f"expected {' or '.join(LLM_MODES)} (batch: OpenAI's Batch API, half the price, "
                                  f"answers by the next run), got {llm.mode!r}")


def _load_topics(check: _Checker, data: Any) -> dict[str, Topic]:
    if not isinstance(data, dict) or not data:
        check.problem("topics", "expected a mapping of topic id to its names, e.g. cs.LG: {en: Machine Learning}")
        return {}
    topics = {}
    folders: dict[str, str] = {}   # folded id -> topic id
    for topic_id, names in data.items():
        where = f"topics.{topic_id}"
        if not isinstance(topic_id, str) or not _TOPIC_ID.fullmatch(topic_id) or len(topic_id) > ID_MAX:
            check.problem(where, f"{topic_id!r}: a topic id is at most {ID_MAX} letters, digits, dots and dashes, "
                                 "starting and ending with a letter or digit (it names a folder and a URL segment)")
            continue
        if (earlier := folders.setdefault(topic_id.lower(), topic_id)) != topic_id:
            # macOS and Windows fold case: topics/cs.lg/ would overwrite topics/cs.LG/
            check.problem(where, f"{topic_id!r} and {earlier!r} would share one folder where case is ignored "
                                 "(macOS, Windows): rename one")
        converted = check.value("dict[str, str]", names, where)
        if converted is _BAD and isinstance(names, dict):  # keep the topic: its sources are not wrong too
            converted = {k: v for k, v in names.items() if k in LANGUAGES and isinstance(v, str)} or {"en": topic_id}
        if converted is not _BAD:
            topics[topic_id] = Topic(topic_id, {k if k != "*" else "en": v for k, v in converted.items()})
    return topics


def _load_sources(check: _Checker, data: Any, topics: dict[str, Topic], base_dir: Path) -> tuple[Source, ...]:
    if not isinstance(data, list) or not data:
        check.problem("sources", "expected a list of sources, each with id, label, url and topic")
        return ()
    sources: list[Source] = []
    seen: set[str] = set()
    for i, item in enumerate(data):
        where = f"sources[{i}]"
        if isinstance(item, dict):
            missing = [k for k in ("id", "label", "url", "topic") if k not in item]
            if missing:
                check.problem(where, f"missing {', '.join(missing)}")
                continue
        source = check.record(Source, item, where)
        if source is None:
            continue
        if not _SOURCE_ID.fullmatch(source.id) or len(source.id) > ID_MAX:
            check.problem(f"{where}.id", f"{source.id!r}: use lower-case letters, digits and dashes, at most {ID_MAX}")
        elif source.id in seen:
            check.problem(f"{where}.id", f"duplicate source id {source.id!r}")
        seen.add(source.id)
        _check_line(check, f"{where}.label", source.label, "arXiv (CS.LG)")
        if (why := check_source_url(source.url, base_dir)) is not None:
            check.problem(f"{where}.url", why)
        if topics and source.topic not in topics:  # no topics at all is reported once, under topics
            check.problem(f"{where}.topic", f"unknown topic {source.topic!r} (add it under topics:)")
        if source.fallback and (why := check_source_url(source.fallback, base_dir)) is not None:
            check.problem(f"{where}.fallback", why)
        if source.replacements not in REPLACEMENTS:
            check.problem(f"{where}.replacements", f"expected one of: {', '.join(REPLACEMENTS)}, got {source.replacements!r}")
        if source.subjects and (item.get("family") or guess_family(source.url)) != "biorxiv":
            check.problem(f"{where}.subjects", "subjects filter the bioRxiv/medRxiv details API; set family: biorxiv")
        for j, subject in enumerate(source.subjects):   # one subject is sent in the API's URL
            _check_line(check, f"{where}.subjects[{j}]", subject, "bioinformatics")
        if "family" in item and source.family not in FAMILIES:
            check.problem(f"{where}.family", f"unknown family {source.family!r} (one of: {', '.join(FAMILIES)})")
        elif "family" not in item:
            source = Source(**{**source.__dict__, "family": guess_family(source.url)})
        sources.append(source)
    return tuple(sources)
