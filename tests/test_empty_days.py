"""Weekends and holidays: every feed is empty, and the site must not gain an empty day page or lose its front page."""

import shutil
from pathlib import Path

import feedparser

import build
from digest.archive import Archive

ROOT = Path(__file__).resolve().parent.parent
EMPTY_RSS = ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>updates on arXiv.org</title>'
             "<link>http://rss.arxiv.org/rss/cs.LG</link><description>No new papers</description>"
             "<skipDays><day>Saturday</day><day>Sunday</day></skipDays></channel></rss>\n")
EMPTY_RDF = ('<?xml version="1.0" encoding="UTF-8"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
             'xmlns="http://purl.org/rss/1.0/"><channel rdf:about="https://connect.biorxiv.org/"><title>bioRxiv</title>'
             "<items><rdf:Seq/></items></channel></rdf:RDF>\n")
EMPTY_ATOM = '<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom"><title>PLOS</title></feed>\n'


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def card_ids(page: Path) -> list[str]:
    return [part.split('"', 1)[0] for part in page.read_text(encoding="utf-8").split('<article class="card" id="')[1:]]


def test_weekend_runs_add_no_day_and_keep_the_front_page(tmp_path, capsys):
    shutil.copytree(ROOT / "demo", tmp_path / "demo", ignore=shutil.ignore_patterns("content"))
    feeds = tmp_path / "demo" / "feeds"
    for weekend_day in ("2026-06-20", "2026-06-21"):
        (feeds / weekend_day).mkdir()
        for path in (feeds / "2026-06-17").iterdir():
            empty = EMPTY_RDF if "rxiv" in path.name and "arxiv" not in path.name or "nature" in path.name else EMPTY_RSS
            (feeds / weekend_day / path.name).write_text(EMPTY_ATOM if "plos" in path.name else empty, encoding="utf-8")
    args = ["--config", str(tmp_path / "demo" / "sources.yaml"), "--content", str(tmp_path / "content"),
            "--site", str(tmp_path / "site")]
    for day in ("2026-06-16", "2026-06-17"):
        assert build.main([*args, "--date", day]) == 0
    site = tmp_path / "site"
    before = tree(site)
    front_before = card_ids(site / "index.html")
    assert front_before == card_ids(site / "2026-06-17" / "index.html") and len(front_before) > 20

    for day in ("2026-06-20", "2026-06-21"):
        capsys.readouterr()
        assert build.main([*args, "--date", day]) == 0
        out = capsys.readouterr().out
        assert out.count(" no announcement ") >= 11, out  # every source says it was empty, none claims success
        assert "0 new papers" in out

    state = Archive(tmp_path / "content").read_state()
    assert state.last_run == "2026-06-21"
    assert {s.status for s in state.sources.values()} == {"empty"}
    assert [d.day.isoformat() for d in Archive(tmp_path / "content").read_days() if d.papers] == ["2026-06-16", "2026-06-17"]
    assert not (site / "2026-06-20").exists() and not (site / "2026-06-21").exists()
    after = tree(site)
    changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    assert changed == {"status/index.html"}, changed  # the front page, feeds, archive and sitemap are untouched
    assert card_ids(site / "index.html") == front_before
    assert len(feedparser.parse((site / "feed.xml").read_bytes()).entries) == 83  # a quiet weekend keeps the feed full
    assert "2026-06-20" not in (site / "archive" / "index.html").read_text(encoding="utf-8")
