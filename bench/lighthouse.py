#!/usr/bin/env python3
"""Lighthouse (mobile) on the four pages the reader's-morning issue names, served as GitHub Pages serves them.

    python bench/lighthouse.py --lighthouse /tmp/front/lh/node_modules/.bin/lighthouse          # the demo, 3 runs
    python bench/lighthouse.py --site site/ --runs 5 --lighthouse "$(command -v lighthouse)"

Lighthouse is an npm package, not a dependency of the project (CI has no npm network guarantee): this script needs
one installed (`npm install lighthouse` into any folder) and Chromium. The site is served on 127.0.0.1 with gzip,
as GitHub Pages sends HTML, CSS and JavaScript (Python's http.server sends none, and Lighthouse's simulated slow 4G
then charges the page ~4x its bytes). Each page is measured --runs times, one after the other; the median of each
category is printed against its target (performance >= 95, accessibility, best practices and SEO 100), with the
median metrics. On a loaded machine the performance score falls with the CPU left: run it when the machine is quiet.
"""

from __future__ import annotations

import argparse
import gzip
import io
import http.server
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from browser_fixtures import chromium_path  # noqa: E402

from digest.preview import QuietRangeHandler  # noqa: E402

TARGETS = {"performance": 95, "accessibility": 100, "best-practices": 100, "seo": 100}
METRICS = {"first-contentful-paint": "FCP ms", "largest-contentful-paint": "LCP ms", "total-blocking-time": "TBT ms",
           "speed-index": "SI ms", "cumulative-layout-shift": "CLS"}
COMPRESSED = (".html", ".css", ".js", ".json", ".xml", ".svg", "/")


class GzipHandler(QuietRangeHandler):
    """The preview server's files, gzipped when asked (as GitHub Pages answers a browser), Range requests aside."""

    def send_head(self):  # type: ignore[no-untyped-def]
        path = self.translate_path(self.path)
        if Path(path).is_dir():
            path = str(Path(path) / "index.html")
        wants = "gzip" in self.headers.get("Accept-Encoding", "") and not self.headers.get("Range")
        if not wants or not self.path.split("?")[0].endswith(COMPRESSED) or not Path(path).is_file():
            return super().send_head()
        body = gzip.compress(Path(path).read_bytes(), compresslevel=6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


def serve(site: Path) -> str:
    handler = lambda *a, **k: GzipHandler(*a, directory=str(site), **k)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/"


def audit(lighthouse: str, chrome: str, url: str, out: Path) -> dict:
    subprocess.run([lighthouse, url, "--quiet", "--output=json", f"--output-path={out}",
                    "--only-categories=performance,accessibility,best-practices,seo",
                    "--chrome-flags=--headless --no-sandbox --disable-gpu"],
                   env={"CHROME_PATH": chrome, "PATH": "/usr/local/bin:/usr/bin:/bin"}, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
    report = json.loads(out.read_text(encoding="utf-8"))
    row = {k: round(v["score"] * 100) for k, v in report["categories"].items()}
    row.update({k: report["audits"][k]["numericValue"] for k in METRICS})
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, help="a built site (default: the demo, built into a temporary folder)")
    parser.add_argument("--lighthouse", default=shutil.which("lighthouse"), help="the lighthouse command")
    parser.add_argument("--runs", type=int, default=3, help="runs per page (the median is printed; default 3)")
    parser.add_argument("--pages", default="front,day,search,radar", help="which pages (default: all four)")
    args = parser.parse_args(argv)
    chrome = chromium_path()
    if not args.lighthouse or not chrome:
        print("needs lighthouse (npm install lighthouse; --lighthouse PATH) and Chromium", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        site = args.site
        if site is None:
            import build
            site = Path(tmp) / "site"
            build.main(["--demo", "--content", str(Path(tmp) / "content"), "--site", str(site)])
        day = sorted(p.name for p in site.glob("????-??-??"))[0]
        paths = {"front": "", "day": f"{day}/", "search": "search/", "radar": "radar/"}
        base = serve(site)
        failed = False
        for name in args.pages.split(","):
            runs = [audit(args.lighthouse, chrome, base + paths[name], Path(tmp) / f"{name}-{i}.json")
                    for i in range(args.runs)]
            median = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
            verdict = [f"{k} {median[k]:.0f} (target {t}{'' if median[k] >= t else ', MISSED'})"
                       for k, t in TARGETS.items()]
            failed |= any(median[k] < t for k, t in TARGETS.items())
            scores = "/".join(str(r["performance"]) for r in runs)
            metrics = ", ".join(f"{label} {median[k]:.3f}" if k.startswith("cumul") else f"{label} {median[k]:.0f}"
                                for k, label in METRICS.items())
            print(f"/{paths[name]}: {'; '.join(verdict)}; performance runs {scores}; median {metrics}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
