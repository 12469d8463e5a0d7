"""The forker's tools: `build.py check` (probing real sources on 127.0.0.1), `verify`, --summary, --base-url."""

import json
import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from feedserver import FeedServer, ok, sequence, status

import build
from demo_papers import expected_papers
from digest.archive import Archive
from digest.config import load_config
from digest.verify import verify_archive

ROOT = Path(__file__).resolve().parent.parent
ARXIV = (ROOT / "demo" / "feeds" / "2026-06-16" / "arxiv-cs-lg.xml").read_bytes()
EMPTY = b"<?xml version='1.0'?><rss version='2.0'><channel><title>quiet</title></channel></rss>"


def config_for(tmp_path: Path, server: FeedServer) -> Path:
    """Write a sources.yaml whose sources answer ok, empty, 404, HTML and 503 on the loopback server."""
    urls = {"good": server.route("/good", ok(ARXIV)), "quiet": server.route("/quiet", ok(EMPTY)),
            "gone": server.route("/gone", status(404)), "html": server.route("/html", ok(b"<html><p>Log in</p>", "text/html")),
            "busy": server.route("/busy", status(503))}
    families = {"good": "arxiv"}
    lines = ["fetch: {timeout: 5, attempts: 2, backoff: 0.01}", "topics: {t: T}", "sources:"]
    lines += [f"  - {{id: {sid}, label: {sid.title()}, topic: t, url: \"{url}\", family: {families.get(sid, 'generic')}}}"
              for sid, url in urls.items()]
    lines.append("  - {id: paused, label: Paused, topic: t, url: \"https://example.invalid/feed\", enabled: false}")
    path = tmp_path / "sources.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_check_online_prints_one_line_per_source(tmp_path, feed_server, capsys):
    path = config_for(tmp_path, feed_server)
    code = build.main(["check", "--online", "--config", str(path), "--content", str(tmp_path / "c")])
    out = capsys.readouterr().out.splitlines()
    assert code == 1  # a failing source fails the check
    assert out[0] == "sources.yaml: ok: 5 of 6 sources enabled, 1 topics, languages en, zh"
    lines = {line.split()[0]: line for line in out[1:-1]}
    assert list(lines) == ["good", "quiet", "gone", "html", "busy"]  # the disabled source is not probed
    items = len(expected_papers()[("2026-06-16", "arxiv-cs-lg")])   # ARXIV's 7 items, all new or cross
    assert items == 7 and re.search(rf"good +ok +{items} items \(http://127\.0\.0\.1:\d+/good\)$", lines["good"])
    assert re.search(r"quiet +empty +0 items: the feed answers but lists no paper now", lines["quiet"])
    assert re.search(r"gone +failing +source 'gone': HTTP 404 from http://127\.0\.0\.1:\d+/gone", lines["gone"])
    assert re.search(r"html +failing +source 'html': not a feed", lines["html"])
    assert re.search(r"busy +failing +source 'busy': HTTP 503 .* after 2 attempts", lines["busy"])
    assert out[-1].endswith(": 1 ok, 1 empty, 3 failing")
    assert not (tmp_path / "c").exists()  # probing stores nothing
    assert len(feed_server.requests_to("/busy")) == 2


def test_check_passes_when_every_source_answers(tmp_path, capsys):
    with FeedServer(root=tmp_path) as server:
        url = server.route("/feed", sequence(ok(ARXIV)))
        path = tmp_path / "sources.yaml"
        path.write_text(f"topics: {{t: T}}\nsources:\n  - {{id: a, label: A, topic: t, url: \"{url}\"}}\n")
        assert build.main(["check", "--online", "--config", str(path)]) == 0
    assert capsys.readouterr().out.splitlines()[-1].endswith(": 1 ok, 0 empty, 0 failing")


def test_check_offline_only_validates(tmp_path, capsys):
    path = tmp_path / "sources.yaml"
    path.write_text("topics: {t: T}\nsources:\n  - {id: a, label: A, topic: t, url: \"http://127.0.0.1:9/never\"}\n")
    assert build.main(["check", "--config", str(path)]) == 0
    assert capsys.readouterr().out == "sources.yaml: ok: 1 of 1 sources enabled, 1 topics, languages en, zh\n"
    path.write_text("topics: {t: T}\nsources:\n  - {id: a, label: A, topic: u, url: \"http://127.0.0.1:9/never\"}\n")
    assert build.main(["check", "--online", "--config", str(path)]) == 2  # config errors come first
    assert capsys.readouterr().err == "sources.yaml:3: sources[0].topic: unknown topic 'u' (add it under topics:)\n"


def test_check_demo_probes_the_latest_demo_day(capsys):
    assert build.main(["check", "--demo", "--online"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == "check 2026-06-17: 11 ok, 0 empty, 0 failing"


# ---- verify -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_content(tmp_path_factory):
    out = tmp_path_factory.mktemp("verify")
    assert build.main(["fetch", "--demo", "--content", str(out / "day1"), "--date", "2026-06-16"]) == 0
    shutil.copytree(out / "day1", out / "day2")
    assert build.main(["fetch", "--demo", "--content", str(out / "day2"), "--date", "2026-06-17"]) == 0
    return out


def test_verify_message_counts_what_was_added(demo_content):
    first = verify_archive(Archive(demo_content / "day1"), None)
    assert first.problems == [] and first.message == "digest 2026-06-16: 42 papers from 11 sources"
    second = verify_archive(Archive(demo_content / "day2"), Archive(demo_content / "day1"))
    assert second.problems == [] and second.message == "digest 2026-06-17: 41 papers from 11 sources, 3 new versions"
    same = verify_archive(Archive(demo_content / "day2"), Archive(demo_content / "day2"))
    assert same.message == "digest 2026-06-17: no new papers"


def test_verify_names_every_loss(demo_content, tmp_path, capsys):
    new = tmp_path / "new"
    shutil.copytree(demo_content / "day2", new)
    day1 = new / "days" / "2026-06-16.json"
    data = json.loads(day1.read_text())
    gone = data["papers"].pop(0)["id"]
    data["papers"][0]["abstract"] = ""
    blanked = data["papers"][0]["id"]
    day1.write_text(json.dumps(data))
    (new / "days" / "2026-06-17.json").unlink()
    state = json.loads((new / "state.json").read_text())
    del state["sources"]["nature"]
    (new / "state.json").write_text(json.dumps(state))
    code = build.main(["verify", "--content", str(new), "--baseline", str(demo_content / "day2")])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert err.splitlines() == [
        f"{day1}: paper {gone} is gone",
        f"{day1}: paper {blanked} lost abstract",
        f"{new / 'days' / '2026-06-17.json'}: the day file is gone",
        f"{new / 'state.json'}: the fetch state of source 'nature' is gone",
    ]


def test_verify_reports_an_unreadable_archive(demo_content, tmp_path, capsys):
    new = tmp_path / "new"
    shutil.copytree(demo_content / "day1", new)
    (new / "state.json").write_text("{not json")
    assert build.main(["verify", "--content", str(new), "--baseline", str(tmp_path / "missing")]) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and err.startswith(f"{new / 'state.json'}: unreadable state file")


def test_verify_checks_a_changed_day_beside_byte_identical_ones(demo_content, tmp_path):
    """Verify skips parsing days whose bytes did not change, yet every change on another day is still caught."""
    base = demo_content / "day2"
    new = tmp_path / "new"
    shutil.copytree(base, new)
    day2 = new / "days" / "2026-06-17.json"
    data = json.loads(day2.read_text())
    gone = data["papers"].pop(1)["id"]
    day2.write_text(json.dumps(data))
    assert (new / "days" / "2026-06-16.json").read_bytes() == (base / "days" / "2026-06-16.json").read_bytes()
    assert verify_archive(Archive(new), Archive(base)).problems == [f"{day2}: paper {gone} is gone"]
    # A torn new file is reported as before, named, whatever the days around it.
    day2.write_text('{"schema": 1, "day": "2026-06-17", "papers": [')
    verdict = verify_archive(Archive(new), Archive(base))
    assert len(verdict.problems) == 1 and verdict.problems[0].startswith(f"{day2}: unreadable day file")
    day2.write_text('{"schema": 1, "day": "2026-06-17", "papers": [{"id": 3}]}')
    verdict = verify_archive(Archive(new), Archive(base))
    assert verdict.problems == [f"{day2}: paper #1: id: expected a string, got 3"]
    # A day only in the new archive is parsed and counted; a torn one there is reported too.
    shutil.copy(base / "days" / "2026-06-17.json", day2)
    shutil.copy(day2, new / "days" / "2026-06-18.json")
    data = json.loads(day2.read_text())
    data["day"] = "2026-06-18"
    (new / "days" / "2026-06-18.json").write_text(json.dumps(data))
    assert verify_archive(Archive(new), Archive(base)).problems == []
    (new / "days" / "2026-06-18.json").write_text("{")
    assert verify_archive(Archive(new), Archive(base)).problems[0].startswith(f"{new / 'days' / '2026-06-18.json'}: unreadable")


def test_verify_message_counts_only_changed_days(demo_content, tmp_path):
    """Papers on untouched days are never counted as added; new ones and new versions on changed days are."""
    base = tmp_path / "base"
    shutil.copytree(demo_content / "day2", base)
    day2 = base / "days" / "2026-06-17.json"
    data = json.loads(day2.read_text())
    kept = len(data["papers"]) - 2
    data["papers"], data["updates"] = data["papers"][:kept], data["updates"][:1]
    day2.write_text(json.dumps(data))
    verdict = verify_archive(Archive(demo_content / "day2"), Archive(base))
    assert verdict.problems == []
    assert re.fullmatch(r"digest 2026-06-17: 2 papers from \d+ sources?, 2 new versions", verdict.message), verdict.message


def test_verify_reports_an_unreadable_baseline_day(demo_content, tmp_path):
    """A torn day in the baseline is named as the baseline's, unless the new archive has a problem of its own."""
    base = tmp_path / "base"
    shutil.copytree(demo_content / "day2", base)
    (base / "days" / "2026-06-16.json").write_text("[")
    verdict = verify_archive(Archive(demo_content / "day2"), Archive(base))
    assert len(verdict.problems) == 1 and verdict.problems[0].startswith(f"baseline: {base / 'days' / '2026-06-16.json'}")
    new = tmp_path / "new"
    shutil.copytree(demo_content / "day2", new)
    (new / "days" / "2026-06-17.json").write_text("[")
    verdict = verify_archive(Archive(new), Archive(base))
    assert len(verdict.problems) == 1 and verdict.problems[0].startswith(f"{new / 'days' / '2026-06-17.json'}: unreadable")


# ---- --summary and --base-url -----------------------------------------------------------------------


def test_summary_is_appended_markdown(tmp_path, monkeypatch):
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    args = ["--demo", "--content", str(tmp_path / "c"), "--site", str(tmp_path / "s"), "--summary", str(summary)]
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "not-this-one.md"))  # --summary wins, written once
    assert build.main(args) == 0
    text = summary.read_text()
    assert text.startswith("earlier step\n### fetch 2026-06-16: ")
    assert text.count("### fetch 2026-06-16: ") == 1 and text.count("### fetch 2026-06-17: ") == 1
    assert re.search(r"^\| Nature \(Science\) \| .+ \| \d+ \| \d+ \| .*\|$", text, re.M), text
    assert not (tmp_path / "not-this-one.md").exists()


def test_summary_defaults_to_the_actions_job_summary(tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "step.md"))
    assert build.main(["fetch", "--demo", "--content", str(tmp_path / "c"), "--date", "2026-06-16"]) == 0
    assert (tmp_path / "step.md").read_text().count("### fetch 2026-06-16: ") == 1


def test_base_url_fills_an_empty_site_base_url(tmp_path):
    args = ["--demo", "--content", str(tmp_path / "c"), "--site", str(tmp_path / "s"),
            "--base-url", "https://forker.github.io/hub"]
    assert build.main(args) == 0
    assert "Sitemap: https://forker.github.io/hub/sitemap.xml" in (tmp_path / "s" / "robots.txt").read_text()
    assert '<link rel="canonical" href="https://forker.github.io/hub/' in (tmp_path / "s" / "index.html").read_text()
    # A base_url set in sources.yaml (a custom domain) wins over the workflow's.
    own = tmp_path / "sources.yaml"
    own.write_text((ROOT / "demo" / "sources.yaml").read_text().replace('base_url: ""', 'base_url: "https://papers.example.org/"'))
    shutil.copytree(ROOT / "demo" / "feeds", tmp_path / "feeds")
    assert build.main(["--config", str(own), "--content", str(tmp_path / "c2"), "--site", str(tmp_path / "s2"),
                       "--date", "2026-06-16", "--base-url", "https://forker.github.io/hub"]) == 0
    assert "Sitemap: https://papers.example.org/sitemap.xml" in (tmp_path / "s2" / "robots.txt").read_text()


def test_bad_base_url_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as caught:
        build.parse_args(["--base-url", "forker.github.io/hub"])
    assert caught.value.code == 2
    assert "--base-url: expected an absolute http(s) URL, got 'forker.github.io/hub'" in capsys.readouterr().err
