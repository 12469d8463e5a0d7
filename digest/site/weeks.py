"""The weekly digests: /weeks/YYYY-Www/ (ISO weeks), their index /weeks/ and their feed /weeks/feed.xml.

A week's page lists its papers compactly (cards.entry_html), each linked to its card on its day page: the radar's
papers first, then those listed under the most topics, then each topic's best (radar, most topics, newest) with its
count and links to the topic's day pages for the rest. A weekday of arXiv is ~1,200 papers, a week ~6,000: the page
shows what fits the page budget of a day page (layout.PAGE_BYTES, PAGE_ELEMENTS), chosen a rank at a time across the
topics so that every topic keeps its first papers. Its briefing is the LLM's stored one (content/weeks/, written by
the summarize stage for a finished week) where there is one, else the offline one (briefings.count and offline) over
the week's papers. A week's page is written only when one of its days or its stored briefing changed
(plan.SitePlan.week_page).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from markupsafe import Markup

from ..archive import week_rank
from ..i18n import translator
from ..papers import Paper
from .briefings import SHOW_RADAR, Briefings, Counts, Shown, count, offline, plain_text, relocate
from .cards import CardBuilder, entry_html
from .feeds import Feeds
from .index import DayInfo, DayLoader
from .layout import BRIEFING, PAGE_BYTES, PAGE_ELEMENTS, card_fragment
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

    def render(self) -> None:
        weeks = self.plan.weeks()
        for week, infos in weeks.items():
            target = self.plan.week_page(week, infos, self.briefings.week_inputs(week))
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
            items = [(week, weeks[week][0].day, weeks[week][-1].day, self.feed_text(week, weeks[week]))
                     for week in self.plan.feed_weeks(weeks)]
            self.feeds.week_feed(feed, f"{self.maker.site.title} · {plain('weekly_digests')}", items, plain)

    def papers(self, infos: list[DayInfo]) -> list[WeekPaper]:
        found = []
        for info in infos:
            layout = self.plan.layout(info)
            found += [WeekPaper(p, n, layout.card_path(n, p.id), self.cards.radar.hits(p),
                                len({t for t in p.topics if t in self.maker.config.topics}))
                      for n, p in enumerate(self.loader.load(info).papers, 1)]
        return found

    def week_context(self, week: str, infos: list[DayInfo]) -> dict[str, Any]:
        papers = self.papers(infos)
        ranked = sorted(papers, key=lambda wp: wp.rank)
        by_topic: dict[str, list[WeekPaper]] = {tid: [] for tid in self.topics}
        for wp in ranked:   # one pass over the week's ~6,000 papers, each topic's list in rank order
            for tid in dict.fromkeys(wp.paper.topics):
                if tid in by_topic:
                    by_topic[tid].append(wp)
        by_topic = {tid: listed for tid, listed in by_topic.items() if listed}
        frame = [len(by_topic) * (TOPIC_FRAME[k] + DAY_LINK[k] * len(infos)) + BRIEFING[k] for k in (0, 1)]
        budget = Budget((PAGE_BYTES - frame[0], PAGE_ELEMENTS - frame[1]))
        built: dict[tuple[date, str], tuple[str, tuple[int, int]]] = {}

        def entry(wp: WeekPaper) -> tuple[str, tuple[int, int]]:
            key = (wp.paper.day, wp.paper.id)
            if key not in built:
                markup = entry_html(wp.number, wp.paper, ROOT + wp.card, wp.hits)
                built[key] = (markup, weight(markup))
            return built[key]

        def pick(listed: list[WeekPaper], most: int) -> list[str]:
            return [entry(wp)[0] for wp in listed[:most] if budget.take(entry(wp)[1])]

        # Each topic's first paper has the first claim on the room, then the radar's and the most cross-listed
        # papers, then the topics' next ones a rank at a time: no busy topic uses up the page before a quiet one.
        shown = {tid: pick(listed, 1) for tid, listed in by_topic.items()}
        radar = pick([wp for wp in ranked if wp.hits], RADAR_SHOWN)
        across = pick(sorted((wp for wp in papers if wp.listed > 1), key=lambda wp: wp.rank[1:]), ACROSS_SHOWN)
        for rank in range(1, TOPIC_SHOWN):
            for tid, listed in by_topic.items():
                shown[tid] += pick(listed[rank:], 1)
        topics = [(tid, self.maker.ui.topic_name(tid), len(listed), Markup("".join(shown[tid])), len(shown[tid]),
                   self.day_links(tid, infos)) for tid, listed in by_topic.items()]
        return {"week": week, "days": infos, "total": len(papers), "briefing": self.briefing(week, papers),
                "radar": Markup("".join(radar)), "radar_shown": len(radar), "radar_count": sum(1 for wp in papers if wp.hits),
                "across": Markup("".join(across)), "week_topics": topics}

    def day_links(self, topic: str, infos: list[DayInfo]) -> list[tuple[date, int, str]]:
        """The topic's day pages of the week (a compact day has none: its link is the day itself), from the root."""
        return [(i.day, i.counts[topic], f"{i.day.isoformat()}/" if self.plan.layout(i).compact
                 else f"{i.day.isoformat()}/{topic}/") for i in infos if topic in i.counts]

    def week_counts(self, papers: list[WeekPaper]) -> Counts:
        """The offline briefing's counts over the week, citing each paper by its number on its day."""
        counts = count([wp.paper for wp in papers], self.maker.config.topics, self.cards.radar.hits)
        return replace(counts, across_shown=tuple((papers[i - 1].number, p, t) for i, p, t in counts.across_shown),
                       radar_shown=tuple((papers[i - 1].number, p, t) for i, p, t in counts.radar_shown))

    def briefing(self, week: str, papers: list[WeekPaper]) -> dict[str, Any]:
        """The week's briefing block (templates/_briefing.html) in every site language: the LLM's stored one, else
        the offline one, its links pointed at the cards' day pages and numbered as the cards are there."""
        stored = self.briefings.weeks.get(week, {})
        anchors = {wp.paper.id: f"{wp.number:02d}" for wp in papers} if stored else {}
        # relocate() points a "#id" link at a page: the card's path without its fragment.
        pages = {wp.paper.id: ROOT + wp.card.removesuffix(card_fragment(wp.paper.id)) for wp in papers}
        counts = None
        variants = []
        for lang in self.briefings.languages:
            shown = self.briefings.written(stored, lang, anchors, "week_briefing_llm")
            if shown is None:
                counts = counts or self.week_counts(papers)
                names = {tid: topic.name(lang) for tid, topic in self.maker.config.topics.items()}
                shown = Shown(offline(counts, names, lang, "week_intro"), lang,
                              translator(lang)("week_briefing_offline"), "offline")
            variants.append({"lang": lang, "html_lang": "zh-Hans" if shown.lang == "zh" else shown.lang,
                             "html": markup_math(relocate(shown.html, pages)), "note": shown.note, "kind": shown.kind})
        default = next(v for v in variants if v["lang"] == self.briefings.lang)
        return {"kind": default["kind"], "variants": variants}

    def feed_text(self, week: str, infos: list[DayInfo]) -> str:
        """A week's feed entry, from its days' index entries alone (no day is read): its stored LLM briefing in the
        site's language (cards numbered as on their days), else its papers per topic and its radar matches, as the
        offline briefing says them, with the note."""
        if stored := self.briefings.weeks.get(week):
            anchors = {paper_id: f"{n:02d}" for info in infos for n, paper_id in enumerate(info.ids, 1)}
            if shown := self.briefings.written(stored, self.maker.lang, anchors, "week_briefing_llm"):
                return f"{plain_text(shown.html)}\n\n{shown.note}"
        topics: dict[str, int] = {}
        for info in infos:
            for tid, n in info.counts.items():
                if tid in self.maker.config.topics:
                    topics[tid] = topics.get(tid, 0) + n
        radar = [(n, Paper.from_json(data)) for info in infos for n, data in info.radar]
        counts = Counts(sum(i.size for i in infos), tuple(sorted(topics.items(), key=lambda c: (-c[1], c[0]))), (),
                        0, (), len(radar), tuple((n, p, self.cards.radar.hits(p)) for n, p in radar[:SHOW_RADAR]))
        names = {tid: self.maker.ui.topic_name(tid) for tid in self.maker.config.topics}
        text = plain_text(offline(counts, names, self.maker.lang, "week_intro"))
        return f"{text}\n\n{self.maker.ui.plain('week_briefing_offline')}"
