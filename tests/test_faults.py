"""End to end through build.py: sources that hang, drip, reset, error, redirect, lie about their format or size.

One sources.yaml points healthy sources at the demo feeds and the others at faulty routes, all on one
loopback FeedServer. Each fault must cost only its own source: the build finishes within its budget,
publishes every healthy source, prints one line naming each failing source, and keeps earlier days.
"""

import json
import re
import time
from datetime import date
from pathlib import Path

import pytest
from feedserver import (FeedServer, drip, drop, gzip_bomb, huge, ok, redirect, redirect_loop, retry_after, sequence,
                        slow, status)

import build
from demo_papers import archived_papers, expected_papers
from digest.archive import Archive
from digest.sources.feed import is_cut_short

ROOT = Path(__file__).resolve().parent.parent
DEMO_FEEDS = ROOT / "demo" / "feeds"
DAY1, DAY2 = "2026-06-16", "2026-06-17"
HEALTHY = {  # source id (= demo file name) -> (family, topic)
    "arxiv-cs-lg": ("arxiv", "cs.LG"), "biorxiv-bioinformatics": ("biorxiv", "bioinformatics"),
    "plos-compbio": ("plos", "comp-bio"), "nature": ("nature", "science"),
}
BUDGET = 60  # fetch.budget of these builds, seconds


def synthetic_feed(case: str, day: str, items: int = 2, encoding: str = "utf-8", declare: bool = True) -> bytes:
    """Return a small RSS 2.0 feed whose items are unique to the case and day, with accents in the text."""
    head = f'<?xml version="1.0" encoding="{encoding}"?>\n' if declare else ""
    body = "".join(
        f"<item><title>Café {case} paper {i} of {day}</title><link>https://example.org/{case}/{day}/{i}</link>"
        f"<description>A naïve abstract number {i} about µg doses, long enough to read.</description>"
        f"<pubDate>{day}T08:00:00Z</pubDate></item>" for i in range(items))
    text = f'{head}<rss version="2.0"><channel><title>{case}</title><link>https://example.org/</link>{body}</channel></rss>\n'
    return text.encode(encoding)


HTML_PAGE = (b"<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head>"
             b"<body><h1>We'll be back soon</h1><p>Maintenance.</p></body></html>")


def fault_cases() -> dict[str, tuple]:
    """Case -> (handler on day 2, extra routes, expected: "ok" or a phrase of the failure line)."""
    feed = synthetic_feed
    truncated = feed("truncated", DAY2, items=3)
    truncated = truncated[: truncated.rindex(b"abstract number 2") + 12]  # cut inside the third item
    return {
        "hang": (slow(30), {}, "timed out"),
        "drip": (drip(feed("drip", DAY2, items=4), interval=0.3, chunk_size=48), {}, "deadline of 3 s"),
        "reset": (drop(reset=True), {}, "network error"),
        "close": (drop(reset=False), {}, "network error"),
        "not-found": (status(404), {}, "HTTP 404"),
        "server-error": (status(500), {}, "HTTP 500"),
        "unavailable": (status(503, headers={"Retry-After": "0.2"}), {}, "HTTP 503"),
        "rate-limited": (retry_after(0.2), {}, "HTTP 429"),
        "rate-limited-long": (retry_after(3600), {}, "asks to retry after 3600 s"),
        "rate-limited-then-ok": (sequence(retry_after(0.2), ok(feed("rate-limited-then-ok", DAY2))), {}, "ok"),
        "redirect": (redirect("/moved/redirect.xml"), {"/moved/redirect.xml": ok(feed("redirect", DAY2))}, "ok"),
        "redirect-loop": (redirect_loop(), {}, "too many redirects"),
        "html-page": (ok(HTML_PAGE, "text/html; charset=utf-8"), {}, "not a feed (an HTML page"),
        "empty-body": (ok(b"", "application/rss+xml"), {}, "not a feed (empty body"),
        "truncated": (ok(truncated), {}, "ok"),
        # Latin-1 bytes under a utf-8 declaration and header; Latin-1 with no declaration nor charset.
        "charset-wrong": (ok(synthetic_feed("charset-wrong", DAY2).decode().encode("latin-1"),
                             "application/rss+xml; charset=utf-8"), {}, "ok"),
        "charset-missing": (ok(feed("charset-missing", DAY2, encoding="latin-1", declare=False), "application/xml"),
                            {}, "ok"),
        "huge-declared": (huge(50_000_000), {}, "declares 50000000 bytes"),
        "huge-chunked": (huge(50_000_000, content_length=False), {}, "over the max_bytes cap"),
        "gzip-bomb": (gzip_bomb(50_000_000), {}, "over the max_bytes cap"),
    }


def write_config(path: Path, server: FeedServer, cases: list[str], **fetch: object) -> None:
    """Write a sources.yaml with the healthy demo sources and one generic source per fault case."""
    settings = {"timeout": 2, "deadline": 3, "attempts": 2, "backoff": 0.1, "budget": BUDGET, "per_host": 32,
                "concurrency": 32, "max_bytes": 2_000_000} | fetch
    lines = ["site: {title: Faults}", "fetch:", *(f"  {k}: {v}" for k, v in settings.items()), "topics:"]
    lines += [f"  {t}: {t}" for t in ("cs.LG", "bioinformatics", "comp-bio", "science", "misc")]
    lines.append("sources:")
    for sid, (family, topic) in HEALTHY.items():
        lines.append(f'  - {{id: {sid}, label: "{sid}", topic: {topic}, family: {family}, '
                     f'url: "{server.url("{date}/" + sid + ".xml")}"}}')
    for case in cases:
        lines.append(f'  - {{id: f-{case}, label: "Fault {case}", topic: misc, family: generic, '
                     f'url: "{server.url("{date}/f-" + case + ".xml")}"}}')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def run(tmp: Path, day: str, capsys) -> tuple[int, str, str, float]:
    started = time.monotonic()
    code = build.main(["--config", str(tmp / "sources.yaml"), "--content", str(tmp / "content"),
                       "--site", str(tmp / "site"), "--date", day])
    elapsed = time.monotonic() - started
    out, err = capsys.readouterr()
    return code, out, err, elapsed


def test_every_fault_costs_only_its_own_source(tmp_path, capsys):
    cases = fault_cases()
    with FeedServer(root=DEMO_FEEDS) as server:
        for case, (handler, extra, _) in cases.items():
            server.route(f"/{DAY1}/f-{case}.xml", ok(synthetic_feed(case, DAY1)))
            server.route(f"/{DAY2}/f-{case}.xml", handler)
            for path, route in extra.items():
                server.route(path, route)
        write_config(tmp_path / "sources.yaml", server, list(cases))

        code, _, err, _ = run(tmp_path, DAY1, capsys)  # day 1: every source healthy
        assert code == 0 and err == "", err
        day1_file = tmp_path / "content" / "days" / f"{DAY1}.json"
        day1_bytes = day1_file.read_bytes()

        code, out, err, elapsed = run(tmp_path, DAY2, capsys)
        assert not server.errors, server.errors

    table = []
    assert code == 0, err
    assert elapsed < BUDGET / 2, f"the build took {elapsed:.1f} s"
    assert day1_file.read_bytes() == day1_bytes  # nothing saved earlier is touched
    archive = Archive(tmp_path / "content")
    day2 = archive.read_day(date.fromisoformat(DAY2))
    stored = {p.id: p for p in day2.papers}
    state = archive.read_state()
    err_lines = err.splitlines()
    healthy = archived_papers(tmp_path / "content", set(HEALTHY))
    for sid in HEALTHY:   # the day-2 cards of each healthy source, id and title, as tests/expected_papers.txt has them
        assert healthy[(DAY2, sid)] == expected_papers()[(DAY2, sid)], sid
        assert state.sources[sid].status == "ok" and not any(f"'{sid}'" in line for line in err_lines)
    status_page = (tmp_path / "site" / "status" / "index.html").read_text(encoding="utf-8")
    for case, (_, _, expected) in cases.items():
        sid = f"f-{case}"
        mine = [line for line in err_lines if f"source '{sid}'" in line]
        titles = [p.title for p in stored.values() if p.sources == (sid,)]
        if expected == "ok":
            assert state.sources[sid].status == "ok", (sid, mine)
            assert titles and all(t.startswith(f"Café {case} paper") for t in titles), (sid, titles)
            assert all("µg" in p.abstract and "naïve" in p.abstract for p in stored.values() if p.sources == (sid,))
            table.append((case, f"published {len(titles)} papers" + (f"; warned: {mine[0]}" if mine else "")))
        else:
            assert len(mine) == 1 and expected in mine[0], (sid, mine)
            assert not titles
            kept = state.sources[sid]
            assert (kept.status, kept.failures, kept.last_success) == ("failed", 1, DAY1), (sid, kept)
            row = status_page.split(f">Fault {case}<", 1)[1].split("</tr>", 1)[0]
            assert "failed" in row.lower() and DAY1 in row, row
            table.append((case, mine[0]))
    # the truncated feed keeps its two whole items and says it was cut short
    assert len([p for p in stored.values() if p.sources == ("f-truncated",)]) == 2
    assert any("f-truncated" in line and "cut short" in line for line in err_lines)
    # every failing source has its line in the report on stdout too, and the day-1 pages survive
    assert sum(bool(re.match(r"\s+f-\S+\s+failed ", line)) for line in out.splitlines()) == sum(e != "ok" for *_, e in cases.values())
    day1_pages = [tmp_path / "site" / DAY1 / "index.html", *(tmp_path / "site" / DAY1).glob("page/*/index.html")]
    assert any("Café hang paper 0 of 2026-06-16" in p.read_text(encoding="utf-8") for p in day1_pages)
    print(f"\nfault table ({elapsed:.1f} s for the day-2 build):")
    for case, what in table:
        print(f"  {case:<22} {what}")


def test_run_budget_cuts_slow_sources_and_keeps_the_rest(tmp_path, capsys):
    with FeedServer(root=DEMO_FEEDS) as server:
        server.route(f"/{DAY2}/f-hang.xml", slow(30))
        server.route(f"/{DAY2}/f-drip.xml", drip(synthetic_feed("drip", DAY2, items=20), interval=0.2, chunk_size=16))
        # a per-request timeout and deadline far above the budget: only the budget can stop these
        write_config(tmp_path / "sources.yaml", server, ["hang", "drip"], timeout=20, deadline=30, budget=2)
        code, _, err, elapsed = run(tmp_path, DAY2, capsys)
    assert code == 0, err
    assert elapsed < 10, elapsed
    for sid in ("f-hang", "f-drip"):
        mine = [line for line in err.splitlines() if f"source '{sid}'" in line]
        assert len(mine) == 1 and "run budget of 2 s (fetch.budget)" in mine[0], mine
    state = Archive(tmp_path / "content").read_state()
    assert all(state.sources[sid].status == "ok" for sid in HEALTHY)


def test_a_source_failing_runs_in_a_row_is_flagged(tmp_path, capsys):
    with FeedServer(root=DEMO_FEEDS) as server:
        server.route(f"/{DAY1}/f-gone.xml", ok(synthetic_feed("gone", DAY1)))
        write_config(tmp_path / "sources.yaml", server, ["gone"], warn_failures=3)
        assert run(tmp_path, DAY1, capsys)[0] == 0
        lines = []
        for _ in range(3):  # the feed is gone from day 2 on: three runs in a row fail
            code, out, err, _ = run(tmp_path, DAY2, capsys)
            assert code == 0
            lines.append(([line for line in err.splitlines() if "source 'f-gone'" in line], out))
    for n, (mine, out) in enumerate(lines, 1):
        assert len(mine) == 1 and "HTTP 404" in mine[0], mine
        flagged = "WARNING: failed 3 runs in a row (last success: 2026-06-16)" in mine[0]
        assert flagged == (n == 3), (n, mine)
        assert ("1 failing for 3+ runs" in out) == (n == 3), out
    page = (tmp_path / "site" / "status" / "index.html").read_text(encoding="utf-8")
    row = page.split(">Fault gone<", 1)[1].split("</tr>", 1)[0]
    cells = re.findall(r"<td>(.*?)</td>", row)
    assert "HTTP 404" in cells[-1] and "3" in cells and DAY1 in cells, cells
    assert 'class="st-failed"' in page
    dead = row.split('<strong class="dead">', 1)[1].split("</strong>", 1)[0]
    assert re.sub(r"<[^>]+>", "", dead) == "failing 3 runs in a row: check its URL", dead
    healthy = page.split(">arxiv-cs-lg<", 1)[1].split("</tr>", 1)[0]
    assert "st_dead" not in healthy and "in a row" not in healthy
    kept = json.loads((tmp_path / "content" / "state.json").read_text())["sources"]["f-gone"]
    assert kept["failures"] == 3 and kept["last_success"] == DAY1


@pytest.mark.parametrize("cap", [1, 3])
def test_item_and_abstract_caps(tmp_path, capsys, cap):
    with FeedServer(root=DEMO_FEEDS) as server:
        long_feed = synthetic_feed("many", DAY2, items=5).replace(b"long enough to read.", b"word " * 5000)
        server.route(f"/{DAY2}/f-many.xml", ok(long_feed))
        write_config(tmp_path / "sources.yaml", server, ["many"], max_items=cap, max_abstract=300)
        code, _, err, _ = run(tmp_path, DAY2, capsys)
    assert code == 0
    day = Archive(tmp_path / "content").read_days()[-1]
    mine = [p for p in day.papers if p.sources == ("f-many",)]
    assert len(mine) == cap
    assert all(len(p.abstract) <= 300 and p.abstract.endswith("…") for p in mine)
    assert "source 'f-many': 5 items, only the first" in err and "(fetch.max_items)" in err


@pytest.mark.parametrize("body, cut", [
    (b"<rss><channel><item><title>a</title></item></channel></rss>\n", False),
    (b"<rss><channel><item><title>a</title></item></channel></rss>\n<!-- cached 0.2 s -->\n", False),
    (b"<feed xmlns='http://www.w3.org/2005/Atom'><entry><title>a</title></entry></feed>", False),
    (b"<rdf:RDF><item><title>a</title></item></rdf:RDF>  ", False),
    (b"<rss><channel><item><title>a</title></item>", False),       # stops right after a whole item
    (b"<rss><channel><item><title>a</title></item><item><tit", True),
    (b"<rss><channel><item><title>a</title></item><item><title>b</title><description>Half a sen", True),
    (b"<feed><entry><title>a</title></entry><entry>", True),
])
def test_truncation_is_detected(body, cut):
    assert is_cut_short(body) == cut
