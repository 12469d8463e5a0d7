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

import json
import random
import shutil
import sys
import time
from datetime import date, timedelta
from itertools import accumulate
from pathlib import Path

from digest.site.search import ABSTRACT_MONTHS, index_files
from digest.site.searchdb import DayTerms, build_segment, chunks_bytes, chunks_of, content_name, day_terms

COMMON = ("the of and to in for we with on by that this is are from as an which can model learning neural "
          "network data training method results show propose performance deep large language").split()
SYLLABLES = "ka ri to mu ne so la pe vi do ga zu fe mo ti ra ne ku po se".split()
FIRSTS = "Wei Jing Chiwun Priya Ana José Zoë Hannah Lukas Sofia Aisha Kenji Olga Ivan Min Jun Sara Noah Emma Raj".split()
PROFILE = 1200, 80     # papers on a weekday, on a weekend day (the default sources)
THROTTLE = {"offline": False, "latency": 150, "downloadThroughput": 9_000_000 / 8, "uploadThroughput": 9_000_000 / 8}


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
        self.hanzi = [chr(0x4E00 + 7 * r) for r in range(3500)]
        self.hanzi_weights = list(accumulate(1 / (r + 1) for r in range(len(self.hanzi))))
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
        chinese = "".join(rng.choices(self.hanzi, cum_weights=self.hanzi_weights, k=rng.randint(60, 100))) + "。"
        texts = [summary, chinese] + ([self.text(rng.randint(120, 240))] if abstracts else [])
        pid = f"arXiv:{day:%y%m}.{self.serial % 100000:05d}"
        row: list[object] = [pid, day.isoformat(), title, "|".join(authors[:6]), len(authors), summary[:161],
                             f"{day.isoformat()}/page/{1 + self.serial % 70}/#{pid}"]
        return row, title, authors, texts


def months_of(days: int, last: date) -> dict[str, list[date]]:
    out: dict[str, list[date]] = {}
    for k in range(days - 1, -1, -1):
        day = last - timedelta(days=k)
        out.setdefault(day.isoformat()[:7], []).append(day)
    return out


def build_index(site: Path, days: int, last: date = date(2026, 6, 30)) -> dict[str, object]:
    """Write the search index of `days` days of drawn papers into site/search/; return its figures and the
    queries to measure (words taken from the newest papers)."""
    papers = Papers()
    months = months_of(days, last)
    recent = set(sorted(months)[-ABSTRACT_MONTHS:])
    out = site / "search"
    out.mkdir(parents=True, exist_ok=True)
    parts, chunks, count, started, sizes = [], [], 0, time.perf_counter(), {"old": [0, 0], "recent": [0, 0]}
    last_days: list[DayTerms] = []
    sample: list[tuple[list[object], str, list[str], list[str]]] = []
    for month, month_days in sorted(months.items()):
        day_parts = []
        for day in month_days:
            drawn = [papers.paper(day, month in recent) for _ in range(PROFILE[day.weekday() >= 5])]
            day_parts.append(day_terms(drawn))
            sample = drawn
        built = build_segment(day_parts)
        post, rows = content_name(month, built.post, "post"), content_name(month, built.rows, "rows")
        (out / post).write_bytes(built.post)
        (out / rows).write_bytes(built.rows)
        chunk_file = chunks_bytes(built.chunks)
        chunks.append(chunks_of(chunk_file))
        parts.append({"name": month, "count": built.count, "post": post, "rows": rows})
        kind = sizes["recent" if month in recent else "old"]
        kind[0] += built.count
        kind[1] += len(built.post) + len(built.rows) + sum(map(len, built.chunks.values()))
        count += built.count
        last_days = day_parts
    built_in = time.perf_counter() - started
    files = index_files(parts, chunks)
    for name, data in files.items():
        (out / name).write_bytes(data)
    total = sum(p.stat().st_size for p in out.iterdir() if p.is_file())
    day_cost = add_day_cost(last_days, chunks, parts)
    return {"papers": count, "bytes": total, "sizes": sizes, "built_in": built_in, "add_day": day_cost,
            "queries": queries(sample), "biggest": max(p.stat().st_size for p in out.iterdir())}


def add_day_cost(month: list[DayTerms], chunks: list[list[bytes]], parts: list[dict[str, object]]) -> float:
    """Seconds the daily render spends on search for a new day at this volume: the month's other days' terms read
    back from their cache (JSON), the month's segment encoded, the dictionary of all segments interleaved."""
    cached = [json.dumps(d.to_json(), ensure_ascii=False, separators=(",", ":")) for d in month[:-1]]
    started = time.perf_counter()
    days = [DayTerms.from_json(json.loads(text)) for text in cached] + month[-1:]
    built = build_segment(days)
    index_files(parts, chunks[:-1] + [chunks_of(chunks_bytes(built.chunks))])
    return time.perf_counter() - started


def queries(sample: list[tuple[list[object], str, list[str], list[str]]]) -> list[tuple[str, str]]:
    """The measured queries (label, URL query string), drawn from the newest day's papers."""
    from urllib.parse import quote
    title_words = [w for w in sample[0][1].split() if len(w) > 6]
    words = sample[1][1].split()
    chinese = sample[2][3][1][:2]
    return [("a title word", "q=" + quote(title_words[0] if title_words else words[0])),
            ("an author", "author=" + quote(sample[3][2][0])),
            ("a phrase", "q=" + quote(f'"{words[1]} {words[2]}"')),
            ("a Chinese word", "q=" + quote(chinese)),
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
    page.wait_for_load_state("networkidle")
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

