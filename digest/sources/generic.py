"""Any RSS 2.0, Atom or RSS 1.0 (RDF) feed: the generic item adapter, and the fields every family reads the same
way: identity (arXiv id, else DOI, else a hash of the link), title, body, date, authors."""

from __future__ import annotations

import re
from typing import Any

from ..clean import (arxiv_id_from_text, clean_authors, clean_text, clean_title, doi_from_text, link_hash_id, safe_url,
                     split_authors)
from .feed import Adapter, Entry, published
from .jobs import fetch_feed as job  # noqa: F401 - one plain feed is this family's job
from .platforms import read_body, title_without_lead


def _field(item: Any, key: str) -> tuple[str, bool]:
    """Return (value, is_html) of a text field, using feedparser's content type."""
    detail = item.get(f"{key}_detail") or {}
    return item.get(key) or "", detail.get("type", "text/html") in ("text/html", "application/xhtml+xml")


def title(item: Any) -> str:
    """Return the item's title, cleaned as HTML or plain text by its declared type."""
    value, is_html = _field(item, "title")
    return title_without_lead(clean_title(value, is_html))


def body_html(item: Any) -> str:
    """Return the item's abstract as HTML: its fullest body that is not a placeholder, without its platform's
    wrapping (platforms.read_body); "" when it has none."""
    return read_body(item, title(item)).html


def authors(item: Any) -> tuple[str, ...]:
    """Return the item's author names: its author list (a name may hold several), else its author string."""
    names: list[str] = []
    for author in item.get("authors") or ():
        name = (author.get("name") or "").strip()
        if name:
            names.extend(split_authors(name) if "," in name or ";" in name or " and " in name else [name])
    if not names and item.get("author"):
        names.extend(split_authors(item["author"]))
    return clean_authors(names)


def item_doi(item: Any) -> str | None:
    """Return an item's DOI, from where items name it, most specific first: a DOI field, any `dc:identifier`
    (Science lists `info:doi/…` before `hwp:resource-id:…`), the guid, arXiv's journal DOI, the link."""
    fields = (item.get("prism_doi"), *(item.get("dc_identifiers") or (item.get("dc_identifier"),)), item.get("id"),
              item.get("arxiv_doi"), item.get("link"))
    for value in fields:
        doi = doi_from_text(str(value or ""))
        if doi:
            return doi
    return None


def identity(item: Any, url: str) -> tuple[str, str | None, int | None]:
    """Return (id, doi, version): the arXiv id, else the DOI, else a hash of the link."""
    haystack = " ".join(str(item.get(k) or "") for k in ("id", "link", "guid"))
    arxiv_id, version = arxiv_id_from_text(haystack)
    doi = item_doi(item)
    if arxiv_id:
        return f"arXiv:{arxiv_id}", doi, version
    if doi:
        match = re.search(r"v(\d+)(?:\?|$|/)", url)
        return f"doi:{doi}", doi, int(match.group(1)) if match else None
    return link_hash_id(url or item.get("id") or item.get("title", "")), None, None


def section(item: Any) -> str:
    """Return the publisher's article type (PRISM section, Dublin Core type), when the item gives one."""
    return clean_text(str(item.get("prism_section") or item.get("dc_type") or ""), is_html=False)


def generic_item(item: Any, source_id: str) -> Entry | None:
    """Return the Entry of one item of any feed."""
    url = safe_url(item.get("link"))
    ident, doi, version = identity(item, url)
    name = title(item)
    body = read_body(item, name)
    return Entry(
        sources=(source_id,), id=ident, title=name, authors=authors(item) or body.authors,
        abstract=body.text, url=url, version=version, doi=doi, published=published(item),
        section=section(item),
    )


ADAPTERS: dict[str, Adapter] = {"generic": generic_item}
