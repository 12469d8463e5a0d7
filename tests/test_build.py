"""End to end: the bundled demo built into a temporary folder, checked page by page."""

import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest

import build
from demo_papers import archived_papers, expected_papers
from digest.site.searchrows import read_rows

ROOT = Path(__file__).resolve().parent.parent


def demo_expected_ids():
    """Every paper the demo shows a card for, as tests/expected_papers.txt writes them down."""
    return {paper_id for cards in expected_papers().values() for paper_id in cards}


class Cards(HTMLParser):
    """Collects each card's id, number, and its author and abstract text."""

    def __init__(self):
        super().__init__()
        self.cards, self._in = [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "article" and "card" in (attrs.get("class") or ""):
            self.cards.append({"id": attrs["id"], "text": "", "authors": None})
        elif self.cards and tag == "p" and attrs.get("class") in ("num", "authors", "summary"):
            self._in = attrs["class"]
            self.cards[-1][self._in] = ""

    def handle_endtag(self, tag):
        if tag == "p":
            self._in = None

    def handle_data(self, data):
        if self.cards:
            self.cards[-1]["text"] += data
            if self._in:
                self.cards[-1][self._in] += data


def cards_of(path):
    parser = Cards()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.cards


def tree_digest(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    assert build.main(["--demo", "--content", str(out / "content"), "--site", str(out / "site")]) == 0
    return out


def numbered_pages(site, day: str) -> list:
    """A day's pages in order: its first, then page/2/, page/3/ ... (a day whose cards weigh more than a page)."""
    more = sorted((site / day / "page").glob("*/index.html"), key=lambda p: int(p.parent.name))
    return [site / day / "index.html", *more]


def test_every_demo_paper_is_shown_exactly_once(demo):
    days = sorted(p.parent.name for p in (demo / "site").glob("2026-06-1?/index.html"))
    assert days == ["2026-06-16", "2026-06-17"]
    shown = [c["id"] for day in days for page in numbered_pages(demo / "site", day) for c in cards_of(page)]
    assert len(shown) == len(set(shown))
    expected = demo_expected_ids()
    assert len(expected) == 83   # 42 + 41, as demo/feeds/README.md counts them
    assert set(shown) == expected
    for day in days:  # numbering runs 01, 02, ... with no gaps, on across the day's numbered pages
        numbers = [c["num"] for page in numbered_pages(demo / "site", day) for c in cards_of(page)]
        assert numbers == [f"{i:02d}." for i in range(1, len(numbers) + 1)]


def test_the_demo_archive_holds_the_written_down_papers(demo):
    """Each day's cards, source by source, with the titles the cards show: tests/expected_papers.txt."""
    built, expected = archived_papers(demo / "content"), expected_papers()
    assert sorted(built) == sorted(expected)
    for key, cards in expected.items():
        assert built[key] == cards, key


def test_cards_are_clean(demo):
    for page in (demo / "site").glob("2026-06-1?/index.html"):
        for card in cards_of(page):
            text = card["text"]
            assert "Announce Type" not in text and "arXiv:26" not in text, card["id"]
            assert not re.search(r"&(?:[a-z]+|#\d+);?", text), (card["id"], text)
            assert "\\'" not in text and '\\"' not in text, card["id"]
            if card["authors"] is not None:  # never an empty "Authors:" label
                assert card["authors"].split(":", 1)[1].strip(), card["id"]
    day1 = (demo / "site" / "2026-06-16" / "index.html").read_text()
    assert "André Martins" in day1 and "Jörg Müller" in day1 and "µg/mL" in day1 and "naïve" in day1
    own = re.sub(r'<script (?:type="module" )?src="(?:\./|(?:\.\./)*)static/[\w./-]+\.js"(?: defer)?></script>', "", day1)
    assert "<script" not in own and "javascript:" not in day1 and "onerror" not in day1.replace("onerror=alert", "")


def test_cross_list_is_one_card_with_badges(demo):
    page = (demo / "site" / "2026-06-16" / "index.html").read_text()
    card = page.split('id="arXiv:2606.13517"', 1)[1].split("</article>", 1)[0]
    assert page.count('id="arXiv:2606.13517"') == 1
    for name in ("Machine Learning", "Artificial Intelligence", "Computer Vision"):
        assert f">{name}</a>" in card
    assert "arXiv (CS.LG)" in card
    for topic in ("cs.LG", "cs.CV", "cs.AI"):  # a compact entry on each topic's day page, linking to the card
        assert 'href="../#arXiv:2606.13517"' in (demo / "site" / "2026-06-16" / topic / "index.html").read_text()


def test_new_versions_are_marked_not_repeated(demo):
    day1 = (demo / "site" / "2026-06-16" / "index.html").read_text()
    card = day1.split('id="arXiv:2606.13650"', 1)[1].split("</article>", 1)[0]
    assert "updated to v2 on 2026-06-17" in card
    day2 = (demo / "site" / "2026-06-17" / "index.html").read_text()
    assert 'id="arXiv:2606.13650"' not in day2
    assert "Updated versions" in day2


def test_feeds_are_well_formed(demo):
    for rel in ("feed.xml", "briefing.xml", "radar/feed.xml", "topics/cs.LG/feed.xml", "topics/medicine/feed.xml"):
        parsed = feedparser.parse((demo / "site" / rel).read_bytes())
        assert not parsed.bozo, (rel, parsed.get("bozo_exception"))
        assert parsed.entries, rel
    atom = feedparser.parse((demo / "site" / "feed.xml").read_bytes())
    assert len(atom.entries) == len(demo_expected_ids())  # both days are in the window
    assert len({e.id for e in atom.entries}) == len(atom.entries)


def test_rebuild_is_byte_identical(demo):
    before = tree_digest(demo / "content"), tree_digest(demo / "site")
    assert build.main(["--demo", "--content", str(demo / "content"), "--site", str(demo / "site")]) == 0
    assert build.main(["render", "--demo", "--content", str(demo / "content"), "--site", str(demo / "site")]) == 0
    assert (tree_digest(demo / "content"), tree_digest(demo / "site")) == before


def test_second_day_does_not_rewrite_the_first(tmp_path):
    args = ["fetch", "--demo", "--content", str(tmp_path / "content")]
    assert build.main(args + ["--date", "2026-06-16"]) == 0
    day1 = tmp_path / "content" / "days" / "2026-06-16.json"
    stamp, data = day1.stat().st_mtime_ns, day1.read_bytes()
    assert build.main(args + ["--date", "2026-06-17"]) == 0
    assert day1.stat().st_mtime_ns == stamp and day1.read_bytes() == data
    assert (tmp_path / "content" / "days" / "2026-06-17.json").exists()
    # a rerun of the same day changes nothing at all
    before = tree_digest(tmp_path / "content")
    assert build.main(args + ["--date", "2026-06-17"]) == 0
    assert tree_digest(tmp_path / "content") == before


def test_nothing_fetched_exits_1_and_keeps_the_archive(tmp_path, capsys):
    config = tmp_path / "sources.yaml"
    config.write_text("topics: {t: T}\nsources:\n  - {id: gone, label: Gone, topic: t, url: missing.xml}\n")
    content = tmp_path / "content"
    (content / "days").mkdir(parents=True)
    saved = b'{"schema": 1, "day": "2026-06-15", "papers": [], "updates": []}\n'
    (content / "days" / "2026-06-15.json").write_bytes(saved)
    code = build.main(["--config", str(config), "--content", str(content), "--site", str(tmp_path / "site"),
                       "--date", "2026-06-16"])
    err = capsys.readouterr().err
    assert code == 1
    assert "source 'gone'" in err
    assert (content / "days" / "2026-06-15.json").read_bytes() == saved


def test_search_index_holds_every_demo_paper(demo):
    site = demo / "site"
    manifest = json.loads((site / "search" / "index.json").read_text())
    rows = [r for seg in manifest["segments"] for r in read_rows((site / "search" / seg["rows"]).read_bytes())]
    day_pages = [page for day in ("2026-06-16", "2026-06-17") for page in numbered_pages(site, day)]
    assert sorted(r[0] for r in rows) == sorted(c["id"] for page in day_pages for c in cards_of(page))
    assert any(r[2].startswith("Learning Survival Models") and "Chiwun Yang" in r[3].split("|") for r in rows)
    radar = (site / "radar" / "index.html").read_text()
    assert "Learning Survival Models" in radar and "Attention Sinks Are Position-Independent" in radar


def test_fetch_writes_the_job_summary_when_asked(tmp_path, monkeypatch, capsys):
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert build.main(["fetch", "--demo", "--content", str(tmp_path / "content"), "--date", "2026-06-16"]) == 0
    out = capsys.readouterr().out
    assert "arxiv-cs-lg" in out and "ok" in out
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("### fetch 2026-06-16: 42 new papers")
    assert text.count("| ok |") == 11
