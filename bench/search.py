"""The search figures of bench/run.py: the index at the three-year volume, and queries in Chromium, throttled.

The bench archive's text comes from a vocabulary of 150 words and has no model summaries, which would make a
search index unrealistically small and find no Chinese. So the index measured here is built by the build's own
code (digest/site/searchdb.py, search.py) from papers drawn for the purpose: words from a Zipf law over 200,000
words (as English text follows), author names from 20,000 surnames, an English summary of ~50 words and a
Chinese one of ~80 characters for every paper, and the abstract (~180 words) for the newest two months.
The queries then run in Chromium over 127.0.0.1 (the Range-answering preview server), with the throttled mobile
profile of the issue (9 Mbit/s, 150 ms round trip), and their bytes are counted from the network events.
"""

from __future__ import annotations

import random
import shutil
import sys
import time
from datetime import date, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any

from digest.clean import clip
from digest.site.cards import SHORT_SUMMARY_CHARS
from digest.site.search import ABSTRACT_MONTHS, AUTHORS_SHOWN, index_files
from digest.site.searchdb import BUCKETS, append_day, build_segment, chunks_bytes, chunks_of, content_name
from digest.site.searchterms import DayTerms, day_terms

COMMON = ("the of and to in for we with on by that this is are from as an which can model learning neural "
          "network data training method results show propose performance deep large language").split()
SYLLABLES = "ka ri to mu ne so la pe vi do ga zu fe mo ti ra ne ku po se".split()
FIRSTS = "Wei Jing Chiwun Priya Ana José Zoë Hannah Lukas Sofia Aisha Kenji Olga Ivan Min Jun Sara Noah Emma Raj".split()
PROFILE = 1200, 80     # papers on a weekday, on a weekend day (the default sources)
THROTTLE = {"offline": False, "latency": 150, "downloadThroughput": 9_000_000 / 8, "uploadThroughput": 9_000_000 / 8}


# Chinese text: 3,500 characters (as many as common modern Chinese uses) drawn by a Zipf law.
HANZI = [chr(0x4E00 + 7 * r) for r in range(3500)]
HANZI_WEIGHTS = list(accumulate(1 / (r + 1) for r in range(len(HANZI))))


def chinese(rng: random.Random, low: int = 60, high: int = 100) -> str:
    """A Chinese summary of low to high characters, as a model writes one (at most 100: the prompt's limit)."""
    return "".join(rng.choices(HANZI, cum_weights=HANZI_WEIGHTS, k=rng.randint(low, high))) + "。"


def pseudo_word(rank: int, stem: str = "") -> str:
    out = []
    while True:
        out.append(SYLLABLES[rank % len(SYLLABLES)])
        rank //= len(SYLLABLES)
        if not rank:
            return stem + "".join(out)


class Papers:
    """Draws papers with a Zipf vocabulary, many authors and summaries in English and Chinese."""

    def __init__(self, seed: int = 3):
        self.rng = random.Random(seed)
        self.words = COMMON + [pseudo_word(r) for r in range(200_000)]
        self.weights = list(accumulate(1 / (r + 1) for r in range(len(self.words))))
        self.surnames = [pseudo_word(r, "x").capitalize() for r in range(20_000)]
        self.name_weights = list(accumulate(1 / (r + 1) ** 0.7 for r in range(len(self.surnames))))
        self.serial = 0

    def text(self, count: int) -> str:
        return " ".join(self.rng.choices(self.words, cum_weights=self.weights, k=count))

    def paper(self, day: date, abstracts: bool) -> tuple[list[object], str, list[str], list[str]]:
        rng = self.rng
        self.serial += 1
        title = self.text(rng.randint(7, 14)).title()
        authors = [f"{rng.choice(FIRSTS)} {s}" for s in
                   rng.choices(self.surnames, cum_weights=self.name_weights, k=max(1, round(rng.lognormvariate(1.4, 0.55))))]
        summary = self.text(rng.randint(35, 65)).capitalize() + "."
        texts = [summary, chinese(rng)] + ([self.text(rng.randint(120, 240))] if abstracts else [])
        pid = f"arXiv:{day:%y%m}.{self.serial % 100000:05d}"
        # A row as search.search_row writes it: the first authors, the card's short summary.
        row: list[object] = [pid, day.isoformat(), title, "|".join(authors[:AUTHORS_SHOWN]), len(authors),
                             clip(summary, SHORT_SUMMARY_CHARS), f"{day.isoformat()}/page/{1 + self.serial % 70}/#{pid}"]
        return row, title, authors, texts


def draw_month(papers: Papers, first: date, days: int, abstracts: bool) -> list[DayTerms]:
    """A month's days of drawn papers (the profile's weekdays and weekends), as the render's day jobs give them."""
    out = []
    for k in range(days):
        day = first + timedelta(days=k)
        out.append(day_terms([papers.paper(day, abstracts) for _ in range(PROFILE[day.weekday() >= 5])]))
    return out


def build_index(site: Path, days: int = 30, months: int = 36) -> dict[str, Any]:
    """Write into site/search/ an index of `months` months of drawn papers; return its figures and the queries.

    Two months are drawn whole, `days` days each: an old one (no abstracts) and the newest (with abstracts, its
    last day appended as the daily render does, and timed). The index lists the old month's segment for all
    but the two newest months, and the newest one's for those two: the bytes and the dictionary a query reads
    are those of a real index of that many months (a rare word is found in every old month, the worst case)."""
    papers, out = Papers(), site / "search"
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    old = build_segment(draw_month(papers, date(2023, 7, 1), days, False))
    recent_days = draw_month(papers, date(2026, 6, 1), days, True)
    drawn_in = time.perf_counter() - started
    before = build_segment(recent_days[:-1])
    chunks_old = chunks_of(chunks_bytes(old.chunks))
    started = time.perf_counter()
    recent = append_day(before.count, before.post, [before.chunks.get(b, b"") for b in range(BUCKETS)], before.rows,
                        recent_days[-1], before.pairs)
    parts, chunks = [], []
    for number in range(months):
        segment, name = (old, f"old{number:02d}") if number < months - ABSTRACT_MONTHS else (recent, f"new{number:02d}")
        post, rows = content_name(name, segment.post, "post"), content_name(name, segment.rows, "rows")
        (out / post).write_bytes(segment.post)
        (out / rows).write_bytes(segment.rows)
        parts.append({"name": name, "count": segment.count, "post": post, "rows": rows, "pairs": segment.pairs})
        chunks.append(chunks_old if segment is old else chunks_of(chunks_bytes(recent.chunks)))
    for name, data in index_files(parts, chunks).items():
        (out / name).write_bytes(data)
    add_day = time.perf_counter() - started   # the new day appended, the dictionary of all months interleaved
    total = sum(p.stat().st_size for p in out.iterdir() if p.is_file() and p.name != "index.html")
    dictionary = sum(len(c) for c in chunks_old)
    return {"papers": sum(p["count"] for p in parts), "bytes": total, "drawn_in": drawn_in, "add_day": add_day,
            "old_per_paper": (len(old.post) + len(old.rows) + dictionary) / old.count,
            "recent_per_paper": (len(recent.post) + len(recent.rows) + sum(map(len, recent.chunks.values()))) / recent.count,
            "queries": queries(recent_days[-1].rows, papers),
            "biggest": max(p.stat().st_size for p in out.iterdir())}


def queries(rows: list[list[Any]], papers: Papers) -> list[tuple[str, str]]:
    """The measured queries (label, URL query string), drawn from the newest day's papers."""
    from urllib.parse import quote
    title = str(rows[0][2]).split()
    rare = max(title, key=lambda w: papers.words.index(w.lower()) if w.lower() in papers.words else -1)
    words = str(rows[1][2]).split()
    hanzi = HANZI[3] + HANZI[5]   # a two-character word of middling frequency in the summaries
    # Two characters outside the commonest (searchdb.PAIR_CHARS): looked up by its characters, ~4% of papers each.
    uncommon = HANZI[200] + HANZI[300]
    return [("a title word", "q=" + quote(rare)),
            ("an author", "author=" + quote(str(rows[2][3]).split("|")[0])),
            ("a phrase", "q=" + quote(f'"{words[1]} {words[2]}"')),
            ("a Chinese word", "q=" + quote(hanzi)),
            ("an uncommon Chinese word", "q=" + quote(uncommon)),
            ('a common word ("the")', "q=the")]


def measure(site: Path, wanted: list[tuple[str, str]]) -> list[dict[str, object]]:
    """Run each query in Chromium, throttled: bytes and requests of the search's files, ms to the first results
    (typed on a loaded search page: its code and the index's directory are already there), and the same from a
    cold navigation to /search/?q=..."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from browser_fixtures import chromium_path, launch_chromium, serve_site
    if chromium_path() is None:
        return []
    from playwright.sync_api import sync_playwright
    url = serve_site(site)
    results = []
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        for label, query in wanted:
            results.append({"label": label, **one_query(browser, url, query)})
        browser.close()
    return results


def one_query(browser, url: str, query: str) -> dict[str, object]:
    context = browser.new_context()
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": False})
    cdp.send("Network.emulateNetworkConditions", THROTTLE)
    sent: dict[str, str] = {}
    got: dict[str, float] = {}
    cdp.on("Network.requestWillBeSent", lambda e: sent.__setitem__(e["requestId"], e["request"]["url"]))
    cdp.on("Network.loadingFinished", lambda e: got.__setitem__(e["requestId"], e["encodedDataLength"]))
    page.goto(url + "search/")
    page.wait_for_load_state("networkidle")
    before = set(got)
    started = time.perf_counter()
    page.evaluate("q => { const p = new URLSearchParams(q); const i = document.querySelector('#search-input');"
                  " i.value = p.get('q') || ''; if (p.get('author')) { history.pushState(null, '', '?' + q);"
                  " dispatchEvent(new PopStateEvent('popstate')); } else i.form.requestSubmit(); }", query)
    page.wait_for_selector("#search-results li", timeout=30_000)
    warm_ms = (time.perf_counter() - started) * 1000
    # The first rows show while later ones are on their way: count every request of the results' first page.
    page.wait_for_selector("#search-results[aria-busy=false]", state="attached", timeout=30_000)
    for _ in range(50):
        if all(r in got for r in sent if r not in before and "/search/" in sent[r]):
            break
        page.wait_for_timeout(100)
    query_ids = [r for r in got if r not in before and "/search/" in sent.get(r, "")]
    warm_bytes = sum(got[r] for r in query_ids)
    first = page.text_content("#search-results li") or ""
    context.close()
    cold = cold_query(browser, url, query)
    return {"bytes": warm_bytes, "requests": len(query_ids), "ms": warm_ms, "first": first[:80], **cold}


def cold_query(browser, url: str, query: str) -> dict[str, object]:
    """A fresh reader following a link to /search/?q=...: everything from the page on, ms to the first results."""
    context = browser.new_context()
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", THROTTLE)
    got: dict[str, float] = {}
    cdp.on("Network.loadingFinished", lambda e: got.__setitem__(e["requestId"], e["encodedDataLength"]))
    started = time.perf_counter()
    page.goto(url + "search/?" + query, wait_until="commit")
    page.wait_for_selector("#search-results li", timeout=30_000)
    cold_ms = (time.perf_counter() - started) * 1000
    page.wait_for_load_state("networkidle")
    context.close()
    return {"cold_ms": cold_ms, "cold_bytes": sum(got.values())}


def search_site(bench_site: Path, folder: Path) -> Path:
    """A site folder with the bench site's search page and scripts, for an index of drawn papers."""
    site = folder / "search-site"
    shutil.rmtree(site, ignore_errors=True)
    (site / "search").mkdir(parents=True)
    shutil.copytree(bench_site / "static", site / "static")
    shutil.copy(bench_site / "search" / "index.html", site / "search" / "index.html")
    return site

