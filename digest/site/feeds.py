"""The feeds: Atom and RSS over the rolling window, each topic's, the radar's and the daily briefings'.

A paper's feed item is made once (`FeedItem`) and written out as an Atom <entry> or an RSS <item> by two small
functions side by side: the site's feed and its topics' feeds share the items. An item carries the paper whole
(the model's summaries in each language with the model's name, the abstract, and links to its card here, its PDF
and its page at the source), so that a reader can read the morning's papers in the feed reader.

Addresses (`FeedAddress`). With site.base_url every link is absolute, and ids are `tag:` URIs of the site's host
(RFC 4151), dated on the day the paper first appeared here: unique to this site and stable for good. Without a
base URL (the demo, a local preview) there is no address to build a URL or a `tag:` authority from: links are
written from the site's root with an `xml:base` that leads there from the feed's own folder, and ids are
name-based `urn:uuid:`s (RFC 4122, version 5) of the paper's id. RSS 2.0 has neither `xml:base` nor relative
links (its <link> must be a full URL), so rss.xml exists only where there is a base URL; the Atom feeds serve
every reader. An item's id never holds its version: a new version updates the entry (Atom `updated` moves to the
version's day, the RSS guid stays), so that readers update it rather than show it twice.

Every entry passes the text gate (clean.xml_text) once, as it is made, and is kept as UTF-8 bytes: a feed is its
template's frame (gated too) around its entries' bytes (Feeds.feed_bytes), and a topic feed's (or the radar feed's)
older days' entries are kept as such bytes (site/blocks.py, Feeds.kept_days), so no render scans, decodes or encodes
a feed's megabyte again for one new day.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any
from urllib.parse import quote, urlsplit

from jinja2 import Environment
from markupsafe import Markup

from ..clean import safe_url, xml_text
from ..config import Site
from ..i18n import HTML_LANG, localised
from ..papers import Paper, pdf_url
from .blocks import Blocks
from .briefings import Briefings
from .cards import CardBuilder, escape, host
from .index import DayIndex, DayInfo, DayLoader
from .layout import DayLayout
from .plan import SitePlan, Target
from .writer import SiteWriter

# The namespace of the name-based ids of a site without a base URL (any fixed UUID: this one is uuid5 of the
# project's name in the DNS namespace, written out so that it can never change).
ID_NAMESPACE = uuid.UUID("5b0f7c1e-5d6a-5f3e-9a39-0c4b1e7b2d41")
# What a `tag:` URI's specific part may hold as it is (the W3C validator's and RFC 4151's characters).
TAG_SAFE = ";/?:@&=+$-_.!~*'(),"
DAY_FOLDER = re.compile(r"\d{4}-\d{2}-\d{2}")
# Where a feed template's entries go (Feeds.feed_bytes): the templates escape every text they show, so only the
# template itself can spell it.
ENTRIES = "<academichub-entries/>"


def language_tag(lang: str) -> str:
    """The site language as a BCP 47 tag (xml:lang, the pages' lang): Chinese is written in simplified script."""
    return HTML_LANG.get(lang, lang)


def rss_language(lang: str) -> str:
    """The site language as RSS 2.0's <language> lists its codes."""
    return "zh-cn" if lang == "zh" else lang


def name_uuid(key: str) -> str:
    """str(uuid.uuid5(ID_NAMESPACE, key)), without building a UUID object: every feed entry of a site without a base
    URL has one."""
    digest = bytearray(hashlib.sha1(ID_NAMESPACE.bytes + key.encode("utf-8")).digest()[:16])
    digest[6] = digest[6] & 0x0F | 0x50   # version 5
    digest[8] = digest[8] & 0x3F | 0x80   # the RFC 4122 variant
    x = digest.hex()
    return f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}"


@dataclass(frozen=True)
class HubFeed:
    """One of the site's own feeds, as the subscribe page, feeds.opml and the pages' <head> name it."""

    kind: str      # "site", "rss", "briefing", "weeks", "radar", "topic"
    path: str      # from the site's root: "feed.xml", "topics/cs.LG/feed.xml"
    page: str      # the page it follows, from the root: "", "topics/cs.LG/", "radar/"
    title: str
    mime: str = "application/atom+xml"


def hub_feeds(site: Site, topics: Mapping[str, str], plain: Callable[..., str]) -> list[HubFeed]:
    """Every feed the site writes, in the order the subscribe page lists them (topic id -> name for topics)."""
    feeds = [HubFeed("site", "feed.xml", "", f"{site.title}")]
    if site.base_url:
        feeds.append(HubFeed("rss", "rss.xml", "", f"{site.title} (RSS)", "application/rss+xml"))
    feeds += [HubFeed("briefing", "briefing.xml", "", f"{site.title} · {plain('briefing')}"),
              HubFeed("weeks", "weeks/feed.xml", "weeks/", f"{site.title} · {plain('weekly_digests')}"),
              HubFeed("radar", "radar/feed.xml", "radar/", f"{site.title} · {plain('radar')}")]
    feeds += [HubFeed("topic", f"topics/{tid}/feed.xml", f"topics/{tid}/", f"{site.title} · {name}")
              for tid, name in topics.items()]
    return feeds


def page_feeds(feeds: Sequence[HubFeed], path: str) -> list[HubFeed]:
    """The feeds a page at `path` (from the root) advertises in its <head> besides its own (a topic's page and the
    radar's name theirs): the site's everywhere, the briefings' where a briefing is shown (the front page, a day's
    first page), a topic's on its day-and-topic pages, and every feed on the subscribe page."""
    if path == "feeds/":
        return list(feeds)
    parts = path.rstrip("/").split("/") if path else []
    day = bool(parts) and DAY_FOLDER.fullmatch(parts[0]) is not None
    topic = parts[1] if day and len(parts) == 2 and parts[1] != "page" else None
    wanted = {"site", "rss"} | ({"briefing"} if not parts or (day and len(parts) == 1) else set())
    return [f for f in feeds if f.kind in wanted or (topic is not None and f.page == f"topics/{topic}/")]


class FeedAddress:
    """Links and ids of the feeds, absolute or from the root with xml:base (see the module's docstring)."""

    def __init__(self, base_url: str):
        self.base = base_url.rstrip("/")
        parts = urlsplit(base_url)
        self.authority, self.prefix = (parts.hostname or "").lower(), parts.path.rstrip("/")

    def link(self, path: str) -> str:
        """The address of a file of the site (path from its root) as a feed writes it."""
        return f"{self.base}/{path}" if self.base else path

    def xml_base(self, feed_path: str) -> str:
        """The xml:base of a feed at feed_path: the site's root, absolute or relative to the feed's folder."""
        return f"{self.base}/" if self.base else "../" * feed_path.count("/") or "./"

    def entry_id(self, key: str, day: date) -> str:
        """A stable id of an entry (key: a paper's id, "briefing/<day>/<lang>") first published on `day`."""
        if self.authority:
            return f"tag:{self.authority},{day.isoformat()}:{quote(self.prefix + '/' + key, safe=TAG_SAFE)}"
        return f"urn:uuid:{name_uuid(key)}"

    def feed_id(self, path: str) -> str:
        """A feed's own id: its address where the site has one."""
        return self.link(path) if self.base else f"urn:uuid:{uuid.uuid5(ID_NAMESPACE, 'feed/' + path)}"


@dataclass(frozen=True)
class FeedItem:
    """A paper as a feed reader gets it: its summary line, its whole text as HTML, authors, links, topics."""

    paper: Paper
    id: str
    summary: str                 # plain text: the card's summary cut to a line or two
    content: str                 # HTML (escaped once more as it goes into the XML): summaries, abstract, links
    label: str                   # its source, the author of last resort
    topics: tuple[str, ...]      # topic names
    link: str                    # the paper at its source, else its card here
    updated: date                # the day of its latest version


def atom_entry(item: FeedItem) -> str:
    """One feed item as an Atom <entry>."""
    paper = item.paper
    out = ["  <entry>\n", f"    <id>{escape(item.id)}</id>\n", f"    <title>{escape(paper.title)}</title>\n",
           f'    <link rel="alternate" type="text/html" href="{escape(item.link)}"/>\n',
           f"    <published>{paper.day.isoformat()}T00:00:00Z</published>\n",
           f"    <updated>{item.updated.isoformat()}T00:00:00Z</updated>\n"]
    out += [f"    <author><name>{escape(a)}</name></author>\n" for a in paper.authors or (item.label,)]
    out += [f'    <category term="{escape(name)}"/>\n' for name in item.topics]
    out.append(f'    <summary type="text">{escape(item.summary)}</summary>\n'
               f'    <content type="html">{escape(item.content)}</content>\n  </entry>\n')
    return "".join(out)


def rss_item(item: FeedItem) -> str:
    """One feed item as an RSS 2.0 <item>."""
    paper = item.paper
    out = ["    <item>\n", f"      <title>{escape(paper.title)}</title>\n", f"      <link>{escape(item.link)}</link>\n",
           f'      <guid isPermaLink="false">{escape(item.id)}</guid>\n',
           f"      <pubDate>{paper.day.strftime('%a, %d %b %Y')} 00:00:00 +0000</pubDate>\n"]
    out += [f"      <dc:creator>{escape(a)}</dc:creator>\n" for a in paper.authors]
    out += [f"      <category>{escape(name)}</category>\n" for name in item.topics]
    # An RSS description is HTML to a reader: the item's HTML goes in escaped, as Atom's type="html" content.
    out.append(f"      <description>{escape(item.content)}</description>\n    </item>\n")
    return "".join(out)


def kept_entries(fields: list[Any] | None, body: bytes) -> list[tuple[list[Any], bytes]] | None:
    """A day's kept entries in a feed (a topic's, the radar's; site/blocks.py: a list of [the day of the entry's latest
    version, the paper's id, its later version's mark, the entry's length in bytes], the entries' bytes one after
    another as the body) as (fields, bytes) pairs; None where there are none, or the body is not as long as the list
    says."""
    if fields is None:
        return None
    found, at = [], 0
    for entry in fields:
        found.append((entry, body[at:at + entry[3]]))
        at += entry[3]
    return found if at == len(body) else None


class Feeds:
    """Writes every feed; each paper's item (and its two renderings) is built once per render."""

    def __init__(self, site: Site, env: Environment, writer: SiteWriter, plan: SitePlan, index: DayIndex,
                 loader: DayLoader, cards: CardBuilder, briefings: Briefings, absolute: Callable[[str], str]):
        self.site, self.env, self.writer, self.plan = site, env, writer, plan
        self.index, self.loader, self.cards, self.briefings = index, loader, cards, briefings
        self.absolute = absolute
        self.lang = site.default_language
        self.address = FeedAddress(site.base_url)
        self._items: dict[str, FeedItem] = {}
        self._atom: dict[str, bytes] = {}   # each paper's entries, gated and encoded (feed_bytes)
        self._rss: dict[str, bytes] = {}
        self._said: dict[tuple[Any, ...], str] = {}

    def said(self, key: str, **values: str) -> str:
        """A UI text of the feeds, escaped: every entry says the same few ("Abstract", the card link's words)."""
        found = self._said.get((key, *values.items()))
        if found is None:
            found = self._said[(key, *values.items())] = escape(self.cards.plain(key, **values))
        return found

    def content_html(self, paper: Paper, card: str, later: tuple[int, date] | None, url: str) -> str:
        """The entry's body: the model's summaries (each language, with its model), the abstract, the links (url: the
        paper's checked link)."""
        out = []
        if later:
            out.append(f"<p><em>{self.said('updated_to', version=str(later[0]), day=later[1].isoformat())}</em></p>")
        languages = [lang for lang in (self.lang, *self.cards.languages) if paper.summary.get(lang)]
        for lang in dict.fromkeys(languages):
            out.append(f'<p lang="{language_tag(lang)}">{escape(paper.summary[lang])}</p>')
        if languages:
            out.append(f"<p><small>{self.said('summary_llm', model=paper.summary_model or 'LLM')}</small></p>")
        if paper.abstract:
            heading = self.said("standfirst" if paper.abstract_kind == "standfirst" else "abstract")
            out.append(f"<p><strong>{heading}</strong></p><p>{escape(paper.abstract)}</p>")
        links = [f'<a href="{escape(self.address.link(card))}">{self.said("feed_card", site=self.site.title)}</a>']
        if pdf := safe_url(pdf_url(replace(paper, version=later[0]) if later else paper) or ""):   # the newest version's
            links.append(f'<a href="{escape(pdf)}">PDF</a>')
        if url:
            links.append(f'<a href="{escape(url)}">{escape(host(url))}</a>')
        out.append(f"<p>{' · '.join(links)}</p>")
        return "".join(out)

    def item(self, paper: Paper, card: str) -> FeedItem:
        """The paper's feed item; card is the path (from the root) of its card on this site."""
        item = self._items.get(paper.id)
        if item is None:
            later = self.index.update_of(paper)
            url = safe_url(paper.url)
            item = self._items[paper.id] = FeedItem(
                paper, self.address.entry_id(paper.id, paper.day), self.cards.short_summary(paper),
                self.content_html(paper, card, later, url), self.cards.label_of(paper),
                tuple(self.cards.topic_name(tid) for tid in paper.topics),
                url or self.address.link(card), later[1] if later else paper.day)
        return item

    def window_papers(self, topic: str | None = None) -> list[tuple[Paper, str]]:
        """Papers of the rolling feed window with their cards' paths, newest day first: a quiet day never empties
        a feed."""
        papers: list[tuple[Paper, str]] = []
        for info in self.index.window:
            if topic is None or topic in info.counts:
                layout = self.plan.layout(info)
                papers.extend((p, layout.card_path(n, p.id)) for n, p in enumerate(self.loader.load(info).papers, 1)
                              if topic is None or topic in p.topics)
            if len(papers) >= self.site.feed_max_items:
                break
        return papers[: self.site.feed_max_items]

    def channel(self, target: Target, page: str, items: list[FeedItem]) -> dict[str, Any]:
        """What both feed templates show of the feed itself."""
        return {"site": self.site, "self_url": self.address.link(target.rel), "home": self.address.link(page),
                "id": self.address.feed_id(target.rel), "xml_base": self.address.xml_base(target.rel),
                "lang": language_tag(self.lang), "rss_lang": rss_language(self.lang),
                "tagline": localised(self.site.tagline, self.lang),
                "updated": max((i.updated for i in items), default=date(1970, 1, 1))}

    def atom_entries(self, items: list[FeedItem]) -> list[bytes]:
        """The items' Atom entries, each made once a render and gated as it is made (feed_bytes)."""
        made = self._atom
        for item in items:
            if item.paper.id not in made:
                made[item.paper.id] = xml_text(atom_entry(item)).encode("utf-8")
        return [made[item.paper.id] for item in items]

    def feed_bytes(self, template: str, entries: Sequence[bytes], **context: Any) -> bytes:
        """A feed: the template rendered around its entries (ENTRIES), its own text gated as the entries were when
        made (atom_entries), so that the whole is legal XML without a pass over it (the writer gates only a str)."""
        head, tail = self.env.get_template(template).render(entries=Markup(ENTRIES), **context).split(ENTRIES)
        return b"".join([xml_text(head).encode("utf-8"), *entries, xml_text(tail).encode("utf-8")])

    def atom(self, papers: list[tuple[Paper, str]], target: Target, title: str, page: str) -> None:
        """Write an Atom feed of papers (with their cards' paths) whose alternate is the page at `page`."""
        items = [self.item(paper, card) for paper, card in papers]
        self.write_atom(target, title, page, self.atom_entries(items), self.channel(target, page, items)["updated"])

    def write_atom(self, target: Target, title: str, page: str, entries: Sequence[bytes], updated: date) -> None:
        self.writer.write(target.rel, self.feed_bytes("atom.xml", entries, title=title, **{
            **self.channel(target, page, []), "updated": updated}), target.fingerprint)

    def rss(self, papers: list[tuple[Paper, str]], target: Target) -> None:
        items = [self.item(paper, card) for paper, card in papers]
        for item in items:
            if item.paper.id not in self._rss:
                self._rss[item.paper.id] = xml_text(rss_item(item)).encode("utf-8")
        description = localised(self.site.description if self.site.description else self.site.tagline, self.lang)
        self.writer.write(target.rel, self.feed_bytes(
            "rss.xml", [self._rss[item.paper.id] for item in items], description=description, items=items,
            **self.channel(target, "", items)), target.fingerprint)

    def site_feeds(self) -> None:
        """Write /feed.xml, and /rss.xml where the site has a base URL (see the module's docstring)."""
        atom, rss = self.plan.site_feeds()
        if atom.fresh and (rss.fresh or not self.site.base_url):
            return
        papers = self.window_papers()
        self.atom(papers, atom, self.site.title, "")
        if self.site.base_url:
            self.rss(papers, rss)

    def topic_feed(self, topic: str, name: str) -> None:
        """A topic's papers over the feed window (as window_papers), each day's entries kept across renders
        (site/blocks.py) as the bytes they went into the feed as: a new day makes only its own, where the feed of a
        quiet topic spans the whole window; a later version remakes only its paper's entry."""
        target = self.plan.topic_feed(topic)
        if target.fresh:
            return
        blocks = Blocks(self.writer.root, f"feed-{topic}")
        days = [(info, self.plan.feed_block_key(info, topic)) for info in self.index.window if topic in info.counts]
        entries = self.kept_days(blocks, days, lambda info, kept, marks: self.feed_block(info, topic, kept, marks))
        self.write_entries(target, f"{self.site.title} · {name}", f"topics/{topic}/", entries)
        blocks.save()

    def kept_days(self, blocks: Blocks, days: Sequence[tuple[DayInfo, str]],
                  make: Callable[[DayInfo, list[tuple[list[Any], bytes]], dict[str, list[Any]]],
                                 list[tuple[list[Any], bytes]]]) -> list[tuple[list[Any], bytes]]:
        """A feed's entries from its days (with their pieces' keys), newest first, at most feed_max_items: each day's
        as kept (kept_entries) where its papers' later versions (index.marks) are as they were, else made again by
        make(day, the entries kept, its marks)."""
        entries: list[tuple[list[Any], bytes]] = []
        for info, key in days:
            room = self.site.feed_max_items - len(entries)
            if room <= 0:
                break
            block = kept_entries(blocks.get(key), blocks.body(key))
            marks = {pid: [version, on] for pid, version, on in self.index.marks(info)}
            if block is None or any(marks.get(fields[1]) != fields[2] for fields, _ in block):
                block = make(info, block or [], marks)
                blocks.put(key, [fields for fields, _ in block], b"".join(data for _, data in block))
            entries.extend(block[:room])
        return entries

    def write_entries(self, target: Target, title: str, page: str, entries: list[tuple[list[Any], bytes]]) -> None:
        """Write an Atom feed of entries as kept_days gives them."""
        updated = max((date.fromisoformat(fields[0]) for fields, _ in entries), default=date(1970, 1, 1))
        self.write_atom(target, title, page, [data for _, data in entries], updated)

    def feed_block(self, info: DayInfo, topic: str, kept: list[tuple[list[Any], bytes]],
                   marks: dict[str, list[Any]]) -> list[tuple[list[Any], bytes]]:
        """A day's entries in a topic feed (day_entries of its papers on the topic)."""
        return self.day_entries(self.plan.layout(info), ((n, p) for n, p in enumerate(self.loader.load(info).papers, 1)
                                                         if topic in p.topics), kept, marks)

    def day_entries(self, layout: DayLayout, papers: Iterable[tuple[int, Paper]], kept: list[tuple[list[Any], bytes]],
                    marks: dict[str, list[Any]]) -> list[tuple[list[Any], bytes]]:
        """A day's entries in a feed (papers: their numbers on the day), as kept_entries gives them: those kept whose
        paper's later version (marks) is as it was, the others made (a paper's entry shows its latest version:
        FeedItem.updated, content_html)."""
        still = {fields[1]: (fields, data) for fields, data in kept if marks.get(fields[1]) == fields[2]}
        block = []
        for n, p in papers:
            if (entry := still.get(p.id)) is None:
                item = self.item(p, layout.card_path(n, p.id))
                data = self.atom_entries([item])[0]
                entry = ([item.updated.isoformat(), p.id, marks.get(p.id), len(data)], data)
            block.append(entry)
        return block

    def briefing_feed(self, plain: Callable[..., str]) -> None:
        """Write /briefing.xml: an Atom feed of the daily briefings over the feed window, newest first."""
        target = self.plan.briefing_feed()
        if target.fresh:
            return
        items: list[dict[str, Any]] = []
        texts = Blocks(self.writer.root, "briefing-feed")   # each day's text, kept: the window's days read once
        for info in self.index.window:
            key = self.plan.briefing_block_key(info)
            text = texts.get(key) or [self.briefings.feed_text(self.loader.load(info))]
            texts.put(key, text)
            items.append({"day": info.day, "url": self.address.link(f"{info.day.isoformat()}/"),
                          "id": self.address.entry_id(f"briefing/{info.day.isoformat()}/{self.lang}", info.day),
                          "text": text[0]})
        self.text_feed(target, f"{self.site.title} · {plain('briefing')}", "", items, plain)
        texts.save()

    def week_feed(self, target: Target, title: str, items: list[tuple[str, date, date, str]],
                  plain: Callable[..., str]) -> None:
        """Write /weeks/feed.xml: one entry per week (week, its first and latest day, its briefing as HTML, whose
        citations link to their cards), newest first. An entry's id is dated on the week's first day, and its
        `updated` moves with each day the week gains."""
        self.text_feed(target, title, "weeks/", [
            {"day": latest, "published": first, "title": plain("week_title", week=week),
             "url": self.address.link(f"weeks/{week}/"), "id": self.address.entry_id(f"week/{week}/{self.lang}", first),
             "html": markup} for week, first, latest, markup in items], plain)

    def text_feed(self, target: Target, title: str, page: str, items: list[dict[str, Any]],
                  plain: Callable[..., str]) -> None:
        """Write an Atom feed of briefing entries, each plain text or (a week's) HTML (templates/briefing.xml),
        newest first."""
        self.writer.write(target.rel, self.env.get_template("briefing.xml").render(
            plain=plain, title=title, items=items,
            **{**self.channel(target, page, []), "updated": items[0]["day"] if items else date(1970, 1, 1)}),
            target.fingerprint)
