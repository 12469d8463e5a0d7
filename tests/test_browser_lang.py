"""The reader's language from the first paint, plural messages, the follow toggle and the pages with JavaScript off,
in Chromium over the demo site.

The first paint is watched from inside the page: a script added before the page's own records, at every animation
frame (the browser's step just before it paints), the interface strings as they stand; the page arrives in pieces
(a slow link) so that frames are painted while it is still being parsed. Every string ever painted must be the one
the page ends with: the reader's language, never the page's own first.
"""

from __future__ import annotations

import functools
import html
import http.server
import json
import re
import threading
import time
from collections import Counter
from urllib.parse import quote

import pytest

from digest.i18n import translator
from digest.preview import QuietRangeHandler

pytestmark = pytest.mark.browser
DAY = "2026-06-17"
HAN = re.compile(r"[\u4e00-\u9fff]")
EN, ZH = translator("en"), translator("zh")
TAGLINE = {"en": "Academic Intelligence · Curated Daily", "zh": "学术情报 · 每日精选"}

# Each animation frame: every interface string shown (the parser's unfinished one is hidden), as the element (its
# index in window.__seen) and its text then; each must read at every paint what it reads at the end. Elements are
# followed one by one, as scripts add some after load (a card's buttons, cloned from the page's translated ones).
FRAMES = """
window.__frames = [];
window.__seen = [];
(function frame() {
  requestAnimationFrame(function () {
    var shown = Array.prototype.map.call(document.querySelectorAll("[data-i18n]:not([data-i18n-wait])"),
                                         function (el) {
      var i = window.__seen.indexOf(el);
      if (i < 0) i = window.__seen.push(el) - 1;
      return [i, el.textContent];
    });
    window.__frames.push({ at: performance.now(), parsing: document.readyState === "loading", shown: shown });
    if (document.readyState !== "complete" || window.__frames.length < 3) frame();
  });
})();
"""


class TrickleHandler(QuietRangeHandler):
    """A page in 4 KB pieces 40 ms apart (a slow link), its scripts and styles at once (the browser's cache)."""

    def copyfile(self, source, outputfile) -> None:
        if not self.path.split("?")[0].endswith(("/", ".html")):
            return super().copyfile(source, outputfile)
        while chunk := source.read(4096):
            outputfile.write(chunk)
            outputfile.flush()
            time.sleep(0.04)


@pytest.fixture(scope="module")
def slow_url(demo_site):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(TrickleHandler, directory=str(demo_site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def slow_page(new_context, lang: str | None):
    """A page with the frame recorder and a stored language (None: none stored)."""
    context = new_context()
    if lang:
        context.add_init_script(f"try {{ localStorage.setItem('academichub.lang', '{lang}'); }} catch (e) {{}}")
    context.add_init_script(FRAMES)
    return context.new_page()


def frames_of(page, url: str) -> tuple[list[dict], list[str]]:
    page.goto(url, wait_until="load", timeout=60_000)
    page.wait_for_function("() => window.__frames.length >= 3 && document.readyState === 'complete'", timeout=30_000)
    frames = page.evaluate("window.__frames")
    final = page.evaluate("window.__seen.map(el => el.textContent)")
    return frames, final


@pytest.mark.parametrize("path", ["", f"{DAY}/", "search/"])
def test_first_paint_is_in_the_stored_language(slow_url, new_context, path):
    page = slow_page(new_context, "zh")
    frames, final = frames_of(page, f"{slow_url}{path}")
    painted = [f for f in frames if f["shown"]]
    assert painted, "no frame showed an interface string"
    for frame in painted:
        changed = [(text, final[i]) for i, text in frame["shown"] if text != final[i]]
        assert not changed, f"a string changed after it was painted at {frame['at']:.0f} ms: {changed[:3]}"
    # The first paint itself is in Chinese: the tab's title and the first strings painted.
    assert HAN.search(painted[0]["shown"][0][1]), painted[0]["shown"][:3]
    assert page.evaluate("document.documentElement.lang") == "zh-Hans"
    assert HAN.search(page.locator("main h1").first.inner_text())
    if path == f"{DAY}/":
        assert any(f["parsing"] for f in painted), "the slow link should have painted frames mid-parse"
        assert page.locator("article.card").first.get_attribute("lang") == "en", "a paper's own text keeps its language"
    first_paint = page.evaluate("performance.getEntriesByName('first-paint')[0].startTime")
    assert painted[0]["at"] <= first_paint + 1, "the first frame with strings is the first paint"


def test_default_language_reader_gets_the_page_untouched(slow_url, new_context):
    page = slow_page(new_context, None)
    frames, final = frames_of(page, slow_url)
    # The page's own strings paint as they arrive: only the one being parsed may be short of its end.
    for frame in frames:
        *done, last = frame["shown"] or [(0, final[0])]
        assert all(text == final[i] for i, text in done) and final[last[0]].startswith(last[1]), frame["shown"][-3:]
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.locator("[data-i18n-wait]").count() == 0
    assert page.title() == f"AcademicHub · {TAGLINE['en']}"


def test_title_and_tagline_switch(site_url, new_context):
    context = new_context()
    context.add_init_script("try { localStorage.setItem('academichub.lang', 'zh'); } catch (e) {}")
    page = context.new_page()
    page.goto(site_url)
    assert page.title() == f"AcademicHub · {TAGLINE['zh']}"
    assert page.locator(".masthead .tagline").inner_text() == TAGLINE["zh"]
    page.wait_for_load_state("networkidle")
    page.locator('#lang-switch button[data-lang="en"]').click()
    assert page.title() == f"AcademicHub · {TAGLINE['en']}"
    assert page.locator(".masthead .tagline").inner_text() == TAGLINE["en"]
    page.locator('#lang-switch button[data-lang="zh"]').click()
    assert page.title() == f"AcademicHub · {TAGLINE['zh']}"
    page.goto(f"{site_url}radar/")
    assert page.title() == f"{ZH('radar_title')} · AcademicHub"
    page.goto(f"{site_url}{DAY}/cs.LG/")
    assert page.title() == f"{DAY} · 机器学习 · AcademicHub"


def linked_authors(demo_site) -> list[str]:
    """The authors linked on the day's first page, in page order (names a CSS selector can quote)."""
    page = (demo_site / DAY / "index.html").read_text(encoding="utf-8")
    names = [html.unescape(n) for n in re.findall(r'class="author"[^>]*data-author="([^"]+)"', page)]
    return [n for n in dict.fromkeys(names) if '"' not in n and "\\" not in n]


def papers_by_author(demo_build) -> Counter:
    """Each author's papers in the whole demo archive (content/days/*.json)."""
    return Counter(name for path in sorted((demo_build[0] / "days").rglob("*.json"))
                   for paper in json.loads(path.read_text(encoding="utf-8"))["papers"] for name in set(paper["authors"]))


def filter_by(page, name: str) -> None:
    page.locator(f'article.card a.author[data-author="{name}"]').first.click()
    page.wait_for_function("() => !document.querySelector('#author-filter').hidden")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_plural_counts(demo_build, demo_site, site_url, new_context, lang):
    """"1 paper", "2 papers": the count chooses the message's form, in the browser as in the build."""
    counts = papers_by_author(demo_build)
    one = next(n for n in linked_authors(demo_site) if counts[n] == 1)
    several = max(counts, key=lambda n: (counts[n], n))
    assert counts[several] >= 2, "the demo has an author of several papers (Chiwun Yang)"
    context = new_context()
    context.add_init_script(f"try {{ localStorage.setItem('academichub.lang', '{lang}'); }} catch (e) {{}}")
    page = context.new_page()
    page.goto(f"{site_url}{DAY}/")
    page.wait_for_load_state("networkidle")
    t = EN if lang == "en" else ZH
    filter_by(page, one)
    assert page.locator("#filter-count").inner_text() == t("filter_count", count=1, name=one)
    page.goto(f"{site_url}search/?author={quote(one)}")
    expect_text(page.locator("#search-status"), t("search_author_results", count=1, name=one))
    page.goto(f"{site_url}search/?author={quote(several)}")
    expect_text(page.locator("#search-status"), t("search_author_results", count=counts[several], name=several))
    if lang == "en":
        assert t("filter_count", count=1, name=one) == f"1 paper by {one} on this page"
        assert t("search_author_results", count=2, name=several) == f"2 papers by {several}"
    else:
        assert t("filter_count", count=1, name=one) == f"本页有{one}的论文1篇"
        assert page.locator(".chip-text").inner_text().startswith("作者：")


def expect_text(locator, text: str) -> None:
    from playwright.sync_api import expect
    expect(locator).to_have_text(text, timeout=20_000)


def test_follow_shows_its_state_and_can_be_undone(demo_site, site_url, page):
    name = linked_authors(demo_site)[0]
    page.goto(f"{site_url}{DAY}/")
    page.wait_for_load_state("networkidle")
    filter_by(page, name)
    button = page.locator("#author-follow")
    assert button.get_attribute("aria-pressed") == "false" and button.inner_text() == f"Follow {name}"
    button.click()
    assert button.get_attribute("aria-pressed") == "true"
    assert button.inner_text() == f"Following {name} ✓"
    assert page.locator("article.card.followed").count() >= 1
    assert "On my radar: " in page.locator("article.card.followed .follow-mark").first.inner_text()
    stored = json.loads(page.evaluate("localStorage.getItem('academichub.follows')"))
    assert stored == [{"kind": "author", "value": name}]
    page.reload()
    page.wait_for_load_state("networkidle")
    assert button.get_attribute("aria-pressed") == "true", "the state is the stored one after a reload"
    button.click()
    assert button.get_attribute("aria-pressed") == "false" and button.inner_text() == f"Follow {name}"
    assert page.locator("article.card.followed").count() == 0
    assert json.loads(page.evaluate("localStorage.getItem('academichub.follows')")) == []


def test_without_javascript_author_links_and_radar_are_useful(demo_site, site_url, new_context):
    page = new_context(java_script_enabled=False).new_page()
    page.goto(f"{site_url}{DAY}/")
    link = page.locator("article.card a.author").first
    name = link.inner_text()
    link.click()
    page.wait_for_load_state("load")
    assert page.url.endswith(f"search/?author={quote(name, safe='')}") or "search/?author=" in page.url
    note = page.locator("#search-nojs")
    assert note.is_visible()
    assert EN("author_needs_js") in note.inner_text() and EN("search_needs_js") in note.inner_text()
    note.locator("a[href$='archive/']").click()
    page.wait_for_load_state("load")
    assert page.locator(f"a[href$='{DAY}/']").count(), "the archive lists the day"

    page.goto(f"{site_url}radar/")
    mine = page.locator("#my-radar")
    assert mine.locator(".nojs").is_visible()
    assert EN("my_radar_needs_js") in mine.inner_text()
    assert not page.locator("#follow-form").is_visible(), "no form that cannot work"
    owner = page.locator("#owner-radar")
    assert owner.is_visible() and owner.locator("a.badge").count() >= 1
    assert owner.locator("ol.entries li").count() >= 1
    mine.locator(".nojs a").click()
    assert page.url.endswith("#owner-radar")


def test_cards_fetched_from_the_next_page_come_in_the_reader_language(demo_build, site_url, new_context):
    """"Another batch" brings the day's later cards from its numbered page: their labels in Chinese too."""
    papers = len(json.loads((demo_build[0] / "days" / f"{DAY}.json").read_text(encoding="utf-8"))["papers"])
    context = new_context()
    context.add_init_script("try { localStorage.setItem('academichub.lang', 'zh'); } catch (e) {}")
    page = context.new_page()
    page.goto(f"{site_url}{DAY}/")
    page.wait_for_load_state("networkidle")
    on_page = page.locator("article.card").count()
    assert on_page < papers, "the demo's day has a second numbered page"
    for _ in range(papers):
        if page.locator("article.card").count() == papers:
            break
        page.wait_for_function("() => !document.querySelector('#another-batch').disabled")
        page.click("#another-batch")
    assert page.locator("article.card").count() == papers
    labels = page.locator("article.card .authors [data-i18n]").all_inner_texts()
    assert len(labels) > on_page * 0.8 and set(labels) == {ZH("authors_label")}, Counter(labels)
    assert set(page.locator("article.card").evaluate_all("cs => cs.map(c => c.lang)")) == {"en"}
