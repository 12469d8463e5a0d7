"""Where a day's cards fall among its numbered pages: decided once, here, from what each card weighs.

A page holds at most site.page_size full cards (or COMPACT_PAGE_SIZE compact entries), and fewer when they are
heavy (long author lists, long abstracts), so that no day page passes 150 KB of HTML or 1,500 elements. The
boundaries are found when a day is indexed (its papers are read then anyway) and kept in the day index; every
link to a card (the pager, the briefing, search rows, topic, day-and-topic and radar pages, and the "Another
batch" script, which follows the next page's link) asks a DayLayout built from them, never a formula of its own.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..papers import Paper, Update, pdf_url
from ..radar import keys
from .cite import coins_html_bytes, is_preprint, quoted_length

# What the cards or entries of one page may weigh: the page's frame (header, day heading, pager, footer: about
# 12 KB and 200 elements with an elided page list) comes on top, and stays under 150 KB and 1,500 elements.
PAGE_BYTES = 120_000
PAGE_ELEMENTS = 1_200
BRIEFING = (12_000, 150)     # room kept on a day's first page for its briefing (a sanitised page of Markdown)
COMPACT_PAGE_SIZE = 200      # entries on a numbered page of a compact day (outside site.full_days)

# What a card shows at most (cards.card_html clips to these), so that a single card always fits a page.
AUTHORS_SHOWN = 40           # author links on a full card; the rest are counted ("+ 260 more")
ABSTRACT_SHOWN = 6_000       # characters of the abstract on a full card (arXiv's are at most 1,920)
SUMMARY_SHOWN = 2_000        # characters of each summary on a full card
ENTRY_AUTHORS = 3            # author links on a compact entry; the rest are counted
ENTRY_TITLE = 300            # characters of the title on a compact entry

# A card's markup besides its feed-born texts, generously (card_weight exceeds every demo card by 496 bytes and
# 9 elements at least): number and permalink, meta line (label, date, tags, radar mark), headings, the abstract's label, the actions
# line (paper page, PDF), the COinS span's fixed part. Topic badges, links and authors are counted one by one.
CARD_FRAME = (1_000, 32)
PROVENANCE = (1_100, 8)      # an LLM summary's provenance and report link, besides its model, prompt, id and link
COINS_VENUE = 600            # a journal's label in the COinS, percent-encoded (one line of sources.yaml)
TOPIC_BADGE = (260, 1)       # a badge: its link (from a numbered page), the topic's name and i18n key
ALSO_LINK = (120, 2)         # an "also at" line, besides its URL
AUTHOR_LINK = (100, 1)       # an author link from a numbered page, besides the name (twice) and its URL form
ENTRY_FRAME = (120, 3)       # a compact entry's <li>, its title link and its authors' <span>
SOURCE_HEAD = (260, 3)       # a compact day's source heading and the <ol> it opens (again atop each page)
UPDATE_ROW = (200, 4)        # a row of the first page's "Updated versions"


def text_bytes(text: str) -> int:
    """An upper bound of the bytes text takes on a page, HTML-escaped and UTF-8 encoded."""
    size = len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))
    # &amp; &#34; &#39; take 4 bytes more than their character, &lt; and &gt; 3.
    return size + 4 * (text.count("&") + text.count('"') + text.count("'") + text.count("<") + text.count(">"))


def card_weight(p: Paper) -> tuple[int, int]:
    """An upper bound of a full card's HTML (cards.card_html): (bytes, elements)."""
    shown = p.authors[:AUTHORS_SHOWN]
    size, elements = CARD_FRAME
    # text_bytes (as quoted_length) of a concatenation is the sum of its texts': the texts a card shows as often
    # are weighed in one call (a day is indexed in a pass over its cards, a year 300,000 of them).
    # Shown once: the title, the names and their keys (data attributes), a model's summary in each language (one
    # shown, the others beside it), and the abstract.
    size += text_bytes("".join((p.title, "|".join(p.authors), keys(p.authors), *(s[:SUMMARY_SHOWN] for s in
                                                                                  p.summary.values()),
                                p.abstract[:ABSTRACT_SHOWN])))
    # Twice: the author links' names (text and title), the "also at" links (text and href).
    size += 2 * text_bytes("".join((*shown, *p.links))) + quoted_length("".join(shown), "/")
    # Thrice: the id and the URL (card, permalink, actions line), and the topic badges (link, name, i18n key);
    # three times more for an LLM summary's provenance, whose report link percent-encodes the id and link.
    size += 3 * text_bytes(f"{p.id}{p.url}{''.join(p.topics)}") + (3 * text_bytes(p.id + p.url) if p.summary else 0)
    size += len(shown) * AUTHOR_LINK[0] + len(p.summary) * 40 + len(p.links) * ALSO_LINK[0]
    size += len(p.topics) * TOPIC_BADGE[0]
    # The PDF link, and the COinS (its exact size: percent-encoding is not bounded by text_bytes).
    size += len(pdf_url(p) or "") + coins_html_bytes(p, "")
    size += 0 if is_preprint(p) else COINS_VENUE   # a preprint's COinS names no journal (cite.coins)
    if p.summary:
        size += PROVENANCE[0] + 8 * text_bytes((p.summary_model or "") + (p.summary_prompt or ""))
        elements += PROVENANCE[1]
    elements += len(shown) * AUTHOR_LINK[1] + len(p.links) * ALSO_LINK[1] + len(p.topics) * TOPIC_BADGE[1]
    return size, elements


def entry_weight(p: Paper, opens_run: bool) -> tuple[int, int]:
    """An upper bound of a compact day's entry (cards.compact_entry), with its source's heading if it opens a run
    of that source: (bytes, elements)."""
    size, elements = SOURCE_HEAD if opens_run else (0, 0)
    shown = p.authors[:ENTRY_AUTHORS]
    # The names ", "-joined; text_bytes of the texts shown once weighed in one call (card_weight).
    size += ENTRY_FRAME[0] + 2 * text_bytes(p.id) + text_bytes("".join((p.url, p.title[:ENTRY_TITLE], *shown)))
    return size + 2 * len(shown), elements + ENTRY_FRAME[1]


def split(weights: Sequence[tuple[int, int]], most: int, first: tuple[int, int] = (0, 0),
          each: tuple[int, int] = (0, 0)) -> tuple[int, ...]:
    """Return the numbers (from 1) of the cards that open the pages from the second on: a page takes cards while
    they fit PAGE_BYTES and PAGE_ELEMENTS, less `each` on every page and `first` more on the first, and at most
    `most`; at least one."""
    starts: list[int] = []
    size, elements, count = first[0] + each[0], first[1] + each[1], 0
    for number, (card_size, card_elements) in enumerate(weights, 1):
        if count and (count >= most or size + card_size > PAGE_BYTES or elements + card_elements > PAGE_ELEMENTS):
            starts.append(number)
            size, elements, count = each[0], each[1], 0
        size, elements, count = size + card_size, elements + card_elements, count + 1
    return tuple(starts)


def updates_shown(updates: Sequence[Update]) -> tuple[int, tuple[int, int]]:
    """How many of a day's new versions its first page lists (as many as fit in three quarters of the page, so a
    card always fits beside them; the rest are counted), and the room they take: (bytes, elements)."""
    size, elements = UPDATE_ROW   # the list's heading, and the line counting the rest
    for shown, u in enumerate(updates):
        row = UPDATE_ROW[0] + text_bytes(u.title) + text_bytes(u.url)
        if size + row > PAGE_BYTES * 3 // 4 or elements + UPDATE_ROW[1] > PAGE_ELEMENTS * 3 // 4:
            return shown, (size, elements)
        size, elements = size + row, elements + UPDATE_ROW[1]
    return len(updates), (size, elements) if updates else (0, 0)


TOPIC_DAY_HEAD = (400, 5)    # a day's section on a topic page: its heading, its link, its list and the link after it
ENTRY_END = b"</li>\n"       # how an entry's line ends (cards.entry_html); its texts are escaped, so only there


def leading_entries(body: bytes, room: tuple[int, int]) -> tuple[bytes, int, tuple[int, int]]:
    """The first entries of a block of compact entries (a day's on a topic page) that fit in room (bytes,
    elements): (their bytes, how many, the room left). An entry's elements are its opening tags (its text is
    escaped: a "<" is one)."""
    size, elements = room
    end = count = 0
    while (found := body.find(ENTRY_END, end)) >= 0:
        entry = body[end:found + len(ENTRY_END)]
        weight = entry.count(b"<") - entry.count(b"</")
        if len(entry) > size or weight > elements:
            break
        end, count, size, elements = end + len(entry), count + 1, size - len(entry), elements - weight
    return body[:end], count, (size, elements)


def day_breaks(papers: Sequence[Paper], updates: Sequence[Update], page_size: int) -> tuple[tuple[int, ...], ...]:
    """Return where a day's pages start, full (cards) and compact (entries): the day index keeps both."""
    # The first page also holds the briefing, and a full day's first page its "Updated versions".
    updated = updates_shown(updates)[1]
    full = split([card_weight(p) for p in papers], page_size, (BRIEFING[0] + updated[0], BRIEFING[1] + updated[1]))
    # A page of a compact day opens with its source's heading, and every change of source adds one.
    labels = [p.sources[0] if p.sources else "" for p in papers]
    entries = [entry_weight(p, i > 0 and labels[i] != labels[i - 1]) for i, p in enumerate(papers)]
    return full, split(entries, COMPACT_PAGE_SIZE, BRIEFING, SOURCE_HEAD)


@lru_cache(maxsize=1)
def layout_version() -> str:
    """A hash of this module: the day index's breaks hold only for the rules that found them."""
    return hashlib.blake2b(Path(__file__).read_bytes(), digest_size=8).hexdigest()


def day_page_path(iso: str, page: int) -> str:
    """Return the path (from the site root) of a day's numbered page: "YYYY-MM-DD/", then "YYYY-MM-DD/page/2/"..."""
    return f"{iso}/" if page <= 1 else f"{iso}/page/{page}/"


def card_fragment(paper_id: str) -> str:
    """Return "#<id>" for a link to a paper's card. A browser percent-decodes a fragment before it looks the id
    up, so the one character an id may hold that would change (`%`, in a DOI or a link) is written `%25`."""
    return "#" + paper_id.replace("%", "%25")


@dataclass(frozen=True)
class DayLayout:
    """A day's numbered pages as the build decided them: full cards, or compact entries outside site.full_days."""

    iso: str
    total: int                 # the day's papers
    starts: tuple[int, ...]    # the number of each page's first card: (1, 17, 31, ...)
    compact: bool

    @property
    def count(self) -> int:
        return len(self.starts)

    def page_of(self, number: int) -> int:
        """Return which numbered page holds the card numbered `number` (from 1)."""
        return bisect_right(self.starts, number)

    def span(self, page: int) -> tuple[int, int]:
        """Return the numbers of the page's first card and of the one after its last."""
        return self.starts[page - 1], self.starts[page] if page < self.count else self.total + 1

    def path(self, page: int) -> str:
        return day_page_path(self.iso, page)

    def card_path(self, number: int, paper_id: str) -> str:
        """Return the path (from the site root) of a card: its numbered page and the card's `#id`."""
        return self.path(self.page_of(number)) + card_fragment(paper_id)


def day_layout(iso: str, total: int, breaks: tuple[tuple[int, ...], ...], compact: bool) -> DayLayout:
    """Return a day's layout from the breaks its index entry holds."""
    return DayLayout(iso, total, (1, *breaks[1 if compact else 0]), compact)
