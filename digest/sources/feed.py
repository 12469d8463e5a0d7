"""What every family shares: the Entry record, feedparser on a feed's bytes, charref repair, the text gate on
entries, why an item is dropped, and cut-short detection."""

from __future__ import annotations

import re
import sys
import traceback
from dataclasses import dataclass, replace
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Callable

import feedparser
from feedparser.mixin import _FeedParserMixin

from ..clean import is_xml_text, safe_url, xml_text
from ..errors import SourceError


@dataclass(frozen=True)
class Entry:
    """One item as one source listed it, cleaned; several may merge into one Paper."""

    sources: tuple[str, ...]
    id: str
    title: str
    authors: tuple[str, ...]
    abstract: str
    url: str
    version: int | None = None
    doi: str | None = None
    categories: tuple[str, ...] = ()   # arXiv categories, primary first
    published: date | None = None      # the date the source gives, in the source's own offset
    announce: str | None = None
    abstract_kind: str = "abstract"
    links: tuple[str, ...] = ()        # other pages of the same paper (a journal version), set when merging
    section: str = ""                  # the publisher's article type ("Article", "Erratum", "News"), when given
    feed_date: date | None = None      # for an item without a date of its own: its feed's (channel pubDate, ...)


# Why a listed item is not a paper of this run: the keys counted per source; their words, for the build
# output, the job summary and /status/, are the i18n messages `drop_<key>`.
# Items that are not research (editorial_reason) fall under three keys, so a count says what was left out:
# `editorial` news, comment and other magazine pieces; `notice` corrections, retractions and replies about
# another paper; `front_matter` an issue's covers, contents and mastheads.
DROP_REASONS = ("untitled", "editorial", "notice", "front_matter", "duplicate", "cut_short", "subject", "no_doi",
                "date", "ignored_version", "over_cap")


@dataclass(frozen=True)
class Parsed:
    """A feed's entries, how many items it listed, and why the rest were dropped (reason -> count)."""

    entries: list[Entry]
    listed: int
    dropped: dict[str, int]


def _end_dc_identifier(parser: Any) -> None:
    """Keep every `dc:identifier` of an item, in order, as `dc_identifiers`: feedparser keeps only the last.

    Science's (HighWire) items carry `info:doi/…` then `hwp:resource-id:…`; generic.item_doi picks the DOI."""
    value = parser.pop("dc_identifier")
    context = parser._get_context()
    if isinstance(value, str) and value.strip():
        context.setdefault("dc_identifiers", []).append(value.strip())


# feedparser calls `_end_<prefix>_<name>` for an element when its parser class has one (the same hook its own
# namespace modules use); an element without it keeps only its last occurrence.
_FeedParserMixin._end_dc_identifier = _end_dc_identifier


# A family's item adapter: one feedparser item (or a dict of the same fields) -> an Entry, or None.
Adapter = Callable[[Any, str], "Entry | None"]


# What a fast reader gives: the items as feedparser-like dicts, and the feed's own fields (its dates).
FastItems = tuple[list[dict[str, Any]], dict[str, Any]]


def read_items(body: bytes, source_id: str, adapt: Adapter, fast: Callable[[bytes], FastItems | None] | None = None
               ) -> Parsed:
    """Parse a feed document into entries with a family's adapter, counting every item dropped by its reason.

    `fast` may read the items of a shape it knows (arXiv's plain RSS) without feedparser, or return None.
    An item without a date of its own carries the feed's as feed_date (early-2024 arXiv RSS, RSS 1.0 feeds date
    only their channel). Raise SourceError when the document is not a feed at all."""
    body = repair_charrefs(body)
    # A cut-short document is not well-formed XML, so it always takes feedparser's path below.
    found = fast(body) if fast else None
    dropped: dict[str, int] = {}
    if found is None:
        parsed = feedparser.parse(body, sanitize_html=False, resolve_relative_uris=False)
        # No feed version means feedparser found no feed root at all: an HTML error page parses cleanly.
        if not parsed.entries and not parsed.get("version"):
            reason = parsed.get("bozo_exception")
            what = _looks_like(body, reason is not None)
            raise SourceError(f"source '{source_id}': not a feed ({what}{': ' + _clipped_line(reason) if reason else ''})")
        items, channel = parsed.entries, parsed.feed
        if is_cut_short(body) and items:  # the last item may be cut mid-text
            items, dropped["cut_short"] = items[:-1], 1
    else:
        items, channel = found
    feed_date = published(channel)
    entries = []
    for item in items:
        entry = adapt(item, source_id)
        why = drop_reason(entry)
        if entry is not None and why is None:
            if entry.published is None and feed_date is not None:
                entry = replace(entry, feed_date=feed_date)
            entries.append(gate_entry(entry))
        else:
            dropped[why or "untitled"] = dropped.get(why or "untitled", 0) + 1
    return Parsed(entries, len(items) + dropped.get("cut_short", 0), dropped)


def published(item: Any) -> date | None:
    """Return an item's (or a feed's) date as the source wrote it (its own offset, not converted to UTC)."""
    for key in ("published", "dc_date", "prism_publicationdate", "updated", "created"):
        # dict.get: feedparser's own get answers `updated` with `published`, warning of it, when there is none
        raw = (dict.get(item, key) or "").strip()
        if not raw:
            continue
        try:
            return datetime.fromisoformat(raw.replace("Z", "+00:00")).date()
        except ValueError:
            pass
        try:
            return parsedate_to_datetime(raw).date()
        except (TypeError, ValueError, IndexError, OverflowError):
            pass
        parsed = dict.get(item, f"{key}_parsed")
        try:
            if parsed:
                return date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday)
        except (ValueError, OverflowError):   # MySQL's zero date `0000-00-00` means "no date"
            pass
    return None


def drop_reason(entry: Entry | None) -> str | None:
    """Return why an adapted item is not a paper (a key of DROP_REASONS), or None for a paper."""
    if entry is None or not entry.title:
        return "untitled"
    return editorial_reason(entry)


def gate_entry(entry: Entry) -> Entry:
    """Return the entry with every text field through the XML text gate: nothing illegal reaches content/."""
    fields = (entry.id, entry.title, entry.abstract, entry.url, entry.doi or "", *entry.authors, *entry.categories)
    if all(map(is_xml_text, fields)):
        return entry   # the usual case: one scan per field, no copy
    return replace(entry, id=xml_text(entry.id), title=xml_text(entry.title), abstract=xml_text(entry.abstract),
                   url=safe_url(entry.url), doi=xml_text(entry.doi) if entry.doi else None,
                   authors=tuple(filter(None, map(xml_text, entry.authors))),
                   categories=tuple(filter(None, map(xml_text, entry.categories))))


# A numeric character reference to no XML character (a lone surrogate, U+110000 and beyond, a control
# character) stops feedparser and ElementTree outright, costing the whole feed; generators also write
# an emoji as its UTF-16 surrogate pair in two references. Such references are mended in the bytes:
# a pair becomes the one character it encodes, a control character is dropped, anything else is U+FFFD.
_CHARREFS = re.compile(rb"&#([xX][0-9a-fA-F]+|[0-9]+);?(?:&#([xX][0-9a-fA-F]+|[0-9]+);?)?")


def _code_point(ref: bytes) -> int:
    """Return the code point a reference's digits name, or -1 when it is too long to be one."""
    digits = ref[1:] if ref[:1] in b"xX" else ref
    if len(digits.lstrip(b"0")) > 7:
        return -1
    return int(digits, 16) if ref[:1] in b"xX" else int(digits)


def _mended(code: int, original: bytes) -> bytes:
    if code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF:
        return original
    if 0 <= code < 0x20 or code in (0xFFFE, 0xFFFF):
        return b""
    return b"&#xFFFD;"


def _mend_charrefs(match: re.Match[bytes]) -> bytes:
    first, second = _code_point(match.group(1)), match.group(2)
    if second is None:
        return _mended(first, match.group(0))
    low = _code_point(second)
    if 0xD800 <= first <= 0xDBFF and 0xDC00 <= low <= 0xDFFF:
        return b"&#x%X;" % (0x10000 + ((first - 0xD800) << 10) + (low - 0xDC00))
    one, two = match.group(0).split(b"&#")[1:]
    return _mended(first, b"&#" + one) + _mended(low, b"&#" + two)


def repair_charrefs(body: bytes) -> bytes:
    """Return a feed's bytes with every numeric character reference naming a legal XML character."""
    return _CHARREFS.sub(_mend_charrefs, body) if b"&#" in body else body


_COMPLETE_END = re.compile(rb"</(?:[\w.-]+:)?(?:rss|feed|rdf|item|entry)\s*>\s*(?:<!--.*?-->\s*)*\Z", re.I | re.S)


def is_cut_short(body: bytes) -> bool:
    """True when the document stops before its root closes and not right after a whole item: truncated."""
    return _COMPLETE_END.search(body[-4096:]) is None


_NOTICE_TITLE = re.compile(
    r"^\s*(?:correction|retraction|retracted|expression of concern|editorial expression of concern|"
    r"author correction|publisher correction|erratum|corrigendum|addendum|reply to|response to|retraction note|"
    r"matters arising|notice of retraction)\b",
    re.I)
# Covers, contents and mastheads: the whole title is the label, or the label leads ("Cover Picture: …").
_FRONT_MATTER_TITLE = re.compile(
    r"^\s*(?:(?:issue information|masthead|editorial board|table of contents|contents|graphical abstract toc|"
    r"in this issue|this week in \w+)\W*$|(?:front|back|inside(?: front| back)?) cover\b|cover (?:picture|image|"
    r"feature|profile)\b)", re.I)
# Publishers' article types (PRISM section, dc:type) that name no research paper.
_NOTICE_SECTIONS = {"erratum", "errata", "correction", "corrections", "corrigendum", "retraction", "retraction note",
                    "expression of concern", "addendum", "matters arising", "reply", "publisher's note"}
_EDITORIAL_SECTIONS = {"news", "news & views", "news and views", "news feature", "editorial", "editorials",
                       "book review", "book reviews", "books", "obituary", "in memoriam", "career column",
                       "careers", "comment", "world view", "research highlight", "research highlights"}
_FRONT_MATTER_SECTIONS = {"issue information", "front matter", "cover picture", "cover image", "masthead",
                          "editorial board", "in this issue", "table of contents", "this week in science",
                          "editors' choice", "editors’ choice", "in brief"}


def editorial_reason(entry: Entry) -> str | None:
    """Return why an item is not a research paper (`notice`, `editorial` or `front_matter`, keys of DROP_REASONS),
    from its title, its publisher's article type and Nature's news ids; None for a paper."""
    kind = " ".join(entry.section.casefold().split())
    if _NOTICE_TITLE.match(entry.title) or kind in _NOTICE_SECTIONS:
        return "notice"
    if _FRONT_MATTER_TITLE.match(entry.title) or kind in _FRONT_MATTER_SECTIONS:
        return "front_matter"
    # Nature's news, comment and career pieces carry d41586 ids; research articles s41586, s41467, ...
    if kind in _EDITORIAL_SECTIONS or "/d41586-" in entry.url or "d41586-" in entry.id:
        return "editorial"
    return None


def _looks_like(body: bytes, unreadable: bool) -> str:
    head = body[:512].lstrip().lower()
    if not head:
        return "empty body"
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
        return "an HTML page"
    return "unreadable XML" if unreadable else "a document that is not RSS, Atom or RSS 1.0"


def _clipped_line(value: Any) -> str:
    """Return a parser's complaint on one line, at most 160 characters."""
    return " ".join(str(value).split())[:160]


def replaced(entry: Entry | None, **changes: Any) -> Entry | None:
    """Return an adapted entry with some fields changed (None stays None: an item that is no entry)."""
    return replace(entry, **changes) if entry is not None else None


def internal_error(source: str, exc: Exception) -> str:
    """Log a bug met while reading a source's feed, with its traceback, and return the source's one-line failure.

    Called from an except block: expected failures are SourceErrors, so anything else is a bug, and it must
    cost that source only, for the run."""
    print(f"source '{source}': internal error, traceback follows (please report it):", file=sys.stderr)
    traceback.print_exc(file=sys.stderr)
    return f"source '{source}': internal error while reading its feed: {type(exc).__name__}: {exc}"[:300]

