"""A long day's numbered pages in Chromium: Another batch fetches the next page, #id reaches page 3, ?author= finds
the author's cards on page 2. The demo's archive is rendered with five cards a page (site.page_size)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from browser_fixtures import serve_site
from digest.archive import Archive
from digest.config import load_config
from digest.site import render_archive

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent
SIZE = 5


@pytest.fixture(scope="module")
def paged_url(demo_build, tmp_path_factory) -> str:
    content, _ = demo_build
    config = load_config(ROOT / "demo" / "sources.yaml")
    site = tmp_path_factory.mktemp("paged") / "site"
    render_archive(replace(config, site=replace(config.site, page_size=SIZE)), Archive(content), site)
    return serve_site(site)


def longest_day(content: Path) -> tuple[str, list[dict]]:
    days = {p.stem: json.loads(p.read_text(encoding="utf-8"))["papers"] for p in (content / "days").glob("*.json")}
    return max(days.items(), key=lambda kv: len(kv[1]))


def test_another_batch_brings_every_card_of_the_day_from_the_numbered_pages(demo_build, paged_url, page):
    day, papers = longest_day(demo_build[0])
    page.goto(f"{paged_url}{day}/")
    page.wait_for_load_state("networkidle")
    size = int(page.locator("section.cards").get_attribute("data-batch-size"))
    seen: list[str] = []
    for _ in range(-(-len(papers) // size)):
        page.wait_for_function("() => !document.querySelector('#another-batch').disabled")
        seen += page.eval_on_selector_all("article.card:not([hidden])", "cs => cs.map(c => c.id)")
        page.click("#another-batch")
    assert seen == [p["id"] for p in papers]
    numbers = page.eval_on_selector_all("article.card .num", "ns => ns.map(n => n.textContent.trim())")
    assert numbers == [f"{i:02d}." for i in range(1, len(papers) + 1)]


def test_a_link_to_a_card_on_page_3_lands_on_it(demo_build, paged_url, page):
    day, papers = longest_day(demo_build[0])
    target = papers[2 * SIZE + 1]
    page.goto(f"{paged_url}{day}/{target['id'].replace('%', '%25').join(['page/3/#', ''])}")
    page.wait_for_load_state("networkidle")
    card = page.locator(f'article.card[id="{target["id"]}"]')
    assert card.is_visible()
    assert card.locator(".num").inner_text().strip() == f"{2 * SIZE + 2:02d}."


def test_the_author_filter_finds_the_authors_cards_on_page_2(demo_build, paged_url, page):
    day, papers = longest_day(demo_build[0])
    first = {a for p in papers[:SIZE] for a in p["authors"]}
    author = next(a for p in papers[SIZE:2 * SIZE] for a in p["authors"] if a not in first)
    page.goto(f"{paged_url}{day}/?author={author}")
    page.wait_for_load_state("networkidle")
    page.wait_for_selector("#author-elsewhere-box:not([hidden])")
    hrefs = page.eval_on_selector_all("#author-elsewhere a", "as => as.map(a => a.getAttribute('href'))")
    mine = next(p for p in papers[SIZE:2 * SIZE] if author in p["authors"])
    assert any(h.endswith(f"{day}/page/2/#{mine['id'].replace('%', '%25')}") for h in hrefs), hrefs
