"""The demo site, byte for byte, against the golden copy in tests/expected_site/.

A change to what the site shows must show up here, and be accepted on purpose: run
`python tests/update_expected.py`, read `git diff tests/expected_site/`, and commit it with the change.
"""

import difflib
from pathlib import Path

from update_expected import EXPECTED, ROOT, build_demo, site_files


def test_the_demo_site_is_the_golden_site(tmp_path):
    site = build_demo(tmp_path)
    built, expected = site_files(site), site_files(EXPECTED)
    assert sorted(built) == sorted(expected), "files added or gone: run python tests/update_expected.py if intended"
    for rel, data in built.items():
        if data != expected[rel]:
            diff = difflib.unified_diff(expected[rel].decode("utf-8", "replace").splitlines(),
                                        data.decode("utf-8", "replace").splitlines(), f"expected/{rel}", f"built/{rel}",
                                        lineterm="", n=1)
            raise AssertionError(f"{rel} differs from the golden copy (python tests/update_expected.py refreshes it "
                                 "after an intended change):\n" + "\n".join(list(diff)[:40]))


def test_the_site_static_folder_is_the_templates_static_folder(tmp_path):
    site = build_demo(tmp_path)
    static = ROOT / "templates" / "static"
    copied = {p.relative_to(site / "static"): p.read_bytes() for p in (site / "static").rglob("*")
              if p.is_file() and p.parent.name != "i18n"   # the catalogs are written by the build: golden
              and p.name != "fold-data.js"}                  # so is radar.fold's data for the browser: golden
    assert copied == {p.relative_to(static): p.read_bytes() for p in static.rglob("*") if p.is_file()}


def test_the_golden_copy_holds_every_kind_of_page():
    names = {p.relative_to(EXPECTED).as_posix() for p in EXPECTED.rglob("*") if p.is_file()}
    for page in ("index.html", "2026-06-17/index.html", "2026-06-17/cs.LG/index.html", "archive/index.html",
                 "status/index.html", "search/index.html", "radar/index.html", "feed.xml", "feeds/index.html",
                 "briefing.xml", "feeds.opml", "sitemap.xml", "robots.txt", "404.html",
                 "2026-06-17/page/2/index.html"):   # the day's cards weigh more than a page holds
        assert page in names, page
    day = [EXPECTED / "2026-06-17" / "index.html", EXPECTED / "2026-06-17" / "page" / "2" / "index.html"]
    assert sum(p.read_text(encoding="utf-8").count('<article class="card') for p in day) >= 40
