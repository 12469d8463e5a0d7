"""The local vectoriser (digest/vectoriser.py) and the vectors stage (digest/vectors.py): one vector per paper
whatever the process, planted pairs found as each other's nearest, related papers across fields stored once per
day, the stage's files in content/, and vectors of the earlier local vectoriser made again by the current one."""

from __future__ import annotations

import json
import subprocess
import sys
import zlib
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pytest

import build
from digest.archive import Archive, Day
from digest.papers import Paper
from digest.vectoriser import (DIMS, FIRST_MODEL, MODEL, TERMS, comparable_rows, earlier_vector, hashed, kind_of,
                               term_weights, unit_rows, vector)
from digest.vectors import VectorStore, decode, encode, fingerprint, nearest_across, vectors_stage

ROOT = Path(__file__).resolve().parent.parent

PREPRINT = Paper(
    "arXiv:2606.20001", "Graph neural networks for predicting protein-ligand binding affinity from docking poses",
    ("Ada Pool",),
    "We train a graph neural network on docking poses to predict protein-ligand binding affinity. Atoms are nodes "
    "and contacts within five angstroms are edges; an attention readout pools the pocket. On the PDBbind core set "
    "the model lowers the error of physics-based scoring functions and generalises to unseen protein families.",
    "https://arxiv.org/abs/2606.20001", date(2026, 6, 17), ("arxiv-cs-lg",), ("cs.LG",), version=1)
JOURNAL = replace(
    PREPRINT, id="doi:10.1371/journal.pcbi.2001", topics=("biology",), day=date(2026, 6, 16),
    title="Graph neural networks predict protein-ligand binding affinity from docking poses",
    abstract="We trained a graph neural network on docking poses to predict protein-ligand binding affinity. Atoms "
             "are nodes and contacts within 5 angstroms are edges, and an attention readout pools the binding pocket. "
             "On the PDBbind core set, the model reduces the error of physics-based scoring functions and "
             "generalises to protein families not seen in training.")
ORIGINAL = Paper(
    "arXiv:2606.20002", "Extreme heat and emergency admissions of older adults in South Asian cities", ("B. Chen",),
    "Using daily admissions records from nine cities, we estimate how hospital admissions of adults over 65 change "
    "on days of extreme heat. Admissions for kidney disease and heat stroke rose most, with a lag of one to two days, "
    "and the effect was larger in cities with little tree cover.",
    "https://example.org/a", date(2026, 6, 17), ("medrxiv",), ("medicine",))
PARAPHRASE = replace(
    ORIGINAL, id="arXiv:2606.20003", topics=("physics.soc-ph",),
    title="Emergency admissions of older adults during extreme heat in cities of South Asia",
    abstract="From daily admissions records of nine cities we estimate the change in hospital admissions among "
             "adults older than 65 on extreme heat days. Kidney disease and heat stroke admissions rose the most, "
             "lagged by one or two days, and the effect grew in cities with less tree cover.")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Archive:
    """The demo's archive (its bundled feeds, offline): the planted pairs' distractors."""
    content = tmp_path_factory.mktemp("demo") / "content"
    assert build.main(["fetch", "--demo", "--content", str(content)]) == 0
    return Archive(content)


def test_same_paper_same_vector_in_another_process() -> None:
    here = encode(vector(PREPRINT))
    code = ("import sys, json; sys.path.insert(0, sys.argv[1]); from tests.test_vectors import PREPRINT; "
            "from digest.vectoriser import vector; from digest.vectors import encode; print(encode(vector(PREPRINT)))")
    # Another process, another hash seed: Python's own str hash would differ, blake2b must not.
    there = subprocess.run([sys.executable, "-c", code, str(ROOT)], capture_output=True, text=True, check=True,
                           env={"PYTHONHASHSEED": "12345", "PYTHONDONTWRITEBYTECODE": "1"}, cwd=ROOT).stdout.strip()
    assert there == here
    vec = decode(here)
    assert vec.dtype == np.int8 and vec.size == DIMS
    raw = vec.view(np.uint8)
    weights = raw[2 * TERMS:3 * TERMS]
    assert weights[0] == 255 and all(weights[:-1] >= weights[1:]) and weights.all()   # weightiest first, all held
    # The weightiest terms are the field's own words (rare in English), not words common in any text.
    hashes = {w: zlib.crc32(w.encode()) & 0xFFFF for w in ("ligand", "docking", "affinity", "network", "the")}
    ids = raw[:2 * TERMS].view("<u2").tolist()
    assert set(ids[:3]) == {hashes["ligand"], hashes["docking"], hashes["affinity"]}
    assert ids.index(hashes["network"]) > 3 and hashes["the"] not in ids
    assert max(term_weights(PREPRINT).values()) == term_weights(PREPRINT)[ids[0]]
    assert np.array_equal(decode(encode(vector(JOURNAL))), vector(JOURNAL))


def test_a_paper_without_words_has_a_zero_vector() -> None:
    empty = replace(PREPRINT, title="The of and", abstract="")
    assert not vector(empty).any() and not hashed(empty).any()
    assert not unit_rows([hashed(empty)]).any()   # and no cosine with anything: never related
    assert not comparable_rows([vector(empty)], kind_of(MODEL)).any()


def test_planted_pairs_are_each_others_nearest(demo: Archive) -> None:
    planted = [PREPRINT, JOURNAL, ORIGINAL, PARAPHRASE]
    pool = [p for d in demo.iter_days() for p in d.papers] + planted
    assert len(pool) > 60
    for make, kind in ((hashed, "signed"), (vector, kind_of(MODEL)), (earlier_vector, kind_of(FIRST_MODEL))):
        rows = comparable_rows([make(p) for p in pool], kind)
        cosines = rows @ rows.T
        np.fill_diagonal(cosines, -2.0)
        nearest = {pool[i].id: pool[int(np.argmax(cosines[i]))].id for i in range(len(pool) - 4, len(pool))}
        assert nearest == {PREPRINT.id: JOURNAL.id, JOURNAL.id: PREPRINT.id,
                           ORIGINAL.id: PARAPHRASE.id, PARAPHRASE.id: ORIGINAL.id}, make.__name__


def test_related_only_across_topics_and_above_the_threshold() -> None:
    same_topic = replace(JOURNAL, id="arXiv:2606.20009", topics=("cs.LG", "q-bio.BM"))
    papers = [PREPRINT, same_topic, JOURNAL, ORIGINAL]
    rows = unit_rows([hashed(p) for p in papers])
    related = nearest_across(papers, rows, papers, rows)
    # The closest paper shares cs.LG: left out; the journal version in another field is kept; the heat study
    # (nothing in common) is under the threshold.
    assert [r.id for r in related[PREPRINT.id]] == [JOURNAL.id]
    assert ORIGINAL.id not in related


def test_stage_stores_vectors_and_related_once(tmp_path: Path) -> None:
    archive = Archive(tmp_path / "content")
    archive.write_day(Day(date(2026, 6, 16), (JOURNAL, PARAPHRASE)))
    archive.write_day(Day(date(2026, 6, 17), (PREPRINT, ORIGINAL)))
    assert vectors_stage(archive) == (2, 4)
    store = VectorStore(archive)
    stored = store.read_vectors(date(2026, 6, 17))
    assert set(stored) == {(PREPRINT.id, 1, MODEL), (ORIGINAL.id, None, MODEL)}   # id, version and model
    assert np.array_equal(stored[(PREPRINT.id, 1, MODEL)], vector(PREPRINT))
    key, related = store.read_related(date(2026, 6, 17))
    assert key == fingerprint((PREPRINT, ORIGINAL), [MODEL, MODEL])
    assert [(r.id, r.day) for r in related[PREPRINT.id]] == [(JOURNAL.id, date(2026, 6, 16))]
    assert [r.id for r in related[ORIGINAL.id]] == [PARAPHRASE.id]
    # The earlier day never looks ahead: its papers' related papers are from it or before it.
    assert all(r.day <= date(2026, 6, 16) for items in store.read_related(date(2026, 6, 16))[1].values()
               for r in items)
    files = sorted(p for p in (tmp_path / "content").rglob("*") if p.is_file())
    stamps = {p: p.stat().st_mtime_ns for p in files}
    assert vectors_stage(archive) == (0, 0)   # nothing new: nothing recomputed, nothing rewritten
    assert {p: p.stat().st_mtime_ns for p in files} == stamps
    data = json.loads(store.vectors_path(date(2026, 6, 17)).read_bytes())
    assert data["vectors"][0][:3] == [PREPRINT.id, 1, MODEL]


def test_a_grown_day_gets_its_new_papers_vectors_and_new_related(tmp_path: Path) -> None:
    archive = Archive(tmp_path / "content")
    archive.write_day(Day(date(2026, 6, 17), (PREPRINT,)))
    vectors_stage(archive)
    store = VectorStore(archive)
    assert store.read_related(date(2026, 6, 17))[1] == {}
    archive.write_day(Day(date(2026, 6, 17), (PREPRINT, JOURNAL)))
    assert vectors_stage(archive) == (1, 2)
    assert len(store.read_vectors(date(2026, 6, 17))) == 2
    assert [r.id for r in store.read_related(date(2026, 6, 17))[1][PREPRINT.id]] == [JOURNAL.id]


def test_an_unreadable_vectors_file_is_named_and_rebuilt(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    archive = Archive(tmp_path / "content")
    archive.write_day(Day(date(2026, 6, 17), (PREPRINT,)))
    store = VectorStore(archive)
    store.vectors_path(date(2026, 6, 17)).parent.mkdir(parents=True)
    store.vectors_path(date(2026, 6, 17)).write_text("{not json", encoding="utf-8")
    vectors_stage(archive)
    assert "2026-06-17.json: unreadable" in capsys.readouterr().out
    assert (PREPRINT.id, 1, MODEL) in store.read_vectors(date(2026, 6, 17))


def test_cards_link_their_related_papers_across_fields(tmp_path: Path) -> None:
    from digest.config import load_config
    from digest.site import render_archive
    archive = Archive(tmp_path / "content")
    archive.write_day(Day(date(2026, 6, 16), (JOURNAL, PARAPHRASE)))
    archive.write_day(Day(date(2026, 6, 17), (PREPRINT, ORIGINAL)))
    config = load_config(build.DEMO / "sources.yaml")
    site = tmp_path / "site"
    render_archive(config, archive, site)
    assert 'class="related"' not in (site / "2026-06-17" / "index.html").read_text(encoding="utf-8")  # none stored
    vectors_stage(archive)
    assert render_archive(config, archive, site).written > 0   # the stored related papers re-render their pages
    page = (site / "2026-06-17" / "index.html").read_text(encoding="utf-8")
    card = page[page.index(f'id="{PREPRINT.id}"'):]
    card = card[:card.index("</article>")]
    assert ('<p class="related"><span data-i18n="related_label">Related across fields:</span> '
            f'<a href="../2026-06-16/#{JOURNAL.id}">{JOURNAL.title}</a></p>') in card
    assert f'id="{JOURNAL.id}"' in (site / "2026-06-16" / "index.html").read_text(encoding="utf-8")
    earlier = (site / "2026-06-16" / "index.html").read_text(encoding="utf-8")
    assert f'2026-06-17/#{ORIGINAL.id}"' not in earlier   # a day never links a later one (the paraphrase's original)
    stamps = {p: p.stat().st_mtime_ns for p in site.rglob("*.html")}
    render_archive(config, archive, site)
    assert {p: p.stat().st_mtime_ns for p in site.rglob("*.html")} == stamps


def test_vectors_made_again_at_the_same_size_are_written_to_the_site_again(tmp_path: Path) -> None:
    # A model's vectors made again (another model whose name is as long, or the same model's new weights) keep the
    # stored file's size: the site's vectors.bin must follow the bytes, not the size.
    from digest.config import load_config
    from digest.site import render_archive
    archive = Archive(tmp_path / "content")
    day = date(2026, 6, 17)
    archive.write_day(Day(day, (PREPRINT, ORIGINAL)))
    vectors_stage(archive)
    config, site = load_config(build.DEMO / "sources.yaml"), tmp_path / "site"
    render_archive(config, archive, site)
    shown = (site / day.isoformat() / "vectors.bin").read_bytes()
    store = VectorStore(archive)
    stored = store.vectors_path(day).read_bytes()
    store.write_vectors(day, [(pid, version, model, -vec) for (pid, version, model), vec in store.read_vectors(day).items()])
    assert len(store.vectors_path(day).read_bytes()) == len(stored) and store.vectors_path(day).read_bytes() != stored
    render_archive(config, archive, site)
    assert (site / day.isoformat() / "vectors.bin").read_bytes() != shown


def as_bytes(stored: dict[tuple[str, int | None, str], np.ndarray]) -> dict[tuple[str, int | None, str], bytes]:
    return {key: vec.tobytes() for key, vec in stored.items()}


def test_vectors_of_the_earlier_local_vectoriser_are_made_again_over_the_days_asked(tmp_path: Path) -> None:
    # A change of the local vectoriser is cheap (a pure function of the text): its vectors are made again, over
    # the window the browser reads (remake: site.full_days), with no --redo; an embeddings model's are kept.
    archive, store = Archive(tmp_path / "content"), VectorStore(Archive(tmp_path / "content"))
    old, recent, model = date(2026, 5, 20), date(2026, 6, 17), "emb-sign-64/1:some-model"
    archive.write_day(Day(old, (JOURNAL, PARAPHRASE)))
    archive.write_day(Day(recent, (PREPRINT, ORIGINAL)))
    store.write_vectors(old, [(JOURNAL.id, 1, FIRST_MODEL, earlier_vector(JOURNAL)),
                              (PARAPHRASE.id, None, model, earlier_vector(PARAPHRASE))])
    store.write_vectors(recent, [(PREPRINT.id, 1, FIRST_MODEL, earlier_vector(PREPRINT))])
    assert vectors_stage(archive) == (1, 2)   # the window's day: all its papers' vectors now MODEL's
    assert as_bytes(store.read_vectors(recent)) == {(PREPRINT.id, 1, MODEL): vector(PREPRINT).tobytes(),
                                                    (ORIGINAL.id, None, MODEL): vector(ORIGINAL).tobytes()}
    assert (JOURNAL.id, 1, FIRST_MODEL) in store.read_vectors(old)   # outside the window and not asked for
    vectors_stage(archive, remake=30)
    assert as_bytes(store.read_vectors(old)) == {(JOURNAL.id, 1, MODEL): vector(JOURNAL).tobytes(),
                                                 (PARAPHRASE.id, None, model): earlier_vector(PARAPHRASE).tobytes()}
    assert store.read_related(old) == ("", {})   # an older day keeps what it had: no related papers found for it
    stamp = store.vectors_path(old).stat().st_mtime_ns
    vectors_stage(archive, remake=30)
    assert store.vectors_path(old).stat().st_mtime_ns == stamp   # done once
