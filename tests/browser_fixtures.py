"""Pytest fixtures for the browser tests: the demo site built once, served on 127.0.0.1, one Chromium."""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from digest.preview import QuietRangeHandler

ROOT = Path(__file__).resolve().parent.parent
# Debian's Chromium: Playwright's own browser download cannot work offline, so it drives this binary.
CHROMIUM_NAMES = ("chromium-headless-shell", "chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
VNU_JARS = (ROOT / ".ci" / "tools" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar",
            ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar")
LOCAL_SCHEMES = ("data", "about", "blob")


def missing(what: str) -> None:
    """Skip for lack of a tool on a laptop, but fail in CI (CI=true), where .ci/run installs it."""
    message = f"{what} (bash .ci/run installs it)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI must run the browser tests: {message}", pytrace=False)
    pytest.skip(message)


def chromium_path() -> str | None:
    """Return the Chromium to drive: $CHROMIUM_PATH, else Debian's headless shell or full browser."""
    if os.environ.get("CHROMIUM_PATH"):
        return os.environ["CHROMIUM_PATH"] if Path(os.environ["CHROMIUM_PATH"]).is_file() else None
    return next(filter(None, map(shutil.which, CHROMIUM_NAMES)), None)


def vnu_jar() -> Path | None:
    """Return the Nu Html Checker's jar: $VNU_JAR, else the one .ci/run installed with npm."""
    if os.environ.get("VNU_JAR"):
        return Path(os.environ["VNU_JAR"]) if Path(os.environ["VNU_JAR"]).is_file() else None
    return next((p for p in VNU_JARS if p.is_file()), None)


def vnu_errors(files: list[Path], root: Path, *extra: str) -> list[str]:
    """Return the Nu Html Checker's errors over the files (extra: its options, e.g. --also-check-css), one line
    each as "path under root:line: message"; skip (fail in CI) without the checker or a Java runtime."""
    jar, java = vnu_jar(), shutil.which("java")
    if jar is None:
        missing("the Nu Html Checker (npm vnu-jar, or $VNU_JAR) is not installed")
    if java is None:
        missing("no Java runtime for the Nu Html Checker (Debian default-jre-headless)")
    run = subprocess.run([str(java), "-jar", str(jar), "--format", "json", "--errors-only", *extra, *map(str, files)],
                         capture_output=True, text=True, timeout=300)
    report = json.loads(run.stderr or run.stdout)
    under = re.compile("^file:/*" + re.escape(str(root).lstrip("/")) + "/")
    return [f"{under.sub('', m.get('url', '?'))}:{m.get('lastLine', '?')}: {m.get('message')}"
            for m in report["messages"] if m.get("type") in ("error", "non-document-error")]


def build_demo(base: Path) -> tuple[Path, Path]:
    """Build the bundled demo into base/content and base/site; return both folders."""
    import build
    content, site = base / "content", base / "site"
    code = build.main(["--demo", "--content", str(content), "--site", str(site)])
    assert code == 0, f"demo build exited {code}"
    return content, site


@functools.cache
def _serve(site: str) -> str:
    """Start one loopback server for a site folder (daemon thread, port 0); return its base URL."""
    handler = functools.partial(QuietRangeHandler, directory=site)   # Range requests, as GitHub Pages
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/"


def serve_site(site: Path) -> str:
    """Return the base URL of a loopback HTTP server over the site folder."""
    return _serve(str(site))


def launch_chromium(playwright: Any) -> Any:
    """Launch Debian's Chromium headless through Playwright."""
    path = chromium_path()
    return playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)


class RequestLog:
    """Every request a browser context makes, and any page error; non-loopback requests are refused."""

    def __init__(self) -> None:
        self.urls: list[str] = []
        self.sent: list[str] = []      # requests that carry data (anything but GET/HEAD)
        self.errors: list[str] = []

    def foreign(self) -> list[str]:
        """Return the requested URLs whose host is not 127.0.0.1."""
        return [u for u in self.urls
                if urlsplit(u).scheme not in LOCAL_SCHEMES and urlsplit(u).hostname != "127.0.0.1"]

    def record(self, request: Any) -> None:
        self.urls.append(request.url)
        if request.method not in ("GET", "HEAD"):
            self.sent.append(f"{request.method} {request.url}")

    def attach(self, context: Any) -> None:
        context.on("request", self.record)
        # Refuse rather than let a stray request leave the machine; the log still shows it was tried.
        context.route(lambda url: urlsplit(url).scheme not in LOCAL_SCHEMES and urlsplit(url).hostname != "127.0.0.1",
                      lambda route: route.abort())
        context.on("page", lambda page: page.on("pageerror", lambda exc: self.errors.append(str(exc))))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: needs Chromium (or Java for the HTML checker); -m 'not browser' skips")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the tests that drive Chromium last: while Playwright's sync API is alive its event loop runs
    in this thread, and any later asyncio.run() (the fetch stage) would fail."""
    items[:] = sorted(items, key=lambda item: "browser" in getattr(item, "fixturenames", ()))


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The bundled demo built once per session: (content folder, site folder)."""
    return build_demo(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="session")
def demo_site(demo_build: tuple[Path, Path]) -> Path:
    return demo_build[1]


@pytest.fixture(scope="session")
def site_url(demo_site: Path) -> str:
    """Base URL of the demo site served on 127.0.0.1."""
    return serve_site(demo_site)


@pytest.fixture(scope="session")
def browser(demo_build: tuple[Path, Path]) -> Iterator[Any]:
    """One headless Chromium for the whole session (after the demo build: its asyncio cannot run inside Playwright's loop)."""
    if chromium_path() is None:
        missing("Chromium not found (Debian package chromium-headless-shell or chromium, or $CHROMIUM_PATH)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("the Python package playwright is not installed")
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture
def new_context(browser: Any) -> Iterator[Callable[..., Any]]:
    """Factory of browser contexts (desktop 1280x900 unless told); each one's requests must stay on 127.0.0.1."""
    made: list[tuple[Any, RequestLog]] = []

    def make(**options: Any) -> Any:
        options.setdefault("viewport", {"width": 1280, "height": 900})
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        log = RequestLog()
        log.attach(context)
        context.request_log = log
        made.append((context, log))
        return context

    yield make
    loaded = [any(p.url.startswith("http") for p in context.pages) for context, _ in made]
    for context, _ in made:
        context.close()
    for (_, log), was_loaded in zip(made, loaded):
        assert log.urls or not was_loaded, "a page was opened but its requests were not seen"
        assert not log.foreign(), f"requests left 127.0.0.1: {log.foreign()}"
        assert not log.sent, f"the site sent data: {log.sent}"
        assert not log.errors, f"JavaScript errors on the page: {log.errors}"


@pytest.fixture
def page(new_context: Callable[..., Any]) -> Any:
    """A fresh desktop page."""
    return new_context().new_page()
