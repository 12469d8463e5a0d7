"""Retention (site.full_days) and pages split by weight: old days compact, every paper still reachable, every link
to a card still landing on the page that holds it, and no day page past 150 KB or 1,500 elements."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import unquote, urljoin

import pytest

from digest.archive import Archive, Day, State
from digest.config import ConfigError, load_config
from digest.papers import Paper, Update
from digest.site import render_archive, render_site
from digest.site.frames import FRAMES
from digest.site.pages import DayPages
from digest.site.layout import COMPACT_PAGE_SIZE, card_weight
from digest.site.writer import MANIFEST, read_manifest
from digest.site.searchrows import read_rows

ROOT = Path(__file__).resolve().parent.parent
FIRST = date(2026, 6, 15)
ELEMENT = re.compile(r"<[a-zA-Z][^>]*>")


def config_with(**site):
    config = load_config(ROOT / "demo" / "sources.yaml")
    return replace(config, site=replace(config.site, **site))


def paper(n: int, day: date, **kw) -> Paper:
    values = dict(id=f"arXiv:2606.{10000 + n}", title=f"Paper number {n} on optimal stopping",
                  authors=(f"Ann Author{n}", "Bo Second", "Cy Third", "Di Fourth"),
                  abstract="First sentence of the abstract. Second sentence. Third one here.",
                  url=f"https://arxiv.org/abs/2606.{10000 + n}", day=day, sources=("arxiv-cs-lg",),
                  topics=("cs.LG", "cs.AI"), version=1, announce="new")
    values.update(kw)
    return Paper(**values)


def a_day(i: int, count: int, **kw) -> Day:
    day = FIRST + timedelta(days=i)
    return Day(day, tuple(paper(i * 1000 + n, day, **kw) for n in range(count)))


def day_pages(site: Path, iso: str) -> list[Path]:
    """A day's numbered pages, followed from its first page by the "next page" links (as a reader without
    JavaScript does)."""
    pages, page = [], site / iso / "index.html"
    while True:
        pages.append(page)
        found = re.search(r'<a class="page-next" href="([^"]+)"', page.read_text(encoding="utf-8"))
        if not found:
            return pages
        page = target_of(site, page, found[1])[0]


def target_of(site: Path, page: Path, href: str) -> tuple[Path, str]:
    """The file a relative link on page leads to, and the id its fragment names."""
    url = urljoin(page.relative_to(site).as_posix(), href.replace("&amp;", "&"))
    path, _, fragment = url.partition("#")
    path = path.partition("?")[0].lstrip("/")
    return site / (path + "index.html" if path.endswith("/") or not path else path), unquote(fragment)


def ids_on(page: Path) -> list[str]:
    return re.findall(r'<(?:article class="card[^"]*"|li) id="([^"]+)"', page.read_text(encoding="utf-8"))


def broken_links(site: Path) -> list[tuple[str, str]]:
    """Every relative link of every page that leads to no file, or to a card id its page does not hold."""
    broken = []
    for page in site.rglob("*.html"):
        if page.name == "404.html":   # served at any depth: its links are from the root
            continue
        for href in re.findall(r'href="([^"]*)"', page.read_text(encoding="utf-8")):
            if href.startswith(("http:", "https:", "#main")) or not href or href.startswith("#") and ":" not in href:
                continue
            target, fragment = target_of(site, page, href)
            if not target.is_file() or fragment and ":" in fragment and fragment not in ids_on(target):
                broken.append((page.relative_to(site).as_posix(), href))
    return broken


def test_an_old_day_renders_compactly_with_every_paper_under_its_card_id(tmp_path):
    old, new = a_day(0, 30), a_day(1, 3)
    render_site(config_with(full_days=1), [old, new], State(), tmp_path)
    html = (tmp_path / old.day.isoformat() / "index.html").read_text(encoding="utf-8")
    assert '<section class="digest"' in html and '<article class="card' not in html
    assert ids_on(tmp_path / old.day.isoformat() / "index.html") == [p.id for p in old.papers]
    assert re.findall(r'<ol class="digest" start="(\d+)">', html) == ["1"]   # one source: numbered from 1
    first = old.papers[0]
    assert f'<a href="{first.url}">{first.title}</a>' in html
    assert '<span class="by">Ann Author0, Bo Second, Cy Third +1</span>' in html and 'Di Fourth' not in html
    assert "First sentence of the abstract" not in html   # no summary, no abstract: those stay for the newest days
    # No day-and-topic pages for a compact day, and its topic counts link nowhere.
    assert not (tmp_path / old.day.isoformat() / "cs.LG").exists()
    assert f'href="../{old.day.isoformat()}/cs.LG/"' not in html and '<span class="badge plain">' in html
    assert (tmp_path / new.day.isoformat() / "cs.LG" / "index.html").is_file()
    assert '<article class="card' in (tmp_path / new.day.isoformat() / "index.html").read_text(encoding="utf-8")
    assert not broken_links(tmp_path)


def test_a_long_compact_day_is_numbered_pages_every_paper_reachable_without_javascript(tmp_path):
    count = 2 * COMPACT_PAGE_SIZE + 37
    old = a_day(0, count)
    render_site(config_with(full_days=1), [old, a_day(1, 2)], State(), tmp_path)
    pages = day_pages(tmp_path, old.day.isoformat())
    assert len(pages) >= 3
    assert [i for page in pages for i in ids_on(page)] == [p.id for p in old.papers]
    starts = [re.findall(r'<ol class="digest" start="(\d+)">', p.read_text(encoding="utf-8")) for p in pages]
    before = [sum(len(ids_on(p)) for p in pages[:i]) for i in range(len(pages))]
    assert starts == [[str(n + 1)] for n in before]   # one source: each page's list numbered on from the last
    assert not broken_links(tmp_path)


def write_days(archive: Archive, days: list[Day]) -> None:
    for day in days:
        archive.write_day(day)
    archive.write_state(State())


def test_the_day_leaving_the_window_is_rendered_again_compact_and_nothing_links_a_removed_page(tmp_path):
    archive, site = Archive(tmp_path / "content"), tmp_path / "site"
    config = config_with(full_days=2, page_size=5)
    write_days(archive, [a_day(0, 4), a_day(1, 23), a_day(2, 6)])
    render_archive(config, archive, site)
    leaving = (FIRST + timedelta(days=1)).isoformat()
    assert [len(ids_on(p)) for p in day_pages(site, leaving)] == [5, 5, 5, 5, 3]   # full: five cards a page
    assert (site / leaving / "cs.LG" / "index.html").is_file()

    write_days(archive, [a_day(3, 6)])   # the window moves on: day 1 leaves it
    report = render_archive(config, archive, site)
    pages = day_pages(site, leaving)
    assert len(pages) == 1 and ids_on(pages[0]) == [p.id for p in a_day(1, 23).papers]
    assert '<section class="digest"' in pages[0].read_text(encoding="utf-8")
    assert not (site / leaving / "page").exists() or not list((site / leaving / "page").rglob("*.html"))
    assert not (site / leaving / "cs.LG" / "index.html").exists() and report.removed >= 4 + 2
    assert not broken_links(site)
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    assert f"{leaving}/cs.LG/" not in sitemap
    # The search rows follow the card to its compact page.
    index = json.loads((site / "search" / "index.json").read_text())
    link = index["fields"].index("link")
    rows = [row for seg in index["segments"] for row in read_rows((site / "search" / seg["rows"]).read_bytes())]
    assert rows and all(row[link].startswith(f"{row[1]}/#") for row in rows if row[1] <= leaving)
    for row in rows:
        target, fragment = target_of(site, site / "index.html", row[link])
        assert fragment in ids_on(target), row
    # A render from nothing gives the same site: the incremental one left nothing stale.
    fresh = tmp_path / "fresh"
    render_archive(config, archive, fresh)
    assert sorted(p.relative_to(fresh).as_posix() for p in fresh.rglob("*") if p.is_file() and p.name[0] != ".") == \
        sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file() and p.name[0] != ".")


HUGE = ("Collaboration & Partners <b> " * 3600)[:100_000]   # RAW_TEXT_CAP characters, every & escaped


@pytest.mark.parametrize("kind", ["abstracts", "authors", "mixed"])
def test_pages_split_by_weight_stay_under_150_kb_and_1500_elements_whatever_the_cards_hold(tmp_path, kind):
    day = FIRST + timedelta(days=1)
    many = tuple(f"Author Number{i} Of-The-Collaboration" for i in range(400))
    papers = []
    for n in range(40):
        heavy = {"abstracts": {"abstract": HUGE}, "authors": {"authors": many},
                 "mixed": {"abstract": HUGE[: 3000 * (n % 5)] or "Short.", "authors": many[: 10 * (n % 7) + 1],
                           "summary": {"en": "A summary " * 300, "zh": "中文摘要" * 500}}}[kind]
        papers.append(paper(n, day, title="T&T <" * 200, **heavy))
    render_site(config_with(full_days=30, page_size=16), [Day(day, tuple(papers))], State(), tmp_path)
    pages = [tmp_path / "index.html", *day_pages(tmp_path, day.isoformat())]
    assert len(pages) > 3
    for page in pages:
        data = page.read_bytes()
        assert len(data) <= 150_000 and len(ELEMENT.findall(data.decode())) <= 1500, (page, len(data))
    assert [i for page in pages[1:] for i in ids_on(page)] == [p.id for p in papers]   # every card, in order
    assert not broken_links(tmp_path)


def test_a_cards_weight_bounds_its_html(tmp_path):
    """The page breaks are found from card_weight: it must never be less than what card_html writes."""
    day = FIRST + timedelta(days=1)
    papers = (paper(1, day, abstract=HUGE), paper(2, day, authors=tuple(f"Ñame {i}" for i in range(90))),
              paper(3, day, title="\"'<>&" * 200, summary={"en": "&" * 3000, "zh": "摘要" * 900}),
              paper(4, day, links=("https://example.org/a?x=1&y=2",) * 3, topics=("cs.LG", "quant-ph", "x.Y")),
              *(paper(n, day) for n in range(5, 25)))
    render_site(config_with(full_days=30), [Day(day, papers)], State(), tmp_path)
    cards = {}
    for page in day_pages(tmp_path, day.isoformat()):
        for html in re.findall(r"<article .*?</article>", page.read_text(encoding="utf-8"), re.S):
            cards[re.search(r'id="([^"]+)"', html)[1]] = html
    assert len(cards) == len(papers)
    for p in papers:
        size, elements = card_weight(p)
        html = cards[p.id]
        assert len(html.encode()) <= size and len(ELEMENT.findall(html)) <= elements, p.id


@pytest.mark.parametrize("value, message", [
    ("0", r"sources.yaml:\d+: site.full_days: expected a positive number, got 0"),
    ("many", r"sources.yaml:\d+: site.full_days: expected a whole number, got text 'many'"),
])
def test_full_days_is_validated(tmp_path, value, message):
    text = (ROOT / "demo" / "sources.yaml").read_text(encoding="utf-8").replace("  feed_days:", f"  full_days: {value}\n  feed_days:", 1)
    (tmp_path / "sources.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_config(tmp_path / "sources.yaml")


def test_full_days_defaults_to_a_month():
    assert load_config(ROOT / "sources.yaml").site.full_days == 30
    assert load_config(ROOT / "sources.yaml").site.feed_days < 30   # the feeds' window is within it


def test_lowering_full_days_re_renders_only_the_days_it_compacts(tmp_path):
    archive, site = Archive(tmp_path / "content"), tmp_path / "site"
    write_days(archive, [a_day(i, 6) for i in range(4)])
    render_archive(config_with(full_days=4), archive, site)

    def fingerprints() -> dict[str, str]:
        """What the kept days' pages were rendered from, as the render's manifest records it."""
        pages = read_manifest(site / MANIFEST)["pages"]
        return {rel: key for rel, key in pages.items() if rel.startswith(("2026-06-17/", "2026-06-18/"))}

    before = fingerprints()
    render_archive(config_with(full_days=2), archive, site)   # days 0 and 1 leave the window
    for i in (0, 1):
        assert '<section class="digest"' in (site / (FIRST + timedelta(days=i)).isoformat() / "index.html").read_text()
    assert len(before) > 4 and fingerprints() == before   # the days still in the window were not rendered again
    assert not broken_links(site)


def test_a_day_leaving_the_window_loses_its_citations_file(tmp_path):
    """cite.json is a full day's (its cards' buttons read it): the day gone compact has none, and no stale one."""
    config = config_with(full_days=2)
    days = [a_day(0, 3), a_day(1, 2)]
    render_site(config, days, State(), tmp_path)
    first, second = (tmp_path / d.day.isoformat() / "cite.json" for d in days)
    texts = json.loads(first.read_text(encoding="utf-8"))
    assert list(texts["bibtex"]) == [p.id for p in days[0].papers] == list(texts["ris"]) and second.is_file()
    render_site(config, [*days, a_day(2, 1)], State(), tmp_path)   # the first day is now outside the window
    assert not first.exists() and second.is_file() and (tmp_path / (FIRST + timedelta(days=2)).isoformat() / "cite.json").is_file()
    assert 'data-cite=' not in (tmp_path / days[0].day.isoformat() / "index.html").read_text(encoding="utf-8")


def test_a_first_page_whose_update_links_move_is_rewritten_from_its_frame_without_reading_its_day(tmp_path, monkeypatch):
    """Day 2 lists a new version of a day-1 paper, linked to its card while day 1 is full. When day 1 leaves the
    window the row links the paper instead; day 2's first page is rewritten from its frame (site/frames.py), not
    from its papers, and is the page a render from nothing makes."""
    archive, site = Archive(tmp_path / "content"), tmp_path / "site"
    config = config_with(full_days=3, page_size=5)
    linked = a_day(1, 6).papers[5]
    update = Update(linked.id, 2, linked.title, linked.url, linked.sources, "replace")
    write_days(archive, [a_day(0, 3), a_day(1, 6), replace(a_day(2, 4), updates=(update,)), a_day(3, 2)])
    render_archive(config, archive, site)
    day1, day2 = ((FIRST + timedelta(days=i)).isoformat() for i in (1, 2))
    row = lambda: (site / day2 / "index.html").read_text(encoding="utf-8").split('class="updates"', 1)[1]  # noqa: E731
    assert f'href="../{day1}/page/2/#{linked.id}"' in row()   # its card, sixth: the second page
    assert (site / FRAMES / f"{day2}.json").is_file()

    rendered: list[date] = []   # the days whose pages are rendered from their papers
    real_day = DayPages.day
    monkeypatch.setattr(DayPages, "day", lambda self, writer, job, day: rendered.append(day.day) or
                        real_day(self, writer, job, day))
    write_days(archive, [a_day(4, 2)])   # the window moves on: day 1 leaves it
    render_archive(config, archive, site)
    assert f'href="{linked.url}"' in row() and f"../{day1}/" not in row()
    assert FIRST + timedelta(days=2) not in rendered and FIRST + timedelta(days=1) in rendered   # day 1: compact
    assert not (site / FRAMES / f"{day1}.json").exists()
    fresh = tmp_path / "fresh"
    render_archive(config, archive, fresh)
    assert (fresh / day2 / "index.html").read_bytes() == (site / day2 / "index.html").read_bytes()
