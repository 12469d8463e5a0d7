"""`build.py check --online` asks every source what the fetch stage asks, the same way: the details API over
its date range, the fallback when the url fails, a saved details-API answer as a local path; on 127.0.0.1."""

import json
import re
from datetime import date

from feedserver import FeedServer, details_api, ok, status

import build
from digest.archive import Archive
from digest.collect import collect, fetch_settings
from digest.config import load_config
from digest.probe import probe_sources
from test_biorxiv import DEMO_RSS, record

ROOT = DEMO_RSS.parents[3]
DAY = date(2026, 6, 22)
RSS_ITEMS = len(re.findall(rb"<item[\s>]", DEMO_RSS.read_bytes()))


def write_config(tmp_path, *sources: str):
    path = tmp_path / "sources.yaml"
    path.write_text("fetch: {timeout: 5, attempts: 2, backoff: 0.01}\ntopics: {bio: Bio}\nsources:\n"
                    + "".join(f"  - {{{s}, label: L, topic: bio, family: biorxiv}}\n" for s in sources), encoding="utf-8")
    return path


def check_lines(path, capsys) -> tuple[int, dict[str, str], str]:
    code = build.main(["check", "--online", "--config", str(path), "--date", DAY.isoformat()])
    out = capsys.readouterr().out.splitlines()
    return code, {line.split()[0]: line for line in out[1:-1]}, out[-1]


def test_a_healthy_details_api_source_is_ok_and_asked_like_the_fetch_stage(tmp_path, capsys):
    records = [record(1), record(2), record(3, version=2), record(4, day="2026-06-01")]   # the last one out of range
    with FeedServer() as server:
        base = server.route_prefix("/details/biorxiv", details_api(records))
        path = write_config(tmp_path, f'id: api, url: "{base}"', f'id: sub, url: "{base}", subjects: [genomics]')
        code, lines, total = check_lines(path, capsys)
        asked = sorted(r.path + (f"?{r.query}" if r.query else "") for r in server.requests)
    assert code == 0 and total.endswith(": 1 ok, 1 empty, 0 failing")
    # The same first range the fetch stage asks (yesterday and today), the subject passed on as it does.
    assert asked == ["/details/biorxiv/2026-06-21/2026-06-22/0", "/details/biorxiv/2026-06-21/2026-06-22/0?category=genomics"]
    assert re.search(rf"api +ok +3 items \({re.escape(base)}, 2026-06-21\.\.2026-06-22\)$", lines["api"]), lines["api"]
    # No record of the subject: the API answered, with nothing posted in it: empty, not failing.
    assert re.search(r"sub +empty +0 items", lines["sub"]), lines["sub"]


def test_a_failing_api_with_a_healthy_fallback_is_ok_and_says_the_fallback_answered(tmp_path, capsys):
    with FeedServer() as server:
        base = server.route_prefix("/details/biorxiv", status(503))
        rss = server.route("/rss", ok(DEMO_RSS.read_bytes()))
        gone = server.route("/gone", status(404))
        path = write_config(tmp_path, f'id: saved, url: "{base}", fallback: "{rss}"',
                            f'id: lost, url: "{base}", fallback: "{gone}"')
        code, lines, total = check_lines(path, capsys)
    assert code == 1 and total.endswith(": 1 ok, 0 empty, 1 failing")
    saved = lines["saved"]
    assert re.search(rf"saved +ok +{RSS_ITEMS} items \(the fallback answered: source 'saved': HTTP 503", saved), saved
    assert saved.endswith(f"; used the fallback {rss})")
    lost = lines["lost"]
    assert re.search(r"lost +failing +source 'lost': HTTP 503 .*; the fallback failed too: source 'lost': HTTP 404", lost)


def test_a_saved_details_answer_as_a_local_path_is_read_as_the_api_json(tmp_path, capsys):
    records = [record(1), record(2), {**record(3), "title": "Correction: Preprint 1"}]
    body = {"messages": [{"status": "ok", "count": 3, "total": "3"}], "collection": records}
    (tmp_path / "details.json").write_text(json.dumps(body), encoding="utf-8")
    path = write_config(tmp_path, 'id: saved, url: details.json')
    code, lines, _ = check_lines(path, capsys)
    assert code == 0, lines
    assert re.search(r"saved +ok +3 items: 2 papers, 1 not shown \(1 correction, retraction or reply\) \(/.*details\.json\)$",
                     lines["saved"]), lines["saved"]
    # The fetch stage reads the same file the same way.
    [report] = collect(load_config(path), Archive(tmp_path / "content"), DAY).sources
    assert (report.status, report.counts.items, report.new, report.dropped) == ("ok", 3, 2, {"notice": 1})


def test_the_probe_and_the_fetch_stage_see_the_same_items(tmp_path):
    with FeedServer() as server:
        base = server.route_prefix("/details/biorxiv", details_api([record(n) for n in range(1, 6)], page_size=2))
        rss = server.route("/rss", ok(DEMO_RSS.read_bytes()))
        config = load_config(write_config(tmp_path, f'id: api, url: "{base}"', f'id: feed, url: "{rss}"'))
        probes = probe_sources(config, DAY, fetch_settings(config))
        report = collect(config, Archive(tmp_path / "content"), DAY, fetch_settings(config))
    assert [(p.source, p.items) for p in probes] == [(r.source, r.counts.items) for r in report.sources]
    assert [p.items for p in probes] == [5, RSS_ITEMS]


def test_the_default_sources_show_no_failure_when_their_hosts_answer(tmp_path, capsys):
    """README step 3 on a healthy setup: the default sources.yaml, every host played by 127.0.0.1."""
    from digest.sources import guess_family
    feeds = ROOT / "demo" / "feeds" / "2026-06-17"
    with FeedServer() as server:
        local = server.url("").rstrip("/") + "/"
        server.route_prefix("/rss.arxiv.org/rss", ok((feeds / "arxiv-cs-lg.xml").read_bytes()))
        server.route_prefix("/api.biorxiv.org/details", details_api([record(1), record(2, category="epidemiology")]))
        for name, path in (("plos-compbio", "/journals.plos.org/ploscompbiol/feed/atom"),
                           ("plos-medicine", "/journals.plos.org/plosmedicine/feed/atom"),
                           ("nature", "/www.nature.com/nature.rss")):
            server.route(path, ok((feeds / f"{name}.xml").read_bytes()))
        text = (ROOT / "sources.yaml").read_text(encoding="utf-8")
        # The family a default url implies by its host is written out: 127.0.0.1 implies none.
        text = re.sub(r'url: "https://([^"]+)"', lambda m: f'family: {guess_family("https://" + m[1])}, url: "{local}{m[1]}"', text)
        path = tmp_path / "sources.yaml"
        path.write_text(text.replace('fallback: "https://', f'fallback: "{local}'), encoding="utf-8")
        code, lines, total = check_lines(path, capsys)
        asked = {r.path.split("/")[1] for r in server.requests}
    assert code == 0 and total.endswith(", 0 failing"), (total, lines)
    assert asked == {"rss.arxiv.org", "api.biorxiv.org", "journals.plos.org", "www.nature.com"}   # no fallback needed
    assert re.search(rf"biorxiv-bioinformatics +ok +1 items \({re.escape(local)}api\.biorxiv\.org/details/biorxiv, ",
                     lines["biorxiv-bioinformatics"]), lines["biorxiv-bioinformatics"]
    assert re.search(r"medrxiv +ok +2 items", lines["medrxiv"]), lines["medrxiv"]
