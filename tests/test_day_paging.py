"""A day longer than site.page_size is split into numbered pages, and every link to a card reaches its page."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from urllib.parse import unquote, urljoin

import pytest

import build
from digest.archive import Archive
from digest.config import load_config
from digest.site import render_archive
from digest.site.searchrows import read_rows

ROOT = Path(__file__).resolve().parent.parent
SIZE = 5


@pytest.fixture(scope="module")
def paged(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The demo's archive rendered with five cards a page: (content, site)."""
    base = tmp_path_factory.mktemp("paged")
    assert build.main(["--demo", "--content", str(base / "content"), "--site", str(base / "demo-site")]) == 0
    config = load_config(ROOT / "demo" / "sources.yaml")
    config = replace(config, site=replace(config.site, page_size=SIZE))
    render_archive(config, Archive(base / "content"), base / "site")
    return base / "content", base / "site"


def day_papers(content: Path) -> dict[str, list[dict]]:
    return {p.stem: json.loads(p.read_text(encoding="utf-8"))["papers"] for p in sorted((content / "days").glob("*.json"))}


def cards_on(page: Path) -> list[tuple[str, str]]:
    """(number, id) of the cards on a page."""
    html = page.read_text(encoding="utf-8")
    return re.findall(r'<article class="card[^"]*" id="([^"]+)".*?<p class="num"><a href="[^"]*">(\d+)\.</a></p>', html, re.S)


def test_every_card_of_a_long_day_is_on_one_numbered_page_in_order(paged):
    content, site = paged
    for day, papers in day_papers(content).items():
        pages = [site / day / "index.html"] + [site / day / "page" / str(n) / "index.html"
                                               for n in range(2, -(-len(papers) // SIZE) + 1)]
        found = [card for page in pages for card in cards_on(page)]
        assert [i for i, _ in found] == [p["id"] for p in papers]
        assert [int(n) for _, n in found] == list(range(1, len(papers) + 1))   # numbering continues across pages
        assert not (site / day / "page" / str(len(pages) + 1)).exists()
        html = pages[1].read_text(encoding="utf-8")   # with JS off: prev/next links and the page list
        assert 'class="page-prev"' in html and 'class="page-next"' in html and 'aria-current="page">2<' in html


def where(site: Path, page: Path, href: str) -> tuple[Path, str]:
    """The file a relative link from page leads to, and its fragment as the browser looks it up."""
    url = urljoin(page.relative_to(site).as_posix(), href)
    path, _, fragment = url.partition("#")
    return site / (path + "index.html" if path.endswith("/") or not path else path), unquote(fragment)


@pytest.mark.parametrize("page", ["index.html", "radar/index.html", "topics/*/index.html", "????-??-??/*/index.html",
                                  "????-??-??/index.html"])
def test_links_to_cards_reach_the_numbered_page_holding_them(paged, page):
    _, site = paged
    checked = 0
    for source in site.glob(page):
        for href in re.findall(r'href="([^"]*#[^"]+)"', source.read_text(encoding="utf-8")):
            if href.startswith("#main"):
                continue
            target, card = where(site, source, href.replace("&amp;", "&"))
            if target.name != "index.html" or "arXiv:" not in card and "doi:" not in card and ":" not in card:
                continue
            assert card in {i for i, _ in cards_on(target)}, (source, href)
            checked += 1
    assert checked


def test_each_search_row_links_its_card_on_the_page_that_holds_it(paged):
    """The build writes each card's path into its search row; the search page uses it as it is."""
    _, site = paged
    index = json.loads((site / "search" / "index.json").read_text())
    link = index["fields"].index("link")
    checked = 0
    for seg in index["segments"]:
        for row in read_rows((site / "search" / seg["rows"]).read_bytes()):
            path, _, fragment = row[link].partition("#")
            page = (site / path / "index.html").read_text(encoding="utf-8")
            assert path.startswith(row[1] + "/") and f'id="{row[0]}"' in page and fragment.replace("%25", "%") == row[0]
            checked += "page/" in path
    assert checked   # some rows point past a day's first page


def test_numbered_pages_meet_the_page_weight_targets(paged):
    _, site = paged
    for page in [site / "index.html", *site.glob("????-??-??/index.html"), *site.glob("????-??-??/page/*/index.html")]:
        data = page.read_bytes()
        assert len(re.findall(rb"<[a-zA-Z][^>]*>", data)) <= 1500 and len(data) <= 150_000, page


def test_the_sitemap_lists_a_day_once_whatever_its_pages(paged, tmp_path):
    """Numbered pages are reached from the day's first page: a weekday's ~75 of them would swell the sitemap
    past the protocol's 50,000 URLs within three years."""
    content, _ = paged
    config = load_config(ROOT / "demo" / "sources.yaml")
    config = replace(config, site=replace(config.site, page_size=SIZE, base_url="https://example.org/hub/"))
    render_archive(config, Archive(content), tmp_path / "site")
    sitemap = (tmp_path / "site" / "sitemap.xml").read_text(encoding="utf-8")
    assert "https://example.org/hub/2026-06-17/</loc>" in sitemap and "/page/" not in sitemap
    assert (tmp_path / "site" / "2026-06-17" / "page" / "2" / "index.html").is_file()


def test_a_day_of_thousands_of_new_versions_lists_what_fits_and_counts_the_rest(tmp_path):
    from datetime import date
    from digest.archive import Day, State
    from digest.papers import Paper, Update
    day = date(2026, 6, 1)
    papers = tuple(Paper(id=f"arXiv:2606.{n:05d}", title=f"Paper {n}", authors=("Ada Pool",), abstract="An abstract.",
                         url=f"https://arxiv.org/abs/2606.{n:05d}", day=day, sources=("arxiv-cs-lg",),
                         topics=("cs.LG",), version=1) for n in range(3))
    updates = tuple(Update(f"arXiv:2501.{n:05d}", 2, f"An earlier paper with a long enough title, number {n}",
                           f"https://arxiv.org/abs/2501.{n:05d}v2", ("arxiv-cs-lg",), "replace") for n in range(2000))
    archive = Archive(tmp_path / "content")
    archive.write_day(Day(day, papers, updates))
    archive.write_state(State())
    render_archive(load_config(ROOT / "demo" / "sources.yaml"), archive, tmp_path / "site")
    data = (tmp_path / "site" / "2026-06-01" / "index.html").read_text(encoding="utf-8")
    listed = len(re.findall(r"An earlier paper with a long enough title", data))
    assert len(data.encode()) <= 150_000 and len(re.findall(r"<[a-zA-Z][^>]*>", data)) <= 1500
    assert 100 < listed < 2000 and f"and {2000 - listed} more new versions" in data
    assert all(f'id="arXiv:2606.{n:05d}"' in data for n in range(3))   # the day's cards still on its first page


TOPIC_ROOM = 1_500   # bytes of entries a topic page may list, for the demo's topics to overflow it (120,000 live)


@pytest.fixture(scope="module")
def busy_topics(paged: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo rendered with topic pages of TOPIC_ROOM bytes: its site."""
    content, _ = paged
    site = tmp_path_factory.mktemp("busy") / "site"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("digest.site.pages.PAGE_BYTES", TOPIC_ROOM)
        render_archive(load_config(ROOT / "demo" / "sources.yaml"), Archive(content), site)
    return site


def linked_ids(html: str) -> list[str]:
    return [unquote(href.split("#")[1]) for href in re.findall(r'<li class="entry[^>]*>.*?<a href="([^"]+)"', html)]


def test_a_busy_topic_page_lists_the_newest_entries_that_fit_and_links_every_day(busy_topics):
    site, listed_somewhere = busy_topics, False
    for page in sorted(site.glob("topics/*/index.html")):
        html = page.read_text(encoding="utf-8")
        entries = re.findall(r"  <li class=\"entry.*?</li>\n", html)
        assert sum(len(e.encode()) for e in entries) <= TOPIC_ROOM, page
        # The cite button cites what the page lists.
        assert f'data-i18n-args=\'{{"count":{len(entries)}}}\'' in html or not entries, page
        sections = re.findall(r'<section class="topicday".*?</section>', html, re.S)
        assert sections, page
        for number, section in enumerate(sections):
            day_page, count = re.search(r'<h2><a href="([^"]+)"><span data-i18n="more_on_day" '
                                        r'data-i18n-args=\'\{"count":(\d+)', section).groups()
            target, _ = where(site, page, day_page)
            everything = linked_ids(target.read_text(encoding="utf-8"))
            assert len(everything) == int(count), (page, day_page)   # the day-and-topic page lists them all
            shown = linked_ids(section)
            assert shown == everything[:len(shown)], (page, day_page)   # the first of them, in their order
            assert ('class="more"' in section) == (0 < len(shown) < int(count)), (page, day_page)
            assert ("<ol" in section) == bool(shown) and ("data-cite" in section) == bool(shown)
            if number:   # room is taken newest day first: an older day lists nothing once one was cut
                assert not shown or prior_whole, (page, day_page)
            prior_whole = len(shown) == int(count)
            listed_somewhere |= 0 < len(shown) < int(count)
    assert listed_somewhere   # some page was cut inside a day, not only between days
