#!/usr/bin/env python3
"""Build over every real feed file in ../shared/corpus/real/ and print, per file, what became of its items and
what defects its cards show.

    python bench/corpus.py [--corpus DIR]

Each file is one source of the family its README row names (a local path as the source's url), fetched offline
on the file's own date into its own archive in a temporary folder, so one file's papers cannot hide another's.
A row reads: items in the file (counted from the file itself, not by the parser) -> new cards / new versions
(both read from the archive) / already seen / skipped by reason, then whether those add up to the items and
agree with the build's own counts, and per defect the number of cards showing it in what a card displays
(title, authors, abstract, DOI):
  tex     a TeX command outside math (`\\textbf`, `\\emph`, `\\url`, `\\%`, ...): inside `$…$`, `$$…$$`,
          `\\(…\\)` or `\\[…\\]` the page renders it
  markup  an HTML/MathML tag or an undecoded entity (`<mrow>`, `&lt;`)
  nn      bioRxiv's lost paragraph break (`ecosystems.nnOne`)
  doi_q   a query or fragment in the DOI or the id (`10.1287/x?af=r`)
  au_html HTML in an author name (`<a href=...>Name</a>`)
  stub    no abstract shown as one: the title again, "Publication date: … Author(s): …", "Journal, Ahead of
          Print.", "Abstract"
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from digest.archive import Archive  # noqa: E402
from digest.collect import collect  # noqa: E402
from digest.config import load_config  # noqa: E402
from digest.papers import Paper  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "real"

# Math a card renders (KaTeX): what is inside may hold TeX commands.
_MATH = re.compile(r"\$\$.+?\$\$|\$[^$]+\$|\\\(.+?\\\)|\\\[.+?\\\]", re.S)
DEFECTS: dict[str, re.Pattern[str]] = {
    "tex": re.compile(r"\\(?:[A-Za-z]{2,}|[%&#_])"),
    "markup": re.compile(r"</?[A-Za-z][\w:-]*(?:\s[^<>]*)?/?>|&(?:[A-Za-z]+|#\d+|#x[0-9A-Fa-f]+);"),
    "nn": re.compile(r"[a-z0-9.:;)\]]nn[A-Z]"),
    "doi_q": re.compile(r"[?#]|\s"),
    "au_html": re.compile(r"[<>]|&(?:[A-Za-z]+|#\d+);|href="),
    # What is no abstract shown as one: a platform's block or label (the title repeated is checked apart).
    "stub": re.compile(r"^(?:Publication date:|Standfirst:|Abstract$)|\b(?:Ahead of Print|EarlyView)\."
                       r"|Published online:"),
}


@dataclass(frozen=True)
class FileRow:
    """One real file's build: its items, what became of them, and its cards' defects."""

    name: str
    family: str
    items: int                          # counted in the file itself
    cards: int = 0
    versions: int = 0
    seen: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    defects: dict[str, int] = field(default_factory=dict)   # defect -> cards showing it
    error: str = ""
    reported: tuple[int | None, int, int | None] = (None, 0, None)   # the build's own (items, new, new versions)
    said: str = ""                      # the build's own words for this source

    @property
    def adds_up(self) -> bool:
        """True when every item of the file is accounted for once, and the build counted as this row does
        (a build that does not count items or versions apart must count its cards as new)."""
        total = self.cards + self.versions + self.seen + sum(self.skipped.values())
        items, new, versions = self.reported
        return (not self.error and self.items == total and new == self.cards
                and items in (None, self.items) and versions in (None, self.versions))

    def line(self) -> str:
        if self.error:
            return f"{self.name:<42} {self.family:<8} {self.items:>4} items -> FAILED: {self.error}"
        skipped = ", ".join(f"{n} {why}" for why, n in sorted(self.skipped.items())) or "-"
        defects = " ".join(f"{k}={self.defects.get(k, 0)}" for k in DEFECTS)
        return (f"{self.name:<42} {self.family:<8} {self.items:>4} items -> {self.cards:>3} cards / "
                f"{self.versions:>3} updates / {self.seen} seen / skipped: {skipped}  "
                f"[{'adds up' if self.adds_up else 'DOES NOT ADD UP'}]  {defects}  (build: {self.said})")


def corpus_files(corpus: Path) -> list[tuple[Path, str, date]]:
    """Return each file of the corpus with its family and date, as the README's table gives them."""
    rows = []
    for line in (corpus / "README.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 4 or not cells[0].startswith("`"):
            continue
        path = corpus / cells[0].strip("`")
        if path.is_file():
            rows.append((path, cells[2].split()[0].lower(), last_date(cells[3])))
    return rows


def last_date(text: str) -> date:
    """Return the last day of a README date cell: `2024-03-26`, `2026-06-26/29`, `2015-10-15..11-06`."""
    year, month, day = re.match(r"(\d{4})-(\d\d)-(\d\d)", text).groups()  # type: ignore[union-attr]
    tail = re.search(r"(?:\.\.|/)(?:(\d\d)-)?(\d\d)$", text)
    if tail:
        month, day = tail.group(1) or month, tail.group(2)
    return date(int(year), int(month), int(day))


def count_items(path: Path) -> int:
    """Return how many items a feed file lists, by its own markup (or its JSON collection), not by our parser."""
    body = path.read_bytes()
    if body.lstrip()[:1] == b"{":
        return len(json.loads(body).get("collection") or ())
    return len(re.findall(rb"<(?:[\w-]+:)?(?:item|entry)[\s>]", body))


def card_defects(paper: Paper) -> set[str]:
    """Return the defects one card shows (keys of DEFECTS)."""
    prose = _MATH.sub(" ", f"{paper.title}\n{paper.abstract}")
    found = {name for name in ("tex", "markup", "nn") if DEFECTS[name].search(prose)}
    if DEFECTS["doi_q"].search(paper.doi or "") or (paper.id.startswith("doi:") and DEFECTS["doi_q"].search(paper.id)):
        found.add("doi_q")
    if any(DEFECTS["au_html"].search(name) for name in paper.authors):
        found.add("au_html")
    repeated = bool(paper.abstract) and paper.abstract.casefold() == paper.title.casefold()
    if repeated or DEFECTS["stub"].search(paper.abstract):
        found.add("stub")
    return found


def build_one(path: Path, family: str, day: date, work: Path) -> FileRow:
    """Build one file as the only source of a fresh archive on its date; return its row."""
    items = count_items(path)
    work.mkdir(parents=True)
    (work / "sources.yaml").write_text(
        "topics: {misc: {en: Misc}}\nsources:\n"
        f"  - {{id: corpus, label: Corpus, topic: misc, family: {family}, url: {json.dumps(str(path))}}}\n",
        encoding="utf-8")
    config = load_config(work / "sources.yaml")
    archive = Archive(work / "content")
    report = collect(config, archive, day).sources[0]
    if report.status == "failed":
        return FileRow(path.name, family, items, error=report.error or "failed")
    papers = [p for d in archive.iter_days() for p in d.papers]
    updates = [u for d in archive.iter_days() for u in d.updates]
    defects: dict[str, int] = {}
    for paper in papers:
        for name in card_defects(paper):
            defects[name] = defects.get(name, 0) + 1
    counts = getattr(report, "counts", None)   # None before the build counted items and versions apart
    if counts is not None:
        reported, said = (counts.items, counts.new, counts.versions), report.counts_words()
    else:
        reported, said = (None, report.new, None), report.line().split(None, 2)[2]
    return FileRow(path.name, family, items, len(papers), len(updates), report.seen, dict(report.dropped), defects,
                   reported=reported, said=said)


def build_corpus(corpus: Path, work: Path) -> list[FileRow]:
    """Build every file of the corpus under work; return one row per file, in README order."""
    return [build_one(path, family, day, work / path.stem) for path, family, day in corpus_files(corpus)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS, help=f"the real feed files (default: {CORPUS})")
    args = parser.parse_args(argv)
    if not (args.corpus / "README.md").is_file():
        print(f"no corpus README at {args.corpus / 'README.md'}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="corpus-") as tmp:
        rows = build_corpus(args.corpus, Path(tmp))
    for row in rows:
        print(row.line())
    totals = {k: sum(r.defects.get(k, 0) for r in rows) for k in DEFECTS}
    print(f"{len(rows)} files, {sum(r.items for r in rows)} items, {sum(r.cards for r in rows)} cards, "
          f"{sum(not r.adds_up for r in rows)} not adding up or failed; defects: "
          + " ".join(f"{k}={n}" for k, n in totals.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
