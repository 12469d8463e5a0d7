"""Each full day's "Related across fields": the related papers the summarize stage stored (digest/vectors.py, in
content/related/), as links from the site root to their cards. The render only reads them.

A day's related papers were found once, when it was new; what can still change is where a linked card lives (its
day's numbered page, or its compact entry after the full window), so a page's fingerprint holds what its links are
made from: its cards' related papers and the linked days' contents and layouts. Planning asks it of every numbered
page of every full day (~2,250), and reading their related files (~0.5 MB a weekday) took more than the rest of a
no-op render: each day's is summed up in site/.academichub-blocks/ (site/blocks.py) under a hash of the file's bytes
(not its time: the daily job checks content/ out afresh, every file new) and parsed again only when they changed or
a page is rendered. Hashing a weekday's 0.5 MB costs about a millisecond, parsing it far more.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from ..papers import Paper
from ..vectors import Related
from .blocks import Blocks
from .index import DayIndex, DayInfo
from .plan import SitePlan
from .writer import inputs_key

Links = tuple[tuple[str, str], ...]   # (path from the site root to the card, the paper's title)


class RelatedLinks:
    def __init__(self, read: Callable[[date], Mapping[str, Sequence[Related]]], plan: SitePlan, index: DayIndex,
                 file_key: Callable[[date], str | None] | None = None, root: Path | None = None):
        """read: a day's related papers; file_key: its related file's hash, None without one; root: site/, where each
        day's summary is kept (without file_key and root, a page's fingerprint holds its links themselves)."""
        self.read, self.plan = read, plan
        self.infos = {info.day: info for info in index.days}
        self._numbers: dict[date, dict[str, int]] = {}
        self._links: dict[date, dict[str, Links]] = {}
        self.file_key = file_key
        self.blocks = Blocks(root, "related") if root is not None and file_key is not None else None
        self._summaries: dict[date, dict[int, list[Any]]] = {}

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

    def on_page(self, info: DayInfo, number: int) -> list[Any]:
        """What the links the day's numbered page shows are made from, for its fingerprint (a compact day's, none: its
        ids are not even gathered, for the ~3,000 numbered pages of a year)."""
        if self.plan.layout(info).compact:
            return []
        if self.blocks is None:
            return self.links_on_page(info, number)
        found = self.summary(info).get(number)
        if not found:
            return []
        key, days = found
        return [key, [(iso, *self.day_shape(iso)) for iso in days]]

    def links_on_page(self, info: DayInfo, number: int) -> list[tuple[str, Links]]:
        """The links the day's numbered page shows, by card id."""
        found = self.of_day(info)
        if not found:
            return []
        # The page's ~16 ids looked up, not the day's ~1,200 links scanned: once for each of a weekday's ~75 pages.
        return sorted((pid, found[pid]) for pid in self.plan.page_ids(info, number) if pid in found)

    def day_shape(self, iso: str) -> tuple[Any, ...]:
        """What a link's path depends on of the day it points into: its papers and layout (none: not in the archive)."""
        info = self.infos.get(date.fromisoformat(iso))
        return (info.key, self.plan.shape(info)) if info else ()

    def summary(self, info: DayInfo) -> dict[int, list[Any]]:
        """A full day's numbered pages that show related papers: number -> [a key of their related papers, the ISO days
        they link into]; kept under the related file's hash and the day's papers and layout."""
        found = self._summaries.get(info.day)
        if found is None:
            assert self.blocks is not None and self.file_key is not None
            held = self.file_key(info.day)
            piece = None
            if held is not None:
                key = inputs_key(info.day, held, info.key, self.plan.shape(info))
                piece = self.blocks.get(key)
                if piece is None:
                    piece = self.summed_up(info)
                    self.blocks.put(key, piece)
            found = self._summaries[info.day] = {number: [page_key, days] for number, page_key, days in piece or []}
        return found

    def summed_up(self, info: DayInfo) -> list[Any]:
        """[number, key, days] of each numbered page of the day that shows related papers (summary)."""
        related = self.read(info.day)
        out: list[Any] = []
        for number in range(1, self.plan.layout(info).count + 1):
            shown = sorted((pid, [(r.id, r.day.isoformat(), r.title) for r in related[pid]])
                           for pid in self.plan.page_ids(info, number) if pid in related)
            if shown:
                out.append([number, inputs_key(shown), sorted({day for _, items in shown for _, day, _ in items})])
        return out

    def save(self) -> None:
        """Keep the summaries this render made (and drop those of days no longer full, or gone)."""
        if self.blocks is not None:
            self.blocks.save()
