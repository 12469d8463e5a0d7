#!/usr/bin/env python3
"""Benchmark the summarize stage: 300 papers against a local OpenAI-compatible server answering after 300 ms.

    python bench/llm.py [--papers 300] [--latency 0.3] [--concurrency 4]

Prints requests, prompt and completion tokens and wall time for a first run, a second (cached) run, and for
comparison the first run again with one paper per request (no batching); then what one paper's summaries cost
in both languages (target: at most 500 prompt + completion tokens), and what a week's briefing request costs for a
week of 6,000 papers with their summaries (target: at most 8,000 prompt + completion tokens). The fake model writes summaries as long as
the prompt allows (50 English words, 100 Chinese characters) and counts a CJK character as a token.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from llmserver import LLMServer  # noqa: E402

from digest import briefing  # noqa: E402
from digest.archive import Archive, Day  # noqa: E402
from digest.config import LLMOptions, load_config  # noqa: E402
from digest.papers import Paper  # noqa: E402
from digest.llm import estimate_tokens  # noqa: E402
from digest.summarize import TOKENS_PER_BRIEFING, summarize_stage  # noqa: E402

WORDS = ("model learning data network method results performance training neural graph quantum protein cell "
         "patients clinical inference diffusion language transformer sampling estimation bound theorem optimal "
         "robust efficient sparse signal imaging segmentation tumour genome sequencing cohort trial risk "
         "survival uncertainty benchmark dataset accuracy baseline approach propose show demonstrate").split()
TOPICS = ["cs.LG", "cs.CV", "cs.AI", "cs.CL", "quant-ph", "math.PR", "medicine", "bioinformatics"]
DAY = date(2026, 6, 17)


def sentence(rng: random.Random, low: int, high: int) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(low, high))]
    return " ".join(words).capitalize() + "."


def make_papers(count: int, seed: int = 7) -> tuple[Paper, ...]:
    """Return papers of realistic shape: 8-14 word titles, abstracts of 120-260 words."""
    rng = random.Random(seed)
    papers = []
    for i in range(count):
        abstract = " ".join(sentence(rng, 12, 26) for _ in range(rng.randint(7, 12)))
        topic = TOPICS[i % len(TOPICS)]
        papers.append(Paper(id=f"arXiv:2606.{20000 + i}", title=sentence(rng, 8, 14)[:-1], authors=("A. Author",),
                            abstract=abstract, url=f"https://arxiv.org/abs/2606.{20000 + i}", day=DAY,
                            sources=("src",), topics=(topic,), version=1, announce="new"))
    return tuple(papers)


def write_config(folder: Path, base_url: str, concurrency: int, batch_size: int) -> Path:
    topics = ", ".join(f"{t}: {{en: {t}}}" for t in TOPICS)
    path = folder / "sources.yaml"
    path.write_text(f"llm: {{model: bench-model, base_url: '{base_url}', concurrency: {concurrency}, "
                    f"batch_size: {batch_size}, max_papers: 1000, max_tokens: 5000000}}\n"
                    f"topics: {{{topics}}}\nsources:\n  - {{id: src, label: Src, topic: cs.LG, url: src.xml}}\n",
                    encoding="utf-8")
    return path


def one_run(label: str, server: LLMServer, config_path: Path, archive: Archive) -> dict[str, float]:
    """Run the stage once and print what it cost, counted by the server."""
    calls, prompt, completion = server.calls, server.prompt_tokens, server.completion_tokens
    summaries = server.tokens_by_kind.get("summaries", 0)
    started = time.perf_counter()
    report = summarize_stage(load_config(config_path), archive, {})
    wall = time.perf_counter() - started
    row = {"requests": server.calls - calls, "prompt_tokens": server.prompt_tokens - prompt,
           "completion_tokens": server.completion_tokens - completion, "wall_s": round(wall, 2),
           "papers_summarised": report.summarised, "briefings": report.briefings,
           "summary_tokens_per_paper": round((server.tokens_by_kind.get("summaries", 0) - summaries)
                                             / max(report.summarised, 1))}
    print(f"{label:<46} requests {row['requests']:>4}   prompt tokens {row['prompt_tokens']:>7}   "
          f"completion tokens {row['completion_tokens']:>6}   wall {wall:6.2f} s   "
          f"({report.summarised} papers, {report.briefings} briefings)")
    return row


def week_briefing_tokens(count: int = 6000) -> dict[str, int]:
    """Return what one week's briefing request (both languages) carries and may cost, for a week of count papers
    summarised as long as the prompt allows (50 words): counted as the fake model counts (llm.estimate_tokens)."""
    papers = [replace(p, summary={"en": " ".join(p.abstract.split()[:50])}) for p in make_papers(count)]
    chosen = briefing.week_papers(papers, lambda p: (), TOPICS)
    ask = briefing.ask(chosen, {t: t for t in TOPICS}, ["en", "zh"], {}, TOKENS_PER_BRIEFING, week=True)
    return {"papers": count, "asked_about": len(chosen),
            "prompt_tokens": estimate_tokens(ask.system) + estimate_tokens(ask.user), "completion_tokens": ask.max_tokens}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=300)
    parser.add_argument("--latency", type=float, default=0.3)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    args = parser.parse_args()
    papers = make_papers(args.papers)
    print(f"{args.papers} papers (abstracts averaging {sum(len(p.abstract) for p in papers) // len(papers)} "
          f"characters), server latency {args.latency * 1000:.0f} ms per request, concurrency {args.concurrency}")
    results = {}
    with LLMServer(latency=args.latency, wordy=True) as server, tempfile.TemporaryDirectory() as tmp:
        batched = LLMOptions().batch_size   # the default of sources.yaml
        for label, batch_size in ((f"batched (llm.batch_size {batched})", batched), ("one paper per request", 1)):
            folder = Path(tmp) / str(batch_size)
            folder.mkdir()
            archive = Archive(folder / "content")
            archive.write_day(Day(DAY, papers))
            config = write_config(folder, server.base_url, args.concurrency, batch_size)
            results[f"{label}: first run"] = one_run(f"{label}: first run", server, config, archive)
            if batch_size == batched:
                results[f"{label}: second run"] = one_run(f"{label}: second run (cached)", server, config, archive)
        if server.errors:
            raise SystemExit(f"server errors: {server.errors!r}")
    per_paper = results[f"batched (llm.batch_size {LLMOptions().batch_size}): first run"]["summary_tokens_per_paper"]
    print(f"tokens per paper (summaries, both languages, batched): {per_paper} prompt + completion (target <= 500)")
    week = results["week briefing"] = week_briefing_tokens()
    print(f"a week's briefing (both languages), week of {week['papers']} papers, {week['asked_about']} asked about: "
          f"{week['prompt_tokens']} prompt + at most {week['completion_tokens']} completion tokens (target <= 8000)")
    if args.json:
        print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
