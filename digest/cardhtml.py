"""A paper's card and compact entry as HTML, built in Python: a Jinja macro call per card was half of a full render."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import quote, urlsplit

from markupsafe import Markup

from .clean import safe_url
from .radar import folded_text, keys

if TYPE_CHECKING:   # render.py holds the Card and imports this module
    from .papers import Paper
    from .render import Card


def host(url: str) -> str:
    """The host name a link points at, without a leading www. (the "also at" line names it)."""
    return (urlsplit(url).hostname or url).removeprefix("www.")


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


def card_html(c: "Card", root: str, t: Callable[..., str], tt: Callable[..., Markup]) -> Markup:
    """Return the card's <article>: every feed-born text escaped, every link re-checked by safe_url."""
    paper = c.paper
    iso = paper.day.isoformat()
    meta = [f'<span class="label">{escape(c.label)}</span> <time datetime="{iso}">{iso}</time>']
    if paper.announce == "cross":
        meta.append(f' <span class="tag">{tt("cross_list")}</span>')
    if paper.version and paper.version > 1:
        meta.append(f' <span class="tag">v{escape(paper.version)}</span>')
    if c.update:
        meta.append(f' <span class="tag updated">{escape(c.update)}</span>')
    if c.radar:
        meta.append(f' <span class="radar-mark">{tt("radar_mark")}: {escape(", ".join(c.radar))}</span>')
    title = escape(paper.title)
    if c.url:
        title = f'<a href="{escape(c.url)}" rel="noopener">{title}</a>'
    out = [f'<article class="card{" radar" if c.radar else ""}" id="{escape(paper.id)}" data-day="{iso}" '
           f'data-authors="{escape("|".join(c.authors))}" data-keys="{escape(keys(c.authors))}" '
           f'data-words="{escape(folded_text(paper.title, paper.abstract))}">\n',
           f'  <p class="num">{escape(c.number)}.</p>\n',
           f'  <p class="meta">{"".join(meta)}</p>\n',
           f'  <h2 class="title">{title}</h2>\n']
    for link in paper.links:
        checked = safe_url(link)
        if checked:
            out.append(f'  <p class="also"><a href="{escape(checked)}" rel="noopener">'
                       f'{escape(t("also_at", host=host(checked)))}</a></p>\n')
    if c.authors:
        names = ", ".join([author_link(root, a) for a in c.authors])
        out.append(f'  <p class="authors"><span class="k">{tt("authors")}:</span> {names}</p>\n')
    if c.summary:
        others = "".join(f' data-summary-{escape(lang)}="{escape(text)}"' for lang, text in c.other_summaries)
        out.append(f'  <p class="summary"{others}>{escape(c.summary)}</p>\n')
    out.append(f'  <p class="note">{escape(c.summary_note)}</p>\n')
    if paper.abstract and paper.abstract != c.summary:
        label = tt("standfirst") if paper.abstract_kind == "standfirst" else tt("show_abstract")
        out.append(f'  <details class="abstract"><summary>{label}</summary><p>{escape(paper.abstract)}</p></details>\n')
    if c.topics:
        badges = "".join(
            (f'<a class="badge" href="{escape(href)}" data-i18n="topic.{escape(tid)}">{escape(name)}</a> ' if href
             else f'<span class="badge plain">{escape(name)}</span> ') for tid, name, href in c.topics)
        out.append(f'  <p class="topics">{badges}</p>\n')
    out.append("</article>\n")
    return Markup("".join(out))


def card_fragment(paper_id: str) -> str:
    """Return "#<id>" for a link to a paper's card. A browser percent-decodes a fragment before it looks the id
    up, so the one character an id may hold that would change (`%`, in a DOI or a link) is written `%25`."""
    return "#" + paper_id.replace("%", "%25")


def entry_html(number: int, p: "Paper", href: str, hits: tuple[str, ...] = (), summary: str = "") -> Markup:
    """A compact entry linking to the paper's card (topic, day-and-topic and radar pages): never the abstract."""
    out = [f'<li class="entry{" radar" if hits else ""}" data-authors="{escape("|".join(p.authors))}" '
           f'data-keys="{escape(keys(p.authors))}" data-words="{escape(folded_text(p.title, p.abstract))}">'
           f'<span class="n">{number:02d}.</span> <a href="{escape(href)}">{escape(p.title)}</a>']
    if p.authors:
        more = " et al." if len(p.authors) > 3 else ""
        out.append(f' <span class="by">{escape(", ".join(p.authors[:3]))}{more}</span>')
    if hits:
        out.append(f' <span class="radar-mark">{escape(", ".join(hits))}</span>')
    if summary:
        out.append(f'<br><span class="sum">{escape(summary)}</span>')
    out.append("</li>\n")
    return Markup("".join(out))


def topic_badges(root: str, iso: str, counts: list[tuple[str, str, int]], current: str | None = None) -> Markup:
    """A day's topic badges with their counts, linking to its day-and-topic pages (current: the page's own topic)."""
    out = []
    for tid, name, n in counts:
        mark, aria = (" current", ' aria-current="page"') if tid == current else ("", "")
        out.append(f'<a class="badge{mark}" href="{escape(root)}{iso}/{escape(tid)}/"{aria}>'
                   f'<span data-i18n="topic.{escape(tid)}">{escape(name)}</span> <span class="count">{n}</span></a> ')
    return Markup("".join(out))


def atom_entry(item: dict[str, Any]) -> Markup:
    """One feed item as an Atom <entry>, built once per paper: the site's and its topics' feeds share it."""
    paper = item["paper"]
    iso = paper.day.isoformat()
    version = f"v{escape(paper.version)}" if paper.version else ""
    out = ["  <entry>\n", f"    <id>{escape(paper.id)}{version}</id>\n", f"    <title>{escape(paper.title)}</title>\n",
           f'    <link rel="alternate" type="text/html" href="{escape(item["link"])}"/>\n',
           f"    <published>{iso}T00:00:00Z</published>\n", f"    <updated>{iso}T00:00:00Z</updated>\n"]
    out += [f"    <author><name>{escape(a)}</name></author>\n" for a in paper.authors or (item["label"],)]
    out += [f'    <category term="{escape(name)}"/>\n' for name in item["topics"]]
    out.append(f'    <summary type="text">{escape(item["summary"])}</summary>\n  </entry>\n')
    return Markup("".join(out))
