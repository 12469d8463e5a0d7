"""Journal feeds: PLOS (a "by Author" paragraph before the abstract) and Nature (a standfirst, not an abstract).

What a publisher's platform wraps around the text (Nature's "Published online" line among them) is removed for
every family in platforms.py; what is left here is each journal's own rule."""

from __future__ import annotations

import re
from typing import Any

from ..clean import clean_text
from .feed import Adapter, Entry, replaced
from .generic import body_html, generic_item
from .jobs import fetch_feed as job  # noqa: F401 - one plain feed is this family's job


def plos_item(item: Any, source_id: str) -> Entry | None:
    """Return the Entry of one PLOS item, its abstract without the byline paragraph."""
    entry = generic_item(item, source_id)
    # PLOS opens the body with a "by Author, Author" paragraph before the abstract.
    body = re.sub(r"^\s*<p>\s*by\s[^<]*</p>", "", body_html(item), count=1, flags=re.I)
    return replaced(entry, abstract=clean_text(body))


def nature_item(item: Any, source_id: str) -> Entry | None:
    """Return the Entry of one Nature item: its standfirst (none when it only repeats the title)."""
    entry = generic_item(item, source_id)
    if entry is None or not entry.abstract:
        return entry
    # Nature's feed carries a standfirst only: the card must say so and no summary may claim more.
    return replaced(entry, abstract_kind="standfirst")


ADAPTERS: dict[str, Adapter] = {"plos": plos_item, "nature": nature_item}
