"""Vectors from an OpenAI-compatible /v1/embeddings endpoint (digest/embeddings.py), against the fake model on
127.0.0.1: stored in the one format with the model's name, reused on a rerun, kept through a change of model until
`build.py vectors --redo`, compared only with their own model's, and an endpoint down costs only the vectors."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from feedserver import Reply, Request, sequence
from llmserver import LLMServer
from test_summarize import D1, D2, run, seed, write_config
from test_vectors import JOURNAL, ORIGINAL, PARAPHRASE, PREPRINT

import build
from digest.archive import Archive, Day
from digest.config import LLMOptions, load_config
from digest.embeddings import SIGN, Embedder, embedder, reduced, text_of
from digest.errors import ConfigError
from digest.vectoriser import DIMS, FIRST_MODEL, MODEL, earlier_vector, vector
from digest.vectors import VectorStore, vectors_stage

FAKE = "fake-embed"


@pytest.fixture
def llm():
    with LLMServer() as server:
        yield server
    assert not server.errors, server.errors


def embeddings(server: LLMServer, model: str = FAKE, **options: int) -> Embedder:
    made = embedder(LLMOptions(base_url=server.base_url, embeddings_model=model, attempts=1, timeout=5,
                               **options), {})
    assert made is not None
    return made


def two_days(tmp_path: Path) -> Archive:
    archive = Archive(tmp_path / "content")
    archive.write_day(Day(date(2026, 6, 16), (JOURNAL, PARAPHRASE)))
    archive.write_day(Day(date(2026, 6, 17), (PREPRINT, ORIGINAL)))
    return archive


def stored_names(archive: Archive) -> dict[str, str]:
    """Each stored vector's paper id -> the vectoriser that made it."""
    store = VectorStore(archive)
    return {pid: model for day in archive.day_dates() for (pid, _, model) in store.read_vectors(day)}


def related_ids(archive: Archive, day: date) -> dict[str, list[str]]:
    return {pid: [r.id for r in items] for pid, items in VectorStore(archive).read_related(day)[1].items()}


def test_a_models_vector_is_reduced_to_the_stored_format() -> None:
    rng = np.random.default_rng(7)
    a = rng.normal(size=768)
    near, far = a + rng.normal(scale=0.3, size=768), rng.normal(size=768)
    vec = reduced(a)
    assert vec.dtype == np.int8 and vec.size == DIMS and int(np.abs(vec).max()) == 127
    assert np.array_equal(reduced(a * 3.0), vec)   # the length does not count, only the direction

    def cosine(x: np.ndarray, y: np.ndarray) -> float:
        return float(x @ y / np.linalg.norm(x) / np.linalg.norm(y))
    # A fixed projection keeps cosines roughly: the near vector stays near, the unrelated one stays far.
    assert cosine(reduced(near).astype(float), vec.astype(float)) > 0.8
    assert abs(cosine(reduced(far).astype(float), vec.astype(float))) < 0.4
    assert not reduced(np.zeros(384)).any()


def test_vectors_are_stored_named_and_reused(tmp_path: Path, llm: LLMServer) -> None:
    archive = two_days(tmp_path)
    made = embeddings(llm, embeddings_batch=1)
    assert vectors_stage(archive, make=made) == (2, 4)
    assert llm.embedding_calls == 4 and made.requests == 4 and made.papers == 4 and made.tokens > 0
    assert llm.embedding_inputs()[0] == text_of(JOURNAL) and text_of(JOURNAL).startswith(JOURNAL.title + "\n\n")
    assert stored_names(archive) == dict.fromkeys([JOURNAL.id, PARAPHRASE.id, PREPRINT.id, ORIGINAL.id],
                                                  f"{SIGN}:{FAKE}")
    data = json.loads(VectorStore(archive).vectors_path(date(2026, 6, 17)).read_bytes())
    assert data["vectors"][0][:3] == [PREPRINT.id, 1, f"{SIGN}:{FAKE}"]
    # The planted pairs are found by the model's vectors too (the fake model's share words).
    assert related_ids(archive, date(2026, 6, 17)) == {PREPRINT.id: [JOURNAL.id], ORIGINAL.id: [PARAPHRASE.id]}
    files = {p: p.read_bytes() for p in archive.root.rglob("*.json")}
    again = embeddings(llm)
    assert vectors_stage(archive, make=again) == (0, 0)
    assert llm.embedding_calls == 4 and again.requests == 0   # a rerun: zero requests, nothing rewritten
    assert {p: p.read_bytes() for p in archive.root.rglob("*.json")} == files


def test_batches_carry_up_to_embeddings_batch_papers(tmp_path: Path, llm: LLMServer) -> None:
    archive = Archive(tmp_path / "content")
    papers = tuple(replace(PREPRINT, id=f"arXiv:2606.3{i:04d}") for i in range(7))
    archive.write_day(Day(date(2026, 6, 17), papers))
    vectors_stage(archive, make=embeddings(llm, embeddings_batch=3))
    assert [len(json.loads(r.body)["input"]) for r in llm.requests_to(llm.EMBEDDINGS)] == [3, 3, 1]
    assert all(json.loads(r.body)["encoding_format"] == "float" for r in llm.requests_to(llm.EMBEDDINGS))


def test_a_change_of_model_re_embeds_only_with_redo(tmp_path: Path, llm: LLMServer) -> None:
    archive = two_days(tmp_path)
    vectors_stage(archive, make=embeddings(llm))
    calls, files = llm.embedding_calls, {p: p.read_bytes() for p in archive.root.rglob("*.json")}
    other = embeddings(llm, "other-embed")
    assert vectors_stage(archive, make=other) == (0, 0)
    assert llm.embedding_calls == calls and other.requests == 0
    assert {p: p.read_bytes() for p in archive.root.rglob("*.json")} == files   # kept and used as they are
    assert vectors_stage(archive, make=other, redo=True) == (2, 4)   # re-embedded: their related found again
    assert other.papers == 4 and set(stored_names(archive).values()) == {f"{SIGN}:other-embed"}
    assert related_ids(archive, date(2026, 6, 17)) == {PREPRINT.id: [JOURNAL.id], ORIGINAL.id: [PARAPHRASE.id]}
    calls = llm.embedding_calls
    assert vectors_stage(archive, make=other, redo=True) == (0, 0) and llm.embedding_calls == calls


def test_related_papers_compare_only_vectors_of_one_vectoriser(tmp_path: Path, llm: LLMServer) -> None:
    archive = Archive(tmp_path / "content")
    archive.write_day(Day(date(2026, 6, 16), (JOURNAL, PARAPHRASE)))
    vectors_stage(archive)   # the local vectoriser, before an embeddings model was configured
    archive.write_day(Day(date(2026, 6, 17), (PREPRINT, ORIGINAL)))
    made = embeddings(llm)
    assert vectors_stage(archive, make=made) == (1, 2)
    assert made.papers == 2   # only the new day's papers: the local vectors are kept
    assert stored_names(archive) == {JOURNAL.id: MODEL, PARAPHRASE.id: MODEL,
                                     PREPRINT.id: f"{SIGN}:{FAKE}", ORIGINAL.id: f"{SIGN}:{FAKE}"}
    # The journal version is the preprint's nearest, but its vector is of another vectoriser: not compared.
    assert related_ids(archive, date(2026, 6, 17)) == {}
    assert vectors_stage(archive, make=made, redo=True) == (2, 4)
    assert related_ids(archive, date(2026, 6, 17)) == {PREPRINT.id: [JOURNAL.id], ORIGINAL.id: [PARAPHRASE.id]}


def test_a_vector_per_token_is_pooled_by_its_mean(tmp_path: Path, llm: LLMServer) -> None:
    """llama-cpp-python's server embeds with a chat model (no pooling layer) as one vector per token."""
    tokens = {JOURNAL.id: [[1.0, 0.0, 2.0], [3.0, 4.0, 0.0]], PARAPHRASE.id: [[0.0, 1.0, -1.0]]}

    def per_token(req: Request) -> Reply:
        count = len(json.loads(req.body)["input"])
        data = [{"object": "embedding", "index": n, "embedding": list(tokens.values())[n]} for n in range(count)]
        return Reply(200, {"Content-Type": "application/json"}, json.dumps({"data": data}).encode())
    llm.route(llm.EMBEDDINGS, per_token)
    archive = Archive(tmp_path / "content")
    archive.write_day(Day(date(2026, 6, 16), (JOURNAL, PARAPHRASE)))
    vectors_stage(archive, make=embeddings(llm))
    stored = VectorStore(archive).read_vectors(date(2026, 6, 16))
    assert np.array_equal(stored[(JOURNAL.id, 1, f"{SIGN}:{FAKE}")], reduced(np.array([2.0, 2.0, 1.0])))
    assert np.array_equal(stored[(PARAPHRASE.id, None, f"{SIGN}:{FAKE}")], reduced(np.array([0.0, 1.0, -1.0])))


def wrong_count(req: Request) -> Reply:
    body = json.dumps({"object": "list", "data": [{"index": 0, "embedding": [1.0, float("nan")]}]})
    return Reply(200, {"Content-Type": "application/json"}, body.encode())


@pytest.mark.parametrize("handler, problem", [
    (LLMServer.error(500), "HTTP 500 after 1 attempts"),
    (LLMServer.error(404), f"embeddings model '{FAKE}' rejected (404): check llm.embeddings_model and OPENAI_API_KEY"),
    (wrong_count, "unusable response (not 2 finite vectors of one length)"),
    (LLMServer.cut(), "connection failed"),
])
def test_a_failing_endpoint_stores_nothing_and_is_asked_again(tmp_path: Path, llm: LLMServer, handler, problem) -> None:
    archive = two_days(tmp_path)
    llm.route(llm.EMBEDDINGS, sequence(handler, llm.embed))   # fails once, then answers
    made = embeddings(llm)
    assert vectors_stage(archive, make=made) == (0, 0)
    assert made.problem is not None and made.problem.startswith(f"vectors: {llm.base_url}: ") and problem in made.problem
    assert "\n" not in made.problem and made.papers == 0
    assert llm.embedding_calls == 1   # the first failure ends the run's requests
    assert not list(archive.root.glob("vectors/*")) and not list(archive.root.glob("related/*"))
    assert vectors_stage(archive, make=embeddings(llm)) == (2, 4)   # the next run embeds them
    assert len(stored_names(archive)) == 4


def test_a_failure_midway_keeps_what_was_made(tmp_path: Path, llm: LLMServer) -> None:
    archive = two_days(tmp_path)
    llm.route(llm.EMBEDDINGS, sequence(llm.embed, llm.error(503)))
    made = embeddings(llm, embeddings_batch=1)
    assert vectors_stage(archive, make=made) == (0, 0)   # the first day lacks a vector: no related found yet
    assert stored_names(archive) == {JOURNAL.id: f"{SIGN}:{FAKE}"}
    llm.route(llm.EMBEDDINGS, llm.embed)
    assert vectors_stage(archive, make=embeddings(llm)) == (2, 4)
    assert len(llm.embedding_inputs()) == 1 + 1 + 3   # the failed request's paper and the rest, not the first


def test_build_with_the_endpoint_down_still_builds_then_embeds(tmp_path: Path, llm: LLMServer,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    seed(tmp_path)
    config = write_config(tmp_path, llm, embeddings_model=FAKE, attempts=1)
    llm.route(llm.EMBEDDINGS, llm.error(500))
    assert run(tmp_path, config) == 0 and run(tmp_path, config, "render") == 0
    out, err = capsys.readouterr()
    assert f"vectors: {llm.base_url}: HTTP 500 after 1 attempts; papers without a vector are asked for again " \
           "on the next run\n" in err
    assert "summarize: 11 papers summarised" in out   # the summaries were not held back by it
    assert (tmp_path / "site" / D2.isoformat() / "index.html").is_file()
    assert not (tmp_path / "content" / "vectors").exists()
    llm.route(llm.EMBEDDINGS, llm.embed)
    assert run(tmp_path, config, "vectors") == 0
    out = capsys.readouterr().out
    assert f"vectors: 11 papers embedded by {FAKE} at {llm.base_url}: 2 requests" in out   # one a day
    assert f"related papers across fields found for 11 papers of 2 days ({SIGN}:{FAKE})" in out
    calls = llm.embedding_calls
    assert run(tmp_path, config) == 0 and llm.embedding_calls == calls   # nothing new: no request


def test_build_vectors_redo_re_embeds_after_a_change_of_model(tmp_path: Path, llm: LLMServer,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    archive = seed(tmp_path)
    assert run(tmp_path, write_config(tmp_path, llm, embeddings_model=FAKE)) == 0
    config = write_config(tmp_path, llm, embeddings_model="other-embed")
    calls = llm.embedding_calls
    assert run(tmp_path, config, "vectors") == 0 and llm.embedding_calls == calls
    assert set(stored_names(archive).values()) == {f"{SIGN}:{FAKE}"}
    assert build.main(["vectors", "--redo", "--config", str(config), "--content", str(tmp_path / "content")]) == 0
    assert llm.embedding_calls == calls + 2   # a request per day: each day's papers fit one
    assert set(stored_names(archive).values()) == {f"{SIGN}:other-embed"}
    capsys.readouterr()
    assert build.main(["vectors", "--redo", D1.isoformat(), "--content", str(tmp_path / "content")]) == 2
    assert build.main(["summarize", "--redo", "--content", str(tmp_path / "content")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [f"--redo works with the summarize stage only: build.py summarize --redo {D1.isoformat()}",
                   "--redo without an id or day works with the vectors stage only: build.py vectors --redo; "
                   "build.py summarize --redo ID|DAY|WEEK"]


def test_offline_with_a_model_named_uses_the_local_vectoriser_and_says_so(tmp_path: Path,
                                                                          capsys: pytest.CaptureFixture[str]) -> None:
    archive = seed(tmp_path)
    assert run(tmp_path, write_config(tmp_path, None, embeddings_model=FAKE)) == 0
    assert "llm.embeddings_model is set, but no endpoint" in capsys.readouterr().out
    assert set(stored_names(archive).values()) == {MODEL}
    assert embedder(LLMOptions(embeddings_model=FAKE, enabled=False, base_url="http://127.0.0.1:9/v1"), {}) is None
    assert embedder(LLMOptions(base_url="http://127.0.0.1:9/v1"), {}) is None   # no model named: local


def test_embeddings_base_url_is_its_own_endpoint() -> None:
    made = embedder(LLMOptions(base_url="http://127.0.0.1:8/v1", embeddings_base_url="http://127.0.0.1:9/v1",
                               embeddings_model=FAKE), {"OPENAI_BASE_URL": "http://127.0.0.1:7/v1"})
    assert made is not None and made.endpoint.url == "http://127.0.0.1:9/v1" and made.name == f"{SIGN}:{FAKE}"


@pytest.mark.parametrize("line, message", [
    ('embeddings_model: "text-embedding-3-small\\n"',
     r"llm.embeddings_model: expected one line without control characters"),
    ("embeddings_batch: 0", r"llm.embeddings_batch: expected a positive number, got 0"),
    ("embeddings_base_url: localhost:11434", r"llm.embeddings_base_url: "),
    ("embeddings_modle: x", r"llm.embeddings_modle: unknown key \(did you mean 'embeddings_model'"),
])
def test_bad_embeddings_settings_are_one_line_naming_the_key(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text(f"llm:\n  {line}\ntopics: {{x: {{en: X}}}}\nsources:\n  - {{id: a, label: A, topic: x, url: a.xml}}\n",
                    encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].startswith("sources.yaml:2: ")
    assert re.search(message, caught.value.problems[0]), caught.value.problems


def test_build_vectors_makes_the_earlier_local_vectors_again_over_the_full_window_but_not_a_models(
        tmp_path: Path, llm: LLMServer) -> None:
    # A change of the local vectoriser needs no --redo: `build.py vectors` makes its earlier vectors again over
    # site.full_days (30 days by default: every day the browser reads a vectors file of), with no request; a
    # model's vectors stay as they are (they cost requests: only on request).
    archive = seed(tmp_path)
    store = VectorStore(archive)
    old = date(2026, 5, 25)   # 23 days before D2: outside the 14-day window, inside the full window
    archive.write_day(Day(old, (JOURNAL, PARAPHRASE)))
    assert run(tmp_path, write_config(tmp_path, llm, embeddings_model=FAKE)) == 0   # D1's and D2's by the model
    store.write_vectors(old, [(JOURNAL.id, 1, FIRST_MODEL, earlier_vector(JOURNAL)),
                              (PARAPHRASE.id, None, f"{SIGN}:{FAKE}", earlier_vector(PARAPHRASE))])
    calls, before = llm.embedding_calls, stored_names(archive)
    assert run(tmp_path, write_config(tmp_path, llm, embeddings_model=FAKE), "vectors") == 0
    assert llm.embedding_calls == calls
    assert stored_names(archive) == {**before, JOURNAL.id: MODEL}
    assert np.array_equal(store.read_vectors(old)[(JOURNAL.id, 1, MODEL)], vector(JOURNAL))
