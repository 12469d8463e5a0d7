#!/usr/bin/env python3
"""How often a paper's nearest neighbour by the local vectoriser (digest/vectoriser.py) shares an arXiv category with
it, against chance (two papers drawn at random), over the real arXiv feeds in ../shared/corpus/real/, side by side
for the stored vector the browser ranks by (MODEL's 64 bytes), the earlier local vectoriser's (FIRST_MODEL: a
fixed sign projection to 64 signed bytes) and the hashed rows related papers are found by; the same for vectors
from an embeddings endpoint (digest/embeddings.py): the fake model of tests/llmserver.py on 127.0.0.1 by default,
whose figure means nothing (its vectors are a hash of the words), or a real one with --base-url and --model (say
Ollama's nomic-embed-text at http://127.0.0.1:11434/v1), with the tokens a paper costs. And on the demo: three
stars of one topic on its first day, the share of that topic among the next day's first cards in the order
static/js/foryou.js gives them (the sum of a card's cosines with the stars).

    python bench/vectors.py [--corpus DIR] [--base-url URL --model NAME]

Every arXiv feed file with categories is read with feedparser (its items' categories: RSS/Atom tags, or the old
RSS 1.0 title's `[math.PR]`; the other feeds there carry no subject); papers are compared within their file, as a
day is compared with its window, and all files' papers together, as a window of many fields. Nothing is fitted on
these papers (the local vectoriser's term statistics are wordfreq's English frequencies), so there is no split to
hold out. Also printed: the bytes a vector costs in content/vectors/ and the share of papers given a related
paper across fields.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import random
import re
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import feedparser
import numpy as np

sys.path[:0] = [str(Path(__file__).resolve().parent.parent), str(Path(__file__).resolve().parent.parent / "tests")]
from llmserver import LLMServer  # noqa: E402

from digest.archive import Archive  # noqa: E402
from digest.config import LLMOptions  # noqa: E402
from digest.embeddings import embedder  # noqa: E402
from digest.papers import Paper  # noqa: E402
from digest.vectoriser import (FIRST_MODEL, MODEL, comparable_rows, earlier_vector, hashed,  # noqa: E402
                               kind_of, unit_rows, vector)
from digest.vectors import RELATED_MIN, VectorStore, centred, nearest_across, vectors_stage  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
_OLD_TITLE = re.compile(r"\s*\(arXiv:[^\s)]+ \[([^\]]+)\]\)\s*$")
_PREFIX = re.compile(r"^arXiv:\S+ Announce Type: \S+\s+Abstract:\s*")


def feed_papers(path: Path) -> list[Paper]:
    """The feed's items as papers, their arXiv categories as topics (items without any are left out)."""
    papers = []
    for n, entry in enumerate(feedparser.parse(str(path)).entries):
        title = str(entry.get("title", ""))
        cats = [str(t.get("term")) for t in entry.get("tags", []) if t.get("term")]
        old = _OLD_TITLE.search(title)
        if old:
            cats, title = cats or [old.group(1)], title[:old.start()]
        abstract = _PREFIX.sub("", re.sub(r"<[^>]+>", " ", str(entry.get("summary", ""))))
        if cats:
            papers.append(Paper(f"{path.stem}:{n}", title, (), abstract, "", date(2026, 1, 1), ("corpus",),
                                tuple(cats)))
    return papers


def shares(a: Paper, b: Paper) -> bool:
    return bool(set(a.topics) & set(b.topics))


Make = Callable[[list[Paper]], list[np.ndarray]]


def measure(papers: list[Paper], vectors: list[np.ndarray], kind: str) -> tuple[int, int, int, int]:
    """(papers, whose nearest neighbour shares a category, pairs, pairs sharing one) within one feed."""
    rows = comparable_rows(vectors, kind)
    cosines = rows @ rows.T
    np.fill_diagonal(cosines, -2.0)
    near = sum(shares(p, papers[int(np.argmax(cosines[i]))]) for i, p in enumerate(papers))
    pairs = len(papers) * (len(papers) - 1) // 2
    same = sum(shares(papers[i], papers[j]) for i in range(len(papers)) for j in range(i + 1, len(papers)))
    return len(papers), near, pairs, same


def report(name: str, files: list[Path], feeds: list[list[Paper]], make: Make, kind: str = "signed") -> None:
    """Print the nearest neighbour's category-share by one vectoriser, per large feed, over all feeds each on its
    own, and over all feeds' papers together."""
    total = [0, 0, 0, 0]
    for path, papers in zip(files, feeds):
        vectors = make(papers)
        if len(vectors) < len(papers):   # an endpoint that failed: its problem is printed
            return
        figures = measure(papers, vectors, kind)
        total = [t + f for t, f in zip(total, figures)]
        if len(papers) > 50:
            print(f"  {name}, {len(papers)} papers of {path.name}: nearest neighbour shares a category "
                  f"{figures[1] / figures[0]:.0%}, chance {figures[3] / figures[2]:.0%}")
    everyone = [p for papers in feeds for p in papers]
    n, near, pairs, same = measure(everyone, make(everyone), kind)
    print(f"{name}: {total[0]} papers of {len(feeds)} feeds, nearest neighbour shares a category "
          f"{total[1] / max(total[0], 1):.0%} within a feed (chance {total[3] / max(total[2], 1):.0%}), "
          f"{near / max(n, 1):.0%} all feeds together (chance {same / max(pairs, 1):.0%}) (target: far above chance)")


def first_share(stars: list[Paper], cards: list[Paper], topic: str, make: Make, kind: str) -> float:
    """The share of `topic` among the cards' first (as many as list it) in foryou.js's order for the stars: by the
    sum of each card's cosines with them."""
    rows = comparable_rows(make(stars + cards), kind)
    score = (rows[len(stars):] @ rows[:len(stars)].T).sum(axis=1)
    order = sorted(range(len(cards)), key=lambda i: (-float(score[i]), i))
    wanted = sum(topic in p.topics for p in cards)
    return sum(topic in cards[i].topics for i in order[:wanted]) / wanted


def real_stars(name: str, feeds: list[list[Paper]], make: Make, kind: str, draws: int = 20) -> None:
    """Print, over the large real feeds each split at random into two halves (`draws` times, a fixed seed), the
    share of a category among the second half's first cards when three papers of it in the first are starred."""
    shares, chance = [], []
    for papers in (f for f in feeds if len(f) > 50):
        draw = random.Random(7)
        for _ in range(draws):
            order = draw.sample(papers, len(papers))
            first, then = order[:len(order) // 2], order[len(order) // 2:]
            for topic in sorted({p.topics[0] for p in first}):
                mine = [p for p in first if p.topics[0] == topic]
                if len(mine) >= 3 and sum(topic in p.topics for p in then) >= 2:
                    shares.append(first_share(draw.sample(mine, 3), then, topic, make, kind))
                    chance.append(sum(topic in p.topics for p in then) / len(then))
    print(f"{name}: three stars of one category of a real feed's half bring {np.mean(shares):.0%} of it first "
          f"in the other half ({len(shares)} draws, chance {np.mean(chance):.0%})")


def demo_stars(name: str, make: Make, kind: str) -> None:
    """Print, for each demo topic with three papers on its first day, the share of that topic among the second
    day's first cards (as many as it has there) when its first three are starred, in foryou.js's order."""
    with tempfile.TemporaryDirectory() as work:
        sys.path.insert(0, str(ROOT))
        import build   # noqa: E402 - the repository root is on the path only now
        with contextlib.redirect_stdout(io.StringIO()):   # the fetch's report: not this bench's
            build.main(["fetch", "--demo", "--content", str(Path(work) / "content")])
        first, then = Archive(Path(work) / "content").read_days()[:2]
    shares = {}
    for topic in sorted({p.topics[0] for p in first.papers}):
        stars = [p for p in first.papers if p.topics[0] == topic][:3]
        if len(stars) == 3 and any(p.topics[0] == topic for p in then.papers):
            shares[topic] = first_share(stars, list(then.papers), topic, make, kind)
    chance = sum(sum(topic in p.topics for p in then.papers) / len(then.papers) for topic in shares) / len(shares)
    print(f"{name}: three stars of one demo topic bring {np.mean(list(shares.values())):.0%} of it first "
          f"(mean of {len(shares)} topics, chance {chance:.0%}; "
          + ", ".join(f"{t} {v:.0%}" for t, v in shares.items()) + ")")


def stored_bytes(papers: list[Paper]) -> float:
    """Bytes per paper of a day's file in content/vectors/, written as the summarize stage writes it."""
    with tempfile.TemporaryDirectory() as work:
        store = VectorStore(Archive(Path(work)))
        on = date(2026, 1, 1)
        ids = [f"arXiv:2606.{10000 + i}" for i in range(len(papers))]   # ids as long as real ones
        store.write_vectors(on, ((pid, 1, MODEL, vector(p)) for pid, p in zip(ids, papers)))
        return store.vectors_path(on).stat().st_size / len(papers)


def volume(days: int) -> None:
    """Time the stage on `days` days of the generator's weekday volume (bench/run.py; its text has no meaning, so
    only the time and the bytes count): the first run, then one new day against its window."""
    sys.path.insert(0, str(ROOT / "bench"))
    from run import make_archive   # noqa: E402 - bench/ is on the path only now
    with tempfile.TemporaryDirectory() as work:
        _, content, gen, next_day, counts = make_archive(Path(work), days, None, 8)
        archive = Archive(content)
        begun = time.perf_counter()
        vectors_stage(archive)
        first = time.perf_counter() - begun
        archive.write_day(gen.day(next_day))
        begun = time.perf_counter()
        found, papers = vectors_stage(archive)
        again = time.perf_counter() - begun
        store = VectorStore(archive)
        sizes = [sum(f.stat().st_size for f in folder.glob("*.json")) for folder in (store.vectors_dir, store.related_dir)]
        total = sum(counts.values()) + papers
        print(f"volume: {days} days, {total} papers: first run {first:.1f} s; a new day of {papers} papers "
              f"{again:.1f} s (target: well under the summarize stage's minutes); content/ per paper: vectors "
              f"{sizes[0] / total:.0f} B, related {sizes[1] / total:.0f} B")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus" / "real")
    parser.add_argument("--base-url", default="", help="a real OpenAI-compatible /v1 endpoint for the embeddings "
                        "figure (default: the fake model on 127.0.0.1)")
    parser.add_argument("--model", default="fake-embed", help="its embeddings model")
    parser.add_argument("--volume", type=int, default=0, metavar="DAYS",
                        help="also time the stage over DAYS generated days at weekday volume (e.g. 14)")
    args = parser.parse_args(argv)
    if args.volume:
        volume(args.volume)
    files = sorted(args.corpus.glob("arxiv*"))
    if not files:
        print(f"no arXiv feed files in {args.corpus}")
        return 1
    feeds = [papers for papers in map(feed_papers, files) if len(papers) >= 3]
    everyone = [p for papers in feeds for p in papers]
    local: list[tuple[str, Make, str]] = [
        (f"{MODEL} (the stored 64 bytes)", lambda papers: [vector(p) for p in papers], kind_of(MODEL)),
        (f"{FIRST_MODEL} (earlier: 64 signed bytes)", lambda papers: [earlier_vector(p) for p in papers],
         kind_of(FIRST_MODEL)),
        ("hashed features (related papers)", lambda papers: [hashed(p) for p in papers], "signed")]
    for name, make, kind in local:
        report(name, files, feeds, make, kind)
    for name, make, kind in local:
        real_stars(name, feeds, make, kind)
    for name, make, kind in local:
        demo_stars(name, make, kind)
    with LLMServer() as fake:
        options = LLMOptions(base_url=args.base_url or fake.base_url, embeddings_model=args.model, timeout=600)
        embed = embedder(options, {})
        assert embed is not None
        what = "" if args.base_url else " (the fake model on 127.0.0.1: a hash of the words, a meaningless figure)"
        # Centred, as related papers compare a model's vectors (digest/vectors.py: centred).
        report(f"{embed.name} (64 signed bytes){what}", files, feeds, lambda papers: centred(embed(papers)))
        if embed.problem:
            print(embed.problem)
        print(f"embeddings: {embed.tokens / max(embed.papers, 1):.0f} tokens a paper "
              f"({'as the server counts them' if args.base_url else 'estimated, 4 characters a token'}), "
              f"{embed.requests} requests for {embed.papers} papers")
    rows = unit_rows([hashed(p) for p in everyone])
    related = nearest_across(everyone, rows, everyone, rows)
    print(f"related across fields (no shared category, cosine >= {RELATED_MIN}): {len(related)} of {len(everyone)} papers have "
          f"one, {sum(len(r) for r in related.values()) / max(len(related), 1):.1f} each")
    print(f"content/vectors/: {stored_bytes(everyone):.0f} bytes per paper (target: a few dozen to ~150)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
