"""arXiv's listing feeds: one `+`-joined request for every configured category, entries given back per source."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Iterable, Sequence

from .feed import Entry

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
    """Give each entry of a joined listing to every member source whose category the entry lists."""
    out: dict[str, list[Entry]] = {sid: [] for sid in group.source_ids}
    for entry in entries:
        cats = {c.lower() for c in entry.categories}
        owners = [sid for sid, own in group.members if cats & {c.lower() for c in own}]
        # An item always lists the category it was requested by; if a feed ever omits its
        # categories, the first member keeps it rather than losing the paper.
        for sid in owners or group.source_ids[:1]:
            out[sid].append(replace(entry, sources=(sid,)))
    return out

