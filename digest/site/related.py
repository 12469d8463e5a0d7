"""Each full day's "Related across fields": the related papers the summarize stage stored (digest/vectors.py, in
content/related/), as links from the site root to their cards. The render only reads them.

A day's related papers were found once, when it was new; what can still change is where a linked card lives (its
day's numbered page, or its compact entry after the full window), so a page's fingerprint holds its links.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date

from ..papers import Paper
from ..vectors import Related
from .index import DayIndex, DayInfo
from .plan import SitePlan

Links = tuple[tuple[str, str], ...]   # (path from the site root to the card, the paper's title)


class RelatedLinks:
    def __init__(self, read: Callable[[date], Mapping[str, Sequence[Related]]], plan: SitePlan, index: DayIndex):
        self.read, self.plan = read, plan
        self.infos = {info.day: info for info in index.days}
        self._numbers: dict[date, dict[str, int]] = {}
        self._links: dict[date, dict[str, Links]] = {}

    def of_day(self, info: DayInfo) -> dict[str, Links]:
        """The day's cards' links (a compact day shows entries, with none)."""
        found = self._links.get(info.day)
        if found is None:
            found = {}
            if not self.plan.layout(info).compact:
                for pid, items in self.read(info.day).items():
                    links = tuple((path, r.title) for r in items for path in (self.card_path(r),) if path)
                    if links:
                        found[pid] = links
            self._links[info.day] = found
        return found

    def card_path(self, related: Related) -> str | None:
        """The linked card's path from the site root, or None if its day is no longer in the archive."""
        info = self.infos.get(related.day)
        if info is None:
            return None
        numbers = self._numbers.get(info.day)
        if numbers is None:
            numbers = self._numbers[info.day] = {pid: n for n, pid in enumerate(info.ids, 1)}
        number = numbers.get(related.id)
        return self.plan.layout(info).card_path(number, related.id) if number else None

    def of(self, paper: Paper) -> Links:
        info = self.infos.get(paper.day)
        return self.of_day(info).get(paper.id, ()) if info else ()

    def on_page(self, info: DayInfo, number: int) -> list[tuple[str, Links]]:
        """What of the links the day's numbered page shows, for its fingerprint (a compact day's, none: its ids are
        not even gathered, for the ~3,000 numbered pages of a year)."""
        found = self.of_day(info)
        if not found:
            return []
        # The page's ~16 ids looked up, not the day's ~1,200 links scanned: once for each of a weekday's ~75 pages.
        return sorted((pid, found[pid]) for pid in self.plan.page_ids(info, number) if pid in found)
