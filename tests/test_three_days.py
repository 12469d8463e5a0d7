"""Three runs over fixture feeds served on 127.0.0.1: a normal Friday, a weekend, and a Monday on which arXiv
serves one category's previous batch. Each run must give exactly the right cards and per-source states."""

import hashlib
import json
from datetime import date
from pathlib import Path

import pytest
from feedserver import FeedServer, conditional, details_api, ok

from digest.archive import Archive
from digest.collect import collect, fetch_settings
from digest.config import load_config
from digest.site import render_site
from digest.site.mathml import math_html

DAYS = Path(__file__).parent / "feeds" / "days"
FRI, SAT, MON = date(2026, 6, 19), date(2026, 6, 20), date(2026, 6, 22)
JOINED = "/rss/cs.LG+cs.CV+cs.AI"

CONFIG = """
fetch: {{attempts: 2, backoff: 0.05, stale_window: 0.6}}
topics:
  cs.LG: Machine Learning
  cs.CV: Computer Vision
  cs.AI: Artificial Intelligence
  bioinformatics: Bioinformatics
  comp-bio: Computational Biology
  science: Science
sources:
  - {{id: arxiv-cs-lg, label: arXiv (CS.LG), topic: cs.LG, url: "{base}/rss/cs.LG", family: arxiv}}
  - {{id: arxiv-cs-cv, label: arXiv (CS.CV), topic: cs.CV, url: "{base}/rss/cs.CV", family: arxiv}}
  - {{id: arxiv-cs-ai, label: arXiv (CS.AI), topic: cs.AI, url: "{base}/rss/cs.AI", family: arxiv, replacements: ignore}}
  - {{id: biorxiv-bioinformatics, label: bioRxiv (Bioinfo), topic: bioinformatics, url: "{base}/details/biorxiv",
     family: biorxiv, subjects: [bioinformatics]}}
  - {{id: plos-compbio, label: PLOS Computational Biology, topic: comp-bio, url: "{base}/ploscompbiol/feed/atom", family: plos}}
  - {{id: nature, label: Nature (Science), topic: science, url: "{base}/nature.rss", family: nature}}
"""

# What each run must store: new cards per digest day, and new versions listed on that day.
EXPECTED_CARDS = {
    FRI: {"arXiv:2606.20001", "arXiv:2606.20002", "arXiv:2606.20003", "arXiv:2606.20004", "arXiv:2606.20005",
          "doi:10.1101/2026.06.18.600001", "doi:10.1101/2026.06.18.600002", "doi:10.1371/journal.pcbi.1099002",
          "doi:10.1038/s41586-026-50001-1", "doi:10.1038/s41586-026-50002-4"},
    SAT: {"doi:10.1101/2026.06.19.600010"},
    MON: {"arXiv:2606.22001", "arXiv:2606.22002", "doi:10.1101/2026.06.21.600020", "doi:10.1101/2026.06.21.600021",
          "doi:10.1101/2026.06.21.600022", "doi:10.1371/journal.pcbi.1099003", "doi:10.1038/s41586-026-50003-7"},
}
EXPECTED_UPDATES = {
    FRI: {("arXiv:2605.19990", 2), ("doi:10.1101/2026.05.30.590000", 2)},  # cs.AI ignores 2605.19991v3
    SAT: set(),
    MON: {("arXiv:2606.20001", 2), ("doi:10.1101/2026.06.18.600001", 2)},
}
EXPECTED_STATES = {
    FRI: {"arxiv-cs-lg": "ok", "arxiv-cs-cv": "ok", "arxiv-cs-ai": "ok", "biorxiv-bioinformatics": "ok",
          "plos-compbio": "ok", "nature": "ok"},
    SAT: {"arxiv-cs-lg": "empty", "arxiv-cs-cv": "empty", "arxiv-cs-ai": "empty", "biorxiv-bioinformatics": "ok",
          "plos-compbio": "not_modified", "nature": "stale"},
    MON: {"arxiv-cs-lg": "ok", "arxiv-cs-cv": "stale", "arxiv-cs-ai": "ok", "biorxiv-bioinformatics": "ok",
          "plos-compbio": "ok", "nature": "ok"},
}


def serve_day(server: FeedServer, day: date) -> None:
    """Point the routes at one day's fixture files, as the real hosts would answer that day."""
    shown = {SAT: FRI}.get(day, day)  # the journals have nothing new on Saturday
    server.route(JOINED, ok((DAYS / day.isoformat() / "arxiv.xml").read_bytes()))
    if day == MON:
        server.route("/rss/cs.CV", ok((DAYS / "2026-06-22" / "arxiv-cs-cv-stale.xml").read_bytes()))
    plos = (DAYS / shown.isoformat() / "plos.xml").read_bytes()
    server.route("/ploscompbiol/feed/atom", conditional(plos, etag='"' + hashlib.sha1(plos).hexdigest()[:12] + '"'))
    server.route("/nature.rss", ok((DAYS / shown.isoformat() / "nature.xml").read_bytes()))
    records = json.loads((DAYS / "biorxiv-records.json").read_text(encoding="utf-8"))
    server.route_prefix("/details/biorxiv", details_api(records, page_size=2))


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Run the three days in order; return the config, archive, per-day reports and the server's requests."""
    tmp = tmp_path_factory.mktemp("three")
    with FeedServer() as server:
        path = tmp / "sources.yaml"
        path.write_text(CONFIG.format(base=server.url("").rstrip("/")), encoding="utf-8")
        config = load_config(path)
        archive = Archive(tmp / "content")
        reports, requests = {}, {}
        for day in (FRI, SAT, MON):
            serve_day(server, day)
            before = len(server.requests)
            reports[day] = collect(config, archive, day, fetch_settings(config))
            requests[day] = server.requests[before:]
        assert not server.errors
    return config, archive, reports, requests


def test_each_day_has_exactly_the_right_cards_and_updates(runs):
    _, archive, _, _ = runs
    days = {d.day: d for d in archive.read_days()}
    assert set(days) == {FRI, SAT, MON}  # no page for Sunday, and nothing filed under the wrong day
    for day, expected in EXPECTED_CARDS.items():
        assert {p.id for p in days[day].papers} == expected, day
        assert {(u.id, u.version) for u in days[day].updates} == EXPECTED_UPDATES[day], day


def test_no_paper_is_shown_twice(runs):
    _, archive, _, _ = runs
    shown = [p.id for d in archive.read_days() for p in d.papers]
    assert len(shown) == len(set(shown))
    dois = [p.doi for d in archive.read_days() for p in d.papers if p.doi]
    assert len(dois) == len(set(dois))  # the arXiv preprint of Friday's Nature paper is not a second card
    friday = {p.id: p for p in archive.read_day(FRI).papers}
    # ... but Friday's Nature card now links the preprint arXiv announced on Monday
    assert friday["doi:10.1038/s41586-026-50001-1"].links == ("https://arxiv.org/abs/2606.22003",)
    assert friday["arXiv:2606.20005"].sources == ("arxiv-cs-lg", "plos-compbio")
    monday = {p.id: p for p in archive.read_day(MON).papers}
    # from one joined listing: the primary category's source is the card's home, the others are badges
    assert monday["arXiv:2606.22002"].sources == ("arxiv-cs-ai", "arxiv-cs-lg")
    assert monday["arXiv:2606.22002"].topics == ("cs.AI", "cs.LG")
    assert monday["arXiv:2606.22002"].authors == ("Søren Kierkegaard-Lund", "Mei Chen")


def test_per_source_states_each_day(runs):
    _, _, reports, _ = runs
    for day, expected in EXPECTED_STATES.items():
        assert {r.source: r.status for r in reports[day].sources} == expected, day
    sat = {r.source: r for r in reports[SAT].sources}
    assert sat["arxiv-cs-lg"].words == "no announcement" and sat["nature"].seen == 2 and sat["nature"].new == 0
    mon = {r.source: r for r in reports[MON].sources}
    assert mon["arxiv-cs-cv"].seen == 1 and mon["arxiv-cs-cv"].new == 0


def test_arxiv_is_asked_once_per_run_plus_the_stale_retries(runs):
    _, _, _, requests = runs
    for day in (FRI, SAT):
        assert [r.path for r in requests[day] if "/rss/" in r.path] == [JOINED]
    mon = [r.path for r in requests[MON] if "/rss/" in r.path]
    # one joined listing, then the stale category alone within the 0.6 s window (every 0.2 s)
    assert mon[0] == JOINED and 2 <= len(mon) <= 4 and set(mon[1:]) == {"/rss/cs.CV"}


def test_biorxiv_api_is_paged_by_date_range(runs):
    _, _, _, requests = runs
    api = {day: [r.path + "?" + r.query for r in requests[day] if r.path.startswith("/details/")] for day in requests}
    # Friday: no earlier success, so from Thursday; 3 bioinformatics records at 2 per page.
    assert api[FRI] == ["/details/biorxiv/2026-06-18/2026-06-19/0?category=bioinformatics",
                        "/details/biorxiv/2026-06-18/2026-06-19/2?category=bioinformatics"]
    assert api[MON][0] == "/details/biorxiv/2026-06-20/2026-06-22/0?category=bioinformatics"


def test_state_file_and_status_page_tell_the_states_apart(runs, tmp_path):
    config, archive, _, _ = runs
    state = archive.read_state()
    assert state.sources["arxiv-cs-cv"].status == "stale" and state.sources["arxiv-cs-cv"].checked == "2026-06-22"
    assert state.sources["plos-compbio"].last_success == "2026-06-22"
    render_site(config, archive.read_days(), state, tmp_path / "site")
    status = (tmp_path / "site" / "status" / "index.html").read_text(encoding="utf-8")
    assert status.count("st-stale") == 1 and status.count("st-ok") == 5
    fri = (tmp_path / "site" / "2026-06-19" / "index.html").read_text(encoding="utf-8")
    card = fri.split('id="arXiv:2606.20005"', 1)[1].split("</article>", 1)[0]
    assert 'href="https://journals.plos.org/ploscompbiol/article?id=10.1371/journal.pcbi.1099001"' in card
    assert "updated to v2 on 2026-06-22" in fri.split('id="arXiv:2606.20001"', 1)[1].split("</article>", 1)[0]
    assert "André Gonçalves" in fri and "Zoë Müller" in fri and math_html(r"$O(\sqrt{n})$").startswith("<math>")
    assert math_html(r"$O(\sqrt{n})$") in fri   # the formula as the build's MathML


def test_a_rerun_the_same_day_changes_nothing(runs, tmp_path):
    config, archive, _, _ = runs
    import shutil
    copy = Archive(tmp_path / "content")
    shutil.copytree(archive.root, copy.root)
    before = {p.name: p.read_bytes() for p in (copy.root / "days").iterdir()}
    with FeedServer() as server:
        path = tmp_path / "sources.yaml"
        path.write_text(CONFIG.format(base=server.url("").rstrip("/")), encoding="utf-8")
        config = load_config(path)
        serve_day(server, MON)
        report = collect(config, copy, MON, fetch_settings(config))
    assert report.new_papers == 0 and report.new_versions == 0
    assert {p.name: p.read_bytes() for p in (copy.root / "days").iterdir()} == before


def test_job_summary_names_each_state(runs):
    config, _, reports, _ = runs
    labels = {s.id: s.label for s in config.sources}
    sat = reports[SAT].markdown(SAT, labels)
    assert sat.startswith("### fetch 2026-06-20: 1 new papers, 0 new versions\n")
    assert "| source | state | items | new | new versions | seen | not shown | note |" in sat
    assert "| arXiv (CS.LG) | no announcement | 0 | 0 | 0 | 0 | 0 |  |" in sat
    assert "| PLOS Computational Biology | unchanged | 0 | 0 | 0 | 0 | 0 |  |" in sat
    # Nature's feed also lists four news pieces and corrections: counted, and said why they are no card.
    assert "| Nature (Science) | stale | 6 | 0 | 0 | 2 | 4 (1 news, comment or editorial, 3 correction, retraction or reply) |  |" in sat
    assert "| arXiv (CS.CV) | stale | 1 | 0 | 0 | 1 | 0 |" in reports[MON].markdown(MON, labels)


def test_the_fetch_stage_scan_knows_what_the_whole_archive_holds(runs):
    from digest.collect import scan_archive

    _, archive, _, _ = runs
    days = archive.read_days()
    known = scan_archive(archive, archive.read_state())
    assert known.home == {p.id: [d.day] for d in days for p in d.papers}
    assert known.dois == {p.doi: p.id for d in days for p in d.papers if p.doi}
    assert set(known.versions) == {p.id for d in days for p in (*d.papers, *d.updates)}
    assert known.versions["arXiv:2606.20005"] == max(p.version or 0 for d in days for p in (*d.papers, *d.updates)
                                                     if p.id == "arXiv:2606.20005")
    assert (known.latest, known.unrecorded) == ({}, {})   # every run finished and recorded what it stored
