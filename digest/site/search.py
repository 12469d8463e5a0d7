"""The search index: monthly segments of a static inverted index (searchdb), and search/index.json naming them.

Every paper is found by its title, authors and summaries (every language); the abstracts of the newest
ABSTRACT_MONTHS calendar months too (so at least the last 30 days). A render rewrites only the segments whose
days changed; each segment's dictionary is kept in the render's cache (site/.academichub-search/, not deployed),
so a new day does not read its month's other days again. The terms a day job made wait there too, a file a day,
until their month is written: a whole render (the daily job without its cached site/) holds one month's terms
at a time, not the archive's.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from ..files import write_atomic
from ..papers import Paper
from .cards import CardBuilder
from .index import DayIndex, DayInfo, DayLoader
from .layout import DayLayout
from .plan import SitePlan
from .searchdb import (SEGMENT_PAPERS, SegmentFiles, append_day, browser_rule, build_segment, chunks_bytes, chunks_of,
                       content_name, interleave, pair_chars)
from .searchrows import relinked_rows
from .searchterms import DayTerms, day_terms
from .workers import run_all
from .writer import SiteWriter, compact_json, inputs_key

# Abstracts are searched in the newest day's calendar month and the one before. The retention setting of the
# site (full cards for a recent window) is meant to decide this: until it exists, this is its default.
ABSTRACT_MONTHS = 2
AUTHORS_SHOWN = 3       # names a result row carries (a result shows three, "et al." past them)
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


def day_rows(papers: Sequence[Paper], cards: CardBuilder, layout: DayLayout, pairs: str | None = None) -> DayTerms:
    """A day's part of the search index: the papers in their cards' order, numbered from 1 (pairs: the CJK
    characters whose pairs its segment keeps, if known: searchterms.pairs_of)."""
    windows = abstract_months(cards.days.days[-1].day) if cards.days.days else frozenset()

    def texts(paper: Paper) -> list[str]:
        # The model's summaries, and the abstract in the window; else the card's summary (the abstract's opening,
        # which the whole abstract holds: tokenised once).
        found = list(paper.summary.values())
        if paper.day.isoformat()[:7] in windows:
            found.append(paper.abstract)
        elif not found:
            found.append(cards.summary_of(paper)[0])
        return found

    return day_terms(((search_row(p, cards.short_summary(p), layout.card_path(n, p.id)),
                       p.title, p.authors, texts(p)) for n, p in enumerate(papers, 1)), pairs)


def groups(infos: list[DayInfo]) -> list[list[DayInfo]]:
    """A month's days in the parts of its segment: at most SEGMENT_PAPERS papers each, cut at days."""
    found: list[list[DayInfo]] = [[]]
    count = 0
    for info in infos:
        if count + info.size > SEGMENT_PAPERS and found[-1]:
            found.append([])
            count = 0
        found[-1].append(info)
        count += info.size
    return found


def index_files(parts: Sequence[dict[str, object]], chunks: Sequence[Sequence[bytes]]) -> dict[str, bytes]:
    """The files naming the segment parts (oldest first; each with its dictionary chunks by bucket), by name in
    search/: the dictionary files, their directory and index.json."""
    directory, files = interleave(chunks)
    out, dict_files, start = {}, [], 0
    for data in files:
        name = content_name("dict", data, "bin")
        out[name] = data
        dict_files.append({"file": name, "start": start})
        start += len(data)
    dir_name = content_name("dir", directory, "bin")
    out[dir_name] = directory
    shown = [{k: p[k] for k in ("name", "count", "post", "rows", "pairs")} for p in parts]
    manifest = {"fields": FIELDS, **browser_rule(), "dir": dir_name, "dicts": dict_files, "segments": shown,
                "papers": sum(int(str(p["count"])) for p in parts)}
    out["index.json"] = compact_json(manifest).encode("utf-8")
    return out


class SearchIndex:
    """Writes the segments; a day's terms come from its day job if it was rendered now, else from the day."""

    def __init__(self, writer: SiteWriter, plan: SitePlan, index: DayIndex, loader: DayLoader, cards: CardBuilder):
        self.writer, self.plan, self.index, self.loader, self.cards = writer, plan, index, loader, cards
        self.cache = writer.root / CACHE
        self.last: object = None   # the last render's segments.json, read once
        self.pairs: dict[date, str] = {}       # the CJK characters whose pairs a day's segment keeps (plan_pairs)
        self.kept_days: set[date] = set()      # days whose terms plan_pairs made and kept already

    def new_days(self) -> frozenset[date]:
        """The days whose terms no segment of the last render holds (a new day, a changed one; every day after a
        change of code or settings): the day jobs hand back their terms. Any other day a rebuilt month needs (one
        leaving the abstracts' window) is read by terms_of."""
        last = self.last_segments()
        entries = [e for e in (last.values() if isinstance(last, dict) else ()) if isinstance(e, dict)]
        known = {(str(d[0]), str(d[1])) for entry in entries if entry.get("version") == self.plan.version
                 and isinstance(entry.get("days"), list) for d in entry["days"] if isinstance(d, list) and len(d) >= 2}
        return frozenset(i.day for i in self.index.days if (i.day.isoformat(), i.key) not in known)

    def last_segments(self) -> object:
        if self.last is None:
            self.last = self.read_cache("segments.json")
        return self.last

    def months(self) -> dict[str, list[DayInfo]]:
        months: dict[str, list[DayInfo]] = {}
        for info in self.index.days:
            months.setdefault(info.day.isoformat()[:7], []).append(info)
        return months

    def windows(self) -> frozenset[str]:
        return abstract_months(self.index.days[-1].day) if self.index.days else frozenset()

    def last_entry(self, month: str) -> dict[str, Any] | None:
        """The month's segment as the last render wrote it, if it is still on disk, whole."""
        last = self.last_segments()
        entry = last.get(month) if isinstance(last, dict) else None
        return entry if isinstance(entry, dict) and self.kept(entry) else None

    def write(self) -> None:
        """Write the segments that changed, the dictionary of all, and search/index.json naming them."""
        windows = self.windows()
        segments: dict[str, dict[str, Any]] = {}
        for month, infos in self.months().items():
            days = self.day_marks(infos)
            fingerprint = inputs_key(self.plan.version, month in windows, days)
            entry = self.last_entry(month)
            if entry is None or entry.get("fingerprint") != fingerprint:
                entry = {"fingerprint": fingerprint, "version": self.plan.version, "abstracts": month in windows,
                         "days": days, "parts": self.update_month(month, infos, entry, fingerprint, month in windows)}
            segments[month] = entry
        parts = [p for entry in segments.values() for p in entry["parts"]]
        for part in parts:   # the parts kept from the last render stay (a part written now is recorded already)
            self.writer.fresh(f"search/{part['post']}", part["fingerprint"])
            self.writer.fresh(f"search/{part['rows']}", part["fingerprint"])
        self.drop_replaced(parts)
        self.write_dictionary(parts)
        write_atomic(self.cache / "segments.json", compact_json(segments).encode("utf-8"), durable=False)
        keep = {"segments.json", *(str(p["dict"]) for p in parts)}
        for path in self.cache.rglob("*"):
            if path.is_file() and path.relative_to(self.cache).as_posix() not in keep:
                path.unlink()

    def drop_replaced(self, parts: list[dict[str, Any]]) -> None:
        """Forget (and remove) a part's files written earlier in this render and replaced since (a month whose
        links moved, then got a new day): the writer removes only what an earlier render wrote."""
        final = {f"search/{p[k]}" for p in parts for k in ("post", "rows")}
        done, earlier = self.writer.done, set(self.writer.manifest["files"])
        for rel in [r for r in done.files if r.startswith("search/") and r.endswith((".post", ".rows"))]:
            if rel not in final:
                done.files.pop(rel, None)
                done.pages.pop(rel, None)
                if rel not in earlier:
                    (self.writer.root / rel).unlink(missing_ok=True)

    def day_marks(self, infos: list[DayInfo]) -> list[list[object]]:
        """What a month's rows are made from: each day's content and whether its cards went compact (a row
        links its card where the day's layout put it)."""
        return [[i.day.isoformat(), i.key, self.plan.layout(i).compact] for i in infos]

    def kept(self, entry: dict[str, Any]) -> bool:
        """Return True if a segment of the last render is still on disk, whole, as that render wrote it."""
        parts, written = entry.get("parts"), self.writer.manifest["pages"]
        return isinstance(parts, list) and isinstance(entry.get("days"), list) and all(
            isinstance(p, dict) and isinstance(p.get("pairs"), str) and (self.cache / str(p.get("dict"))).is_file()
            and all(written.get(f"search/{p.get(k)}") == p.get("fingerprint")
                    and (self.writer.root / "search" / str(p.get(k))).is_file() for k in ("post", "rows"))
            for p in parts)

    def update_month(self, month: str, infos: list[DayInfo], last: dict[str, Any] | None, fingerprint: str,
                     abstracts: bool) -> list[dict[str, Any]]:
        """A month's parts: its last render's with the new days appended (the daily case: days only added, at
        the end, by the same code: another may have written another format), else built from its days (in parts
        of at most SEGMENT_PAPERS, cut at days)."""
        days = self.day_marks(infos)
        before = last["days"] if last else []
        if last and self.appends(last, days, abstracts):
            parts = list(last["parts"])
            moved = {str(d[0]) for d, was in zip(days, before) if list(was) != list(d)}   # only compact flags differ
            if moved:   # days gone compact: their cards moved, so their rows' links do (nothing else changes)
                parts = [self.relink(month, number, part, moved, fingerprint) for number, part in enumerate(parts, 1)]
            for info in infos[len(last["days"]):]:
                tip = parts[-1]
                if int(tip["count"]) + info.size > SEGMENT_PAPERS:
                    parts.append(self.write_part(month, len(parts) + 1, build_segment([self.terms_of(info)]),
                                                 fingerprint))
                    continue
                post, rows = (self.writer.root / "search" / str(tip[k]) for k in ("post", "rows"))
                chunks = chunks_of((self.cache / str(tip["dict"])).read_bytes())
                # The segment's pairs are fixed once it holds CJK: the day's terms need no other (append_day).
                built = append_day(int(tip["count"]), post.read_bytes(), chunks, rows.read_bytes(),
                                   self.terms_of(info, str(tip["pairs"]) or None), str(tip["pairs"]))
                parts[-1] = self.write_part(month, len(parts), built, fingerprint)
            return parts
        return [self.write_part(month, number, build_segment([self.terms_of(i, self.pairs.get(i.day)) for i in group]),
                                fingerprint) for number, group in enumerate(groups(infos), 1)]

    def appends(self, last: dict[str, Any], days: list[list[object]], abstracts: bool) -> bool:
        """Whether a month's segment is its last render's with days appended: the daily case (days only added, at
        the end, by the same code: another may have written another format)."""
        before = last["days"]
        return (last.get("abstracts") == abstracts and last.get("version") == self.plan.version and bool(last["parts"])
                and [d[:2] for d in before] == [d[:2] for d in days[:len(before)]])

    def plan_pairs(self, days: frozenset[date]) -> None:
        """Learn, before the day jobs make these days' terms, the CJK characters whose pairs their segments keep
        (searchdb.pair_chars), so that their terms hold no other pair (keep_day). A segment's pairs are those of its
        first day with any CJK: a segment appended to has them already; a segment to build learns them from its
        first day, whose terms are made (and kept) first, in workers for a whole render. A segment whose first
        day has no CJK keeps whatever pairs its days bring."""
        windows, firsts = self.windows(), []
        for month, infos in self.months().items():
            if not any(info.day in days for info in infos):
                continue
            last = self.last_entry(month)
            if last is not None and self.appends(last, self.day_marks(infos), month in windows):
                tip = last["parts"][-1]
                count = int(tip["count"])
                for info in infos[len(last["days"]):]:   # those that go into its last part (append_day)
                    count += info.size
                    if count > SEGMENT_PAPERS or not tip.get("pairs"):
                        break
                    self.pairs[info.day] = str(tip["pairs"])
                continue
            firsts += groups(infos)
        for group, chars in zip(firsts, run_all(self.first_pairs, [group[0] for group in firsts])):
            if chars:   # the first day's terms, kept with every pair, are what its segment is built from
                self.pairs.update((info.day, chars) for info in group[1:])
            if group[0].day in days:
                self.kept_days.add(group[0].day)

    def first_pairs(self, info: DayInfo) -> str:
        """The pair characters a segment that opens with this day keeps, if the day has CJK; its terms are kept."""
        terms = self.terms_of(info)
        self.keep(info, terms)
        return pair_chars([terms])

    def keep_day(self, info: DayInfo, papers: Sequence[Paper], layout: DayLayout) -> None:
        """Make and keep the terms of a day the render has read (a day job's), with its segment's pairs if known."""
        if info.day not in self.kept_days:
            pairs = self.pairs.get(info.day)
            self.keep(info, day_rows(papers, self.cards, layout, pairs), pairs)

    def relink(self, month: str, number: int, part: dict[str, Any], moved: set[str], fingerprint: str
               ) -> dict[str, Any]:
        """A part with the links of the moved days' rows made again from their days' layouts."""
        folder = self.writer.root / "search"
        layouts = {i.day.isoformat(): self.plan.layout(i) for i in self.index.days if i.day.isoformat() in moved}
        numbers: dict[str, int] = {}

        def relink_row(row: list[object]) -> bool:
            iso = str(row[1])
            numbers[iso] = numbers.get(iso, 0) + 1
            if iso not in layouts:
                return False
            row[6] = layouts[iso].card_path(numbers[iso], str(row[0]))
            return True

        # Only the blocks holding the moved days' rows are read (in the rows' order: relink_row counts them).
        rows = relinked_rows((folder / str(part["rows"])).read_bytes(), relink_row, moved)
        chunks = chunks_of((self.cache / str(part["dict"])).read_bytes())
        post = (folder / str(part["post"])).read_bytes()
        built = SegmentFiles(int(part["count"]), post, rows, dict(enumerate(chunks)), str(part["pairs"]))
        return self.write_part(month, number, built, fingerprint)

    def write_part(self, month: str, number: int, built: SegmentFiles, fingerprint: str) -> dict[str, Any]:
        """Write a segment part's files; return its entry (files named by their content)."""
        stem = month if number == 1 else f"{month}.{number}"
        post, rows = content_name(stem, built.post, "post"), content_name(stem, built.rows, "rows")
        self.writer.write(f"search/{post}", built.post, fingerprint)
        self.writer.write(f"search/{rows}", built.rows, fingerprint)
        chunks = f"{stem}.{content_name('dict', built.post + built.rows, 'bin')}"
        write_atomic(self.cache / chunks, chunks_bytes(built.chunks), durable=False)
        return {"name": stem, "count": built.count, "post": post, "rows": rows, "dict": chunks, "pairs": built.pairs,
                "fingerprint": fingerprint}

    def write_dictionary(self, parts: list[dict[str, object]]) -> None:
        """The dictionary of every segment part (oldest first), its directory and the manifest; kept as they are
        when no part changed (reading and interleaving every month's dictionary grows with the archive)."""
        fingerprint = inputs_key(self.plan.version, [(p["name"], p["fingerprint"], p["dict"]) for p in parts])
        if self.dictionary_kept(fingerprint):
            return
        chunks = [chunks_of((self.cache / str(p["dict"])).read_bytes()) for p in parts]
        for name, data in index_files(parts, chunks).items():
            self.writer.write(f"search/{name}", data, fingerprint)

    def dictionary_kept(self, fingerprint: str) -> bool:
        """Return True (and keep them) if the last render wrote index.json and the files it names from these parts."""
        if not self.writer.fresh("search/index.json", fingerprint):
            return False
        try:
            manifest = json.loads((self.writer.root / "search" / "index.json").read_bytes())
            names = [manifest["dir"], *(d["file"] for d in manifest["dicts"])]
        except (OSError, ValueError, KeyError, TypeError):
            return False
        return all(self.writer.fresh(f"search/{name}", fingerprint) for name in names)

    def keep(self, info: DayInfo, terms: DayTerms, pairs: str | None = None) -> None:
        """Keep a day job's terms (maybe in a forked worker) until their month is written."""
        write_atomic(self.day_file(info, pairs), compact_json(terms.to_json()).encode("utf-8"), durable=False)

    def day_file(self, info: DayInfo, pairs: str | None) -> Path:
        """Where a day's terms wait: named by the day's content, the render's version and the pairs they hold,
        which they are made of (a file a crashed render left is used only if it holds what this render would make:
        a day added before a month's first day changes the pairs its segment keeps)."""
        return self.cache / "days" / f"{info.day.isoformat()}-{inputs_key(self.plan.version, info.key, pairs)}.json"

    def terms_of(self, info: DayInfo, pairs: str | None = None) -> DayTerms:
        """A day's terms with only the pairs of these characters (its segment's: all, if None): those a day job of
        this render kept, else from the day itself."""
        try:
            return DayTerms.from_json(json.loads(self.day_file(info, pairs).read_bytes()))
        except (OSError, ValueError, KeyError, TypeError):
            return day_rows(self.loader.load(info).papers, self.cards, self.plan.layout(info), pairs)

    def read_cache(self, rel: str) -> object:
        try:
            return json.loads((self.cache / rel).read_bytes())
        except (OSError, ValueError):
            return {}   # none yet, or not one we wrote: read the days instead

