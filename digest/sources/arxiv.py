"""arXiv's listing feeds: one `+`-joined request for every configured category (in halves past the item limit),
entries given back per source; the fast reader of its plain RSS, its item adapter, and its polite hosts."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from feedparser.mixin import _FeedParserMixin as _Mixin  # its HTML sniffing, for the same answer

from ..clean import (ARXIV_ID, RAW_TEXT_CAP, arxiv_id_from_text, clean_authors, clean_text, doi_from_text,
                     html_to_text, safe_url, split_arxiv_description)
from ..errors import SourceError
from .feed import Adapter, Entry, FastItems, Parsed, published, read_items
from .generic import authors, generic_item, title
from .jobs import cut_short_warning, fallback
from .records import Gathered, Job, Target
from .http import FetchRequest, Session
from .jobs import fetch_feed as job  # noqa: F401 - one plain feed is this family's job

if TYPE_CHECKING:
    from ..config import FetchOptions

# arXiv's RSS/Atom listing returns at most this many items; a longer day needs the categories split.
ITEM_LIMIT = 2000
# https://rss.arxiv.org/rss/cs.LG, .../atom/cs.LG+cs.AI, http://export.arxiv.org/rss/math.PR
_LISTING = re.compile(r"^(?P<base>https?://[^?#]+/(?:rss|atom)/)(?P<cats>[A-Za-z][A-Za-z0-9.\-]*(?:\+[A-Za-z][A-Za-z0-9.\-]*)*)/?$")


@dataclass(frozen=True)
class Group:
    """Sources fetched with one request: a listing base URL and each source's categories."""

    base: str
    members: tuple[tuple[str, tuple[str, ...]], ...]  # (source id, its categories)

    @property
    def url(self) -> str:
        cats: dict[str, None] = {}
        for _, own in self.members:
            cats.update(dict.fromkeys(own))
        return self.base + "+".join(cats)

    @property
    def source_ids(self) -> tuple[str, ...]:
        return tuple(sid for sid, _ in self.members)

    def halves(self) -> tuple["Group", "Group"]:
        """Return the group split into two smaller ones, for a listing past ITEM_LIMIT."""
        mid = len(self.members) // 2
        return Group(self.base, self.members[:mid]), Group(self.base, self.members[mid:])


def pdf_url(arxiv_id: str, version: int | None) -> str:
    """The paper's PDF on arXiv, of the version the card shows (without one, arXiv serves the latest)."""
    return f"https://arxiv.org/pdf/{arxiv_id}" + (f"v{version}" if version else "")


def listing(url: str) -> tuple[str, tuple[str, ...]] | None:
    """Return (base URL, categories) of an arXiv listing URL, or None for any other URL."""
    match = _LISTING.match(url.strip())
    if not match:
        return None
    return match.group("base"), tuple(match.group("cats").split("+"))


def group_sources(sources: Iterable[tuple[str, str]]) -> tuple[list[Group], list[str]]:
    """Group (source id, url) pairs by listing base; return the groups and the ids that are not listings."""
    by_base: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    others = []
    for sid, url in sources:
        found = listing(url)
        if found is None:
            others.append(sid)
        else:
            by_base.setdefault(found[0], []).append((sid, found[1]))
    return [Group(base, tuple(members)) for base, members in by_base.items()], others


def attribute(entries: Sequence[Entry], group: Group) -> dict[str, list[Entry]]:
    """Give each entry of a joined listing to every member source whose category (or archive) the entry lists."""
    out: dict[str, list[Entry]] = {sid: [] for sid in group.source_ids}
    for entry in entries:
        # A source may ask for a whole archive (`math`, as the legacy RSS did): `math.DG` is one of its categories.
        cats = {c.lower() for c in entry.categories}
        cats.update([c.partition(".")[0] for c in cats])
        owners = [sid for sid, own in group.members if cats & {c.lower() for c in own}]
        # An item always lists the category it was requested by; if a feed ever omits its
        # categories, the first member keeps it rather than losing the paper.
        for sid in owners or group.source_ids[:1]:
            out[sid].append(replace(entry, sources=(sid,)))
    return out


# arXiv's listings are the big feeds (thousands of items on a busy day) and always the same plain
# RSS 2.0 shape. For exactly that shape, ElementTree reads the items about twenty times faster than
# feedparser and hands the adapter the same fields; anything else (another element, another
# encoding, markup that is not well-formed XML) goes to feedparser.
_ARXIV_NS = "{http://arxiv.org/schemas/atom}"
_DC_NS = "{http://purl.org/dc/elements/1.1/}"
# arXiv's own elements, by the key feedparser gives them (`arxiv:DOI` is `arxiv_doi`): a listing with a journal
# DOI or reference on some items (every busy day) stays on the fast path.
_ARXIV_FIELDS = {f"{_ARXIV_NS}announce_type": "arxiv_announce_type", f"{_ARXIV_NS}DOI": "arxiv_doi",
                 f"{_ARXIV_NS}journal_reference": "arxiv_journal_reference"}
_PLAIN_FIELDS = {"title", "link", "description", "guid", "category", "pubDate", *_ARXIV_FIELDS,
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


def plain_rss_items(body: bytes) -> FastItems | None:
    """Return the items of a plain arXiv-shaped RSS 2.0 document as feedparser-like dicts, and its channel's
    dates as feedparser names them, or None."""
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
            elif tag in _ARXIV_FIELDS:
                item[_ARXIV_FIELDS[tag]] = text
            elif tag == f"{_DC_NS}creator":
                if "@" in text or "(" in text:
                    return None  # feedparser parses e-mail addresses out of author strings
                item["authors"].append({"name": text})
                item["author"] = text
        items.append(item)
    # As feedparser: the channel's pubDate is `published`, its lastBuildDate `updated`.
    channel_dates = {"published": _as_feedparser(channel.findtext("pubDate")),
                     "updated": _as_feedparser(channel.findtext("lastBuildDate"))}
    return (items, channel_dates) if items else None


# C1 control characters that a cp1252 writer meant as its printable extensions (feedparser maps them too).
_CP1252 = {b: bytes([b]).decode("cp1252") for b in range(128, 160) if b not in (129, 141, 143, 144, 157)}


def arxiv_item(item: Any, source_id: str) -> Entry | None:
    """Return the Entry of one listing item: id, version and announce type out of its description (or, in the
    legacy RSS 1.0, out of its title)."""
    description = html_to_text((item.get("summary") or "")[:RAW_TEXT_CAP])
    arxiv_id, version, announce, abstract = split_arxiv_description(description)
    link_id, link_version = arxiv_id_from_text(" ".join(str(item.get(k) or "") for k in ("id", "link")))
    arxiv_id = arxiv_id or link_id
    if not arxiv_id:
        return generic_item(item, source_id)
    announce = announce or (item.get("arxiv_announce_type") or "").strip().lower() or None
    categories = tuple(t["term"].strip() for t in item.get("tags") or () if (t.get("term") or "").strip())
    shown_title, names = title(item), authors(item)
    legacy = _LEGACY_TITLE.search(shown_title)
    if legacy:
        shown_title, names = shown_title[:legacy.start()], legacy_authors(item) or names
        version = version or int(legacy.group("version") or 0) or None
        announce = announce or _LEGACY_ANNOUNCE[legacy.group("kind")]
        categories = categories or (legacy.group("category"),)
    return Entry(
        sources=(source_id,), id=f"arXiv:{arxiv_id}", title=shown_title, authors=names,
        abstract=clean_text(abstract, is_html=False), url=safe_url(item.get("link")) or f"https://arxiv.org/abs/{arxiv_id}",
        version=version or link_version, doi=doi_from_text(item.get("arxiv_doi") or ""), categories=categories,
        published=published(item), announce=announce,
    )


# The legacy arXiv RSS 1.0 (export.arxiv.org/rss/<archive> before 2024; what mirrors and old archives hold) has
# no announce type, version or categories of its own: its title ends with them, after a period it adds,
# "Smooth Yamabe invariant and surgery. (arXiv:0804.1418v4 [math.DG] UPDATED)", the primary category only.
# UPDATED is a new version (a replacement), CROSS LISTED a cross-list; its items are dated by the channel only.
_LEGACY_TITLE = re.compile(rf"\.?\s*\(arXiv:(?:{ARXIV_ID})(?:v(?P<version>\d+))?"
                           r"\s*\[(?P<category>[A-Za-z][A-Za-z0-9.\-]*)\]\s*(?P<kind>UPDATED|CROSS LISTED)?\)\s*$")
_LEGACY_ANNOUNCE = {None: "new", "UPDATED": "replace", "CROSS LISTED": "cross"}
# Its dc:creator is markup: `<a href="…/au:+Ammann_B/…">Bernd Ammann</a> (Universitaet Regensburg), <a …>…</a>`.
_AUTHOR_LINK = re.compile(r"<a\b[^>]*>(.*?)</a>", re.I | re.S)


def legacy_authors(item: Any) -> tuple[str, ...]:
    """Return the names of a legacy item's author links, without their affiliations, or () if it has none."""
    markup = " ".join(str(a.get("name") or "") for a in item.get("authors") or ()) or str(item.get("author") or "")
    return clean_authors([html_to_text(name) for name in _AUTHOR_LINK.findall(markup[:RAW_TEXT_CAP])])


async def _listing(session: Session, group: Group, targets: dict[str, Target], item_limit: int
                   ) -> dict[str, Gathered]:
    """Fetch a joined arXiv listing once, split it in halves past the item limit, and attribute its entries."""
    members = [targets[sid] for sid in group.source_ids]
    url = group.url
    first = members[0]
    # Validators only when every member last fetched this very listing and kept the same ones.
    same = all((t.kept_url, t.etag, t.last_modified) == (url, first.etag, first.last_modified) for t in members)
    etag, modified = (first.etag, first.last_modified) if same else (None, None)
    label = "+".join(group.source_ids)
    result = await session.fetch(FetchRequest(label, url, etag, modified))
    if result.status == "failed":
        out = {}
        for target in members:
            failed = Gathered(target.source.id, "failed", url=url, error=result.error)
            out[target.source.id] = (await fallback(session, target, result.error or "")
                                     if target.fallback else failed)
        return out
    if result.status == "not_modified":
        return {t.source.id: Gathered(t.source.id, "not_modified", url=url, etag=result.etag,
                                      last_modified=result.last_modified) for t in members}
    try:
        parsed = read_feed(result.body or b"", label)
    except SourceError as exc:
        return {t.source.id: Gathered(t.source.id, "failed", url=url, error=str(exc)) for t in members}
    entries = parsed.entries
    if len(entries) >= item_limit and len(group.members) > 1:
        # The listing was cut at arXiv's limit: ask for each half of the categories instead.
        out = {}
        for half in group.halves():
            out.update(await _listing(session, half, targets, item_limit))
        return out
    by_source = attribute(entries, group)
    cut = cut_short_warning(result, label, len(entries))
    # An item dropped from a joined listing names no category it could be counted under: the first member holds it.
    return {sid: Gathered(sid, "ok", tuple(found), url, result.etag, result.last_modified, warnings=cut if i == 0 else (),
                          dropped=parsed.dropped if i == 0 else {})
            for i, (sid, found) in enumerate(by_source.items())}


ADAPTERS: dict[str, Adapter] = {"arxiv": arxiv_item}


def read_feed(body: bytes, source_id: str, family: str = "arxiv") -> Parsed:
    """Parse a listing, through the fast reader when it has the plain shape."""
    return read_items(body, source_id, arxiv_item, plain_rss_items)


def group_jobs(session: Session, targets: Sequence[Target], item_limit: int | None) -> list[Job]:
    """Return one job per joined listing (sources on the same listing host), each with the targets it serves."""
    by_id = {t.source.id: t for t in targets}
    groups, _ = group_sources([(t.source.id, t.location) for t in targets])
    return [(_listing(session, g, by_id, item_limit or ITEM_LIMIT), [by_id[sid] for sid in g.source_ids])
            for g in groups]


def retries_stale(location: str) -> bool:
    """True for a listing: one category serving yesterday's batch is a known glitch of arXiv's."""
    return listing(location) is not None


def polite_hosts(options: FetchOptions) -> dict[str, float]:
    """Return arXiv's hosts: one connection, one request per fetch.polite_interval, as arXiv's terms ask."""
    return {host: options.polite_interval for host in ("arxiv.org", "export.arxiv.org", "rss.arxiv.org")}
