"""Search in Chromium on a small bench-built site: bytes a query transfers, ranking, highlighting, abstracts of the
recent window, ?author= and a Chinese word. (Its timing under the throttled profile is judged in bench/run.py.)"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from urllib.parse import quote

import pytest

from browser_fixtures import serve_site
from digest.archive import Archive, Day
from digest.papers import Paper
from digest.site.searchdb import PAIR_CHARS

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent
OLD, TITLED, NEWEST = date(2025, 3, 10), date(2025, 6, 17), date(2025, 6, 20)
# A summary of more CJK characters than a segment indexes the pairs of (searchdb.PAIR_CHARS): 鳄鱼 is none of them.
MANY = "".join(chr(0x4E00 + k) for k in range(PAIR_CHARS + 8)) + "的鳄鱼。"
DONE = "#search-results[aria-busy=false] li"   # the results' first page is all there (the first rows show earlier)
FILLER = " ".join(["This sentence pads the abstract so that the words after it are not in the short summary."] * 4)


def paper(pid: str, day: date, title: str, abstract: str, authors=("Ada Pool",), summary=None) -> Paper:
    return Paper(id=f"arXiv:{pid}", title=title, authors=tuple(authors), abstract=abstract,
                 url=f"https://arxiv.org/abs/{pid}", day=day, sources=("arxiv-cs-lg",), topics=("cs.LG",), version=1,
                 summary=summary or {}, summary_model="test-model" if summary else None)


@pytest.fixture(scope="module")
def search_site(tmp_path_factory, browser) -> tuple[str, Path]:
    """Four days of the bench's papers, and the days holding the papers the tests look for."""
    sys.path.insert(0, str(ROOT / "bench"))
    import run as bench
    import build
    folder = tmp_path_factory.mktemp("search")
    # The bench's papers without their model summaries: the Chinese papers below are their month's first CJK, so
    # its segment indexes the pairs of their commonest characters (searchdb.pair_chars), 学习 among them.
    config, content, gen, _, _ = bench.make_archive(folder, 4, 30, 4, summaries=False)   # 2025-06-16 .. 2025-06-19
    archive = Archive(content)
    archive.write_day(Day(OLD, (paper("2503.00001", OLD, "An Old Paper", f"{FILLER} It studies the quokka."),
                                paper("2503.00002", OLD, "Reptiles", "Reptiles.", summary={"en": "On reptiles.", "zh": MANY}))))
    archive.write_day(Day(TITLED, (*gen.day(TITLED).papers,
                                   paper("2506.00002", TITLED, "Zebrafish Fins Under $\\alpha$-Stable Noise", "Fins.",
                                         authors=("Quentin Zyx", "Ada Pool")),)))
    archive.write_day(Day(NEWEST, (
        paper("2506.00003", NEWEST, "A Newer Paper", "Zebrafish appear in this summary only. " + FILLER),
        paper("2506.00004", NEWEST, "Instruments", f"{FILLER} The xylophone is named only here.",
              authors=("Quentin Zyx",)),
        paper("2506.00005", NEWEST, "Calibration", "Calibrating models.",
              summary={"en": "We study calibration.", "zh": "我们研究深度学习模型的校准问题。"}),
        paper("2506.00006", NEWEST, "Practice", "Practice.", summary={"en": "On practice.", "zh": "学生的练习。"}),
        paper("2506.00007", NEWEST, "深度学习的校准", "Calibrating deep learning, in Chinese."))))
    site = folder / "site"
    assert build.main(["render", "--config", str(config), "--content", str(content), "--site", str(site)]) == 0
    return serve_site(site), site


def search(new_context, site: tuple[str, Path], query: str) -> tuple[list[str], int, object]:
    """Run a query from a loaded search page; return the results' text, the bytes its search files took, the page."""
    url = site[0]
    page = new_context().new_page()
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    got: dict[str, float] = {}
    urls: dict[str, str] = {}
    cdp.on("Network.requestWillBeSent", lambda e: urls.__setitem__(e["requestId"], e["request"]["url"]))
    cdp.on("Network.loadingFinished", lambda e: got.__setitem__(e["requestId"], e["encodedDataLength"]))
    page.goto(url + "search/")
    page.wait_for_load_state("networkidle")   # the manifest and the dictionary's directory, fetched on load
    before = set(got)
    page.fill("#search-input", query)
    page.click("#search-form button[type=submit]")
    page.wait_for_selector(DONE)
    page.wait_for_load_state("networkidle")
    spent = sum(size for rid, size in got.items() if rid not in before and "/search/" in urls.get(rid, ""))
    return [li.text_content() for li in page.query_selector_all("#search-results li")], int(spent), page


def test_a_title_hit_ranks_above_a_newer_summary_hit_and_is_highlighted(search_site, new_context):
    results, spent, page = search(new_context, search_site, "zebrafish")
    assert len(results) == 2 and results[0].startswith("Zebrafish Fins") and results[1].startswith("A Newer Paper")
    marks = [m.text_content() for m in page.query_selector_all("#search-results mark")]
    assert marks[:1] == ["Zebrafish"] and "Zebrafish" in marks[1:]   # in the title, then in the newer summary
    assert "Under $\\alpha$-Stable" in results[0]   # math as written, as in the feeds: the page loads no typesetter
    # Read in pieces (Range requests): a query costs a few KB, far less than the index's files.
    index = sum(p.stat().st_size for p in (search_site[1] / "search").glob("*.*") if p.suffix != ".html")
    assert 0 < spent < min(40_000, index / 4), (spent, index)


def test_a_query_s_range_requests_each_have_an_address_and_its_rows_need_no_offsets_round(search_site, new_context):
    # Chromium's HTTP cache fills one URL's entry one request at a time: Range requests to one file sent together
    # came back a round trip apart. Each range at an address of its own, they overlap. The newest segment's
    # row-block offsets are read whole on the page's load, so a query's rows come in one round, not two.
    page = new_context().new_page()
    asked: list[tuple[str, str]] = []
    page.on("request", lambda r: asked.append((r.url, r.headers.get("range", ""))) if "/search/" in r.url else None)
    page.goto(search_site[0] + "search/")
    page.wait_for_load_state("networkidle")
    loaded = len(asked)
    page.fill("#search-input", "zebrafish")
    page.click("#search-form button[type=submit]")
    page.wait_for_selector(DONE)
    page.wait_for_load_state("networkidle")
    ranged = [(url, rng) for url, rng in asked if rng]
    assert len({url for url, _ in ranged}) == len(set(ranged)) and len(ranged) > 2, ranged   # one range per URL
    rows = [(url, rng) for url, rng in asked[loaded:] if ".rows" in url]
    assert rows and all(not rng.startswith("bytes=0-") for _, rng in rows), rows   # the blocks alone
    assert any(".rows" in url and rng.startswith("bytes=0-") for url, rng in asked[:loaded])   # read on load


def test_an_abstract_word_of_a_recent_day_is_found_not_an_old_days(search_site, new_context):
    results, _, _ = search(new_context, search_site, "xylophone")
    assert [r[:11] for r in results] == ["Instruments"]
    page = new_context().new_page()
    page.goto(search_site[0] + "search/?q=quokka")
    page.wait_for_selector("#search-status:has-text('quokka')")
    assert page.query_selector_all("#search-results li") == []    # older than the abstract window: not indexed


@pytest.mark.parametrize("query,titles,marked", [
    ("学习", ["深度学习的校准", "Calibration"], ["学习"]),          # a pair: not 学生的练习, which holds both apart
    ("深度学习", ["深度学习的校准", "Calibration"], ["深度学习"]),  # a longer word: its neighbours marked as one
    ("习", ["深度学习的校准", "Practice", "Calibration"], ["习"]),   # a single character, wherever it stands
    ("鳄鱼", ["Reptiles"], []),          # a pair whose segment indexes no pairs of its characters: by the characters
])
def test_a_chinese_word_is_found_in_a_title_or_a_chinese_summary(search_site, new_context, query, titles, marked):
    results, _, page = search(new_context, search_site, query)
    assert [a.text_content() for a in page.query_selector_all("#search-results li > a")] == titles
    assert [m.text_content() for m in page.query_selector_all("#search-results mark")] == marked   # the title's


def test_author_lists_their_papers_newest_first(search_site, new_context):
    page = new_context().new_page()
    page.goto(search_site[0] + "search/?author=" + quote("Quentin Zyx"))
    page.wait_for_selector(DONE)
    titles = [a.text_content() for a in page.query_selector_all("#search-results li > a")]
    assert len(titles) == 2 and titles[0] == "Instruments" and titles[1].startswith("Zebrafish Fins"), titles
    link = page.query_selector("#search-results li > a").get_attribute("href")
    assert link.endswith("2025-06-20/#arXiv:2506.00004")


@pytest.mark.parametrize("text", ["Deep  Learning of a Müller-Lyon model", "深度学习模型用transformer做翻译", "x 中 y_1 2d",
                                  "한국어 텍스트と日本語のかな", "𠀀𠀁 rare Han", "Ωmega_3 — ʻokina"])
def test_the_browser_cuts_a_query_into_the_build_s_terms(search_site, new_context, text):
    # One rule: the browser applies the pattern index.json hands it, and gets the terms the build indexed.
    from digest.radar import fold
    from digest.site.searchterms import terms
    page = new_context().new_page()
    page.goto(search_site[0] + "search/")
    got = page.evaluate("""async text => {
        const ix = await import("../static/js/searchindex.js"), m = await (await fetch("index.json")).json();
        return ix.queryTerms({m: m, terms: new RegExp(m.terms, "gu")}, text);
    }""", text)
    assert got == list(dict.fromkeys(terms(fold(text)))) and got
