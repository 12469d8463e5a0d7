"""The site's size budget: the size line, the warning from 80 %, the stop past site.size_limit_mb."""

import hashlib
import os
import re
from datetime import date
from pathlib import Path

import pytest

import build
from digest.site.budget import MB, SiteSize, months_left, recent_volume

ROOT = Path(__file__).resolve().parent.parent


def deployed_bytes(site):
    """What upload-pages-artifact puts in the Pages artifact: every file but the dotfiles."""
    return sum(p.stat().st_size for p in site.rglob("*")
               if p.is_file() and not any(part.startswith(".") for part in p.relative_to(site).parts))


def tree_digest(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo built once: its content/, its site/ and the deployed bytes of that site."""
    root = tmp_path_factory.mktemp("demo")
    assert build.main(["--demo", "--content", str(root / "content"), "--site", str(root / "site")]) == 0
    return root, deployed_bytes(root / "site")


def render_with_limit(root, limit_mb, capsys, summary=None):
    """Run `build.py render` on the demo's content with site.size_limit_mb set; return (code, out, err)."""
    text = (ROOT / "demo" / "sources.yaml").read_text(encoding="utf-8")
    config = root / f"sources-{limit_mb}.yaml"
    config.write_text(text.replace("\nsite:\n", f"\nsite:\n  size_limit_mb: {limit_mb}\n", 1), encoding="utf-8")
    args = ["render", "--config", str(config), "--content", str(root / "content"), "--site", str(root / "site")]
    capsys.readouterr()
    code = build.main(args + (["--summary", str(summary)] if summary else []))
    out, err = capsys.readouterr()
    return code, out, err


def size_line(out):
    lines = [line for line in out.splitlines() if line.startswith("size: ")]
    assert len(lines) == 1, out
    return lines[0]


def test_the_size_line_counts_what_pages_deploys(demo, capsys):
    root, size = demo
    code, out, err = render_with_limit(root, 1000, capsys)
    assert code == 0 and "WARNING" not in err
    line = size_line(out)
    assert f"site/ is {size / MB:.1f} MB of the 1,000 MB limit (site.size_limit_mb), 0%" in line
    assert re.search(r"KB per paper; about [\d,.]+ months left at \d+ papers a day$", line), line


def test_from_80_percent_a_warning_on_stderr_and_in_the_job_summary(demo, capsys, tmp_path):
    root, size = demo
    summary = tmp_path / "summary.md"
    code, out, err = render_with_limit(root, round(size / 0.9 / MB, 3), capsys, summary)
    assert code == 0
    assert "(site.size_limit_mb), 90%" in size_line(out)
    warnings = [line for line in err.splitlines() if line.startswith("WARNING: site/ is at 90% of site.size_limit_mb")]
    assert len(warnings) == 1, err
    assert "trim the sources in sources.yaml" in warnings[0]
    text = summary.read_text(encoding="utf-8")
    assert "**Site size:** site/ is" in text and "> [!WARNING]" in text and "90% of site.size_limit_mb" in text


def test_past_the_limit_the_build_stops_with_one_line(demo, capsys, tmp_path):
    root, size = demo
    before = tree_digest(root / "content")
    summary = tmp_path / "summary.md"
    code, out, err = render_with_limit(root, round(size / 1.5 / MB, 3), capsys, summary)
    assert code == 3   # its own code: the daily job still commits content/ and skips only the deploy
    assert "(site.size_limit_mb), 150%" in size_line(out) and "over the limit" in size_line(out)
    assert err.count("\n") == 1, err
    assert re.fullmatch(r"site/ is [\d.]+ MB, over site.size_limit_mb \([\d.]+ MB; GitHub Pages refuses a site "
                        r"over 1 GB\): not deployed; trim the sources in sources.yaml .*site.size_limit_mb.*\n", err)
    assert "> [!CAUTION]" in summary.read_text(encoding="utf-8")
    assert tree_digest(root / "content") == before


def test_the_limit_is_a_positive_number(tmp_path):
    text = (ROOT / "demo" / "sources.yaml").read_text(encoding="utf-8")
    config = tmp_path / "sources.yaml"
    config.write_text(text.replace("\nsite:\n", "\nsite:\n  size_limit_mb: 0\n", 1), encoding="utf-8")
    with pytest.raises(build.ConfigError, match=r"sources.yaml:\d+: site.size_limit_mb: expected a positive number"):
        build.load_config(config)


@pytest.mark.parametrize("size, limit, papers, recent, days, months", [
    (500 * MB, 1000 * MB, 100_000, 36_000, 30, 500 / (5_000 * 1_200 / MB) / (365.25 / 12)),  # 5 KB x 1,200 a day
    (0, 1000 * MB, 0, 0, 0, None),                    # an empty site grows by nothing known
    (900 * MB, 1000 * MB, 1_000, 0, 30, None),        # nothing new in the window: no growth to project
    (1000 * MB, 1000 * MB, 1_000, 300, 30, 0.0),      # at the limit
    (1200 * MB, 1000 * MB, 1_000, 300, 30, 0.0),      # past it
    (100 * MB, 1000 * MB, 10_000, 100, 10, 900 / (10_000 * 10 / MB) / (365.25 / 12)),  # a young archive's span
])
def test_months_left(size, limit, papers, recent, days, months):
    assert months_left(size, limit, papers, recent, days) == pytest.approx(months)


@pytest.mark.parametrize("days, expected", [
    ([], (0, 0)),
    ([(date(2026, 6, 1), 40)], (40, 1)),
    ([(date(2026, 6, 1), 40), (date(2026, 6, 10), 60)], (100, 10)),                 # shorter than the window
    ([(date(2026, 1, 1), 999), (date(2026, 5, 2), 10), (date(2026, 5, 31), 20)], (30, 30)),  # older days left out
])
def test_recent_volume(days, expected):
    assert recent_volume(days) == expected


def test_size_line_for_a_year_of_the_default_sources():
    size = SiteSize(800 * MB, 1000, 178_000, 36_000, 30)
    assert size.line() == ("size: site/ is 800 MB of the 1,000 MB limit (site.size_limit_mb), 80%, 4.5 KB per "
                           "paper; about 1.2 months left at 1,200 papers a day")
    assert size.warn and not size.over
