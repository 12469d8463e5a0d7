"""Render the archive into the static site: pages, feeds and the usual files, written only when changed."""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Iterable, Mapping
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from . import briefing as briefings
from .archive import Briefing, Day, State, remove_stale_temps, write_atomic
from .clean import first_sentences, safe_url
from .config import Config
from .i18n import catalog, localised, translator
from .papers import Paper, Update
from .radar import radar_hits

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
MANIFEST = ".academichub-manifest"


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


@dataclass
class SiteWriter:
    """Collects every output file so unchanged ones are left alone and vanished ones removed."""

    root: Path
    written: int = 0
    files: set[str] = field(default_factory=set)

    def write(self, rel: str, data: str | bytes) -> None:
        payload = data.encode("utf-8") if isinstance(data, str) else data
        self.files.add(rel)
        if write_atomic(self.root / rel, payload):
            self.written += 1

    def finish(self) -> int:
        """Remove files an earlier render wrote that this one did not; return how many."""
        manifest = self.root / MANIFEST
        old = set(manifest.read_text(encoding="utf-8").split("\n")) if manifest.exists() else set()
        removed = 0
        for rel in sorted(old - self.files - {""}):
            target = (self.root / rel).resolve()
            if self.root.resolve() in target.parents and target.is_file():
                target.unlink()
                removed += 1
        write_atomic(manifest, "\n".join(sorted(self.files)).encode("utf-8"))
        remove_stale_temps(self.root)  # a killed render leaves its temporary files behind
        return removed


def make_env() -> Environment:
    """Return the Jinja2 environment: autoescape on for HTML and XML, undefined names are errors."""
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html", "xml", "opml"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["two"] = lambda n: f"{n:02d}"
    env.filters["safe_url"] = safe_url
    env.filters["host"] = lambda url: (urlsplit(url).hostname or url).removeprefix("www.")
    return env


class Renderer:
    def __init__(self, config: Config, days: list[Day], state: State, out: Path,
                 stored_briefings: Mapping[tuple[date, str], Briefing] | None = None):
        self.config, self.site = config, config.site
        self.days = [d for d in days if d.papers]   # a day with nothing to read never becomes a page
        self.days.sort(key=lambda d: d.day)
        self.state = state
        self.writer = SiteWriter(Path(out))
        self.env = make_env()
        self.lang = self.site.default_language
        self.t = translator(self.lang)
        self.labels = {s.id: s.label for s in config.sources}
        self._radar: dict[tuple[str, date], tuple[str, ...]] = {}
        self.latest_update: dict[str, tuple[Update, date]] = {}
        for day in sorted(days, key=lambda d: d.day):
            for update in day.updates:
                self.latest_update[update.id] = (update, day.day)
        self.briefings: dict[date, dict[str, Briefing]] = {}
        for (on, lang), stored in sorted((stored_briefings or {}).items()):
            self.briefings.setdefault(on, {})[lang] = stored

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
        known = self.config.topics.get(topic)
        return known.name(self.lang) if known else topic

    def summary_of(self, paper: Paper) -> tuple[str, str]:
        """The summary a card shows in the default language, and its provenance note."""
        if paper.summary.get(self.lang) or paper.summary:
            summary = paper.summary.get(self.lang) or next(iter(paper.summary.values()))
            return summary, self.tt("summary_llm", model=paper.summary_model or "LLM")
        if paper.abstract_kind == "standfirst":
            return "", self.tt("standfirst_note")
        return first_sentences(paper.abstract), self.tt("summary_extractive")

    def radar_of(self, paper: Paper) -> tuple[str, ...]:
        """Radar hits, computed once per paper (cards, the radar page and its feed all ask)."""
        key = (paper.id, paper.day)
        if key not in self._radar:
            self._radar[key] = radar_hits(paper, self.config.radar)
        return self._radar[key]

    def card(self, number: int, paper: Paper, root: str) -> Card:
        summary, note = self.summary_of(paper)
        topics = tuple((tid, self.topic_name(tid), f"{root}topics/{tid}/" if tid in self.config.topics else None)
                       for tid in paper.topics)
        update = None
        if paper.id in self.latest_update:
            newer, on = self.latest_update[paper.id]
            if newer.version and (paper.version or 0) < newer.version and on > paper.day:
                update = self.tt("updated_to", version=newer.version, day=on.isoformat())
        label = self.labels.get(paper.sources[0], paper.sources[0]) if paper.sources else ""
        others = tuple((lang, paper.summary[lang]) for lang in self.site.languages
                       if lang != self.lang and paper.summary.get(lang) and paper.summary[lang] != summary)
        return Card(f"{number:02d}", paper, safe_url(paper.url), label, paper.authors, summary, note, topics, update,
                    self.radar_of(paper), others)

    def briefing_for(self, day: Day, lang: str) -> tuple[str, str, str, str]:
        """Return (Markdown, its language, its note, "llm" or "offline") of the day's briefing for a reader of lang.

        The LLM's briefing in that language, else in another language, else the offline one counted here.
        """
        stored = self.briefings.get(day.day, {})
        chosen = stored.get(lang) or stored.get(self.lang) or next(iter(stored.values()), None)
        if chosen is not None and chosen.text.strip():
            return chosen.text, chosen.lang, translator(chosen.lang)("briefing_llm", model=chosen.model or "LLM"), "llm"
        names = {tid: topic.name(lang) for tid, topic in self.config.topics.items()}
        text = briefings.offline(day.papers, names, lang, self.radar_of)
        return text, lang, translator(lang)("briefing_offline"), "offline"

    def briefing(self, day: Day) -> dict[str, Any]:
        """Return the day's briefing block: one sanitised HTML variant per site language (static/site.js picks one)."""
        anchors = {p.id: f"{i:02d}" for i, p in enumerate(day.papers, 1)}
        variants = []
        for lang in self.site.languages:
            text, written_in, note, kind = self.briefing_for(day, lang)
            variants.append({"lang": lang, "html_lang": "zh-Hans" if written_in == "zh" else written_in,
                             "html": briefings.to_html(text, anchors), "note": note, "kind": kind})
        default = next(v for v in variants if v["lang"] == self.lang)
        return {"kind": default["kind"], "variants": variants}

    def briefing_text(self, day: Day) -> str:
        """Return the day's briefing in the default language as plain text with its note, for the feed."""
        text, _, note, _ = self.briefing_for(day, self.lang)
        anchors = {p.id: f"{i:02d}" for i, p in enumerate(day.papers, 1)}
        return f"{briefings.to_text(text, anchors)}\n\n{note}"

    def briefing_feed(self) -> None:
        """Write /briefing.xml: an Atom feed of the daily briefings over the feed window, newest first."""
        since = self.days[-1].day - timedelta(days=self.site.feed_days - 1) if self.days else None
        items: list[dict[str, Any]] = []
        for day in reversed(self.days):
            if since is None or day.day < since:
                break
            url = self.absolute(f"{day.day.isoformat()}/")
            items.append({"day": day.day, "url": url, "text": self.briefing_text(day)})
        self.writer.write("briefing.xml", self.env.get_template("briefing.xml").render(
            site=self.site, t=self.t, lang=self.lang, self_url=self.absolute("briefing.xml"), home=self.absolute(""),
            updated=items[0]["day"].isoformat() if items else "1970-01-01", items=items))

    def cards(self, papers: Iterable[Paper], root: str) -> list[Card]:
        return [self.card(i, p, root) for i, p in enumerate(papers, 1)]

    def page(self, rel_dir: str, template: str, **context: Any) -> None:
        depth = rel_dir.count("/") + 1 if rel_dir else 0
        html = self.env.get_template(template).render({**self.common(depth, rel_dir + "/" if rel_dir else ""), **context})
        self.writer.write(f"{rel_dir}/index.html" if rel_dir else "index.html", html)

    # -- pages ---------------------------------------------------------------------------------

    def render(self) -> tuple[int, int]:
        """Write the whole site; return (files written, files removed)."""
        for i, day in enumerate(self.days):
            prev_day = self.days[i - 1].day if i else None
            next_day = self.days[i + 1].day if i + 1 < len(self.days) else None
            self.day_pages(day, prev_day, next_day)
        self.front_page()
        self.topic_pages()
        self.page("archive", "archive.html", days=self.archive_rows())
        self.page("status", "status.html", rows=self.status_rows(), warn_failures=self.config.fetch.warn_failures)
        self.reader_pages()
        self.feeds()
        self.briefing_feed()
        self.small_files()
        self.static()
        removed = self.writer.finish()
        return self.writer.written, removed

    def topic_counts(self, day: Day) -> list[tuple[str, str, int]]:
        counts: dict[str, int] = {}
        for paper in day.papers:
            for topic in paper.topics:
                if topic in self.config.topics:
                    counts[topic] = counts.get(topic, 0) + 1
        return [(tid, self.topic_name(tid), counts[tid]) for tid in self.config.topics if tid in counts]

    def day_pages(self, day: Day, prev_day: date | None, next_day: date | None) -> None:
        iso = day.day.isoformat()
        self.page(iso, "day.html", day=day, cards=self.cards(day.papers, "../"), counts=self.topic_counts(day),
                  prev_day=prev_day, next_day=next_day, updates=self.update_rows(day), topic=None, is_front=False,
                  math=has_math(day.papers), briefing=self.briefing(day))
        for tid, name, _ in self.topic_counts(day):
            self.day_topic_page(day, tid, name)

    def day_topic_page(self, day: Day, tid: str, name: str) -> None:
        """One topic on one day: compact entries pointing at the cards, so no abstract is repeated."""
        entries = [(i, p) for i, p in enumerate(day.papers, 1) if tid in p.topics]
        self.page(f"{day.day.isoformat()}/{tid}", "daytopic.html", day=day, entries=entries, topic=(tid, name),
                  counts=self.topic_counts(day), math=has_math(p for _, p in entries))

    def front_page(self) -> None:
        if not self.days:
            self.page("", "day.html", day=None, cards=[], counts=[], prev_day=None, next_day=None, updates=[],
                      topic=None, is_front=True)
            return
        latest = self.days[-1]
        prev_day = self.days[-2].day if len(self.days) > 1 else None
        self.page("", "day.html", day=latest, cards=self.cards(latest.papers, "./"), counts=self.topic_counts(latest),
                  prev_day=prev_day, next_day=None, updates=self.update_rows(latest), topic=None, is_front=True,
                  math=has_math(latest.papers), briefing=self.briefing(latest))

    def update_rows(self, day: Day) -> list[tuple[Update, str]]:
        return [(u, self.labels.get(u.sources[0], u.sources[0]) if u.sources else "", safe_url(u.url))
                for u in day.updates]

    def topic_pages(self) -> None:
        for tid, topic in self.config.topics.items():
            recent = []
            for day in reversed(self.days):
                papers = [(i, p) for i, p in enumerate(day.papers, 1) if tid in p.topics]
                if papers:
                    recent.append((day.day, papers))
                if len(recent) == 7:
                    break
            self.page(f"topics/{tid}", "topic.html", topic=(tid, topic.name(self.lang)), recent=recent,
                      math=any(has_math(p for _, p in papers) for _, papers in recent))
            self.writer.write(f"topics/{tid}/feed.xml", self.atom(self.feed_papers(tid), f"topics/{tid}/feed.xml",
                                                                  f"{self.site.title} · {topic.name(self.lang)}"))

    def archive_rows(self) -> list[tuple[Day, list[tuple[str, str, int]]]]:
        return [(day, self.topic_counts(day)) for day in reversed(self.days)]

    def status_rows(self) -> list[tuple[Any, Any]]:
        return [(source, self.state.sources.get(source.id)) for source in self.config.sources]

    # -- feeds and the usual files -------------------------------------------------------------

    def feed_papers(self, topic: str | None = None) -> list[Paper]:
        """Papers of the rolling feed window, newest day first: a quiet day never empties a feed."""
        if not self.days:
            return []
        since = self.days[-1].day - timedelta(days=self.site.feed_days - 1)
        papers = []
        for day in reversed(self.days):
            if day.day < since:
                break
            papers.extend(p for p in day.papers if topic is None or topic in p.topics)
        return papers[: self.site.feed_max_items]

    def feed_items(self, papers: list[Paper]) -> list[dict[str, Any]]:
        items = []
        for paper in papers:
            card = self.card(0, paper, self.absolute(""))
            summary = card.summary or paper.abstract
            # An RSS description is HTML to a reader: the plain text goes in escaped, so it shows as text.
            items.append({"paper": paper, "summary": summary, "summary_html": html.escape(summary), "label": card.label,
                          "topics": [name for _, name, _ in card.topics],
                          "link": card.url or self.absolute(f"{paper.day.isoformat()}/")})
        return items

    def atom(self, papers: list[Paper], rel: str, title: str) -> str:
        return self.env.get_template("atom.xml").render(
            site=self.site, title=title, self_url=self.absolute(rel), home=self.absolute(""),
            updated=papers[0].day.isoformat() if papers else "1970-01-01", items=self.feed_items(papers))

    def feeds(self) -> None:
        papers = self.feed_papers()
        self.writer.write("feed.xml", self.atom(papers, "feed.xml", self.site.title))
        self.writer.write("rss.xml", self.env.get_template("rss.xml").render(
            site=self.site, self_url=self.absolute("rss.xml"), home=self.absolute(""),
            description=localised(self.site.description, self.lang) if self.site.description else self.site.tagline,
            lang=self.lang, updated=papers[0].day if papers else None, items=self.feed_items(papers)))

    def small_files(self) -> None:
        self.writer.write("sources.opml", self.env.get_template("sources.opml").render(
            site=self.site, sources=[s for s in self.config.sources if "://" in s.url and s.url.startswith("http")]))
        pages = ["", "archive/", "status/", "search/", "radar/", *(f"topics/{t}/" for t in self.config.topics)]
        for day in self.days:
            pages.append(f"{day.day.isoformat()}/")
            pages.extend(f"{day.day.isoformat()}/{tid}/" for tid, _, _ in self.topic_counts(day))
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
        months: dict[str, list[list[str]]] = {}
        for day in reversed(self.days):
            rows = months.setdefault(day.day.isoformat()[:7], [])
            for paper in day.papers:
                rows.append(search_row(paper, self.short_summary(paper)))
        shards = []
        for month, rows in months.items():
            self.writer.write(f"search/{month}.json", compact_json({"month": month, "papers": rows}))
            shards.append({"month": month, "count": len(rows), "file": f"{month}.json"})
        self.writer.write("search/index.json", compact_json(
            {"fields": ["id", "day", "title", "authors", "summary", "topics"], "shards": shards}))

    def radar_papers(self) -> list[tuple[Paper, tuple[str, ...]]]:
        """Every archived paper on the owner's radar, newest day first, with what it matched."""
        found = []
        for day in reversed(self.days):
            for paper in day.papers:
                if hits := self.radar_of(paper):
                    found.append((paper, hits))
        return found

    def radar_page(self) -> None:
        found = self.radar_papers()[: self.site.feed_max_items]
        numbers = {(d.day, p.id): i for d in self.days for i, p in enumerate(d.papers, 1)}
        entries = [(numbers[(p.day, p.id)], p, hits) for p, hits in found]
        self.page("radar", "radar.html", radar=self.config.radar, entries=entries,
                  math=has_math(p for _, p, _ in entries))
        self.writer.write("radar/feed.xml", self.atom([p for p, _ in found], "radar/feed.xml",
                                                      f"{self.site.title} · {self.t('radar')}"))


def has_math(papers: Iterable[Paper]) -> bool:
    """Whether any title or abstract holds `$...$`: only such pages load KaTeX."""
    return any(MATH.search(p.title) or MATH.search(p.abstract) for p in papers)


def shorten(text: str, limit: int = 160) -> str:
    """Cut a text at a word boundary near `limit` characters."""
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"


def search_row(paper: Paper, summary: str) -> list[str]:
    """One paper in a search shard: [id, day, title, authors, summary, topics]."""
    return [paper.id, paper.day.isoformat(), paper.title, "|".join(paper.authors), summary, " ".join(paper.topics)]


def compact_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def render_site(config: Config, days: list[Day], state: State, out: Path,
                stored_briefings: Mapping[tuple[date, str], Briefing] | None = None) -> tuple[int, int]:
    """Render the archive into out/; return (files written, files removed)."""
    return Renderer(config, days, state, out, stored_briefings).render()
