"""The benchmark at smoke size: every figure is printed (timings are not judged here, only in bench/run.py)."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bench_prints_every_figure(tmp_path):
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--days", "3", "--papers", "20", "--sources", "4",
         "--feed-items", "40", "--fetch-sources", "6", "--latency", "0.02", "--search-days", "2", "--llm-latency", "0.01",
         "--keep", str(tmp_path)],
        capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for label in ("archive", "1. full render", "site size", "day pages", "day x topic pages", "feeds",
                  "2. incremental (one new day)", "the next day", "3. no-op rebuild", "4. parse + normalise arXiv feed",
                  "5. fetch 6 sources", "fetch 6 sources, all 304", "6. search: incremental render",
                  "index per paper", "index at 3 years", "adding a day (3-year index)", "7. LLM: a weekday's summaries",
                  "8. the daily job (site/ cached)"):
        assert re.search(rf"^\s*{re.escape(label)}\s", out, re.M), (label, out)
    written = {name: int(n) for name, n in re.findall(r"^(\d)\. [^\n]*?(\d+) files written", out, re.M)}
    assert written["1"] > 3 * 5 and 0 < written["2"] < written["1"] and written["3"] == 0, out
    assert "3 days, 60 papers (20 a day)" in out and "40 items in" in out
    # Every paper of the new weekday summarised, in both languages; the job fetched, summarised, rendered, verified.
    assert re.search(r"^7\. LLM: a weekday's summaries +20 papers in 2 languages: [1-9]\d* requests", out, re.M), out
    assert re.search(r"^8\. the daily job \(site/ cached\) +[\d.]+ s \(baseline copy [\d.]+, build.py [\d.]+ \[fetch "
                     r"[\d.]+, render [\d.]+, summarize [\d.]+\], verify [\d.]+\)", out, re.M), out
    assert re.search(r"^   fetch \d{4}-\d\d-\d\d: [1-9]\d* new papers", out, re.M), out
    assert re.search(r"^   front page +\d+ KB, \d+ KB gzipped, [\d,]+ elements", out, re.M), out
    assert re.search(r"^   heaviest topic page \(topics/[^)]+\) +\d+ KB, \d+ KB gzipped, [\d,]+ elements +target", out, re.M), out
    assert re.search(r"^   heaviest day-and-topic page \([\d-]+/[^)]+\) +\d+ KB, \d+ KB gzipped, [\d,]+ elements *$",
                     out, re.M), out   # shown, not judged
    queries = re.findall(r"^   query: (.+?) +(\d+) KB in \d+ requests", out, re.M)
    assert [q for q, _ in queries] in ([], ["a title word", "an author", "a phrase", "a Chinese word",   # []: no Chromium
                                            "an uncommon Chinese word", 'a common word ("the")']), out
    assert queries or "skipped: no Chromium" in out
    assert (tmp_path / "site" / "index.html").is_file() and len(list((tmp_path / "content" / "days").glob("*.json"))) == 3 + 2   # two new days


def test_the_default_profile_is_the_default_sources_volume():
    """A weekday brings about 1,200 papers (a third of arXiv's cross-listed) and 120 new versions; a weekend 80."""
    sys.path.insert(0, str(ROOT / "bench"))
    import run as bench

    from digest.config import load_config
    config_path = ROOT / "sources.yaml"
    gen = bench.Generator(load_config(config_path), None)
    assert [s.id for s in gen.sources] == [s.id for s in load_config(config_path).sources]   # the shipped sources
    from datetime import date, timedelta
    monday = date(2026, 6, 15)
    week = [gen.day(monday + timedelta(days=i)) for i in range(7)]
    weekdays, weekend = week[:5], week[5:]
    assert all(1000 <= len(d.papers) <= 1400 for d in weekdays), [len(d.papers) for d in week]
    assert all(60 <= len(d.papers) <= 100 for d in weekend), [len(d.papers) for d in week]
    arxiv = [p for d in weekdays for p in d.papers if p.id.startswith("arXiv:")]
    assert 0.28 < sum(len(p.topics) > 1 for p in arxiv) / len(arxiv) < 0.39
    assert [len(d.updates) for d in week] == [0, 120, 120, 120, 120, 0, 0]   # none before a first batch is known
    assert not any(p.id.startswith("arXiv:") for d in weekend for p in d.papers)
    lengths = sorted(len(p.abstract) for p in arxiv)
    assert 1000 < lengths[len(lengths) // 2] < 1350   # the real feeds' median arXiv abstract: 1,170 characters
