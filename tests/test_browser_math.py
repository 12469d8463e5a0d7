"""Math in a real headless Chromium: the build's MathML renders with JavaScript off, no page asks for a typesetter,
and a hostile formula in a title stays inside its card."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from browser_fixtures import missing, serve_site, vnu_errors
from test_browser_morning import tab_to_and_scroll
from test_mathml import ARXIV_SAMPLE

from digest.archive import Day, State
from digest.config import load_config
from digest.papers import Paper
from digest.site import render_site

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent
DAY = date(2026, 6, 17)
HOSTILE_TITLES = {
    "rule": r"Covering the page with $\rule{9999em}{9999em}$ a rule",
    "space": r"Pushing the page wide with $\hspace{9999em}x \kern9999em y$ spaces",
    "long": "A long formula $" + "+".join(f"x_{{{i}}}^{{2}}" for i in range(40)) + "$ in a title",
    "display": r"A displayed sum $$\sum_{i=1}^{n} \frac{x_i}{\sqrt{n}}$$ in a title",
    "huge": r"Tall operators $\Bigg( \displaystyle\int_0^1 \Bigg)$ and $\href{javascript:alert(1)}{click}$",
}


def archive_titles(content: Path) -> list[tuple[str, str, str]]:
    """(day, paper id, title) of every demo paper whose title holds `$`, from content/days/*.json."""
    return [(p.stem, paper["id"], paper["title"]) for p in sorted((content / "days").glob("????-??-??.json"))
            for paper in json.loads(p.read_text(encoding="utf-8"))["papers"] if "$" in paper["title"]]


def bytes_of(page) -> int:
    """Bytes of every response body the page received (the demo's server sends no compression)."""
    return page.evaluate("""() => performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))
        .reduce((n, e) => n + (e.transferSize || e.decodedBodySize || 0), 0)""")


def test_a_formula_renders_as_mathml_with_javascript_off(demo_build, site_url, new_context):
    content, _ = demo_build
    day, paper_id, title = archive_titles(content)[0]
    page = new_context(java_script_enabled=False).new_page()
    page.goto(f"{site_url}{day}/")
    heading = page.locator(f'article.card[id="{paper_id}"] .title')
    assert heading.locator("math").count() >= 1, heading.inner_html()
    assert "$" not in heading.inner_text() and "$" in title, (heading.inner_text(), title)
    box = heading.locator("math").first.bounding_box()
    assert box and box["width"] > 5 and 5 < box["height"] < 60, box   # laid out as math, not as a raw string
    # MathML Core layout: an msup's script is raised above its base, which a browser without MathML would not do
    raised = page.evaluate("""() => { const s = document.querySelector('article.card .title msup, article.card .title msub');
        if (!s) return null; const [b, x] = s.children; return [b.getBoundingClientRect().top, x.getBoundingClientRect().top]; }""")
    assert raised is None or raised[0] != raised[1], raised


def test_no_page_requests_a_typesetter(demo_build, site_url, new_context):
    content, _ = demo_build
    day = archive_titles(content)[0][0]
    context = new_context()
    for path in ("", f"{day}/", "search/"):
        page = context.new_page()
        page.goto(site_url + path)
        page.wait_for_load_state("networkidle")
        assert path or page.locator("math").count(), "the front page of the demo shows math"
        page.close()
    asked = context.request_log.urls
    assert asked and not [u for u in asked if re.search(r"katex|mathjax|math\.js", u, re.I)], asked


def test_weight_of_the_front_page_with_a_formula(demo_build, site_url, new_context):
    """The front page with its formulas weighs what its own HTML, CSS and reader scripts weigh: no math bundle."""
    page = new_context().new_page()
    page.goto(site_url)
    page.wait_for_load_state("networkidle")
    assert page.locator("section.cards math").count() >= 1
    spent = bytes_of(page)
    html = len(page.content().encode())
    assert spent < html + 100_000, (spent, html)   # KaTeX alone was 267 KiB of script, 496 KB the whole page


SUMMARIES = {"en": r"The bound $\frac{a}{b} \le \sqrt{n}$ holds.", "zh": r"界 $\frac{c}{d} \ge x^{2}$ 成立。"}


@pytest.fixture(scope="module")
def hostile_math_site(tmp_path_factory):
    site = tmp_path_factory.mktemp("hostile-math")
    papers = tuple(Paper(id=f"arXiv:2606.{30000 + n}", title=title, authors=("Ada Lovelace",),
                         abstract=f"We study {key}: {title}. " + " and ".join(f"${tex}$" for tex in ARXIV_SAMPLE),
                         url=f"https://arxiv.org/abs/2606.{30000 + n}", day=DAY,
                         sources=("arxiv-cs-lg",), topics=("cs.LG",), version=1, announce="new",
                         summary=SUMMARIES if key == "display" else {}, summary_model="test-model",
                         summary_version=1)
                   for n, (key, title) in enumerate(HOSTILE_TITLES.items()))
    render_site(load_config(ROOT / "demo" / "sources.yaml"), [Day(DAY, papers)], State(), site)
    return site


def test_the_mathml_is_valid_html(hostile_math_site):
    """The Nu Html Checker reads every formula of the sample, displayed and inline, without an error."""
    page = hostile_math_site / DAY.isoformat() / "index.html"
    assert page.read_text(encoding="utf-8").count("<math") > len(ARXIV_SAMPLE)
    errors = vnu_errors([page], hostile_math_site)
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("width", [360, 1280])
def test_a_hostile_formula_stays_inside_its_card(hostile_math_site, new_context, width):
    page = new_context(java_script_enabled=False, viewport={"width": width, "height": 800}).new_page()
    page.goto(serve_site(hostile_math_site) + DAY.isoformat() + "/")
    cards = page.locator("article.card")
    assert cards.count() == len(HOSTILE_TITLES)
    for i in range(cards.count()):
        card = cards.nth(i)
        outer = card.bounding_box()
        # a wide formula's scroll box (its own, or the title's link) stays inside, any other formula itself does
        shown = ", ".join(f".{where} {what}" for where in ("title", "summary", "abstract")
                          for what in (".math-wide:not(a .math-wide)", "a:has(.math-wide)", "math:not(.math-wide math)",
                                       ".tex"))
        for part in card.locator(shown).all():
            box = part.bounding_box()
            assert box, part.inner_html()
            assert outer["x"] - 1 <= box["x"] and box["x"] + box["width"] <= outer["x"] + outer["width"] + 1, (i, box)
            assert outer["y"] - 1 <= box["y"] and box["y"] + box["height"] <= outer["y"] + outer["height"] + 1, (i, box)
            assert box["height"] < 300, (i, box)
        assert outer["height"] < 1200, (i, outer)
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "a formula widened the page"
    assert not page.locator("[href^='javascript'], [style], math [class], math [id]").count()
    rule = page.locator("article.card").nth(0).locator(".title .tex")
    assert rule.inner_text() == r"$\rule{9999em}{9999em}$"   # refused by the converter: the TeX as written


def test_the_switched_languages_summary_is_mathml_too(hostile_math_site, new_context):
    """A summary in the other language is typeset at build time like the page's own: switched to Chinese (and back),
    the card's summary holds the formula as MathML, never its TeX."""
    page = new_context().new_page()
    page.goto(serve_site(hostile_math_site) + DAY.isoformat() + "/?lang=zh")
    page.wait_for_load_state("networkidle")
    summary = page.locator("article.card .summary").first
    assert summary.get_attribute("lang") == "zh-Hans" and "成立" in summary.inner_text(), summary.inner_html()
    assert summary.locator("math mfrac").count() == 1 and summary.locator("math msup").count() == 1, summary.inner_html()
    assert "$" not in summary.inner_text() and "\\frac" not in summary.inner_text(), summary.inner_text()
    page.locator('#lang-switch button[data-lang="en"]').click()
    assert "holds" in summary.inner_text() and summary.locator("math msqrt").count() == 1, summary.inner_html()
    assert "$" not in summary.inner_text()


@pytest.mark.parametrize("width", [360, 1280])
def test_a_wide_formula_scrolls_by_keyboard(hostile_math_site, new_context, width):
    """A formula wider than its text is in a scroll box that Tab reaches and the arrow keys scroll (axe:
    scrollable-region-focusable, serious): its own box in an abstract, the title's link in a title; nothing on the
    page scrolls sideways without taking focus."""
    page = new_context(viewport={"width": width, "height": 800}).new_page()
    page.goto(serve_site(hostile_math_site) + DAY.isoformat() + "/")
    page.wait_for_load_state("networkidle")
    unreachable = page.evaluate("""() => [...document.querySelectorAll('main *')]
        .filter(e => !['visible', 'clip'].includes(getComputedStyle(e).overflowX) && e.scrollWidth > e.clientWidth + 1
                     && e.tabIndex < 0).map(e => e.outerHTML.slice(0, 80))""")
    assert not unreachable, f"boxes that scroll but take no focus: {unreachable}"
    long = page.locator('article.card[id="arXiv:2606.30002"]')   # HOSTILE_TITLES["long"]: its title and abstract
    for where in (".abstract .math-wide", ".title a"):
        assert long.locator(where).evaluate("e => e.scrollWidth > e.clientWidth"), f"{where} should scroll here"
        long.locator(where).evaluate("e => e.setAttribute('data-wide-test', '')")
        tab_to_and_scroll(page, "document.activeElement.hasAttribute('data-wide-test')", 120, where)
        page.evaluate("document.querySelector('[data-wide-test]').removeAttribute('data-wide-test')")
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        missing("the Python package axe-playwright-python is not installed")
    found = Axe().run(page, options={"runOnly": ["scrollable-region-focusable"]}).response["violations"]
    assert not found, [n["target"] for v in found for n in v["nodes"]]
