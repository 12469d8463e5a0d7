"""The render stage: the archive in content/ -> the static site in site/, writing only what changed.

Its parts, in the order a render uses them: `index` (what is known of each day without reading it), `plan`
(which pages exist and what each is made from), `cards` (the card record and its HTML), `briefings` (the day's
briefing made safe), `pages`, `feeds` and `search` (the outputs), all written through `writer`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date
from pathlib import Path

from ..archive import Archive, Briefing, Day, State
from ..files import collector_paused, file_key
from ..config import Config
from ..vectors import Related, VectorStore
from .briefings import Briefings
from .budget import SiteSize, recent_volume
from .cards import CardBuilder
from .env import UiText, template_env
from .feeds import Feeds
from .foryou import DayVectors
from .index import ArchiveDays, DayIndex, DayLoader, DaySource, MemoryDays, RadarIndex
from .pages import DayPages, PageMaker, SitePages
from .plan import SitePlan
from .related import RelatedLinks
from .search import SearchIndex
from .tasks import RenderTasks, beside_days, beside_steps, site_steps, start
from .weeks import Weeks
from .writer import SiteWriter, code_version, inputs_key

BATCH = 8            # days per task handed to a worker


@dataclass(frozen=True)
class RenderReport:
    written: int
    removed: int
    papers: int
    days: int
    size: SiteSize        # site/ as GitHub Pages counts it, against site.size_limit_mb


def render(config: Config, source: DaySource, state: State, out: Path,
           stored_briefings: Mapping[tuple[date, str], Briefing] | None = None, batch: int = BATCH,
           related: Callable[[date], Mapping[str, Sequence[Related]]] | None = None, vectors: VectorStore | None = None,
           week_briefings: Mapping[tuple[str, str], Briefing] | None = None,
           related_key: Callable[[date], str | None] | None = None) -> RenderReport:
    """Write the whole site into out/; return what was written and removed (related: a day's related papers;
    vectors: the stored vectors, for "For you"; week_briefings: the weeks' LLM briefings by week and language;
    related_key: a hash of a day's related file, under which its pages' fingerprints are kept)."""
    site, lang = config.site, config.site.default_language
    writer = SiteWriter.open(Path(out))
    infos, day_cache = source.index(writer.manifest.get("days") or {}, config.radar, site.page_size)
    index = DayIndex(infos, site.feed_days, config.topics)
    radar = RadarIndex(infos, config.radar)
    loader = DayLoader(source, index.shared)
    topic_names = {tid: topic.name(lang) for tid, topic in config.topics.items()}
    ui = UiText(lang, topic_names)
    cards = CardBuilder(lang, site.languages, ui.plain, ui.tagged, topic_names,
                        {s.id: s.label for s in config.sources}, index, radar, site.repository)
    briefings = Briefings(stored_briefings or {}, lang, site.languages, config.topics, radar.hits,
                          {info.day: info.themes for info in infos}, week_briefings)
    # Everything besides the data that shapes a page: templates, code, settings and language.
    settings = {f.name: getattr(config, f.name) for f in fields(config) if f.name != "path"}
    # The limit shapes no page; the retention window shapes only the pages whose fingerprints hold a day's layout
    # (plan.SitePlan.shape), so lowering it at the limit re-renders the days concerned, not the whole site.
    settings["site"] = replace(site, size_limit_mb=0.0, full_days=0)
    plan = SitePlan(writer, inputs_key(code_version(), repr(settings), lang), index, tuple(config.topics),
                    briefings.inputs, site.feed_max_items, site.full_days)
    links = related_links(related, related_key, plan, index, cards, writer.root)
    maker = PageMaker(config, template_env(), ui, cards, plan)
    search = SearchIndex(writer, plan, index, loader, cards)
    feeds = Feeds(site, maker.env, writer, plan, index, loader, cards, briefings, maker.absolute)
    pages = SitePages(maker, writer, plan, index, loader, briefings, state)
    weeks = Weeks(maker, writer, plan, loader, briefings, feeds)
    jobs = plan.day_jobs()
    if links is not None:   # every full day's pages are planned (the front page is the newest day's first page)
        links.save()
    beside = beside_days(jobs, batch)
    # Beside a worker (a daily render) the weeks and search index are steps too, made from the day read before the
    # fork, so the jobs make no week piece or terms; a render of many days has the jobs, reading every day, make them.
    search_days = frozenset() if beside else search.new_days()
    search.plan_pairs(search_days)
    day_pages = DayPages(maker, writer, loader, briefings, search_days, search.keep_day,
                         None if beside else weeks.piece_of)
    steps = {**(beside_steps(weeks, search) if beside else {}),
             **site_steps(config, pages, feeds, ui, DayVectors(vectors, writer, plan))}
    with start(RenderTasks(day_pages, writer, steps), jobs, batch, beside) as started:
        for done in started.results():
            writer.done.merge(done.written)
            weeks.made.update(done.week_pieces)
    day_pages.frames.prune(info.day.isoformat() for info in index.days if not plan.layout(info).compact)
    if not beside:
        weeks.render()
        search.write()
    removed = writer.finish(day_cache)
    papers = sum(i.size for i in index.days)
    size = SiteSize(writer.deployed_bytes(), site.size_limit_mb, papers,
                    *recent_volume((i.day, i.size) for i in index.days))
    return RenderReport(writer.done.count, removed, papers, len(index.days), size)


def related_links(related: Callable[[date], Mapping[str, Sequence[Related]]] | None,
                  file_key: Callable[[date], str | None] | None, plan: SitePlan, index: DayIndex,
                  cards: CardBuilder, root: Path) -> RelatedLinks | None:
    """Give the plan's fingerprints and the cards the stored related papers (None: the render was given none)."""
    if related is None:
        return None
    links = RelatedLinks(related, plan, index, file_key, root)
    plan.related, cards.related = links.on_page, links.of
    return links


def render_site(config: Config, days: list[Day], state: State, out: Path,
                stored_briefings: Mapping[tuple[date, str], Briefing] | None = None) -> tuple[int, int]:
    """Render days held in memory into out/; return (files written, files removed)."""
    # A render holds a year's index and makes few reference cycles (about ten a day of pages), but the
    # collector's passes over what it holds took a sixth of a one-day render.
    with collector_paused():
        report = render(config, MemoryDays(days), state, out, stored_briefings)
    return report.written, report.removed


def render_archive(config: Config, archive: Archive, out: Path, batch: int = BATCH) -> RenderReport:
    """Render the archive in content/ into out/, reading only the days whose pages changed."""
    store = VectorStore(archive)
    with collector_paused():   # as in render_site
        return render(config, ArchiveDays(archive), archive.read_state(), out, archive.read_briefings(), batch,
                      lambda day: store.read_related(day)[1], store, archive.read_week_briefings(),
                      lambda day: file_key(store.related_path(day)))
