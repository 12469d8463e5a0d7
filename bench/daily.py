#!/usr/bin/env python3
"""Benchmark the daily job's archive-wide checks on an existing archive: verify and the summarize scan.

    python bench/daily.py --content DIR     # e.g. the year bench/run.py --keep DIR leaves in DIR/content

DIR is only read: it is copied to a temporary folder. Each stage runs in a fresh interpreter, and the line
gives its seconds (after imports) and peak memory:
  verify: the copy with its newest day changed, checked against DIR;
  summarize: the copy with every paper but the newest day's summarised by the model, against a fake
  OpenAI-compatible server on 127.0.0.1 (tests/llmserver.py) answering at once.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from digest.archive import Archive, dumps  # noqa: E402
from digest.config import load_config  # noqa: E402
from digest.summarize import prompt_tag  # noqa: E402

CHILD = {
    "verify": """
import json, resource, sys, time
sys.path[:0] = [{root!r}]
from digest.archive import Archive
from digest.verify import verify_archive
started = time.perf_counter()
verdict = verify_archive(Archive({new!r}), Archive({old!r}))
print(json.dumps({{"seconds": time.perf_counter() - started, "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "note": f"{{len(verdict.problems)}} problems, message {{verdict.message!r}}"}}))
""",
    "summarize": """
import json, resource, sys, time
from pathlib import Path
sys.path[:0] = [{root!r}, {root!r} + "/tests"]
from llmserver import LLMServer
from digest.archive import Archive
from digest.config import load_config
from digest.summarize import summarize_stage
with LLMServer() as server:
    config = Path({config!r})
    config.write_text(config.read_text(encoding="utf-8").replace("http://127.0.0.1:9/v1", server.base_url), encoding="utf-8")
    config = load_config(config)
    started = time.perf_counter()
    report = summarize_stage(config, Archive({new!r}), {{}})
    print(json.dumps({{"seconds": time.perf_counter() - started, "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                      "note": f"{{server.calls}} requests, "
                      f"{{report.summarised}} papers, {{report.briefings}} briefings, {{report.pending}} pending"}}))
""",
}

CONFIG = ("llm: {{model: bench-model, base_url: 'http://127.0.0.1:9/v1', max_papers: 400}}\n"
          "topics: {{cs.LG: {{en: Machine Learning}}}}\nsources:\n  - {{id: src, label: Src, topic: cs.LG, url: src.xml}}\n")


def in_child(stage: str, **paths: str) -> dict:
    """Run one stage in a new interpreter; return its seconds, peak memory (KB) and a note on what it did."""
    code = CHILD[stage].format(root=str(ROOT), **paths)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"bench: {stage} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def summarised_copy(content: Path, folder: Path, config: Path) -> Path:
    """Copy the archive with every paper but the newest day's carrying a current summary by bench-model."""
    options = load_config(config).llm
    out = folder / "summarised"
    archive = Archive(content)
    days = archive.day_dates()
    for on in days:
        data = json.loads(archive.day_path(on).read_bytes())
        if on != days[-1]:
            for paper in data["papers"]:
                paper.update(summary={lang: "A plain summary of what was done and why it matters." for lang in
                                      options.languages}, summary_model="bench-model",
                             summary_prompt=prompt_tag(options), summary_version=paper.get("version"))
        path = Archive(out).day_path(on)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(dumps(data))
    if (content / "state.json").exists():
        shutil.copy(content / "state.json", out / "state.json")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/daily.py", description=__doc__.split("\n")[0])
    parser.add_argument("--content", type=Path, required=True, help="an archive (content/) to measure; only read")
    args = parser.parse_args(argv)
    archive = Archive(args.content)
    days = archive.day_dates()
    if not days:
        raise SystemExit(f"bench: {args.content}: no day files")
    papers = sum(len(json.loads(archive.day_path(d).read_bytes())["papers"]) for d in days)
    size = sum(archive.day_path(d).stat().st_size for d in days)
    print(f"archive: {len(days)} days, {papers} papers, {size / 1e6:.0f} MB of day files")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        new = folder / "new"
        shutil.copytree(args.content, new)
        changed = Archive(new).day_path(days[-1])
        data = json.loads(changed.read_bytes())
        data["papers"][0]["title"] += " (revised)"
        changed.write_bytes(dumps(data))
        result = in_child("verify", new=str(new), old=str(args.content))
        print(f"verify, newest day changed: {result['seconds']:.2f} s, peak {result['peak_kb'] / 1024:.0f} MB "
              f"({result['note']})")
        config = folder / "sources.yaml"
        config.write_text(CONFIG.format(), encoding="utf-8")
        summarised = summarised_copy(args.content, folder, config)
        result = in_child("summarize", new=str(summarised), config=str(config))
        print(f"summarize, newest day pending: {result['seconds']:.2f} s, peak {result['peak_kb'] / 1024:.0f} MB "
              f"({result['note']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
