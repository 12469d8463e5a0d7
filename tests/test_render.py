import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import feedparser
import pytest

from digest.archive import Day, SourceState, State
from digest.config import load_config
from digest.papers import Paper, Update
from digest.site import render_site
from test_site_features import OWN_SCRIPT   # our own scripts, the one list of them

ROOT = Path(__file__).resolve().parent.parent
D1, D2 = date(2026, 6, 16), date(2026, 6, 17)
HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(3)>'


@pytest.fixture
def config():
    return load_config(ROOT / "demo" / "sources.yaml")


def paper(n, day, **kw):
    values = dict(id=f"arXiv:2606.{10000 + n}", title=f"Paper number {n}", authors=("Chiwun Yang", "Jane Doe"),
                  abstract="First sentence of the abstract. Second sentence. Third one here.",
                  url=f"https://arxiv.org/abs/2606.{10000 + n}", day=day, sources=("arxiv-cs-lg",),
                  topics=("cs.LG", "stat.ML"), version=1, announce="new")
    values.update(kw)
    return Paper(**values)


def days():
    return [Day(D1, tuple(paper(i, D1) for i in range(1, 13))),
            Day(D2, (paper(20, D2, sources=("arxiv-cs-cv",), topics=("cs.CV",)), paper(21, D2)),
                (Update("arXiv:2606.10001", 2, "Paper number 1", "https://arxiv.org/abs/2606.10001", ("arxiv-cs-lg",), "replace"),))]


def test_page_map_and_numbered_cards(tmp_path, config):
    written, removed = render_site(config, days(), State(), tmp_path)
    for rel in ["index.html", "2026-06-16/index.html", "2026-06-17/index.html", "2026-06-16/cs.LG/index.html",
                "2026-06-17/cs.CV/index.html", "topics/cs.LG/index.html", "topics/cs.LG/feed.xml", "archive/index.html",
                "status/index.html", "feed.xml", "briefing.xml", "feeds.opml", "feeds/index.html", "sitemap.xml",
                "robots.txt", "404.html", "static/style.css"]:
        assert (tmp_path / rel).is_file(), rel
    day1 = (tmp_path / "2026-06-16" / "index.html").read_text()
    numbers = re.findall(r'<p class="num"><a href="[^"]*">(\d+)\.</a></p>', day1)
    assert numbers == [f"{i:02d}" for i in range(1, 13)]
    assert 'href="../static/style.css"' in day1 and 'rel="next" href="../2026-06-17/"' in day1
    assert "updated to v2 on 2026-06-17" in day1
    front = (tmp_path / "index.html").read_text()
    assert "Explore the Frontier of Global Academia" in front
    assert re.findall(r'<p class="num"><a href="[^"]*">(\d+)\.</a></p>', front) == ["01", "02"]
    assert 'rel="prev" href="./2026-06-16/"' in front
    assert "Updated versions" in front
    topic_day = (tmp_path / "2026-06-17" / "cs.CV" / "index.html").read_text()
    assert topic_day.count('class="entry"') == 1 and 'href="../../static/style.css"' in topic_day
    assert 'class="card"' not in topic_day and "First sentence of the abstract" in topic_day
    # no absolute link to any host but the papers' own (abstract page, PDF; the COinS names the first)
    for html in (day1, front, topic_day):
        html = re.sub(r'<span class="Z3988" title="[^"]*rft_id=https://arxiv\.org/abs/[^"]+"></span>', "", html)
        assert "http" not in re.sub(r'href="https://arxiv\.org/(abs|pdf)/[^"]+"', "", html).replace("http-equiv", "")


def test_second_render_writes_nothing_and_vanished_pages_are_removed(tmp_path, config):
    render_site(config, days(), State(), tmp_path)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    written, removed = render_site(config, days(), State(), tmp_path)
    assert (written, removed) == (0, 0)
    assert before == {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    written, removed = render_site(config, days()[:1], State(), tmp_path)
    assert not (tmp_path / "2026-06-17").exists() or not (tmp_path / "2026-06-17" / "index.html").exists()
    assert removed >= 2


def test_feeds_parse_back_and_keep_a_rolling_window(tmp_path, config):
    # RSS 2.0 needs full URLs: rss.xml is written only for a site with a base URL (the Atom feeds serve either way).
    config = replace(config, site=replace(config.site, base_url="https://example.github.io/hub/"))
    render_site(config, days(), State(), tmp_path)
    atom = feedparser.parse((tmp_path / "feed.xml").read_bytes())
    rss = feedparser.parse((tmp_path / "rss.xml").read_bytes())
    for feed in (atom, rss):
        assert not feed.bozo, feed.get("bozo_exception")
        assert len(feed.entries) == 14  # both days, not "today only"
        assert feed.entries[0].title == "Paper number 20"
    assert atom.entries[0].id == rss.entries[0].id == "tag:example.github.io,2026-06-17:/hub/arXiv:2606.10020"
    assert [a.name for a in atom.entries[-1].authors] == ["Chiwun Yang", "Jane Doe"]
    topic = feedparser.parse((tmp_path / "topics" / "cs.CV" / "feed.xml").read_bytes())
    assert not topic.bozo and [e.title for e in topic.entries] == ["Paper number 20"]


def test_hostile_text_and_links_never_become_active(tmp_path, config):
    bad = paper(1, D1, title=f"Title {HOSTILE}", abstract=f"Abstract {HOSTILE} and more.",
                authors=(f'Eve "><script>alert(4)</script>',), url="javascript:alert(5)")
    render_site(config, [Day(D1, (bad,))], State(sources={"arxiv-cs-lg": SourceState(last_error=HOSTILE, status="failed")}),
                tmp_path)
    for path in tmp_path.rglob("*"):
        if path.suffix in (".html", ".xml", ".opml"):
            text = path.read_text()
            assert "<script" not in OWN_SCRIPT.sub("", text).lower(), path
            # Outside the quoted attribute values (data attributes hold escaped feed text).
            assert not re.search(r"<[^>]+\son\w+\s*=", re.sub(r'"[^"]*"', '""', text)), path
            assert "javascript:" not in text.lower(), path
    day = (tmp_path / "2026-06-16" / "index.html").read_text()
    assert "Title &lt;script&gt;alert(1)&lt;/script&gt;" in day
    assert "javascript" not in day


def test_empty_archive_still_has_a_front_page(tmp_path, config):
    render_site(config, [Day(D1, ())], State(), tmp_path)
    assert "No papers yet" in (tmp_path / "index.html").read_text()
    assert not (tmp_path / "2026-06-16").exists()
    assert not feedparser.parse((tmp_path / "feed.xml").read_bytes()).bozo


def test_written_files_follow_the_umask_not_mkstemp(tmp_path):
    import os
    from digest.archive import write_atomic
    umask = os.umask(0)
    os.umask(umask)
    target = tmp_path / "page.html"
    assert write_atomic(target, b"x")
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
