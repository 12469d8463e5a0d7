"""The weekly digests (digest/site/weeks.py): the demo's week page links each entry to its card, the weeks' feed is
valid with and without a base URL, the page keeps the day page's budget, and a new day re-renders only its week."""

import re
from dataclasses import replace
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import feedparser
import pytest

from activecheck import site_problems
from digest.archive import Day, State
from digest.config import load_config
from digest.papers import Paper
from digest.site import render_site
from digest.site.plan import week_of
from feedcheck import feed_problems
from test_feeds_valid import BASE, demo_sites  # noqa: F401 - the demo built without and with a base URL

ROOT = Path(__file__).resolve().parent.parent
WEEK = "2026-W25"   # the demo's days, 2026-06-16 and 17


@pytest.fixture
def config():
    return load_config(ROOT / "demo" / "sources.yaml")


def links(page: Path, site: Path) -> list[tuple[Path, str]]:
    """The page's links into the site: (the file each names, its #fragment unquoted)."""
    base = "https://site.invalid/" + page.relative_to(site).as_posix()
    found = []
    for href in re.findall(r'href="([^"]+)"', page.read_text(encoding="utf-8")):
        url = urljoin(base, href.replace("&amp;", "&"))
        if not url.startswith("https://site.invalid/"):
            continue
        path = unquote(urlsplit(url).path.removeprefix("/"))
        found.append((site / path / "index.html" if path == "" or path.endswith("/") else site / path,
                      unquote(urlsplit(url).fragment)))
    return found


def broken_links(page: Path, site: Path) -> list[str]:
    broken = []
    for target, fragment in links(page, site):
        if not target.is_file():
            broken.append(f"{target} is not a file")
        elif fragment and f'id="{fragment}"' not in target.read_text(encoding="utf-8"):
            broken.append(f"{target} has no #{fragment}")
    return broken


def test_demo_week_page_links_every_entry_to_its_card(demo_sites):
    site, _ = demo_sites
    page = site / "weeks" / WEEK / "index.html"
    html = page.read_text(encoding="utf-8")
    assert broken_links(page, site) == []
    cards = [(t, f) for t, f in links(page, site) if f and t.parent.parent.name != "weeks"]
    assert len(cards) > 50   # the entries and the briefing's citations, every one an existing card
    assert {t.relative_to(site).parts[0] for t, _ in cards} == {"2026-06-16", "2026-06-17"}
    # The radar's papers open the page, before the cross-listed and the topics.
    assert html.index('<h2><a href="../../radar/">') < html.index('<h2><span data-i18n="week_across"') < html.index('<h2><a href="../../topics/')
    assert "Weekly briefing" in html and "counts taken from the week's papers" in html
    assert "本周论文的统计" in html   # the Chinese variant, for a reader who picks it
    assert [p for p in site_problems(site) if p.startswith("weeks/")] == []


def test_days_and_archive_link_their_week(demo_sites):
    site, based = demo_sites
    for day in ("2026-06-16", "2026-06-17"):
        assert f'href="../weeks/{WEEK}/"><span data-i18n="this_week">' in (site / day / "index.html").read_text()
        topic_pages = [page for page in (site / day).glob("*/index.html") if page.parent.name != "page"]
        assert len(topic_pages) == 10   # each day-and-topic page links the week too
        for page in topic_pages:
            assert f'href="../../weeks/{WEEK}/"><span data-i18n="this_week">' in page.read_text(), page
    assert f'href="./weeks/{WEEK}/"' in (site / "index.html").read_text()
    archive = (site / "archive" / "index.html").read_text()
    assert 'href="../weeks/"' in archive and 'href="../weeks/feed.xml"' in archive
    assert broken_links(site / "weeks" / "index.html", site) == []
    assert f"<loc>{BASE}weeks/{WEEK}/</loc>" in (based / "sitemap.xml").read_text()


def test_weeks_feed_is_valid_with_and_without_a_base_url(demo_sites):
    site, based = demo_sites
    assert feed_problems(site) == [] and feed_problems(based, BASE) == []
    for folder, base in ((site, ""), (based, BASE)):
        feed = feedparser.parse((folder / "weeks" / "feed.xml").read_bytes())
        assert not feed.bozo
        [entry] = feed.entries
        assert entry.title == f"Week {WEEK}" and "83 papers</strong> across" in entry.content[0].value
        # a radar paper cited by its day and number, linked to its card (absolutely with a base URL)
        assert f'<a href="{base}2026-06-16/#arXiv:2606.13504">06-16 #01</a> Learning Survival' in entry.content[0].value
        assert entry.published.startswith("2026-06-16") and entry.updated.startswith("2026-06-17")
    assert feedparser.parse((based / "weeks" / "feed.xml").read_bytes()).entries[0].id.startswith(
        "tag:example.github.io,2026-06-16:")


def paper(n, day, topics=("cs.LG",), authors=("Ana Souza", "Li Wei")):
    return Paper(id=f"arXiv:2606.{10000 + n}", title=f"Paper number {n} on sparse models", authors=authors,
                 abstract=f"Abstract of paper {n}.", url=f"https://arxiv.org/abs/2606.{10000 + n}", day=day,
                 sources=("arxiv-cs-lg",), topics=topics, version=1, announce="new")


def test_a_new_day_rewrites_only_its_week(tmp_path, config):
    friday, tuesday, wednesday = date(2026, 6, 12), date(2026, 6, 16), date(2026, 6, 17)
    days = [Day(friday, (paper(1, friday),)), Day(tuesday, (paper(2, tuesday, ("cs.LG", "cs.AI")),))]
    render_site(config, days, State(), tmp_path)
    old_week, this_week = (tmp_path / "weeks" / w / "index.html" for w in ("2026-W24", "2026-W25"))
    stamps = old_week.stat().st_mtime_ns, this_week.stat().st_mtime_ns
    render_site(config, days + [Day(wednesday, (paper(3, wednesday),))], State(), tmp_path)
    assert old_week.stat().st_mtime_ns == stamps[0]          # its days are unchanged: not rendered again
    assert this_week.stat().st_mtime_ns != stamps[1]
    assert "2606.10003" in this_week.read_text() and "2606.10003" not in old_week.read_text()
    feed = feedparser.parse((tmp_path / "weeks" / "feed.xml").read_bytes())
    assert [e.title for e in feed.entries] == ["Week 2026-W25", "Week 2026-W24"]
    assert broken_links(this_week, tmp_path) == [] and broken_links(old_week, tmp_path) == []


def test_compact_days_keep_their_week_linked_to_the_compact_page(tmp_path, config):
    config = replace(config, site=replace(config.site, full_days=1))
    monday, tuesday = date(2026, 6, 15), date(2026, 6, 16)
    render_site(config, [Day(monday, (paper(1, monday),)), Day(tuesday, (paper(2, tuesday),))], State(), tmp_path)
    page = tmp_path / "weeks" / week_of(monday) / "index.html"
    assert 'href="../../2026-06-15/#arXiv:2606.10001"' in page.read_text()   # the compact day's entry
    assert 'href="../../2026-06-15/">2026-06-15 (1)' in page.read_text()      # no day-and-topic page to link
    assert broken_links(page, tmp_path) == []


class Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.count = 0

    def handle_starttag(self, tag, attrs):
        self.count += 1


def test_a_crowded_week_keeps_the_page_budget_and_every_topic(tmp_path, config):
    """Papers with long author lists (each entry carries them for the follow filter) on every topic: the page stays
    within the day page's budget (issue 14: 150 KB, 1,500 elements) and still opens every topic with its best."""
    topics = tuple(config.topics)
    crowd = tuple(f"Author Number {i} Of A Large Collaboration" for i in range(60))
    days = []
    for d in range(5):
        on = date(2026, 6, 15) + timedelta(days=d)
        days.append(Day(on, tuple(paper(d * 100 + i, on, (topics[i % len(topics)], topics[(i + d) % len(topics)]),
                                        crowd) for i in range(60))))
    render_site(config, days, State(), tmp_path)
    page = tmp_path / "weeks" / "2026-W25" / "index.html"
    html = page.read_text(encoding="utf-8")
    elements = Elements()
    elements.feed(html)
    assert len(html.encode()) <= 150_000 and elements.count <= 1_500
    assert html.count('<li class="entry') < 300 * 2   # not every listing fits: the budget chose
    for tid in topics:
        section = html.split(f'data-i18n="topic.{tid}"', 1)[1].split("</section>", 1)[0]
        assert '<li class="entry' in section, tid
        assert f'href="../../2026-06-15/{tid}/"' in section or f'href="../../2026-06-16/{tid}/"' in section, tid
    assert broken_links(page, tmp_path) == []
