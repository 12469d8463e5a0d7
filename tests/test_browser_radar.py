"""The reader's radar, the author filter and the owner's radar agree, in Chromium: one fold, keys written by the build.

Expected papers are written down from the demo feeds (demo/feeds/2026-06-17/), not derived from the matcher.
"""

from __future__ import annotations

import json
import unicodedata

import pytest

from digest.radar import fold

pytestmark = pytest.mark.browser
DAY = "2026-06-17"
# The one paper of the day whose title or abstract says "LLM(s)" as a word (arxiv-cs-cl.xml); every card's
# note says "not an LLM summary", and that must not count.
LLM_PAPERS = {"arXiv:2606.14833"}
STRAUSS_PAPER = "arXiv:2606.14951"   # arxiv-math-pr.xml, by "Johann Strauß"


def follow(page, site_url: str, kind: str, value: str) -> None:
    page.goto(f"{site_url}radar/")
    page.wait_for_load_state("networkidle")
    page.locator("#follow-kind").select_option(kind)
    page.locator("#follow-input").fill(value)
    page.locator("#follow-add").click()
    page.wait_for_load_state("networkidle")


def followed_ids(page, url: str) -> set[str]:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    return set(page.locator("article.card.followed").evaluate_all("els => els.map(e => e.id)"))


def test_keyword_follow_matches_title_and_abstract_only(demo_build, site_url, page):
    follow(page, site_url, "keyword", "LLM")
    assert followed_ids(page, f"{site_url}{DAY}/") == LLM_PAPERS
    follow(page, site_url, "keyword", "Abstract")   # the cards' "Abstract" label is chrome, not the paper's text
    assert followed_ids(page, f"{site_url}{DAY}/") == LLM_PAPERS


def test_strauss_finds_strauss_everywhere(demo_build, site_url, page):
    from playwright.sync_api import expect
    follow(page, site_url, "author", "Johann Strauss")
    expect(page.locator("#follow-matches > li a")).to_have_count(1)
    assert STRAUSS_PAPER in page.locator("#follow-matches > li a").get_attribute("href")
    assert followed_ids(page, f"{site_url}{DAY}/") == {STRAUSS_PAPER}

    page.goto(f"{site_url}{DAY}/?author=Johann%20Strauss")
    page.wait_for_load_state("networkidle")
    assert page.locator("section.cards article.card:visible").evaluate_all("els => els.map(e => e.id)") == [STRAUSS_PAPER]

    page.goto(f"{site_url}search/?author=JOHANN%20STRAUSS")
    page.wait_for_load_state("networkidle")
    expect(page.locator("#search-results > li.result")).to_have_count(1)


TRICKY = ["Johann Strauß", "JOHANN STRAUSS", "שָׁלוֹם כֹּהֵן", "שלום כהן", "İstanbul", "ılık", "ΟΔΥΣΣΕΥΣ", "Σίσυφος",
          "A\u030angström", "Ångström", "Ｙａｎｇ Ｌｉ", "ﬁne ﬂow", "Jörg\u00a0\u2003Müller", "e\x1cf\tg",
          "ŉ ǅ ſ ẞ", "Ꭰꭰ", "क्षत्रिय", "राम", "Nguyễn Thị Minh Khai", "王小明", "김민준", "¨a´", "\U0001d400\U0001d7ce"]


def test_browser_fold_agrees_with_python_on_every_character(demo_build, site_url, page):
    """static/js/fold.js (with the build's fold-data.js) folds exactly as digest/radar.py's fold."""
    content, _ = demo_build
    names = [a for p in json.loads((content / "days" / f"{DAY}.json").read_text())["papers"] for a in p["authors"]]
    page.goto(f"{site_url}radar/")
    page.wait_for_load_state("networkidle")
    corpus = names + TRICKY
    got = page.evaluate("""async (corpus) => {
        const { fold } = await import("./static/js/fold.js".replace("./", document.documentElement.dataset.root));
        const changed = {};
        for (let code = 0; code < 0x110000; code++) {
          if (code >= 0xd800 && code < 0xe000) continue;
          const ch = String.fromCodePoint(code);
          for (const [pre, post] of [["a", "b"], ["ж", "ж"]]) {
            const out = fold(pre + ch + post);
            if (out !== pre + ch + post) changed[pre + code] = out;
          }
        }
        return { changed, corpus: corpus.map(fold) };
    }""", corpus)
    assert got["corpus"] == [fold(s) for s in corpus]
    bad = []
    for code in range(0x110000):
        ch = chr(code)
        if unicodedata.category(ch) in ("Cn", "Cs"):   # unassigned in Python's Unicode: nothing to agree on
            continue
        for pre, post in (("a", "b"), ("ж", "ж")):
            text = pre + ch + post
            if got["changed"].get(pre + str(code), text) != fold(text):
                bad.append((hex(code), got["changed"].get(pre + str(code), text), fold(text)))
    assert not bad, bad[:20]
