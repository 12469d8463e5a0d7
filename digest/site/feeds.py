"""The feeds: Atom and RSS over the rolling window, each topic's, the radar's and the daily briefings'.

A paper's feed item is made once (`FeedItem`) and written out as an Atom <entry> or an RSS <item> by two small
functions side by side: the site's feed and its topics' feeds share the items.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment
from markupsafe import Markup

from ..clean import safe_url
from ..config import Site
from ..i18n import localised
from ..papers import Paper
from .briefings import Briefings
from .cards import CardBuilder, escape
from .index import DayIndex, DayLoader
from .plan import SitePlan, Target
from .writer import SiteWriter


@dataclass(frozen=True)
class FeedItem:
    """A paper as a feed reader gets it: compact (title, summary, authors, link, topics)."""

    paper: Paper
    summary: str                 # plain text: the card's summary, else the abstract
    label: str                   # its source, the author of last resort
    topics: tuple[str, ...]      # topic names
    link: str


def atom_entry(item: FeedItem) -> str:
    """One feed item as an Atom <entry>."""
    paper = item.paper
    iso = paper.day.isoformat()
    version = f"v{escape(paper.version)}" if paper.version else ""
    out = ["  <entry>\n", f"    <id>{escape(paper.id)}{version}</id>\n", f"    <title>{escape(paper.title)}</title>\n",
           f'    <link rel="alternate" type="text/html" href="{escape(item.link)}"/>\n',
           f"    <published>{iso}T00:00:00Z</published>\n", f"    <updated>{iso}T00:00:00Z</updated>\n"]
    out += [f"    <author><name>{escape(a)}</name></author>\n" for a in paper.authors or (item.label,)]
    out += [f'    <category term="{escape(name)}"/>\n' for name in item.topics]
    out.append(f'    <summary type="text">{escape(item.summary)}</summary>\n  </entry>\n')
    return "".join(out)


def rss_item(item: FeedItem) -> str:
    """One feed item as an RSS 2.0 <item>."""
    paper = item.paper
    version = f"v{escape(paper.version)}" if paper.version else ""
    out = ["    <item>\n", f"      <title>{escape(paper.title)}</title>\n", f"      <link>{escape(item.link)}</link>\n",
           f'      <guid isPermaLink="false">{escape(paper.id)}{version}</guid>\n',
           f"      <pubDate>{paper.day.strftime('%a, %d %b %Y')} 00:00:00 +0000</pubDate>\n"]
    out += [f"      <dc:creator>{escape(a)}</dc:creator>\n" for a in paper.authors]
    out += [f"      <category>{escape(name)}</category>\n" for name in item.topics]
    # An RSS description is HTML to a reader: the plain text goes in escaped, so it shows as text.
    out.append(f"      <description>{escape(html.escape(item.summary))}</description>\n    </item>\n")
    return "".join(out)


class Feeds:
    """Writes every feed; each paper's item (and its two renderings) is built once per render."""

    def __init__(self, site: Site, env: Environment, writer: SiteWriter, plan: SitePlan, index: DayIndex,
                 loader: DayLoader, cards: CardBuilder, briefings: Briefings, absolute: Callable[[str], str]):
        self.site, self.env, self.writer, self.plan = site, env, writer, plan
        self.index, self.loader, self.cards, self.briefings = index, loader, cards, briefings
        self.absolute = absolute
        self.lang = site.default_language
        self._items: dict[str, FeedItem] = {}
        self._atom: dict[str, str] = {}
        self._rss: dict[str, str] = {}

    def item(self, paper: Paper) -> FeedItem:
        item = self._items.get(paper.id)
        if item is None:
            item = self._items[paper.id] = FeedItem(
                paper, self.cards.summary_of(paper)[0] or paper.abstract, self.cards.label_of(paper),
                tuple(self.cards.topic_name(tid) for tid in paper.topics),
                safe_url(paper.url) or self.absolute(f"{paper.day.isoformat()}/"))
        return item

    def window_papers(self, topic: str | None = None) -> list[Paper]:
        """Papers of the rolling feed window, newest day first: a quiet day never empties a feed."""
        papers: list[Paper] = []
        for info in self.index.window:
            if topic is None or topic in info.counts:
                papers.extend(p for p in self.loader.load(info).papers if topic is None or topic in p.topics)
            if len(papers) >= self.site.feed_max_items:
                break
        return papers[: self.site.feed_max_items]

    def atom(self, papers: list[Paper], target: Target, title: str) -> None:
        entries = []
        for paper in papers:
            if paper.id not in self._atom:
                self._atom[paper.id] = atom_entry(self.item(paper))
            entries.append(self._atom[paper.id])
        self.writer.write(target.rel, self.env.get_template("atom.xml").render(
            site=self.site, title=title, tagline=localised(self.site.tagline, self.lang),
            self_url=self.absolute(target.rel), home=self.absolute(""),
            updated=papers[0].day.isoformat() if papers else "1970-01-01", entries=Markup("".join(entries))),
            target.fingerprint)

    def rss(self, papers: list[Paper], target: Target) -> None:
        items = []
        for paper in papers:
            if paper.id not in self._rss:
                self._rss[paper.id] = rss_item(self.item(paper))
            items.append(self._rss[paper.id])
        description = localised(self.site.description if self.site.description else self.site.tagline, self.lang)
        self.writer.write(target.rel, self.env.get_template("rss.xml").render(
            site=self.site, self_url=self.absolute(target.rel), home=self.absolute(""), description=description,
            lang=self.lang, updated=papers[0].day if papers else None, items=Markup("".join(items))),
            target.fingerprint)

    def site_feeds(self) -> None:
        """Write /feed.xml and /rss.xml."""
        atom, rss = self.plan.site_feeds()
        if atom.fresh and rss.fresh:
            return
        papers = self.window_papers()
        self.atom(papers, atom, self.site.title)
        self.rss(papers, rss)

    def topic_feed(self, topic: str, name: str) -> None:
        target = self.plan.topic_feed(topic)
        if not target.fresh:
            self.atom(self.window_papers(topic), target, f"{self.site.title} · {name}")

    def briefing_feed(self, plain: Callable[..., str]) -> None:
        """Write /briefing.xml: an Atom feed of the daily briefings over the feed window, newest first."""
        target = self.plan.briefing_feed()
        if target.fresh:
            return
        items: list[dict[str, Any]] = []
        for info in self.index.window:
            url = self.absolute(f"{info.day.isoformat()}/")
            items.append({"day": info.day, "url": url, "text": self.briefings.feed_text(self.loader.load(info))})
        self.writer.write(target.rel, self.env.get_template("briefing.xml").render(
            site=self.site, plain=plain, lang=self.lang, tagline=localised(self.site.tagline, self.lang),
            self_url=self.absolute(target.rel), home=self.absolute(""),
            updated=items[0]["day"].isoformat() if items else "1970-01-01", items=items), target.fingerprint)
