"""Per source and run, every listed item is a new card, a new version, seen before, or not shown for a stated
reason; the build line, the job summary, state.json and /status/ show the same numbers, and they add up, on
the demo and on a build over the real feed files in ../shared/corpus/real/."""

import contextlib
import html
import io
import json
import re
import sys
from pathlib import Path

import pytest

import build
from digest.archive import Archive, Counts
from digest.config import load_config

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import corpus  # noqa: E402  (bench/corpus.py)

LINE = re.compile(r"^  (\S+) +(.+?) +(\d+) items: (\d+) new, (\d+) new versions?, (\d+) seen, (\d+) not shown(?: \((.*)\))?$")
ROW = re.compile(r"^\| (.+?) \| (.+?) \| (\d+) \| (\d+) \| (\d+) \| (\d+) \| (\d+)(?: \((.*?)\))? \| .*\|$")
ITEM = re.compile(rb"<(?:[\w-]+:)?(?:item|entry)[\s>]")


def reasons_total(words: str | None) -> int:
    """Return the sum of "1 untitled, 2 listed twice"."""
    return sum(int(n) for n in re.findall(r"(?:^|, )(\d+) ", words or ""))


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("counts")
    summary = tmp / "summary.md"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = build.main(["--demo", "--content", str(tmp / "content"), "--site", str(tmp / "site"),
                           "--summary", str(summary)])
    assert code == 0
    return tmp, out.getvalue(), summary.read_text(encoding="utf-8")


def runs_of(text: str, pattern: re.Pattern[str], head: str) -> dict[str, list[tuple]]:
    """Return each run's matched lines, keyed by the run's day, from the build output or the summary."""
    runs: dict[str, list[tuple]] = {}
    day = None
    for line in text.splitlines():
        if found := re.match(head, line):
            day = found.group(1)
            runs.setdefault(day, [])
        elif day and (found := pattern.match(line)):
            runs[day].append(found.groups())
    return runs


def test_every_demo_line_adds_up_and_counts_the_feed_files_items(demo):
    tmp, out, _ = demo
    config = load_config(ROOT / "demo" / "sources.yaml")
    runs = runs_of(out, LINE, r"^fetch (\S+): \d+ sources$")
    assert list(runs) == ["2026-06-16", "2026-06-17"] and all(len(r) == len(config.sources) for r in runs.values())
    for day, lines in runs.items():
        for sid, _, items, new, versions, seen, not_shown, why in lines:
            assert int(items) == int(new) + int(versions) + int(seen) + int(not_shown), (day, sid)
            assert int(not_shown) == reasons_total(why), (day, sid, why)
            # The items are the feed file's own, counted from its markup here, not by the parser.
            source = next(s for s in config.sources if s.id == sid)
            feed = ROOT / "demo" / source.url.replace("{date}", day)
            assert int(items) == len(ITEM.findall(feed.read_bytes())), (day, sid)
    # New cards and versions per source are what content/ holds: a card counts under each of its sources.
    archive = Archive(tmp / "content")
    days = archive.read_days()
    assert sum(int(line[3]) for lines in runs.values() for line in lines) == sum(len(p.sources) for d in days for p in d.papers)
    assert sum(int(line[4]) for lines in runs.values() for line in lines) == sum(len(u.sources) for d in days for u in d.updates)
    assert sum(int(line[4]) for line in runs["2026-06-17"]) == 3   # the demo's three new versions, not new cards
    # Per run, the sources' cards and versions add up to the headline's, with each cross-listing named.
    headlines = re.findall(r"^fetch (\S+): (\d+) new papers, (\d+) new versions(?: \(\+(\d+) cross-listings\))?, ", out, re.M)
    assert [h[0] for h in headlines] == list(runs)
    for day, papers, versions, cross in headlines:
        assert sum(int(line[3]) + int(line[4]) for line in runs[day]) == int(papers) + int(versions) + int(cross or 0)
    assert int(headlines[-1][2]) == sum(len(d.updates) for d in days)
    assert sum(int(h[1]) for h in headlines) == sum(len(d.papers) for d in days)


def test_the_job_summary_state_and_status_page_show_the_build_lines_numbers(demo):
    tmp, out, summary = demo
    config = load_config(ROOT / "demo" / "sources.yaml")
    labels = {s.id: s.label for s in config.sources}
    lines = runs_of(out, LINE, r"^fetch (\S+): \d+ sources$")
    rows = runs_of(summary, ROW, r"^### fetch (\S+): ")
    assert list(rows) == list(lines)
    for day in lines:
        by_label = {row[0]: row[2:7] for row in rows[day]}
        assert {labels[line[0]]: line[2:7] for line in lines[day]} == by_label, day
    last = {line[0]: tuple(map(int, line[2:7])) for line in lines["2026-06-17"]}
    state = Archive(tmp / "content").read_state()
    for sid, numbers in last.items():
        c = state.sources[sid].counts
        assert (c.items, c.new, c.versions, c.seen, c.not_shown) == numbers and c.adds_up, sid
    raw = json.loads((tmp / "content" / "state.json").read_text(encoding="utf-8"))
    assert {k: raw["sources"]["arxiv-cs-lg"][k] for k in ("items", "new", "versions", "seen")} == dict(
        zip(("items", "new", "versions", "seen"), last["arxiv-cs-lg"][:4]))
    page = (tmp / "site" / "status" / "index.html").read_text(encoding="utf-8")
    for sid, numbers in last.items():
        row = page.split(f'<th scope="row">{html.escape(labels[sid])}</th>', 1)[1].split("</tr>", 1)[0]
        cells = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td>(.*?)</td>", row)]
        # state, items, new, new versions, seen, last check, last success, failures, not shown, last error
        shown = (*map(int, cells[1:5]), int(cells[8].split()[0]))
        assert shown == numbers, (sid, cells)


def test_an_older_state_file_without_the_counts_reads_as_zero(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    (content / "state.json").write_text(json.dumps({"schema": 1, "last_run": "2026-06-16", "sources": {
        "a": {"status": "ok", "new": 3, "failures": 0, "checked": "2026-06-16"}}}), encoding="utf-8")
    assert Archive(content).read_state().sources["a"].counts == Counts(0, 3, 0, 0, {})


CORPUS = corpus.CORPUS


@pytest.mark.skipif(not (CORPUS / "README.md").is_file(), reason=f"no real feed corpus at {CORPUS}")
def test_a_build_over_every_real_file_adds_up(tmp_path):
    rows = {row.name: row for row in corpus.build_corpus(CORPUS, tmp_path)}
    assert len(rows) >= 11
    for row in rows.values():
        assert row.adds_up, row.line()   # no failure; the file's items = cards + updates + seen + skipped
    # early-2024 arXiv RSS: 35 new + 27 cross are cards, 41 replace + 20 replace-cross are new versions.
    stat = rows["arxiv-rss-stat-2024-03-26.xml"]
    assert (stat.items, stat.cards, stat.versions, stat.reported) == (123, 62, 61, (123, 62, 61))
    # The details API's answer saved as a file: two first postings and one v3.
    saved = rows["biorxiv-api-details-2026-07-15.json"]
    assert (saved.items, saved.cards, saved.versions) == (3, 2, 1)
    # Nature's week: its 44 news pieces (d41586) and its corrections are counted, not lost.
    nature = rows["nature-2024-07-18.rss"]
    assert nature.items == 75 and nature.skipped.get("editorial", 0) >= 44


@pytest.mark.skipif(not (CORPUS / "README.md").is_file(), reason=f"no real feed corpus at {CORPUS}")
def test_the_corpus_bench_finds_the_defects_it_names():
    legacy = corpus.CORPUS / "arxiv-old-rss1-math-2012-09-12.xml"
    assert corpus.count_items(legacy) == 126 and corpus.last_date("2015-10-15..11-06").isoformat() == "2015-11-06"
    assert corpus.last_date("2026-06-26/29").isoformat() == "2026-06-29"
    from datetime import date
    from digest.papers import Paper
    card = Paper("doi:10.1/x?af=r", r"A \textbf{bold} claim", ("<a href='x'>Ann</a>",), r"Done.nnThen $\alpha$",
                 "", date(2026, 1, 1), (), (), doi="10.1/x?af=r")
    assert corpus.card_defects(card) == {"tex", "nn", "doi_q", "au_html"}
    math_only = Paper("arXiv:1", r"On $\mathbb{R}$ and \(x\)", ("Ann Lee",), r"See $$\sum_i x_i$$ no.", "",
                      date(2026, 1, 1), (), ())
    assert corpus.card_defects(math_only) == set()   # TeX inside math is the page's to render


def test_two_versions_of_one_paper_in_one_answer_are_one_card_and_one_item_listed_twice(tmp_path):
    from datetime import date
    from digest.collect import collect
    from test_biorxiv import record

    records = [record(1), record(1, version=2), record(2)]
    body = {"messages": [{"status": "ok", "count": 3, "total": "3"}], "collection": records}
    (tmp_path / "details.json").write_text(json.dumps(body), encoding="utf-8")
    (tmp_path / "sources.yaml").write_text(
        "topics: {bio: Bio}\nsources:\n  - {id: bio, label: Bio, topic: bio, family: biorxiv, url: details.json}\n",
        encoding="utf-8")
    archive = Archive(tmp_path / "content")
    [report] = collect(load_config(tmp_path / "sources.yaml"), archive, date(2026, 6, 22)).sources
    assert report.counts == Counts(3, 2, 0, 0, {"duplicate": 1}) and report.counts.adds_up
    [day] = archive.read_days()
    assert sorted((p.id[-6:], p.version) for p in day.papers) == [("600001", 2), ("600002", 1)] and not day.updates


def test_a_failed_check_clears_the_counts_and_a_quiet_rerun_keeps_the_days(tmp_path):
    from datetime import date
    from digest.collect import collect

    feed = ROOT / "demo" / "feeds" / "2026-06-17" / "nature.xml"
    (tmp_path / "feed.xml").write_bytes(feed.read_bytes())
    (tmp_path / "sources.yaml").write_text(
        "topics: {sci: Science}\nsources:\n  - {id: nat, label: Nat, topic: sci, family: nature, url: feed.xml}\n",
        encoding="utf-8")
    config, archive, day = load_config(tmp_path / "sources.yaml"), Archive(tmp_path / "content"), date(2026, 6, 17)
    [first] = collect(config, archive, day).sources
    assert first.counts.new > 0 and first.counts.not_shown > 0 and first.counts.adds_up
    [again] = collect(config, archive, day).sources   # the same day again: everything seen, nothing new
    assert (again.counts.new, again.counts.seen) == (0, first.counts.new) and again.counts.adds_up
    assert archive.read_state().sources["nat"].counts == first.counts   # what that day saw still stands
    (tmp_path / "feed.xml").unlink()
    [failed] = collect(config, archive, date(2026, 6, 18)).sources
    assert failed.status == "failed" and archive.read_state().sources["nat"].counts == Counts()
