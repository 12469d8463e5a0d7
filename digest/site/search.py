"""The search index: search/index.json lists one compact shard per month, each a list of rows, newest first."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date

from ..papers import Paper
from ..radar import keys
from .cards import CardBuilder
from .index import DayIndex, DayInfo, DayLoader
from .layout import DayLayout
from .plan import SitePlan
from .writer import SiteWriter, compact_json

FIELDS = ["id", "day", "title", "authors", "summary", "topics", "keys", "link"]


def search_row(paper: Paper, summary: str, link: str) -> list[str]:
    """One paper in a search shard: [id, day, title, authors, summary, topics, the authors' folded keys, the path
    of its card from the site's root (its numbered page and #id, as the build decided it)]."""
    return [paper.id, paper.day.isoformat(), paper.title, "|".join(paper.authors), summary, " ".join(paper.topics),
            keys(paper.authors), link]


def rows_json(rows: list[list[str]]) -> str:
    """The rows as the elements of a compact JSON array, comma-separated: shards join days' rows as text."""
    return compact_json(rows)[1:-1]


def day_rows(papers: Sequence[Paper], short_summary: Callable[[Paper], str], layout: DayLayout) -> str:
    """A day's rows of the search index, as JSON: the papers in their cards' order, numbered from 1."""
    return rows_json([search_row(p, short_summary(p), layout.card_path(n, p.id))
                      for n, p in enumerate(papers, 1)])


class SearchIndex:
    """Writes the shards; a day's rows come from its day job if it was rendered now, else from the last shard."""

    def __init__(self, writer: SiteWriter, plan: SitePlan, index: DayIndex, loader: DayLoader, cards: CardBuilder):
        self.writer, self.plan, self.index, self.loader, self.cards = writer, plan, index, loader, cards
        self.rendered: dict[date, str] = {}   # day -> its rows as JSON, from the day jobs of this render

    def write(self) -> None:
        """Write search/index.json (the shard list) and one compact shard per month, newest first."""
        months: dict[str, list[DayInfo]] = {}
        for info in reversed(self.index.days):
            months.setdefault(info.day.isoformat()[:7], []).append(info)
        shards = []
        for month, infos in months.items():
            target = self.plan.search_shard(month, infos)
            if not target.fresh:
                # Each day's rows are marked with what they were made from, so a new day reuses the rest.
                marks = {info.day.isoformat(): self.plan.search_day_mark(info) for info in infos}
                earlier = self.earlier_rows(target.rel, marks) if any(i.day not in self.rendered for i in infos) else {}
                rows = ",".join(filter(None, (earlier.get(i.day.isoformat()) or self.rows_of(i) for i in infos)))
                # The same bytes as compact_json of the whole shard, without decoding and encoding every row again.
                head = compact_json({"month": month, "days": marks})[:-1]
                self.writer.write(target.rel, f'{head},"papers":[{rows}]}}', target.fingerprint)
            shards.append({"month": month, "count": sum(i.size for i in infos), "file": f"{month}.json"})
        self.writer.write("search/index.json", compact_json({"fields": FIELDS, "shards": shards}))

    def earlier_rows(self, rel: str, marks: dict[str, str]) -> dict[str, str]:
        """Return the rows (as JSON) of the shard an earlier render wrote, by day, for the days made from the same."""
        try:
            earlier = json.loads((self.writer.root / rel).read_bytes())
            same = {day for day, mark in earlier["days"].items() if marks.get(day) == mark}
            found: dict[str, list[list[str]]] = {}
            for row in earlier["papers"]:
                if row[1] in same:
                    found.setdefault(row[1], []).append(row)
            return {day: rows_json(rows) for day, rows in found.items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError):
            return {}   # none yet, or not one we wrote: read the days instead

    def rows_of(self, info: DayInfo) -> str:
        rows = self.rendered.get(info.day)
        if rows is None:
            rows = day_rows(self.loader.load(info).papers, self.cards.short_summary, self.plan.layout(info))
        return rows
