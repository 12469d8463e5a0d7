#!/usr/bin/env python3
"""AcademicHub: build the daily digest. Fetch the sources, store what is new in content/, render site/."""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from digest.archive import Archive, State
from digest.collect import collect
from digest.config import Config, load_config
from digest.errors import ConfigError, DigestError
from digest.render import render_site

HERE = Path(__file__).resolve().parent
DEMO = HERE / "demo"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="build.py", description="Build the AcademicHub daily digest: fetch, store in content/, render site/.")
    parser.add_argument("stage", nargs="?", default="all", choices=["all", "fetch", "render", "serve"],
                        help="all (default): fetch then render; fetch: only update content/; "
                             "render: only rebuild site/ from content/; serve: preview site/ on localhost")
    parser.add_argument("--config", type=Path, default=HERE / "sources.yaml", help="sources and settings (default: sources.yaml)")
    parser.add_argument("--content", type=Path, help="the archive folder (default: content/, or demo/content/ with --demo)")
    parser.add_argument("--site", type=Path, default=HERE / "site", help="output folder (default: site/)")
    parser.add_argument("--date", type=date.fromisoformat, metavar="YYYY-MM-DD",
                        help="build as of this day (default: today in the site's time zone)")
    parser.add_argument("--demo", action="store_true",
                        help="use the bundled demo feeds (demo/sources.yaml, every day under demo/feeds/) and demo/content/")
    parser.add_argument("--port", type=int, default=8000, help="port for serve (default: 8000)")
    return parser.parse_args(argv)


def run_dates(args: argparse.Namespace, config: Config, archive: Archive) -> list[date]:
    """Return the days to fetch: the given or current day, or with --demo each demo day not yet archived."""
    if args.demo and args.date is None:
        last = archive.read_state().last_run
        days = sorted(date.fromisoformat(p.name) for p in (DEMO / "feeds").iterdir() if p.is_dir())
        return [d for d in days if last is None or d > date.fromisoformat(last)]
    return [args.date or datetime.now(ZoneInfo(config.site.timezone)).date()]


def fetch_stage(config: Config, archive: Archive, days: list[date]) -> bool:
    """Fetch every source for each day; return False when no source could be fetched at all."""
    any_ok = not days
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
        print(f"fetch {day}: {result.new_papers} new papers, {result.new_versions} new versions, "
              f"{result.failed} failed sources{failing}, {time.monotonic() - started:.1f} s")
        any_ok = any_ok or result.failed < len(result.sources)
        # Sources fetched together (a joined arXiv listing) share one error: print it once.
        for problem in dict.fromkeys(r.error + streak_note(streaks.get(r.source, 0), state, r.source, config)
                                     if r.error else r.note for r in result.sources if r.error or r.note):
            print(problem, file=sys.stderr)
        for warning in result.warnings:
            print(warning, file=sys.stderr)
        if summary := os.environ.get("GITHUB_STEP_SUMMARY"):  # the job summary of a GitHub Actions run
            with open(summary, "a", encoding="utf-8") as handle:
                handle.write(result.markdown(day, {s.id: s.label for s in config.sources}))
    return any_ok


def streak_note(failures: int, state: State, source_id: str, config: Config) -> str:
    """Return the warning appended to a failing source's line once it has failed warn_failures runs in a row."""
    if failures < config.fetch.warn_failures:
        return ""
    since = state.sources[source_id].last_success or "never"
    return (f"; WARNING: failed {failures} runs in a row (last success: {since}): "
            f"fix its url or set enabled: false")


def render_stage(config: Config, archive: Archive, out: Path) -> None:
    started = time.monotonic()
    days = archive.read_days()
    written, removed = render_site(config, days, archive.read_state(), out)
    print(f"render: {sum(len(d.papers) for d in days)} papers over {len(days)} days -> {out}: "
          f"{written} files written, {removed} removed, {time.monotonic() - started:.1f} s")


def serve(site: Path, port: int) -> None:
    import functools
    import http.server
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        print(f"serving {site} at http://127.0.0.1:{port}/ (Ctrl-C to stop)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.stage == "serve":
        serve(args.site, args.port)
        return 0
    if args.demo:
        args.config = DEMO / "sources.yaml"
        args.content = args.content or DEMO / "content"
    content = args.content or HERE / "content"
    try:
        config = load_config(args.config)
        archive = Archive(content)
        ok = True
        if args.stage in ("all", "fetch"):
            ok = fetch_stage(config, archive, run_dates(args, config, archive))
        if args.stage in ("all", "render"):
            render_stage(config, archive, args.site)
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
