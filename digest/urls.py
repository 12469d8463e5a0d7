"""URL rules of sources.yaml: what an http(s) URL must be for httpx to send it, and the site's own address."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Protocol
from urllib.parse import quote, urlsplit, urlunsplit

# Control characters a one-line value (a URL, a path, an id) may not hold: a `|` block's final newline among them.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")

_HOST = re.compile(r"(?:[a-z0-9-]+\.)+[a-z]{2,24}", re.I)

# An absolute http(s) URL: the site's own address, an LLM endpoint. Matched whole, with fullmatch.
HTTP_URL = re.compile(r"https?://[^/\s]+(/\S*)?")


def http_problem(url: str) -> str | None:
    """Return why an http(s) URL cannot be sent as written (httpx would refuse it), or None."""
    if CONTROL.search(url):   # checked first: urlsplit silently drops a newline or a tab
        return f"expected a URL on one line, without control characters, got {url!r}"
    if any(c.isspace() for c in url):
        return f"expected a URL without spaces (write a space as %20), got {url!r}"
    try:
        parts = urlsplit(url)
        parts.port   # raises ValueError for a port that is not a number from 0 to 65535
    except ValueError:
        return f"expected a host and an optional port from 0 to 65535, got {url!r}"
    host = parts.hostname or ""
    if not host.isascii():
        import idna   # httpx's own encoder (IDNA 2008): a host it accepts here is one fetch can reach
        try:
            idna.encode(host)
        except idna.IDNAError as exc:
            return f"the host {host!r} has no IDNA (xn--) form for HTTP: {exc}"
    try:
        url.encode("utf-8")   # what percent-encoding a non-ASCII path needs; only a lone surrogate fails
    except UnicodeEncodeError:
        return f"expected a URL that can be percent-encoded as UTF-8, got {url!r}"
    return None


def http_url(url: str) -> str:
    """Return an absolute http(s) URL in its ASCII form (IDNA host, percent-encoded path); ValueError says why not."""
    if (why := http_problem(url)) is not None:   # first: it names a newline or a space precisely
        raise ValueError(why)
    if not HTTP_URL.fullmatch(url):
        raise ValueError(f"expected an absolute http(s) URL, got {url!r}")
    if url.isascii():
        return url
    parts = urlsplit(url)
    userinfo, at, hostport = parts.netloc.rpartition("@")
    host = parts.hostname or ""
    if not host.isascii():
        import idna
        hostport = hostport.lower().replace(host, idna.encode(host).decode("ascii"), 1)
    keep = "/%:@!$&'()*+,;=-._~?#[]"   # reserved characters and escapes already written stay as they are
    return urlunsplit((parts.scheme, quote(userinfo + at, safe=keep) + hostport, quote(parts.path, safe=keep),
                       quote(parts.query, safe=keep), quote(parts.fragment, safe=keep)))


def site_url(url: str) -> str:
    """Return the published site's address in its ASCII form, or "" for none; ValueError says why it is unusable.

    It goes into every absolute link and, when site.contact is empty, into the User-Agent header, which
    holds ASCII only: a non-ASCII host is IDNA-encoded and a non-ASCII path percent-encoded."""
    if not url:
        return ""
    ascii_url = http_url(url)
    parts = urlsplit(ascii_url)
    if parts.query or parts.fragment or ascii_url.endswith(("?", "#")):   # links are the address + "/path"
        raise ValueError(f"expected the site's address without a ?query or #fragment, got {url!r}")
    return ascii_url


def check_source_url(url: str, base_dir: Path) -> str | None:
    """Return why a source URL is unusable, or None."""
    first = url.split("/", 1)[0]
    if "://" not in url and _HOST.fullmatch(first) and "/" in url and not (base_dir / first).is_dir():
        return f"expected an http(s) URL, got {url!r}: write https://{url} (a local feed file is a path)"
    if CONTROL.search(url):   # a `|` block's final newline: a path or URL that names nothing
        return f"expected a URL or path on one line, without control characters, got {url!r}"
    if "://" not in url:
        return None if not url.startswith(("http:", "https:")) and url.strip() else "expected an http(s) URL or a local path"
    parts = urlsplit(url)
    if parts.scheme == "file":
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"expected an http(s) URL, got {url!r}"
    return http_problem(url)


class PaperAddress(Protocol):
    """What pdf_url reads of a paper (papers.Paper has these fields; this stage may not import it)."""

    @property
    def id(self) -> str: ...
    @property
    def version(self) -> int | None: ...
    @property
    def url(self) -> str: ...
    @property
    def doi(self) -> str | None: ...


_PREPRINT_SERVERS = ("biorxiv", "medrxiv")


def pdf_url(paper: PaperAddress) -> str:
    """Return the address of the paper's PDF at the version shown, or "" where the source has no known PDF rule.

    The one rule the cards and the feeds share: arXiv's /pdf/<id>v<version>, bioRxiv's and medRxiv's
    /content/<doi>v<version>.full.pdf; a journal's PDF address follows no rule we can rely on."""
    version = f"v{paper.version}" if paper.version else ""
    if paper.id.startswith("arXiv:"):
        return f"https://arxiv.org/pdf/{quote(paper.id.removeprefix('arXiv:'), safe='/.-')}{version}"
    host = (urlsplit(paper.url).hostname or "").removeprefix("www.")
    server = host.removesuffix(".org")
    if server in _PREPRINT_SERVERS and paper.doi and paper.doi.startswith("10.1101/"):
        return f"https://www.{server}.org/content/{quote(paper.doi, safe='/.-')}{version}.full.pdf"
    return ""
