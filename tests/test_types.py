"""mypy over digest/ and build.py (settings in mypy.ini): no type error outside the modules still being moved."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Modules whose errors are tolerated for now (none: every module is clean).
PENDING: set[str] = set()


def test_mypy_finds_no_error():
    pytest.importorskip("mypy", reason="mypy is not installed: pip install -r requirements.txt")
    done = subprocess.run([sys.executable, "-m", "mypy", "--no-error-summary", "digest", "build.py"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    errors = [line for line in done.stdout.splitlines() if re.match(r"[^:]+\.py:\d+: error:", line)]
    assert done.returncode in (0, 1) and (errors or done.returncode == 0), done.stdout + done.stderr
    blocking = [line for line in errors if Path(line.split(":", 1)[0]).name not in PENDING]
    assert not blocking, "\n".join(blocking)
    if errors:
        counts: dict[str, int] = {}
        for line in errors:
            counts[line.split(":", 1)[0]] = counts.get(line.split(":", 1)[0], 0) + 1
        pytest.skip("mypy errors left only in modules being moved: "
                    + ", ".join(f"{name} ({n})" for name, n in sorted(counts.items())))
