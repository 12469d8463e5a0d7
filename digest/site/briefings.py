"""The render half of the daily briefing: Markdown made safe for a page, plain text for feeds, the offline briefing.

`Briefings` picks each day's briefing for each reader's language, once per day; the prompt half (what the LLM is
asked) is digest/briefing.py, used by the summarize stage.
"""

from __future__ import annotations

import hashlib
import html
import inspect
import re
from collections import Counter
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

import markdown
import nh3

from ..archive import Briefing, Day
from ..clean import shown_text, split_math
from ..config import Radar, Topic
from ..i18n import Message, choose, translator
from ..papers import Paper
from ..radar import radar_hits
from .layout import card_fragment
from .mathml import markup_math

_LINKED = re.compile(r"\[(\d{1,4})\]\(#([^)\s]+)\)")
_TAGS = {"p", "ul", "ol", "li", "strong", "em", "b", "i", "a", "h3", "h4", "code", "blockquote", "br", "hr"}


@lru_cache(maxsize=1)
def _markdown() -> markdown.Markdown:
    """Return the one Markdown converter (built once: a long archive renders hundreds of briefings)."""
    md = markdown.Markdown(output_format="html")
    md.preprocessors.deregister("html_block")   # raw HTML in LLM output is shown as text, never parsed
    md.inlinePatterns.deregister("html")
    return md


def _sanitise(markup: str, card_ids: Iterable[str]) -> str:
    """Return markup cleaned by nh3: the briefing's few tags, and links only to the given cards of the page."""
    allowed = {card_fragment(card_id) for card_id in card_ids}

    def keep(tag: str, attr: str, value: str) -> str | None:
        return value if tag == "a" and attr == "href" and value in allowed else None

    return nh3.clean(markup, tags=_TAGS, attributes={"a": {"href"}}, url_schemes={"http", "https"},
                     attribute_filter=keep, link_rel=None, strip_comments=True)


_MATH_MARK = "ahbriefingmath"   # letters only: Markdown leaves them alone


def to_html(text: str, anchors: Mapping[str, str]) -> str:
    """Render briefing Markdown to safe HTML: raw HTML off, links only to the page's cards, then sanitised."""

    def renumber(match: re.Match[str]) -> str:
        number = anchors.get(match.group(2))
        return f"[{number}]({card_fragment(match.group(2))})" if number else f"\\[{match.group(1)}\\]"

    # Math is kept from Markdown, which would read `\(` as an escaped `(` and `*` as emphasis: each span waits
    # under a placeholder and comes back as written (escaped); the page gets it as MathML (mathml.markup_math).
    pieces = split_math(text)
    spans = pieces[1::2]
    text = "".join(piece if i % 2 == 0 else f"{_MATH_MARK}{i // 2}x" for i, piece in enumerate(pieces))
    text = _LINKED.sub(renumber, text)
    markup = _markdown().reset().convert(text)
    if spans:   # a mark the text itself held (a number past the spans) stays as it was
        markup = re.sub(f"{_MATH_MARK}(\\d+)x", lambda m: html.escape(spans[int(m.group(1))], quote=False)
                        if int(m.group(1)) < len(spans) else m.group(0), markup)
    # Gated last: a character reference in the Markdown (`&#1;`, `&#xFFFE;`, from a model or a hand-edited file)
    # comes out of the HTML parser in nh3 as the character itself, which no XML feed may carry (nor DEL or a C1
    # control, which XML allows, a page: the Nu Html Checker refuses them).
    return shown_text(_sanitise(re.sub(r"<(/?)h[12]>", r"<\1h3>", markup), anchors))


def cited(text: str) -> set[str]:
    """Return the ids of the cards a stored briefing's Markdown links ([03](#id), as briefing.link_cards wrote them)."""
    return {match.group(2) for match in _LINKED.finditer(text)}


def plain_text(markup: str) -> str:
    """Return a briefing's sanitised HTML as plain text (for feeds, whose readers must get no markup)."""
    markup = re.sub(r"</(p|li|h3|h4|blockquote)>", "\n", re.sub(r"<li>", "• ", markup))
    plain = shown_text(html.unescape(nh3.clean(markup, tags=set())))   # unescaping can make characters too
    return re.sub(r"\n{3,}", "\n\n", "\n".join(line.strip() for line in plain.splitlines())).strip()


# -- the offline briefing -------------------------------------------------------------------------

# Written as HTML, not Markdown: the values filled in are escaped with html.escape, so a feed's title stays
# text without a Markdown round-trip (which cost most of a long archive's briefing time). Counted texts are plural
# messages and the Chinese follows digest/i18n.py's typography (no typed space beside Chinese, full-width marks).
OFFLINE: dict[str, dict[str, Message]] = {
    "en": {"intro": "<strong>Offline briefing</strong>: no language model is configured, so these are counts taken "
                    "from the day's papers, not an analysis.",
           "week_intro": "<strong>Offline briefing</strong>: counts taken from the week's papers, not an analysis.",
           "papers": {"=1": "<strong>{count} paper</strong> in {topics} topic: {list}",
                      "other": "<strong>{count} papers</strong> across {topics} topics: {list}"},
           "themes": "<strong>Most frequent themes</strong> in the titles: {list}",
           "across": {"=1": "<strong>Across fields</strong>: {count} paper is listed under more than one topic: {list}",
                      "other": "<strong>Across fields</strong>: {count} papers are listed under more than one topic, "
                               "such as {list}"},
           "radar": {"=1": "<strong>Radar</strong>: {count} paper matches: {list}",
                     "other": "<strong>Radar</strong>: {count} papers match: {list}"},
           "topic": "{name} {count}", "names": " ({names})", "and": ", ", "then": "; "},
    "zh": {"intro": "<strong>离线简报</strong>：尚未配置大语言模型，以下为当天论文的统计，并非分析。",
           "week_intro": "<strong>离线简报</strong>：以下为本周论文的统计，并非分析。",
           "papers": "<strong>{count}篇论文</strong>，涉及{topics}个主题：{list}",
           "themes": "<strong>标题中最常见的主题</strong>：{list}",
           "across": "<strong>跨领域</strong>：{count}篇论文同时属于多个主题，例如{list}",
           "radar": "<strong>雷达</strong>：{count}篇论文匹配：{list}",
           "topic": "{name}（{count}）", "names": "（{names}）", "and": "、", "then": "；"},
}
SHOW_ACROSS, SHOW_RADAR = 3, 5   # cross-listed papers and radar matches named in the briefing

_STOP = set("""a an the of for and or in on to with by from at as is are be via using use based towards toward into
over under than its their our we new novel approach approaches method methods study analysis data
framework results through between among across without within can do does not no vs versus case large small
high low two one multi non effect effects role evidence i ii iii based-on -based""".split())
_TOKEN = re.compile(r"[a-z][a-z0-9\-]*[a-z0-9]|[a-z]|\n")   # words, and the line breaks between titles


def themes(titles: Iterable[str], limit: int = 8) -> list[tuple[str, int]]:
    """Return the most frequent two-word and one-word terms of the titles, with how often they occur."""
    # One regex pass over all titles at once and each distinct word judged once: this runs for every day of a long
    # archive. A word seen once can be neither a theme nor in a pair seen twice, so it is dropped before pairing.
    tokens = _TOKEN.findall("\n".join(titles).lower())
    counted = Counter(tokens)
    kept = {w: w if n > 1 and _candidate(w) else "" for w, n in counted.items()}
    keep = list(map(kept.__getitem__, tokens))   # a dropped word (or a title's end) breaks a pair
    return chosen_themes(counted, Counter(f"{a} {b}" for a, b in zip(keep, keep[1:]) if a and b), limit)


def _candidate(word: str) -> bool:
    """Whether a word may make a theme (seen more than once besides)."""
    return len(word) > 2 and word not in _STOP


def title_terms(titles: Iterable[str]) -> tuple[dict[str, int], dict[str, int]]:
    """Return the words of some titles and their neighbouring pairs of candidate words, each with how often it occurs,
    in first-seen order: the themes of several days' titles are chosen from the sums of their days' (themes_of)."""
    tokens = _TOKEN.findall("\n".join(titles).lower())
    counted = Counter(tokens)
    counted.pop("\n", None)   # a title's end: never a theme, and it breaks a pair
    candidate = {w for w in counted if _candidate(w)}
    return dict(counted), dict(Counter(f"{a} {b}" for a, b in zip(tokens, tokens[1:]) if a in candidate and b in candidate))


def themes_of(parts: Iterable[tuple[Mapping[str, int], Mapping[str, int]]], limit: int = 8) -> list[tuple[str, int]]:
    """Return themes() of the titles of several days, in order, from each day's title_terms()."""
    parts = list(parts)
    counted: Counter[str] = Counter()
    for words, _ in parts:
        counted.update(words)
    seen = {w for w, n in counted.items() if n > 1}
    pairs: Counter[str] = Counter()
    for _, found in parts:   # a pair counts where both its words are seen more than once in all the titles
        pairs.update({term: n for term, n in found.items() for a, _, b in (term.partition(" "),) if a in seen and b in seen})
    return chosen_themes(counted, pairs, limit)


def chosen_themes(counted: Mapping[str, int], pairs: Mapping[str, int], limit: int) -> list[tuple[str, int]]:
    """The themes among words (counted) and pairs of words seen more than once: the commonest pairs, then words."""
    # Stable sorts keep ties in first-seen order, as Counter.most_common does.
    chosen = sorted(((term, n) for term, n in pairs.items() if n > 1), key=lambda item: -item[1])[: limit // 2]
    used = {w for term, _ in chosen for w in term.split()}
    words = sorted(((w, n) for w, n in counted.items() if n > 1 and _candidate(w)), key=lambda item: -item[1])[: limit * 2]
    chosen += [(w, n) for w, n in words if w not in used][: limit - len(chosen)]
    return sorted(chosen, key=lambda item: (-item[1], item[0]))


@lru_cache(maxsize=1)
def themes_version() -> str:
    """What themes() found holds only for its rule: its code, stop words and word pattern (the day index keeps it)."""
    rule = (inspect.getsource(themes), inspect.getsource(chosen_themes), inspect.getsource(_candidate), sorted(_STOP),
            _TOKEN.pattern)   # source text: stable across processes
    return hashlib.blake2b(repr(rule).encode(), digest_size=8).hexdigest()


@dataclass(frozen=True)
class Counts:
    """What the offline briefing says about a day, in every language: counted once per day."""
    papers: int
    topics: tuple[tuple[str, int], ...]                       # topic id, papers; most first
    themes: tuple[tuple[str, int], ...]
    across: int                                               # papers under more than one topic
    across_shown: tuple[tuple[int, Paper, tuple[str, ...]], ...]   # card number, paper, its topic ids
    radar: int                                                # papers the radar matches
    radar_shown: tuple[tuple[int, Paper, tuple[str, ...]], ...]    # card number, paper, what it matched


def count(papers: Sequence[Paper], topic_ids: Container[str],
          radar: Radar | Callable[[Paper], tuple[str, ...]] | None = None,
          known_themes: Sequence[tuple[str, int]] | None = None) -> Counts:
    """Return the day's offline-briefing counts: topics, frequent title themes (known_themes: themes() of the titles, as
    the day index keeps them), cross-listed papers, radar matches."""
    # The renderer passes its own cached matcher: the keyword search is the costly part of a long archive.
    match = radar if callable(radar) else (lambda p: radar_hits(p, radar) if radar else ())
    listed: list[str] = []
    across: list[tuple[int, Paper, tuple[str, ...]]] = []
    hits: list[tuple[int, Paper, tuple[str, ...]]] = []
    n_across = n_hits = 0
    for number, paper in enumerate(papers, 1):
        mine = [t for t in paper.topics if t in topic_ids]
        listed += mine
        if len(mine) > 1 and len(set(mine)) > 1:
            n_across += 1
            if len(across) < SHOW_ACROSS:
                across.append((number, paper, tuple(mine)))
        if found := match(paper):
            n_hits += 1
            if len(hits) < SHOW_RADAR:
                hits.append((number, paper, found))
    topics = Counter(listed)
    return Counts(len(papers), tuple(sorted(topics.items(), key=lambda c: (-c[1], c[0]))),
                  tuple(themes(p.title for p in papers) if known_themes is None else known_themes), n_across, tuple(across),
                  n_hits, tuple(hits))


def offline(counts: Counts, topic_names: Mapping[str, str], lang: str, intro: str = "intro",
            labels: Mapping[str, str] | None = None) -> str:
    """Return the offline briefing of a day as sanitised HTML in lang, citing papers by links to their cards
    (intro: the key of its opening line, "week_intro" for a week's: site/weeks.py; labels: a cited card's citation
    by its id where its number alone does not name it, as a week's cards, numbered on their days)."""
    table = OFFLINE.get(lang, OFFLINE["en"])
    words = lambda key, count=None: choose(table[key], count)  # noqa: E731
    esc, sep, labels = html.escape, " · ", labels or {}
    cite = lambda i, p: (f'<a href="{esc(card_fragment(p.id))}">{esc(labels.get(p.id) or f"{i:02d}")}</a> '  # noqa: E731
                         f'{esc(p.title)}')
    named = lambda names: words("names").format(names=esc(words("and").join(names)))  # noqa: E731
    items = [words("papers", counts.papers).format(count=counts.papers, topics=len(counts.topics), list=sep.join(
        words("topic").format(name=esc(topic_names[t]), count=n) for t, n in counts.topics))]
    if counts.themes:
        items.append(words("themes").format(list=sep.join(f"{esc(t)} ({n})" for t, n in counts.themes)))
    if counts.across:
        items.append(words("across", counts.across).format(count=counts.across, list=words("then").join(
            f"{cite(i, p)}{named(topic_names[t] for t in mine)}" for i, p, mine in counts.across_shown)))
    if counts.radar:
        items.append(words("radar", counts.radar).format(count=counts.radar, list=words("then").join(
            f"{cite(i, p)}{named(found)}" for i, p, found in counts.radar_shown)))
    markup = f"<p>{words(intro)}</p>\n<ul>\n" + "".join(f"<li>{item}</li>\n" for item in items) + "</ul>"
    # Sanitised all the same, so a slip in the code above can never reach a page.
    return _sanitise(markup, {p.id for _, p, _ in counts.across_shown + counts.radar_shown})


_CARD_LINK = re.compile(r'href="#([^"]*)"')


def relocate(markup: str, elsewhere: Mapping[str, str]) -> str:
    """Return sanitised briefing HTML with its links to cards on other pages pointed at those pages."""
    if not elsewhere:
        return markup
    by_fragment = {card_fragment(card_id): path for card_id, path in elsewhere.items()}

    def point(match: re.Match[str]) -> str:
        path = by_fragment.get("#" + html.unescape(match.group(1)))
        return f'href="{html.escape(path)}#{match.group(1)}"' if path else match.group(0)

    return _CARD_LINK.sub(point, markup)


@dataclass(frozen=True)
class Shown:
    """A day's briefing as one reader's language gets it."""

    html: str        # sanitised
    lang: str        # the language it is written in
    note: str        # who wrote it
    kind: str        # "llm" or "offline"


class Briefings:
    """Each day's briefing per reader's language: the LLM's stored one where there is one, else the offline one.

    Kept per day: the day page, the front page and the briefing feed all ask, and the offline counts serve every
    language.
    """

    def __init__(self, stored: Mapping[tuple[date, str], Briefing], lang: str, languages: Sequence[str],
                 topics: Mapping[str, Topic], radar_hits: Callable[[Paper], tuple[str, ...]],
                 day_themes: Mapping[date, Sequence[tuple[str, int]]] | None = None,
                 weeks: Mapping[tuple[str, str], Briefing] | None = None):
        self.lang, self.languages = lang, tuple(languages)
        self.weeks: dict[str, dict[str, Briefing]] = {}   # the weeks' stored briefings (site/weeks.py shows them)
        for (week, written_in), briefing in sorted((weeks or {}).items()):
            self.weeks.setdefault(week, {})[written_in] = briefing
        self.topics = topics
        self.radar_hits = radar_hits
        self.day_themes = day_themes or {}   # each day's themes(), from the day index
        self.stored: dict[date, dict[str, Briefing]] = {}
        for (on, written_in), briefing in sorted(stored.items()):
            self.stored.setdefault(on, {})[written_in] = briefing
        self._shown: dict[date, dict[str, Shown]] = {}
        self._counts: dict[date, Counts] = {}

    def inputs(self, day: date) -> list[tuple[str, str, str]]:
        """Return what the stored briefings of a day contribute to its pages' fingerprints."""
        return [(lang, b.model, b.text) for lang, b in sorted(self.stored.get(day, {}).items())]

    def week_inputs(self, week: str) -> list[tuple[str, str, str]]:
        """Return what the stored briefings of an ISO week contribute to its page's fingerprint."""
        return [(lang, b.model, b.text) for lang, b in sorted(self.weeks.get(week, {}).items())]

    def written(self, stored: Mapping[str, Briefing], lang: str, anchors: Mapping[str, str],
                note: str = "briefing_llm") -> Shown | None:
        """Return the LLM's stored briefing for a reader of lang (in lang, else the site's language, else any) as
        sanitised HTML citing the cards in anchors (card id -> its citation as shown: its number; a week's, its day
        and number), with its provenance (the message note), or None when none has a text."""
        chosen = stored.get(lang) or stored.get(self.lang) or next(iter(stored.values()), None)
        if chosen is None or not chosen.text.strip():
            return None
        return Shown(to_html(chosen.text, anchors), chosen.lang,
                     translator(chosen.lang)(note, model=chosen.model or "LLM"), "llm")

    def shown(self, day: Day, lang: str) -> Shown:
        """Return the day's briefing for a reader of lang: the LLM's in lang, else in another language, else offline."""
        cache = self._shown.setdefault(day.day, {})
        if lang in cache:
            return cache[lang]
        anchors = {p.id: f"{i:02d}" for i, p in enumerate(day.papers, 1)} if day.day in self.stored else {}
        if written := self.written(self.stored.get(day.day, {}), lang, anchors):
            cache[lang] = written
            return written
        if day.day not in self._counts:
            self._counts[day.day] = count(day.papers, self.topics, self.radar_hits, self.day_themes.get(day.day))
        names = {tid: topic.name(lang) for tid, topic in self.topics.items()}
        cache[lang] = Shown(offline(self._counts[day.day], names, lang), lang, translator(lang)("briefing_offline"),
                            "offline")
        return cache[lang]

    def block(self, day: Day, elsewhere: Mapping[str, str] | None = None) -> dict[str, Any]:
        """Return the day page's briefing block: one sanitised HTML variant per site language (static/site.js picks one).

        elsewhere: the cards on the day's other numbered pages, by id, with the path to their page: a link to one
        goes there (`page/3/#id`) rather than to a `#id` this page does not hold.
        """
        variants = []
        for lang in self.languages:
            shown = self.shown(day, lang)
            variants.append({"lang": lang, "html_lang": "zh-Hans" if shown.lang == "zh" else shown.lang,
                             "html": markup_math(relocate(shown.html, elsewhere or {})), "note": shown.note, "kind": shown.kind})
        default = next(v for v in variants if v["lang"] == self.lang)
        return {"kind": default["kind"], "variants": variants}

    def feed_text(self, day: Day) -> str:
        """Return the day's briefing in the default language as plain text with its note, for the feed."""
        shown = self.shown(day, self.lang)
        return f"{plain_text(shown.html)}\n\n{shown.note}"
