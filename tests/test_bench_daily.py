"""bench/daily.py at smoke size, on the demo's archive: both figures are printed (timings are not judged)."""

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
