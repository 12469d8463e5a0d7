"""The benchmark at smoke size: every figure is printed (timings are not judged here, only in bench/run.py)."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bench_prints_every_figure(tmp_path):
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--days", "3", "--papers", "20", "--sources", "4",
         "--feed-items", "40", "--fetch-sources", "6", "--latency", "0.02", "--keep", str(tmp_path)],
        capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for label in ("archive", "1. full render", "site size", "day pages", "day x topic pages", "feeds",
                  "2. incremental (one new day)", "3. no-op rebuild", "4. parse + normalise arXiv feed",
                  "5. fetch 6 sources", "fetch 6 sources, all 304"):
        assert re.search(rf"^\s*{re.escape(label)}\s", out, re.M), (label, out)
    written = {name: int(n) for name, n in re.findall(r"^(\d)\. [^\n]*?(\d+) files written", out, re.M)}
    assert written["1"] > 3 * 5 and 0 < written["2"] < written["1"] and written["3"] == 0, out
    assert "3 days x 20 = 60 papers" in out and "40 items in" in out
    assert (tmp_path / "site" / "index.html").is_file() and len(list((tmp_path / "content" / "days").glob("*.json"))) == 4
