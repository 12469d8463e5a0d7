"""A loopback HTTP server for tests: serves a folder of fixture files plus scripted routes, and records requests.

    with FeedServer(root=tmp_path) as server:          # or the `feed_server` fixture
        url = server.route("/flaky", sequence(status(503), ok(b"<rss/>")))
        ...
        assert server.requests_to("/flaky")[0].headers["User-Agent"]

`route_prefix("/details/biorxiv", details_api(records, page_size=2))` answers every path under a prefix:
here like bioRxiv's details API, by date range and cursor, with an optional lying total.

A handler takes a `Request` and returns a `Reply` or a (status, headers, body) tuple; body is bytes
(sent with Content-Length) or an iterable of byte chunks (sent chunked unless the headers give a
Content-Length). Handlers run in the server's threads, one per connection.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import mimetypes
import socket
import struct
import threading
import time
import traceback
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from email.message import Message
from email.utils import formatdate, parsedate_to_datetime
from functools import lru_cache
from pathlib import Path
from types import TracebackType
from urllib.parse import parse_qs, unquote, urlsplit


@dataclass(frozen=True)
class Request:
    """One request as the server saw it."""

    method: str
    path: str  # decoded, without the query string
    query: str
    headers: Message  # case-insensitive: headers["user-agent"]
    body: bytes
    time: float  # time.monotonic() when the request's headers had arrived
    _stopping: threading.Event = field(repr=False, compare=False)

    def sleep(self, seconds: float) -> None:
        """Sleep, waking early when the server stops so a slow route never holds up teardown."""
        self._stopping.wait(seconds)


@dataclass(frozen=True)
class Reply:
    """What a handler answers."""

    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | Iterable[bytes] = b""


Handler = Callable[[Request], "Reply | tuple[int, Mapping[str, str], bytes | Iterable[bytes]]"]


class Drop(Exception):
    """Raised by a handler to close the connection without any response."""

    def __init__(self, reset: bool = True):
        super().__init__("drop connection")
        self.reset = reset


# ---- ready-made handlers -------------------------------------------------------------------------


def ok(body: bytes | str, content_type: str = "application/xml", headers: Mapping[str, str] | None = None) -> Handler:
    """Answer 200 with a fixed body."""
    data = body.encode() if isinstance(body, str) else body
    return lambda req: Reply(200, {"Content-Type": content_type, **(headers or {})}, data)


def status(code: int, body: bytes = b"", headers: Mapping[str, str] | None = None) -> Handler:
    """Answer a fixed status, e.g. status(404), status(503)."""
    return lambda req: Reply(code, dict(headers or {}), body)


def retry_after(value: float | str, code: int = 429) -> Handler:
    """Answer 429 (or 503) with a Retry-After of seconds or an HTTP-date string."""
    text = f"{value:g}" if isinstance(value, (int, float)) else value
    return lambda req: Reply(code, {"Retry-After": text}, b"")


def slow(seconds: float, then: Handler | None = None) -> Handler:
    """Wait before answering with `then` (default 200 "ok"); a long wait makes a hanging route."""
    after = then or ok(b"ok", "text/plain")

    def handler(req: Request) -> Reply | tuple[int, Mapping[str, str], bytes | Iterable[bytes]]:
        req.sleep(seconds)
        return after(req)

    return handler


def drip(body: bytes, interval: float, chunk_size: int = 1, content_type: str = "application/xml") -> Handler:
    """Answer 200 and send the body chunk_size bytes at a time, interval seconds apart (chunked)."""

    def handler(req: Request) -> Reply:
        def chunks() -> Iterator[bytes]:
            for start in range(0, len(body), chunk_size):
                if start:
                    req.sleep(interval)
                yield body[start : start + chunk_size]

        return Reply(200, {"Content-Type": content_type}, chunks())

    return handler


def drop(reset: bool = True) -> Handler:
    """Close the connection without a response: a TCP reset, or a plain close if reset=False."""

    def handler(req: Request) -> Reply:
        raise Drop(reset)

    return handler


def redirect(location: str, code: int = 302) -> Handler:
    """Redirect to location (a path on this server or a full URL)."""
    return lambda req: Reply(code, {"Location": location}, b"")


def redirect_loop(code: int = 302) -> Handler:
    """Redirect every request back to its own path, forever."""
    return lambda req: Reply(code, {"Location": req.path}, b"")


def conditional(
    body: bytes, etag: str | None = None, last_modified: str | None = None, content_type: str = "application/xml"
) -> Handler:
    """Answer 200 with ETag/Last-Modified, or 304 when the request's validators match them."""
    return lambda req: _conditional_reply(req, body, etag, last_modified, content_type)


def huge(size: int, content_length: bool = True, chunk_size: int = 65536) -> Handler:
    """Answer 200 with size bytes, streamed; with or without a Content-Length header."""

    def chunks() -> Iterator[bytes]:
        block = b"x" * chunk_size
        for start in range(0, size, chunk_size):
            yield block[: min(chunk_size, size - start)]

    headers = {"Content-Type": "application/xml"} | ({"Content-Length": str(size)} if content_length else {})
    return lambda req: Reply(200, headers, chunks())


def gzip_bomb(size: int = 50_000_000) -> Handler:
    """Answer 200 with Content-Encoding: gzip of size zero bytes (about 1000 times smaller on the wire)."""
    data = _gzipped_zeros(size)
    headers = {"Content-Type": "application/xml", "Content-Encoding": "gzip"}
    return lambda req: Reply(200, headers, data)


def details_api(records: list[dict], page_size: int = 100, total: Callable[[int], int] | None = None) -> Handler:
    """Answer like api.biorxiv.org's `details/{server}/{from}/{to}/{cursor}`: the records dated in the range
    (and of `?category=`, spaces as underscores), page_size at a time; total(real) may lie about the count."""

    def handler(req: Request) -> Reply:
        parts = req.path.rstrip("/").split("/")
        start, end, cursor = parts[-3], parts[-2], int(parts[-1])
        category = parse_qs(req.query).get("category", [""])[0].replace("_", " ").lower()
        chosen = [r for r in records if start <= r["date"] <= end and (not category or r["category"].lower() == category)]
        page = chosen[cursor : cursor + page_size]
        reported = total(len(chosen)) if total else len(chosen)
        message = {"status": "ok", "interval": f"{start}:{end}", "cursor": str(cursor), "count": len(page),
                   "count_new_papers": str(sum(r["version"] == "1" for r in page)), "total": str(reported)}
        body = json.dumps({"messages": [message], "collection": page}).encode()
        return Reply(200, {"Content-Type": "application/json;charset=utf-8"}, body)

    return handler


def sequence(*handlers: Handler) -> Handler:
    """Answer with each handler in turn, then keep using the last: sequence(status(503), ok(b"..."))."""
    lock = threading.Lock()
    calls = 0

    def handler(req: Request) -> Reply | tuple[int, Mapping[str, str], bytes | Iterable[bytes]]:
        nonlocal calls
        with lock:
            chosen = handlers[min(calls, len(handlers) - 1)]
            calls += 1
        return chosen(req)

    return handler


def _conditional_reply(req: Request, body: bytes, etag: str | None, last_modified: str | None, content_type: str) -> Reply:
    """Return 304 if the request's validators match etag/last_modified, else 200 with the body."""
    validators = {k: v for k, v in (("ETag", etag), ("Last-Modified", last_modified)) if v}
    if _not_modified(req, etag, last_modified):
        return Reply(304, validators, b"")
    return Reply(200, {"Content-Type": content_type, **validators}, body)


def _not_modified(req: Request, etag: str | None, last_modified: str | None) -> bool:
    """Return whether the request's If-None-Match / If-Modified-Since say the client is up to date."""
    if_none_match = req.headers.get("If-None-Match")
    if if_none_match is not None:  # takes precedence over If-Modified-Since (RFC 9110)
        tags = [tag.strip() for tag in if_none_match.split(",")]
        return etag is not None and ("*" in tags or etag in tags)
    since = req.headers.get("If-Modified-Since")
    if since is None or last_modified is None:
        return False
    try:
        return parsedate_to_datetime(last_modified) <= parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return since == last_modified


@lru_cache(maxsize=4)
def _gzipped_zeros(size: int) -> bytes:
    """Return gzip-compressed zeros, compressed a block at a time to keep memory small."""
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    block = bytes(1 << 20)
    parts = [packer.compress(block[: min(len(block), size - start)]) for start in range(0, size, len(block))]
    return b"".join(parts) + packer.flush()


# ---- the server ----------------------------------------------------------------------------------


class _HTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default of 5 makes a burst of parallel connects wait on SYN retries
    feed: FeedServer

    def handle_error(self, request: object, client_address: object) -> None:
        """Stay quiet: clients hanging up mid-reply is what many tests are about."""


class _RequestHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real feed servers do
    server: _HTTPServer

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet."""

    def do_GET(self) -> None:
        """Hand every method to the FeedServer."""
        self.server.feed._serve(self)

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_GET


class FeedServer:
    """A threaded HTTP server on 127.0.0.1 serving files from root plus scripted routes."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root  # folder of files to serve; routes take precedence
        self.requests: list[Request] = []  # every request, in arrival order
        self.errors: list[BaseException] = []  # exceptions raised by handlers (answered with 500)
        self.max_in_flight = 0  # most requests being handled at once
        self._routes: dict[str, Handler] = {}
        self._prefixes: dict[str, Handler] = {}
        self._lock = threading.Lock()
        self._in_flight = 0
        self._stopping = threading.Event()
        self._httpd = _HTTPServer(("127.0.0.1", 0), _RequestHandler)
        self._httpd.feed = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)

    @property
    def port(self) -> int:
        """Return the port the server listens on."""
        return int(self._httpd.server_address[1])

    def url(self, path: str = "/") -> str:
        """Return the full URL of path on this server."""
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}"

    def route(self, path: str, handler: Handler) -> str:
        """Answer requests for path (query string ignored) with handler; return the path's URL."""
        self._routes["/" + path.lstrip("/")] = handler
        return self.url(path)

    def route_prefix(self, prefix: str, handler: Handler) -> str:
        """Answer every path under prefix (when no exact route matches) with handler; return the prefix's URL."""
        self._prefixes["/" + prefix.strip("/") + "/"] = handler
        return self.url(prefix)

    def requests_to(self, path: str) -> list[Request]:
        """Return the recorded requests for path, in arrival order."""
        with self._lock:
            return [req for req in self.requests if req.path == "/" + path.lstrip("/")]

    def start(self) -> FeedServer:
        """Start serving in a daemon thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Wake sleeping handlers, stop serving and close the listening socket."""
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FeedServer:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def _serve(self, h: _RequestHandler) -> None:
        """Record one request, find its reply and send it."""
        parts = urlsplit(h.path)
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        req = Request(h.command, unquote(parts.path), parts.query, h.headers, body, time.monotonic(), self._stopping)
        with self._lock:
            self.requests.append(req)
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
        try:
            try:
                reply = self._reply(req)
            except Drop:
                raise
            except Exception as exc:  # a bug in a test's handler: answer 500 and keep it for the test
                self.errors.append(exc)
                reply = Reply(500, {"Content-Type": "text/plain"}, traceback.format_exc().encode())
            self._send(h, req, reply)
        except Drop as dropped:
            self._drop(h, dropped.reset)
        except OSError:
            h.close_connection = True  # the client hung up, e.g. on reaching its size cap
        except Exception as exc:  # a streamed body raised mid-reply: all we can do is hang up
            self.errors.append(exc)
            h.close_connection = True
        finally:
            with self._lock:
                self._in_flight -= 1

    def _reply(self, req: Request) -> Reply:
        """Return the scripted route's reply, else the file under root, else 404."""
        handler = self._routes.get(req.path)
        if handler is None:
            under = [p for p in self._prefixes if req.path.startswith(p)]
            handler = self._prefixes[max(under, key=len)] if under else self._serve_file
        answer = handler(req)
        return answer if isinstance(answer, Reply) else Reply(*answer)

    def _serve_file(self, req: Request) -> Reply:
        """Answer with the file under root (with validators, so 304 works), else 404."""
        if self.root is not None:
            root = self.root.resolve()
            target = (root / req.path.lstrip("/")).resolve()
            if target.is_relative_to(root) and target.is_file():
                data = target.read_bytes()
                etag = '"' + hashlib.sha1(data).hexdigest()[:16] + '"'
                modified = formatdate(target.stat().st_mtime, usegmt=True)
                content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
                return _conditional_reply(req, data, etag, modified, content_type)
        return Reply(404, {"Content-Type": "text/plain"}, b"not found\n")

    def _send(self, h: _RequestHandler, req: Request, reply: Reply) -> None:
        """Write the status line, headers and body, chunked when the length is unknown."""
        headers = dict(reply.headers)
        names = {name.lower() for name in headers}
        bodiless = req.method == "HEAD" or reply.status in (204, 304) or reply.status < 200
        chunked = False
        if isinstance(reply.body, (bytes, bytearray)):
            if "content-length" not in names and reply.status not in (204, 304):
                headers["Content-Length"] = str(len(reply.body))
        elif "content-length" not in names and not bodiless:
            headers["Transfer-Encoding"] = "chunked"
            chunked = True
        h.send_response(reply.status)
        for name, value in headers.items():
            h.send_header(name, value)
        h.end_headers()
        if bodiless:
            return
        if isinstance(reply.body, (bytes, bytearray)):
            h.wfile.write(reply.body)
            return
        for chunk in reply.body:
            if chunk:
                h.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk)
        if chunked:
            h.wfile.write(b"0\r\n\r\n")

    def _drop(self, h: _RequestHandler, reset: bool) -> None:
        """Close the connection unanswered; SO_LINGER 0 turns the close into a TCP reset."""
        h.close_connection = True
        if reset:
            h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        h.connection.close()
