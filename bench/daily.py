#!/usr/bin/env python3
"""Benchmark the daily job on an existing archive: the whole job, and its archive-wide checks alone.

    python bench/daily.py --content DIR/content   # e.g. the year bench/run.py --keep DIR leaves (DIR/sources.yaml)

DIR is only read: it is copied to a temporary folder. Each stage runs in a fresh interpreter, and the line
gives its seconds (after imports) and peak memory:
  verify: the copy with its newest day changed, checked against DIR;
  summarize: the copy with every paper but the newest day's summarised by the model, against a fake
  OpenAI-compatible server on 127.0.0.1 (tests/llmserver.py) answering at once;
  the whole job, as .github/workflows/daily.yml runs it: copy content/ (the baseline), `python build.py`
  (fetch a weekday's feeds from local files, summarise its papers against the fake model, render) and
  `build.py verify`, once with site/ rendered from scratch (no cache) and once with the last run's site/
  restored (the workflow's cache). The model answers at once: its latency is printed apart, from the
  requests made. Then content/ per paper and the repository a fork's daily commits pack into, in three years.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from bench.peak import footprint_kb, run_sampled  # noqa: E402
from digest.archive import Archive, dumps  # noqa: E402
from digest.config import load_config  # noqa: E402
from digest.summarize import prompt_tag  # noqa: E402

CHILD = {
    "verify": """
import json, sys, time
sys.path[:0] = [{root!r}]
from bench.peak import peak_kb
from digest.archive import Archive
from digest.verify import verify_archive
started = time.perf_counter()
verdict = verify_archive(Archive({new!r}), Archive({old!r}))
print(json.dumps({{"seconds": time.perf_counter() - started, "peak_kb": peak_kb(),
                  "note": f"{{len(verdict.problems)}} problems, message {{verdict.message!r}}"}}))
""",
    "summarize": """
import json, sys, time
from pathlib import Path
sys.path[:0] = [{root!r}, {root!r} + "/tests"]
from bench.peak import peak_kb
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
    print(json.dumps({{"seconds": time.perf_counter() - started, "peak_kb": peak_kb(),
                      "note": f"{{server.calls}} requests, "
                      f"{{report.summarised}} papers, {{report.briefings}} briefings, {{report.pending}} pending"}}))
""",
}

# The daily job's build step in a fresh interpreter: its own peak memory and its render workers' (forked, so
# they share most of their pages with it: adding the two is an upper bound; run_sampled measures the tree's).
BUILD = """
import contextlib, io, json, resource, sys, time
sys.path[:0] = [{root!r}]
import build
from bench.peak import peak_kb
out = io.StringIO()
started = time.perf_counter()
with contextlib.redirect_stdout(out):
    code = build.main({args!r})
me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({{"code": code, "seconds": time.perf_counter() - started, "peak_kb": peak_kb(),
                  "worker_kb": kids.ru_maxrss, "out": out.getvalue()}}))
"""

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


def weekday_feeds(feeds: Path, day: date, scale: float = 1.0) -> None:
    """Write a weekday's feeds as local files into feeds/, a file for each of bench/run.py's sources.

    The arXiv sources get bench/run.py's real-format listing of day at the default sources' weekday volume
    (with ids of December 1990-1995, one year a source, so none is one the archive holds); the others the
    demo's feeds of their family."""
    from run import ARXIV, WEEKDAY, arxiv_feed   # bench/run.py, beside this script

    import random
    feeds.mkdir(parents=True, exist_ok=True)
    for n, (topic, items) in enumerate(zip(ARXIV, WEEKDAY)):
        sid = f"arxiv-{topic.lower().replace('.', '-')}"
        listing = arxiv_feed(max(1, round(items * scale)), day, random.Random(n))   # ids {yymm}.{10000 + k}
        (feeds / f"{sid}.xml").write_bytes(listing.replace(f"{day:%y%m}.".encode(), f"{90 + n}12.".encode()))
    for demo in sorted(p for p in (ROOT / "demo" / "feeds").iterdir() if p.is_dir())[-1].glob("*.xml"):
        if not demo.name.startswith("arxiv-"):
            shutil.copy(demo, feeds / demo.name)


def local_config(config: Path, feeds: Path, out: Path) -> Path:
    """Write a copy of config whose sources read their feeds from feeds/ (bench/run.py's name them on example.org,
    unless it was given the feeds folder); return its path."""
    text = re.sub(r"url: '(?:https://example\.org/|[^']*/)([\w.-]+\.xml)'", lambda m: f"url: '{feeds / m[1]}'",
                  config.read_text(encoding="utf-8"))
    out.write_text(text, encoding="utf-8")
    return out


def model_env(base_url: str) -> dict[str, str]:
    """The environment that points the job at the fake model, as the workflow's variables do: sources.yaml, and
    with it every page's fingerprint, stays the one the last run's site/ was rendered with."""
    from run import SUMMARY_MODEL   # bench/run.py, beside this script
    return {**os.environ, "OPENAI_BASE_URL": base_url, "OPENAI_MODEL": SUMMARY_MODEL}


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - started


def run_job(content: Path, config: Path, work: Path, site: Path | None, day: date, env: dict[str, str]
            ) -> dict[str, Any]:
    """Run the daily job's steps on a copy of content (and of site, the workflow's cache, if given), in env."""
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    shutil.copytree(content, work / "content")            # what actions/checkout gives: every file new to
    for path in (work / "content").rglob("*"):            # the render's day index (git sets no old times)
        os.utime(path)
    if site is not None:
        shutil.copytree(site, work / "site", symlinks=True)   # what actions/cache restores
    copy = timed(["cp", "-a", str(work / "content"), str(work / "content-before")])   # the baseline step
    args = ["--date", day.isoformat(), "--config", str(config), "--content", str(work / "content"),
            "--site", str(work / "site")]
    done, tree_kb = run_sampled([sys.executable, "-c", BUILD.format(root=str(ROOT), args=args)], env)
    if done.returncode != 0:
        raise SystemExit(f"bench: build.py failed:\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1]) | {"tree_kb": tree_kb}
    if result["code"] != 0:
        raise SystemExit(f"bench: build.py exited {result['code']}:\n{result['out']}\n{done.stderr}")
    verify = in_child("verify", new=str(work / "content"), old=str(work / "content-before"))
    result.update(copy=copy, verify=verify)
    return result


def job_figure(job: dict[str, Any], scale: float) -> tuple[str, str, bool]:
    """One run of the job against the runner's limits: (what it took, the target, whether it is met)."""
    out = job["out"]
    stages = {stage: float(found[1]) for stage in ("fetch", "render")
              for found in [re.search(rf"^{stage}\b.*?([\d.]+) s$", out, re.M)] if found}
    summarize = re.search(r"^summarize: .*?, ([\d.]+) s$", out, re.M)
    if summarize:
        stages["summarize"] = float(summarize[1])
    seconds = job["copy"] + job["seconds"] + job["verify"]["seconds"]
    # The new day's fetch and summaries cost the same on any archive; the rest is taken to grow with it.
    fixed = stages.get("fetch", 0) + stages.get("summarize", 0)
    later = fixed + (seconds - fixed) * scale
    # What the runner holds at once: build.py's process tree's (its forked workers share its pages), or verify's,
    # which runs after it.
    held, _ = footprint_kb(job["tree_kb"], job["peak_kb"], 2, job["worker_kb"])
    peak = max(held, job["verify"]["peak_kb"]) / 1024
    parts = ", ".join(f"{k} {v:.1f}" for k, v in stages.items())
    return (f"{seconds:.1f} s (baseline copy {job['copy']:.1f}, build.py {job['seconds']:.1f} [{parts}], "
            f"verify {job['verify']['seconds']:.1f}), peak {peak:.0f} MB (VmHWM bound: build {job['peak_kb'] / 1024:.0f}"
            f" + 2 workers x {job['worker_kb'] / 1024:.0f}); 3 y <= {later:.0f} s, <= {peak * scale:.0f} MB (linear)",
            "<= 600 s, <= 2,000 MB", later <= 600 and peak * scale <= 2000)


def job_line(name: str, job: dict[str, Any], scale: float) -> None:
    value, target, ok = job_figure(job, scale)
    print(f"{name}: {value}  target {target}  {'ok' if ok else 'MISSED'}", flush=True)


def job_day(content: Path) -> date:
    """The weekday after the archive's newest day, as bench/run.py adds."""
    day = max(Archive(content).day_dates()) + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def job_details(job: dict[str, Any], calls: int) -> list[str]:
    """The model's requests (answered at once here) and the build's own lines for its stages."""
    return [f"model: {calls} requests, answered at once here; at L s a request add {calls} x L / "
            f"llm.concurrency (4) s: {calls * 2 / 4:.0f} s at 2 s",
            *(shown for shown in job["out"].splitlines() if shown.startswith(("fetch 2", "summarize:", "render:",
                                                                               "size:")))]


def cached_job(content: Path, config: Path, site: Path, folder: Path, feeds: Path, feed_scale: float = 1.0
               ) -> tuple[dict[str, Any], list[str]]:
    """Run the whole daily job with site, rendered with config, as the last run's site/ (the workflow's cache), its
    sources reading feeds/; return it and its details."""
    import llmserver

    day = job_day(content)
    weekday_feeds(feeds, day, feed_scale)
    with llmserver.LLMServer() as server:
        job = run_job(content, config, folder / "job", site, day, model_env(server.base_url))
        return job, job_details(job, server.calls)


def job_bench(content: Path, config: Path, folder: Path, days: int, papers: int, feed_scale: float = 1.0) -> None:
    """Run the whole daily job without and with the last run's site/, and project both to three years."""
    import llmserver

    scale = 3 * 365 / days
    day = job_day(content)
    folder.mkdir(parents=True, exist_ok=True)
    weekday_feeds(folder / "feeds", day, feed_scale)
    job_config = local_config(config, folder / "feeds", folder / "sources.yaml")
    with llmserver.LLMServer() as server:
        env = model_env(server.base_url)
        cached = folder / "cached-site"   # the last run's site/: the archive as it was, rendered
        subprocess.run([sys.executable, str(ROOT / "build.py"), "render", "--config", str(job_config),
                        "--content", str(content), "--site", str(cached)], check=True, capture_output=True)
        job_line("whole job, site/ rendered whole", run_job(content, job_config, folder / "job", None, day, env), scale)
        before = server.calls
        job = run_job(content, job_config, folder / "job", cached, day, env)
        job_line("whole job, site/ restored (cache)", job, scale)
        for shown in job_details(job, server.calls - before):
            print(f"   {shown}", flush=True)
    repository(content, folder, days, papers)


def repository(content: Path, folder: Path, days: int, papers: int) -> None:
    """Print content/ per paper and what a fork's repository packs to in three years (git, the last 30 days)."""
    archive = Archive(content)
    files = [p for p in archive.days_dir.iterdir() if p.is_file()]
    size = sum(p.stat().st_size for p in files)
    sample = sorted(archive.day_dates())[-30:]
    repo = folder / "repo"
    (repo / "days").mkdir(parents=True)
    sampled = 0
    for on in sample:
        path = archive.day_path(on)
        shutil.copy(path, repo / "days" / path.name)
        sampled += len(json.loads(path.read_bytes())["papers"])
    env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@example.org", "GIT_COMMITTER_NAME": "b",
           "GIT_COMMITTER_EMAIL": "b@example.org"}
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "days"], ["gc", "-q"]):
        subprocess.run(["git", *command], cwd=repo, env=env, check=True, capture_output=True)
    packed = subprocess.run(["git", "count-objects", "-v"], cwd=repo, capture_output=True, text=True, check=True)
    pack_kb = int(re.search(r"size-pack: (\d+)", packed.stdout)[1])
    per_paper = pack_kb * 1024 / sampled
    three_years = papers / days * 3 * 365
    print(f"content/: {size / papers / 1000:.2f} KB per paper ({size / 1e6:.0f} MB); 3 y ~ "
          f"{size / papers * three_years / 1e9:.2f} GB checked out")
    print(f"repository (git gc of the last 30 days: {per_paper:.0f} B per paper packed): 3 y ~ "
          f"{per_paper * three_years / 1e9:.2f} GB, plus each day file's rewrites (a summary added later)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/daily.py", description=__doc__.split("\n")[0])
    parser.add_argument("--content", type=Path, required=True, help="an archive (content/) to measure; only read")
    parser.add_argument("--config", type=Path, help="its sources.yaml (default: the one beside --content)")
    parser.add_argument("--no-job", action="store_true", help="measure verify and the summarize scan only")
    parser.add_argument("--feed-scale", type=float, default=1.0,
                        help="the whole job's arXiv feeds at this share of a default weekday (default 1)")
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
        config = args.config or args.content.parent / "sources.yaml"
        if args.no_job:
            return 0
        if not config.is_file():
            print(f"whole job: skipped ({config} is missing: pass --config, the archive's bench/run.py sources.yaml)")
            return 0
        job_bench(args.content, config, folder / "whole", len(days), papers, args.feed_scale)
    return 0


if __name__ == "__main__":
    sys.exit(main())
