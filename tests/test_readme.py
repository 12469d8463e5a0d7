"""The README is a contract: its commands and its sources.yaml example must stay true."""

import re
import subprocess
import sys
from pathlib import Path

from digest.config import load_config

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_first_screen_gives_the_two_commands():
    first_screen = "\n".join(README.splitlines()[:25])
    assert "pip install -r requirements.txt && python build.py --demo" in first_screen
    assert "python -m pytest -q" in first_screen
    ci = (ROOT / ".ci" / "run").read_text()
    assert ci.strip().splitlines()[-1] == "python -m pytest -q"


def test_help_in_readme_matches_build_help():
    help_text = subprocess.run([sys.executable, "build.py", "--help"], cwd=ROOT, capture_output=True, text=True,
                               env={"COLUMNS": "100", "PATH": ""}, check=True).stdout.strip()
    block = README.split("## Command line", 1)[1].split("```", 2)[1].strip()
    assert block == help_text


def test_sources_reference_loads(tmp_path):
    block = README.split("## sources.yaml reference", 1)[1].split("```yaml", 1)[1].split("```", 1)[0]
    path = tmp_path / "sources.yaml"
    path.write_text(block, encoding="utf-8")
    config = load_config(path)
    assert config.sources[0].id == "arxiv-cs-lg" and config.site.feed_days == 14
    documented = set(re.findall(r"^[ -]+(\w+):", block, re.M))
    from dataclasses import fields
    from digest.config import FetchOptions, LLMOptions, Site, Source
    for cls in (Site, FetchOptions, LLMOptions, Source):
        assert {f.name for f in fields(cls)} <= documented, cls
