"""The search index: monthly segments of a static inverted index (searchdb), and search/index.json naming them.

Every paper is found by its title, authors and summaries (every language); the abstracts of the newest
ABSTRACT_MONTHS calendar months too (so at least the last 30 days). A render rewrites only the segments whose
days changed; each day's terms are kept in the render's cache (site/.academichub-search/, not deployed), so a
new day does not read its month's other days again.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date

from ..files import write_atomic
from ..papers import Paper
from .cards import CardBuilder, card_path
from .index import DayIndex, DayInfo, DayLoader
from .plan import SitePlan
from .searchdb import (SEGMENT_PAPERS, DayTerms, browser_rule, build_segment, chunks_bytes, chunks_of, content_name,
                       day_terms, interleave)
from .writer import SiteWriter, compact_json, inputs_key

# Abstracts are searched in the newest day's calendar month and the one before. The retention setting of the
# site (full cards for a recent window) is meant to decide this: until it exists, this is its default.
ABSTRACT_MONTHS = 2
AUTHORS_SHOWN = 6       # names a result row carries (and how many there were)
CACHE = ".academichub-search"
FIELDS = ["id", "day", "title", "authors", "authors_count", "summary", "link"]


def abstract_months(newest: date) -> frozenset[str]:
    """The months ("YYYY-MM") whose abstracts are searched, when the archive's newest day is `newest`."""
    months, year, month = [], newest.year, newest.month
    for _ in range(ABSTRACT_MONTHS):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return frozenset(months)


def search_row(paper: Paper, summary: str, link: str) -> list[object]:
    """One paper's result row: [id, day, title, the first authors "|"-joined, how many authors, short summary,
    the path of its card from the site's root (its numbered page and #id, as the build decided it)]."""
    return [paper.id, paper.day.isoformat(), paper.title, "|".join(paper.authors[:AUTHORS_SHOWN]), len(paper.authors),
            summary, link]


def day_rows(papers: Sequence[Paper], cards: CardBuilder, page_size: int) -> DayTerms:
    """A day's part of the search index: the papers in their cards' order, numbered from 1."""
    windows = abstract_months(cards.days.days[-1].day) if cards.days.days else frozenset()

    def texts(paper: Paper) -> list[str]:
        found = [*paper.summary.values(), cards.summary_of(paper)[0]]
        if paper.day.isoformat()[:7] in windows:
            found.append(paper.abstract)
        return found

    return day_terms((search_row(p, cards.short_summary(p), card_path(p.day.isoformat(), n, page_size, p.id)),
                      p.title, p.authors, texts(p)) for n, p in enumerate(papers, 1))


class SearchIndex:
    """Writes the segments; a day's terms come from its day job if it was rendered now, else from the cache."""

    def __init__(self, writer: SiteWriter, plan: SitePlan, index: DayIndex, loader: DayLoader, cards: CardBuilder):
        self.writer, self.plan, self.index, self.loader, self.cards = writer, plan, index, loader, cards
        self.rendered: dict[date, DayTerms] = {}   # day -> its terms, from the day jobs of this render
        self.cache = writer.root / CACHE

    def write(self) -> None:
        """Write the segments that changed, the dictionary of all, and search/index.json naming them."""
        months: dict[str, list[DayInfo]] = {}
        for info in self.index.days:
            months.setdefault(info.day.isoformat()[:7], []).append(info)
        windows = abstract_months(self.index.days[-1].day) if self.index.days else frozenset()
        last = self.read_cache("segments.json")
        segments: dict[str, object] = {}
        parts: list[dict[str, object]] = []
        keep: set[str] = {"segments.json"}
        for month, infos in months.items():
            fingerprint = inputs_key(self.plan.version, month in windows, [(i.day, i.key) for i in infos])
            entry = last.get(month) if isinstance(last, dict) else None
            if not (isinstance(entry, dict) and entry.get("fingerprint") == fingerprint and self.kept(entry)):
                entry = {"fingerprint": fingerprint, "parts": self.build_month(month, infos, fingerprint)}
            segments[month] = entry
            parts.extend(entry["parts"])
            keep.update(f"{p['dict']}" for p in entry["parts"])
            keep.update(f"days/{i.day.isoformat()}.json" for i in infos)
        self.write_dictionary(parts)
        write_atomic(self.cache / "segments.json", compact_json(segments).encode("utf-8"), durable=False)
        for path in self.cache.rglob("*"):
            if path.is_file() and path.relative_to(self.cache).as_posix() not in keep:
                path.unlink()

    def kept(self, entry: dict[str, object]) -> bool:
        """Return True (and keep its files) if a segment of the last render is still on disk, whole."""
        parts = entry.get("parts")
        fingerprint = str(entry.get("fingerprint"))
        return isinstance(parts, list) and all(
            isinstance(p, dict) and (self.cache / str(p.get("dict"))).is_file()
            and self.writer.fresh(f"search/{p.get('post')}", fingerprint)
            and self.writer.fresh(f"search/{p.get('rows')}", fingerprint) for p in parts)

    def build_month(self, month: str, infos: list[DayInfo], fingerprint: str) -> list[dict[str, object]]:
        """Write a month's segment (in parts of at most SEGMENT_PAPERS, cut at days); return its parts."""
        groups: list[list[DayTerms]] = [[]]
        count = 0
        for info in infos:
            if count + info.size > SEGMENT_PAPERS and groups[-1]:
                groups.append([])
                count = 0
            groups[-1].append(self.terms_of(info))
            count += info.size
        parts = []
        for number, days in enumerate(groups, 1):
            built = build_segment(days)
            stem = month if len(groups) == 1 else f"{month}.{number}"
            post, rows = content_name(stem, built.post, "post"), content_name(stem, built.rows, "rows")
            self.writer.write(f"search/{post}", built.post, fingerprint)
            self.writer.write(f"search/{rows}", built.rows, fingerprint)
            chunks = f"{stem}.{fingerprint}.dict"
            write_atomic(self.cache / chunks, chunks_bytes(built.chunks), durable=False)
            parts.append({"name": stem, "count": built.count, "post": post, "rows": rows, "dict": chunks})
        return parts

    def write_dictionary(self, parts: list[dict[str, object]]) -> None:
        """The dictionary of every segment part (oldest first), its directory and the manifest."""
        directory, files = interleave([chunks_of((self.cache / str(p["dict"])).read_bytes()) for p in parts])
        dict_files, start = [], 0
        for data in files:
            name = content_name("dict", data, "bin")
            self.writer.write(f"search/{name}", data)
            dict_files.append({"file": name, "start": start})
            start += len(data)
        dir_name = content_name("dir", directory, "bin")
        self.writer.write(f"search/{dir_name}", directory)
        shown = [{k: p[k] for k in ("name", "count", "post", "rows")} for p in parts]
        manifest = {"fields": FIELDS, **browser_rule(), "dir": dir_name, "dicts": dict_files, "segments": shown,
                    "papers": sum(int(str(p["count"])) for p in parts)}
        self.writer.write("search/index.json", compact_json(manifest))

    def terms_of(self, info: DayInfo) -> DayTerms:
        """A day's terms: from this render's day job, else the cache (if made from the same), else the day."""
        iso = info.day.isoformat()
        mark = inputs_key(self.plan.version, info.key, iso[:7] in abstract_months(self.index.days[-1].day))
        terms = self.rendered.get(info.day)
        if terms is None:
            cached = self.read_cache(f"days/{iso}.json")
            try:
                if isinstance(cached, dict) and cached.get("mark") == mark:
                    return DayTerms.from_json(cached)
            except (KeyError, ValueError):
                pass
            terms = day_rows(self.loader.load(info).papers, self.cards, self.plan.page_size)
        write_atomic(self.cache / "days" / f"{iso}.json", compact_json({"mark": mark, **terms.to_json()})
                     .encode("utf-8"), durable=False)
        return terms

    def read_cache(self, rel: str) -> object:
        try:
            return json.loads((self.cache / rel).read_bytes())
        except (OSError, ValueError):
            return {}   # none yet, or not one we wrote: read the days instead

