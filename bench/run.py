#!/usr/bin/env python3
"""Benchmark AcademicHub at archive scale and print one line per figure.

    python bench/run.py                  # a year of the default sources' volume (about 320,000 papers)
    python bench/run.py --days 365 --papers 300                             # the earlier profile, 110,000
    python bench/run.py --days 3 --papers 20 --feed-items 50 --sources 4   # smoke size (the tests run this)
    python bench/run.py --search-only    # the search figures (6.) alone, on the demo site's pages (~2 minutes)

The default profile is the default sources.yaml's: about 1,200 new papers on a weekday (a third of arXiv's
cross-listed, about 120 new versions), about 80 on a weekend day (bioRxiv, medRxiv, the journals), with
abstracts and author lists as long as the real feeds' (shared/corpus/real/). Figures that grow with the
archive are printed with their three-year projection.

It builds a synthetic archive through digest.archive into a temporary folder, then measures:
full render, incremental render after one new day, no-op render (each in a fresh child process,
with its peak memory), parsing + normalising a real-format arXiv feed, fetching many sources
from a slow 127.0.0.1 server (200 and 304), a weekday's summaries in both languages against the fake model
(tests/llmserver.py) answering after 2 s, and the whole daily job (bench/daily.py: fetch, summarize, render,
verify) with the rendered site as its cache. Nothing touches any host but 127.0.0.1.
"""

from __future__ import annotations

import argparse
import gzip
import http.server
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.peak import footprint_kb, run_sampled  # noqa: E402
from digest.archive import Archive, Day, SourceState, State  # noqa: E402
from digest.config import load_config  # noqa: E402
from digest.sources.http import FetchRequest, FetchSettings, fetch_sources  # noqa: E402
from digest.papers import Paper, Update, card_order, ingest  # noqa: E402
from digest.sources import parse_feed  # noqa: E402
from digest.summarize import prompt_tag  # noqa: E402

import search  # noqa: E402  (bench/search.py, beside this script)

# The default sources.yaml: six arXiv categories, bioRxiv and medRxiv through the details API, two PLOS
# journals and Nature. Each source's new papers per weekday and per weekend day (arXiv announces nothing on
# weekends) add up to the volume the default sources bring: about 1,200 on a weekday, about 80 on a weekend.
ARXIV = ["cs.LG", "cs.CV", "cs.AI", "cs.CL", "quant-ph", "math.PR"]
OTHER = [("biorxiv-bioinformatics", "bioRxiv (Bioinfo)", "bioinformatics", "biorxiv", "doi:10.1101/"),
         ("medrxiv", "medRxiv (Medicine)", "medicine", "biorxiv", "doi:10.1101/"),
         ("plos-compbio", "PLOS Computational Biology", "comp-bio", "plos", "doi:10.1371/journal.pcbi."),
         ("plos-medicine", "PLOS Medicine", "medicine", "plos", "doi:10.1371/journal.pmed."),
         ("nature", "Nature (Science)", "science", "nature", "doi:10.1038/s41586-")]
TOPICS = [*ARXIV, "bioinformatics", "medicine", "comp-bio", "science"]
WEEKDAY = [330, 240, 190, 150, 110, 45] + [45, 70, 6, 4, 10]    # 1,200
WEEKEND = [0, 0, 0, 0, 0, 0] + [25, 40, 3, 2, 10]               # 80
SUMMARY_MODEL = "bench-model"   # the fake model's name (OPENAI_MODEL for the LLM and daily job figures)
CROSS_LISTED = 1 / 3          # arXiv cards that list other categories too (one card, several badges)
NEW_VERSIONS = 120            # new versions of earlier arXiv papers announced on a weekday
# Lengths as the real feeds in shared/corpus/real/ give them (10th, 50th, 90th percentile): arXiv abstracts
# 740 / 1,170 / 1,670 characters and 1-2 / 3-5 / 5-8 authors (a long tail of collaborations); bioRxiv
# abstracts 1,220 / 1,600 / 1,900 and 4 / 9 / 16 authors; Nature standfirsts 56 / 206 / 274 and 4 / 16 / 43
# authors (137 at most). Drawn from log-normal laws with those medians and spreads.
LENGTHS = {  # family -> (abstract median chars, sigma, authors median, sigma)
    "arxiv": (1170, 0.28, 4, 0.55), "biorxiv": (1600, 0.2, 9, 0.45), "plos": (1600, 0.25, 6, 0.5),
    "nature": (206, 0.3, 16, 0.75),
}

WORDS = ("model learning neural network data training method approach results show propose performance "
         "task framework based deep large language graph analysis problem optimization algorithm estimation "
         "quantum state systems robust efficient generalization representation inference bayesian sparse "
         "attention transformer diffusion reinforcement policy reward agent benchmark dataset evaluation "
         "clinical patients cohort gene expression protein cell sequencing single variant risk trial "
         "stochastic process random walk theorem bound convergence rate spectral operator measure "
         "image segmentation detection video scene depth point cloud multimodal vision text retrieval "
         "we our the of and to in for with on by that this is are from as an which can these under "
         "novel significant improvement across multiple experiments demonstrate state-of-the-art").split()
FIRST = ("Wei Li Jing Yang Chiwun Priya Ana María José Zoë Hannah Lukas Sofia Mohammed Aisha Kenji Yuki Olga "
         "Ivan Fatima Chen Min Jun Sara Tomás Björn Noah Emma Raj Anil Elena Marco Giulia Pierre Camille").split()
LAST = ("Zhang Wang Li Liu Chen Yang Huang Zhao Smith Johnson García Müller Rossi Dubois Nakamura Sato Kim Park "
        "Raghunathan Gupta Singh Ivanova Novak Kowalski Andersson Nguyen Tran Okafor Silva Costa Haddad Cohen").split()


def sentence(rng: random.Random, low: int, high: int) -> str:
    words = rng.choices(WORDS, k=rng.randint(low, high))
    return " ".join(words).capitalize() + "."


def title(rng: random.Random) -> str:
    return " ".join(w.capitalize() for w in rng.choices(WORDS, k=rng.randint(7, 14)))


def abstract(rng: random.Random, chars: float = 1170, sigma: float = 0.28) -> str:
    """An abstract of about rng.lognormvariate-drawn length around chars (an arXiv abstract by default)."""
    target = max(60, int(rng.lognormvariate(math.log(chars), sigma)))
    text = sentence(rng, 14, 28)
    while len(text) < target:
        text += " " + sentence(rng, 14, 28)
    return text


def authors(rng: random.Random, median: float = 4, sigma: float = 0.55) -> tuple[str, ...]:
    count = max(1, round(rng.lognormvariate(math.log(median), sigma)))
    if rng.random() < 0.01:   # a collaboration
        count = rng.randint(30, 300)
    return tuple(f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(count))


def sources_yaml(sources: int, feeds: Path | None = None) -> str:
    """The default sources.yaml's topics and up to eleven sources, each reading its feed file in feeds/ (which only
    the daily job's figure writes, bench/daily.py) or, without feeds, a URL on example.org (never fetched)."""
    lines = ["site:", "  title: AcademicHub Bench", "  languages: [en, zh]", "  default_language: en",
             "  feed_days: 14",
             # The bench measures a site of any size and judges it against 1 GB itself: render must not refuse it.
             "  size_limit_mb: 1000000",
             # The owner's radar, as in the shipped sources.yaml: every paper is checked against it.
             "radar:", "  authors: [Chiwun Yang]", "  keywords: [optimal transport, foundation model]", "topics:"]
    lines += [f"  {t}: {{en: Topic {t}, zh: 主题 {t}}}" for t in TOPICS]
    lines.append("sources:")
    specs = [(f"arxiv-{t.lower().replace('.', '-')}", f"arXiv ({t})", t, "arxiv") for t in ARXIV]
    specs += [(sid, label, topic, family) for sid, label, topic, family, _ in OTHER]
    for sid, label, topic, family in specs[:max(sources, 1)]:
        url = f"{feeds}/{sid}.xml" if feeds else f"https://example.org/{sid}.xml"
        lines.append(f"  - {{id: {sid}, label: '{label}', topic: {topic}, family: {family}, url: '{url}'}}")
    return "\n".join(lines) + "\n"


class Generator:
    """Makes realistic days of papers (cross-lists, updates of earlier papers) and writes them via Archive.

    With papers_per_day None, each day follows the default sources' profile (WEEKDAY / WEEKEND per source);
    with a number, every day has that many papers spread over the sources by their weekday shares."""

    def __init__(self, config, papers_per_day: int | None, seed: int = 8, summaries: bool = True):
        self.rng = random.Random(seed)
        self.config = config
        self.per_day = papers_per_day
        self.order = {s.id: i for i, s in enumerate(config.sources)}
        self.sources = list(config.sources)
        self.serial = 0
        self.known: list[tuple[str, int, str, str, tuple[str, ...]]] = []  # id, version, title, url, sources
        self.prompt = prompt_tag(config.llm)
        self.languages = config.llm.languages if summaries else ()   # the languages of each paper's summaries

    def counts(self, day: date) -> list[int]:
        """Return each source's number of new papers on day."""
        weekday = WEEKDAY[: len(self.sources)]
        if self.per_day is None:
            shares = weekday if day.weekday() < 5 else WEEKEND[: len(self.sources)]
            return [round(n * self.rng.uniform(0.85, 1.15)) for n in shares]   # no two days alike
        picks = self.rng.choices(range(len(self.sources)), weekday, k=self.per_day)
        return [picks.count(i) for i in range(len(self.sources))]

    def paper(self, day: date, source) -> Paper:
        rng = self.rng
        self.serial += 1
        is_arxiv = source.family == "arxiv"
        if is_arxiv:
            pid = f"{day:%y%m}.{self.serial % 100000:05d}"
            ident, url, topics = f"arXiv:{pid}", f"https://arxiv.org/abs/{pid}", [source.topic]
            if rng.random() < CROSS_LISTED and len(ARXIV) > 1:  # a cross-list: one card, several topic badges
                topics += rng.sample([t for t in ARXIV if t != source.topic], rng.randint(1, 2))
            announce, version = ("new" if rng.random() < 0.8 else "cross"), 1
        else:
            prefix = next(p for sid, _, _, _, p in OTHER if sid == source.id)
            doi = f"{prefix[4:]}{day:%Y.%m.%d}.{self.serial:06d}"
            ident, url, topics, announce, version = f"doi:{doi}", f"https://doi.org/{doi}", [source.topic], None, None
        kind = "standfirst" if source.family == "nature" else "abstract"
        chars, spread, people, people_spread = LENGTHS[source.family]
        # Every paper carries its model summaries, in each language, as the daily job's LLM stage stores them
        # before the render (no backlog: the defaults cover a weekday), as long as the prompt lets the model write.
        summary = {lang: sentence(rng, 30, 50) if lang == "en" else search.chinese(rng) for lang in self.languages}
        paper = Paper(id=ident, title=title(rng), authors=authors(rng, people, people_spread),
                      abstract=abstract(rng, chars, spread), url=url, day=day, sources=(source.id,),
                      topics=tuple(topics), version=version, doi=None, published=day, announce=announce,
                      abstract_kind=kind, summary=summary, summary_model=SUMMARY_MODEL if summary else None,
                      summary_prompt=self.prompt if summary else None, summary_version=version if summary else None)
        if is_arxiv:
            self.known.append((ident, 1, paper.title, url, paper.sources))
        return paper

    def day(self, day: date) -> Day:
        updates = []   # new versions of papers of earlier days, drawn before today's are known
        versions = (NEW_VERSIONS if day.weekday() < 5 else 0) if self.per_day is None else self.per_day // 10
        for _ in range(min(len(self.known), versions)):   # new versions of earlier arXiv papers
            i = self.rng.randrange(len(self.known))
            ident, version, ttl, url, srcs = self.known[i]
            self.known[i] = (ident, version + 1, ttl, url, srcs)
            updates.append(Update(ident, version + 1, ttl, url, srcs, "replace"))
        papers = [self.paper(day, source) for source, n in zip(self.sources, self.counts(day)) for _ in range(n)]
        papers.sort(key=lambda p: card_order(p, self.order))
        return Day(day, tuple(papers), tuple(updates))


def make_archive(folder: Path, days: int, papers: int | None, sources: int, summaries: bool = True
                 ) -> tuple[Path, Path, Generator, date, dict[date, int]]:
    """Write sources.yaml and `days` days of papers (with their model summaries, or none) into folder; return
    (config, content, generator, next day, papers written each day). The next day is a weekday, as the
    incremental figure's new day should be."""
    config_path = folder / "sources.yaml"
    config_path.write_text(sources_yaml(sources, folder / "feeds"), encoding="utf-8")
    config = load_config(config_path)
    archive = Archive(folder / "content")
    gen = Generator(config, papers, summaries=summaries)
    # The new day the incremental figure adds falls in mid-month, so its month's search shard already holds
    # fifteen days: the usual case, and dearer than a first of the month.
    first = date(2025, 6, 16)
    written = 0
    counts = {}
    for i in range(days):
        day = gen.day(first + timedelta(days=i))
        written += len(day.papers)
        counts[day.day] = len(day.papers)
        archive.write_day(day)
    state = State(last_run=(first + timedelta(days=days - 1)).isoformat(),
                  sources={s.id: SourceState(url=s.url, status="ok", new=written // days // len(config.sources),
                                             checked=first.isoformat(), last_success=first.isoformat())
                           for s in config.sources})
    archive.write_state(state)
    next_day = first + timedelta(days=days)
    while next_day.weekday() >= 5:
        next_day += timedelta(days=1)
    return config_path, folder / "content", gen, next_day, counts


# ---- render, measured in a fresh child process -------------------------------------------------

CHILD = """
import contextlib, io, json, re, resource, sys, time
sys.path.insert(0, {root!r})
import build
from bench.peak import peak_kb
from digest.site import search as search_module
search_seconds = [0.0]
_write = search_module.SearchIndex.write
def timed_write(self):
    begun = time.perf_counter()
    _write(self)
    search_seconds[0] += time.perf_counter() - begun
search_module.SearchIndex.write = timed_write
out = io.StringIO()
def cpu():
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
cpu_before = cpu()
started = time.perf_counter()
with contextlib.redirect_stdout(out):
    code = build.main(["render", "--config", {config!r}, "--content", {content!r}, "--site", {site!r}])
seconds = time.perf_counter() - started
found = re.search(r"(\\d+) files written, (\\d+) removed", out.getvalue())
me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({{"code": code, "seconds": seconds, "written": int(found[1]) if found else -1,
                  "removed": int(found[2]) if found else -1, "peak_mb": peak_kb() / 1024,
                  "worker_peak_mb": kids.ru_maxrss / 1024, "search_seconds": search_seconds[0],
                  "cpu": cpu() - cpu_before}}))
"""


def render_in_child(config: Path, content: Path, site: Path, memory: bool = False) -> dict:
    """Run `build.py render` in a new interpreter; return its seconds (after imports), files written, peak RSS,
    and with memory its process tree's sampled PSS (tree_mb; the sampler's scans of /proc take ~4 % of a core,
    kept out of the one-day figures)."""
    code = CHILD.format(root=str(ROOT), config=str(config), content=str(content), site=str(site))
    # The kernel writes the previous step's files out (a full render's 300 MB) up to 30 s after they were written:
    # flushed first, that writeback is not counted as this render's (it took 0.1-0.3 s of a one-day render).
    if hasattr(os, "sync"):
        os.sync()
    started = time.perf_counter()
    command = [sys.executable, "-c", code]
    done, tree_kb = (run_sampled(command) if memory else
                     (subprocess.run(command, capture_output=True, text=True, check=False), 0))
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"bench: render failed:\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if result["code"] != 0:
        raise SystemExit(f"bench: build.py render exited {result['code']}:\n{done.stderr}")
    result.update(wall=wall, tree_mb=tree_kb / 1024)
    return result


def stamps(site: Path) -> dict[str, int]:
    """Return each file's modification time in ns, to see which files a render rewrote."""
    return {p.relative_to(site).as_posix(): p.stat().st_mtime_ns for p in site.rglob("*") if p.is_file()}


DAY_PAGE = re.compile(r"^\d{4}-\d\d-\d\d/(page/\d+/)?index\.html$")
PAGE_TYPES = [
    ("day pages (full)", DAY_PAGE),
    ("day x topic pages", re.compile(r"^\d{4}-\d\d-\d\d/[^/]+/index\.html$")),
    ("topic pages", re.compile(r"^topics/[^/]+/index\.html$")),
    ("feeds", re.compile(r"(^|/)(feed|rss|briefing)\.xml$")),
    ("search index", re.compile(r"^search/")),
    ("front page", re.compile(r"^index\.html$")),
    ("radar page", re.compile(r"^radar/index\.html$")),
    ("static", re.compile(r"^static/")),
    ("for-you vectors", re.compile(r"^\d{4}-\d\d-\d\d/vectors\.bin$")),   # the full window's only (site/foryou.py)
]


COMPACT = "compact day pages"
GROWING = re.compile(r"^(archive/|sitemap\.xml$)")   # a row or URL per day


def site_sizes(site: Path, full_since: str) -> tuple[int, int, dict[str, int]]:
    """Return (files, bytes, bytes by page type) of a rendered site (other languages counted by their path); day
    pages of days before full_since (outside site.full_days) count as compact."""
    files, total, by_type = 0, 0, {name: 0 for name, _ in PAGE_TYPES} | {COMPACT: 0, "other": 0}
    for path in site.rglob("*"):
        if not path.is_file() or any(part.startswith(".") for part in path.relative_to(site).parts):
            continue
        rel = path.relative_to(site).as_posix()
        rel = re.sub(r"^(en|zh)/", "", rel)  # a language folder counts with its page type
        size = path.stat().st_size
        files, total = files + 1, total + size
        kind = next((name for name, pattern in PAGE_TYPES if pattern.search(rel)), "other")
        by_type[COMPACT if kind == PAGE_TYPES[0][0] and rel[:10] < full_since else kind] += size
    return files, total, by_type


def project_size(site: Path, by_type: dict[str, int], counts: dict[date, int], full_days: int, years: float = 3
                 ) -> dict[str, float]:
    """Project site/ to `years` of this volume under retention: the full window (site.full_days of full cards
    and day-and-topic pages) stays as large as it is, the compact days and search/ grow with the papers, the
    archive page and sitemap with the days, the rest (feeds, topic pages, static files) stays."""
    papers, days = sum(counts.values()), len(counts)
    since = max(counts) - timedelta(days=full_days - 1)
    window = sum(n for day, n in counts.items() if day >= since)
    full = by_type[PAGE_TYPES[0][0]] + by_type["day x topic pages"]
    later = papers * years * 365 / days
    steady = papers / days * full_days                 # the window's papers once the archive is older than it
    full_at = full / window * steady
    compact_per_paper = by_type[COMPACT] / (papers - window) if papers > window else full / window
    growing = sum(p.stat().st_size for p in site.rglob("*") if p.is_file()
                  and GROWING.match(p.relative_to(site).as_posix()))
    fixed = sum(by_type.values()) - full - by_type[COMPACT] - by_type["search index"] - growing
    out = {"full": full_at, "compact": compact_per_paper * max(0.0, later - steady),
           "compact_per_paper": compact_per_paper, "compact_papers": max(0.0, later - steady),
           "search": by_type["search index"] / papers * later, "other": fixed + growing * later / papers,
           "measured_compact": float(papers > window)}
    out["total"] = out["full"] + out["compact"] + out["search"] + out["other"]
    return out


def page_weights(site: Path) -> list[tuple[str, dict[str, int], bool]]:
    """Return the front page's, the heaviest day page's and the heaviest topic page's bytes, gzipped bytes and HTML
    elements, each with whether the page target holds it; and the heaviest day-and-topic page's, shown beside them
    (a busy topic's day lists all its entries on one page: not paged yet)."""
    def weigh(path: Path) -> dict[str, int]:
        data = path.read_bytes()
        return {"bytes": len(data), "gzip": len(gzip.compress(data, 6)),
                "elements": len(re.findall(rb"<[a-zA-Z][^>]*>", data))}
    day = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]"
    pages = [("front page", weigh(site / "index.html"), True)]
    kinds = [("day page", [*site.glob(f"{day}/index.html"),   # a long day's numbered pages are day pages too
                           *site.glob(f"{day}/page/*/index.html")], True),
             ("topic page", list(site.glob("topics/*/index.html")), True),
             ("day-and-topic page", list(site.glob(f"{day}/*/index.html")), False)]
    for name, found, judged in kinds:
        if found:
            heaviest = max(found, key=lambda p: p.stat().st_size)
            pages.append((f"heaviest {name} ({heaviest.parent.relative_to(site).as_posix()})", weigh(heaviest), judged))
    return pages


# ---- parsing -----------------------------------------------------------------------------------

def arxiv_feed(items: int, day: date, rng: random.Random) -> bytes:
    """Return an arXiv RSS document in the real format (rss.arxiv.org) with the given number of items."""
    stamp = f"{day:%a, %d %b %Y} 00:00:00 -0400"
    out = ["<?xml version='1.0' encoding='UTF-8'?>\n<rss xmlns:arxiv=\"http://arxiv.org/schemas/atom\" "
           "xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:atom=\"http://www.w3.org/2005/Atom\" "
           "xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" version=\"2.0\">\n<channel>\n"
           "<title>cs.LG updates on arXiv.org</title>\n<link>http://rss.arxiv.org/rss/cs.LG</link>\n"
           f"<description>cs.LG updates on the arXiv.org e-print archive.</description>\n<pubDate>{stamp}</pubDate>\n"]
    for n in range(items):
        pid = f"{day:%y%m}.{10000 + n:05d}"
        kind = rng.choices(["new", "cross", "replace"], [70, 20, 10])[0]
        cats = "".join(f"<category>{c}</category>" for c in ["cs.LG", *rng.sample(ARXIV[1:], rng.randint(0, 2))])
        # Real feeds bring half-decoded entities and TeX: the cleaner has to work for its living.
        text = abstract(rng).replace(" rate ", " rate &amp;gt90% ").replace(" model ", " $\\mathcal{O}(n)$ model ")
        out.append(f"<item><title>{title(rng)}</title><link>https://arxiv.org/abs/{pid}</link>\n"
                   f"<description>arXiv:{pid}v{2 if kind == 'replace' else 1} Announce Type: {kind} \n"
                   f"Abstract: {text}</description>\n<guid isPermaLink=\"false\">oai:arXiv.org:{pid}v1</guid>"
                   f"{cats}<pubDate>{stamp}</pubDate><arxiv:announce_type>{kind}</arxiv:announce_type>"
                   f"<dc:rights>http://creativecommons.org/licenses/by/4.0/</dc:rights>"
                   f"<dc:creator>{', '.join(authors(rng))}</dc:creator></item>\n")
    out.append("</channel>\n</rss>\n")
    return "".join(out).encode("utf-8")


def bench_parse(items: int) -> tuple[float, float]:
    """Return (wall seconds, CPU seconds) to parse and normalise an arXiv feed of `items` items."""
    day = date(2026, 6, 17)
    body = arxiv_feed(items, day, random.Random(5))
    started, cpu = time.perf_counter(), time.process_time()
    entries = parse_feed(body, "arxiv-cs-lg", "arxiv")
    result = ingest(entries, {}, {}, day, {"arxiv-cs-lg": "cs.LG"}, {"arxiv-cs-lg": 0})
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    if len(entries) != items:
        raise SystemExit(f"bench: parsed {len(entries)} of {items} items")
    return seconds, cpu


# ---- fetching ----------------------------------------------------------------------------------

class SlowFeeds(http.server.ThreadingHTTPServer):
    """Answers every path after `latency` seconds: 200 with a small feed and an ETag, or 304 if it matches."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, latency: float):
        super().__init__(("127.0.0.1", 0), SlowHandler)
        self.latency = latency
        self.body = arxiv_feed(20, date(2026, 6, 17), random.Random(1))


class SlowHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        time.sleep(self.server.latency)
        etag = '"v1"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(self.server.body)))
        self.end_headers()
        self.wfile.write(self.server.body)

    def log_message(self, *args) -> None:
        pass


def bench_fetch(count: int, latency: float) -> tuple[float, float, FetchSettings]:
    """Return (seconds for count sources answering 200, seconds when all answer 304)."""
    server = SlowFeeds(latency)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        # Forty real sources live on many hosts; here every one is on the same loopback host, so the
        # per-host limit (2 by default) is raised to the total to stand in for those hosts, and 16 requests
        # are in flight (sources.yaml's fetch.concurrency, 8 by default): 40 sources take three latencies.
        settings = FetchSettings(user_agent="AcademicHub-bench/1 (127.0.0.1)", concurrency=16, per_host=16,
                                 attempts=1, timeout=10, polite_hosts={})
        requests = [FetchRequest(f"source-{i:02d}", f"{base}/feed/{i}.xml") for i in range(count)]
        started = time.perf_counter()
        results = fetch_sources(requests, settings)
        fresh = time.perf_counter() - started
        bad = [r.error for r in results if r.status != "ok"]
        conditional = [FetchRequest(r.source_id, r.url, r.etag, r.last_modified) for r in results]
        started = time.perf_counter()
        again = fetch_sources(conditional, settings)
        unchanged = time.perf_counter() - started
        bad += [f"{r.source_id}: {r.status}" for r in again if r.status != "not_modified"]
        if bad:
            raise SystemExit(f"bench: fetch failed: {bad[:3]}")
        return fresh, unchanged, settings
    finally:
        server.shutdown()
        server.server_close()


# ---- the LLM stage -----------------------------------------------------------------------------

def bench_llm(day: Day, sources: int, folder: Path, latency: float) -> tuple[dict, float]:
    """Summarise a weekday's papers in the config's languages against the fake model on 127.0.0.1, each answer
    after `latency` s, with the default llm settings; return what the server counted and the stage's seconds."""
    sys.path.insert(0, str(ROOT / "tests"))
    from llmserver import LLMServer
    from digest.summarize import summarize_stage

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    archive = Archive(folder / "content")
    archive.write_day(Day(day.day, tuple(replace(p, summary={}, summary_model=None, summary_prompt=None,
                                                 summary_version=None) for p in day.papers)))   # as fetched
    with LLMServer(latency=latency, wordy=True) as server:   # summaries as long as the prompt allows
        config = folder / "sources.yaml"
        config.write_text(sources_yaml(sources), encoding="utf-8")
        options = load_config(config).llm
        started = time.perf_counter()
        report = summarize_stage(load_config(config), archive, {"OPENAI_BASE_URL": server.base_url,
                                                                "OPENAI_MODEL": SUMMARY_MODEL})
        seconds = time.perf_counter() - started
        if server.errors or report.problem or report.pending:
            raise SystemExit(f"bench: summarize: {report.problem or server.errors or f'{report.pending} pending'}")
        counted = {"papers": report.summarised, "requests": server.calls, "languages": len(options.languages),
                   "concurrency": options.concurrency,
                   "per_paper": server.tokens_by_kind.get("summaries", 0) / max(report.summarised, 1)}
    return counted, seconds


# ---- search ------------------------------------------------------------------------------------

def search_figures(site: Path, folder: Path, days: int, incremental: dict, pages_3y: float) -> None:
    """The search index at the three-year volume (bench/search.py says how it is drawn), the whole site's
    three-year size with it (pages_3y: everything but search/), and its queries in Chromium under the
    throttled mobile profile."""
    if incremental:
        line("6. search: incremental render", f"{incremental.get('search_seconds', 0):.2f} s of the new day's render "
                                              "(bench archive)", "<= 10 s", incremental.get("search_seconds", 0) <= 10)
    sample = search.search_site(site, folder)
    built = search.build_index(sample, days)
    papers_3y = 3 * 365 * (5 * search.PROFILE[0] + 2 * search.PROFILE[1]) / 7
    window = 2 * 30.4 * (5 * search.PROFILE[0] + 2 * search.PROFILE[1]) / 7
    size_3y = built["old_per_paper"] * (papers_3y - window) + built["recent_per_paper"] * window
    line("   index per paper", f"{built['old_per_paper']:.0f} B (title, authors, summaries in 2 languages, row); "
                               f"{built['recent_per_paper']:.0f} B with the abstract (newest 2 months)",
         "<= 400 B", built["old_per_paper"] <= 400)
    line("   index at 3 years", f"{size_3y / 1e6:.0f} MB for {papers_3y:,.0f} papers; biggest file "
                               f"{built['biggest'] / 2**20:.1f} MiB", "<= 350 MB + the window, files <= 25 MiB",
         size_3y <= 350e6 + window * (built["recent_per_paper"] - built["old_per_paper"]) and built["biggest"] <= 25 * 2**20)
    if pages_3y:
        line("   3 y site with this index", f"{(pages_3y + size_3y) / 1e9:.2f} GB: {pages_3y / 1e6:.0f} MB without "
                                            f"search/ + {size_3y / 1e6:.0f} MB of index", "< 1 GB (GitHub Pages)",
             pages_3y + size_3y < 1e9)
    line("   adding a day (3-year index)", f"{built['add_day']:.2f} s: the day appended to its month, "
                                           f"the dictionary of {36} months interleaved", "<= 10 s", built["add_day"] <= 10)
    results = search.measure(sample, built["queries"])
    if not results:
        line("   queries in Chromium", "skipped: no Chromium (bash .ci/run installs it)")
    for r in results:
        line(f"   query: {r['label']}", f"{r['bytes'] / 1000:.0f} KB in {r['requests']} requests, first results in "
                                        f"{r['ms']:.0f} ms (cold page: {r['cold_ms']:.0f} ms, {r['cold_bytes'] / 1000:.0f} KB)",
             "<= 300 KB, <= 1.5 s", r["bytes"] <= 300_000 and r["ms"] <= 1500)


# ---- the report --------------------------------------------------------------------------------

def line(name: str, value: str, target: str = "", ok: bool | None = None) -> None:
    verdict = "" if ok is None else ("  ok" if ok else "  MISSED")
    print(f"{name:<34} {value:<58} {('target ' + target) if target else ''}{verdict}", flush=True)


def add_day(gen: Generator, day: date, config: Path, content: Path, site: Path, full_days: int, label: str) -> dict:
    """Add a day to the archive and render it in a child process; print its figure and what it rewrote."""
    new_day = gen.day(day)
    Archive(content).write_day(new_day)
    before = stamps(site)
    incremental = render_in_child(config, content, site)
    line(label, f"{incremental['seconds']:.2f} s ({incremental['cpu']:.2f} s CPU), {incremental['written']} files written",
         "< 1 s", incremental["seconds"] < 1)
    changed = [rel for rel, stamp in stamps(site).items() if before.get(rel) != stamp]
    since = (day - timedelta(days=full_days - 1)).isoformat()   # the full window, the new day in it
    older = {rel.split("/")[0] for rel in changed if re.match(r"\d{4}-\d\d-\d\d/index\.html$", rel)
             and since <= rel.split("/")[0] < (day - timedelta(days=1)).isoformat()}
    compacted = {rel.split("/")[0] for rel in changed if DAY_PAGE.match(rel) and rel < since}
    line("   of which", f"{sum(rel.startswith(day.isoformat()) for rel in changed)} new day's pages, "
                        f"{len(older)} older days' first pages (an 'updated to' mark, or an 'Updated versions' row "
                        f"linking elsewhere; {len(new_day.updates)} new versions announced), {len(compacted)} day(s) "
                        f"leaving the full window re-rendered compact "
                        f"({sum(DAY_PAGE.match(r) is not None and r < since for r in changed)} pages)")
    return incremental


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/run.py", description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, default=365, help="days in the archive (default 365)")
    parser.add_argument("--papers", type=int, help="papers on every day (default: the default sources' profile, "
                                                   "about 1,200 on a weekday and 80 on a weekend day)")
    parser.add_argument("--sources", type=int, default=11, help="sources in the config, at most 11 (default 11)")
    parser.add_argument("--feed-items", type=int, default=5000, help="items in the parsed arXiv feed (default 5000)")
    parser.add_argument("--fetch-sources", type=int, default=40, help="sources fetched from 127.0.0.1 (default 40)")
    parser.add_argument("--latency", type=float, default=0.3, help="the server's delay per answer, s (default 0.3)")
    parser.add_argument("--search-days", type=int, default=30,
                        help="days drawn for each of the search index's two sample months (default 30)")
    parser.add_argument("--llm-latency", type=float, default=2.0,
                        help="the fake model's delay per answer for the LLM figure (7.), s (default 2)")
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it (default: a temporary folder)")
    parser.add_argument("--search-only", action="store_true",
                        help="only the search index and its queries (6.), with the demo site's search page")
    args = parser.parse_args(argv)

    folder = args.keep or Path(tempfile.mkdtemp(prefix="academichub-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        if args.search_only:   # the search page and scripts of the demo build: the archive's pages play no part
            import build
            if build.main(["--demo", "--content", str(folder / "content"), "--site", str(folder / "site")]):
                raise SystemExit("bench: the demo build failed")
            search_figures(folder / "site", folder, args.search_days, {}, 0)
            return 0
        started = time.perf_counter()
        config, content, gen, next_day, counts = make_archive(folder, args.days, args.papers, args.sources)
        papers = sum(counts.values())
        size = sum(p.stat().st_size for p in (content / "days").glob("*.json"))
        scale = 3 * 365 / args.days   # the three-year projection: every figure that grows with the archive
        profile = f"{args.papers} a day" if args.papers else "the default sources' weekday/weekend profile"
        line("archive", f"{args.days} days, {papers:,} papers ({profile}), content/ {size / 1e6:.1f} MB "
                        f"= {size / papers / 1000:.2f} KB per paper, made in {time.perf_counter() - started:.1f} s")
        # git stores each day file zlib-compressed: the last days' ratio stands for the repository's.
        sample = sorted((content / "days").glob("*.json"))[-30:]
        ratio = sum(len(zlib.compress(p.read_bytes(), 6)) for p in sample) / max(1, sum(p.stat().st_size for p in sample))
        line("   content/ in three years", f"{size * scale / 1e9:.2f} GB raw, the repository about "
                                           f"{size * scale * ratio / 1e9:.2f} GB packed (day files compress to "
                                           f"{ratio:.0%})")
        site = folder / "site"
        shutil.rmtree(site, ignore_errors=True)

        full = render_in_child(config, content, site, memory=True)
        full_days = load_config(config).site.full_days
        files, total, by_type = site_sizes(site, (max(counts) - timedelta(days=full_days - 1)).isoformat())
        # Forked workers share the parent's pages: the tree's summed PSS is what the runner holds, adding their peaks
        # an upper bound (shown beside it). Memory is projected as if all of it grew with the archive.
        workers = min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1, 4)
        peak, bound = footprint_kb(full["tree_mb"], full["peak_mb"], workers, full["worker_peak_mb"])   # in MB
        memory = (f"peak {peak:.0f} MB (VmHWM bound {full['peak_mb']:.0f} + {workers} workers x "
                  f"{full['worker_peak_mb']:.0f} MB = {bound:.0f})" if full["worker_peak_mb"] else f"peak {peak:.0f} MB")
        # The daily job starts without site/ and renders it whole: at three years it must still fit the runner.
        line("1. full render", f"{full['seconds']:.2f} s ({full['cpu']:.1f} s CPU), {memory}, "
                               f"{full['written']} files written; 3 y ~ {full['seconds'] * scale:.0f} s, "
                               f"<= {peak * scale:.0f} MB",
             "3 y < 300 s, < 2 GB", full["seconds"] * scale < 300 and peak * scale < 2000)
        per_paper = total / papers
        search = by_type["search index"]
        line("   site size", f"{total / 1e6:.1f} MB in {files} files, {per_paper / 1000:.2f} KB per paper; "
                            f"{(total - search) / 1e6:.1f} MB without search/")
        later = project_size(site, by_type, counts, full_days)
        basis = "" if later["measured_compact"] else " (no compact day yet: at full cards' weight)"
        line("   3 y projection (retention)",
             f"{later['total'] / 1e9:.2f} GB: full window {later['full'] / 1e6:.0f} MB ({full_days} days) + compact "
             f"{later['compact_per_paper']:.0f} B x {later['compact_papers'] / 1e3:,.0f}k papers = "
             f"{later['compact'] / 1e6:.0f} MB{basis} + search/ {later['search'] / 1e6:.0f} MB (the bench archive's, "
             f"a 150-word vocabulary; judged with the drawn index under 6.) + other {later['other'] / 1e6:.0f} MB")
        without = later["total"] - later["search"]
        line("   3 y without search/", f"{without / 1e6:.0f} MB", "<= 550 MB (search/ gets the rest)", without <= 550e6)
        for kind, size in by_type.items():
            if size:
                line(f"     {kind}", f"{size / papers:,.0f} B per paper ({size / 1e6:.1f} MB)")
        for name, page, judged in page_weights(site):
            line(f"   {name}", f"{page['bytes'] / 1000:.0f} KB, {page['gzip'] / 1000:.0f} KB gzipped, "
                            f"{page['elements']:,} elements", "<= 150 KB, <= 40 KB gz, <= 1,500" if judged else "",
                 page["bytes"] <= 150_000 and page["gzip"] <= 40_000 and page["elements"] <= 1500 if judged else None)

        incremental = add_day(gen, next_day, config, content, site, full_days, "2. incremental (one new day)")
        # The day after: a weekday of 1,200 cards leaves the full window, and the "Updated versions" of most days link
        # into it (site/frames.py), where the day before let a weekend day go.
        following = next_day + timedelta(days=1)
        add_day(gen, following, config, content, site, full_days,
                f"   the next day ({(following - timedelta(days=full_days)).isoformat()}, "
                f"{counts.get(following - timedelta(days=full_days), 0)} papers, leaves the window)")

        noop = render_in_child(config, content, site)
        line("3. no-op rebuild", f"{noop['seconds']:.2f} s ({noop['cpu']:.2f} s CPU), {noop['written']} files written",
             "< 0.5 s, 0 written", noop["seconds"] < 0.5 and noop["written"] == 0)
        line("   (process wall, with imports)", f"full {full['wall']:.2f} s, incremental {incremental['wall']:.2f} s, "
                                               f"no-op {noop['wall']:.2f} s")

        search_figures(site, folder, args.search_days, incremental, without)

        seconds, cpu = bench_parse(args.feed_items)
        rate = args.feed_items / seconds
        line("4. parse + normalise arXiv feed", f"{args.feed_items} items in {seconds:.2f} s ({cpu:.2f} s CPU) "
                                                f"= {rate:,.0f} items/s",
             ">= 2,000 items/s", rate >= 2000)

        fresh, unchanged, settings = bench_fetch(args.fetch_sources, args.latency)
        where = f"(127.0.0.1, {args.latency * 1000:.0f} ms each, concurrency {settings.concurrency}, per_host {settings.per_host})"
        line(f"5. fetch {args.fetch_sources} sources", f"{fresh:.2f} s {where}", "< 2 s", fresh < 2)
        line(f"   fetch {args.fetch_sources} sources, all 304", f"{unchanged:.2f} s", "< 2 s", unchanged < 2)
        weekday = Archive(content).read_day(next_day)
        llm, seconds = bench_llm(weekday, args.sources, folder / "llm", args.llm_latency)
        line("7. LLM: a weekday's summaries", f"{llm['papers']:,} papers in {llm['languages']} languages: "
                                              f"{llm['requests']} requests at {args.llm_latency:g} s each "
                                              f"(llm.concurrency {llm['concurrency']}) in {seconds:.0f} s; "
                                              f"{llm['per_paper']:.0f} tokens a paper",
             "<= 600 s, <= 500 tokens", seconds <= 600 and llm["per_paper"] <= 500)
        # The whole daily job as the workflow runs it, with this site as the last run's (its cache): bench/daily.py
        # measures it from an empty site/ too, whose render is the full render above.
        import daily   # bench/daily.py, beside this script
        job, details = daily.cached_job(content, config, site, folder / "job", folder / "feeds",
                                        args.papers / 1200 if args.papers else 1)
        line("8. the daily job (site/ cached)", *daily.job_figure(job, scale))
        for shown in details:
            print(f"   {shown}", flush=True)
        took = time.perf_counter() - started
        line("bench", f"{took:.0f} s in all", "<= 600 s for a year", took <= 600 if args.days >= 365 else None)
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
