from collections.abc import Iterator
from pathlib import Path

import pytest
from feedserver import FeedServer


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """A FeedServer on 127.0.0.1 serving tests/feeds/; errors if a scripted handler raised."""
    with FeedServer(root=Path(__file__).parent / "feeds") as server:
        yield server
    assert not server.errors, f"feed server handlers raised: {server.errors!r}"


@pytest.fixture(autouse=True)
def no_llm_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's or CI's OPENAI_* variables must never send a test's requests off this machine."""
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID"):
        monkeypatch.delenv(name, raising=False)


# Fixtures of the browser tests (demo site, loopback server, Chromium); they skip without a browser.
pytest_plugins = ["browser_fixtures"]
