"""The weekly digests: /weeks/YYYY-Www/ (ISO weeks), their index /weeks/ and their feed /weeks/feed.xml.

A week's page lists its papers compactly (cards.entry_html), each linked to its card on its day page: the radar's
papers first, then those listed under the most topics, then each topic's best (radar, most topics, newest) with its
count and links to the topic's day pages for the rest. A weekday of arXiv is ~1,200 papers, a week ~6,000: the page
shows what fits the page budget of a day page (layout.PAGE_BYTES, PAGE_ELEMENTS), chosen a rank at a time across the
topics so that every topic keeps its first papers. Its briefing is the LLM's stored one (content/weeks/, written by
the summarize stage for a finished week) where there is one, else the offline one (briefings.count and offline) over
the week's papers; its citations name each card's day and its number there (week_citation), and link to it. A week's
page is written only when one of its days or its stored briefing changed (plan.SitePlan.week_page). What it takes
from each of its days (day_piece) is made where the day is read for its own pages (site/pages.py DayPages, in the
render's workers), else from the piece kept (site/blocks.py), else from the day read again.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from markupsafe import Markup

from ..archive import Day, week_of, week_rank
from ..i18n import translator
from ..papers import Paper
from .blocks import Blocks
from .briefings import (SHOW_ACROSS, SHOW_RADAR, Briefings, Counts, Shown, cited, count, offline, relocate, themes_of,
                        title_terms)
from .cards import CardBuilder, entry_html
from .feeds import Feeds
from .index import DayInfo, DayLoader
from .layout import BRIEFING, PAGE_BYTES, PAGE_ELEMENTS
from .mathml import markup_math
from .pages import PageMaker
from .plan import SitePlan
from .writer import SiteWriter

RADAR_SHOWN = 20      # radar papers a week's page lists
ACROSS_SHOWN = 10     # papers listed under the most topics
TOPIC_SHOWN = 12      # a topic's papers at most (fewer where the week's topics would pass the page budget)
TOPIC_FRAME = (300, 6)   # a topic's heading and count line, besides its links to its day pages
DAY_LINK = (80, 1)       # one of those links
ROOT = "../../"          # from a week's page to the site's root


@dataclass(frozen=True)
class WeekPaper:
    paper: Paper
    number: int               # its card's number on its day
    card: str                 # its card's path from the root (plan.layout(...).card_path)
    hits: tuple[str, ...]     # what of the radar it matches

    listed: int               # how many of the configured topics list it

    @property
    def rank(self) -> tuple[bool, int, int, int]:
        """The radar's first, then those under the most topics, then the newest (in their day's order)."""
        return (*week_rank(self.paper, bool(self.hits), self.listed), self.number)


def week_citation(day: date, number: int) -> str:
    """How a week's briefing cites a card: its day (the week names the year) and its number there, "06-17 #03": a
    week's cards are numbered on their days, so a number alone names several."""
    return f"{day.isoformat()[5:]} #{number:02d}"


def labels(cards: dict[str, tuple[str, str]]) -> dict[str, str]:
    """The citations of cards found by Weeks.citations, by card id."""
    return {pid: label for pid, (label, _) in cards.items()}


def weight(markup: str) -> tuple[int, int]:
    """What a built entry weighs on the page: (bytes, elements; every element of an entry has its closing tag)."""
    return len(markup.encode("utf-8")), markup.count("<") - 2 * markup.count("</")


class Budget:
    """What a week's page has left for entries: a paper whose entry does not fit is left to its day page."""

    def __init__(self, room: tuple[int, int]):
        self.bytes, self.elements = room

    def take(self, entry: tuple[int, int]) -> bool:
        if entry[0] > self.bytes or entry[1] > self.elements:
            return False
        self.bytes -= entry[0]
        self.elements -= entry[1]
        return True


class Weeks:
    """Writes the week pages that changed, the weeks' index and their feed."""

    def __init__(self, maker: PageMaker, writer: SiteWriter, plan: SitePlan, loader: DayLoader,
                 briefings: Briefings, feeds: Feeds):
        self.maker, self.writer, self.plan, self.loader = maker, writer, plan, loader
        self.briefings, self.feeds = briefings, feeds
        self.cards: CardBuilder = maker.cards
        self.topics = tuple(maker.config.topics)
        # Planned before the day pages are rendered, which make the pieces of the stale pages' days (piece_of).
        self.weeks = plan.weeks()
        self.targets = {week: plan.week_page(week, infos, briefings.week_inputs(week))
                        for week, infos in self.weeks.items()}
        self.made: dict[date, dict[str, Any]] = {}   # the pieces the day pages made, by day

    def piece_of(self, info: DayInfo, day: Day) -> dict[str, Any] | None:
        """The day's piece of its week's page (day_piece), for a day read for its own pages (maybe in a forked
        worker), if the week's page is stale and keeps no piece of the day; else None."""
        week = week_of(info.day)
        if self.targets[week].fresh or Blocks(self.writer.root, f"week-{week}").has(self.plan.week_block_key(info)):
            return None
        return self.day_piece(info, day)

    def render(self) -> None:
        weeks = self.weeks
        for week, infos in weeks.items():
            target = self.targets[week]
            if not target.fresh:
                self.maker.write(self.writer, f"weeks/{week}", "week.html", target.fingerprint,
                                 **self.week_context(week, infos))
        index = self.plan.weeks_index(weeks)
        if not index.fresh:
            rows = [(week, infos[0].day, infos[-1].day, sum(i.size for i in infos)) for week, infos in weeks.items()]
            self.maker.write(self.writer, "weeks", "weeks.html", index.fingerprint, weeks=list(reversed(rows)))
        feed = self.plan.weeks_feed(weeks, self.briefings.week_inputs)
        if not feed.fresh:
            plain = self.maker.ui.plain
            # Each week's entry is kept under its page's fingerprint (its days, their layouts, its stored briefing:
            # all feed_html reads): a new day remakes only its own week's.
            blocks = Blocks(self.writer.root, "weeks-feed")
            items = []
            for week in self.plan.feed_weeks(weeks):
                key = self.targets[week].fingerprint
                kept = blocks.get(key)
                entry = kept[0] if kept else self.feed_html(week, weeks[week])
                blocks.put(key, [entry])
                items.append((week, weeks[week][0].day, weeks[week][-1].day, entry))
            self.feeds.week_feed(feed, f"{self.maker.site.title} · {plain('weekly_digests')}", items, plain)
            blocks.save()

    def papers(self, info: DayInfo, day: Day) -> list[WeekPaper]:
        layout = self.plan.layout(info)
        return [WeekPaper(p, n, layout.card_path(n, p.id), self.cards.radar.hits(p),
                          len({t for t in p.topics if t in self.maker.config.topics}))
                for n, p in enumerate(day.papers, 1)]

    def day_piece(self, info: DayInfo, day: Day) -> dict[str, Any]:
        """What a week's page takes from one of its days (site/blocks.py keeps it across renders): the entries of the
        papers it could list (each topic's first TOPIC_SHOWN, the radar's first RADAR_SHOWN, the first ACROSS_SHOWN
        under several topics: the week's first ones are among its days' first ones) with their ranks, and what the
        offline briefing counts (briefings.count, title_terms), but not the briefing itself."""
        papers = self.papers(info, day)
        ranked = sorted(papers, key=lambda wp: wp.rank)
        by_topic: dict[str, list[WeekPaper]] = {}
        for wp in ranked:   # one pass over the day's papers, each topic's list in rank order
            for tid in dict.fromkeys(wp.paper.topics):
                if tid in self.maker.config.topics:
                    by_topic.setdefault(tid, []).append(wp)
        radar = [wp for wp in ranked if wp.hits][:RADAR_SHOWN]
        across = sorted((wp for wp in papers if wp.listed > 1), key=lambda wp: wp.rank[1:])[:ACROSS_SHOWN]
        listed = {wp.number: wp for wps in (radar, across, *(found[:TOPIC_SHOWN] for found in by_topic.values()))
                  for wp in wps}
        counts = count([wp.paper for wp in papers], self.maker.config.topics, self.cards.radar.hits, ())
        shown = lambda found: [[n, p.to_json(), list(t)] for n, p, t in found]  # noqa: E731
        return {"entries": {str(n): [markup, *weight(markup)] for n, wp in listed.items()
                            for markup in (entry_html(wp.number, wp.paper, ROOT + wp.card, wp.hits),)},
                "ranks": {str(n): list(wp.rank) for n, wp in listed.items()},
                "topics": {tid: [len(found), [wp.number for wp in found[:TOPIC_SHOWN]]] for tid, found in by_topic.items()},
                "radar": [wp.number for wp in radar], "radar_count": counts.radar, "across": [wp.number for wp in across],
                "counts": {"topics": counts.topics, "across": counts.across, "across_shown": shown(counts.across_shown),
                           "radar_shown": shown(counts.radar_shown),
                           "terms": title_terms(wp.paper.title for wp in papers)}}

    def pieces(self, week: str, infos: list[DayInfo]) -> list[tuple[DayInfo, dict[str, Any]]]:
        """Each day's piece of the week's page, made again only where the day's content or layout changed."""
        blocks = Blocks(self.writer.root, f"week-{week}")
        found = []
        for info in infos:
            key = self.plan.week_block_key(info)
            made = self.made.pop(info.day, None)
            kept = blocks.get(key) if made is None else None
            piece = made if made is not None else kept[0] if kept else self.day_piece(info, self.loader.load(info))
            if not kept:
                blocks.put(key, [piece])
            found.append((info, piece))
        if infos[-1].day >= self.plan.full_since:
            blocks.save()
        else:   # all its days compact: their layouts change no more, and an edited day is read again
            blocks.remove()
        return found

    def week_context(self, week: str, infos: list[DayInfo]) -> dict[str, Any]:
        pieces = self.pieces(week, infos)
        entries: dict[tuple[date, str], list[Any]] = {}
        ranks: dict[tuple[date, str], tuple[Any, ...]] = {}
        for info, piece in pieces:
            entries.update(((info.day, n), entry) for n, entry in piece["entries"].items())
            ranks.update(((info.day, n), tuple(rank)) for n, rank in piece["ranks"].items())
        rank = ranks.__getitem__
        # Each topic's papers of the week in rank order, as far as its page can list them, in the topics' order.
        totals = {tid: 0 for tid in self.topics}
        by_topic: dict[str, list[tuple[date, str]]] = {tid: [] for tid in self.topics}
        for info, piece in pieces:
            for tid, (total, numbers) in piece["topics"].items():
                totals[tid] += total
                by_topic[tid] += [(info.day, str(n)) for n in numbers]
        by_topic = {tid: sorted(listed, key=rank) for tid, listed in by_topic.items() if listed}
        frame = [len(by_topic) * (TOPIC_FRAME[k] + DAY_LINK[k] * len(infos)) + BRIEFING[k] for k in (0, 1)]
        budget = Budget((PAGE_BYTES - frame[0], PAGE_ELEMENTS - frame[1]))

        def pick(listed: list[tuple[date, str]], most: int) -> list[str]:
            return [entries[key][0] for key in listed[:most] if budget.take((entries[key][1], entries[key][2]))]

        def merged(part: str) -> list[tuple[date, str]]:
            return sorted(((info.day, str(n)) for info, piece in pieces for n in piece[part]), key=rank)

        # Each topic's first paper has the first claim on the room, then the radar's and the most cross-listed
        # papers, then the topics' next ones a rank at a time: no busy topic uses up the page before a quiet one.
        shown = {tid: pick(listed, 1) for tid, listed in by_topic.items()}
        radar = pick(merged("radar"), RADAR_SHOWN)
        across = pick(sorted(merged("across"), key=lambda key: rank(key)[1:]), ACROSS_SHOWN)
        for place in range(1, TOPIC_SHOWN):
            for tid, listed in by_topic.items():
                shown[tid] += pick(listed[place:], 1)
        topics = [(tid, self.maker.ui.topic_name(tid), totals[tid], Markup("".join(shown[tid])), len(shown[tid]),
                   self.day_links(tid, infos)) for tid in by_topic]
        return {"week": week, "days": infos, "total": sum(i.size for i in infos), "briefing": self.briefing(week, pieces),
                "radar": Markup("".join(radar)), "radar_shown": len(radar),
                "radar_count": sum(piece["radar_count"] for _, piece in pieces),
                "across": Markup("".join(across)), "week_topics": topics}

    def day_links(self, topic: str, infos: list[DayInfo]) -> list[tuple[date, int, str]]:
        """The topic's day pages of the week (a compact day has none: its link is the day itself), from the root."""
        return [(i.day, i.counts[topic], f"{i.day.isoformat()}/" if self.plan.layout(i).compact
                 else f"{i.day.isoformat()}/{topic}/") for i in infos if topic in i.counts]

    def week_counts(self, pieces: list[tuple[DayInfo, dict[str, Any]]]) -> Counts:
        """The offline briefing's counts over the week (briefings.count of all its papers), from its days' pieces,
        citing each paper by its number on its day."""
        parts = [piece["counts"] for _, piece in pieces]
        topics: dict[str, int] = {}
        for part in parts:
            for tid, n in part["topics"]:
                topics[tid] = topics.get(tid, 0) + n
        shown = lambda name, most: tuple((n, Paper.from_json(data), tuple(found))  # noqa: E731
                                         for part in parts for n, data, found in part[name])[:most]
        return Counts(sum(info.size for info, _ in pieces), tuple(sorted(topics.items(), key=lambda c: (-c[1], c[0]))),
                      tuple(themes_of(part["terms"] for part in parts)), sum(part["across"] for part in parts),
                      shown("across_shown", SHOW_ACROSS), sum(piece["radar_count"] for _, piece in pieces),
                      shown("radar_shown", SHOW_RADAR))

    def citations(self, infos: Sequence[DayInfo], ids: Iterable[str]) -> dict[str, tuple[str, str]]:
        """The week's cards a briefing cites (ids), each on the first of the days that lists it: its citation
        (week_citation) and the path from the root to its page (briefings.relocate adds the #id). Only the cited:
        a week holds ~6,000 cards, a briefing cites a few dozen."""
        wanted, found = set(ids), {}
        for info in infos:
            if not wanted:
                break
            day_ids, layout = info.ids, self.plan.layout(info)
            for pid in wanted.intersection(day_ids):
                number = day_ids.index(pid) + 1
                found[pid] = (week_citation(info.day, number), layout.path(layout.page_of(number)))
            wanted.difference_update(found)
        return found

    def briefing(self, week: str, pieces: list[tuple[DayInfo, dict[str, Any]]]) -> dict[str, Any]:
        """The week's briefing block (templates/_briefing.html) in every site language: the LLM's stored one, else
        the offline one, each citation naming its card's day and number there and linking to it on its day's page."""
        stored = self.briefings.weeks.get(week, {})
        infos = [info for info, _ in pieces]
        cards = self.citations(infos, (pid for b in stored.values() for pid in cited(b.text)))
        counts = None
        variants = []
        for lang in self.briefings.languages:
            shown = self.briefings.written(stored, lang, labels(cards), "week_briefing_llm")
            if shown is None:
                if counts is None:
                    counts = self.week_counts(pieces)
                    cards.update(self.citations(infos, (p.id for _, p, _ in counts.across_shown + counts.radar_shown)))
                names = {tid: topic.name(lang) for tid, topic in self.maker.config.topics.items()}
                shown = Shown(offline(counts, names, lang, "week_intro", labels(cards)), lang,
                              translator(lang)("week_briefing_offline"), "offline")
            pages = {pid: ROOT + page for pid, (_, page) in cards.items()}
            variants.append({"lang": lang, "html_lang": "zh-Hans" if shown.lang == "zh" else shown.lang,
                             "html": markup_math(relocate(shown.html, pages)), "note": shown.note, "kind": shown.kind})
        default = next(v for v in variants if v["lang"] == self.briefings.lang)
        return {"kind": default["kind"], "variants": variants}

    def feed_html(self, week: str, infos: list[DayInfo]) -> str:
        """A week's feed entry (HTML), from its days' index entries alone (no day is read): its stored LLM briefing in
        the site's language, else its papers per topic and its radar matches, as the offline briefing says them, with
        the note; each citation names its card's day and links to it (absolutely where the site has a base URL)."""
        if stored := self.briefings.weeks.get(week):
            cards = self.citations(infos, (pid for b in stored.values() for pid in cited(b.text)))
            if shown := self.briefings.written(stored, self.maker.lang, labels(cards), "week_briefing_llm"):
                return self.feed_entry(shown.html, cards, shown.note)
        topics: dict[str, int] = {}
        for info in infos:
            for tid, n in info.counts.items():
                if tid in self.maker.config.topics:
                    topics[tid] = topics.get(tid, 0) + n
        radar = [(n, Paper.from_json(data)) for info in infos for n, data in info.radar]
        counts = Counts(sum(i.size for i in infos), tuple(sorted(topics.items(), key=lambda c: (-c[1], c[0]))), (),
                        0, (), len(radar), tuple((n, p, self.cards.radar.hits(p)) for n, p in radar[:SHOW_RADAR]))
        names = {tid: self.maker.ui.topic_name(tid) for tid in self.maker.config.topics}
        cards = self.citations(infos, (p.id for _, p, _ in counts.radar_shown))
        return self.feed_entry(offline(counts, names, self.maker.lang, "week_intro", labels(cards)), cards,
                               self.maker.ui.plain("week_briefing_offline"))

    def feed_entry(self, markup: str, cards: dict[str, tuple[str, str]], note: str) -> str:
        """A week's sanitised briefing HTML as its feed entry: its citations linked as the feed writes a link to the
        site (feeds.FeedAddress), then its note."""
        pages = {pid: self.feeds.address.link(page) for pid, (_, page) in cards.items()}
        return f"{relocate(markup, pages)}\n<p><small>{html.escape(note, quote=False)}</small></p>"
