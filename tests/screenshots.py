#!/usr/bin/env python3
"""Take the README's screenshots of / (English and Chinese, desktop 1280x900 and phone 390x844) into docs/.

Usage: python tests/screenshots.py [--out docs]
Builds the bundled demo into a temporary folder, serves it on 127.0.0.1 and drives Debian's Chromium
(`apt-get install chromium-headless-shell fonts-wqy-microhei`). Prints what each view loaded.
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from browser_fixtures import RequestLog, build_demo, chromium_path, launch_chromium, serve_site  # noqa: E402

VIEWS = {"desktop": {"viewport": {"width": 1280, "height": 900}, "device_scale_factor": 1},
         "phone": {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 1, "is_mobile": True,
                   "has_touch": True}}


def chinese_site(content: Path, site: Path) -> Path:
    """Render the demo archive with Chinese as the default language (for a site without a language switch)."""
    from digest.archive import Archive
    from digest.config import load_config
    from digest.site import render_site
    config = load_config(HERE.parent / "demo" / "sources.yaml")
    config = dataclasses.replace(config, site=dataclasses.replace(config.site, default_language="zh"))
    archive = Archive(content)
    out = site.parent / "site-zh"
    render_site(config, archive.read_days(), archive.read_state(), out)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE.parent / "docs", help="folder for the PNG files (default: docs/)")
    args = parser.parse_args(argv)
    if chromium_path() is None:
        print("no Chromium: apt-get install chromium-headless-shell (or set CHROMIUM_PATH)", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        # Built before Playwright starts: the fetch stage runs its own asyncio loop.
        content, site = build_demo(Path(tmp))
        zh_site = chinese_site(content, site)
        with sync_playwright() as playwright:
            shoot(playwright, site, zh_site, args.out)
    return 0


def shoot(playwright, site: Path, zh_site: Path, out: Path) -> None:
    """Take the four screenshots; print their sizes and what each page loaded."""
    base = serve_site(site)
    front = (site / "index.html").read_bytes()
    print(f"/index.html: {len(front):,} bytes, {len(gzip.compress(front, 9)):,} gzipped")
    browser = launch_chromium(playwright)
    for lang in ("en", "zh"):
        for view, options in VIEWS.items():
            context = browser.new_context(color_scheme="light", locale="zh-CN" if lang == "zh" else "en-US", **options)
            log = RequestLog()
            log.attach(context)
            page = context.new_page()
            # The language switch honours ?lang=; a site without one is shown rendered in Chinese.
            page.goto(f"{base}?lang={lang}")
            page.wait_for_load_state("networkidle")
            if lang == "zh" and page.get_attribute("html", "lang") != "zh-Hans":
                page.goto(serve_site(zh_site))
                page.wait_for_load_state("networkidle")
            target = out / f"screenshot-{lang}-{view}.png"
            page.screenshot(path=str(target))
            sizes = page.evaluate("[...performance.getEntriesByType('navigation'), "
                                  "...performance.getEntriesByType('resource')].map(e => e.encodedBodySize)")
            print(f"{target}: {target.stat().st_size:,} bytes PNG; the page loaded {sum(sizes):,} bytes "
                  f"in {len(sizes)} requests")
            assert not log.foreign(), f"requests left 127.0.0.1: {log.foreign()}"
            context.close()
    browser.close()

if __name__ == "__main__":
    sys.exit(main())
