#!/usr/bin/env python3
"""Refresh tests/expected_site/ (the golden demo site) after an intended change to the rendered output.

    python tests/update_expected.py     # then review `git diff tests/expected_site/` and commit it

The demo is built from its bundled feeds into a temporary folder, offline; the site's `static/` folder
is left out of the copy but for its i18n catalogs (the rest is templates/static/ as it is: the test compares it).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXPECTED = ROOT / "tests" / "expected_site"
# The render's own bookkeeping, and the assets copied unchanged from templates/static/.
SKIPPED = ("static/", ".academichub-manifest", ".academichub-search/", ".academichub-frames/", ".academichub-blocks/")


def build_demo(out: Path) -> Path:
    """Build the demo site into out/site from a fresh archive in out/content; return the site folder."""
    sys.path.insert(0, str(ROOT))
    import build   # noqa: E402 - the repository root is on the path only now
    code = build.main(["--demo", "--content", str(out / "content"), "--site", str(out / "site")])
    if code != 0:
        raise SystemExit(f"the demo build failed with exit code {code}")
    return out / "site"


def site_files(site: Path) -> dict[str, bytes]:
    """Return every compared file of a site by its relative path."""
    files = {}
    for path in sorted(site.rglob("*")):
        rel = path.relative_to(site).as_posix()
        if path.is_file() and (not rel.startswith(SKIPPED) or rel.startswith("static/i18n/")):
            files[rel] = path.read_bytes()
    return files


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        files = site_files(build_demo(Path(tmp)))
    shutil.rmtree(EXPECTED, ignore_errors=True)
    for rel, data in files.items():
        target = EXPECTED / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    print(f"{EXPECTED.relative_to(ROOT)}: {len(files)} files, {sum(map(len, files.values()))} bytes")


if __name__ == "__main__":
    main()
