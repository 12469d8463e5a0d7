"""The reader's features in a real headless Chromium: author filter, another batch, language switch, search, radar.

Each test drives the DOM hooks listed in docs/site-dom.md; expectations come from the demo archive in content/.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent
CJK = re.compile(r"[\u4e00-\u9fff]")


def archive(content: Path) -> dict[str, list[dict]]:
    """Every demo day's papers, by day, from content/days/*.json."""
    return {p.stem: json.loads(p.read_text(encoding="utf-8"))["papers"]
            for p in sorted((content / "days").glob("????-??-??.json"))}


def open_page(page, url: str, hook: str):
    """Load a page, wait until its script has settled, and check the hook the test drives is on it."""
    page.goto(url)
    page.wait_for_load_state("networkidle")
    assert page.locator(hook).count(), f"no {hook} on {urlsplit(url).path}: see docs/site-dom.md"
    return page


def first_page(site: Path, day: str) -> set[str]:
    """The ids of the cards on a day's first page (a day whose cards weigh more goes on at page/2/)."""
    html = (site / day / "index.html").read_text(encoding="utf-8")
    return set(re.findall(r'<article class="card[^"]*" id="([^"]+)"', html))


def visible_ids(page) -> list[str]:
    return page.locator("section.cards article.card:visible").evaluate_all("els => els.map(e => e.id)")


def visible_numbers(page) -> list[str]:
    return [n.strip().rstrip(".") for n in page.locator("section.cards article.card:visible .num").all_inner_texts()]


def query(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def test_author_filter_chip_url_and_removal(demo_build, site_url, page):
    """Clicking an author shows only their cards (beyond the first batch too) with a chip and ?author=; × restores."""
    from playwright.sync_api import expect
    content, site = demo_build
    days = archive(content)
    # The author with the most papers on one day, so the filter must gather cards from several batches (and, for
    # those on the day's next numbered page, from the search index).
    (day, author), count = Counter((d, a) for d, ps in days.items() for p in ps for a in p["authors"]).most_common(1)[0]
    assert count >= 2, "the demo should have an author with two papers on one day"
    here = first_page(site, day)
    theirs = [p["id"] for p in days[day] if author in p["authors"] and p["id"] in here]
    assert theirs
    open_page(page, f"{site_url}{day}/", "#author-filter")
    first_batch = visible_ids(page)
    expect(page.locator("#author-filter")).to_be_hidden()

    page.locator(f'article.card a.author[data-author="{author}"]').first.click()
    expect(page.locator("#author-filter")).to_be_visible()
    expect(page.locator("#author-filter .chip")).to_contain_text(author)
    assert query(page).get("author") == [author]
    assert visible_ids(page) == theirs
    expect(page.locator("#another-batch")).to_be_hidden()
    elsewhere = [p["id"] for d, ps in days.items() for p in ps if author in p["authors"] and p["id"] not in here]
    if elsewhere and page.locator("#author-elsewhere").count():
        links = page.locator("#author-elsewhere li > a")
        expect(links.first).to_be_visible()
        hrefs = links.evaluate_all("els => els.map(e => e.getAttribute('href'))")
        assert all(any(i in h for h in hrefs) for i in elsewhere), (elsewhere, hrefs)

    page.locator("#author-filter-clear").click()
    expect(page.locator("#author-filter")).to_be_hidden()
    assert "author" not in query(page)
    assert visible_ids(page) == first_batch

    # The URL is shareable: opening it shows the same filtered cards.
    page.goto(f"{site_url}{day}/?author={author.replace(' ', '%20')}")
    page.wait_for_load_state("networkidle")
    expect(page.locator("#author-filter .chip")).to_contain_text(author)
    assert visible_ids(page) == theirs


def test_another_batch_continues_the_numbering(demo_build, site_url, page):
    """A day longer than the batch shows batch_size cards, then the next ones numbered on, then wraps."""
    from playwright.sync_api import expect
    content, _ = demo_build
    day, papers = max(archive(content).items(), key=lambda kv: len(kv[1]))
    open_page(page, f"{site_url}{day}/", "#another-batch")
    size = int(page.locator("section.cards").get_attribute("data-batch-size"))
    assert 0 < size < len(papers), f"the demo day {day} ({len(papers)} papers) should need several batches of {size}"
    assert size <= page.locator("article.card").count() <= len(papers)   # the rest on the day's next page
    ids = [p["id"] for p in papers]
    seen: list[str] = []
    for start in range(0, len(papers), size):
        stop = min(start + size, len(papers))
        assert visible_numbers(page) == [f"{n:02d}" for n in range(start + 1, stop + 1)], f"batch from {start + 1}"
        assert visible_ids(page) == ids[start:stop]
        if page.locator("#batch-status").count():
            expect(page.locator("#batch-status")).to_contain_text(str(stop))
        seen += visible_ids(page)
        page.locator("#another-batch").click()
        # The next batch may come from the day's next numbered page: wait until it is in.
        page.wait_for_function("() => !document.querySelector('#another-batch').disabled")
    assert seen == ids, "every card once across the batches"
    assert visible_numbers(page)[0] == "01", "after the last batch it starts again at the first"


def test_language_switch_is_applied_and_remembered(site_url, page):
    """The switch changes the interface strings and html[lang], keeps the page, and is remembered after reload."""
    from playwright.sync_api import expect
    open_page(page, f"{site_url}", "#lang-switch")
    switch = page.locator("#lang-switch")
    expect(switch).to_be_visible()
    html = page.locator("html")
    assert html.get_attribute("lang") == "en"
    strings = page.locator("body [data-i18n]")   # the <title> too carries one (test_browser_lang.py)
    assert strings.count() >= 5, "the interface strings carry data-i18n"
    english = strings.all_inner_texts()
    path = urlsplit(page.url).path

    switch.locator('button[data-lang="zh"]').click()
    expect(html).to_have_attribute("lang", "zh-Hans")
    expect(switch.locator('button[data-lang="zh"]')).to_have_attribute("aria-pressed", "true")
    chinese = strings.all_inner_texts()
    changed = [(e, c) for e, c in zip(english, chinese) if e != c]
    assert len(changed) >= len(english) // 2, f"only {len(changed)} of {len(english)} strings changed"
    assert all(CJK.search(c) for e, c in changed), changed
    assert urlsplit(page.url).path == path, "switching language stays on the same page"
    assert page.evaluate("localStorage.getItem('academichub.lang')") == "zh"

    # English text left in a Chinese page keeps lang="en", so screen readers pronounce it right.
    untranslated = page.locator("section.cards .summary:not([data-summary-zh])")
    if untranslated.count():
        assert set(untranslated.evaluate_all("els => els.map(e => e.closest('[lang]').lang)")) == {"en"}

    page.reload()
    expect(html).to_have_attribute("lang", "zh-Hans")
    expect(strings.first).to_have_text(chinese[0])
    # Remembered on another page of the site too, and switched back.
    page.locator("nav a[href$='archive/']").first.click()
    expect(html).to_have_attribute("lang", "zh-Hans")
    page.locator('#lang-switch button[data-lang="en"]').click()
    expect(html).to_have_attribute("lang", "en")
    assert not CJK.search(page.locator("main h1").inner_text())


def rare_title_word(days: dict[str, list[dict]]) -> tuple[str, dict]:
    """A long word found in exactly one paper's title and nowhere else in the archive, and that paper."""
    everything = [(p, " ".join([p["title"], p["abstract"], *p["authors"]]).lower()) for ps in days.values() for p in ps]
    for paper, _ in everything:
        for word in re.findall(r"[A-Za-z]{8,}", paper["title"]):
            if sum(word.lower() in text for _, text in everything) == 1:
                return word, paper
    raise AssertionError("no word unique to one title in the demo")


def search_for(page, words: str) -> list[str]:
    """Type a query into the search page; return the hrefs of the results."""
    from playwright.sync_api import expect
    page.locator("#search-input").fill(words)
    page.locator("#search-input").press("Enter")
    # The live status names the query once the results for it are in ("3 results for ...").
    expect(page.locator("#search-status")).to_contain_text(words)
    return page.locator("#search-results > li.result a").evaluate_all("els => els.map(e => e.getAttribute('href'))")


def test_search_finds_a_paper_by_title_word_and_by_author(demo_build, site_url, page):
    """Client-side search finds a known demo paper by a word of its title and by one of its authors."""
    content, _ = demo_build
    days = archive(content)
    word, paper = rare_title_word(days)
    open_page(page, f"{site_url}search/", "#search-input")
    hits = search_for(page, word.lower())
    assert len(hits) == 1 and paper["id"] in hits[0] and paper["day"] in hits[0], (word, hits)
    # The hit leads to the card on its day page.
    page.locator("#search-results > li.result a").first.click()
    page.wait_for_load_state("networkidle")
    assert urlsplit(page.url).path.endswith(f"/{paper['day']}/")
    assert page.locator(f'article.card[id="{paper["id"]}"]').is_visible()

    page.goto(f"{site_url}search/")
    author = paper["authors"][-1]
    theirs = {p["id"] for ps in days.values() for p in ps if author in p["authors"]}
    hits = search_for(page, author)
    assert {i for i in theirs if any(i in h for h in hits)} == theirs, (author, hits)
    assert search_for(page, "zzqxv") == [], "a word in no paper finds nothing"


def test_reader_radar_follow_marks_cards(demo_build, site_url, page):
    """Following an author on /radar/ keeps it in localStorage only and marks that author's cards."""
    from playwright.sync_api import expect
    content, _ = demo_build
    days = archive(content)
    day, papers = max(days.items())
    author = next(a for p in papers for a in p["authors"])
    theirs = {p["id"] for p in papers if author in p["authors"]}
    open_page(page, f"{site_url}radar/", "#follow-form")
    page.locator("#follow-kind").select_option("author")
    page.locator("#follow-input").fill(author)
    page.locator("#follow-add").click()
    expect(page.locator("#follow-list > li")).to_contain_text([author])
    stored = json.loads(page.evaluate("localStorage.getItem('academichub.follows')"))
    assert {"kind": "author", "value": author} in stored

    page.goto(f"{site_url}{day}/")
    page.wait_for_load_state("networkidle")
    expect(page.locator("article.card.followed").first).to_be_attached()
    followed = set(page.locator("article.card.followed").evaluate_all("els => els.map(e => e.id)"))
    # A card can also match as a keyword elsewhere in its text; by author, exactly that author's cards.
    assert followed == theirs
    expect(page.locator(f'article.card[id="{next(iter(theirs))}"] .follow-mark')).to_contain_text(author)
    toggle = page.locator("#followed-only")
    expect(toggle).to_be_visible()
    toggle.click()
    assert set(visible_ids(page)) == theirs

    methods = page.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
    assert not [u for u in methods if author.split()[-1] in u], "the follow was sent in a request"


def test_owner_radar_marks_cards(demo_build, site_url, page):
    """The site owner's radar authors (sources.yaml radar:) are marked on their cards."""
    content, site = demo_build
    radar = (yaml.safe_load((ROOT / "demo" / "sources.yaml").read_text(encoding="utf-8")) or {}).get("radar")
    assert radar and radar.get("authors"), "demo/sources.yaml should name radar authors"
    days = archive(content)
    author = radar["authors"][0]
    day = next((d for d, ps in days.items() if any(author in p["authors"] for p in ps)), None)
    assert day, f"the radar author {author} is on no demo day"
    open_page(page, f"{site_url}{day}/", "article.card")
    marked = set(page.locator("article.card.radar").evaluate_all("els => els.map(e => e.id)"))
    theirs = {p["id"] for p in days[day] if author in p["authors"]} & first_page(site, day)
    assert theirs, f"the radar author {author} has no card on {day}'s first page"
    assert theirs <= marked, f"cards of {author} not marked: {theirs - marked}"
    assert page.locator(f'article.card[id="{next(iter(theirs))}"] .radar-mark').count() == 1


def test_link_to_a_card_in_a_later_batch_shows_it(demo_build, site_url, page):
    """A link to day/#id (search results, compact pages) shows the batch holding that card."""
    content, _ = demo_build
    day, papers = max(archive(content).items(), key=lambda kv: len(kv[1]))
    open_page(page, f"{site_url}{day}/", "#another-batch")
    size = int(page.locator("section.cards").get_attribute("data-batch-size"))
    target = papers[size]    # the first card of the second batch
    page.goto(f"{site_url}archive/")    # so the next load is a fresh page, not a same-page hash change
    page.goto(f"{site_url}{day}/#{target['id']}")
    page.wait_for_load_state("networkidle")
    card = page.locator(f'article.card[id="{target["id"]}"]')
    assert card.is_visible(), "the linked card stays hidden in a later batch"
    assert card.locator(".num").inner_text().strip() == f"{size + 1:02d}."
    assert card.evaluate("c => { const r = c.getBoundingClientRect(); return r.top < innerHeight && r.bottom > 0; }"), \
        "the linked card is not scrolled into view"


def test_back_button_undoes_the_author_filter(demo_build, site_url, page):
    """After filtering by an author, the browser's Back shows the whole batch again."""
    from playwright.sync_api import expect
    content, _ = demo_build
    day, papers = max(archive(content).items())
    open_page(page, f"{site_url}{day}/", "#author-filter")
    before = visible_ids(page)
    author = papers[0]["authors"][0]
    page.locator(f'article.card a.author[data-author="{author}"]').first.click()
    expect(page.locator("#author-filter")).to_be_visible()
    assert len(visible_ids(page)) < len(before)
    page.go_back()
    expect(page.locator("#author-filter")).to_be_hidden()
    assert visible_ids(page) == before


def test_search_page_lists_an_authors_papers_from_the_url(demo_build, site_url, page):
    """/search/?author=Name (the author links' target with JavaScript off) lists every paper of that author."""
    from playwright.sync_api import expect
    content, _ = demo_build
    days = archive(content)
    (author, count), = Counter(a for ps in days.values() for p in ps for a in p["authors"]).most_common(1)
    theirs = {p["id"] for ps in days.values() for p in ps if author in p["authors"]}
    open_page(page, f"{site_url}search/?author={author.replace(' ', '%20')}", "#search-results")
    expect(page.locator("#author-filter .chip")).to_contain_text(author)
    expect(page.locator("#search-results > li.result")).to_have_count(len(theirs))
    hrefs = page.locator("#search-results > li.result a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert {i for i in theirs if any(h.endswith("#" + i) for h in hrefs)} == theirs, hrefs
