"""Publisher platforms' content shapes: where an item's abstract is, and what only looks like one.

Most journals' feeds come from a few platforms, and each wraps an item's text its own way:
- Atypon (Wiley, INFORMS, SAGE, Taylor & Francis, ACS, Science, Cell): the description opens with a
  "Journal, Ahead of Print." / "EarlyView." / "Volume 12, Issue 3, …" line (ACS's holds a TOC graphic,
  the journal and the DOI), and `content:encoded` (or `dc:description`) holds a table-of-contents blurb
  before an "Abstract" heading and the abstract;
- HighWire (bioRxiv, PNAS, Science's older feeds): the description is the abstract itself;
- ScienceDirect: the description is "Publication date: …<br>Source: Journal<br>Author(s): A, B", the only
  place that names the authors, with the abstract after it in older feeds and nothing in today's;
- MDPI: `content:encoded` is "Journal, Vol. 14, Pages 1654: Title", a DOI line and an "Authors:" line
  before the abstract, and titles carry the same "Vol., Pages" lead;
- Springer Nature: a "Nature, Published online: …; doi:…" line before the standfirst.
Each rule recognises its platform by the text's own shape, never by the source's id or host, so a feed of
any journal on those platforms reads right through the generic family; a text without the shape passes
each rule unchanged. What is left is a placeholder, not an abstract, when it says nothing the title does
not (see is_placeholder): the next body the item carries is tried, and an item with none has no abstract."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

from ..clean import RAW_TEXT_CAP, clean_authors, clean_text, split_authors


@dataclass(frozen=True)
class Body:
    """An item's best abstract, as HTML and as clean text, and the authors its text names (ScienceDirect's
    only author list)."""

    html: str                         # "" when every body the item carries is a placeholder
    text: str = ""                    # clean_text(html)
    authors: tuple[str, ...] = ()


# One platform's shape: HTML in, (HTML without the platform's wrapping, author names its text gave).
Rule = Callable[[str], "tuple[str, tuple[str, ...]]"]

_LINES = re.compile(r"<br\s*/?>|</?p(?:\s[^>]*)?>", re.I)
_SCIENCEDIRECT_FIELD = re.compile(r"^\s*(Publication date|Source|Author\(s\)|Authors?)\s*:\s*(.*)$", re.I | re.S)


def sciencedirect(body: str) -> tuple[str, tuple[str, ...]]:
    """Drop the "Publication date / Source / Author(s)" lines, keeping the authors they name."""
    if not re.match(r"\s*(?:<p[^>]*>\s*)?Publication date\s*:", body, re.I):
        return body, ()
    names: tuple[str, ...] = ()
    kept = []
    for line in _LINES.split(body):
        field = _SCIENCEDIRECT_FIELD.match(clean_text(line))
        if field is None:
            kept.append(line)
        elif field.group(1).lower().startswith("author"):
            names = split_authors(field.group(2))
    return "<p>".join(part for part in kept if part.strip()), names


# The line is a paragraph of its own in content:encoded, plain text in some descriptions.
_SPRINGER_NATURE_LEAD = re.compile(
    r"^\s*(?:<p>\s*[^<]*Published online:.*?</p>|[^<]{0,160}?Published online:[^;<]*;\s*doi:[^\s<]+)", re.I | re.S)


def springer_nature(body: str) -> tuple[str, tuple[str, ...]]:
    """Drop the "Nature, Published online: 18 July 2024; doi:…" line before a standfirst."""
    return _SPRINGER_NATURE_LEAD.sub("", body, count=1), ()


_ATYPON_LEAD = re.compile(
    r"^\s*(?:<p>\s*)?[^<]{0,200}?\b(?:Ahead of Print|EarlyView|Volume\s+\d+,\s*Issue\s+[^<]{1,120}?)\.?\s*"
    r"(?:<br\s*/?>|</p>|\Z)", re.I)
# The heading before the abstract proper: an HTML heading (content:encoded) or a line of its own
# (dc:description, plain text). What precedes it is the table-of-contents blurb.
_ABSTRACT_HEADING = re.compile(
    r"<(h[1-6]|b|strong)(?:\s[^>]*)?>\s*Abstract\s*</\1>|(?:^|\n)[ \t]*Abstract[ \t]*\n", re.I)


# ACS's description: the TOC graphic, then the journal and the DOI in <div>s of their own.
_ATYPON_META = re.compile(r"<div>\s*(?:<cite>[^<]*</cite>|DOI:\s*10\.[^<]*)\s*</div>", re.I)


def atypon(body: str) -> tuple[str, tuple[str, ...]]:
    """Drop the "Journal, Ahead of Print." line, ACS's journal and DOI lines, and the blurb before an
    "Abstract" heading."""
    body = _ATYPON_META.sub("", _ATYPON_LEAD.sub("", body, count=1))
    heading = _ABSTRACT_HEADING.search(body)
    if heading and heading.end() < len(body):
        body = body[heading.end():]
    return body, ()


_PARAGRAPH = re.compile(r"<p(?:\s[^>]*)?>(.*?)</p>", re.I | re.S)
_MDPI_LEAD = re.compile(r"^[^:<>]{1,160}?, Vol\. \d+, Pages [\w.\-–]+:\s*")
_MDPI_META = re.compile(r"^(?:[^:<>]{1,160}?, Vol\. \d+, Pages |[^<>]{0,160}?\bdoi:\s*10\.|Authors?:)", re.I)


def mdpi(body: str) -> tuple[str, tuple[str, ...]]:
    """Drop the "Journal, Vol. 14, Pages 1654: Title", DOI and "Authors:" paragraphs before the abstract."""
    if not re.search(r", Vol\. \d+, Pages ", body):
        return body, ()
    names: tuple[str, ...] = ()
    kept = []
    for paragraph in _PARAGRAPH.findall(body) or [body]:
        text = clean_text(paragraph)
        if not _MDPI_META.match(text):
            kept.append(paragraph)
        elif text.lower().startswith("author"):
            names = split_authors(text.partition(":")[2])
    return "".join(f"<p>{p}</p>" for p in kept), names


def title_without_lead(title: str) -> str:
    """Return an MDPI title without its "Journal, Vol. 14, Pages 1654: " lead (any other title unchanged)."""
    return _MDPI_LEAD.sub("", title, count=1) or title


RULES: tuple[Rule, ...] = (sciencedirect, springer_nature, atypon, mdpi)

# Words a feed puts where it has no abstract.
_NO_ABSTRACT = {"abstract", "no abstract", "no abstract available", "abstract not available", "n/a", "none",
                "summary", "standfirst"}


def _words(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", text.casefold()).split())


def is_placeholder(text: str, title: str) -> bool:
    """True when a body says nothing the title does not: empty, a label ("Abstract"), the title again
    (Nature's research standfirsts), "Standfirst: <title>", or a fragment shorter than the title with no
    sentence in it (a page reference: "(Cell 163, 95–107; September 24, 2015)")."""
    words, title_words = _words(text), _words(title)
    if not words or words in _NO_ABSTRACT or words == title_words:
        return True
    for label in ("abstract", "standfirst", "summary"):
        if words.startswith(label + " ") and words[len(label) + 1:] == title_words:
            return True
    return len(words) < len(title_words) and not re.search(r"\w[.!?](?:\s|$)", text)


def _bodies(item: Any) -> list[str]:
    """Every body an item carries, fullest first: HTML content, plain content (dc:description; read as HTML
    too, as feeds that declare plain text still put tags in it), the description."""
    contents = [c for c in item.get("content") or () if c.get("value")]
    contents.sort(key=lambda c: c.get("type") in ("text/plain", "text"))   # stable: HTML first, in feed order
    return [*(c["value"][:RAW_TEXT_CAP] for c in contents), (item.get("summary") or "")[:RAW_TEXT_CAP]]


def read_body(item: Any, title: str) -> Body:
    """Return the item's best abstract, each platform's wrapping removed, and the authors its text names."""
    names: tuple[str, ...] = ()
    for body in _bodies(item):
        for rule in RULES:
            body, found = rule(body)
            names = names or found
        text = clean_text(body)
        if not is_placeholder(text, title):
            return Body(body, text, clean_authors(names))
    return Body("", "", clean_authors(names))
