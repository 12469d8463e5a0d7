"""The HTML pages: each day, each day and topic, the front page, topics, archive, status, search, radar, 404.

Day pages are rendered in batches (`DayPages.render`), in this process or in forked workers; the other pages
once per render (`SitePages`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from jinja2 import Environment
from markupsafe import Markup

from ..archive import Day, State
from ..clean import safe_url
from ..config import Config
from ..i18n import HTML_LANG, LANGUAGE_NAMES, catalog, localised
from ..papers import Paper, Update
from ..radar import fold_data_js
from .blocks import Blocks
from .briefings import Briefings
from .cards import CardBuilder, entry_html
from .cite import cite_texts
from .env import Ref, UiText
from .feeds import FeedAddress, Feeds, hub_feeds, page_feeds
from .frames import Frames
from .index import DayIndex, DayInfo, DayLoader
from .layout import PAGE_BYTES, PAGE_ELEMENTS, TOPIC_DAY_HEAD, DayLayout, leading_entries, updates_shown
from .plan import DayJob, SitePlan, Target
from .shell import PageShell
from .writer import TEMPLATES, SiteWriter, Written, code_version, compact_json, inputs_key

FOLD_DATA = "static/js/fold-data.js"
LANG_SCRIPT = "static/i18n/lang.js"   # base.html loads it in <head>


class PageMaker:
    """Renders a page's template with what every page shows (site texts, language, links to the root)."""

    def __init__(self, config: Config, env: Environment, ui: UiText, cards: CardBuilder, plan: SitePlan):
        self.config, self.site, self.env, self.ui, self.cards = config, config.site, env, ui, cards
        self.plan = plan
        self.lang = self.site.default_language
        self.feeds = hub_feeds(self.site, {tid: topic.name(self.lang) for tid, topic in config.topics.items()},
                               ui.plain)
        self._numbered_shell: PageShell | None = None

    def absolute(self, path: str) -> str:
        base = self.site.base_url.rstrip("/")
        return f"{base}/{path}" if base else path

    def common(self, depth: int, path: str) -> dict[str, Any]:
        root = "../" * depth or "./"
        tagline = localised(self.site.tagline, self.lang)
        return {"site": self.site, "lang": self.lang, "plain": self.ui.plain, "tagged": self.ui.tagged,
                "title_tag": self.ui.title, "ref": self.ui.ref, "tagline": tagline,
                "tagline_ref": Ref.to("site.tagline", tagline), "html_lang": HTML_LANG, "language_names": LANGUAGE_NAMES,
                "topic_ref": self.ui.topic_ref, "short_summary": self.cards.short_summary,
                "root": root, "path": path, "heading": localised(self.site.heading, self.lang),
                "description": localised(self.site.description, self.lang) if self.site.description else "",
                "topics": self.config.topics, "canonical": self.absolute(path),
                "head_feeds": page_feeds(self.feeds, path)}

    def context(self, rel_dir: str, **context: Any) -> dict[str, Any]:
        """What a template shows on the page rel_dir/index.html: what every page shows, and `context`."""
        depth = rel_dir.count("/") + 1 if rel_dir else 0
        return {**self.common(depth, rel_dir + "/" if rel_dir else ""), **context}

    def html(self, rel_dir: str, template: str, **context: Any) -> str:
        """Render rel_dir/index.html from a template."""
        return self.env.get_template(template).render(self.context(rel_dir, **context))

    def write(self, writer: SiteWriter, rel_dir: str, template: str, fingerprint: str | None = None,
              **context: Any) -> None:
        """Render rel_dir/index.html from a template and write it."""
        writer.write(page_file(rel_dir), self.html(rel_dir, template, **context), fingerprint)

    @property
    def numbered_shell(self) -> PageShell:
        """day.html as the frame of a day's numbered pages (site/shell.py, templates/day_frame.html)."""
        if self._numbered_shell is None:
            self._numbered_shell = PageShell(self.env, "day_frame.html")
        return self._numbered_shell

    def topic_counts(self, info: DayInfo) -> list[tuple[str, str, int]]:
        """A day's configured topics with their names and papers, for its topic badges."""
        return [(tid, self.ui.topic_name(tid), info.counts[tid]) for tid in self.config.topics if tid in info.counts]

    def elsewhere_links(self, day: Day, layout: DayLayout, prefix: str) -> dict[str, str]:
        """The day's cards beyond its first page, by id: the path to their page from a page at `prefix`'s parent
        (the day's first page: "", the front page: "YYYY-MM-DD/"), for the briefing's links to them."""
        beyond = layout.span(1)[1]
        return {p.id: prefix + layout.path(layout.page_of(i)).removeprefix(layout.iso + "/")
                for i, p in enumerate(day.papers, 1) if i >= beyond}

    def day_context(self, day: Day, layout: DayLayout, number: int, root: str, briefings: Briefings) -> dict[str, Any]:
        """What the day page template shows on a day's numbered page: its cards (or compact entries), the pager,
        and on the first page the briefing and (on a full day) the updated versions."""
        start, end = layout.span(number)
        shown = day.papers[start - 1:end - 1]
        first = number == 1
        cards = (self.cards.compact_html(shown, start) if layout.compact
                 else self.cards.cards_html(shown, root, start))
        prefix = "" if root != "./" else layout.iso + "/"
        briefing = briefings.block(day, self.elsewhere_links(day, layout, prefix)) if first else None
        shown_updates = updates_shown(day.updates)[0] if first and not layout.compact else 0
        return {"day": day, "cards": cards, "layout": layout, "topic": None, "pager": pager(layout, number),
                "summary_kind": None if layout.compact else self.cards.summary_kind(shown),
                **self.update_rows(day.day, day.updates[:shown_updates], len(day.updates) - shown_updates
                                   if shown_updates else 0, root), "briefing": briefing}

    def update_rows(self, on: date, updates: Sequence[Update], more: int, root: str) -> dict[str, Any]:
        """A day's "Updated versions" its first page lists (as many as it has room for: layout.updates_shown), each
        with its source's label and a link to its card here where it has one (plan.update_links), else its checked
        link; and how many more the day announced."""
        labels = self.cards.labels
        cards = self.plan.update_links(on, (u.id for u in updates))
        return {"updates": [(u, labels.get(u.sources[0], u.sources[0]) if u.sources else "",
                             root + cards[u.id] if u.id in cards else safe_url(u.url)) for u in updates],
                "more_updates": more}

    def updates_html(self, rows: dict[str, Any]) -> str:
        """The "Updated versions" section of update_rows' rows, as a day page holds it (site/frames.py)."""
        return self.env.get_template("_updates.html").render(tagged=self.ui.tagged, **rows)


def page_file(rel_dir: str) -> str:
    """The file of the page at rel_dir (a folder from the site's root, "" for the front page)."""
    return f"{rel_dir}/index.html" if rel_dir else "index.html"


PAGER_NEAR = 2   # the page list shows the first, the last, and this many pages either side of the current one


@dataclass(frozen=True)
class Pager:
    """Where a day page sits among its day's numbered pages (as its layout decided them): paths from the root."""

    layout: DayLayout
    current: int

    @property
    def iso(self) -> str:
        return self.layout.iso

    @property
    def count(self) -> int:
        return self.layout.count

    @property
    def total(self) -> int:
        """The day's papers."""
        return self.layout.total

    @property
    def start(self) -> int:
        """The number of the page's first card."""
        return self.layout.starts[self.current - 1]

    def path(self, number: int) -> str:
        return self.layout.path(number)

    def links(self) -> list[tuple[int, str]]:
        """The page list: the first and last pages and those near the current one; (0, "") marks a gap. Every page
        stays a few next/previous links away, and a weekday's list no longer weighs 75 links on each of its pages."""
        shown = [n for n in range(1, self.count + 1)
                 if n in (1, self.count) or abs(n - self.current) <= PAGER_NEAR]
        out: list[tuple[int, str]] = []
        for n in shown:
            if out and n > out[-1][0] + 1:   # the last entry is a page, never a gap
                out.append((0, ""))
            out.append((n, self.path(n)))
        return out


def pager(layout: DayLayout, current: int) -> Pager | None:
    """The page's place among its day's numbered pages, or None for a day that fits on one page."""
    return Pager(layout, current) if layout.count > 1 else None


@dataclass
class DayOutput:
    """What rendering some days' pages gives back to the render: its writer's record, and the pieces of stale week
    pages made from the days it read (DayPages.week_piece)."""

    written: Written
    week_pieces: dict[date, dict[str, Any]] = field(default_factory=dict)


class DayPages:
    """Renders the day pages and day-and-topic pages of a batch of day jobs."""

    def __init__(self, pages: PageMaker, writer: SiteWriter, loader: DayLoader, briefings: Briefings,
                 search_days: frozenset[date] = frozenset(),
                 keep_terms: Callable[[DayInfo, Sequence[Paper], DayLayout], None] | None = None,
                 week_piece: Callable[[DayInfo, Day], dict[str, Any] | None] | None = None):
        self.pages, self.writer, self.loader, self.briefings = pages, writer, loader, briefings
        self.frames = Frames(writer.root)
        self.cards = pages.cards
        self.search_days = search_days   # the days the search index has no terms of yet (SearchIndex.new_days)
        self.keep_terms = keep_terms     # what makes and keeps their terms (SearchIndex.keep_day)
        self.week_piece = week_piece     # a read day's piece of its week's page, if wanted (weeks.Weeks.piece_of)

    def render(self, jobs: list[DayJob]) -> DayOutput:
        """Render the jobs' pages (maybe in a forked worker); return what the render's writer and search index need."""
        writer = self.writer.share()
        out = DayOutput(writer.done)
        for job in jobs:
            if self.reframe(writer, job):
                continue
            day = self.loader.load(job.info)
            self.day(writer, job, day)
            # A new day's search terms are made with its pages: the month's segment need not read it again.
            # A day re-rendered for its pages alone (the day before a new one) is in its segment already.
            if job.info.day in self.search_days and self.keep_terms is not None:
                self.keep_terms(job.info, day.papers, job.layout)
            # Likewise its piece of its week's page: the week's pages, rendered after the day pages in the render's
            # own process, need not read the day again (a full render's weeks read the whole archive a second time).
            if self.week_piece is not None and (piece := self.week_piece(job.info, day)) is not None:
                out.week_pieces[job.info.day] = piece
        return out

    def reframe(self, writer: SiteWriter, job: DayJob) -> bool:
        """Write a first page from its frame (site/frames.py) if only where its update rows link changed; say if so."""
        if not job.page or job.more or job.topics or job.cite or job.info.day in self.search_days:
            return False
        frame = self.frames.read(job.info.day.isoformat(), job.frame)
        if frame is None:
            return False
        section = self.pages.updates_html(self.pages.update_rows(job.info.day, frame.updates, frame.more, "../"))
        writer.write(job.page.rel, frame.before + section + frame.after, job.page.fingerprint)
        return True

    def day(self, writer: SiteWriter, job: DayJob, day: Day) -> None:
        iso, layout = job.info.day.isoformat(), job.layout
        counts = self.pages.topic_counts(job.info)
        if job.page:
            context = self.pages.day_context(day, layout, 1, "../", self.briefings)
            html = self.pages.html(iso, "day.html", counts=counts, prev_day=job.prev_day, next_day=job.next_day,
                                   is_front=False, **context)
            writer.write(job.page.rel, html, job.page.fingerprint)
            if context["updates"]:
                rows = {"updates": context["updates"], "more_updates": context["more_updates"]}
                self.frames.keep(iso, job.frame, html, self.pages.updates_html(rows), [u for u, _, _ in rows["updates"]],
                                 rows["more_updates"])
        # The numbered pages share one frame: everything on them but the parts day_frame.html names is the day's.
        shell, frame = self.pages.numbered_shell, None
        for number, target in job.more:
            rel_dir = f"{iso}/page/{number}"
            context = self.pages.context(rel_dir, counts=counts, prev_day=job.prev_day, next_day=None,
                                         is_front=False,   # see SitePlan.day_more_page
                                         **self.pages.day_context(day, layout, number, "../../../", self.briefings))
            frame = frame or shell.frame(context)
            writer.write(page_file(rel_dir), shell.fill(frame, context), target.fingerprint)
        if job.cite:
            self.cite_file(writer, job.cite, day)
        if not job.topics:
            return
        # A cross-listed paper is on several of the day's topic pages: its entry is built once. Its link is relative
        # to the day's folder, whose numbered page holds its card.
        entries = {p.id: entry_html(i, p, "../" + layout.card_path(i, p.id).removeprefix(iso + "/"),
                                    summary=self.cards.short_summary(p))
                   for i, p in enumerate(day.papers, 1)}
        listed_in: dict[str, list[str]] = {}
        for p in day.papers:
            for tid in p.topics:
                listed_in.setdefault(tid, []).append(p.id)
        for tid, target in job.topics:
            listed = listed_in.get(tid, [])
            self.pages.write(writer, f"{iso}/{tid}", "daytopic.html", target.fingerprint, day=day,
                             topic=(tid, self.pages.ui.topic_name(tid)), counts=counts,
                             entries=Markup("".join(entries[pid] + "\n" for pid in listed)), entry_count=len(listed))


    def cite_file(self, writer: SiteWriter, target: Target, day: Day) -> None:
        """The day's BibTeX and RIS texts by paper id, for its pages' cite buttons (static/js/cardtools.js)."""
        texts = cite_texts((p, self.cards.label_of(p)) for p in day.papers)
        writer.write(target.rel, compact_json(texts), target.fingerprint)


class SitePages:
    """The pages written once per render: front page, topics, archive, status, search, radar and the usual files."""

    def __init__(self, pages: PageMaker, writer: SiteWriter, plan: SitePlan, index: DayIndex, loader: DayLoader,
                 briefings: Briefings, state: State):
        self.pages, self.writer, self.plan, self.index = pages, writer, plan, index
        self.loader, self.briefings, self.state = loader, briefings, state
        self.config, self.site, self.cards = pages.config, pages.site, pages.cards
        self._topic_entries: dict[tuple[date, int], str] = {}   # (day, card number) -> its topic-page entry

    def front_page(self) -> None:
        days = self.index.days
        if not days:
            self.pages.write(self.writer, "", "day.html", day=None, cards=Markup(), counts=[], prev_day=None,
                             next_day=None, updates=[], topic=None, is_front=True, pager=None, layout=None)
            return
        target = self.plan.front_page()
        if target.fresh:
            return
        info = days[-1]
        latest = self.loader.load(info)   # the latest day's first page
        self.pages.write(self.writer, "", "day.html", target.fingerprint, counts=self.pages.topic_counts(info),
                         prev_day=days[-2].day if len(days) > 1 else None, next_day=None, is_front=True,
                         **self.pages.day_context(latest, self.plan.layout(info), 1, "./", self.briefings))

    def topic_page(self, topic: str, name: str) -> None:
        """A topic's latest days, as compact entries linking to their cards."""
        target = self.plan.topic_page(topic)
        if target.fresh:
            return
        recent = []
        blocks = Blocks(self.writer.root, f"topic-{topic}")   # each day's entries, kept across renders
        # A busy topic's week is thousands of entries (cs.LG: ~3,000, 1.3 MB): the page lists the newest while they
        # fit a day page's room, and every day's heading links its day-and-topic page, which lists all of them.
        room, whole = (PAGE_BYTES, PAGE_ELEMENTS), True   # whole: no day was cut short yet
        for info in self.plan.topic_days(topic):
            layout = self.plan.layout(info)
            # A compact day has no day-and-topic pages: its heading links the day itself.
            page = f"{info.day.isoformat()}/" if layout.compact else f"{info.day.isoformat()}/{topic}/"
            cite = "" if layout.compact else f"{info.day.isoformat()}/cite.json"   # a full day's (plan.day_cite)
            if not whole:   # past the room: its heading alone, counted by the day index (no piece, no day file read)
                recent.append((info.day, info.counts[topic], Markup(), page, cite, 0))
                continue
            key = self.plan.topic_block_key(info, topic)
            block = blocks.get(key)   # [its entries, their bytes], the entries' HTML as the body
            if block is None or block[1:] != [len(blocks.body(key))]:
                listed = [(i, p) for i, p in enumerate(self.loader.load(info).papers, 1) if topic in p.topics]
                body = "".join(self.topic_entry(info.day, layout, i, p) for i, p in listed).encode("utf-8")
                block = [len(listed), len(body)]
                blocks.put(key, block, body)
            shown, count, room = leading_entries(blocks.body(key), (room[0] - TOPIC_DAY_HEAD[0],
                                                                    room[1] - TOPIC_DAY_HEAD[1]))
            whole = count == block[0]
            recent.append((info.day, block[0], Markup(shown.decode("utf-8")), page, cite, count))
        self.pages.write(self.writer, f"topics/{topic}", "topic.html", target.fingerprint, topic=(topic, name),
                         recent=recent)
        blocks.save()

    def topic_entry(self, day: date, layout: DayLayout, number: int, paper: Paper) -> str:
        """A paper's entry on the topic pages, built once: a cross-listed paper is on several of them."""
        found = self._topic_entries.get((day, number))
        if found is None:
            found = self._topic_entries[(day, number)] = (
                f"  {entry_html(number, paper, '../../' + layout.card_path(number, paper.id))}")   # a line, "\n" ended
        return found

    def archive_page(self) -> None:
        rows = [(info, self.pages.topic_counts(info), self.plan.layout(info).compact) for info in reversed(self.index.days)]
        target = self.plan.archive_page(rows)
        if not target.fresh:
            self.pages.write(self.writer, "archive", "archive.html", target.fingerprint, days=rows)

    def status_page(self) -> None:
        # Written every render, without a fingerprint: the state changes with every run, and a fingerprint would
        # then rewrite the manifest (a year's index) on a weekend run that adds no day.
        rows = [(source, self.state.sources.get(source.id)) for source in self.config.sources]
        self.pages.write(self.writer, "status", "status.html", rows=rows, warn_failures=self.config.fetch.warn_failures)

    # The pages below are made from the settings (in every fingerprint's version) and little else: each is rendered
    # only when that changed, so a no-op render renders almost no template.

    def catalogs(self) -> None:
        """Write static/i18n/lang.js: every message, site text and topic name in every language, and the script
        that shows the reader's language from the first paint (templates/lang.js)."""
        target = self.plan.target(LANG_SCRIPT)
        if target.fresh:
            return
        messages = {}
        for lang in self.site.languages:
            extra = {f"topic.{tid}": topic.name(lang) for tid, topic in self.config.topics.items()}
            extra["site.heading"] = localised(self.site.heading, lang)
            extra["site.tagline"] = localised(self.site.tagline, lang)
            if self.site.description:
                extra["site.description"] = localised(self.site.description, lang)
            messages[lang] = catalog(lang, extra)
        data = {"html": {lang: HTML_LANG.get(lang, lang) for lang in self.site.languages}, "messages": messages}
        self.writer.write(LANG_SCRIPT, self.pages.env.get_template("lang.js").render(data=compact_json(data)),
                          target.fingerprint)

    def feeds_page(self) -> None:
        """/feeds/: how to subscribe, to the whole site, a topic, the radar or the briefings (the nav's "Feed")."""
        target = self.plan.target("feeds/index.html")
        if not target.fresh:
            self.pages.write(self.writer, "feeds", "feeds.html", target.fingerprint, feeds=self.pages.feeds,
                             link=FeedAddress(self.site.base_url).link)

    def search_page(self) -> None:
        target = self.plan.target("search/index.html")
        if not target.fresh:
            self.pages.write(self.writer, "search", "search.html", target.fingerprint)

    def radar(self, feeds: Feeds) -> None:
        """The newest papers on the owner's radar, found through the day index: only their days' index entries are
        read, and only for the days whose pieces (site/blocks.py) the last render did not keep (a new day's)."""
        chosen = self.plan.radar_days()
        page, feed_target = self.plan.radar(chosen)
        if page.fresh and feed_target.fresh:
            return
        papers: dict[date, list[tuple[int, Paper]]] = {}   # a day's radar papers, read once for the page and feed
        radar_papers = lambda info: papers.setdefault(  # noqa: E731
            info.day, [(number, Paper.from_json(data)) for number, data in info.radar])
        if not page.fresh:
            room, shown = self.site.feed_max_items, []
            blocks = Blocks(self.writer.root, "radar")   # each day's entries: their lengths, their HTML
            for info in chosen:
                key = self.plan.topic_block_key(info, "radar")   # made from what a topic page's entries are
                sizes = blocks.get(key)
                if sizes is None or sum(sizes) != len(blocks.body(key)):
                    made = [self.radar_entry(info, n, p).encode("utf-8") for n, p in radar_papers(info)]
                    sizes = [len(entry) for entry in made]
                    blocks.put(key, sizes, b"".join(made))
                shown.append(blocks.body(key)[:sum(sizes[:room])].decode("utf-8"))
                room -= min(room, len(sizes))
            self.pages.write(self.writer, "radar", "radar.html", page.fingerprint, radar=self.config.radar,
                             entries=Markup("".join(shown)), count=self.site.feed_max_items - room)
            blocks.save()
        if not feed_target.fresh:
            blocks = Blocks(self.writer.root, "radar-feed")   # each day's Atom entries, as a topic feed's
            entries = feeds.kept_days(blocks, [(info, self.plan.feed_block_key(info, "radar")) for info in chosen],
                                      lambda info, kept, marks: feeds.day_entries(self.plan.layout(info),
                                                                                  radar_papers(info), kept, marks))
            feeds.write_entries(feed_target, f"{self.site.title} · {self.pages.ui.plain('radar')}", "radar/", entries)
            blocks.save()

    def radar_entry(self, info: DayInfo, number: int, paper: Paper) -> str:
        """A paper's entry on the radar page: what it matches, its summary line, a link to its card."""
        path = "../" + self.plan.layout(info).card_path(number, paper.id)
        return f"  {entry_html(number, paper, path, self.cards.radar.hits(paper), self.cards.short_summary(paper))}\n"

    def small_files(self) -> None:
        """feeds.opml (the site's own feeds), sources.opml (the feeds it reads, if any is on the web), sitemap.xml,
        robots.txt, 404.html, .nojekyll."""
        env, absolute, base_url = self.pages.env, self.pages.absolute, self.site.base_url
        if not (target := self.plan.target("feeds.opml")).fresh:
            self.writer.write("feeds.opml", env.get_template("feeds.opml").render(
                site=self.site, feeds=self.pages.feeds, link=FeedAddress(base_url).link), target.fingerprint)
        upstream = [s for s in self.config.sources if "://" in s.url and s.url.startswith("http")]
        # An OPML body without an outline is invalid: the demo reads only local files.
        if upstream and not (target := self.plan.target("sources.opml")).fresh:
            self.writer.write("sources.opml", env.get_template("sources.opml").render(site=self.site, sources=upstream),
                              target.fingerprint)
        pages = ["", "archive/", "status/", "search/", "radar/", "feeds/", *(f"topics/{t}/" for t in self.config.topics)]
        pages += ["weeks/", *(f"weeks/{week}/" for week in self.plan.weeks())]
        for info in self.index.days:
            # A day's first page only: its numbered pages are linked from it, and listing them (some 75 a default
            # weekday) would pass the sitemap protocol's 50,000 URLs within three years.
            pages.append(f"{info.day.isoformat()}/")
            pages.extend(f"{info.day.isoformat()}/{tid}/" for tid in self.plan.topic_ids(info))
        if not (target := self.plan.target("sitemap.xml", pages)).fresh:
            self.writer.write("sitemap.xml", env.get_template("sitemap.xml").render(
                urls=[absolute(p) for p in pages] if base_url else []), target.fingerprint)
        sitemap = f"Sitemap: {absolute('sitemap.xml')}\n" if base_url else ""
        self.writer.write("robots.txt", f"User-agent: *\nAllow: /\n{sitemap}")
        # 404.html is served at any depth, so its links must not be relative.
        if not (target := self.plan.target("404.html")).fresh:
            context = {**self.pages.common(0, "404.html"), "root": base_url.rstrip("/") + "/" if base_url else "/"}
            self.writer.write("404.html", env.get_template("404.html").render(**context), target.fingerprint)
        self.writer.write(".nojekyll", "")

    def static(self) -> None:
        for path in sorted((TEMPLATES / "static").rglob("*")):
            if path.is_file():
                self.writer.write(f"static/{path.relative_to(TEMPLATES / 'static').as_posix()}", path.read_bytes())
        # The browser's half of radar.fold: it depends only on the code and Python's Unicode tables, and takes a
        # scan of Unicode to make, so an unchanged one is kept.
        fingerprint = inputs_key(unicodedata.unidata_version, code_version())
        if not self.writer.fresh(FOLD_DATA, fingerprint):
            self.writer.write(FOLD_DATA, fold_data_js(), fingerprint)
