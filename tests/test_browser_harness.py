"""The browser-test harness itself: skip on a laptop, fail in CI, and which requests count as leaving the machine."""

import pytest
from browser_fixtures import RequestLog, chromium_path, missing


def test_missing_tool_skips_locally_and_fails_in_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="bash .ci/run installs it"):
        missing("Chromium not found")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run the browser tests: Chromium not found"):
        missing("Chromium not found")


def test_chromium_path_honours_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CHROMIUM_PATH", str(tmp_path / "absent"))
    assert chromium_path() is None
    (tmp_path / "chromium").write_text("#!/bin/sh\n")
    monkeypatch.setenv("CHROMIUM_PATH", str(tmp_path / "chromium"))
    assert chromium_path() == str(tmp_path / "chromium")


def test_only_loopback_requests_are_local():
    log = RequestLog()
    log.urls = ["http://127.0.0.1:8123/", "http://127.0.0.1:8123/static/style.css", "data:image/png;base64,AA",
                "about:blank", "https://cdn.jsdelivr.net/npm/katex/dist/katex.min.js", "http://localhost:8123/",
                "https://fonts.googleapis.com/css2?family=Inter"]
    assert log.foreign() == ["https://cdn.jsdelivr.net/npm/katex/dist/katex.min.js", "http://localhost:8123/",
                             "https://fonts.googleapis.com/css2?family=Inter"]
