"""A feed is put together from pieces gated as they were made (site/feeds.py, site/blocks.py): none is scanned again,
so each must be gated when made, and a kept one must be the bytes that were."""

import re
import shutil
from datetime import date, timedelta
from pathlib import Path
from xml.etree import ElementTree

from digest.archive import Day, State
from digest.config import load_config
from digest.papers import Paper
from digest.site import render_site
from digest.site.blocks import BLOCKS, Blocks

ROOT = Path(__file__).resolve().parent.parent
FIRST = date(2026, 6, 1)
# What XML 1.0 refuses (clean.xml_text removes it), spelled independently of the code under test.
REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
HOSTILE = "\x01\x07\x0b\ufffe\uffff"   # (a lone surrogate stops at the day index: it has no UTF-8)


def paper(n: int, day: date, hostile: bool = False) -> Paper:
    bad = HOSTILE if hostile else ""
    return Paper(id=f"arXiv:2606.{10000 + n}", title=f"Paper {n}{bad} title", authors=(f"Ada{bad} Lovelace", "Chiwun Yang"),
                 abstract=f"Abstract{bad} of paper {n}.", url=f"https://arxiv.org/abs/2606.{10000 + n}", day=day,
                 sources=("arxiv-cs-lg",), topics=("cs.LG", "cs.AI"), version=1, announce="new",
                 summary={"en": f"Summary{bad} {n}."})


def days(count: int) -> list[Day]:
    # Days in memory reach the render without the archive's check: the feed's own gate is all that stands.
    return [Day(FIRST + timedelta(days=i), tuple(paper(i * 10 + k, FIRST + timedelta(days=i), hostile=i == 1 and k == 0)
                                                  for k in range(3))) for i in range(count)]


def feeds(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*.xml"))
            if BLOCKS not in p.parts}


def check_feeds(site: Path) -> dict[str, bytes]:
    found = feeds(site)
    assert {"feed.xml", "radar/feed.xml", "topics/cs.LG/feed.xml", "topics/cs.AI/feed.xml"} <= found.keys()
    for rel, data in found.items():
        text = data.decode("utf-8")   # strict: no lone surrogate got in as bytes
        assert not REFUSED.search(text), rel
        ElementTree.fromstring(data)   # well-formed
    assert b"Paper 10 title" in found["topics/cs.LG/feed.xml"] and b"Ada Lovelace" in found["radar/feed.xml"]
    return found


def test_hostile_text_in_a_feed_entry_is_gated_as_the_entry_is_made(tmp_path):
    config = load_config(ROOT / "demo" / "sources.yaml")
    render_site(config, days(3), State(), tmp_path / "site")
    check_feeds(tmp_path / "site")


def test_a_kept_piece_goes_into_the_next_days_feed_as_the_bytes_it_was_made(tmp_path):
    config = load_config(ROOT / "demo" / "sources.yaml")
    site = tmp_path / "site"
    render_site(config, days(3), State(), site)
    kept = {p.name: p.read_bytes() for p in (site / BLOCKS / "feed-cs.LG").iterdir()}
    assert len(kept) == 3 and all(b"\n" in data for data in kept.values())   # the fields' line, then the entries
    render_site(config, days(4), State(), site)   # a new day: the three older days' entries come from their pieces
    assert {p.name: p.read_bytes() for p in (site / BLOCKS / "feed-cs.LG").iterdir()}.items() >= kept.items()
    found = check_feeds(site)
    body = b"".join(data.split(b"\n", 1)[1] for data in kept.values())
    assert body.count(b"<entry>") == 9 and all(data.split(b"\n", 1)[1] in found["topics/cs.LG/feed.xml"]
                                               for data in kept.values())
    fresh = tmp_path / "fresh"
    render_site(config, days(4), State(), fresh)
    assert feeds(fresh) == found


def test_a_piece_whose_body_is_not_as_long_as_its_fields_say_is_made_again(tmp_path):
    config = load_config(ROOT / "demo" / "sources.yaml")
    site = tmp_path / "site"
    render_site(config, days(3), State(), site)
    before = feeds(site)
    for path in (site / BLOCKS / "feed-cs.LG").iterdir():   # each piece cut short, the way no render writes one
        path.write_bytes(path.read_bytes()[:-40])
    shutil.rmtree(site / "topics")   # the feed is written again, its pieces asked for under the same keys
    render_site(config, days(3), State(), site)
    assert feeds(site)["topics/cs.LG/feed.xml"] == before["topics/cs.LG/feed.xml"]


def test_blocks_keep_a_body_beside_the_list_and_a_piece_without_one(tmp_path):
    blocks = Blocks(tmp_path, "page")
    blocks.put("a", [1, "two\nlines"], b"raw\nbytes \xe4\xb8\xad")
    blocks.put("b", ["no body"])
    blocks.save()
    again = Blocks(tmp_path, "page")
    assert again.get("a") == [1, "two\nlines"] and again.body("a") == b"raw\nbytes \xe4\xb8\xad"
    assert again.get("b") == ["no body"] and again.body("b") == b""
    assert again.get("c") is None and again.body("c") == b""
    again.put("a", [1, "two\nlines"], b"raw\nbytes \xe4\xb8\xad")   # as it was: nothing to write
    assert not again.made
    (tmp_path / BLOCKS / "page" / "old.json").write_text("[]")   # a piece of the format before: never read again
    again.save()
    assert sorted(p.name for p in (tmp_path / BLOCKS / "page").iterdir()) == ["a.piece", "b.piece"]
