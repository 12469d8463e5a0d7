"""Fetch each source's bytes over HTTP(S) or from disk: the only code that talks to feed hosts."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import httpx2

MAX_REDIRECTS = 5
# Transient network trouble is worth another try; anything else (bad URL, TLS, decoding) is not.
RETRYABLE_ERRORS = (httpx2.TimeoutException, httpx2.NetworkError, httpx2.RemoteProtocolError)


@dataclass(frozen=True)
class FetchRequest:
    source_id: str  # key in sources.yaml, used in every message
    url: str  # http(s) URL, file:// URL, or a local path (relative to FetchSettings.base_dir)
    etag: str | None = None  # from the previous successful fetch (conditional GET)
    last_modified: str | None = None


@dataclass(frozen=True)
class FetchSettings:
    user_agent: str  # e.g. "AcademicHub/0.1 (+https://example.org/; daily digest)"
    timeout: float = 30.0  # per connect/read/write, seconds
    # A server dripping a byte every few seconds never trips `timeout`: one attempt, from connecting
    # to the last byte, gets at most `deadline` seconds, and the whole fetch_all call at most `budget`.
    deadline: float = 120.0
    budget: float = 900.0
    attempts: int = 3  # total tries for retryable failures (connect errors, timeouts, 429, 5xx)
    backoff: float = 1.0  # first retry delay; doubles each time
    max_retry_after: float = 120.0  # a longer Retry-After gives up on the source instead of sleeping
    max_bytes: int = 20_000_000  # cap on the decoded body
    concurrency: int = 8  # total requests in flight
    per_host: int = 2  # max concurrent requests to any one host
    # host -> min seconds from one request's end to the next one's start; these hosts (and their
    # subdomains) get one request at a time. Each family names its own (sources.polite_hosts).
    polite_hosts: Mapping[str, float] = field(default_factory=dict)
    base_dir: Path = Path(".")  # for relative local paths


@dataclass(frozen=True)
class FetchResult:
    source_id: str
    url: str
    status: str  # "ok" | "not_modified" | "failed"
    body: bytes | None = None  # for "ok"
    etag: str | None = None  # validators to send next time
    last_modified: str | None = None
    content_type: str | None = None
    http_status: int | None = None
    attempts: int = 0
    error: str | None = None  # for "failed": one line naming the source


@dataclass(frozen=True)
class _Retry:
    """A transient failure of one attempt, with the wait the server asked for, if any."""

    reason: str
    http_status: int | None = None
    retry_after: float | None = None


def _failed(req: FetchRequest, error: str, attempts: int = 1, http_status: int | None = None) -> FetchResult:
    """Return a failed result whose message names the source."""
    message = f"source '{req.source_id}': {error}"
    return FetchResult(req.source_id, req.url, "failed", http_status=http_status, attempts=attempts, error=message)


def _one_line(exc: BaseException) -> str:
    """Return an exception's class and message on a single line."""
    text = " ".join(str(exc).split()).rstrip(".")
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _polite(host: str, polite_hosts: Mapping[str, float]) -> tuple[str, float] | None:
    """Return (gate key, min seconds between requests) if host is a polite host or under one."""
    host = host.lower().rstrip(".")
    matches = [name for name in polite_hosts if host == name.lower() or host.endswith("." + name.lower())]
    if not matches:
        return None
    # Key on the broadest match so that every arxiv.org machine shares one gate.
    return min(matches, key=len).lower(), max(polite_hosts[name] for name in matches)


def polite_interval(url: str, settings: FetchSettings) -> float:
    """Return the seconds that must separate requests to url's host (0 for an ordinary host)."""
    polite = _polite(urlsplit(url).hostname or "", settings.polite_hosts)
    return polite[1] if polite else 0.0


def _retry_after(value: str | None) -> float | None:
    """Return the seconds a Retry-After header asks for (seconds or HTTP-date), or None."""
    try:
        seconds = float(value or "")
    except ValueError:
        try:
            when = parsedate_to_datetime(value or "")
        except (TypeError, ValueError):
            return None
        when = when if when.tzinfo else when.replace(tzinfo=UTC)
        return max((when - datetime.now(UTC)).total_seconds(), 0.0)
    return seconds if seconds >= 0 else None  # also rejects NaN


class _Gates:
    """Limits for one fetch_all call: requests in flight, per host, and spaced starts on polite hosts."""

    def __init__(self, settings: FetchSettings) -> None:
        self._settings = settings
        self._total = asyncio.Semaphore(max(settings.concurrency, 1))
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._next_start: dict[str, float] = {}
        self.end = asyncio.get_running_loop().time() + settings.budget  # the run budget's end, loop time

    @asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        """Hold a slot for one request to host, waiting for the host's turn first."""
        polite = _polite(host, self._settings.polite_hosts)
        key, interval = polite or (host.lower(), 0.0)
        limit = 1 if polite else max(self._settings.per_host, 1)
        # Wait for the host before the global slot, so queued polite requests don't hog it.
        async with self._hosts.setdefault(key, asyncio.Semaphore(limit)):
            delay = self._next_start.get(key, 0.0) - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            async with self._total:
                try:
                    yield
                finally:
                    # Counting from the end, not the start, keeps the gap even when connecting
                    # delayed this request's arrival: the server sees starts at least interval apart.
                    self._next_start[key] = time.monotonic() + interval


async def _read_capped(response: httpx2.Response, max_bytes: int) -> bytes | None:
    """Return the decoded body, or None as soon as it grows past max_bytes."""
    chunks: list[bytes] = []
    size = 0
    # aiter_bytes yields decompressed data in bounded pieces, so this also cuts a gzip bomb.
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > max_bytes:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def _attempt(client: httpx2.AsyncClient, req: FetchRequest, headers: dict[str, str], settings: FetchSettings
                   ) -> FetchResult | _Retry:
    """Make one GET; return the final result, or a _Retry for a transient failure."""
    cap = f"the max_bytes cap of {settings.max_bytes} bytes"
    try:
        # Per-request options, so a client passed in by the caller still follows the settings.
        stream = client.stream("GET", req.url, headers=headers, follow_redirects=True, timeout=settings.timeout)
        async with stream as response:
            code, got = response.status_code, response.headers
            where = f"HTTP {code} from {response.url}"
            if code == 304:
                etag, modified = got.get("ETag", req.etag), got.get("Last-Modified", req.last_modified)
                return FetchResult(req.source_id, req.url, "not_modified", None, etag, modified, http_status=code)
            if code == 429 or code >= 500:
                wait = _retry_after(got.get("Retry-After")) if code in (429, 503) else None
                return _Retry(where, code, wait)
            if not 200 <= code < 300:
                return _failed(req, f"{where}; check the source's url", http_status=code)
            declared = got.get("Content-Length", "")
            if declared.isdigit() and int(declared) > settings.max_bytes:
                return _failed(req, f"{response.url} declares {declared} bytes, over {cap}", http_status=code)
            body = await _read_capped(response, settings.max_bytes)
            if body is None:
                return _failed(req, f"body from {response.url} is over {cap}", http_status=code)
            validators = got.get("ETag"), got.get("Last-Modified")
            return FetchResult(req.source_id, req.url, "ok", body, *validators, got.get("Content-Type"), code)
    except httpx2.TimeoutException as exc:
        return _Retry(f"timed out ({type(exc).__name__}, limit {settings.timeout:g} s) fetching {req.url}")
    except RETRYABLE_ERRORS as exc:
        return _Retry(f"network error ({_one_line(exc)}) fetching {req.url}")
    except httpx2.TooManyRedirects:
        return _failed(req, f"too many redirects (a redirect loop?) from {req.url}")
    except (httpx2.HTTPError, httpx2.InvalidURL) as exc:
        return _failed(req, f"{_one_line(exc)} fetching {req.url}")


async def _fetch_http(client: httpx2.AsyncClient, req: FetchRequest, settings: FetchSettings, gates: _Gates,
                      host: str) -> FetchResult:
    """Fetch one URL, retrying transient failures with backoff or as Retry-After asks."""
    validators = {"If-None-Match": req.etag, "If-Modified-Since": req.last_modified}
    headers = {"User-Agent": settings.user_agent} | {name: value for name, value in validators.items() if value}
    attempt = 0
    while True:
        attempt += 1
        async with gates.slot(host):
            try:
                async with asyncio.timeout(settings.deadline):
                    outcome = await _attempt(client, req, headers, settings)
            except TimeoutError:
                outcome = _Retry(f"no complete answer within the deadline of {settings.deadline:g} s "
                                 f"(fetch.deadline) fetching {req.url}")
        if isinstance(outcome, FetchResult):
            return replace(outcome, attempts=attempt)
        wait = outcome.retry_after
        if wait is not None and wait > settings.max_retry_after:
            limit = f"max_retry_after ({settings.max_retry_after:g} s)"
            return _failed(req, f"{outcome.reason} asks to retry after {wait:.0f} s, over {limit}; skipped this run",
                           attempt, outcome.http_status)
        if attempt < settings.attempts and wait is not None and asyncio.get_running_loop().time() + wait > gates.end:
            # Sleeping into the budget's end would only turn a clear answer into a vaguer one.
            return _failed(req, f"{outcome.reason} asks to retry after {wait:.0f} s, past the end of the run budget "
                                f"(fetch.budget {settings.budget:g} s); skipped this run", attempt, outcome.http_status)
        if attempt >= settings.attempts:
            plural = "s" if attempt > 1 else ""
            return _failed(req, f"{outcome.reason} after {attempt} attempt{plural}", attempt, outcome.http_status)
        delay = wait if wait is not None else settings.backoff * 2 ** (attempt - 1)
        await asyncio.sleep(delay * random.uniform(1.0, 1.1))  # jitter keeps parallel retries apart


def _read_file(req: FetchRequest, settings: FetchSettings) -> FetchResult:
    """Read a local feed file (file:// URL or path, relative to base_dir), refusing one over max_bytes."""
    parts = urlsplit(req.url)
    path = Path(url2pathname(parts.path)) if parts.scheme.lower() == "file" else Path(req.url).expanduser()
    path = (settings.base_dir / path).absolute()  # a full path in messages says where we looked
    try:
        with path.open("rb") as file:
            body = file.read(settings.max_bytes + 1)
    except FileNotFoundError:
        return _failed(req, f"file not found: {path}")
    except OSError as exc:
        return _failed(req, f"cannot read {path}: {exc.strerror or _one_line(exc)}")
    if len(body) > settings.max_bytes:
        return _failed(req, f"{path} is over the max_bytes cap of {settings.max_bytes} bytes")
    return FetchResult(req.source_id, req.url, "ok", body, attempts=1)


async def _fetch_one(client: httpx2.AsyncClient, req: FetchRequest, settings: FetchSettings, gates: _Gates
                     ) -> FetchResult:
    """Fetch one source from the network or the disk, by the form of its url."""
    try:
        parts = urlsplit(req.url)
        _ = parts.port  # raises ValueError for a bad port, which httpx would pass on to connect()
    except ValueError as exc:
        return _failed(req, f"invalid URL {req.url}: {exc}", 0)
    scheme = parts.scheme.lower()
    if scheme in ("http", "https"):
        if not parts.hostname:
            return _failed(req, f"invalid URL {req.url}: no host name", 0)
        return await _fetch_http(client, req, settings, gates, parts.hostname)
    if scheme in ("", "file") or len(scheme) == 1:  # one letter: a Windows drive, "C:\feeds\x.xml"
        return await asyncio.to_thread(_read_file, req, settings)
    return _failed(req, f"unsupported URL scheme '{scheme}' in {req.url}; use http(s), file:// or a path", 0)


def make_client(settings: FetchSettings) -> httpx2.AsyncClient:
    """Return an AsyncClient with the settings' timeout and User-Agent, following at most 5 redirects."""
    return httpx2.AsyncClient(timeout=settings.timeout, headers={"User-Agent": settings.user_agent},
                              follow_redirects=True, max_redirects=MAX_REDIRECTS)


class Session:
    """One client and one set of host gates, shared by every request of a run (follow-up pages too)."""

    def __init__(self, settings: FetchSettings, client: httpx2.AsyncClient) -> None:
        self.settings, self.client, self._gates = settings, client, _Gates(settings)

    async def fetch(self, req: FetchRequest) -> FetchResult:
        """Fetch one request under the run's limits, cut off when the run's budget is spent so one slow host
        cannot stall the build."""
        try:
            async with asyncio.timeout_at(self._gates.end):
                return await _fetch_one(self.client, req, self.settings, self._gates)
        except TimeoutError:
            return _failed(req, f"not finished within the run budget of {self.settings.budget:g} s (fetch.budget) "
                                f"fetching {req.url}; skipped this run", 0)


async def fetch_all(requests: Sequence[FetchRequest], settings: FetchSettings,
                    client: httpx2.AsyncClient | None = None) -> list[FetchResult]:
    """Return one result per request, in order; a source's failure is a result, never an exception."""
    if client is None:
        async with make_client(settings) as own:
            return await fetch_all(requests, settings, own)
    session = Session(settings, client)
    # A TaskGroup cancels the other fetches if one hits a bug, rather than leaving them running.
    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(session.fetch(req)) for req in requests]
    return [task.result() for task in tasks]


def fetch_sources(requests: Sequence[FetchRequest], settings: FetchSettings) -> list[FetchResult]:
    """Fetch all sources with a fresh client and return their results in request order."""
    return asyncio.run(fetch_all(requests, settings))
