"""bench/daily.py at smoke size: every figure is printed (timings are not judged)."""

import re
import subprocess
import sys
from pathlib import Path

import build

ROOT = Path(__file__).resolve().parent.parent


def test_daily_bench_prints_verify_and_summarize(tmp_path):
    content = tmp_path / "content"
    for day in ("2026-06-16", "2026-06-17"):
        assert build.main(["fetch", "--demo", "--content", str(content), "--date", day]) == 0
    before = {p: p.read_bytes() for p in content.rglob("*") if p.is_file()}
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "daily.py"), "--content", str(content)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert re.search(r"^archive: 2 days, \d+ papers", out, re.M), out
    assert re.search(r"^verify, newest day changed: [\d.]+ s, peak \d+ MB \(0 problems, message 'digest ", out, re.M), out
    found = re.search(r"^summarize, newest day pending: [\d.]+ s, peak \d+ MB \((\d+) requests, (\d+) papers, "
                      r"(\d+) briefings, 0 pending\)", out, re.M)
    assert found and int(found[1]) > 0 and int(found[2]) > 0 and int(found[3]) == 4, out
    assert {p: p.read_bytes() for p in content.rglob("*") if p.is_file()} == before   # the archive is only read
    assert "whole job: skipped" in out   # no bench sources.yaml beside the demo's archive


def test_daily_bench_runs_the_whole_job_with_and_without_the_cached_site(tmp_path):
    sys.path.insert(0, str(ROOT / "bench"))
    import run as bench

    bench.make_archive(tmp_path, 3, 20, 11)
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "daily.py"), "--content", str(tmp_path / "content"),
                           "--feed-scale", "0.05"], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for label in ("whole job, site/ rendered whole", "whole job, site/ restored (cache)"):
        assert re.search(rf"^{re.escape(label)}: [\d.]+ s \(baseline copy [\d.]+, build.py [\d.]+ \[fetch [\d.]+, "
                         rf"render [\d.]+, summarize [\d.]+\], verify [\d.]+\), peak \d+ MB", out, re.M), (label, out)
    assert re.search(r"^   fetch 2025-06-19: [1-9]\d* new papers", out, re.M), out   # the weekday after the archive
    assert re.search(r"^   model: [1-9]\d* requests", out, re.M), out
    assert re.search(r"^content/: [\d.]+ KB per paper", out, re.M) and re.search(r"^repository \(git gc", out, re.M), out
