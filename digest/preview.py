"""The local preview server (build.py serve, and the tests' server): static files, with HTTP Range requests.

The search page reads its index in pieces with Range requests, as GitHub Pages answers them; Python's
http.server answers every request with the whole file, so this handler adds single ranges (RFC 9110 14.1.2).
"""

from __future__ import annotations

import email.utils
import http.server
import io
import os
import re
from typing import Any

RANGE = re.compile(r"bytes=(\d*)-(\d*)$")


def byte_range(header: str, size: int) -> tuple[int, int] | None:
    """The first and last byte a Range header asks of a file of `size` bytes, or None if it asks none of it."""
    match = RANGE.match(header.strip())
    if not match or not (match[1] or match[2]):
        return None
    if not match[1]:   # "-n": the last n bytes
        first, last = max(0, size - int(match[2])), size - 1
    else:
        first, last = int(match[1]), min(int(match[2]), size - 1) if match[2] else size - 1
    return (first, last) if first <= last else None


class RangeRequestHandler(http.server.SimpleHTTPRequestHandler):
    """SimpleHTTPRequestHandler that answers a single byte range with 206 Partial Content."""

    # Keep-alive, as any real host: a query's dozen small requests should not each open a connection.
    protocol_version = "HTTP/1.1"

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except (ConnectionResetError, BrokenPipeError):   # a browser closing a kept-alive connection
            self.close_connection = True

    def send_head(self) -> Any:
        header = self.headers.get("Range")
        path = self.translate_path(self.path)
        if not header or not os.path.isfile(path):
            return super().send_head()
        with open(path, "rb") as file:
            size = os.fstat(file.fileno()).st_size
            wanted = byte_range(header, size)
            if wanted is None:
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{size}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            first, last = wanted
            file.seek(first)
            data = file.read(last - first + 1)
            modified = os.fstat(file.fileno()).st_mtime
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Range", f"bytes {first}-{last}/{size}")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Last-Modified", email.utils.formatdate(modified, usegmt=True))
        self.end_headers()
        return io.BytesIO(data)


class QuietRangeHandler(RangeRequestHandler):
    """The same, without logging every request to stderr (tests)."""

    def log_message(self, format: str, *args: Any) -> None:
        pass
