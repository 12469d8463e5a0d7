"""feedparser on a feed's bytes, then one small adapter per source family turning items into Entries."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Callable

import feedparser
from feedparser.mixin import _FeedParserMixin as _Mixin  # its HTML sniffing, for the same answer

from ..clean import (_NOT_XML_TEXT, RAW_TEXT_CAP, arxiv_id_from_text, clean_authors, clean_text, clean_title, doi_from_text,
                    html_to_text, link_hash_id, safe_url, split_arxiv_description, split_authors, xml_text)
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


# Why a listed item is not a paper of this run: the keys counted per source; their words, for the build
# output, the job summary and /status/, are the i18n messages `drop_<key>`.
DROP_REASONS = ("untitled", "editorial", "duplicate", "cut_short", "subject", "no_doi", "date", "ignored_version",
                "over_cap")


@dataclass(frozen=True)
class Parsed:
    """A feed's entries, how many items it listed, and why the rest were dropped (reason -> count)."""

    entries: list[Entry]
    listed: int
    dropped: dict[str, int]


def parse_feed(body: bytes, source_id: str, family: str) -> list[Entry]:
    """Parse a feed document into entries; raise SourceError when it is not a feed at all."""
    return read_feed(body, source_id, family).entries


def read_feed(body: bytes, source_id: str, family: str) -> Parsed:
    """Parse a feed document into entries, counting every item dropped by its reason; SourceError if no feed."""
    body = repair_charrefs(body)
    # A cut-short document is not well-formed XML, so it always takes feedparser's path below.
    items = plain_rss_items(body) if family == "arxiv" else None
    dropped: dict[str, int] = {}
    if items is None:
        parsed = feedparser.parse(body, sanitize_html=False, resolve_relative_uris=False)
        # No feed version means feedparser found no feed root at all: an HTML error page parses cleanly.
        if not parsed.entries and not parsed.get("version"):
            reason = parsed.get("bozo_exception")
            what = _looks_like(body, reason is not None)
            raise SourceError(f"source '{source_id}': not a feed ({what}{': ' + _one_line(reason) if reason else ''})")
        items = parsed.entries
        if is_cut_short(body) and items:  # the last item may be cut mid-text
            items, dropped["cut_short"] = items[:-1], 1
    adapter = ADAPTERS.get(family, _generic)
    entries = []
    for item in items:
        entry = adapter(item, source_id)
        why = drop_reason(entry)
        if why:
            dropped[why] = dropped.get(why, 0) + 1
        else:
            entries.append(gate_entry(entry))
    return Parsed(entries, len(items) + dropped.get("cut_short", 0), dropped)


def drop_reason(entry: Entry | None) -> str | None:
    """Return why an adapted item is not a paper (a key of DROP_REASONS), or None for a paper."""
    if entry is None or not entry.title:
        return "untitled"
    return "editorial" if is_editorial(entry) else None


def gate_entry(entry: Entry) -> Entry:
    """Return the entry with every text field through the XML text gate: nothing illegal reaches content/."""
    fields = (entry.id, entry.title, entry.abstract, entry.url, entry.doi or "", *entry.authors, *entry.categories)
    if not any(map(_NOT_XML_TEXT.search, fields)):
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


# arXiv's listings are the big feeds (thousands of items on a busy day) and always the same plain
# RSS 2.0 shape. For exactly that shape, ElementTree reads the items about twenty times faster than
# feedparser and hands the adapter the same fields; anything else (another element, another
# encoding, markup that is not well-formed XML) goes to feedparser.
_ARXIV_NS = "{http://arxiv.org/schemas/atom}"
_DC_NS = "{http://purl.org/dc/elements/1.1/}"
_PLAIN_FIELDS = {"title", "link", "description", "guid", "category", "pubDate", f"{_ARXIV_NS}announce_type",
                 f"{_DC_NS}creator", f"{_DC_NS}rights"}
_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([^"']+)["']""")


def _as_feedparser(text: str | None) -> str:
    """Return element text as feedparser gives it: trimmed, mis-decoded UTF-8 repaired, cp1252 mapped."""
    text = (text or "").strip()
    try:
        text = text.encode("iso-8859-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass
    return text.translate(_CP1252)


def plain_rss_items(body: bytes) -> list[dict[str, Any]] | None:
    """Return the items of a plain arXiv-shaped RSS 2.0 document as feedparser-like dicts, or None."""
    declared = _ENCODING.match(body[:200])
    if declared and declared.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8"):
        return None
    try:
        root = ET.fromstring(body)
    except (ET.ParseError, ValueError):   # ValueError: a UTF-16 or other multi-byte document
        return None
    channel = root.find("channel")
    if root.tag != "rss" or channel is None:
        return None
    items = []
    for element in channel.iterfind("item"):
        item: dict[str, Any] = {"tags": [], "authors": []}
        for child in element:
            tag, text = child.tag, _as_feedparser(child.text)
            if tag not in _PLAIN_FIELDS or len(child) or child.attrib and tag != "guid":
                return None
            if tag == "title":
                kind = "text/html" if _Mixin.looks_like_html(text) else "text/plain"
                item.update(title=text, title_detail={"type": kind})
            elif tag == "link":
                if not text.startswith(("http://", "https://")):
                    return None  # feedparser would resolve a relative link
                item["link"] = re.sub("&([A-Za-z0-9_]+);", r"&\g<1>", text.replace("&amp;", "&"))
            elif tag == "description":
                item.update(summary=text, summary_detail={"type": "text/html"})
            elif tag == "guid":
                if child.get("isPermaLink", "true") != "false" or set(child.attrib) - {"isPermaLink"}:
                    return None  # a permalink guid doubles as the link in feedparser
                item["id"] = text
            elif tag == "category":
                if text:
                    item["tags"].append({"term": text})
            elif tag == "pubDate":
                item["published"] = text
            elif tag == f"{_ARXIV_NS}announce_type":
                item["arxiv_announce_type"] = text
            elif tag == f"{_DC_NS}creator":
                if "@" in text or "(" in text:
                    return None  # feedparser parses e-mail addresses out of author strings
                item["authors"].append({"name": text})
                item["author"] = text
        items.append(item)
    return items or None


# C1 control characters that a cp1252 writer meant as its printable extensions (feedparser maps them too).
_CP1252 = {b: bytes([b]).decode("cp1252") for b in range(128, 160) if b not in (129, 141, 143, 144, 157)}


_EDITORIAL_TITLE = re.compile(
    r"^\s*(?:correction|retraction|retracted|expression of concern|editorial expression of concern|"
    r"author correction|publisher correction|erratum|corrigendum|addendum|reply to|response to|retraction note|"
    r"matters arising|notice of retraction)\b",
    re.I)


def is_editorial(entry: Entry) -> bool:
    """True for notices that are not papers: corrections, retractions, replies, Nature's news pieces."""
    # Nature's news, comment and career pieces carry d41586 ids; research articles s41586, s41467, ...
    return bool(_EDITORIAL_TITLE.match(entry.title)) or "/d41586-" in entry.url or "d41586-" in entry.id


def _looks_like(body: bytes, unreadable: bool) -> str:
    head = body[:512].lstrip().lower()
    if not head:
        return "empty body"
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
        return "an HTML page"
    return "unreadable XML" if unreadable else "a document that is not RSS, Atom or RSS 1.0"


def _one_line(value: Any) -> str:
    return " ".join(str(value).split())[:160]


def _field(item: Any, key: str) -> tuple[str, bool]:
    """Return (value, is_html) of a text field, using feedparser's content type."""
    detail = item.get(f"{key}_detail") or {}
    return item.get(key) or "", detail.get("type", "text/html") in ("text/html", "application/xhtml+xml")


def _title(item: Any) -> str:
    value, is_html = _field(item, "title")
    return clean_title(value, is_html)


def _body_html(item: Any) -> str:
    """Return the fullest body an item carries: content:encoded / Atom content, else its description."""
    for content in item.get("content") or ():
        if content.get("value"):
            return content["value"][:RAW_TEXT_CAP]
    return (item.get("summary") or "")[:RAW_TEXT_CAP]


def _published(item: Any) -> date | None:
    """Return the item's date as the source wrote it (its own offset, not converted to UTC)."""
    for key in ("published", "dc_date", "prism_publicationdate", "updated", "created"):
        raw = (item.get(key) or "").strip()
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
        parsed = item.get(f"{key}_parsed")
        try:
            if parsed:
                return date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday)
        except (ValueError, OverflowError):   # MySQL's zero date `0000-00-00` means "no date"
            pass
    return None


def _authors(item: Any) -> tuple[str, ...]:
    names: list[str] = []
    for author in item.get("authors") or ():
        name = (author.get("name") or "").strip()
        if name:
            names.extend(split_authors(name) if "," in name or ";" in name or " and " in name else [name])
    if not names and item.get("author"):
        names.extend(split_authors(item["author"]))
    return clean_authors(names)


def _identity(item: Any, url: str) -> tuple[str, str | None, int | None]:
    """Return (id, doi, version): the arXiv id, else the DOI, else a hash of the link."""
    haystack = " ".join(str(item.get(k) or "") for k in ("id", "link", "guid"))
    arxiv_id, version = arxiv_id_from_text(haystack)
    doi = None
    for key in ("prism_doi", "dc_identifier", "id", "arxiv_doi", "link"):
        doi = doi_from_text(str(item.get(key) or ""))
        if doi:
            break
    if arxiv_id:
        return f"arXiv:{arxiv_id}", doi, version
    if doi:
        match = re.search(r"v(\d+)(?:\?|$|/)", url)
        return f"doi:{doi}", doi, int(match.group(1)) if match else None
    return link_hash_id(url or item.get("id") or item.get("title", "")), None, None


def _generic(item: Any, source_id: str) -> Entry | None:
    url = safe_url(item.get("link"))
    ident, doi, version = _identity(item, url)
    return Entry(
        sources=(source_id,), id=ident, title=_title(item), authors=_authors(item),
        abstract=clean_text(_body_html(item)), url=url, version=version, doi=doi, published=_published(item),
    )


def _arxiv(item: Any, source_id: str) -> Entry | None:
    description = html_to_text((item.get("summary") or "")[:RAW_TEXT_CAP])
    arxiv_id, version, announce, abstract = split_arxiv_description(description)
    link_id, link_version = arxiv_id_from_text(" ".join(str(item.get(k) or "") for k in ("id", "link")))
    arxiv_id = arxiv_id or link_id
    if not arxiv_id:
        return _generic(item, source_id)
    announce = announce or (item.get("arxiv_announce_type") or "").strip().lower() or None
    categories = tuple(t["term"].strip() for t in item.get("tags") or () if (t.get("term") or "").strip())
    return Entry(
        sources=(source_id,), id=f"arXiv:{arxiv_id}", title=_title(item), authors=_authors(item),
        abstract=clean_text(abstract, is_html=False), url=safe_url(item.get("link")) or f"https://arxiv.org/abs/{arxiv_id}",
        version=version or link_version, doi=doi_from_text(item.get("arxiv_doi") or ""), categories=categories,
        published=_published(item), announce=announce,
    )


def _plos(item: Any, source_id: str) -> Entry | None:
    entry = _generic(item, source_id)
    # PLOS opens the body with a "by Author, Author" paragraph before the abstract.
    body = re.sub(r"^\s*<p>\s*by\s[^<]*</p>", "", _body_html(item), count=1, flags=re.I)
    return _replace(entry, abstract=clean_text(body))


_NATURE_BOILERPLATE = re.compile(r"^\s*<p>\s*[^<]*Published online:.*?</p>", re.I | re.S)


def _nature(item: Any, source_id: str) -> Entry | None:
    entry = _generic(item, source_id)
    body = _NATURE_BOILERPLATE.sub("", _body_html(item), count=1)
    abstract = clean_text(body)
    abstract = re.sub(r"^.*?Published online:[^;]*;\s*doi:\S+\s*", "", abstract)
    # Nature's feed carries a standfirst only: the card must say so and no summary may claim more.
    return _replace(entry, abstract=abstract, abstract_kind="standfirst")


def _biorxiv(item: Any, source_id: str) -> Entry | None:
    entry = _generic(item, source_id)
    url = re.sub(r"\?rss=1$", "", entry.url)
    return _replace(entry, url=url)


def _replace(entry: Entry | None, **changes: Any) -> Entry | None:
    return replace(entry, **changes) if entry is not None else None


ADAPTERS: dict[str, Callable[[Any, str], Entry | None]] = {
    "arxiv": _arxiv, "biorxiv": _biorxiv, "plos": _plos, "nature": _nature, "generic": _generic,
}
