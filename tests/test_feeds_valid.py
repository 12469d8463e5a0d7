"""The feeds as a reader gets them: valid by the W3C validator's rules (tests/feedcheck.py) with and without a base
URL, read back with feedparser (the whole paper in each entry, a new version updating its entry, languages), linked
to the right pages, advertised by the pages and listed on /feeds/ and in feeds.opml."""

import re
from dataclasses import replace
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import feedparser
import pytest

import build
from digest.archive import Day, State
from digest.config import load_config
from digest.papers import Paper, Update
from digest.site import render_site
from digest.papers import pdf_url
from feedcheck import feed_problems

ROOT = Path(__file__).resolve().parent.parent
BASE = "https://example.github.io/hub/"
D1, D2 = date(2026, 6, 16), date(2026, 6, 17)


def paper(n, day, **kw):
    values = dict(id=f"arXiv:2606.{10000 + n}", title=f"Paper number {n}", authors=("Chiwun Yang", "Jane Doe"),
                  abstract=f"Abstract of paper {n}, in full. Its second sentence. A third one, which no summary line "
                           f"holds: it goes on about the method at length.", url=f"https://arxiv.org/abs/2606.{10000 + n}",
                  day=day, sources=("arxiv-cs-lg",), topics=("cs.LG",), version=1, announce="new")
    values.update(kw)
    return Paper(**values)


SUMMARISED = paper(2, D1, summary={"en": "A model's summary.", "zh": "模型的摘要。"}, summary_model="test-model",
                   summary_prompt="p1", summary_version=1)


def days(new_version=True):
    first = Day(D1, (paper(1, D1), SUMMARISED))
    updates = (Update("arXiv:2606.10001", 2, "Paper number 1", "https://arxiv.org/abs/2606.10001v2", ("arxiv-cs-lg",),
                      "replace"),) if new_version else ()
    return [first, Day(D2, (paper(3, D2, topics=("cs.CV",), sources=("arxiv-cs-cv",)),), updates)]


@pytest.fixture
def config():
    return load_config(ROOT / "demo" / "sources.yaml")


def body(entry):
    """An entry's HTML: Atom's content, RSS's description."""
    return entry.content[0].value if "content" in entry else entry.description


def with_base(config, base=BASE):
    return replace(config, site=replace(config.site, base_url=base))


@pytest.fixture(scope="module")
def demo_sites(tmp_path_factory):
    """The demo built without a base URL, and rendered again from its archive with one."""
    out = tmp_path_factory.mktemp("demo")
    assert build.main(["--demo", "--content", str(out / "content"), "--site", str(out / "site")]) == 0
    assert build.main(["render", "--demo", "--base-url", BASE, "--content", str(out / "content"),
                       "--site", str(out / "based")]) == 0
    return out / "site", out / "based"


def test_demo_feeds_pass_the_validators_rules_without_a_base_url(demo_sites):
    site, _ = demo_sites
    assert feed_problems(site) == []
    assert not (site / "rss.xml").exists()   # RSS 2.0 has no relative links: it needs the site's address


def test_demo_feeds_pass_the_validators_rules_with_a_base_url(demo_sites):
    _, based = demo_sites
    assert (based / "rss.xml").is_file()
    assert feed_problems(based, BASE) == []


def test_the_checks_find_what_the_w3c_validator_found(tmp_path):
    """The faults of the former feeds, each written into a small feed: the checker reports every one."""
    (tmp_path / "topics" / "t").mkdir(parents=True)
    (tmp_path / "topics" / "t" / "feed.xml").write_text(
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><id>topics/t/feed.xml</id>'
        '<link rel="self" href="topics/t/feed.xml"/><link rel="alternate" href="./"/><updated>2026-06-17</updated>'
        '<author><name>A</name></author><entry><id>arXiv:2606.1v1</id><title>P</title><updated>2026-06-17T00:00:00Z'
        '</updated><published>2026-06-18T00:00:00Z</published><link href="https://arxiv.org/abs/2606.1"/></entry>'
        '<entry><id>arXiv:2606.1v1</id><title>Q</title><updated>2026-06-17T00:00:00Z</updated>'
        '<content type="html">&lt;a href="2026-06-17/#x"&gt;card&lt;/a&gt;&lt;img src=x onerror=alert(1)&gt;</content>'
        '</entry></feed>', encoding="utf-8")
    (tmp_path / "rss.xml").write_text(
        '<rss version="2.0"><channel><title>T</title><link>./</link><description>D</description><language>english'
        '</language><item><title>P</title><guid>arXiv:2606.1</guid><pubDate>Wed, 16 Jun 2026 00:00:00 +0000</pubDate>'
        '</item></channel></rss>', encoding="utf-8")
    (tmp_path / "sources.opml").write_text('<opml version="2.0"><head><title>S</title></head><body></body></opml>',
                                           encoding="utf-8")
    found = "\n".join(feed_problems(tmp_path))
    for fault in ("xml:lang None", "id: 'topics/t/feed.xml' is not a full URI", "scheme 'arxiv' is not registered",
                  "updated: '2026-06-17' is not an RFC 3339", "self link 'https://site.invalid/topics/t/topics/t/feed.xml'",
                  "names no file of the site", "entry id 'arXiv:2606.1v1' twice", "published '2026-06-18T00:00:00Z'",
                  "onerror handler", "link: './' is not a full URI", "language 'english'",
                  "atom:link self []", "guid 'arXiv:2606.1' must be a full URL", "names the wrong day of the week",
                  "needs a <head> and a <body> with an outline"):
        assert fault in found, fault


def test_an_entry_holds_the_whole_paper_and_links_its_card_and_pdf(tmp_path, config):
    render_site(with_base(config), days(), State(), tmp_path)
    for rel in ("feed.xml", "rss.xml"):
        feed = feedparser.parse((tmp_path / rel).read_bytes())
        assert not feed.bozo, (rel, feed.get("bozo_exception"))
        entry = next(e for e in feed.entries if e.title == "Paper number 2")
        text = body(entry)
        assert "A third one, which no summary line holds" in text            # the abstract, whole
        assert '<p lang="en">A model\'s summary.</p>' in text and '<p lang="zh-Hans">模型的摘要。</p>' in text
        assert "Summary by test-model" in text                               # the model that wrote them
        assert f'href="{BASE}2026-06-16/#arXiv:2606.10002"' in text          # its card on this site
        assert 'href="https://arxiv.org/pdf/2606.10002v1"' in text           # its PDF
    atom = feedparser.parse((tmp_path / "feed.xml").read_bytes())
    assert atom.feed.language == "en"
    assert len(atom.entries[0].summary) < len(atom.entries[0].content[0].value)   # the list's line, the whole text
    rss = feedparser.parse((tmp_path / "rss.xml").read_bytes())
    assert rss.feed.language == "en"


def test_a_new_version_updates_its_entry_under_the_same_id(tmp_path, config):
    config = with_base(config)
    render_site(config, days(new_version=False), State(), tmp_path / "before")
    render_site(config, days(), State(), tmp_path / "after")
    for rel in ("feed.xml", "rss.xml"):
        before, after = (feedparser.parse((tmp_path / side / rel).read_bytes()) for side in ("before", "after"))
        assert [e.id for e in before.entries] == [e.id for e in after.entries]   # updated in place, never twice
        old = next(e for e in before.entries if e.title == "Paper number 1")
        new = next(e for e in after.entries if e.title == "Paper number 1")
        assert "updated to v2 on 2026-06-17" in body(new) and "updated to v2" not in body(old)
        assert "https://arxiv.org/pdf/2606.10001v2" in body(new) and "https://arxiv.org/pdf/2606.10001v1" in body(old)
    atom_new = feedparser.parse((tmp_path / "after" / "feed.xml").read_bytes())
    entry = next(e for e in atom_new.entries if e.title == "Paper number 1")
    assert (entry.published, entry.updated) == ("2026-06-16T00:00:00Z", "2026-06-17T00:00:00Z")
    assert entry.id == "tag:example.github.io,2026-06-16:/hub/arXiv:2606.10001"   # no version in it


def test_ids_are_stable_uris_without_a_base_url(tmp_path, config):
    render_site(config, days(new_version=False), State(), tmp_path / "a")
    render_site(config, days(), State(), tmp_path / "b")
    ids = [[e.id for e in feedparser.parse((tmp_path / side / "feed.xml").read_bytes()).entries] for side in "ab"]
    assert ids[0] == ids[1] and all(re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", i) for i in ids[0])
    topic = feedparser.parse((tmp_path / "b" / "topics" / "cs.LG" / "feed.xml").read_bytes())
    assert {e.id for e in topic.entries} <= set(ids[1])   # a paper is one entry in every feed that lists it


@pytest.mark.parametrize("key", ["arXiv:2606.14812", "doi:10.1101/2026.06.15.646544", "briefing/2026-06-17/zh",
                                 "url:Zoë/王", ""])
def test_name_uuid_is_uuid5_of_the_namespace(key):
    import uuid
    from digest.site.feeds import ID_NAMESPACE, name_uuid
    assert name_uuid(key) == str(uuid.uuid5(ID_NAMESPACE, key))


def test_each_feed_points_at_its_page_and_at_itself(tmp_path, config):
    render_site(config, days(), State(), tmp_path)
    expected = {"feed.xml": "", "topics/cs.LG/feed.xml": "topics/cs.LG/", "radar/feed.xml": "radar/",
                "briefing.xml": ""}
    for rel, page in expected.items():
        text = (tmp_path / rel).read_text(encoding="utf-8")
        root = "../" * rel.count("/") or "./"
        assert f'xml:lang="en" xml:base="{root}"' in text, rel
        assert f'<link rel="self" type="application/atom+xml" href="{rel}"/>' in text, rel
        assert f'<link rel="alternate" type="text/html" href="{page or "./"}"/>' in text, rel
    briefing = feedparser.parse((tmp_path / "briefing.xml").read_bytes())
    assert [e.link for e in briefing.entries] == ["2026-06-17/", "2026-06-16/"]   # each day's briefing on its day


def test_pages_advertise_their_feeds_and_the_nav_leads_to_the_subscribe_page(tmp_path, config):
    render_site(config, days(), State(), tmp_path)

    def alternates(rel):
        return re.findall(r'<link rel="alternate" type="[^"]+" title="[^"]*" href="([^"]+)">',
                          (tmp_path / rel).read_text(encoding="utf-8"))

    assert alternates("index.html") == ["./feed.xml", "./briefing.xml"]
    assert alternates("2026-06-16/index.html") == ["../feed.xml", "../briefing.xml"]
    assert alternates("2026-06-16/cs.LG/index.html") == ["../../feed.xml", "../../topics/cs.LG/feed.xml"]
    assert alternates("archive/index.html") == ["../feed.xml"]
    page = (tmp_path / "feeds" / "index.html").read_text(encoding="utf-8")
    for path in ("feed.xml", "briefing.xml", "weeks/feed.xml", "radar/feed.xml", "topics/cs.LG/feed.xml", "topics/medicine/feed.xml",
                 "feeds.opml"):
        assert f'href="../{path}"' in page, path
    assert "rss.xml" not in page
    assert '<a href="../feeds/"><span data-i18n="feed">Feed</span></a>' in page   # the nav's "Feed"
    assert 'href="../feed.xml">Feed' not in (tmp_path / "archive" / "index.html").read_text(encoding="utf-8")
    render_site(with_base(config), days(), State(), tmp_path / "based")
    page = (tmp_path / "based" / "feeds" / "index.html").read_text(encoding="utf-8")
    assert f"<code>{BASE}topics/cs.LG/feed.xml</code>" in page and 'href="../rss.xml"' in page


def test_feeds_opml_lists_the_sites_own_feeds(tmp_path, config):
    render_site(with_base(config), days(), State(), tmp_path)
    opml = (tmp_path / "feeds.opml").read_text(encoding="utf-8")
    urls = re.findall(r'xmlUrl="([^"]+)"', opml)
    assert urls[:5] == [f"{BASE}feed.xml", f"{BASE}rss.xml", f"{BASE}briefing.xml", f"{BASE}weeks/feed.xml",
                        f"{BASE}radar/feed.xml"]
    assert urls[5:] == [f"{BASE}topics/{tid}/feed.xml" for tid in config.topics]
    assert not (tmp_path / "sources.opml").exists()   # the demo reads local files only: no upstream feed to list
    real = load_config(ROOT / "sources.yaml")
    render_site(real, days(), State(), tmp_path / "real")
    sources = (tmp_path / "real" / "sources.opml").read_text(encoding="utf-8")
    assert sources.count("<outline ") == sum(s.url.startswith("http") for s in real.sources) > 0
    assert feed_problems(tmp_path / "real") == []


@pytest.mark.parametrize("given, expected", [
    (("arXiv:2606.13504", 2, "https://arxiv.org/abs/2606.13504", None), "https://arxiv.org/pdf/2606.13504v2"),
    (("arXiv:math/0601001", 1, "https://arxiv.org/abs/math/0601001", None), "https://arxiv.org/pdf/math/0601001v1"),
    (("arXiv:2606.13504", None, "", None), "https://arxiv.org/pdf/2606.13504"),
    (("doi:10.1101/2026.06.12.645123", 1, "http://biorxiv.org/cgi/content/short/2026.06.12.645123v1",
      "10.1101/2026.06.12.645123"), "https://www.biorxiv.org/content/10.1101/2026.06.12.645123v1.full.pdf"),
    (("doi:10.1101/2026.06.12.26123456", 3, "https://www.medrxiv.org/content/10.1101/2026.06.12.26123456v3",
      "10.1101/2026.06.12.26123456"), "https://www.medrxiv.org/content/10.1101/2026.06.12.26123456v3.full.pdf"),
    (("doi:10.1371/journal.pcbi.1", None, "https://journals.plos.org/x", "10.1371/journal.pcbi.1"), ""),
    (("doi:10.1101/2026.06.12.1", 1, "https://example.org/10.1101/2026.06.12.1", "10.1101/2026.06.12.1"), ""),
])
def test_pdf_url(given, expected):
    pid, version, url, doi = given
    assert (pdf_url(SimpleNamespace(id=pid, version=version, url=url, doi=doi)) or "") == expected
