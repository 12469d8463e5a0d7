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

# Fixtures of the browser tests (demo site, loopback server, Chromium); they skip without a browser.
pytest_plugins = ["browser_fixtures"]
