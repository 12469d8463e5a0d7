"""Incremental render: only pages whose inputs changed are rendered, and the result equals a full render."""

import hashlib
import json
import os
import shutil
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from digest.archive import Archive, Day, State
from digest.config import load_config
from digest.papers import Paper, Update
from digest.site import render_archive
from digest.site.blocks import BLOCKS
from digest.site.frames import FRAMES
from digest.site.index import ArchiveDays
from digest.site.search import CACHE
from digest.site.searchrows import read_rows
from digest.site.writer import MANIFEST, MONTHS, RENDERING, read_manifest, read_part

ROOT = Path(__file__).resolve().parent.parent
FIRST = date(2026, 6, 1)


def paper(n: int, day: date, topics=("cs.LG",)) -> Paper:
    # Every seventh paper is by an author on the demo's radar: the radar page gathers them across days.
    authors = ("Ada Lovelace", "Chiwun Yang") if n % 7 == 5 else ("Ada Lovelace",)
    return Paper(id=f"arXiv:2606.{10000 + n}", title=f"Paper {n}", authors=authors,
                 abstract=f"Abstract of paper {n}. It has two sentences.", url=f"https://arxiv.org/abs/2606.{10000 + n}",
                 day=day, sources=("arxiv-cs-lg",), topics=topics, version=1, announce="new")


def add_day(archive: Archive, i: int, updates=()) -> date:
    day = FIRST + timedelta(days=i)
    papers = tuple(paper(i * 10 + k, day, ("cs.LG", "cs.AI") if k % 2 else ("cs.LG",)) for k in range(3))
    archive.write_day(Day(day, papers, tuple(updates)))
    return day


def tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != MANIFEST
            and not p.relative_to(folder).as_posix().startswith((CACHE, FRAMES, BLOCKS, MONTHS))}   # the render's caches, not deployed


@pytest.fixture
def setup(tmp_path):
    config = load_config(ROOT / "demo" / "sources.yaml")
    # Full cards on every day: forty days pass the default window (site.full_days, 30).
    config = replace(config, site=replace(config.site, full_days=365))
    archive = Archive(tmp_path / "content")
    for i in range(20):
        add_day(archive, i)
    archive.write_state(State())
    return config, archive, tmp_path / "site"


def test_noop_render_writes_nothing(setup):
    config, archive, site = setup
    first = render_archive(config, archive, site)
    assert first.written > 20 * 3 and first.days == 20 and first.papers == 60
    again = render_archive(config, archive, site)
    assert (again.written, again.removed) == (0, 0)


def test_new_day_rewrites_only_what_changed_and_equals_a_full_render(setup, tmp_path):
    config, archive, site = setup
    render_archive(config, archive, site)
    before = tree(site)
    # The new day also announces v2 of a paper from day 10 (in the 14-day feed window): that day's card must
    # say so; and v2 of a paper from day 3 (older): its day page stays as it was, the new day lists it.
    update = Update("arXiv:2606.10100", 2, "Paper 100", "https://arxiv.org/abs/2606.10100", ("arxiv-cs-lg",), "replace")
    old = Update("arXiv:2606.10030", 2, "Paper 30", "https://arxiv.org/abs/2606.10030", ("arxiv-cs-lg",), "replace")
    new_day = add_day(archive, 20, [update, old])
    report = render_archive(config, archive, site)
    after = tree(site)
    changed = {rel for rel in after if before.get(rel) != after[rel]}
    assert f"{new_day}/index.html" in changed and "index.html" in changed and "feed.xml" in changed
    assert f"{FIRST + timedelta(days=19)}/index.html" in changed         # its "next day" link
    assert f"{FIRST + timedelta(days=10)}/index.html" in changed         # the card marked "updated to v2"
    assert f"{FIRST + timedelta(days=3)}/index.html" not in changed      # older than the feed window
    assert f"{FIRST + timedelta(days=5)}/index.html" not in changed      # an untouched day
    assert report.written == len(changed) < 40
    marked = (site / str(FIRST + timedelta(days=10)) / "index.html").read_text()
    card = marked.split('id="arXiv:2606.10100"', 1)[1].split("</article>", 1)[0]
    assert f"updated to v2 on {new_day}" in card
    assert "updated to" not in (site / str(FIRST + timedelta(days=3)) / "index.html").read_text()
    updates = (site / str(new_day) / "index.html").read_text().split('class="updates"', 1)[1]
    assert "Paper 100" in updates and "Paper 30" in updates
    assert "radar/index.html" in changed and "Paper 201" in (site / "radar" / "index.html").read_text()
    # The same archive rendered from scratch gives the same site, byte for byte.
    fresh = tmp_path / "fresh"
    render_archive(config, archive, fresh)
    assert tree(fresh) == after


def test_touched_but_unchanged_day_is_not_rerendered(setup):
    config, archive, site = setup
    render_archive(config, archive, site)
    path = archive.day_path(FIRST)
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))  # as a git checkout does
    assert render_archive(config, archive, site).written == 0


def test_edited_day_file_and_deleted_day_folder_are_rendered_again(setup):
    config, archive, site = setup
    render_archive(config, archive, site)
    before = tree(site)
    day = archive.read_day(FIRST)
    archive.write_day(Day(day.day, (*day.papers[:2], paper(999, FIRST))))
    shutil.rmtree(site / str(FIRST + timedelta(days=7)))
    (site / "index.html").unlink()   # a page at the top is looked at itself
    render_archive(config, archive, site)
    assert "Paper 999" in (site / str(FIRST) / "index.html").read_text()
    after = tree(site)
    assert after[f"{FIRST + timedelta(days=7)}/index.html"] == before[f"{FIRST + timedelta(days=7)}/index.html"]
    assert {rel for rel in before if rel.startswith(f"{FIRST + timedelta(days=7)}/")} <= set(after)
    assert "index.html" in after


def test_a_page_deleted_by_hand_is_trusted_to_be_there_until_a_render_is_killed(setup):
    # The manifest is trusted for a fresh page inside a folder (a no-op render looks at no page's file), so
    # one page deleted by hand stays missing; a render killed midway leaves its marker, and the next render
    # then checks every page's file.
    config, archive, site = setup
    render_archive(config, archive, site)
    page = site / str(FIRST + timedelta(days=7)) / "index.html"
    page.unlink()
    assert render_archive(config, archive, site).written == 0 and not page.exists()
    (site / RENDERING).touch()
    assert render_archive(config, archive, site).written == 1 and page.is_file()
    assert not (site / RENDERING).exists()


def test_template_or_config_change_rerenders_every_page(setup, tmp_path):
    config, archive, site = setup
    render_archive(config, archive, site)
    text = (ROOT / "demo" / "sources.yaml").read_text().replace("title: AcademicHub", "title: Renamed Hub", 1)
    (tmp_path / "sources.yaml").write_text(text)
    shutil.copytree(ROOT / "demo" / "feeds", tmp_path / "feeds")
    renamed = load_config(tmp_path / "sources.yaml")
    render_archive(renamed, archive, site)
    assert all("Renamed Hub" in p.read_text() for p in site.glob("2026-06-*/index.html"))
    assert all("Renamed Hub" in p.read_text() for p in site.glob("2026-06-*/*/index.html"))


def test_deleting_site_gives_the_same_result(setup):
    config, archive, site = setup
    render_archive(config, archive, site)
    before = tree(site)
    shutil.rmtree(site)
    render_archive(config, archive, site)
    assert tree(site) == before


def test_worker_processes_render_the_same_site(setup, tmp_path, monkeypatch):
    config, archive, site = setup
    for i in range(20, 40):
        add_day(archive, i)
    from digest.site import workers
    monkeypatch.setattr(workers, "PARALLEL_FROM", 10**6)
    serial = render_archive(config, archive, tmp_path / "serial")
    monkeypatch.setattr(workers, "PARALLEL_FROM", 2)
    parallel = render_archive(config, archive, site, batch=3)
    assert parallel.written == serial.written > 40 * 3
    assert tree(site) == tree(tmp_path / "serial")
    assert render_archive(config, archive, site).written == 0   # the workers' fingerprints were recorded


def test_a_heavy_day_rendered_beside_the_site_wide_pages_gives_the_same_site(setup, tmp_path, monkeypatch):
    """A new day of many cards is rendered in shares, by a worker and by this process once it has written the
    site-wide pages; the site and what the next render finds fresh are as a render in one process leaves them."""
    config, archive, site = setup
    config = replace(config, site=replace(config.site, page_size=1))   # three numbered pages a day
    from digest.site import workers
    from digest.site import tasks as render_tasks
    monkeypatch.setattr(workers, "PARALLEL_FROM", 10**6)
    render_archive(config, archive, tmp_path / "serial")
    render_archive(config, archive, site)
    add_day(archive, 20, updates=[Update("arXiv:2606.10190", 2, "Paper 190", "https://arxiv.org/abs/2606.10190",
                                         ("arxiv-cs-lg",), "replace")])
    serial = render_archive(config, archive, tmp_path / "serial")
    started = []
    real_start = workers.Started.__init__
    monkeypatch.setattr(workers.Started, "__init__", lambda self, work, tasks, count: started.append(
        (sum(not isinstance(t, str) for t in tasks), "search index" in tasks, count))
                        or real_start(self, work, tasks, count))
    monkeypatch.setattr(render_tasks, "BESIDE_FROM", 1)
    monkeypatch.setattr(render_tasks, "SHARE_PAGES", 1)
    beside = render_archive(config, archive, site)
    # Four tasks of day jobs: the new day's first page and page 2, the day before's pages that link it, then the new
    # day's day-and-topic pages and its page 3; the site-wide pages, the search index among them, as steps; one worker.
    assert started[-1] == (4, True, 1) or os.cpu_count() == 1
    assert beside.written == serial.written > 1
    assert tree(site) == tree(tmp_path / "serial")
    assert render_archive(config, archive, site).written == 0   # the worker's fingerprints were recorded


def test_a_failing_day_job_beside_the_site_wide_pages_stops_the_render(setup, monkeypatch):
    """A day job's exception in the worker reaches the render, which writes no manifest claiming its pages."""
    config, archive, site = setup
    from digest.site import tasks as render_tasks
    from digest.site.pages import DayPages
    monkeypatch.setattr(render_tasks, "BESIDE_FROM", 1)
    render_archive(config, archive, site)
    add_day(archive, 20)

    def broken(self, jobs):
        raise ValueError("a day job broke")
    monkeypatch.setattr(DayPages, "render", broken)
    with pytest.raises(ValueError, match="a day job broke"):
        render_archive(config, archive, site)
    monkeypatch.undo()
    assert render_archive(config, archive, site).written > 0   # the next render makes the new day's pages


def test_a_new_stored_briefing_rerenders_its_day_front_page_and_briefing_feed(setup):
    from digest.archive import Briefing
    config, archive, site = setup
    render_archive(config, archive, site)
    latest = FIRST + timedelta(days=19)
    before = tree(site)
    archive.write_briefing(Briefing(latest, "en", "test-model", "v1", "", "Today: **Paper 190** leads [01](#arXiv:2606.10190)."))
    report = render_archive(config, archive, site)
    after = tree(site)
    changed = {rel for rel in after if after[rel] != before.get(rel)}
    assert {"index.html", f"{latest.isoformat()}/index.html", "briefing.xml"} <= changed
    assert f"{(latest - timedelta(days=1)).isoformat()}/index.html" not in changed
    assert "Paper 190</strong> leads" in (site / "index.html").read_text()
    assert report.written == len(changed)


def search_titles(site: Path) -> list[str]:
    """The titles in every rows file of the site's search index."""
    return [str(row[2]) for path in sorted((site / "search").glob("*.rows")) for row in read_rows(path.read_bytes())]


def days_read(monkeypatch) -> list[str]:
    """The days the archive parses from now on (filled in as it reads them)."""
    read: list[str] = []
    parse = Archive.parse_day
    monkeypatch.setattr(Archive, "parse_day", lambda self, path, raw: read.append(path.stem) or parse(self, path, raw))
    return read


def test_a_new_day_reuses_its_months_search_terms_instead_of_reading_the_other_days(setup, tmp_path, monkeypatch):
    config, archive, site = setup
    render_archive(config, archive, site)
    read = days_read(monkeypatch)
    new_day = add_day(archive, 20)
    render_archive(config, archive, site)
    # Only the new day and the feed window's days (feeds, topic pages) are read; the month's segment as the last
    # render left it gets the new day appended.
    window = {str(new_day - timedelta(days=k)) for k in range(config.site.feed_days)}
    assert str(new_day) in read and set(read) <= window
    assert read.count(str(new_day)) == 1   # the day index hands the day it parsed to the day's pages
    titles = search_titles(site)
    assert "Paper 10" in titles and "Paper 200" in titles
    fresh = tmp_path / "fresh"
    render_archive(config, archive, fresh)
    assert tree(fresh) == tree(site)


def test_a_search_cache_not_written_by_us_is_rebuilt_from_the_days(setup, tmp_path):
    config, archive, site = setup
    render_archive(config, archive, site)
    for path in (site / CACHE / "days").glob("*.json"):
        path.write_text('{"mark": "x", "rows": [[1], "x"]}')
    (site / CACHE / "segments.json").write_text('{"2026-06": {"fingerprint": 1, "parts": "x"}}')
    add_day(archive, 20)
    render_archive(config, archive, site)
    fresh = tmp_path / "fresh"
    render_archive(config, archive, fresh)
    assert tree(fresh) == tree(site)
    assert len(search_titles(site)) == 63


def test_a_month_written_by_other_code_is_rebuilt_not_appended_to(setup, tmp_path, monkeypatch):
    # Another version of the code may have written another format (a site/ restored from the cache after an
    # upgrade): its segments are not appended to, even when the new day is the only one missing.
    config, archive, site = setup
    render_archive(config, archive, site)
    for path in (site / "search").glob("*.post"):
        path.write_bytes(b"\xff" * path.stat().st_size)   # bytes this code cannot read
    import digest.site as site_module
    monkeypatch.setattr(site_module, "code_version", lambda: "another version")
    add_day(archive, 20)
    render_archive(config, archive, site)
    fresh = tmp_path / "fresh"
    render_archive(config, archive, fresh)
    assert tree(fresh) == tree(site)


def test_compiled_templates_are_kept_per_checkout_and_code_version(setup, monkeypatch, tmp_path):
    import tempfile

    from digest.site.env import template_env
    from digest.site.writer import code_version
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))   # Jinja's per-user cache folder lives here
    (tmp_path / "tmp").mkdir()
    template_env()   # makes the folders
    private = next((tmp_path / "tmp").iterdir())   # Jinja's, private to the user
    mine = next(private.iterdir())                 # this checkout's
    stale = mine / "0123456789abcdef01234567-x.cache"
    stale.write_bytes(b"from an earlier version of the code")
    old_layout = private / "academichub-0123456789abcdef01234567-x.cache"   # before the checkouts' folders
    old_layout.write_bytes(b"from an earlier version of the code")
    other = private / "academichub-0123456789ab" / "0123456789abcdef01234567-x.cache"
    other.parent.mkdir()
    other.write_bytes(b"another checkout's, of other code (a worktree)")
    config, archive, site = setup
    render_archive(config, archive, site)
    kept = sorted(p.name for p in mine.iterdir())
    assert kept and all(name.startswith(f"{code_version()}-") for name in kept)
    assert not stale.exists() and not old_layout.exists()
    assert other.exists()   # two checkouts rendering in turn no longer compile every template each time


def test_a_new_version_rerenders_only_the_numbered_page_holding_its_card(setup):
    config, archive, site = setup
    config = replace(config, site=replace(config.site, page_size=1))   # each day: index.html, page/2, page/3
    render_archive(config, archive, site)
    before = read_manifest(site / MANIFEST)["pages"]
    day = FIRST + timedelta(days=10)   # in the feed window: its cards get the "updated to" mark
    third = archive.read_day(day).papers[2]
    add_day(archive, 20, [Update(third.id, 2, third.title, third.url, third.sources, "replace")])
    render_archive(config, archive, site)
    after = read_manifest(site / MANIFEST)["pages"]
    assert f"updated to v2 on {FIRST + timedelta(days=20)}" in (site / f"{day}/page/3/index.html").read_text()
    assert after[f"{day}/page/3/index.html"] != before[f"{day}/page/3/index.html"]
    assert after[f"{day}/page/2/index.html"] == before[f"{day}/page/2/index.html"]   # not even rendered
    # Nor the first page, with its briefing: it holds no card the new version marks.
    assert after[f"{day}/index.html"] == before[f"{day}/index.html"]
    assert after[f"{FIRST + timedelta(days=9)}/page/2/index.html"] == before[f"{FIRST + timedelta(days=9)}/page/2/index.html"]


def test_a_day_leaving_the_feed_window_keeps_its_marks_and_is_not_rendered_again(setup, tmp_path):
    # A card keeps the new versions announced while its day was in the feed window (DayIndex.marks_until): the day
    # that leaves it is not rendered again to drop them, and a later version no longer touches it.
    config, archive, site = setup
    config = replace(config, site=replace(config.site, page_size=1))   # each day: index.html, page/2, page/3
    day = FIRST + timedelta(days=10)
    third = archive.read_day(day).papers[2]
    add_day(archive, 20, [Update(third.id, 2, third.title, third.url, third.sources, "replace")])
    render_archive(config, archive, site)
    before = read_manifest(site / MANIFEST)["pages"]
    for i in range(21, 25):   # the 14-day window moves past day 10 (its last day in it: day 23)
        add_day(archive, i)
    latest = add_day(archive, 25, [Update(third.id, 3, third.title, third.url, third.sources, "replace")])
    render_archive(config, archive, site)
    after = read_manifest(site / MANIFEST)["pages"]
    page = f"{day}/page/3/index.html"
    assert after[page] == before[page]   # not rendered again
    card = (site / page).read_text().split(f'id="{third.id}"', 1)[1].split("</article>", 1)[0]
    assert f"updated to v2 on {FIRST + timedelta(days=20)}" in card and "v3" not in card
    assert third.title in (site / f"{latest}/index.html").read_text().split('class="updates"', 1)[1]
    fresh = tmp_path / "fresh"
    render_archive(config, archive, fresh)
    assert tree(fresh) == tree(site)


def test_a_new_day_rerenders_only_the_first_page_of_the_day_before(setup):
    # A numbered page links the previous day, not the next (SitePlan.day_more_page): a new day costs the day
    # before it one page, not its ~75 numbered pages.
    config, archive, site = setup
    config = replace(config, site=replace(config.site, page_size=1))   # each day: index.html, page/2, page/3
    render_archive(config, archive, site)
    before = read_manifest(site / MANIFEST)["pages"]
    last = FIRST + timedelta(days=19)
    new_day = add_day(archive, 20)
    render_archive(config, archive, site)
    after = read_manifest(site / MANIFEST)["pages"]
    assert after[f"{last}/index.html"] != before[f"{last}/index.html"]
    assert f'href="../{new_day}/">' in (site / f"{last}/index.html").read_text()          # its "next day" link
    assert [after[f"{last}/page/{n}/index.html"] == before[f"{last}/page/{n}/index.html"] for n in (2, 3)] == [True, True]
    numbered = (site / f"{new_day}/page/2/index.html").read_text()
    assert f'href="../../../{last}/"' in numbered and 'rel="next" href' not in numbered


def test_a_day_gone_compact_gets_its_search_links_again_without_rebuilding_its_month(setup, tmp_path, monkeypatch):
    from dataclasses import replace
    config, archive, site = setup
    config = replace(config, site=replace(config.site, full_days=3))
    render_archive(config, archive, site)
    read = days_read(monkeypatch)
    new_day = add_day(archive, 20)
    render_archive(config, archive, site)
    gone = str(new_day - timedelta(days=3))             # it left the three full days: its cards are compact now
    rows = [row for path in (site / "search").glob("*.rows") for row in read_rows(path.read_bytes()) if row[1] == gone]
    assert rows and all(str(row[6]).startswith(f"{gone}/") for row in rows)
    # The month's days outside the feed window are not read: the links come from the layouts, the terms stay.
    assert set(read) <= {str(new_day - timedelta(days=k)) for k in range(config.site.feed_days)}
    fresh = tmp_path / "fresh"
    render_archive(config, archive, fresh)
    assert tree(fresh) == tree(site)


def test_search_work_follows_the_new_day_not_the_archive(setup, monkeypatch):
    # Only the new day is tokenised (the day before it is re-rendered for its "next day" link, its terms are in
    # its segment already), and a render that changes no segment neither reads nor rewrites the dictionary.
    import digest.site.search as search
    config, archive, site = setup
    render_archive(config, archive, site, batch=100)   # one batch: the day jobs run in this process
    tokenised: list[str] = []
    day_rows = search.day_rows
    monkeypatch.setattr(search, "day_rows", lambda papers, *a: tokenised.append(str(papers[0].day)) or day_rows(papers, *a))
    dictionaries: list[int] = []
    chunks_of = search.chunks_of
    monkeypatch.setattr(search, "chunks_of", lambda data: dictionaries.append(len(data)) or chunks_of(data))
    assert render_archive(config, archive, site, batch=100).written == 0 and dictionaries == []
    new_day = add_day(archive, 20)
    render_archive(config, archive, site, batch=100)
    assert tokenised == [str(new_day)] and dictionaries


def test_topic_pages_and_feeds_build_only_the_new_days_entries_and_an_edited_day_again(setup, tmp_path, monkeypatch):
    from digest.site.blocks import Blocks
    from digest.site.pages import SitePages
    config, archive, site = setup
    render_archive(config, archive, site)
    built: list[date] = []
    entry = SitePages.topic_entry
    monkeypatch.setattr(SitePages, "topic_entry", lambda self, day, *rest: built.append(day) or entry(self, day, *rest))
    missed: list[str] = []   # the blocks files of the pieces made again
    get = Blocks.get
    monkeypatch.setattr(Blocks, "get", lambda self, key: get(self, key) or missed.append(self.folder.name))
    new_day = add_day(archive, 20)
    render_archive(config, archive, site)
    # The topic pages list seven days each, the topic feeds fourteen: the older ones come from their kept entries
    # (site/blocks.py), only the new day's are made.
    assert built and set(built) == {new_day}
    # (The new day's piece of its week's page is made with its day pages, not asked of its blocks: the next tests.)
    # The radar's page and feed likewise: the new day has papers on the radar (paper()), the older days' are kept.
    # And the weeks' feed: only the new day's week's entry is made again.
    assert sorted(missed) == ["briefing-feed", "feed-cs.AI", "feed-cs.LG", "radar", "radar-feed", "topic-cs.AI",
                              "topic-cs.LG", "weeks-feed"]
    assert "Paper 200" in (site / "topics" / "cs.LG" / "feed.xml").read_text()
    assert "Paper 200" in (site / "topics" / "cs.LG" / "index.html").read_text()
    # A listed day edited: its entries are built again, not served from the cache.
    built.clear()
    edited = new_day - timedelta(days=3)
    day = archive.read_day(edited)
    archive.write_day(Day(day.day, (*day.papers[:2], paper(998, edited))))
    render_archive(config, archive, site)
    assert edited in built and new_day not in built
    assert "Paper 998" in (site / "topics" / "cs.LG" / "index.html").read_text()
    fresh = tmp_path / "fresh"
    render_archive(config, archive, fresh)
    assert tree(fresh) == tree(site)


def test_the_radar_builds_only_the_new_days_entries_and_an_edited_day_again(setup, tmp_path, monkeypatch):
    from digest.site.pages import SitePages
    config, archive, site = setup
    render_archive(config, archive, site)
    built: list[date] = []
    entry = SitePages.radar_entry
    monkeypatch.setattr(SitePages, "radar_entry", lambda self, info, *rest: built.append(info.day) or entry(self, info, *rest))
    new_day = add_day(archive, 20)   # Paper 201 is on the radar (paper())
    render_archive(config, archive, site)
    assert built == [new_day]
    page, feed = site / "radar" / "index.html", site / "radar" / "feed.xml"
    assert "Paper 201" in page.read_text() and "Paper 201" in feed.read_text()
    built.clear()
    edited = FIRST + timedelta(days=18)   # its first paper, Paper 180, is on the radar
    assert "Paper 180" in page.read_text()
    day = archive.read_day(edited)
    archive.write_day(Day(day.day, day.papers[1:]))
    render_archive(config, archive, site)
    assert "Paper 180" not in page.read_text() and "Paper 180" not in feed.read_text()
    fresh = tmp_path / "fresh"
    render_archive(config, archive, fresh)
    assert tree(fresh) == tree(site)


def test_a_week_page_builds_only_its_new_days_piece_and_an_edited_day_again(setup, tmp_path, monkeypatch):
    from digest.site.weeks import Weeks
    config, archive, site = setup
    render_archive(config, archive, site)
    built: list[date] = []
    piece = Weeks.day_piece
    monkeypatch.setattr(Weeks, "day_piece", lambda self, info, day: built.append(info.day) or piece(self, info, day))
    entries: list[str] = []   # the weeks whose feed entry was made
    feed_html = Weeks.feed_html
    monkeypatch.setattr(Weeks, "feed_html", lambda self, week, infos: entries.append(week) or feed_html(self, week, infos))
    new_day = add_day(archive, 20)   # a Sunday: its week's six other days are in the archive already
    week = site / "weeks" / "2026-W25" / "index.html"
    render_archive(config, archive, site)
    # The other days' entries and counts come from what the page kept of them (site/blocks.py).
    assert built == [new_day] and "Paper 200" in week.read_text()
    assert entries == ["2026-W25"] and "2026-W25/" in (site / "weeks" / "feed.xml").read_text()
    built.clear()
    edited = new_day - timedelta(days=3)
    day = archive.read_day(edited)
    archive.write_day(Day(day.day, (*day.papers[:2], paper(997, edited, ("cs.AI",)))))
    render_archive(config, archive, site)
    assert built == [edited] and "Paper 997" in week.read_text() and "Paper 172" not in week.read_text()
    fresh = tmp_path / "fresh"
    render_archive(config, archive, fresh)
    assert tree(fresh) == tree(site)


def test_a_full_render_reads_each_day_once_its_week_pages_taking_their_pieces_from_the_day_pages(setup, monkeypatch):
    config, archive, site = setup
    read = days_read(monkeypatch)
    # What the day index reads (this process takes its share of the index's tasks from its workers) is not counted.
    index = ArchiveDays.index
    monkeypatch.setattr(ArchiveDays, "index", lambda self, *args: (index(self, *args), read.clear())[0])
    render_archive(config, archive, site, batch=100)   # one batch: the day jobs run in this process, seen here
    # Only the feed window's days stay in memory: the week pages read the older ones a second time, but for this.
    # A month's first day is read once more, before the day jobs, to learn which CJK pairs its search segment
    # keeps (SearchIndex.plan_pairs), unless it is in the feed window.
    assert len(set(read)) == 20
    firsts = {min(d for d in read if d[:7] == month) for month in {d[:7] for d in read}}
    assert {d for d in read if read.count(d) > 1} <= firsts and max(read.count(d) for d in read) <= 2
    assert "Paper 1<" in (site / "weeks" / "2026-W23" / "index.html").read_text()   # the first day's week


def test_a_new_day_rewrites_only_its_months_part_of_the_manifest_and_a_lost_part_is_made_again(setup, tmp_path):
    config, archive, site = setup
    may = date(2026, 5, 29)
    archive.write_day(Day(may, (paper(999, may),)))
    render_archive(config, archive, site)
    parts = site / MONTHS
    assert sorted(p.name for p in parts.iterdir()) == ["2026-05", "2026-06"]
    stamps = {p.name: p.stat().st_mtime_ns for p in parts.iterdir()}
    main = read_manifest(site / MANIFEST)
    assert f"{may}/index.html" in main["pages"] and f"{may}.json" in main["days"]   # merged from its month's part
    assert f"{may}/index.html" not in (read_part(site / MANIFEST) or {})["pages"]
    new_day = add_day(archive, 20)
    render_archive(config, archive, site)
    assert {p.name: p.stat().st_mtime_ns == stamps[p.name] for p in parts.iterdir()} == {"2026-05": True,
                                                                                         "2026-06": False}
    assert f"{new_day}/index.html" in read_manifest(site / MANIFEST)["pages"]
    # A lost part is a cache miss: its month's pages are rendered again and recorded (the other part is left be).
    (parts / "2026-06").unlink()
    render_archive(config, archive, site)
    restored = read_part(parts / "2026-06") or {}
    assert f"{new_day}/index.html" in restored["pages"] and f"{new_day}.json" in restored["days"]
    assert (parts / "2026-05").stat().st_mtime_ns == stamps["2026-05"]
    fresh = tmp_path / "fresh"
    render_archive(config, archive, fresh)
    assert tree(fresh) == tree(site)
    assert render_archive(config, archive, site).written == 0


def test_a_manifest_of_an_older_version_or_a_damaged_part_renders_again_what_it_held(setup, tmp_path):
    config, archive, site = setup
    render_archive(config, archive, site)
    part = site / MONTHS / "2026-06"
    # A part's days' texts come after its JSON line, and must add up to the lengths it gives.
    whole = part.read_bytes()
    assert read_part(part)["days"] == read_manifest(site / MANIFEST)["days"]
    part.write_bytes(whole[:-1])
    assert read_part(part) is None
    gone = site / "2026-06-03" / "stray.html"   # a file the old manifest listed: still removed
    gone.write_text("old")
    # A version 5 manifest (one JSON, the texts inside it): its file names are kept for removal, nothing else.
    old = read_manifest(site / MANIFEST)
    (site / MANIFEST).write_text(json.dumps({"version": 5, "files": {**old["files"], "2026-06-03/stray.html": 3},
                                             "pages": old["pages"], "days": {}}))
    shutil.rmtree(site / MONTHS)
    assert read_manifest(site / MANIFEST)["pages"] == {}
    assert render_archive(config, archive, site).removed == 1 and not gone.exists()
    fresh = tmp_path / "fresh"
    render_archive(config, archive, fresh)
    assert tree(fresh) == tree(site)
    assert read_manifest(site / MANIFEST)["days"] == read_manifest(fresh / MANIFEST)["days"]
    assert render_archive(config, archive, site).written == 0


def test_a_later_version_remakes_only_its_papers_entry_in_the_topic_feeds(setup, tmp_path, monkeypatch):
    from digest.site.feeds import Feeds
    config, archive, site = setup
    render_archive(config, archive, site)
    made: list[tuple[str, str]] = []   # (topic, paper id) of each entry a topic feed made
    feed_block = Feeds.feed_block

    def spy(self, info, topic, kept, marks):
        item = self.item
        self.item = lambda paper, card: made.append((topic, paper.id)) or item(paper, card)
        try:
            return feed_block(self, info, topic, kept, marks)
        finally:
            del self.item

    monkeypatch.setattr(Feeds, "feed_block", spy)
    day = FIRST + timedelta(days=15)   # in the feed window
    marked = archive.read_day(day).papers[1]   # on cs.LG and cs.AI
    new_day = add_day(archive, 20, [Update(marked.id, 2, marked.title, marked.url, marked.sources, "replace")])
    render_archive(config, archive, site)
    new_ids = {p.id for p in archive.read_day(new_day).papers}
    # The new day's entries are made, and of the marked day only the marked paper's, in both its topics' feeds.
    assert {pid for _, pid in made} >= new_ids
    assert sorted(entry for entry in made if entry[1] not in new_ids) == [("cs.AI", marked.id), ("cs.LG", marked.id)]
    for topic in ("cs.LG", "cs.AI"):
        assert f"updated to v2 on {new_day}" in (site / "topics" / topic / "feed.xml").read_text()
    fresh = tmp_path / "fresh"
    render_archive(config, archive, fresh)
    assert tree(fresh) == tree(site)


def test_a_new_day_writes_only_its_own_pieces_and_removes_those_no_page_uses(setup):
    config, archive, site = setup
    render_archive(config, archive, site)
    folder = site / BLOCKS / "topic-cs.LG"   # seven days' entries (plan.RECENT_DAYS), one file each
    before = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    assert len(before) == 7
    add_day(archive, 20)
    render_archive(config, archive, site)
    after = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    assert len(after) == 7 and len(after.keys() - before.keys()) == 1   # the new day's piece; the oldest day's gone
    assert all(after[name] == before[name] for name in after.keys() & before.keys())   # the others not rewritten


def test_a_related_link_fingerprints_only_the_numbered_page_holding_its_card(setup):
    from digest.vectors import Related, VectorStore
    config, archive, site = setup
    config = replace(config, site=replace(config.site, page_size=1))   # each day: index.html, page/2, page/3
    day, linked = FIRST + timedelta(days=19), FIRST + timedelta(days=18)
    first, second, third = archive.read_day(day).papers
    target = archive.read_day(linked).papers[0]
    store = VectorStore(archive)
    store.write_related(day, "k", {second.id: [Related(target.id, linked, target.title)]})
    render_archive(config, archive, site)
    before = read_manifest(site / MANIFEST)["pages"]
    assert f"../../../{linked}/#" in (site / f"{day}/page/2/index.html").read_text()   # the link, to its card
    store.write_related(day, "k", {third.id: [Related(target.id, linked, target.title)]})
    render_archive(config, archive, site)
    after = read_manifest(site / MANIFEST)["pages"]
    changed = {n for n, rel in ((1, f"{day}/index.html"), (2, f"{day}/page/2/index.html"),
                                (3, f"{day}/page/3/index.html")) if before[rel] != after[rel]}
    assert changed == {2, 3} and f"{linked}/#" in (site / f"{day}/page/3/index.html").read_text()
    assert f"{linked}/#" not in (site / f"{day}/page/2/index.html").read_text()


def test_related_links_follow_a_linked_day_going_compact_and_a_noop_reads_no_related_file(setup, monkeypatch):
    # Planning trusts each day's summed-up related file (site/related.py) while the file's bytes hold: a no-op reads
    # none, also after a fresh checkout (every file new, as in the daily job), yet a linked card that moves (its day
    # leaves the full window) re-renders the page linking it.
    from digest.vectors import Related, VectorStore
    config, archive, site = setup
    config = replace(config, site=replace(config.site, page_size=1, full_days=15))   # day 5 is the window's oldest
    day, linked = FIRST + timedelta(days=19), FIRST + timedelta(days=5)
    second = archive.read_day(day).papers[1]
    target = archive.read_day(linked).papers[2]
    VectorStore(archive).write_related(day, "k", {second.id: [Related(target.id, linked, target.title)]})
    render_archive(config, archive, site)
    page = site / f"{day}/page/2/index.html"
    assert f'href="../../../{linked}/page/3/#{target.id}"' in page.read_text()   # a full card
    reads = []
    read_related = VectorStore.read_related
    monkeypatch.setattr(VectorStore, "read_related", lambda self, on: reads.append(on) or read_related(self, on))
    assert render_archive(config, archive, site).written == 0 and reads == []
    related_file = VectorStore(archive).related_path(day)
    os.utime(related_file, ns=(related_file.stat().st_atime_ns, related_file.stat().st_mtime_ns + 10**9))
    assert render_archive(config, archive, site).written == 0 and reads == []   # touched, not changed
    new_day = add_day(archive, 20)   # day 5 leaves the window: its cards become compact entries on its first page
    render_archive(config, archive, site)
    assert f'href="../../../{linked}/#{target.id}"' in page.read_text()
    assert set(reads) == {day, new_day}   # the page rendered again, and the new day's cards (it has no file)
    VectorStore(archive).write_related(day, "k", {})   # the file changes: its pages follow
    render_archive(config, archive, site)
    assert 'class="related"' not in page.read_text()
