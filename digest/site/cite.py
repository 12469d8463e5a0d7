"""Citations of a paper, written once here: BibTeX, RIS, and the COinS a reference manager reads from a page.

The browser never formats a citation: a day's BibTeX and RIS texts are written by the build (cite_texts, one file
per full day, read by static/js/cite.js for one card's download or a whole page's), and each card carries its
COinS span (an OpenURL ContextObject in a span's title), which Zotero's connector reads for every card of a page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from ..clean import safe_url, split_math
from ..papers import Paper

# Preprint servers: a paper there is cited as a preprint (BibTeX @misc with an eprint, RIS UNPB), not an article.
PREPRINT_HOSTS = ("arxiv.org", "biorxiv.org", "medrxiv.org")
COINS_AUTHORS = 10    # authors a card's COinS names (a collaboration's hundreds would weigh more than the card)

# BibTeX's special characters outside math, each as plain LaTeX reads it back.
_BIB_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%", "#": r"\#", "_": r"\_",
                "$": r"\$", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
_BIB_SPECIAL_RE = re.compile(r"[\\{}&%#_$~^]")
_PARTICLES = frozenset(("van", "von", "der", "den", "de", "del", "della", "di", "da", "du", "le", "la", "dos", "das",
                        "ter", "ten", "zu", "y", "bin", "al"))
_INITIAL = re.compile(r"[A-Z]\.?(?:-?[A-Z]\.?)?|[A-Z]{2,3}")   # "J.", "J.-P.", "JH": an initial, not a name
_GROUP = re.compile(r"\b(?:collaboration|consortium|group|team|network|investigators|project)\b", re.I)


def family_given(name: str) -> tuple[str, str]:
    """A name as (family, given): "Jakob Andersson" -> ("Andersson", "Jakob"), "Ludwig van Beethoven" -> ("van
    Beethoven", "Ludwig"), "Yeo J. H." -> ("Yeo", "J. H."), "Shi, Tianyu" as written; a one-word name or a
    collaboration is all family name."""
    name = " ".join(name.split())
    if "," in name:
        family, _, given = name.partition(",")
        return family.strip(), given.strip()
    words = name.split(" ")
    if len(words) == 1 or _GROUP.search(name):
        return name, ""
    if _INITIAL.fullmatch(words[-1]) and not _INITIAL.fullmatch(words[0]):   # "Yeo J. H.": family name first
        last_name = max(i for i, w in enumerate(words) if not _INITIAL.fullmatch(w))
        return " ".join(words[:last_name + 1]), " ".join(words[last_name + 1:])
    first_family = len(words) - 1
    while first_family > 1 and words[first_family - 1].lower() in _PARTICLES:
        first_family -= 1
    return " ".join(words[first_family:]), " ".join(words[:first_family])


@lru_cache(maxsize=1 << 14)   # a day's BibTeX and RIS name each of its ~9,000 authors: once each
def cited_name(name: str) -> str:
    """An author as a citation names them: "Family, Given", or the family name alone."""
    return ", ".join(part for part in family_given(name) if part)


def bib_text(text: str) -> str:
    """Text as a BibTeX field value: special characters escaped outside math; a math span ($x_i$) kept as TeX when
    its braces balance (else escaped too, so a stray brace cannot end the field)."""
    text = " ".join(text.split())
    if _BIB_SPECIAL_RE.search(text) is None:   # the usual title or name: no math (its delimiters are special too)
        return text
    out = []
    for i, piece in enumerate(split_math(text)):
        if i % 2 and _balanced(piece):
            out.append(piece)
        else:
            out.append(_BIB_SPECIAL_RE.sub(lambda m: _BIB_SPECIAL[m.group()], piece))
    return "".join(out)


def _balanced(tex: str) -> bool:
    depth = 0
    for ch in re.sub(r"\\.", "", tex):   # \{ and \} are literal braces
        depth += (ch == "{") - (ch == "}")
        if depth < 0:
            return False
    return depth == 0


def bib_key(p: Paper) -> str:
    """The entry's key: the paper's id with only the characters BibTeX and biber take in a key."""
    return re.sub(r"[^A-Za-z0-9:._/-]", "_", p.id)


def _arxiv_id(p: Paper) -> str | None:
    return p.id.removeprefix("arXiv:") if p.id.startswith("arXiv:") else None


def is_preprint(p: Paper) -> bool:
    return _arxiv_id(p) is not None or any(host in p.url for host in PREPRINT_HOSTS)


def _year(p: Paper) -> str:
    return str((p.published or p.day).year)


def bibtex(p: Paper, venue: str) -> str:
    """The paper's BibTeX entry (venue: its source's label, the journal or server it came from)."""
    authors = " and ".join(map(cited_name, p.authors))
    fields: list[tuple[str, str]] = [("title", bib_text(p.title))]
    if authors:
        fields.append(("author", bib_text(authors)))
    fields.append(("year", _year(p)))
    arxiv_id = _arxiv_id(p)
    if arxiv_id:
        fields += [("eprint", arxiv_id), ("archivePrefix", "arXiv")]
        if p.topics:
            fields.append(("primaryClass", bib_text(p.topics[0])))
    elif venue:
        fields.append(("journal" if not is_preprint(p) else "publisher", bib_text(venue)))
    if p.doi:
        fields.append(("doi", bib_text(p.doi)))
    if url := safe_url(p.url):
        fields.append(("url", bib_text(url)))
    kind = "misc" if is_preprint(p) else "article"
    body = "".join(f"  {name} = {{{value}}},\n" for name, value in fields)
    return f"@{kind}{{{bib_key(p)},\n{body}}}\n"


def _ris_value(text: str) -> str:
    return " ".join(text.split())   # one line per tag: a newline would start a tag of its own


def ris(p: Paper, venue: str) -> str:
    """The paper's RIS record: "TAG  - value" lines, TY first and ER last (CRLF, as the format's spec says)."""
    lines = [("TY", "UNPB" if is_preprint(p) else "JOUR"), ("TI", p.title)]
    lines += [("AU", cited_name(a)) for a in p.authors]
    date = p.published or p.day
    lines += [("PY", _year(p)), ("DA", f"{date.year:04d}/{date.month:02d}/{date.day:02d}/")]
    if venue:
        lines.append(("T2", venue))
    arxiv_id = _arxiv_id(p)
    if arxiv_id:
        lines.append(("AN", f"arXiv:{arxiv_id}"))
    if p.doi:
        lines.append(("DO", p.doi))
    if url := safe_url(p.url):
        lines.append(("UR", url))
    lines += [("KW", topic) for topic in p.topics]
    return "".join(f"{tag}  - {_ris_value(value)}\r\n" for tag, value in lines) + "ER  - \r\n"


def coins_fields(p: Paper, venue: str) -> list[tuple[str, str]]:
    """The paper's OpenURL ContextObject (Z39.88-2004) as (key, value) pairs, before KEV encoding."""
    fields = [("ctx_ver", "Z39.88-2004"), ("rft_val_fmt", "info:ofi/fmt:kev:mtx:journal"),
              ("rft.genre", "preprint" if is_preprint(p) else "article"), ("rft.atitle", p.title)]
    if venue and not is_preprint(p):   # a preprint's source label ("arXiv (CS.LG)") names no journal
        fields.append(("rft.jtitle", venue))
    fields += [("rft.au", a) for a in p.authors[:COINS_AUTHORS]]
    fields.append(("rft.date", (p.published or p.day).isoformat()))
    if p.doi:
        fields.append(("rft_id", f"info:doi/{p.doi}"))
    arxiv_id = _arxiv_id(p)
    if arxiv_id:
        fields.append(("rft_id", f"info:arxiv/{arxiv_id}"))
    if url := safe_url(p.url):   # only http(s): a feed's javascript: link never reaches a page
        fields.append(("rft_id", url))
    return fields


COINS_SAFE = ":/"
# The bytes quote() leaves as they are (urllib.parse's _ALWAYS_SAFE), every other byte of the UTF-8 becoming "%XX".
_UNQUOTED = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~"
# quote_plus(text, safe=COINS_SAFE) byte by byte: quote() calls a Python function per byte of a text holding any
# other byte (an accented name, a comma), about half of a card's COinS; a table looked up in C gives the same.
_KEV_KEPT = _UNQUOTED + COINS_SAFE.encode()
_KEV = ["+" if b == 32 else chr(b) if b in _KEV_KEPT else f"%{b:02X}" for b in range(256)]


def kev_value(text: str) -> str:
    """quote_plus(text, safe=COINS_SAFE): a value of a KEV (key=value&...) string."""
    data = text.encode("utf-8")
    if not data.translate(None, _KEV_KEPT + b" "):   # ASCII, nothing to escape but spaces
        return text.replace(" ", "+")
    return "".join(map(_KEV.__getitem__, data))


def coins(p: Paper, venue: str) -> str:
    """The paper's OpenURL ContextObject (KEV form), for a COinS span's title attribute."""
    # urlencode's own output, without its per-call machinery
    return "&".join(f"{name}={kev_value(value)}" for name, value in coins_fields(p, venue))


def quoted_length(text: str, safe: str, plus: bool = False) -> int:
    """len(quote(text, safe)), or len(quote_plus(text, safe)) with plus, without building it: counted in C, where
    quote() calls a Python function per byte (a card's weight asks as each day is indexed, a year 300,000 cards)."""
    data = text.encode("utf-8")
    return len(data) + 2 * len(data.translate(None, _UNQUOTED + safe.encode() + (b" " if plus else b"")))


def coins_html_bytes(p: Paper, venue: str) -> int:
    """The bytes coins(p, venue) takes in an HTML attribute (its "&"s escaped, "&amp;"), without building it."""
    fields = coins_fields(p, venue)
    # quoted_length of the values joined is the sum of theirs: counted in one call
    return (sum(len(name) + 1 for name, _ in fields) + quoted_length("".join(v for _, v in fields), COINS_SAFE, plus=True)
            + 5 * (len(fields) - 1))


def cite_texts(papers: Iterable[tuple[Paper, str]]) -> dict[str, dict[str, str]]:
    """A day's citations for the browser: {"bibtex": {id: entry}, "ris": {id: record}}, from (paper, venue) pairs."""
    out: dict[str, dict[str, str]] = {"bibtex": {}, "ris": {}}
    for p, venue in papers:
        out["bibtex"][p.id] = bibtex(p, venue)
        out["ris"][p.id] = ris(p, venue)
    return out
