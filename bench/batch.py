#!/usr/bin/env python3
"""What a day of summaries costs in both modes: synchronous requests and the Batch API (llm.mode: batch).

    python bench/batch.py [--papers 1000] [--day 1200]

Runs a day of papers (bench/llm.py's, at most its llm.max_papers of 1,000) through the summarize stage against the
fake server
(tests/llmserver.py with tests/llmbatch.py's Files and Batches endpoints), once per mode, and counts the HTTP
requests and the prompt tokens the server saw. The fake model's answers are short, so the output side uses the
README's figure for a real model (about 200 tokens a paper for two languages). Prices are list prices per 1 M tokens.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from llmbatch import BatchAPI  # noqa: E402
from llmserver import LLMServer  # noqa: E402

from bench.llm import DAY, make_papers, write_config  # noqa: E402
from digest.archive import Archive, Day  # noqa: E402
from digest.batch import DISCOUNT, BatchMode  # noqa: E402
from digest.config import LLMOptions, load_config  # noqa: E402
from digest.summarize import summarize_stage  # noqa: E402

# List prices per 1 M tokens (input, output), mid-2026, as in the README's cost estimate.
PRICES = {"gpt-5.4-nano": (0.20, 1.25), "gpt-5.4-mini": (0.75, 4.50)}
OUTPUT_PER_PAPER = 200     # tokens a real model writes for a paper in two languages (README, revision 2 limits)


def one_mode(label: str, server: LLMServer, folder: Path, papers: int, batch: bool) -> float:
    """Summarise the day in one mode (batch: a submitting run, then a collecting one); return prompt tokens a paper
    (a briefing's request included, as a day pays for it too)."""
    archive = Archive(folder / "content")
    archive.write_day(Day(DAY, make_papers(papers)))
    config = load_config(write_config(folder, server.base_url, 4, LLMOptions().batch_size))
    requests, prompt = len(server.requests), server.prompt_tokens
    started = time.perf_counter()
    summarised = 0
    for _ in range(2 if batch else 1):
        report = summarize_stage(config, archive, {}, divert=BatchMode(config.llm) if batch else None)
        summarised += report.summarised
    per_paper = (server.prompt_tokens - prompt) / summarised
    print(f"{label:<34} HTTP requests {len(server.requests) - requests:>4}   prompt tokens {per_paper:5.0f} a paper   "
          f"{summarised} papers summarised, {time.perf_counter() - started:5.2f} s")
    return per_paper


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=1000, help="papers run through each mode")
    parser.add_argument("--day", type=int, default=1200, help="papers a day to price (a default weekday: ~1,200)")
    args = parser.parse_args()
    with LLMServer() as server, tempfile.TemporaryDirectory() as tmp:
        BatchAPI(server, "completed")
        (Path(tmp) / "sync").mkdir()
        (Path(tmp) / "batch").mkdir()
        sync = one_mode("sync (one run)", server, Path(tmp) / "sync", args.papers, batch=False)
        batched = one_mode("batch (submit run + collect run)", server, Path(tmp) / "batch", args.papers, batch=True)
        if server.errors:
            raise SystemExit(f"server errors: {server.errors!r}")
    print(f"cost of {args.day} papers a day ({OUTPUT_PER_PAPER} output tokens a paper from a real model):")
    for model, (price_in, price_out) in PRICES.items():
        day = {mode: args.day * (tokens * price_in + OUTPUT_PER_PAPER * price_out) / 1e6
               for mode, tokens in (("sync", sync), ("batch", batched))}
        day["batch"] *= DISCOUNT
        print(f"  {model:<13} sync ${day['sync']:.2f} a day (${day['sync'] * 30:.0f} a month)   "
              f"batch ${day['batch']:.2f} a day (${day['batch'] * 30:.0f} a month)")


if __name__ == "__main__":
    main()
