""""For you"'s vectors files (digest/site/foryou.py): each full day's stored vectors in its cards' order, written by
the render, handed to the page with how to read them, and none for a compact day; the "close" threshold measured
against the demo's papers. The planted archive here is the browser tests' too (tests/test_browser_foryou.py)."""

from __future__ import annotations

import html as html_module
import json
import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pytest

import build
from digest.archive import Archive, Day, State
from digest.config import load_config
from digest.papers import Paper
from digest.site import render_archive, render_site
from digest.site.foryou import CLOSE, DIMS, FORYOU, VECTORS_FILE, vectoriser_row
from digest.vectoriser import FIRST_MODEL, KINDS, MODEL, comparable_rows, earlier_vector, kind_of, vector
from digest.vectors import VectorStore, vectors_stage

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "demo" / "sources.yaml"

# Three fields, each with its own words, as a field's papers share theirs: a reader who stars three papers of one
# should see that field's papers of another day ranked first.
FIELDS = {
    "quant-ph": ("arxiv-quant-ph", "surface code decoders for logical qubits", [
        "Lattice surgery between surface code patches of logical qubits",
        "Neural decoders for the surface code under biased noise",
        "Measuring logical error rates of surface code qubits on superconducting processors",
        "Fault-tolerant magic state distillation with surface code logical qubits",
        "Union-find decoders for surface code syndromes with erasures",
        "Leakage of superconducting qubits in repeated surface code cycles",
        "Surface code thresholds for logical qubits with correlated errors",
    ]),
    "medicine": ("medrxiv", "tuberculosis treatment adherence among patients in a cluster randomised trial", [
        "Video-observed therapy and tuberculosis treatment adherence in urban clinics",
        "Community health workers and tuberculosis treatment outcomes of patients",
        "Text-message reminders for tuberculosis treatment adherence: a randomised trial",
        "Loss to follow-up of tuberculosis patients during treatment in rural districts",
        "Cash transfers and tuberculosis treatment completion in a cluster randomised trial",
        "Drug-resistant tuberculosis treatment adherence of patients in referral hospitals",
        "Digital pill boxes for tuberculosis treatment adherence of patients",
    ]),
    "cs.CV": ("arxiv-cs-cv", "image segmentation of street scenes with convolutional networks", [
        "Panoptic segmentation of street scenes from a single camera image",
        "Convolutional networks for semantic segmentation of night-time street images",
        "Self-supervised pretraining for image segmentation of driving scenes",
        "Boundary-aware losses for semantic image segmentation of roads",
        "Real-time segmentation of street scene images on embedded hardware",
        "Domain adaptation of image segmentation networks from synthetic street scenes",
        "Video segmentation of street scenes with temporally consistent masks",
    ]),
}
DAYS = (date(2026, 6, 15), date(2026, 6, 16), date(2026, 6, 17))


def planted(field: str, n: int, on: date) -> Paper:
    source, theme, titles = FIELDS[field]
    title = titles[n]
    abstract = (f"We study {theme}. {title}. Our results on {theme} improve on earlier work, and the code and data "
                f"for this {field} study are released.")
    return Paper(f"arXiv:2606.{DAYS.index(on) + 1}{list(FIELDS).index(field)}{n:03d}", title, (f"A. {field} {n}",),
                 abstract, f"https://arxiv.org/abs/2606.0{n}", on, (source,), (field,), version=1)


def planted_day(on: date) -> Day:
    """A day of three papers of each field, interleaved with quant-ph and medicine last (no field first by number)."""
    k = DAYS.index(on)
    return Day(on, tuple(planted(field, (3 * k + i) % 7, on) for i in range(3) for field in reversed(FIELDS)))


def planted_archive(content: Path, days: tuple[date, ...] = DAYS[:2]) -> Archive:
    """The planted days written to content/, with their vectors (the summarize stage's vectors step)."""
    archive = Archive(content)
    for on in days:
        archive.write_day(planted_day(on))
    vectors_stage(archive)
    return archive


def test_a_full_days_file_is_its_stored_vectors_in_card_order(tmp_path: Path) -> None:
    archive = planted_archive(tmp_path / "content")
    render_archive(load_config(CONFIG), archive, tmp_path / "site")
    stored = VectorStore(archive)
    for on in DAYS[:2]:
        papers = archive.read_day(on).papers
        rows = np.frombuffer((tmp_path / "site" / on.isoformat() / VECTORS_FILE).read_bytes(), dtype=np.int8)
        assert rows.size == (1 + len(papers)) * DIMS   # the vectoriser's row, then DIMS bytes a paper
        assert rows[:DIMS].tobytes() == vectoriser_row(MODEL)
        assert KINDS[rows[0]] == kind_of(MODEL) == "terms"   # its first byte: how its rows are compared
        vectors = stored.read_vectors(on)
        for n, paper in enumerate(papers, 1):   # card n is row n
            assert np.array_equal(rows[n * DIMS:(n + 1) * DIMS], vectors[(paper.id, paper.version, MODEL)])
            assert np.array_equal(rows[n * DIMS:(n + 1) * DIMS], vector(paper))


def test_the_page_hands_the_browser_the_file_its_rows_and_the_threshold(tmp_path: Path) -> None:
    render_archive(load_config(CONFIG), planted_archive(tmp_path / "content"), tmp_path / "site")
    for page, day in (("index.html", DAYS[1]), (f"{DAYS[0]}/index.html", DAYS[0])):
        html = (tmp_path / "site" / page).read_text(encoding="utf-8")
        section = re.search(r'<section class="cards"[^>]*>', html).group(0)
        root = "./" if page == "index.html" else "../"
        assert f'data-vectors="{root}{day.isoformat()}/{VECTORS_FILE}"' in section
        assert f'data-vector-dims="{DIMS}"' in section
        closes = json.loads(html_module.unescape(re.search(r'data-close="([^"]*)"', section).group(1)))
        assert closes == [[kind, CLOSE[kind]] for kind in KINDS]   # by the number a file's first byte holds
        # The script adds every control: the page itself holds none of them.
        assert not re.search(r'class="(star|foryou|new-mark|foryou-reason)"', html)
    assert FORYOU["file"] == VECTORS_FILE and FORYOU["dims"] == DIMS


def test_a_days_cite_file_lists_its_cards_ids_in_their_order(tmp_path: Path) -> None:
    # What static/js/foryou.js reads to find an old star's row in its own day's vectors file (adopt): card n, row n.
    archive = planted_archive(tmp_path / "content")
    render_archive(load_config(CONFIG), archive, tmp_path / "site")
    for on in DAYS[:2]:
        cite = json.loads((tmp_path / "site" / on.isoformat() / "cite.json").read_text(encoding="utf-8"))
        assert list(cite["bibtex"]) == [p.id for p in archive.read_day(on).papers]


def test_a_compact_day_has_no_vectors_file_and_loses_it_when_it_leaves_the_window(tmp_path: Path) -> None:
    archive, site = planted_archive(tmp_path / "content", DAYS), tmp_path / "site"
    config = load_config(CONFIG)
    render_archive(config, archive, site)
    assert all((site / on.isoformat() / VECTORS_FILE).is_file() for on in DAYS)
    render_archive(replace(config, site=replace(config.site, full_days=2)), archive, site)
    assert not (site / DAYS[0].isoformat() / VECTORS_FILE).exists()   # compact now: nothing to rank
    assert (site / DAYS[0].isoformat() / "index.html").is_file()
    assert all((site / on.isoformat() / VECTORS_FILE).is_file() for on in DAYS[1:])


def test_vectors_stored_after_a_render_reach_the_site_on_the_next(tmp_path: Path) -> None:
    archive, site = Archive(tmp_path / "content"), tmp_path / "site"
    archive.write_day(planted_day(DAYS[0]))
    config = load_config(CONFIG)
    render_archive(config, archive, site)
    path = site / DAYS[0].isoformat() / VECTORS_FILE
    assert not any(path.read_bytes()[DIMS:])   # no stored vector yet: zeros, close to nothing
    vectors_stage(archive)
    render_archive(config, archive, site)
    assert path.read_bytes() == vectoriser_row(MODEL) + b"".join(vector(p).tobytes() for p in planted_day(DAYS[0]).papers)


def test_a_day_of_two_vectorisers_serves_only_the_vectors_of_the_one_that_made_most(tmp_path: Path) -> None:
    # After a change of llm.embeddings_model without `vectors --redo`, a day may hold vectors of two vectorisers,
    # which are not comparable: the file names one (row 0) and has zeros for the other's papers.
    archive, site = Archive(tmp_path / "content"), tmp_path / "site"
    day = planted_day(DAYS[0])
    archive.write_day(day)
    store, other = VectorStore(archive), "emb-sign-64/1:some-model"
    made = [(p.id, p.version, other if n else MODEL, vector(p)) for n, p in enumerate(day.papers)]
    store.write_vectors(DAYS[0], made)
    render_archive(load_config(CONFIG), archive, site)
    data = (site / DAYS[0].isoformat() / VECTORS_FILE).read_bytes()
    assert data[:DIMS] == vectoriser_row(other) != vectoriser_row(MODEL)
    assert data[DIMS:2 * DIMS] == bytes(DIMS)   # card 1's vector is the local vectoriser's: not served
    assert data[2 * DIMS:] == b"".join(vector(p).tobytes() for p in day.papers[1:])


def test_a_render_from_memory_writes_rows_of_zeros(tmp_path: Path) -> None:
    day = planted_day(DAYS[0])
    render_site(load_config(CONFIG), [day], State(), tmp_path)
    assert (tmp_path / DAYS[0].isoformat() / VECTORS_FILE).read_bytes() == vectoriser_row(MODEL) + bytes(DIMS * len(day.papers))


def cosines(papers: list[Paper], name: str = MODEL) -> tuple[np.ndarray, np.ndarray]:
    """The cosines of the stored vectors (by vectoriser `name`) of pairs of papers sharing a home topic, and of
    pairs that do not."""
    rows = comparable_rows([(vector if name == MODEL else earlier_vector)(p) for p in papers], kind_of(name))
    cos = rows @ rows.T
    same = np.array([[a.topics[0] == b.topics[0] for b in papers] for a in papers])
    upper = np.triu(np.ones_like(same), 1)
    return cos[same & upper], cos[~same & upper]


@pytest.fixture(scope="module")
def demo_papers(tmp_path_factory: pytest.TempPathFactory) -> list[Paper]:
    content = tmp_path_factory.mktemp("demo") / "content"
    assert build.main(["fetch", "--demo", "--content", str(content)]) == 0
    return [p for d in Archive(content).read_days() for p in d.papers]


@pytest.mark.parametrize("name", [MODEL, FIRST_MODEL])   # the earlier local vectoriser's: the "signed" kind's
def test_close_is_rarely_reached_by_chance_and_reached_within_a_field(demo_papers: list[Paper], name: str) -> None:
    """The threshold a reason needs: the demo's pairs of different home topics rarely pass it (a reason by chance),
    the planted fields' pairs mostly do (print both rates)."""
    close = CLOSE[kind_of(name)]
    _, apart = cosines(demo_papers, name)
    within, across = cosines([p for on in DAYS for p in planted_day(on).papers], name)
    chance = float((apart >= close).mean())
    print(f"{name}: cosine >= {close}: demo pairs across topics {chance:.1%}, planted pairs within a field "
          f"{(within >= close).mean():.1%}, across {(across >= close).mean():.1%}")
    assert chance < 0.08
    assert (within >= close).mean() > 0.6 and (across >= close).mean() < 0.1
