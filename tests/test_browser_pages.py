"""The demo site in a real headless Chromium: valid HTML, accessible, readable on phones, in the dark, by keyboard, without JS."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from browser_fixtures import missing, vnu_errors

pytestmark = pytest.mark.browser


def day_files(content: Path) -> list[Path]:
    return sorted((content / "days").glob("????-??-??.json"))


def papers_on(content: Path, day: str) -> list[dict]:
    return json.loads((content / "days" / f"{day}.json").read_text(encoding="utf-8"))["papers"]


@pytest.fixture(scope="module")
def pages(demo_build) -> dict[str, str]:
    """The pages every check visits (paths under the site root); front_zh is the front page switched to Chinese."""
    content, site = demo_build
    days = [p.stem for p in day_files(content)]
    assert len(days) >= 2, "the demo should have at least two days"
    latest = days[-1]
    topic = sorted((d.name for d in (site / latest).iterdir() if d.is_dir()),
                   key=lambda t: -sum(t in p["topics"] for p in papers_on(content, latest)))[0]
    return {"front": "", "day": f"{days[0]}/", "day_topic": f"{latest}/{topic}/", "archive": "archive/",
            "status": "status/", "search": "search/", "radar": "radar/", "front_zh": "?lang=zh"}


def test_every_page_is_valid_html(demo_site):
    """The Nu Html Checker, run once over every generated page and the stylesheet, reports no error."""
    html = sorted(demo_site.rglob("*.html"))
    css = sorted(demo_site.rglob("*.css"))
    assert len(html) > 10
    errors = vnu_errors(html + css, demo_site, "--also-check-css")
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("which", ["front", "day", "day_topic", "archive", "status", "search", "radar", "front_zh",
                                   "front_dark"])
def test_no_serious_accessibility_violation(which, pages, site_url, new_context):
    """axe-core finds no serious or critical violation on each kind of page (front_dark: colour contrast in dark mode)."""
    page = new_context(color_scheme="dark" if which == "front_dark" else "light").new_page()
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        missing("the Python package axe-playwright-python is not installed")
    page.goto(site_url + pages["front" if which == "front_dark" else which])
    page.wait_for_load_state("networkidle")   # let the page's script settle first
    if which == "front_zh":
        assert page.get_attribute("html", "lang") == "zh-Hans", "?lang=zh did not switch the page"
    result = Axe().run(page)
    bad = [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
           for v in result.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, "\n".join(bad)
    assert result.response["passes"], "axe ran no rule at all"


def test_phone_layout_has_no_horizontal_scroll(pages, site_url, new_context):
    """At 360 px wide no page is wider than the screen."""
    page = new_context(viewport={"width": 360, "height": 740}, device_scale_factor=1, is_mobile=True,
                       has_touch=True).new_page()
    for which, path in pages.items():
        page.goto(site_url + path)
        page.wait_for_load_state("networkidle")
        width, client = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert client <= 360 and width <= client, f"{which} page is {width} px wide in a {client} px screen"


def test_dark_mode_changes_the_background(site_url, new_context):
    """prefers-color-scheme: dark gives a dark background with light text."""
    def colours(scheme: str) -> list[list[int]]:
        page = new_context(color_scheme=scheme).new_page()
        page.goto(site_url)
        css = page.evaluate("[getComputedStyle(document.body).backgroundColor, getComputedStyle(document.body).color]")
        return [[int(x) for x in re.findall(r"\d+", c)[:3]] for c in css]

    def luminance(rgb: list[int]) -> float:
        return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]

    (light_bg, light_fg), (dark_bg, dark_fg) = colours("light"), colours("dark")
    assert light_bg != dark_bg
    assert luminance(light_bg) > 200 > luminance(light_fg)
    assert luminance(dark_bg) < 60 < luminance(dark_fg)


def test_keyboard_reaches_first_card_link_with_visible_focus(site_url, page):
    """Tab from the top of the page reaches the first card's title link, drawn with a focus outline."""
    page.goto(site_url)
    first = page.locator(".card").first.locator("a").first
    expected = first.get_attribute("href")
    for presses in range(1, 60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('.card') !== null"):
            break
    else:
        pytest.fail("60 Tab presses never reached a card")
    focused = page.evaluate("""() => { const a = document.activeElement, s = getComputedStyle(a);
        return {href: a.getAttribute('href'), style: s.outlineStyle, width: parseFloat(s.outlineWidth),
                shadow: s.boxShadow, visible: a.matches(':focus-visible')}; }""")
    assert focused["href"] == expected, f"the first focus in a card is {focused['href']}, not its first link"
    assert focused["visible"], "the focused link does not match :focus-visible"
    assert (focused["style"] != "none" and focused["width"] >= 2) or focused["shadow"] != "none", focused
    assert presses < 40, f"{presses} Tab presses to reach the first card is too many"


def test_without_javascript_every_card_is_on_the_page(demo_build, pages, site_url, new_context):
    """With JavaScript off, a day page and the front page carry every paper of their day, visible, on their
    numbered pages (a day whose cards weigh more than a page holds goes on at page/2/, linked as "Next page")."""
    content, _ = demo_build
    page = new_context(java_script_enabled=False).new_page()
    days = [p.stem for p in day_files(content)]
    for path, day in ((pages["day"], days[0]), ("", days[-1])):
        page.goto(site_url + path)
        ids = [p["id"] for p in papers_on(content, day)]
        seen: list[str] = []
        while True:
            cards = page.locator("article.card")
            seen += cards.evaluate_all("els => els.map(e => e.id)")
            hidden = [c.get_attribute("id") for c in cards.all() if not c.is_visible()]
            assert not hidden, f"/{path}: cards hidden with JavaScript off: {hidden[:5]}"
            if not page.locator("a.page-next").count():
                break
            page.goto(page.locator("a.page-next").evaluate("a => a.href"))
        assert seen == ids, f"/{path}: {len(seen)} cards for {len(ids)} papers"
        page.goto(site_url + path)
        # Controls that need the script stay out of sight without it.
        dead = [sel for sel in ("#lang-switch", "#another-batch", "#followed-only", "#author-filter")
                if page.locator(sel).count() and page.locator(sel).is_visible()]
        assert not dead, f"/{path}: controls shown that cannot work with JavaScript off: {dead}"


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, {"width": 390, "height": 844}])
def test_the_week_page(viewport, demo_build, site_url, new_context):
    """/weeks/YYYY-Www/ (digest/site/weeks.py, templates/week.html) in Chromium: its heading, briefing and entries
    render, the console stays quiet, it fits a phone, and every link on it leads to a page of the site that holds
    what it points at (an entry's #id is a card on the page it names: a day's first page or a later numbered one)."""
    _, site = demo_build
    weeks = sorted(p.parent.name for p in site.glob("weeks/????-W??/index.html"))
    assert weeks, "the demo has no week page"
    phone = viewport["width"] < 600
    page = new_context(viewport=viewport, is_mobile=phone, has_touch=phone).new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.goto(f"{site_url}weeks/{weeks[-1]}/")
    page.wait_for_load_state("networkidle")
    assert weeks[-1] in page.locator("h1").inner_text()
    assert page.locator("#briefing").is_visible(), "the week's briefing is not shown"
    entries = page.locator("ol.entries li.entry")
    assert entries.count() >= 5, f"only {entries.count()} entries on the week page"
    assert entries.first.locator("math, a").count() and entries.first.is_visible()
    width, client = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width <= client, f"the week page is {width} px wide in a {client} px screen"
    assert not console, console
    links = page.locator("main a[href], header a[href], footer a[href]").evaluate_all("as => as.map(a => a.href)")
    assert len(links) > entries.count()
    checked: dict[str, str] = {}
    for link in sorted(set(links)):
        assert link.startswith(site_url), f"the week page links off the site: {link}"
        address, _, fragment = link.partition("#")
        if address not in checked:
            answer = page.request.get(address)
            assert answer.ok, f"{link}: HTTP {answer.status}"
            checked[address] = answer.text()
        if fragment:
            ids = {html.unescape(i) for i in re.findall(r'\bid="([^"]+)"', checked[address])}
            assert unquote(fragment) in ids, f"{link}: no element #{unquote(fragment)} on that page"
