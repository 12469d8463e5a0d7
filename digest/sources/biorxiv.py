"""bioRxiv/medRxiv: the public `details` API (request URLs by date range and cursor, JSON pages into Entries,
paged over the days since the last success), or their RSS/RDF feeds (`?rss=1` links), and the fallback."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Coroutine, Sequence
from urllib.parse import urlsplit

from ..clean import clean_authors, clean_text, clean_title, doi_from_text, split_authors, xml_text
from ..errors import SourceError
from .feed import Adapter, Entry, Parsed, drop_reason, gate_entry, read_items, replaced
from .jobs import fallback, fetch_feed
from .records import Gathered, Target
from .generic import generic_item
from .http import FetchRequest, Session

if TYPE_CHECKING:
    from ..config import FetchOptions

# https://api.biorxiv.org/details/biorxiv, https://api.biorxiv.org/details/medrxiv/ (any host, for tests)
_DETAILS = re.compile(r"^(?P<base>https?://[^?#]+/details/(?P<server>biorxiv|medrxiv))/?$", re.I)
PAGE_SIZE = 100  # records per page, as documented; a page of a larger range tells us the real size
MAX_PAGES = 200  # 200 pages of 100 is several weeks of all bioRxiv: a cursor loop must end somewhere
SITES = {"biorxiv": "https://www.biorxiv.org", "medrxiv": "https://www.medrxiv.org"}
# How far back the details API is asked, at most, when a source has not succeeded for a while.
API_LOOKBACK = timedelta(days=7)


@dataclass(frozen=True)
class Page:
    """One page of the details API: its entries, and the counts the API reports."""

    entries: list[Entry]
    count: int           # records on this page, before the subject filter
    total: int | None    # records in the whole range, as the API claims
    dropped: dict[str, int] = field(default_factory=dict)   # records that are no paper, by reason (parse.DROP_REASONS)


def details_base(url: str) -> tuple[str, str] | None:
    """Return (base URL, server) if url is a details API endpoint, else None."""
    match = _DETAILS.match(url.strip())
    return (match.group("base"), match.group("server").lower()) if match else None


def pdf_url(url: str, doi: str | None, version: int | None) -> str | None:
    """A bioRxiv or medRxiv paper's PDF: its landing page's .full.pdf form, built from the DOI and version whatever
    form the feed's link took (the RSS gives /cgi/content/short/ links); None for a paper of another host."""
    server = (urlsplit(url).hostname or "").removeprefix("www.").split(".")[0]
    if server not in SITES or not doi or not doi.startswith("10.1101/"):
        return None
    return f"{SITES[server]}/content/{doi}" + (f"v{version}" if version else "") + ".full.pdf"


def subject_key(name: str) -> str:
    """Return a subject name compared loosely: `Cell Biology`, `cell_biology`, `cell-biology` are one."""
    return re.sub(r"[\s_\-]+", " ", name).strip().lower()


def page_url(base: str, start: date, end: date, cursor: int, subjects: Sequence[str] = ()) -> str:
    """Return the URL of one page; a single subject is also asked of the server (we filter anyway)."""
    url = f"{base}/{start.isoformat()}/{end.isoformat()}/{cursor}"
    if len(subjects) == 1:
        url += "?category=" + subject_key(subjects[0]).replace(" ", "_")
    return url


def normalise_date(value: Any) -> date | None:
    """Return a date from the API's `date` field (`2026-06-16`, `2026-06-16 09:00:00`, `2026/06/16`)."""
    text = str(value or "").strip().replace("/", "-")
    match = re.match(r"^(\d{4})-(\d{1,2})-(\d{1,2})", text)
    if not match:
        try:
            return datetime.strptime(text, "%d %B %Y").date()
        except ValueError:
            return None
    try:
        return date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def _int(value: Any) -> int | None:
    """Return an int from the API's numbers, which arrive as numbers or strings."""
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def parse_page(body: bytes, source_id: str, server: str, subjects: Sequence[str] = ()) -> Page:
    """Parse one details page; raise SourceError naming the source when it is not the API's JSON."""
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise SourceError(f"source '{source_id}': the details API did not answer JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("collection", []), list):
        raise SourceError(f"source '{source_id}': unexpected details API answer (no collection list)")
    messages = data.get("messages") or [{}]
    message = messages[0] if isinstance(messages, list) and isinstance(messages[0], dict) else {}
    records = [r for r in data.get("collection") or () if isinstance(r, dict)]
    wanted = {subject_key(s) for s in subjects}
    entries = []
    dropped: dict[str, int] = {}
    for record in records:
        # JSON escapes can spell lone surrogates and control characters, which no XML parser stopped.
        record = {k: xml_text(v) if isinstance(v, str) else v for k, v in record.items()}
        entry = None
        if wanted and subject_key(str(record.get("category") or "")) not in wanted:
            why: str | None = "subject"
        elif not doi_from_text(str(record.get("doi") or "")):
            why = "no_doi"
        else:
            entry = _entry(record, source_id, server)
            why = drop_reason(entry)
        if entry is not None and why is None:
            entries.append(gate_entry(entry))
        else:
            dropped[why or "untitled"] = dropped.get(why or "untitled", 0) + 1
    return Page(entries, len(records), _int(message.get("total")), dropped)


def _entry(record: dict[str, Any], source_id: str, server: str) -> Entry | None:
    """Return the Entry of one API record, or None without a DOI or title."""
    doi = doi_from_text(str(record.get("doi") or ""))
    title = clean_title(str(record.get("title") or ""), is_html=True)
    if not doi or not title:
        return None
    version = _int(record.get("version")) or 1
    # Version 1 is a first posting; later versions are revisions, never new cards. (`type` is the article
    # type, "new results" or "confirmatory results", not the posting's.)
    announce = "new" if version == 1 else "replace"
    # The subject is not a topic badge: the source's own topic says where the paper belongs.
    site = SITES.get(str(record.get("server") or server).lower(), SITES[server])
    return Entry(
        sources=(source_id,), id=f"doi:{doi}", title=title,
        authors=clean_authors(split_authors(str(record.get("authors") or ""))),
        abstract=clean_text(str(record.get("abstract") or ""), is_html=True),
        url=f"{site}/content/{doi}v{version}", version=version, doi=doi,
        published=normalise_date(record.get("date")), announce=announce,
    )


async def _api(session: Session, target: Target, api: tuple[str, str]) -> dict[str, Gathered]:
    """Page through the bioRxiv/medRxiv details API for the target's date range, every record once."""
    source = target.source
    base, server = api
    assert target.since is not None
    until = target.until or target.since
    found: dict[tuple[str, int | None], Entry] = {}
    dropped: dict[str, int] = {}
    cursor, total, page_size, pages = 0, None, PAGE_SIZE, 0
    while pages < MAX_PAGES:
        url = page_url(base, target.since, until, cursor, source.subjects)
        result = await session.fetch(FetchRequest(source.id, url))
        page, error = None, result.error or f"source '{source.id}': no answer"
        if result.status == "ok":
            try:
                page = parse_page(result.body or b"", source.id, server, source.subjects)
            except SourceError as exc:
                error = str(exc)
        if page is None:
            why = f"{error} (page at cursor {cursor})"
            if target.fallback:
                return {source.id: await fallback(session, target, why)}
            return {source.id: Gathered(source.id, "failed", url=target.location, error=why)}
        pages += 1
        if total is None:
            total = page.total
            if total is not None and total > page.count > 0:
                page_size = page.count  # the server's page size, whatever it is today
        for why, n in page.dropped.items():
            dropped[why] = dropped.get(why, 0) + n
        for entry in page.entries:
            if (entry.id, entry.version) in found:
                dropped["duplicate"] = dropped.get("duplicate", 0) + 1
            found.setdefault((entry.id, entry.version), entry)
        cursor += page.count
        if page.count == 0:
            break  # the records ran out, whatever the total said
        if total is not None and cursor >= total and page.count < page_size:
            break  # a short last page at the total: done (a full one may hide more behind a low total)
    note = None
    if total is not None and cursor != total:
        note = f"source '{source.id}': the details API reported {total} records but gave {cursor}"
    elif pages >= MAX_PAGES:
        note = f"source '{source.id}': stopped after {pages} pages of the details API"
    return {source.id: Gathered(source.id, "ok", tuple(found.values()), target.location, note=note, overlaps=True,
                                dropped=dropped)}


def rss_item(item: Any, source_id: str) -> Entry | None:
    """Return the Entry of one RSS/RDF item, its link without the feed's `?rss=1`."""
    entry = generic_item(item, source_id)
    return replaced(entry, url=re.sub(r"\?rss=1$", "", entry.url)) if entry is not None else None


ADAPTERS: dict[str, Adapter] = {"biorxiv": rss_item}


def read_feed(body: bytes, source_id: str, family: str = "biorxiv") -> Parsed:
    """Parse an RSS/RDF feed, or a details API answer saved as a file (JSON: one page, every record read)."""
    if body.lstrip()[:1] != b"{":
        return read_items(body, source_id, rss_item)
    page = parse_page(body, source_id, "biorxiv")
    return Parsed(page.entries, page.count, page.dropped)


def date_range(location: str, last_success: date | None, run_date: date) -> tuple[date | None, date | None]:
    """Return the days the details API is asked for: from the last success (papers posted later that day
    included), at least yesterday, at most API_LOOKBACK; (None, None) for a feed."""
    if not details_base(location):
        return None, None
    yesterday = run_date - timedelta(days=1)
    return max(min(last_success or yesterday, yesterday), run_date - API_LOOKBACK), run_date


def job(session: Session, target: Target) -> Coroutine[Any, Any, dict[str, Gathered]]:
    """Return the target's job: the details API page by page over its date range, else its feed."""
    api = details_base(target.location)
    return _api(session, target, api) if api and target.since else fetch_feed(session, target)


def polite_hosts(options: FetchOptions) -> dict[str, float]:
    """Return the details API's host: one page at a time, a second apart."""
    return {"api.biorxiv.org": 1.0}
