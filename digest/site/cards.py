"""The card, the product's main artifact: its record, built from a paper, and its HTML, built in Python.

A Jinja macro call per card was half of a full render, and this builder is about ten times faster. Compact
entries (topic, day-and-topic and radar pages) and the topic badges are built here the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from markupsafe import Markup

from ..clean import clip, first_sentences, safe_url
from ..papers import Paper, pdf_url
from ..radar import keys
from .cite import coins
from .index import DayIndex, RadarIndex
from .layout import ABSTRACT_SHOWN, AUTHORS_SHOWN, ENTRY_AUTHORS, ENTRY_TITLE, SUMMARY_SHOWN, card_fragment
from .mathml import text_html


@dataclass(frozen=True)
class Card:
    number: str
    paper: Paper
    url: str           # the paper's link, re-checked here: only http(s) ever reaches a page
    label: str
    authors: tuple[str, ...]
    summary: str       # an LLM's summary in the default language; "" without one (the card shows the abstract)
    topics: tuple[tuple[str, str, str | None], ...]  # (id, name, href or None)
    update: str | None
    radar: tuple[str, ...] = ()                       # the owner's radar authors/keywords it matches
    other_summaries: tuple[tuple[str, str], ...] = ()  # (language, text) beside the rendered one
    pdf: str = ""                                     # the paper's PDF where its source has one (papers.pdf_url)
    provenance: str = ""                              # HTML: who wrote the summary, when, from what; a report link
    related: tuple[tuple[str, str], ...] = ()          # (href, title): papers of other fields near it (vectors.py)


# A URL's scheme and authority, as urlsplit finds them (it drops tabs and newlines: none is taken here).
_AUTHORITY = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/?#\t\r\n]*(?=[/?#]|\Z)")


@lru_cache(maxsize=1 << 10)
def _hostname(authority: str) -> str | None:
    return urlsplit(authority).hostname


def host(url: str) -> str:
    """The host name a link points at, without a leading www. (the "also at" line names it)."""
    # Every feed entry names its paper's host: urlsplit once per site it links to, not once per link.
    found = _AUTHORITY.match(url)
    name = _hostname(found.group()) if found else urlsplit(url).hostname
    return (name or url).removeprefix("www.")


def _escape_text(text: str) -> str:
    return (text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
            .replace("'", "&#39;").replace('"', "&#34;"))


try:   # MarkupSafe 3's C escaper returns a plain str: a card escapes about twenty fields, a year 2 million
    from markupsafe._speedups import _escape_inner as _escape_str
except ImportError:   # MarkupSafe 2, or no C extension: the same output in Python
    _escape_str = _escape_text


def escape(value: Any) -> str:
    """markupsafe.escape's exact output as a plain str: building a Markup per field cost more than the card."""
    if type(value) is str:
        return _escape_str(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return _escape_str(str(value))


@lru_cache(maxsize=1 << 16)
def author_link(root: str, name: str) -> str:
    """One author's link to the search page (authors recur across days, so each is built once)."""
    return (f'<a class="author" href="{escape(root)}search/?author={escape(quote(name, safe="/"))}" '
            f'data-author="{escape(name)}">{escape(name)}</a>')


# A new day's paper is shown as a card, an entry on its day-and-topic pages and one on its topics' pages: its title's
# HTML (math typeset) and its authors' attributes are made once, for all three (a day's 1,200 papers fit the caches).
@lru_cache(maxsize=1 << 12)
def title_html(title: str) -> str:
    """A paper's title as HTML (text_html)."""
    return text_html(title)


@lru_cache(maxsize=1 << 12)
def author_data(names: tuple[str, ...]) -> str:
    """A card's or entry's author attributes: the names as written (the author filter) and folded (radar.keys)."""
    return f'data-authors="{escape("|".join(names))}" data-keys="{escape(keys(names))}"'


def card_html(c: Card, root: str, plain: Callable[..., str], tagged: Callable[..., Markup]) -> Markup:
    """Return the card's <article>: every feed-born text escaped, every link re-checked by safe_url."""
    paper = c.paper
    iso = paper.day.isoformat()
    meta = [f'<span class="label">{escape(c.label)}</span> <time datetime="{iso}">{iso}</time>']
    if paper.announce == "cross":
        meta.append(f' <span class="tag">{tagged("cross_list")}</span>')
    if paper.version and paper.version > 1:
        meta.append(f' <span class="tag">v{escape(paper.version)}</span>')
    if c.update:
        meta.append(f' <span class="tag updated">{escape(c.update)}</span>')
    if c.radar:
        meta.append(f' <span class="radar-mark">{tagged("radar_hits", names=", ".join(c.radar))}</span>')
    title = title_html(paper.title)
    if c.url:
        title = f'<a href="{escape(c.url)}" rel="noopener">{title}</a>'
    pid = escape(paper.id)
    # The number is the card's permalink (a linked card is highlighted by :target, static/style.css).
    out = [f'<article class="card{" radar" if c.radar else ""}" id="{pid}" data-day="{iso}" '
           f'{author_data(c.authors)}>\n',
           f'  <p class="num"><a href="{escape(card_fragment(paper.id))}">{escape(c.number)}.</a></p>\n',
           f'  <p class="meta">{"".join(meta)}</p>\n',
           f'  <h2 class="title">{title}</h2>\n']
    for link in paper.links:
        checked = safe_url(link)
        if checked:
            out.append(f'  <p class="also"><a href="{escape(checked)}" rel="noopener">'
                       f'{escape(plain("also_at", host=host(checked)))}</a></p>\n')
    if c.authors:
        # A collaboration's hundreds of names stay in data-authors (the filter finds them); links for the first.
        names = ", ".join([author_link(root, a) for a in c.authors[:AUTHORS_SHOWN]]) + more_count(c.authors, AUTHORS_SHOWN)
        out.append(f'  <p class="authors"><span class="k">{tagged("authors_label")}</span> {names}</p>\n')
    if c.summary:
        others = "".join(f' data-summary-{escape(lang)}="{escape(text_html(clip(text, SUMMARY_SHOWN)))}"'
                         for lang, text in c.other_summaries)   # as HTML, math as MathML: lang.js shows one
        out.append(f'  <p class="summary"{others}>{text_html(clip(c.summary, SUMMARY_SHOWN))}</p>\n')
        out.append(c.provenance)
    if paper.abstract:
        # The abstract once, in place: clamped to a few lines on screen (with scripts on, which add "more"), whole
        # with scripts off and in print. Clipped, so that one card always fits a page (layout.py weighs it).
        shown = text_html(clip(paper.abstract, ABSTRACT_SHOWN))
        # Labelled where a summary precedes it, and a journal's teaser always; outside the <p>, whose text is the
        # paper's own (a keyword follow reads it: static/js/radar.js).
        standfirst = paper.abstract_kind == "standfirst"
        label = (f'<span class="k">{tagged("standfirst" if standfirst else "abstract")}</span>'
                 if c.summary or standfirst else "")
        out.append(f'  <div class="abstract">{label}<p>{shown}</p></div>\n')
    # Actions: the paper's page and PDF here; copy link and citations are added by static/js/cardtools.js.
    actions = [f'<a href="{escape(c.url)}" rel="noopener">{tagged("abstract_page")}</a>'] if c.url else []
    if c.pdf:
        actions.append(f'<a href="{escape(c.pdf)}" rel="noopener">PDF</a>')
    out.append(f'  <p class="actions">{" ".join(actions)}</p>\n')
    if c.topics:
        badges = "".join(
            (f'<a class="badge" href="{escape(href)}" data-i18n="topic.{escape(tid)}">{escape(name)}</a> ' if href
             else f'<span class="badge plain">{escape(name)}</span> ') for tid, name, href in c.topics)
        out.append(f'  <p class="topics">{badges}</p>\n')
    # The related papers across fields, if any; then COinS: what Zotero's connector reads to save any card (site/cite.py).
    out.append(f'{related_line(c.related, tagged)}  <span class="Z3988" title="{escape(coins(paper, c.label))}"></span>\n</article>\n')
    return Markup("".join(out))


def related_line(links: Sequence[tuple[str, str]], tagged: Callable[..., Markup]) -> str:
    """A card's "Related across fields" line: links to the other cards, by title ("" without any)."""
    if not links:
        return ""
    shown = " · ".join(f'<a href="{escape(href)}">{text_html(title)}</a>' for href, title in links)
    return f'  <p class="related">{tagged("related_label")} {shown}</p>\n'


def more_count(names: Sequence[str], shown: int) -> str:
    """The count of the names beyond the first `shown` (" +260"), or "" when all are shown."""
    return f" +{len(names) - shown}" if len(names) > shown else ""


def compact_entry(p: Paper) -> str:
    """A compact day's entry (in an <ol> numbered from its first): the card's id, so links to the card land here,
    the title linked to the paper, and the first authors' names. Not linked: three author links were 40 % of an
    entry, ~130 MB of a three-year site, and the search page finds an author's papers from any name."""
    url = safe_url(p.url)
    title = text_html(clip(p.title, ENTRY_TITLE))
    if url:
        title = f'<a href="{escape(url)}">{title}</a>'
    by = escape(", ".join(p.authors[:ENTRY_AUTHORS]))
    by = f' <span class="by">{by}{more_count(p.authors, ENTRY_AUTHORS)}</span>' if by else ""
    return f'<li id="{escape(p.id)}">{title}{by}</li>\n'


def entry_html(number: int, p: Paper, href: str, hits: tuple[str, ...] = (), summary: str = "") -> Markup:
    """A compact entry linking to the paper's card (topic, day-and-topic and radar pages): never the abstract."""
    out = [f'<li class="entry{" radar" if hits else ""}" {author_data(p.authors)}>'
           f'<span class="n">{number:02d}.</span> <a href="{escape(href)}">{title_html(p.title)}</a>']
    if p.authors:
        more = " et al." if len(p.authors) > 3 else ""
        out.append(f' <span class="by">{escape(", ".join(p.authors[:3]))}{more}</span>')
    if hits:
        out.append(f' <span class="radar-mark">{escape(", ".join(hits))}</span>')
    if summary:
        out.append(f'<br><span class="sum">{text_html(summary)}</span>')
    out.append("</li>\n")
    return Markup("".join(out))


def topic_badges(root: str, iso: str, counts: list[tuple[str, str, int]], current: str | None = None,
                 linked: bool = True) -> Markup:
    """A day's topic badges with their counts, linking to its day-and-topic pages (current: the page's own topic;
    linked False: a compact day's, which has no day-and-topic pages)."""
    out = []
    for tid, name, n in counts:
        inner = f'<span data-i18n="topic.{escape(tid)}">{escape(name)}</span> <span class="count">{n}</span>'
        if not linked:
            out.append(f'<span class="badge plain">{inner}</span> ')
            continue
        mark, aria = (" current", ' aria-current="page"') if tid == current else ("", "")
        out.append(f'<a class="badge{mark}" href="{escape(root)}{iso}/{escape(tid)}/"{aria}>{inner}</a> ')
    return Markup("".join(out))


# A compact entry's summary: 160 characters of text, then the ellipsis clip() counts in its limit.
SHORT_SUMMARY_CHARS = 161


class CardBuilder:
    """Turns papers into cards (and their HTML) in the site's default language; owns the caches only cards use."""

    def __init__(self, lang: str, languages: Sequence[str], plain: Callable[..., str], tagged: Callable[..., Markup],
                 topic_names: Mapping[str, str], labels: Mapping[str, str], days: DayIndex, radar: RadarIndex,
                 repository: str = ""):
        self.lang, self.languages = lang, tuple(languages)
        self.plain, self.tagged = plain, tagged
        self.topic_names = topic_names     # configured topics only: others get a plain badge
        self.labels = labels               # source id -> its label
        self.days, self.radar = days, radar
        self.repository = repository       # "owner/name": where a wrong summary is reported ("" = no link)
        # abstract -> its first sentences: entries, feeds and search show them, so each is cut once.
        # The feed window's stay for the whole render; another day's only while that day's papers are asked for.
        self._firsts: dict[str, str] = {}
        self._day_firsts: tuple[date | None, dict[str, str]] = (None, {})
        # A paper's related papers across fields (site/related.py): paths from the root and titles.
        self.related: Callable[[Paper], tuple[tuple[str, str], ...]] = lambda paper: ()

    def llm_summary(self, paper: Paper) -> str:
        """The LLM's summary in the default language (else in another one), or "" when the paper has none."""
        return paper.summary.get(self.lang) or next(iter(paper.summary.values()), "")

    def summary_of(self, paper: Paper) -> tuple[str, str]:
        """The summary entries, feeds and search show in the default language, and the kind it is ("llm", or
        "extractive": the abstract's opening; "" without an abstract or with a standfirst). A card shows the abstract itself instead
        of the extract, which would repeat its opening."""
        if paper.summary:
            return self.llm_summary(paper), "llm"
        if not paper.abstract or paper.abstract_kind == "standfirst":   # none (only placeholders), or a teaser
            return "", ""
        if paper.day in self.days.shared:
            cache = self._firsts
        else:
            if self._day_firsts[0] != paper.day:
                self._day_firsts = (paper.day, {})
            cache = self._day_firsts[1]
        cut = cache.get(paper.abstract)
        if cut is None:
            cut = cache[paper.abstract] = first_sentences(paper.abstract)
        return cut, "extractive"

    def summary_kind(self, papers: Sequence[Paper]) -> Markup:
        """What kind of summary a page of cards shows, said once for the page (not on each card)."""
        models = sorted({p.summary_model or "LLM" for p in papers if p.summary})
        if models:
            return self.tagged("summary_kind_llm", model=", ".join(models))
        return self.tagged("summary_kind_abstract")

    def provenance(self, paper: Paper) -> str:
        """An LLM summary's provenance, behind its model's name (a <details>: keyboard, touch, no script): which
        model wrote it, when, from what, with which prompt; and a prefilled issue to report a wrong one."""
        model, prompt = paper.summary_model or "LLM", paper.summary_prompt or "?"
        written = paper.summary_at.isoformat() if paper.summary_at else "?"
        said = self.tagged("summary_provenance", model=model, day=written, prompt=prompt)
        report = ""
        if self.repository:
            query = urlencode({"title": f"Wrong summary: {paper.id}",
                               "body": f"Paper: {paper.id} {paper.url}\nSummary by {model}, prompt {prompt}, "
                                       f"written {written}\n\nWhat is wrong:\n"})
            href = f"https://github.com/{self.repository}/issues/new?{query}"
            report = f' <a class="report" href="{escape(href)}" rel="noopener">{self.tagged("report_summary")}</a>'
        return (f'  <details class="prov"><summary>{self.tagged("summary_llm", model=model)}</summary>'
                f'<p>{said}{report}</p></details>\n')

    def short_summary(self, paper: Paper) -> str:
        """The card's summary cut to a line or two, for compact entries and the search index."""
        return clip(self.summary_of(paper)[0], SHORT_SUMMARY_CHARS)

    def label_of(self, paper: Paper) -> str:
        """The label of the paper's first source (its card's and feed item's)."""
        return self.labels.get(paper.sources[0], paper.sources[0]) if paper.sources else ""

    def topic_name(self, topic: str) -> str:
        return self.topic_names.get(topic, topic)

    def card(self, number: int, paper: Paper, root: str) -> Card:
        summary = self.llm_summary(paper)
        topics = tuple((tid, self.topic_name(tid), f"{root}topics/{tid}/" if tid in self.topic_names else None)
                       for tid in paper.topics)
        later = self.days.update_of(paper)
        update = self.tagged("updated_to", version=later[0], day=later[1].isoformat()) if later else None
        others = tuple((lang, paper.summary[lang]) for lang in self.languages
                       if lang != self.lang and paper.summary.get(lang) and paper.summary[lang] != summary)
        return Card(f"{number:02d}", paper, safe_url(paper.url), self.label_of(paper), paper.authors, summary,
                    topics, update, self.radar.hits(paper), others, safe_url(pdf_url(paper) or ""),
                    self.provenance(paper) if summary else "",
                    tuple((root + path, title) for path, title in self.related(paper)))

    def cards_html(self, papers: Iterable[Paper], root: str, start: int = 1) -> Markup:
        """A day page's cards as HTML, numbered from `start` (01 on the day's first page), one per line."""
        return Markup("".join(f"{card_html(self.card(i, p, root), root, self.plain, self.tagged)}\n"
                              for i, p in enumerate(papers, start)))

    def compact_html(self, papers: Sequence[Paper], start: int) -> Markup:
        """A compact day page's entries, numbered from `start`, in one numbered list per run of a source (its
        label said once, where a card says it on every card)."""
        out: list[str] = []
        label = None
        for number, p in enumerate(papers, start):
            if not out or self.label_of(p) != label:
                label = self.label_of(p)
                out.append(f'{"</ol>" if out else ""}<h2 class="source">{escape(label)}</h2>\n'
                           f'<ol class="digest" start="{number}">\n')
            out.append(compact_entry(p))
        return Markup("".join(out) + ("</ol>\n" if out else ""))
