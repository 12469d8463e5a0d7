"""Render the archive into the static site: pages, feeds and the usual files, written only when changed."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemBytecodeCache, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from . import briefing as briefings
from .archive import Archive, Briefing, Day, State, collector_paused
from .cardhtml import atom_entry, card_fragment, card_html, entry_html, host, topic_badges
from .clean import first_sentences, safe_url
from .config import Config
from .i18n import catalog, localised, translator
from .papers import Paper, Update
from .radar import fold_data_js, keys, radar_hits
from .sitecache import (
    ArchiveDays,
    DayInfo,
    DaySource,
    MemoryDays,
    SiteWriter,
    code_version,
    fingerprint,
    worker_pool,
)

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@dataclass(frozen=True)
class Card:
    number: str
    paper: Paper
    url: str           # the paper's link, re-checked here: only http(s) ever reaches a page
    label: str
    authors: tuple[str, ...]
    summary: str
    summary_note: str
    topics: tuple[tuple[str, str, str | None], ...]  # (id, name, href or None)
    update: str | None
    radar: tuple[str, ...] = ()                       # the owner's radar authors/keywords it matches
    other_summaries: tuple[tuple[str, str], ...] = ()  # (language, text) beside the rendered one

# A `$...$` span with something in it: only pages holding one load KaTeX.
MATH = re.compile(r"\$[^$\s][^$]*\$")


class Ref(str):
    """A message argument that is itself a catalog key (a topic name), so the script can translate it."""

    key = ""

    @classmethod
    def to(cls, key: str, text: str) -> "Ref":
        ref = cls(text)
        ref.key = key
        return ref


@dataclass(frozen=True)
class DayJob:
    """One day's pages that need rendering, with the fingerprints to record for them."""

    info: DayInfo
    prev_day: date | None
    next_day: date | None
    day_print: str | None                      # None: the day page itself is fresh
    topics: tuple[tuple[str, str, str], ...]    # (topic id, name, fingerprint) of its topic pages to render


def make_env() -> Environment:
    """Return the Jinja2 environment: autoescape on for HTML and XML, undefined names are errors."""
    # Compiling the templates costs a quarter of a one-day render: the compiled code is kept in the user's
    # temporary folder (Jinja's default, private to the user), under a name that changes with our code and
    # templates, since Jinja's own key would not see a change to the options below.
    cache = FileSystemBytecodeCache(pattern=f"academichub-{code_version()}-%s.cache")
    for old in Path(cache.directory).glob("academichub-*.cache"):   # an earlier version's, never read again
        if not old.name.startswith(f"academichub-{code_version()}-"):
            old.unlink(missing_ok=True)
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html", "xml", "opml"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                      bytecode_cache=cache, auto_reload=False)   # a render never sees a template change
    env.filters["two"] = lambda n: f"{n:02d}"
    env.filters["safe_url"] = safe_url
    env.filters["host"] = host
    env.filters["fragment"] = card_fragment
    env.globals["entry"] = entry_html   # a Python function: a macro call per entry cost more than the page
    env.globals["topic_badges"] = topic_badges   # on every day, day-and-topic and archive row
    return env


class Renderer:
    def __init__(self, config: Config, source: DaySource, state: State, out: Path,
                 stored_briefings: Mapping[tuple[date, str], Briefing] | None = None):
        self.config, self.site = config, config.site
        self.source = source
        self.state = state
        self.writer = SiteWriter(Path(out))
        infos, self.day_cache = source.index(self.writer.manifest.get("days") or {}, config.radar)
        # A day with nothing to read never becomes a page, but its new versions still mark older cards.
        self.days = [info for info in infos if info.size]
        self.env = make_env()
        self.lang = self.site.default_language
        self.t = translator(self.lang)
        self._labels: dict[str, Markup] = {}
        self.labels = {s.id: s.label for s in config.sources}
        self.topic_names = {tid: topic.name(self.lang) for tid, topic in config.topics.items()}
        self.notes = {key: self.tt(key) for key in ("standfirst_note", "summary_extractive")}
        self._radar: dict[tuple[str, date], tuple[str, ...]] = {}
        self.on_radar = {(data["id"], info.day) for info in infos for _, data in info.radar}
        self.latest_update: dict[str, tuple[int | None, date]] = {}
        for info in infos:
            for uid, version in info.updates:
                self.latest_update[uid] = (version, info.day)
        # Everything besides the data that shapes a page: templates, code, settings and language.
        settings = {f.name: getattr(config, f.name) for f in fields(config) if f.name != "path"}
        self.version = fingerprint(code_version(), repr(settings), self.lang)
        self.loaded: dict[date, Day] = {}
        self.shared = {info.day for info in self.window()}  # days the feeds and topic pages read again
        # abstract -> its first sentences: cards, entries, feeds and search all show them, so each is cut once.
        # The feed window's stay for the whole render; another day's only while that day is being rendered.
        self._firsts: dict[str, str] = {}
        self._day_firsts: dict[str, str] = {}
        # day -> its rows of the search index as JSON, from its day job: encoded in the worker, joined here.
        self.search_rows: dict[date, str] = {}
        self.feed_item_cache: dict[str, dict[str, Any]] = {}
        self.briefings: dict[date, dict[str, Briefing]] = {}
        for (on, lang), stored in sorted((stored_briefings or {}).items()):
            self.briefings.setdefault(on, {})[lang] = stored
        self.briefing_cache: dict[date, dict[str, tuple[str, str, str, str]]] = {}   # day -> language -> briefing_for()
        self.briefing_counts: dict[date, briefings.Counts] = {}   # day -> what its offline briefing says, in any language

    # -- shared pieces -------------------------------------------------------------------------

    def common(self, depth: int, path: str) -> dict[str, Any]:
        root = "../" * depth or "./"
        return {"site": self.site, "lang": self.lang, "t": self.t, "tt": self.tt, "topic_ref": self.topic_ref,
                "short": self.short_summary,
                "root": root, "path": path, "heading": localised(self.site.heading, self.lang),
                "description": localised(self.site.description, self.lang) if self.site.description else "",
                "topics": self.config.topics, "canonical": self.absolute(path), "math": False}

    def tt(self, key: str, **values: Any) -> Markup:
        """A UI string in the default language, tagged so static/site.js can swap in another language."""
        if not values:   # a fixed label: every card asks for the same few, so build each once
            if key not in self._labels:
                self._labels[key] = Markup(f'<span data-i18n="{key}">{escape(self.t(key))}</span>')
            return self._labels[key]
        args = ""
        if values:
            data = {k: "@" + v.key if isinstance(v, Ref) else v for k, v in values.items()}
            payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
            # Single-quoted attribute: only & ' < need escaping, which keeps the JSON's quotes readable.
            payload = payload.replace("&", "&amp;").replace("'", "&#39;").replace("<", "&lt;")
            args = f" data-i18n-args='{payload}'"
        return Markup(f'<span data-i18n="{key}"{args}>{escape(self.t(key, **values))}</span>')

    def short_summary(self, paper: Paper) -> str:
        """The card's summary cut to a line or two, for compact entries and the search index."""
        return shorten(self.summary_of(paper)[0])

    def topic_ref(self, topic: str) -> Ref:
        return Ref.to(f"topic.{topic}", self.topic_name(topic))

    def absolute(self, path: str) -> str:
        base = self.site.base_url.rstrip("/")
        return f"{base}/{path}" if base else path

    def topic_name(self, topic: str) -> str:
        return self.topic_names.get(topic, topic)

    def summary_of(self, paper: Paper) -> tuple[str, str]:
        """The summary a card shows in the default language, and its provenance note."""
        if paper.summary.get(self.lang) or paper.summary:
            summary = paper.summary.get(self.lang) or next(iter(paper.summary.values()))
            return summary, self.tt("summary_llm", model=paper.summary_model or "LLM")
        if paper.abstract_kind == "standfirst":
            return "", self.notes["standfirst_note"]
        cache = self._firsts if paper.day in self.shared else self._day_firsts
        cut = cache.get(paper.abstract)
        if cut is None:
            cut = cache[paper.abstract] = first_sentences(paper.abstract)
        return cut, self.notes["summary_extractive"]

    def radar_of(self, paper: Paper) -> tuple[str, ...]:
        """Radar hits, computed once per paper (cards, the radar page and its feed all ask)."""
        key = (paper.id, paper.day)
        if key not in self.on_radar:   # the day index already knows which papers match: most do not
            return ()
        if key not in self._radar:
            self._radar[key] = radar_hits(paper, self.config.radar)
        return self._radar[key]

    def card(self, number: int, paper: Paper, root: str) -> Card:
        summary, note = self.summary_of(paper)
        topics = tuple((tid, self.topic_name(tid), f"{root}topics/{tid}/" if tid in self.config.topics else None)
                       for tid in paper.topics)
        update = None
        if paper.id in self.latest_update and paper.day in self.shared:   # see marks(): the feed window only
            version, on = self.latest_update[paper.id]
            if version and (paper.version or 0) < version and on > paper.day:
                update = self.tt("updated_to", version=version, day=on.isoformat())
        label = self.label_of(paper)
        others = tuple((lang, paper.summary[lang]) for lang in self.site.languages
                       if lang != self.lang and paper.summary.get(lang) and paper.summary[lang] != summary)
        return Card(f"{number:02d}", paper, safe_url(paper.url), label, paper.authors, summary, note, topics, update,
                    self.radar_of(paper), others)

    def label_of(self, paper: Paper) -> str:
        """The label of the paper's first source (its card's and feed item's)."""
        return self.labels.get(paper.sources[0], paper.sources[0]) if paper.sources else ""

    def cards(self, papers: Iterable[Paper], root: str) -> Markup:
        """The day page's cards as HTML, numbered from 01, one per line."""
        return Markup("".join(f"{card_html(self.card(i, p, root), root, self.t, self.tt)}\n"
                              for i, p in enumerate(papers, 1)))

    def page(self, rel_dir: str, template: str, print_: str | None = None, **context: Any) -> None:
        depth = rel_dir.count("/") + 1 if rel_dir else 0
        html = self.env.get_template(template).render({**self.common(depth, rel_dir + "/" if rel_dir else ""), **context})
        self.writer.write(f"{rel_dir}/index.html" if rel_dir else "index.html", html, print_)

    def fresh(self, rel: str, *inputs: Any) -> tuple[bool, str]:
        """Return (page is up to date, fingerprint of its inputs)."""
        print_ = fingerprint(self.version, rel, *inputs)
        return self.writer.fresh(rel, print_), print_

    def load(self, info: DayInfo) -> Day:
        """Return a day's papers, read at most once per render: only the feed window's days stay in memory."""
        day = self.loaded.get(info.day) or self.source.load(info)
        if info.day in self.shared:
            self.loaded[info.day] = day
        return day

    def marks(self, info: DayInfo) -> list[tuple[str, int | None, str]]:
        """Return the later new versions of this day's papers: they change the day's cards.

        Only days in the feed window mark their cards: a new version of an old paper would otherwise
        re-render an old day page every day (about 30 of them a day on a year of arXiv). The new day's
        "Updated versions" list announces every new version, old or not.
        """
        if info.day not in self.shared:
            return []
        found = []
        for pid in sorted(self.latest_update.keys() & info.ids):   # a set operation: days hold hundreds of ids
            version, on = self.latest_update[pid]
            if on > info.day:
                found.append((pid, version, on.isoformat()))
        return found

    # -- pages ---------------------------------------------------------------------------------

    def render(self) -> tuple[int, int]:
        """Write the whole site; return (files written, files removed)."""
        self.run_jobs([job for job in (self.plan_day(i) for i in range(len(self.days))) if job])
        self.front_page()
        self.topic_pages()
        rows = self.archive_rows()
        fresh, print_ = self.fresh("archive/index.html", [(info.day, info.size, counts) for info, counts in rows])
        if not fresh:
            self.page("archive", "archive.html", print_, days=rows)
        self.page("status", "status.html", rows=self.status_rows(), warn_failures=self.config.fetch.warn_failures)
        self.reader_pages()
        self.feeds()
        self.briefing_feed()
        self.small_files()
        self.static()
        removed = self.writer.finish(self.day_cache)
        return self.writer.written, removed

    def run_jobs(self, jobs: list[DayJob]) -> None:
        """Render the days' pages: in this process, or for a large batch in one worker per core."""
        global _WORKER
        _WORKER = self  # a forked worker inherits this renderer: nothing needs pickling but the results
        try:
            with worker_pool(len(jobs)) as pool:
                if pool is None:
                    for job in jobs:
                        self.day_pages(job)
                    return
                batches = [jobs[i:i + BATCH] for i in range(0, len(jobs), BATCH)]
                for written, files, pages, rows in pool.imap_unordered(_render_batch, batches):
                    self.writer.written += written
                    self.writer.files.update(files)
                    self.writer.pages.update(pages)
                    self.search_rows.update(rows)
        finally:
            _WORKER = None

    def window(self) -> list[DayInfo]:
        """Return the days of the feeds' rolling window, newest first."""
        if not self.days:
            return []
        since = self.days[-1].day - timedelta(days=self.site.feed_days - 1)
        return [info for info in reversed(self.days) if info.day >= since]

    def topic_counts(self, info: DayInfo) -> list[tuple[str, str, int]]:
        return [(tid, self.topic_name(tid), info.counts[tid]) for tid in self.config.topics if tid in info.counts]

    def plan_day(self, i: int) -> DayJob | None:
        """Return the day's pages to render (fingerprints of those that are), or None if all are fresh."""
        info = self.days[i]
        prev_day = self.days[i - 1].day if i else None
        next_day = self.days[i + 1].day if i + 1 < len(self.days) else None
        iso = info.day.isoformat()
        fresh, day_print = self.fresh(f"{iso}/index.html", info.key, prev_day, next_day, self.marks(info),
                                      self.briefing_key(info.day))
        topics = []
        for tid, name, _ in self.topic_counts(info):
            # Compact entries show no "updated to" mark, so later versions do not touch the day's topic pages.
            topic_fresh, print_ = self.fresh(f"{iso}/{tid}/index.html", info.key)
            if not topic_fresh:
                topics.append((tid, name, print_))
        if fresh and not topics:
            return None
        return DayJob(info, prev_day, next_day, None if fresh else day_print, tuple(topics))

    def day_pages(self, job: DayJob) -> None:
        info, iso = job.info, job.info.day.isoformat()
        counts = self.topic_counts(info)
        day = self.load(info)
        self._day_firsts = {}
        maths = {p.id for p in day.papers if has_math((p,))}   # once per paper, not once per page
        if job.day_print:
            self.page(iso, "day.html", job.day_print, day=day, cards=self.cards(day.papers, "../"), counts=counts,
                      prev_day=job.prev_day, next_day=job.next_day, updates=self.update_rows(day), topic=None,
                      is_front=False, math=bool(maths), briefing=self.briefing(day))
        # A cross-listed paper is on several of the day's topic pages: its entry is built once.
        entries = {p.id: entry_html(i, p, "../" + card_fragment(p.id), summary=self.short_summary(p))
                   for i, p in enumerate(day.papers, 1)} if job.topics else {}
        listed_in: dict[str, list[str]] = {}
        for p in day.papers if job.topics else ():
            for tid in p.topics:
                listed_in.setdefault(tid, []).append(p.id)
        for tid, name, print_ in job.topics:
            listed = listed_in.get(tid, [])
            self.page(f"{iso}/{tid}", "daytopic.html", print_, day=day, topic=(tid, name), counts=counts,
                      entries=Markup("".join(entries[pid] + "\n" for pid in listed)),
                      math=any(pid in maths for pid in listed))
        # The day's search rows travel back with its pages: the month's shard need not read the day again.
        self.search_rows[info.day] = rows_json([search_row(p, self.short_summary(p)) for p in day.papers])

    def front_page(self) -> None:
        if not self.days:
            self.page("", "day.html", day=None, cards=Markup(), counts=[], prev_day=None, next_day=None, updates=[],
                      topic=None, is_front=True)
            return
        info = self.days[-1]
        prev_day = self.days[-2].day if len(self.days) > 1 else None
        fresh, print_ = self.fresh("index.html", info.key, prev_day, self.marks(info), self.briefing_key(info.day))
        if fresh:
            return
        latest = self.load(info)
        self.page("", "day.html", print_, day=latest, cards=self.cards(latest.papers, "./"),
                  counts=self.topic_counts(info), prev_day=prev_day, next_day=None, updates=self.update_rows(latest),
                  topic=None, is_front=True, math=has_math(latest.papers), briefing=self.briefing(latest))

    def briefing_key(self, day: date) -> list[tuple[str, str, str]]:
        """Return what the stored briefings of a day contribute to its pages' fingerprints."""
        return [(lang, b.model, b.text) for lang, b in sorted(self.briefings.get(day, {}).items())]

    def briefing_for(self, day: Day, lang: str) -> tuple[str, str, str, str]:
        """Return (sanitised HTML, its language, its note, "llm" or "offline") of the day's briefing for a reader of lang.

        The LLM's briefing in that language, else in another language, else the offline one counted here. Kept per
        day: the day page, the front page and the briefing feed all ask, and the offline counts serve every language.
        """
        cache = self.briefing_cache.setdefault(day.day, {})
        if lang in cache:
            return cache[lang]
        stored = self.briefings.get(day.day, {})
        chosen = stored.get(lang) or stored.get(self.lang) or next(iter(stored.values()), None)
        if chosen is not None and chosen.text.strip():
            anchors = {p.id: f"{i:02d}" for i, p in enumerate(day.papers, 1)}
            cache[lang] = (briefings.to_html(chosen.text, anchors), chosen.lang,
                           translator(chosen.lang)("briefing_llm", model=chosen.model or "LLM"), "llm")
            return cache[lang]
        if day.day not in self.briefing_counts:
            self.briefing_counts[day.day] = briefings.count(day.papers, self.config.topics, self.radar_of)
        names = {tid: topic.name(lang) for tid, topic in self.config.topics.items()}
        cache[lang] = (briefings.offline(self.briefing_counts[day.day], names, lang), lang, translator(lang)("briefing_offline"), "offline")
        return cache[lang]

    def briefing(self, day: Day) -> dict[str, Any]:
        """Return the day's briefing block: one sanitised HTML variant per site language (static/site.js picks one)."""
        variants = []
        for lang in self.site.languages:
            markup, written_in, note, kind = self.briefing_for(day, lang)
            variants.append({"lang": lang, "html_lang": "zh-Hans" if written_in == "zh" else written_in,
                             "html": markup, "note": note, "kind": kind})
        default = next(v for v in variants if v["lang"] == self.lang)
        return {"kind": default["kind"], "variants": variants}

    def briefing_text(self, day: Day) -> str:
        """Return the day's briefing in the default language as plain text with its note, for the feed."""
        markup, _, note, _ = self.briefing_for(day, self.lang)
        return f"{briefings.plain_text(markup)}\n\n{note}"

    def briefing_feed(self) -> None:
        """Write /briefing.xml: an Atom feed of the daily briefings over the feed window, newest first."""
        window = self.window()
        fresh, print_ = self.fresh("briefing.xml", [(i.day, i.key, self.briefing_key(i.day)) for i in window])
        if fresh:
            return
        items: list[dict[str, Any]] = []
        for info in window:
            url = self.absolute(f"{info.day.isoformat()}/")
            items.append({"day": info.day, "url": url, "text": self.briefing_text(self.load(info))})
        self.writer.write("briefing.xml", self.env.get_template("briefing.xml").render(
            site=self.site, t=self.t, lang=self.lang, self_url=self.absolute("briefing.xml"), home=self.absolute(""),
            updated=items[0]["day"].isoformat() if items else "1970-01-01", items=items), print_)

    def update_rows(self, day: Day) -> list[tuple[Update, str, str]]:
        return [(u, self.labels.get(u.sources[0], u.sources[0]) if u.sources else "", safe_url(u.url))
                for u in day.updates]

    def topic_pages(self) -> None:
        window = self.window()
        for tid, topic in self.config.topics.items():
            recent_infos = [info for info in reversed(self.days) if tid in info.counts][:7]
            fresh, print_ = self.fresh(f"topics/{tid}/index.html", [(i.day, i.key) for i in recent_infos])
            if not fresh:
                recent, math = [], False
                for info in recent_infos:
                    listed = [(i, p) for i, p in enumerate(self.load(info).papers, 1) if tid in p.topics]
                    iso = info.day.isoformat()
                    entries = "".join(f"  {entry_html(i, p, f'../../{iso}/' + card_fragment(p.id))}\n" for i, p in listed)
                    recent.append((info.day, len(listed), Markup(entries)))
                    math = math or has_math(p for _, p in listed)
                self.page(f"topics/{tid}", "topic.html", print_, topic=(tid, topic.name(self.lang)), recent=recent,
                          math=math)
            fresh, print_ = self.fresh(f"topics/{tid}/feed.xml", [(i.day, i.key) for i in window if tid in i.counts])
            if not fresh:
                self.writer.write(f"topics/{tid}/feed.xml", self.atom(self.feed_papers(tid), f"topics/{tid}/feed.xml",
                                                                      f"{self.site.title} · {topic.name(self.lang)}"),
                                  print_)

    def archive_rows(self) -> list[tuple[DayInfo, list[tuple[str, str, int]]]]:
        return [(info, self.topic_counts(info)) for info in reversed(self.days)]

    def status_rows(self) -> list[tuple[Any, Any]]:
        return [(source, self.state.sources.get(source.id)) for source in self.config.sources]

    # -- feeds and the usual files -------------------------------------------------------------

    def feed_papers(self, topic: str | None = None) -> list[Paper]:
        """Papers of the rolling feed window, newest day first: a quiet day never empties a feed."""
        papers: list[Paper] = []
        for info in self.window():
            if topic is None or topic in info.counts:
                papers.extend(p for p in self.load(info).papers if topic is None or topic in p.topics)
            if len(papers) >= self.site.feed_max_items:
                break
        return papers[: self.site.feed_max_items]

    def feed_items(self, papers: list[Paper]) -> list[dict[str, Any]]:
        items = []
        for paper in papers:
            item = self.feed_item_cache.get(paper.id)
            if item is None:   # the site feed and each topic's feed share their items
                summary = self.summary_of(paper)[0] or paper.abstract
                # An RSS description is HTML to a reader: the plain text goes in escaped, so it shows as text.
                item = {"paper": paper, "summary": summary, "summary_html": html.escape(summary),
                        "label": self.label_of(paper), "topics": [self.topic_name(tid) for tid in paper.topics],
                        "link": safe_url(paper.url) or self.absolute(f"{paper.day.isoformat()}/")}
                item["atom"] = atom_entry(item)
                self.feed_item_cache[paper.id] = item
            items.append(item)
        return items

    def atom(self, papers: list[Paper], rel: str, title: str) -> str:
        return self.env.get_template("atom.xml").render(
            site=self.site, title=title, self_url=self.absolute(rel), home=self.absolute(""),
            updated=papers[0].day.isoformat() if papers else "1970-01-01", items=self.feed_items(papers))

    def feeds(self) -> None:
        window = [(i.day, i.key) for i in self.window()]
        atom_fresh, atom_print = self.fresh("feed.xml", window)
        rss_fresh, rss_print = self.fresh("rss.xml", window)
        if atom_fresh and rss_fresh:
            return
        papers = self.feed_papers()
        self.writer.write("feed.xml", self.atom(papers, "feed.xml", self.site.title), atom_print)
        self.writer.write("rss.xml", self.env.get_template("rss.xml").render(
            site=self.site, self_url=self.absolute("rss.xml"), home=self.absolute(""),
            description=localised(self.site.description, self.lang) if self.site.description else self.site.tagline,
            lang=self.lang, updated=papers[0].day if papers else None, items=self.feed_items(papers)), rss_print)

    def small_files(self) -> None:
        self.writer.write("sources.opml", self.env.get_template("sources.opml").render(
            site=self.site, sources=[s for s in self.config.sources if "://" in s.url and s.url.startswith("http")]))
        pages = ["", "archive/", "status/", "search/", "radar/", *(f"topics/{t}/" for t in self.config.topics)]
        for info in self.days:
            pages.append(f"{info.day.isoformat()}/")
            pages.extend(f"{info.day.isoformat()}/{tid}/" for tid, _, _ in self.topic_counts(info))
        self.writer.write("sitemap.xml", self.env.get_template("sitemap.xml").render(
            urls=[self.absolute(p) for p in pages] if self.site.base_url else []))
        sitemap = f"Sitemap: {self.absolute('sitemap.xml')}\n" if self.site.base_url else ""
        self.writer.write("robots.txt", f"User-agent: *\nAllow: /\n{sitemap}")
        # 404.html is served at any depth, so its links must not be relative.
        context = {**self.common(0, "404.html"), "root": self.site.base_url.rstrip("/") + "/" if self.site.base_url else "/"}
        html = self.env.get_template("404.html").render(**context)
        self.writer.write("404.html", html)
        self.writer.write(".nojekyll", "")

    def static(self) -> None:
        for path in sorted((TEMPLATES / "static").rglob("*")):
            if path.is_file():
                self.writer.write(f"static/{path.relative_to(TEMPLATES / 'static').as_posix()}", path.read_bytes())
        self.writer.write("static/js/fold-data.js", fold_data_js())   # the browser's half of radar.fold

    # -- the reader's pages: language catalogs, search, radar ---------------------------------------

    def reader_pages(self) -> None:
        """Write the language catalogs, the search page and its index, and the radar page and feed."""
        for lang in self.site.languages:
            self.writer.write(f"static/i18n/{lang}.json", compact_json(catalog(lang, self.catalog_extra(lang))))
        self.page("search", "search.html")
        self.search_index()
        self.radar_page()

    def catalog_extra(self, lang: str) -> dict[str, str]:
        """Site texts and topic names in one language, under the keys the pages' data-i18n use."""
        extra = {f"topic.{tid}": topic.name(lang) for tid, topic in self.config.topics.items()}
        extra["site.heading"] = localised(self.site.heading, lang)
        if self.site.description:
            extra["site.description"] = localised(self.site.description, lang)
        return extra

    def search_index(self) -> None:
        """Write search/index.json (the shard list) and one compact shard per month, newest first."""
        months: dict[str, list[DayInfo]] = {}
        for info in reversed(self.days):
            months.setdefault(info.day.isoformat()[:7], []).append(info)
        shards = []
        for month, infos in months.items():
            rel = f"search/{month}.json"
            fresh, print_ = self.fresh(rel, [(i.day, i.key) for i in infos])   # only this month's shard changes
            if not fresh:
                # Each day's rows are marked with what they were made from, so a new day reuses the rest.
                keys = {info.day.isoformat(): fingerprint(self.version, info.key) for info in infos}
                earlier = self.earlier_rows(rel, keys) if any(i.day not in self.search_rows for i in infos) else {}
                rows = ",".join(filter(None, (earlier.get(i.day.isoformat()) or self.day_search_rows(i) for i in infos)))
                # The same bytes as compact_json of the whole shard, without decoding and encoding every row again.
                head = compact_json({"month": month, "days": keys})[:-1]
                self.writer.write(rel, f'{head},"papers":[{rows}]}}', print_)
            shards.append({"month": month, "count": sum(i.size for i in infos), "file": f"{month}.json"})
        self.writer.write("search/index.json", compact_json(
            {"fields": ["id", "day", "title", "authors", "summary", "topics", "keys"], "shards": shards}))

    def earlier_rows(self, rel: str, keys: dict[str, str]) -> dict[str, str]:
        """Return the rows (as JSON) of the shard an earlier render wrote, by day, for the days made from the same."""
        try:
            earlier = json.loads((self.writer.root / rel).read_bytes())
            same = {day for day, key in earlier["days"].items() if keys.get(day) == key}
            found: dict[str, list[list[str]]] = {}
            for row in earlier["papers"]:
                if row[1] in same:
                    found.setdefault(row[1], []).append(row)
            return {day: rows_json(rows) for day, rows in found.items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError):
            return {}   # none yet, or not one we wrote: read the days instead

    def day_search_rows(self, info: DayInfo) -> str:
        """A day's rows of the search index as JSON: from its day job if it was rendered now, else from the day."""
        rows = self.search_rows.get(info.day)
        if rows is None:
            self._day_firsts = {}
            rows = rows_json([search_row(p, self.short_summary(p)) for p in self.load(info).papers])
        return rows

    def radar_page(self) -> None:
        """The newest papers on the owner's radar, found through the day index: only their days are read."""
        chosen, total = [], 0
        for info in reversed(self.days):
            if total >= self.site.feed_max_items:
                break
            if info.radar:
                chosen.append(info)
                total += len(info.radar)
        inputs = [(i.day, i.key) for i in chosen]
        page_fresh, page_print = self.fresh("radar/index.html", inputs)
        feed_fresh, feed_print = self.fresh("radar/feed.xml", inputs)
        if page_fresh and feed_fresh:
            return
        found, numbers = [], {}
        for info in chosen:
            for number, data in info.radar:
                paper = Paper.from_json(data)
                found.append((paper, self.radar_of(paper)))
                numbers[(paper.day, paper.id)] = number
        found = found[: self.site.feed_max_items]
        entries = [(numbers[(p.day, p.id)], p, hits) for p, hits in found]
        self.page("radar", "radar.html", page_print, radar=self.config.radar, entries=entries,
                  math=has_math(p for _, p, _ in entries))
        self.writer.write("radar/feed.xml", self.atom([p for p, _ in found], "radar/feed.xml",
                                                      f"{self.site.title} · {self.t('radar')}"), feed_print)


def has_math(papers: Iterable[Paper]) -> bool:
    """Whether any title or abstract holds `$...$`: only such pages load KaTeX."""
    return any(MATH.search(p.title) or MATH.search(p.abstract) for p in papers)


def shorten(text: str, limit: int = 160) -> str:
    """Cut a text at a word boundary near `limit` characters."""
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"


def search_row(paper: Paper, summary: str) -> list[str]:
    """One paper in a search shard: [id, day, title, authors, summary, topics, the authors' folded keys]."""
    return [paper.id, paper.day.isoformat(), paper.title, "|".join(paper.authors), summary, " ".join(paper.topics),
            keys(paper.authors)]


def rows_json(rows: list[list[str]]) -> str:
    """The rows as the elements of a compact JSON array, comma-separated: shards join days' rows as text."""
    return compact_json(rows)[1:-1]


def compact_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


BATCH = 8            # days per task handed to a worker
_WORKER: Renderer | None = None


def _render_batch(jobs: list[DayJob]) -> tuple[int, set[str], dict[str, str], dict[date, str]]:
    """In a forked worker: render some days' pages; return what the parent's writer and search index need."""
    renderer = _WORKER
    assert renderer is not None
    writer = renderer.writer
    writer.written, writer.files, writer.pages = 0, set(), {}
    renderer.loaded.clear()
    renderer.search_rows = {}
    for job in jobs:
        renderer.day_pages(job)
    return writer.written, writer.files, writer.pages, renderer.search_rows


def render_site(config: Config, days: list[Day], state: State, out: Path,
                stored_briefings: Mapping[tuple[date, str], Briefing] | None = None) -> tuple[int, int]:
    """Render days held in memory into out/; return (files written, files removed)."""
    # A render holds a year's index and makes few reference cycles (about ten a day of pages), but the
    # collector's passes over what it holds took a sixth of a one-day render.
    with collector_paused():
        return Renderer(config, MemoryDays(days), state, out, stored_briefings).render()


@dataclass(frozen=True)
class RenderReport:
    written: int
    removed: int
    papers: int
    days: int


def render_archive(config: Config, archive: Archive, out: Path) -> RenderReport:
    """Render the archive in content/ into out/, reading only the days whose pages changed."""
    with collector_paused():   # as in render_site
        renderer = Renderer(config, ArchiveDays(archive), archive.read_state(), out, archive.read_briefings())
        written, removed = renderer.render()
    return RenderReport(written, removed, sum(i.size for i in renderer.days), len(renderer.days))
