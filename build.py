#!/usr/bin/env python3
"""AcademicHub: build the daily digest. Fetch the sources, store what is new in content/, render site/."""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from digest.archive import Archive, State
from digest.files import remove_stale_temps
from digest.collect import CollectReport, collect
from digest.config import GITHUB_REPOSITORY, Config, load_config
from digest.errors import ConfigError, DigestError, SiteTooLarge, WriteError
from digest.urls import site_url
from digest.lock import hold_archive
from digest.probe import probe_sources
from digest.site import render_archive
from digest.verify import verify_archive

HERE = Path(__file__).resolve().parent
DEMO = HERE / "demo"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="build.py",
        description="Build the AcademicHub daily digest: fetch, store in content/, summarise, render site/.")
    parser.add_argument("stage", nargs="?", default="all",
                        choices=["all", "fetch", "summarize", "vectors", "render", "serve", "check", "verify"],
                        help="all (default): fetch, summarize, render; fetch: only update content/; summarize: "
                             "only add LLM summaries and briefings (then vectors) to content/; vectors: only the "
                             "recent days' vectors and related papers; render: only rebuild site/ from "
                             "content/; serve: preview site/ on localhost; "
                             "check: validate sources.yaml (and probe each source with --online); "
                             "verify: check content/ against --baseline and print the commit message")
    parser.add_argument("--config", type=Path, default=HERE / "sources.yaml", help="sources and settings (default: sources.yaml)")
    parser.add_argument("--content", type=Path, help="the archive folder (default: content/, or demo/content/ with --demo)")
    parser.add_argument("--site", type=Path, default=HERE / "site", help="output folder (default: site/)")
    parser.add_argument("--date", type=date.fromisoformat, metavar="YYYY-MM-DD",
                        help="build as of this day (default: today in the site's time zone)")
    parser.add_argument("--demo", action="store_true",
                        help="use the bundled demo feeds (demo/sources.yaml, every day under demo/feeds/) and demo/content/")
    parser.add_argument("--port", type=int, default=8000, help="port for serve (default: 8000)")
    parser.add_argument("--base-url", type=_base_url, default="", metavar="URL",
                        help="the published site's URL, used when sources.yaml's site.base_url is empty "
                             "(the daily workflow passes the GitHub Pages URL)")
    parser.add_argument("--repository", type=_repository, default="", metavar="OWNER/NAME",
                        help="the site's GitHub repository, used when sources.yaml's site.repository is empty: cards "
                             "link a prefilled issue to report a wrong summary (the daily workflow passes its own)")
    parser.add_argument("--summary", type=Path, metavar="FILE",
                        help="append a Markdown report of the run (papers per source, failures) to FILE "
                             "(default: $GITHUB_STEP_SUMMARY when set)")
    parser.add_argument("--online", action="store_true", help="check: also fetch and parse every source once")
    parser.add_argument("--baseline", type=Path, metavar="DIR",
                        help="verify: the copy of content/ taken before the build (missing = empty)")
    parser.add_argument("--redo", metavar="ID|DAY|WEEK", nargs="?", const=True,
                        help="summarize: ask again for one paper's summary (its id, e.g. arXiv:2606.13504), for "
                             "one day's (YYYY-MM-DD), its briefing and, once its ISO week is over, the week's "
                             "briefing, or for a finished week's briefing alone (YYYY-Www, e.g. 2026-W25), whatever "
                             "the cache holds (a stored verdict too); nothing else is asked for. "
                             "vectors (no ID or DAY): make again each recent vector (the related papers' window) "
                             "that another vectoriser or embeddings model made")
    return parser.parse_args(argv)


def _base_url(text: str) -> str:
    """Return an absolute http(s) URL or "", for --base-url: the rule of sources.yaml's site.base_url."""
    try:
        return site_url(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _repository(text: str) -> str:
    """Return owner/name or "", for --repository: the rule of sources.yaml's site.repository."""
    if text and not GITHUB_REPOSITORY.fullmatch(text):
        raise argparse.ArgumentTypeError(f"expected a GitHub repository as owner/name, got {text!r}")
    return text


def demo_days() -> list[date]:
    """Return the days that have demo feeds, oldest first."""
    return sorted(date.fromisoformat(p.name) for p in (DEMO / "feeds").iterdir() if p.is_dir())


def run_dates(args: argparse.Namespace, config: Config, archive: Archive) -> list[date]:
    """Return the days to fetch: the given or current day, or with --demo each demo day not yet archived."""
    if args.demo and args.date is None:
        last = archive.read_state().last_run
        return [d for d in demo_days() if last is None or d > date.fromisoformat(last)]
    return [args.date or datetime.now(ZoneInfo(config.site.timezone)).date()]


def fetch_stage(config: Config, archive: Archive, days: list[date], summary: Path | None = None
                ) -> list[tuple[date, CollectReport]]:
    """Fetch every source for each day, appending a Markdown table to summary; return each day's report."""
    runs = []
    for day in days:
        started = time.monotonic()
        print(f"fetch {day}: {sum(s.enabled for s in config.sources)} sources", flush=True)
        result = collect(config, archive, day)
        for report in result.sources:
            print(report.line())
        state = archive.read_state()
        streaks = {r.source: state.sources[r.source].failures for r in result.sources
                   if r.error and r.source in state.sources}
        dead = sum(n >= config.fetch.warn_failures for n in streaks.values())
        failing = f" ({dead} failing for {config.fetch.warn_failures}+ runs)" if dead else ""
        print(f"fetch {day}: {result.headline()}, "
              f"{result.failed} failed sources{failing}, {time.monotonic() - started:.1f} s")
        runs.append((day, result))
        # Sources fetched together (a joined arXiv listing) share one error: print it once.
        for problem in dict.fromkeys(r.error + streak_note(streaks.get(r.source, 0), state, r.source, config)
                                     if r.error else r.note for r in result.sources if r.error or r.note):
            print(problem, file=sys.stderr)
        for warning in result.warnings:
            print(warning, file=sys.stderr)
        if summary:  # e.g. the job summary of a GitHub Actions run
            with summary.open("a", encoding="utf-8") as handle:
                handle.write(result.markdown(day, {s.id: s.label for s in config.sources}))
    return runs


def streak_note(failures: int, state: State, source_id: str, config: Config) -> str:
    """Return the warning appended to a failing source's line once it has failed warn_failures runs in a row."""
    if failures < config.fetch.warn_failures:
        return ""
    since = state.sources[source_id].last_success or "never"
    return (f"; WARNING: failed {failures} runs in a row (last success: {since}): "
            f"fix its url or set enabled: false")


def summarize_step(config: Config, archive: Archive, demo: bool, summary: Path | None = None,
                   redo: str | None = None) -> None:
    """Add LLM summaries and briefings to content/, or say in one line that offline ones are used."""
    # Imported here: the openai client takes half a second to import, which render, check and verify never need.
    from digest.batch import BatchMode
    from digest.redo import redo_plan
    from digest.summarize import gate_line, scan, summarize_stage

    plan = redo_plan(archive, redo) if redo else scan
    batch = BatchMode(config.llm, config.site.repository or config.site.title) if config.llm.mode == "batch" else None
    report = summarize_stage(config, archive, os.environ, demo, plan=plan, divert=batch)
    for line in batch.report.lines if batch else ():
        print(line)
    if batch and batch.report.problem:
        print(f"llm: {batch.report.problem}", file=sys.stderr)
    if report.endpoint is None:
        why = "llm.enabled is false" if not config.llm.enabled else (
            "--demo uses an LLM only when OPENAI_BASE_URL or llm.base_url is set" if demo else
            f"no {config.llm.api_key_env} and no llm.base_url or OPENAI_BASE_URL")
        print(f"summarize: offline summaries and briefings ({why})")
        return
    for day, usage in report.usage_by_day.items():
        print(f"usage {day}: {usage.requests} requests, {usage.prompt_tokens} prompt + "
              f"{usage.completion_tokens} completion tokens")
    if not report.usage.requests and not report.pending and not report.problem:
        print(f"summarize: every summary and briefing is current for {report.endpoint.model}: no request made")
        return
    left = f", {report.pending} pending for the next run (offline summaries meanwhile)" if report.pending else ""
    cap = " (per-run cap reached: llm.max_papers / llm.max_tokens)" if report.capped and report.pending else ""
    # A week is briefed at most once a week (or on --redo DAY|WEEK): the line says when, and which week
    weeks = ", ".join(dict.fromkeys(report.weekly))
    weekly = f" ({len(report.weekly)} of them the week {weeks}'s)" if report.weekly else ""
    print(f"summarize: {report.summarised} papers summarised, {report.briefings} briefings{weekly} by "
          f"{report.endpoint.model} at {report.endpoint.url}{left}{cap}; {report.usage.requests} requests, "
          f"{report.usage.prompt_tokens} prompt + {report.usage.completion_tokens} completion tokens, "
          f"{report.seconds:.1f} s")
    print(gate_line(report))
    if summary:  # e.g. the job summary of a GitHub Actions run
        with summary.open("a", encoding="utf-8") as handle:
            handle.write(f"\n{gate_line(report)}\n")
    if report.problem:
        left = f"{report.pending} papers" if report.pending else "what is still missing"
        print(f"{report.problem}; using offline summaries for {left}", file=sys.stderr)


def vectors_step(config: Config, archive: Archive, demo: bool, redo: bool = False) -> None:
    """Store the recent days' vectors (llm.embeddings_model's when an endpoint is set, else the local vectoriser's)
    and each new day's related papers; an embeddings failure is one line on stderr and costs only vectors."""
    from digest.embeddings import embedder
    from digest.vectoriser import MODEL   # numpy: only the stages that use it import it
    from digest.vectors import vectors_stage
    make = embedder(config.llm, os.environ, demo)
    if config.llm.embeddings_model and make is None:
        print(f"vectors: the local vectoriser {MODEL} for papers without a vector (llm.embeddings_model is set, but "
              f"no endpoint: {config.llm.api_key_env}, llm.base_url or OPENAI_BASE_URL; llm.enabled); "
              "`build.py vectors --redo` embeds them once one is set")
    days, papers = vectors_stage(archive, make=make, redo=redo, remake=config.site.full_days)
    if make and (make.requests or make.problem):
        print(f"vectors: {make.papers} papers embedded by {make.endpoint.model} at {make.endpoint.url}: "
              f"{make.requests} requests, {make.tokens} tokens")
    if days:
        print(f"vectors: related papers across fields found for {papers} papers of {days} days "
              f"({make.name if make else MODEL})")
    if make and make.problem:
        print(make.problem, file=sys.stderr)


def render_stage(config: Config, archive: Archive, out: Path, summary: Path | None = None) -> None:
    """Render site/, then print its size against site.size_limit_mb; raise SiteTooLarge over the limit."""
    started = time.monotonic()
    report = render_archive(config, archive, out)
    print(f"render: {report.papers} papers over {report.days} days -> {out}: "
          f"{report.written} files written, {report.removed} removed, {time.monotonic() - started:.1f} s")
    if not report.papers:   # the pages say only "No papers yet": the next step is the owner's, so it is said here
        print("render: no papers yet: `python build.py` fetches the first day, `python build.py --demo` builds the demo")
    size = report.size
    print(size.line())
    if size.warn and not size.over:
        print(size.warning(), file=sys.stderr)
    if summary:
        with summary.open("a", encoding="utf-8") as handle:
            handle.write(size.markdown())
    if size.over:
        raise SiteTooLarge(size.refusal())


def check_stage(config: Config, online: bool, day: date) -> bool:
    """Print what sources.yaml sets up and, online, each source's state; return False if one is failing."""
    enabled = [s for s in config.sources if s.enabled]
    print(f"{config.path.name}: ok: {len(enabled)} of {len(config.sources)} sources enabled, "
          f"{len(config.topics)} topics, languages {', '.join(config.site.languages)}")
    if not online:
        return True
    probes = probe_sources(config, day)
    for probe in probes:
        print(probe.line())
    counts = {status: sum(p.status == status for p in probes) for status in ("ok", "empty", "failing")}
    print(f"check {day}: {counts['ok']} ok, {counts['empty']} empty, {counts['failing']} failing")
    return not counts["failing"]


def verify_stage(content: Path, baseline: Path | None) -> bool:
    """Check content/ against its earlier copy; print the commit message, or each problem to stderr."""
    verdict = verify_archive(Archive(content), Archive(baseline) if baseline else None)
    for problem in verdict.problems:
        print(problem, file=sys.stderr)
    if verdict.problems:
        return False
    print(verdict.message)
    return True


def print_now(line: str) -> None:
    """Print a line at once: a run that waited for the lock says so before its own output."""
    print(line, flush=True)


def serve(site: Path, port: int) -> None:
    import functools
    import http.server

    from digest.preview import RangeRequestHandler
    handler = functools.partial(RangeRequestHandler, directory=str(site))
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        print(f"serving {site} at http://127.0.0.1:{port}/ (Ctrl-C to stop)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass


def redo_problem(stage: str, redo: str | bool) -> str | None:
    """What is wrong with --redo for the stage (True: given without a value), or None."""
    if redo is True:
        return None if stage == "vectors" else (
            "--redo without an id or day works with the vectors stage only: build.py vectors --redo; "
            "build.py summarize --redo ID|DAY|WEEK")
    if stage != "summarize":
        return f"--redo works with the summarize stage only: build.py summarize --redo {redo}"
    return None


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.redo is not None and (problem := redo_problem(args.stage, args.redo)):
        print(problem, file=sys.stderr)
        return 2
    if args.stage == "serve":
        serve(args.site, args.port)
        return 0
    if args.demo:
        args.config = DEMO / "sources.yaml"
        args.content = args.content or DEMO / "content"
    content = args.content or HERE / "content"
    try:
        if args.stage == "verify":
            return 0 if verify_stage(content, args.baseline) else 1
        config = load_config(args.config)
        if args.base_url and not config.site.base_url:
            config = replace(config, site=replace(config.site, base_url=args.base_url))
        if args.repository and not config.site.repository:
            config = replace(config, site=replace(config.site, repository=args.repository))
        if args.stage == "check":
            day = args.date or (demo_days()[-1] if args.demo else datetime.now(ZoneInfo(config.site.timezone)).date())
            return 0 if check_stage(config, args.online, day) else 1
        archive = Archive(content)
        summary = args.summary or (Path(os.environ["GITHUB_STEP_SUMMARY"]) if os.environ.get("GITHUB_STEP_SUMMARY") else None)
        ok = True
        if args.stage in ("all", "fetch", "summarize", "vectors"):
            # One run at a time writes content/: two at once would each rewrite the day files and
            # state.json from what they read, and the later rename would drop the other's papers.
            with hold_archive(content, config.fetch.lock_wait, waited=print_now, took_over=print_now):
                remove_stale_temps(content)   # what a killed fetch or summarize left (a live pid keeps its own)
                if args.stage in ("all", "fetch"):
                    runs = fetch_stage(config, archive, run_dates(args, config, archive), summary)
                    ok = not runs or any(r.failed < len(r.sources) for _, r in runs)
                if args.stage in ("all", "summarize"):
                    summarize_step(config, archive, args.demo, summary, args.redo)
                if args.stage in ("all", "summarize", "vectors"):
                    vectors_step(config, archive, args.demo, redo=args.redo is True)
        # render only reads content/ (each file is replaced whole by a rename), so it takes no lock.
        if args.stage in ("all", "render"):
            try:
                render_stage(config, archive, args.site, summary)
            except OSError as exc:
                # write_atomic names its own refusals; this catches the render's other writes to site/
                # (its folders, its in-progress marker) on a full or read-only disk.
                if exc.errno not in WriteError.DISK:
                    raise
                raise WriteError.from_os(exc.filename or args.site, exc) from None
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return exc.exit_code
    except DigestError as exc:
        print(str(exc), file=sys.stderr)
        return exc.exit_code
    if not ok:
        print("no source could be fetched: nothing new was stored", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
