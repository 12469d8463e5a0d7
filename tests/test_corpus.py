"""The feedparser project's own test feeds (../shared/corpus/feedparser/): every file goes through parse_feed
with the generic and the arXiv adapter, what parsed is rendered into one site, and nothing crashes or runs."""

from datetime import date
from pathlib import Path

import pytest
from activecheck import bad_url, site_problems

from digest.archive import Day, State
from digest.config import Config, FetchOptions, Site, Source, Topic
from digest.errors import SourceError
from digest.papers import ingest
from digest.sources import parse_feed
from digest.site import render_site

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "feedparser"
RUN_DAY = date(2026, 6, 17)


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no robustness corpus at {CORPUS}")
def test_every_corpus_file_parses_or_is_rejected_and_renders_inert(tmp_path):
    files = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name != "LICENSE")
    assert len(files) > 2000
    counts = {"generic": [0, 0, 0], "arxiv": [0, 0, 0]}  # parsed ok, entries, rejected as not a feed
    entries = []
    for path in files:
        body = path.read_bytes()
        for family, source in (("generic", "corpus"), ("arxiv", "corpus-arxiv")):
            try:
                found = parse_feed(body, source, family)
            except SourceError as exc:
                assert str(exc).startswith(f"source '{source}': not a feed ("), exc
                assert "\n" not in str(exc)
                counts[family][2] += 1
                continue
            counts[family][0] += 1
            counts[family][1] += len(found)
            entries.extend(found)
    for entry in entries:
        assert entry.title and bad_url(entry.url) is None and (entry.url == "" or entry.url.startswith("http"))

    # Every source's last day is the run day, so every paper lands on that one day: one render, one page.
    sources = (Source("corpus", "Corpus", "corpus.xml", "misc"), Source("corpus-arxiv", "Corpus arXiv", "a.xml", "misc"))
    result = ingest(entries, {}, {s.id: RUN_DAY for s in sources}, RUN_DAY, {s.id: s.topic for s in sources},
                    {s.id: i for i, s in enumerate(sources)})
    assert set(result.papers) <= {RUN_DAY}
    papers = tuple(result.papers.get(RUN_DAY, ()))
    config = Config(path=tmp_path / "sources.yaml", site=Site(base_url="https://example.org/hub/"),
                    fetch=FetchOptions(), topics={"misc": Topic("misc", {"en": "Misc"})}, sources=sources)
    written, _ = render_site(config, [Day(RUN_DAY, papers, tuple(result.updates.get(RUN_DAY, ())))], State(),
                             tmp_path / "site")
    assert written > 5
    problems = site_problems(tmp_path / "site", own_prefix="https://example.org/hub/")
    assert problems == [], "\n".join(problems[:20])
    print(f"\ncorpus: {len(files)} files; generic: {counts['generic'][0]} parsed, {counts['generic'][1]} entries, "
          f"{counts['generic'][2]} rejected as not a feed; arxiv adapter: {counts['arxiv'][0]} parsed, "
          f"{counts['arxiv'][1]} entries, {counts['arxiv'][2]} rejected; {len(papers)} cards rendered")
    assert counts["generic"][0] > 2000 and counts["generic"][1] > 100 and len(papers) > 50
