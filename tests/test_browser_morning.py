"""The reader's morning in headless Chromium: papers on the first screen, the skip link, print, no layout shift,
/status/ on a phone, and each page's head (description, Open Graph, favicon)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

DESKTOP, PHONE = {"width": 1280, "height": 800}, {"width": 390, "height": 844}
# Sums the page's layout shifts as Lighthouse's CLS does for a load: every shift not caused by input.
CLS = """() => new Promise(done => { let sum = 0;
  new PerformanceObserver(list => { for (const e of list.getEntries()) if (!e.hadRecentInput) sum += e.value; })
    .observe({type: "layout-shift", buffered: true});
  setTimeout(() => done(sum), 1500); })"""


def days(content: Path) -> list[str]:
    return sorted(p.stem for p in (content / "days").glob("????-??-??.json"))


def open_at(new_context, url: str, viewport: dict, **options):
    phone = viewport["width"] < 600
    page = new_context(viewport=viewport, is_mobile=phone, has_touch=phone, **options).new_page()
    page.goto(url)
    page.wait_for_load_state("networkidle")
    return page


def box(page, selector: str) -> dict:
    found = page.locator(selector).first.bounding_box()
    assert found, f"{selector} is not rendered"
    return found


@pytest.mark.parametrize("size", ["desktop", "phone"])
@pytest.mark.parametrize("which", ["front", "day"])
def test_card_01_and_the_briefing_are_on_the_first_screen(which, size, demo_build, site_url, new_context):
    """Card 01's number and title are inside the first viewport, and so is the briefing: beside the cards on a wide
    screen, a short opening above them on a phone, whose "read the whole briefing" opens the rest."""
    content, _ = demo_build
    viewport = DESKTOP if size == "desktop" else PHONE
    page = open_at(new_context, site_url + ("" if which == "front" else days(content)[0] + "/"), viewport)
    title = box(page, "article.card .title")
    number = page.locator("article.card .num").first.inner_text()
    assert number == "01.", number
    assert title["y"] + title["height"] <= viewport["height"], \
        f"card 01's title ends at y = {title['y'] + title['height']:.0f} px, below the {viewport['height']} px screen"
    briefing, card = box(page, "#briefing"), box(page, "article.card")
    assert briefing["y"] < viewport["height"] / 2, f"the briefing starts at y = {briefing['y']:.0f} px"
    more = page.locator(".briefing-more a")
    if size == "desktop":
        assert briefing["x"] >= card["x"] + card["width"], "the briefing is not beside the cards"
        assert not more.is_visible(), "the whole briefing is shown: no 'read the whole briefing' link"
        return
    assert briefing["y"] + briefing["height"] <= card["y"], "the briefing's opening is not above card 01"
    assert briefing["height"] < viewport["height"] / 3, f"the briefing's opening is {briefing['height']:.0f} px tall"
    text = page.locator("#briefing .briefing-text")
    clipped = text.evaluate("e => [e.clientHeight, e.scrollHeight]")
    assert clipped[0] < clipped[1], "the opening shows the whole briefing: nothing to read on"
    more.click()
    opened = text.evaluate("e => [e.clientHeight, e.scrollHeight]")
    assert opened[0] >= opened[1] > clipped[0], f"'read the whole briefing' did not open it: {clipped} -> {opened}"
    assert not more.is_visible()


# Counts the page scripts' reads of layout outside a ResizeObserver's callback (which runs after the browser's own
# layout, so its reads force none): each such read after a change to the page forces a synchronous layout.
LAYOUT_READS = """(() => {
  window.__layoutReads = []; let inObserver = 0;
  const Observer = window.ResizeObserver;
  window.ResizeObserver = class extends Observer {
    constructor(callback) { super((...args) => { inObserver++; try { callback(...args); } finally { inObserver--; } }); }
  };
  const count = (proto, name) => {
    const d = Object.getOwnPropertyDescriptor(proto, name);
    const wrap = function (...args) {
      if (!inObserver) window.__layoutReads.push(name + " " + (new Error().stack.split("\\n")[2] || "").trim());
      return d.get ? d.get.call(this) : d.value.apply(this, args);
    };
    Object.defineProperty(proto, name, d.get ? {get: wrap, configurable: true} : {value: wrap, configurable: true});
  };
  for (const name of ["scrollHeight", "scrollWidth", "clientHeight", "clientWidth"]) count(Element.prototype, name);
  for (const name of ["offsetHeight", "offsetWidth", "offsetTop"]) count(HTMLElement.prototype, name);
  count(Element.prototype, "getBoundingClientRect");
})();"""


@pytest.mark.parametrize("which", ["front", "day"])
def test_the_load_forces_no_layout_per_card(which, demo_build, site_url, new_context):
    """Lighthouse's long task on a day page was the card script measuring each card's abstract as it added its
    buttons (~50 forced layouts). While the page loads and its scripts start, no script reads layout outside a
    ResizeObserver's callback; and "More" is still shown exactly where the clamp hides text."""
    content, _ = demo_build
    context = new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    context.add_init_script(LAYOUT_READS)
    page = context.new_page()
    page.goto(site_url + ("" if which == "front" else days(content)[0] + "/"))
    page.wait_for_load_state("networkidle")
    reads = page.evaluate("window.__layoutReads")
    assert not reads, f"{len(reads)} layout reads while the page loads: {reads[:3]}"
    more = page.evaluate("""() => [...document.querySelectorAll('article.card:not([hidden])')].map(c => {
        const p = c.querySelector('.abstract p'), b = c.querySelector('.actions .more');
        return p && b ? [p.scrollHeight > p.clientHeight + 1, !b.hidden] : null; }).filter(Boolean)""")
    assert len(more) >= 10 and any(hides for hides, _ in more), more
    assert all(hides == shown for hides, shown in more), f"'More' where nothing is hidden, or missing: {more}"


def test_skip_link_lands_on_the_cards(site_url, page):
    """The first Tab stop is the skip link; after it, the next Tab is card 01's title link."""
    page.goto(site_url)
    page.wait_for_load_state("networkidle")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.matches('a.skip')"), "the first Tab stop is not the skip link"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    first = page.locator("article.card").first.locator("a").first.get_attribute("href")
    focused = page.evaluate("[document.activeElement.getAttribute('href'), !!document.activeElement.closest('article.card')]")
    assert focused == [first, True], f"after the skip link, Tab went to {focused[0]}, not card 01's {first}"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_print_has_every_card_open_in_dark_ink_and_no_controls(scheme, demo_site, site_url, new_context):
    """Printed, the page shows every card of the day: the batches the screen hides, and those of the day's later
    numbered pages (fetched when the print starts); each abstract open, dark text on a light page even when the
    system is dark, and no menu or button."""
    page = open_at(new_context, site_url, DESKTOP, color_scheme=scheme)
    front = (demo_site / "index.html").read_text(encoding="utf-8")
    in_html = len(re.findall(r'<article class="card', front))
    of_day = int(re.search(r'data-total="(\d+)"', front).group(1))
    assert page.locator("article.card:visible").count() < in_html < of_day, \
        "the demo's front page should hide a later batch on screen and leave cards to its page 2"
    page.emulate_media(media="print", color_scheme=scheme)
    page.pdf()   # a print: the browser's "beforeprint", then its print layout
    printed = page.evaluate("""() => {
        const seen = e => e.checkVisibility({visibilityProperty: true});
        const rgb = c => c.match(/\\d+/g).slice(0, 3).map(Number);
        const lum = c => { const [r, g, b] = rgb(c); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
        const cards = [...document.querySelectorAll('article.card')];
        const text = c => c.querySelector('.abstract p');
        const open = c => text(c) && seen(text(c)) && text(c).scrollHeight <= text(c).clientHeight + 1
                          && text(c).getBoundingClientRect().height > 0;
        return {cards: cards.filter(seen).length, abstracts: cards.filter(c => c.querySelector('.abstract')).length,
                closed: cards.filter(c => c.querySelector('.abstract') && !open(c)).map(c => c.id),
                controls: [...document.querySelectorAll('nav, button, .lang-switch, .skip, .briefing-more')]
                  .filter(seen).map(e => e.outerHTML.slice(0, 60)),
                ink: [document.body, ...document.querySelectorAll('.card .title a, .card .summary, .meta')]
                  .map(e => lum(getComputedStyle(e).color)),
                paper: [document.body, document.querySelector('article.card')].map(e => lum(getComputedStyle(e).backgroundColor))};
    }""")
    assert printed["cards"] == of_day, f"{printed['cards']} of the day's {of_day} cards printed"
    assert printed["abstracts"] > of_day / 2, f"only {printed['abstracts']} of {of_day} cards have an abstract"
    assert not printed["closed"], f"abstracts printed closed or clipped: {printed['closed'][:5]}"
    assert not printed["controls"], f"controls printed: {printed['controls']}"
    assert max(printed["ink"]) < 100, f"printed text is pale: luminance {max(printed['ink']):.0f}"
    assert min(printed["paper"]) > 240, f"printed background is dark: luminance {min(printed['paper']):.0f}"


@pytest.mark.parametrize("size", ["desktop", "phone"])
@pytest.mark.parametrize("which", ["front", "day", "radar", "search"])
def test_no_layout_shift_while_the_page_loads(which, size, demo_build, site_url, new_context):
    """Cumulative layout shift under 0.05 while a page loads over a 150 ms round trip (the language switch and the
    follow form appear once the script runs: their place is kept from the first paint)."""
    content, _ = demo_build
    path = {"front": "", "day": days(content)[0] + "/", "radar": "radar/", "search": "search/"}[which]
    viewport = DESKTOP if size == "desktop" else PHONE
    page = new_context(viewport=viewport, is_mobile=size == "phone", has_touch=size == "phone").new_page()
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions",
             {"offline": False, "latency": 150, "downloadThroughput": -1, "uploadThroughput": -1})
    page.goto(site_url + path)
    page.wait_for_load_state("networkidle")
    assert page.locator("#lang-switch").is_visible(), "the script did not show the language switch"
    if which == "radar":
        assert page.locator("#follow-form").is_visible(), "the script did not show the follow form"
    shift = page.evaluate(CLS)
    assert shift < 0.05, f"/{path} at {viewport['width']} px: CLS {shift:.3f}"


def tab_to_and_scroll(page, reached: str, presses: int, what: str) -> None:
    """Tab until the expression `reached` holds (at most `presses` times), then check the focused scroll area shows
    its focus and scrolls with the right arrow key."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate(reached):
            break
    else:
        pytest.fail(f"Tab never reached {what}")
    assert page.evaluate("document.activeElement.matches(':focus-visible')"), f"{what}: no visible focus"
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.activeElement.scrollLeft > 0")


def test_status_table_on_a_phone(site_url, new_context):
    """At 390 px no date on /status/ breaks across lines, a visible hint says the table scrolls, and the keyboard
    reaches the table's scroll area and scrolls it."""
    page = open_at(new_context, site_url + "status/", PHONE)
    dates = page.locator(".status td").evaluate_all("""cells => cells.filter(c => /^\\d{4}-\\d\\d-\\d\\d/.test(c.textContent.trim())).map(c => {
        const r = document.createRange(); r.selectNodeContents(c);
        return [c.textContent.trim(), new Set([...r.getClientRects()].map(x => Math.round(x.top))).size]; })""")
    assert dates, "no dates on /status/"
    broken = [d for d, lines in dates if lines > 1]
    assert not broken, f"dates broken across lines: {broken[:3]}"
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d.*", d) for d, _ in dates), dates[:3]
    region = page.locator(".tablewrap")
    assert region.evaluate("e => e.scrollWidth > e.clientWidth"), "the table fits: the test should see it scroll"
    assert page.locator(".scrollhint").is_visible(), "no visible hint that the table scrolls"
    tab_to_and_scroll(page, "document.activeElement.matches('.tablewrap')", 40, "the status table's scroll area")
    source = box(page, ".status tbody th")
    assert source["x"] >= 0, "the source column scrolled out of sight"


def head(html: str) -> dict[str, str]:
    """The page's description, Open Graph properties and icon link."""
    found = {f"og:{k}": v for k, v in re.findall(r'<meta property="og:(\w+)" content="([^"]*)"', html)}
    found.update(re.findall(r'<meta name="(description)" content="([^"]*)"', html))
    found.update(("icon", v) for v in re.findall(r'<link rel="icon" href="([^"]*)"', html))
    return found


def test_every_page_has_its_own_description_open_graph_and_a_favicon(demo_build, site_url, page):
    """Each kind of page describes itself (a day: its date, count and topics; a topic: the topic), carries og:title,
    og:description and og:type (no og:url without a base URL), and links the site's own SVG icon."""
    content, site = demo_build
    latest = days(content)[-1]
    papers = json.loads((content / "days" / f"{latest}.json").read_text(encoding="utf-8"))["papers"]
    topic = sorted(site.joinpath("topics").iterdir())[0].name
    paths = {"front": "", "day": f"{latest}/", "day_topic": f"{latest}/{papers[0]['topics'][0]}/",
             "topic": f"topics/{topic}/", "archive": "archive/", "status": "status/", "search": "search/",
             "radar": "radar/"}
    heads = {k: head((site / p / "index.html").read_text(encoding="utf-8")) for k, p in paths.items()}
    for kind, h in heads.items():
        assert {"description", "og:title", "og:description", "og:type", "icon"} <= set(h), (kind, h)
        assert h["og:description"] == h["description"] and "og:url" not in h, (kind, h)
    described = [h["description"] for h in heads.values()]
    assert len(set(described)) == len(described), f"pages share a description: {described}"
    assert latest in heads["day"]["description"] and str(len(papers)) in heads["day"]["description"]
    page.goto(site_url + f"topics/{topic}/")
    heading = page.locator("h1").inner_text()   # "Latest days in <the topic>"
    assert heads["topic"]["description"] == heading, (heading, heads["topic"]["description"])
    icon = page.request.get(site_url + "topics/" + topic + "/" + heads["topic"]["icon"])
    assert icon.ok and icon.headers["content-type"].startswith("image/svg"), icon.status
    assert b"<svg" in icon.body() and b"http" not in icon.body().replace(b"http://www.w3.org/2000/svg", b"")


def test_og_url_is_the_canonical_address_with_a_base_url(tmp_path):
    """With site.base_url set, og:url is each page's canonical address."""
    import build
    content, site = tmp_path / "content", tmp_path / "site"
    assert build.main(["--demo", "--content", str(content), "--site", str(site),
                       "--base-url", "https://example.org/hub/"]) == 0
    latest = days(content)[-1]
    for path in ("", f"{latest}/", "status/"):
        html = (site / path / "index.html").read_text(encoding="utf-8")
        canonical = re.search(r'<link rel="canonical" href="([^"]*)"', html)
        assert canonical and head(html).get("og:url") == canonical.group(1) == "https://example.org/hub/" + path
