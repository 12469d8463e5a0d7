"""bioRxiv/medRxiv's details API: every page up to the real end, whatever the reported total, through
Retry-After, with the subject filter and the RSS fallback; tested against a fake API on 127.0.0.1."""

import json
import threading
from datetime import date
from pathlib import Path

import pytest
from feedserver import FeedServer, Reply, details_api, ok, retry_after, status

from digest.archive import Archive
from digest.sources.biorxiv import details_base, normalise_date, page_url, parse_page
from digest.collect import collect, fetch_settings
from digest.config import load_config
from digest.errors import SourceError

DAY = date(2026, 6, 22)
DEMO_RSS = Path(__file__).resolve().parent.parent / "demo" / "feeds" / "2026-06-16" / "biorxiv-bioinformatics.xml"


def record(n: int, category: str = "bioinformatics", version: int = 1, day: str = "2026-06-22") -> dict:
    return {"doi": f"10.1101/2026.06.20.{600000 + n}", "title": f"Preprint {n}", "authors": "Okafor, C. N.; Li, X.",
            "author_corresponding": "C. N. Okafor", "date": day, "version": str(version), "type": "new results",
            "license": "cc_by", "category": category, "abstract": f"Abstract {n}.", "published": "NA", "server": "biorxiv"}


@pytest.mark.parametrize("url, expected", [
    ("https://api.biorxiv.org/details/biorxiv", ("https://api.biorxiv.org/details/biorxiv", "biorxiv")),
    ("https://api.biorxiv.org/details/medrxiv/", ("https://api.biorxiv.org/details/medrxiv", "medrxiv")),
    ("https://connect.biorxiv.org/biorxiv_xml/bioinformatics", None),
])
def test_details_base(url, expected):
    assert details_base(url) == expected


def test_page_url_asks_the_server_for_a_single_subject():
    base = "https://api.biorxiv.org/details/biorxiv"
    assert page_url(base, date(2026, 6, 20), DAY, 100, ["Cell Biology"]) == f"{base}/2026-06-20/2026-06-22/100?category=cell_biology"
    assert page_url(base, date(2026, 6, 20), DAY, 0, ["genomics", "genetics"]) == f"{base}/2026-06-20/2026-06-22/0"


@pytest.mark.parametrize("raw, expected", [
    ("2026-06-22", date(2026, 6, 22)), ("2026-06-22 09:15:00", date(2026, 6, 22)), ("2026/6/2", date(2026, 6, 2)),
    ("22 June 2026", date(2026, 6, 22)), ("", None), ("2026-02-30", None),
])
def test_dates_are_normalised(raw, expected):
    assert normalise_date(raw) == expected


def test_parse_page_ids_authors_versions_and_subjects():
    records = [record(1), record(2, category="Cell Biology"), record(3, version=2), {**record(4), "title": ""},
               {**record(5), "title": "Correction: Preprint 1"},
               {**record(6), "abstract": "Growth &gt;90% (p&lt;0.001) in <i>E. coli</i>", "authors": "M\u00fcller, J.; Andr\\'e, P."}]
    body = json.dumps({"messages": [{"status": "ok", "count": 6, "total": "12"}], "collection": records}).encode()
    page = parse_page(body, "bio", "biorxiv", ["bioinformatics", "cell_biology"])
    assert (page.count, page.total) == (6, 12)
    by_id = {e.id: e for e in page.entries}
    assert set(by_id) == {"doi:10.1101/2026.06.20.600001", "doi:10.1101/2026.06.20.600002", "doi:10.1101/2026.06.20.600003",
                          "doi:10.1101/2026.06.20.600006"}
    first = by_id["doi:10.1101/2026.06.20.600001"]
    assert first.authors == ("C. N. Okafor", "X. Li") and first.version == 1 and first.announce == "new"
    assert first.url == "https://www.biorxiv.org/content/10.1101/2026.06.20.600001v1" and first.published == DAY
    assert by_id["doi:10.1101/2026.06.20.600003"].announce == "replace"
    sixth = by_id["doi:10.1101/2026.06.20.600006"]
    assert sixth.abstract == "Growth >90% (p<0.001) in E. coli" and sixth.authors == ("J. Müller", "P. André")
    only_bio = parse_page(body, "bio", "biorxiv", ["Bioinformatics"])
    assert len(only_bio.entries) == 3


def test_the_rss_fallback_gives_the_same_ids_as_the_api():
    from digest.sources import parse_feed
    rss = {e.id: e for e in parse_feed(DEMO_RSS.read_bytes(), "bio", "biorxiv")}
    api_record = {**record(0), "doi": "10.1101/2026.06.12.645123", "version": "1"}
    body = json.dumps({"messages": [{"count": 1, "total": 1}], "collection": [api_record]}).encode()
    [entry] = parse_page(body, "bio", "biorxiv").entries
    assert entry.id in rss and rss[entry.id].version == entry.version == 1  # switching never duplicates a card


def test_parse_page_refuses_what_is_not_the_api():
    with pytest.raises(SourceError, match="source 'bio': the details API did not answer JSON"):
        parse_page(b"<html>maintenance</html>", "bio", "biorxiv")


CONFIG = """
fetch: {{attempts: 3, backoff: 0.05}}
topics: {{bioinformatics: Bioinformatics}}
sources:
  - {{id: bio, label: bioRxiv, topic: bioinformatics, url: "{base}/details/biorxiv", family: biorxiv, subjects: [{subjects}]{extra}}}
"""


def run(tmp_path, server, subjects="bioinformatics", extra="", day=DAY):
    path = tmp_path / "sources.yaml"
    path.write_text(CONFIG.format(base=server.url("").rstrip("/"), subjects=subjects, extra=extra))
    config = load_config(path)
    assert config.sources[0].family == "biorxiv"
    report = collect(config, Archive(tmp_path / "content"), day, fetch_settings(config))
    return report, Archive(tmp_path / "content")


def api_pages(server):
    return [r.path.rsplit("/", 1)[1] for r in server.requests if r.path.startswith("/details/")]


@pytest.mark.parametrize("lie, pages", [
    (lambda real: real, ["0", "3", "6"]),          # honest: 7 records, 3 a page
    (lambda real: real + 5, ["0", "3", "6", "7"]),  # claims 12: we stop at the empty page
    (lambda real: 4, ["0", "3", "6"]),              # claims 4: the full second page shows there is more
    (lambda real: "n/a", ["0", "3", "6", "7"]),     # no usable total: until an empty page
])
def test_every_record_is_fetched_whatever_the_total_says(tmp_path, lie, pages):
    records = [record(n) for n in range(1, 8)] + [record(9, category="genomics")]
    with FeedServer() as server:
        server.route_prefix("/details/biorxiv", details_api(records, page_size=3, total=lie))
        report, archive = run(tmp_path, server)
        assert api_pages(server) == pages
    assert report.sources[0].status == "ok" and report.new_papers == 7
    assert len(archive.read_day(DAY).papers) == 7


def test_retry_after_mid_pagination_is_honoured(tmp_path):
    records = [record(n) for n in range(1, 6)]
    api = details_api(records, page_size=2)
    busy = {"left": 1}
    lock = threading.Lock()

    def handler(req):
        with lock:
            if req.path.endswith("/2") and busy["left"]:
                busy["left"] -= 1
                return retry_after(0.4, code=503)(req)
        return api(req)

    with FeedServer() as server:
        server.route_prefix("/details/biorxiv", handler)
        report, _ = run(tmp_path, server)
        second = [r.time for r in server.requests if r.path.endswith("/2")]
    assert report.new_papers == 5
    assert len(second) == 2 and second[1] - second[0] >= 0.4


def test_date_range_runs_from_the_last_success(tmp_path):
    with FeedServer() as server:
        server.route_prefix("/details/biorxiv", details_api([record(1, day="2026-06-19"), record(2)], page_size=10))
        run(tmp_path, server, day=date(2026, 6, 19))
        report, archive = run(tmp_path, server, day=DAY)
        assert [r.path for r in server.requests] == ["/details/biorxiv/2026-06-18/2026-06-19/0",
                                                     "/details/biorxiv/2026-06-19/2026-06-22/0"]
    # the Friday record is listed again on Monday, but never shown twice
    assert report.new_papers == 1 and [p.id for p in archive.read_day(DAY).papers] == ["doi:10.1101/2026.06.20.600002"]


def test_nothing_posted_is_no_announcement_not_stale(tmp_path):
    with FeedServer() as server:
        server.route_prefix("/details/biorxiv", details_api([record(1, day="2026-06-21")], page_size=10))
        run(tmp_path, server, day=date(2026, 6, 21))
        report, _ = run(tmp_path, server, day=DAY)
    assert report.sources[0].status == "empty" and report.sources[0].seen == 1


def test_api_failure_falls_back_to_the_rss(tmp_path):
    with FeedServer() as server:
        server.route_prefix("/details/biorxiv", status(500))
        server.route("/rss", ok(DEMO_RSS.read_bytes()))
        report, archive = run(tmp_path, server, extra=f', fallback: "{server.url("rss")}"')
    got = report.sources[0]
    assert got.status == "ok" and got.new == 4
    assert "HTTP 500" in got.note and "used the fallback" in got.note
    assert archive.read_state().sources["bio"].last_error == got.note


def test_api_failure_without_fallback_fails_naming_the_source(tmp_path):
    with FeedServer() as server:
        server.route_prefix("/details/biorxiv", lambda req: Reply(200, {"Content-Type": "text/html"}, b"<html>down</html>"))
        report, archive = run(tmp_path, server)
    assert report.sources[0].status == "failed"
    assert report.sources[0].error.startswith("source 'bio': the details API did not answer JSON")
    assert archive.read_days() == []
