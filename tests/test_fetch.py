"""digest.sources.http against a real loopback server, over real sockets."""

import asyncio
import time
from dataclasses import replace
from email.utils import formatdate
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from feedserver import (
    FeedServer,
    conditional,
    drip,
    drop,
    gzip_bomb,
    huge,
    ok,
    redirect,
    redirect_loop,
    retry_after,
    sequence,
    slow,
    status,
)

from digest.config import FetchOptions
from digest.sources import polite_hosts
from digest.sources.http import (
    FetchRequest,
    FetchResult,
    FetchSettings,
    _polite,
    _retry_after,
    fetch_all,
    fetch_sources,
    make_client,
)

UA = "AcademicHub-test/0.1 (+https://example.org/; tests)"
FEED = b"<?xml version='1.0'?><rss><channel><title>t</title></channel></rss>"
LAST_MODIFIED = "Wed, 21 Oct 2015 07:28:00 GMT"


def settings(**changes: Any) -> FetchSettings:
    """Return settings for tests: short timeouts, quick retries, no polite hosts."""
    base = FetchSettings(user_agent=UA, timeout=2.0, attempts=3, backoff=0.01, max_retry_after=5.0, polite_hosts={})
    return replace(base, **changes)


def fetch(url: str, source_id: str = "src", **changes: Any) -> FetchResult:
    """Fetch one URL with test settings."""
    return fetch_sources([FetchRequest(source_id, url)], settings(**changes))[0]


def assert_failed(result: FetchResult, *fragments: str) -> None:
    """Check a failure is one line, names its source, and mentions each fragment."""
    assert result.status == "failed"
    assert result.body is None
    assert result.error is not None
    assert result.error.startswith(f"source '{result.source_id}': ")
    assert "\n" not in result.error
    for fragment in fragments:
        assert fragment in result.error


def test_ok_returns_body_validators_and_content_type(feed_server: FeedServer) -> None:
    url = feed_server.route("/feed", ok(FEED, "application/rss+xml", {"ETag": '"v1"', "Last-Modified": LAST_MODIFIED}))
    result = fetch(url, "arxiv_cs_lg")
    assert result == FetchResult(
        "arxiv_cs_lg", url, "ok", FEED, '"v1"', LAST_MODIFIED, "application/rss+xml", 200, attempts=1
    )


def test_user_agent_is_sent(feed_server: FeedServer) -> None:
    url = feed_server.route("/feed", ok(FEED))
    fetch(url)
    assert feed_server.requests_to("/feed")[0].headers["User-Agent"] == UA


def test_fetch_all_uses_a_client_passed_in(feed_server: FeedServer) -> None:
    url = feed_server.route("/feed", ok(FEED))
    s = settings()

    async def run() -> list[FetchResult]:
        async with make_client(s) as client:
            return await fetch_all([FetchRequest("a", url), FetchRequest("b", url)], s, client)

    assert [r.body for r in asyncio.run(run())] == [FEED, FEED]


def test_serves_files_from_a_folder(tmp_path: Path) -> None:
    (tmp_path / "arxiv_cs_lg_weekday.xml").write_bytes(FEED)
    with FeedServer(root=tmp_path) as server:
        result = fetch(server.url("/arxiv_cs_lg_weekday.xml"))
        missing = fetch(server.url("/nope.xml"))
    assert (result.status, result.body, result.content_type) == ("ok", FEED, "application/xml")
    assert result.etag
    assert_failed(missing, "HTTP 404")


@pytest.mark.parametrize("form", ["relative", "absolute", "file_url"])
def test_local_file_is_read(tmp_path: Path, form: str) -> None:
    (tmp_path / "feeds").mkdir()
    path = tmp_path / "feeds" / "weekday feed.xml"
    path.write_bytes(FEED)
    url = {"relative": "feeds/weekday feed.xml", "absolute": str(path), "file_url": path.as_uri()}[form]
    result = fetch(url, base_dir=tmp_path)
    assert (result.status, result.body, result.url, result.attempts) == ("ok", FEED, url, 1)


def test_missing_file_fails_naming_source_and_path(tmp_path: Path) -> None:
    result = fetch("feeds/missing.xml", "local_feed", base_dir=tmp_path)
    assert_failed(result, "file not found", str(tmp_path / "feeds" / "missing.xml"))


def test_file_over_cap_fails(tmp_path: Path) -> None:
    (tmp_path / "big.xml").write_bytes(b"x" * 101)
    assert_failed(fetch("big.xml", base_dir=tmp_path, max_bytes=100), "max_bytes cap of 100 bytes")


@pytest.mark.parametrize("code", [403, 404, 410])
def test_client_errors_fail_at_once(feed_server: FeedServer, code: int) -> None:
    url = feed_server.route("/gone", status(code))
    result = fetch(url, "biorxiv")
    assert_failed(result, f"HTTP {code} from {url}")
    assert (result.attempts, result.http_status, len(feed_server.requests_to("/gone"))) == (1, code, 1)


def test_503_then_200_succeeds_on_retry(feed_server: FeedServer) -> None:
    url = feed_server.route("/flaky", sequence(status(503), ok(FEED)))
    result = fetch(url)
    assert (result.status, result.body, result.attempts) == ("ok", FEED, 2)


def test_persistent_503_fails_after_all_attempts(feed_server: FeedServer) -> None:
    url = feed_server.route("/x", status(503))
    result = fetch(url, "biorxiv")
    assert result.error == f"source 'biorxiv': HTTP 503 from {url} after 3 attempts"
    assert (result.attempts, result.http_status, len(feed_server.requests_to("/x"))) == (3, 503, 3)


def test_429_with_retry_after_waits_that_long(feed_server: FeedServer) -> None:
    url = feed_server.route("/limited", sequence(retry_after(1), ok(FEED)))
    started = time.monotonic()
    result = fetch(url)
    elapsed = time.monotonic() - started
    assert (result.status, result.attempts) == ("ok", 2)
    first, second = feed_server.requests_to("/limited")
    assert 0.95 <= second.time - first.time < 3.0
    assert elapsed < 3.0


def test_retry_after_over_the_limit_gives_up_without_sleeping(feed_server: FeedServer) -> None:
    url = feed_server.route("/later", retry_after(600, 503))
    started = time.monotonic()
    result = fetch(url, "medrxiv", max_retry_after=60)
    assert time.monotonic() - started < 0.5
    assert_failed(result, "HTTP 503", "600 s", "max_retry_after (60 s)")
    assert result.attempts == 1


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("", None),
        ("7", 7.0),
        ("0.5", 0.5),
        ("-3", None),
        ("soon", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),  # in the past: retry now
    ],
)
def test_retry_after_values(header: str | None, expected: float | None) -> None:
    assert _retry_after(header) == expected


def test_retry_after_http_date_in_the_future() -> None:
    seconds = _retry_after(formatdate(time.time() + 100, usegmt=True))
    assert seconds is not None and 95 < seconds <= 100


def test_hanging_route_times_out(feed_server: FeedServer) -> None:
    url = feed_server.route("/hang", slow(30))
    started = time.monotonic()
    result = fetch(url, "slow_feed", timeout=0.5, attempts=2)
    assert time.monotonic() - started < 2.0
    assert_failed(result, "timed out", "0.5 s", url, "after 2 attempts")


def test_slow_drip_within_read_timeout_succeeds(feed_server: FeedServer) -> None:
    url = feed_server.route("/drip", drip(FEED, 0.05, chunk_size=16))
    assert fetch(url, timeout=0.5).body == FEED


@pytest.mark.parametrize("reset", [True, False])
def test_dropped_connection_fails_cleanly_after_retries(feed_server: FeedServer, reset: bool) -> None:
    url = feed_server.route("/drop", drop(reset))
    result = fetch(url, "flaky_host")
    assert_failed(result, url, "after 3 attempts")
    assert result.http_status is None
    assert len(feed_server.requests_to("/drop")) == 3


def test_redirect_is_followed(feed_server: FeedServer) -> None:
    feed_server.route("/new", ok(FEED))
    url = feed_server.route("/old", redirect("/new", 301))
    result = fetch(url)
    assert (result.status, result.body, result.url) == ("ok", FEED, url)


def test_redirect_loop_fails_cleanly(feed_server: FeedServer) -> None:
    url = feed_server.route("/loop", redirect_loop())
    result = fetch(url, "loopy")
    assert_failed(result, "redirect", url)
    assert len(feed_server.requests_to("/loop")) <= 6  # five redirects followed, no retries


def test_conditional_get_sends_validators_and_gets_not_modified(feed_server: FeedServer) -> None:
    url = feed_server.route("/feed", conditional(FEED, etag='"abc"', last_modified=LAST_MODIFIED))
    first = fetch(url)
    assert (first.status, first.etag, first.last_modified) == ("ok", '"abc"', LAST_MODIFIED)

    again = fetch_sources([FetchRequest("src", url, first.etag, first.last_modified)], settings())[0]
    assert (again.status, again.body, again.http_status) == ("not_modified", None, 304)
    assert (again.etag, again.last_modified) == ('"abc"', LAST_MODIFIED)
    headers = feed_server.requests_to("/feed")[1].headers
    assert (headers["If-None-Match"], headers["If-Modified-Since"]) == ('"abc"', LAST_MODIFIED)


def test_not_modified_without_validators_keeps_the_old_ones(feed_server: FeedServer) -> None:
    url = feed_server.route("/bare304", status(304))
    result = fetch_sources([FetchRequest("src", url, '"old"', LAST_MODIFIED)], settings())[0]
    assert (result.status, result.etag, result.last_modified) == ("not_modified", '"old"', LAST_MODIFIED)


def test_content_length_over_cap_is_refused(feed_server: FeedServer) -> None:
    url = feed_server.route("/big", huge(5_000_000, content_length=True))
    assert_failed(fetch(url, max_bytes=1000), "declares 5000000 bytes", "max_bytes cap of 1000 bytes")


def test_streamed_body_over_cap_is_cut(feed_server: FeedServer) -> None:
    url = feed_server.route("/stream", huge(5_000_000, content_length=False))
    result = fetch(url, max_bytes=100_000)
    assert_failed(result, f"body from {url} is over the max_bytes cap of 100000 bytes")
    assert result.attempts == 1


def test_gzip_bomb_is_cut(feed_server: FeedServer) -> None:
    url = feed_server.route("/bomb", gzip_bomb(50_000_000))
    started = time.monotonic()
    result = fetch(url, max_bytes=1_000_000)
    assert time.monotonic() - started < 2.0
    assert_failed(result, "max_bytes cap of 1000000 bytes")


def test_polite_host_gets_one_request_at_a_time_spaced_out(feed_server: FeedServer) -> None:
    url = feed_server.route("/arxiv", slow(0.1, ok(FEED)))
    requests = [FetchRequest(f"arxiv_{n}", url) for n in range(4)]
    results = fetch_sources(requests, settings(polite_hosts={"127.0.0.1": 0.3}, per_host=4))
    assert [r.status for r in results] == ["ok"] * 4
    starts = [req.time for req in feed_server.requests_to("/arxiv")]
    assert all(later - earlier >= 0.3 for earlier, later in pairwise(starts))
    assert feed_server.max_in_flight == 1


def test_polite_spacing_also_covers_retries(feed_server: FeedServer) -> None:
    url = feed_server.route("/arxiv", sequence(status(500), ok(FEED)))
    result = fetch(url, polite_hosts={"127.0.0.1": 0.3}, backoff=0.0)
    first, second = feed_server.requests_to("/arxiv")
    assert result.status == "ok"
    assert second.time - first.time >= 0.3


def test_other_hosts_are_fetched_concurrently(feed_server: FeedServer) -> None:
    url = feed_server.route("/slow", slow(0.3, ok(FEED)))
    started = time.monotonic()
    results = fetch_sources([FetchRequest(f"s{n}", url) for n in range(10)], settings(per_host=10, concurrency=10))
    assert time.monotonic() - started < 1.5
    assert [r.status for r in results] == ["ok"] * 10
    assert feed_server.max_in_flight > 2


def test_per_host_limit_caps_concurrency(feed_server: FeedServer) -> None:
    url = feed_server.route("/slow", slow(0.2, ok(FEED)))
    fetch_sources([FetchRequest(f"s{n}", url) for n in range(5)], settings(per_host=2))
    assert feed_server.max_in_flight == 2


def test_results_keep_request_order_and_failures_name_their_source(feed_server: FeedServer, tmp_path: Path) -> None:
    requests = [
        FetchRequest("slow_ok", feed_server.route("/slow", slow(0.2, ok(FEED)))),
        FetchRequest("not_found", feed_server.route("/404", status(404))),
        FetchRequest("fast_ok", feed_server.route("/fast", ok(FEED))),
        FetchRequest("server_error", feed_server.route("/500", status(500))),
        FetchRequest("no_file", "nowhere.xml"),
        FetchRequest("bad_scheme", "ftp://127.0.0.1/feed.xml"),
        FetchRequest("bad_url", "http://127.0.0.1:99999/feed"),
        FetchRequest("dropped", feed_server.route("/drop", drop())),
    ]
    results = fetch_sources(requests, settings(base_dir=tmp_path))
    assert [r.source_id for r in results] == [r.source_id for r in requests]
    assert [r.status for r in results] == ["ok", "failed", "ok", "failed", "failed", "failed", "failed", "failed"]
    for result in results:
        if result.status == "failed":
            assert_failed(result)


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("arxiv.org", ("arxiv.org", 3.0)),
        ("export.arxiv.org", ("arxiv.org", 3.0)),
        ("RSS.arXiv.org.", ("arxiv.org", 3.0)),
        ("a.b.arxiv.org", ("arxiv.org", 3.0)),
        ("notarxiv.org", None),
        ("arxiv.org.evil.example", None),
        ("biorxiv.org", None),
    ],
)
def test_polite_hosts_match_exactly_or_as_subdomain(host: str, expected: tuple[str, float] | None) -> None:
    assert _polite(host, polite_hosts(FetchOptions())) == expected


def test_drip_past_the_deadline_is_cut_off(feed_server: FeedServer) -> None:
    # every byte arrives well within the read timeout, but the whole answer would take about 4 s
    url = feed_server.route("/slow-drip", drip(FEED, 0.06, chunk_size=1))
    started = time.monotonic()
    result = fetch(url, "drip_feed", timeout=1.0, deadline=0.5, attempts=2)
    assert time.monotonic() - started < 2.5
    assert_failed(result, "deadline of 0.5 s (fetch.deadline)", url, "after 2 attempts")


def test_run_budget_ends_every_unfinished_source(feed_server: FeedServer) -> None:
    hang = feed_server.route("/hang-long", slow(30))
    quick = feed_server.route("/quick", ok(FEED))
    started = time.monotonic()
    requests = [FetchRequest("stuck", hang), FetchRequest("fine", quick), FetchRequest("stuck2", hang)]
    results = fetch_sources(requests, settings(timeout=20.0, deadline=20.0, budget=1.5))
    assert time.monotonic() - started < 4.0
    assert results[1].status == "ok"
    for result in (results[0], results[2]):
        assert_failed(result, "run budget of 1.5 s (fetch.budget)", hang, "skipped this run")


def test_retry_after_past_the_run_budget_gives_up_at_once(feed_server: FeedServer) -> None:
    url = feed_server.route("/later", retry_after(5))
    started = time.monotonic()
    result = fetch(url, "busy", max_retry_after=60.0, budget=2.0)
    assert time.monotonic() - started < 1.5
    assert_failed(result, "HTTP 429", "asks to retry after 5 s, past the end of the run budget (fetch.budget 2 s)")
    assert len(feed_server.requests_to("/later")) == 1
