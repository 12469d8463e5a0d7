#!/usr/bin/env python3
"""How long a reader who chose Chinese sees the page's English, in Chromium, over a link with a round-trip delay.

    python bench/lang_paint.py                   # builds the demo into a temporary folder
    python bench/lang_paint.py --site site/ --rtt 150

For `/`, a day page and `/search/`, with `localStorage` holding lang=zh and a cold cache: the time of the first
frame that paints the page's heading, and of the first that paints it in Chinese (animation frames, recorded by a
script added before the page's own). Target: the same frame (0 ms of English). Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

FRAMES = """
try { localStorage.setItem('academichub.lang', 'zh'); } catch (e) {}
window.__heading = {};
(function frame() {
  requestAnimationFrame(function () {
    var h = document.querySelector('main h1');
    var now = performance.now();
    if (h && h.textContent.trim() && window.__heading.shown == null) window.__heading.shown = now;
    if (h && /[\\u4e00-\\u9fff]/.test(h.textContent) && window.__heading.chinese == null) window.__heading.chinese = now;
    if (window.__heading.chinese == null || document.readyState !== 'complete') frame();
  });
})();
"""


def measure(browser, url: str, rtt: float) -> dict[str, float]:
    context = browser.new_context()
    context.route(lambda u: not u.startswith("http://127.0.0.1"), lambda route: route.abort())
    context.add_init_script(FRAMES)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": rtt,
                                                  "downloadThroughput": -1, "uploadThroughput": -1})
    page.goto(url, wait_until="load", timeout=60_000)
    page.wait_for_function("() => window.__heading.chinese != null", timeout=30_000)
    heading = page.evaluate("window.__heading")
    paint = page.evaluate("(performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime || 0")
    context.close()
    return {"fcp": paint, "shown": heading["shown"], "chinese": heading["chinese"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, help="a built site (default: the demo, built into a temporary folder)")
    parser.add_argument("--rtt", type=float, default=150, help="round-trip delay in ms (default 150)")
    args = parser.parse_args(argv)
    from browser_fixtures import build_demo, launch_chromium, serve_site
    from playwright.sync_api import sync_playwright
    with tempfile.TemporaryDirectory() as folder:
        site = args.site or build_demo(Path(folder))[1]
        day = sorted(p.parent.name for p in site.glob("[0-9]*-*-*/index.html"))[-1]
        base = serve_site(site)
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            worst = 0.0
            for path in ("", f"{day}/", "search/"):
                m = min((measure(browser, base + path, args.rtt) for _ in range(3)), key=lambda m: m["chinese"])
                english = m["chinese"] - m["shown"]
                worst = max(worst, english)
                print(f"/{path:<12} first paint {m['fcp']:5.0f} ms, heading painted at {m['shown']:5.0f} ms, "
                      f"in Chinese at {m['chinese']:5.0f} ms: {english:4.0f} ms of English   (target 0 ms)")
            browser.close()
    print(f"worst: {worst:.0f} ms of English before the stored language ({args.rtt:.0f} ms RTT)   "
          f"{'ok' if worst <= 0 else 'OVER'}")
    return 0 if worst <= 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
