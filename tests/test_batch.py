"""Batch mode (llm.mode: batch) end to end: the real openai client against the Files and Batches endpoints of
tests/llmbatch.py on 127.0.0.1, through build.py, each state a batch can be in."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from llmbatch import BatchAPI
from llmserver import MARKER, LLMServer, task
from test_summarize import D1, D2, paper, run, seed, write_config

from digest.archive import Archive
from digest.config import load_config
from digest.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
PAPERS = 11   # seed(): 6 on D1, 5 on D2


def summarised(archive: Archive) -> dict[str, dict[str, str]]:
    """Return every stored summary by paper id."""
    return {p.id: p.summary for day in archive.iter_days() for p in day.papers if p.summary}


def batch_config(tmp_path: Path, llm: LLMServer, **options) -> Path:
    return write_config(tmp_path, llm, mode="batch", batch_size=4, **options)


def summary_calls(llm: LLMServer) -> int:
    """Return how many synchronous chat requests asked for summaries (not briefings)."""
    return sum("briefing" not in body["messages"][0]["content"] for body in llm.bodies())


def test_mode_is_validated_in_one_line(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text("site: {languages: [en]}\nllm:\n  mode: bacth\ntopics: {t: {en: T}}\n"
                    "sources:\n  - {id: s, label: S, topic: t, url: s.xml}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.problems == [
        "sources.yaml:3: llm.mode: expected sync or batch (batch: OpenAI's Batch API, half the price, answers by "
        "the next run), got 'bacth'"]


def test_submit_then_running_then_completed_then_nothing(tmp_path, capsys):
    archive = seed(tmp_path)
    with LLMServer() as llm:
        api = BatchAPI(llm, "validating", "in_progress", "finalizing", "completed")
        config = batch_config(tmp_path, llm)
        assert run(tmp_path, config) == 0
        assert list(api.batches) == ["batch_1"] and summary_calls(llm) == 0   # no paper was asked for synchronously
        lines = api.lines("batch_1")
        assert {line["url"] for line in lines} == {"/v1/chat/completions"}
        # Newest day first, each day's papers by llm.batch_size (4): 5 on D2, then 6 on D1.
        assert [len(task(line["body"])["papers"]) for line in lines] == [4, 1, 4, 2]
        assert all(line["body"]["model"] == "test-model" and line["body"]["response_format"] for line in lines)
        stored = archive.read_batches()
        assert [b["id"] for b in stored] == ["batch_1"]
        assert sum(len(r["papers"]) for r in stored[0]["requests"].values()) == PAPERS
        assert summarised(archive) == {}   # the cards show the extractive summary meanwhile
        out = capsys.readouterr().out
        assert f"batch batch_1: submitted 4 requests for {PAPERS} papers" in out

        for status in ("validating", "in_progress", "finalizing"):
            assert run(tmp_path, config) == 0
            out = capsys.readouterr().out
            assert f"batch batch_1: {status}" in out and f"its {PAPERS} papers keep their extractive summaries" in out
            assert list(api.batches) == ["batch_1"] and summarised(archive) == {}   # not submitted twice

        assert run(tmp_path, config) == 0
        out = capsys.readouterr().out
        assert f"batch batch_1: completed: {PAPERS} of {PAPERS} papers summarised" in out
        got = summarised(archive)
        assert len(got) == PAPERS and all(s["en"].startswith("In plain words: ") and s["zh"] for s in got.values())
        assert archive.read_batches() == [] and list(api.batches) == ["batch_1"]
        usage = archive.read_usage()
        assert usage[D1.isoformat()]["papers"] == 6 and usage[D2.isoformat()]["papers"] == 5

        seen = len(llm.requests)
        assert run(tmp_path, config) == 0
        assert len(llm.requests) == seen, "a rerun after collecting made a request"
        assert "every summary and briefing is current" in capsys.readouterr().out


def test_failed_batch_sends_its_papers_back_to_the_queue(tmp_path, capsys):
    archive = seed(tmp_path)
    with LLMServer() as llm:
        api = BatchAPI(llm, "failed")
        config = batch_config(tmp_path, llm)
        assert run(tmp_path, config) == 0
        assert run(tmp_path, config) == 0
        captured = capsys.readouterr()
        assert "batch batch_1: failed (token_limit_exceeded: Enqueued token limit reached)" in captured.err
        assert f"batch batch_2: submitted 4 requests for {PAPERS} papers" in captured.out   # the same papers again
        assert [b["id"] for b in archive.read_batches()] == ["batch_2"] and summarised(archive) == {}
        api.statuses = ("completed",)
        assert run(tmp_path, config) == 0
        assert len(summarised(archive)) == PAPERS and archive.read_batches() == []


@pytest.mark.parametrize("status", ["expired", "cancelled"])
def test_expired_or_cancelled_batch_keeps_what_answered(tmp_path, capsys, status):
    archive = seed(tmp_path)
    with LLMServer() as llm:
        api = BatchAPI(llm, status)
        config = batch_config(tmp_path, llm)
        assert run(tmp_path, config) == 0
        answered = {pid for line in api.lines("batch_1")[:2] for pid in _ids(archive, line)}   # the fake answers half
        assert answered == {p.id for p in archive.read_day(D2).papers}
        assert run(tmp_path, config) == 0
        captured = capsys.readouterr()
        assert f"batch batch_1: {status}: {len(answered)} of {PAPERS} papers summarised" in captured.err
        assert set(summarised(archive)) == answered
        assert {pid for line in api.lines("batch_2") for pid in _ids(archive, line)} == {
            p.id for day in archive.iter_days() for p in day.papers} - answered   # only the rest is submitted again
        api.statuses = ("completed",)
        assert run(tmp_path, config) == 0
        assert len(summarised(archive)) == PAPERS and archive.read_batches() == []


def test_partly_failed_batch_requeues_only_the_failed_lines(tmp_path, capsys):
    poisoned = paper(200, D2, title=f"A {MARKER} paper about tumour segmentation")
    archive = seed(tmp_path, extra=(poisoned,))
    with LLMServer() as llm:
        api = BatchAPI(llm, "completed")
        api.fail = lambda body: MARKER in body["messages"][1]["content"]
        config = batch_config(tmp_path, llm)
        assert run(tmp_path, config) == 0
        failed = {pid for line in api.lines("batch_1") if api.fail(line["body"]) for pid in _ids(archive, line)}
        assert failed == {"arXiv:2606.10105", poisoned.id}   # D2's second request: its papers 5 and 6
        assert run(tmp_path, config) == 0
        captured = capsys.readouterr()
        assert (f"batch batch_1: completed: {PAPERS + 1 - len(failed)} of {PAPERS + 1} papers summarised, "
                f"1 request failed; {len(failed)} papers go back to the queue") in captured.err
        assert set(summarised(archive)) == {p.id for d in archive.iter_days() for p in d.papers} - failed
        assert {pid for line in api.lines("batch_2") for pid in _ids(archive, line)} == failed
        api.fail = lambda body: False
        assert run(tmp_path, config) == 0
        assert len(summarised(archive)) == PAPERS + 1 and archive.read_batches() == []


def test_a_summary_the_gate_refuses_is_asked_again_once_in_the_next_batch_then_falls_back(tmp_path, capsys):
    poisoned = paper(200, D2, title=f"A {MARKER} paper about tumour segmentation")
    archive = seed(tmp_path, extra=(poisoned,))
    with LLMServer() as llm:
        api = BatchAPI(llm, "completed")
        llm.script(llm.unfaithful(lambda text, lang: text + ". It reaches 97% accuracy."))
        config = batch_config(tmp_path, llm)
        assert run(tmp_path, config) == 0
        assert run(tmp_path, config) == 0          # collects: the poisoned paper alone goes again, with the reason
        assert "1 refused by the gate, asked again with the reason" in capsys.readouterr().out
        (again,) = api.lines("batch_2")
        assert [p["title"] for p in task(again["body"])["papers"]] == [poisoned.title]
        assert "- paper 1: it states" in again["body"]["messages"][0]["content"]
        assert archive.read_batches()[0]["reasked"] == [poisoned.id]
        assert run(tmp_path, config) == 0          # refused again: the verdict is stored, the extractive summary stays
        out = capsys.readouterr().out
        assert "batch batch_2: completed: 0 of 1 papers summarised, 1 refused by the gate twice" in out
        assert "gate: 1 summaries refused (number 1)" in out
        stored = {p.id: p for p in archive.read_day(D2).papers}
        assert stored[poisoned.id].summary == {} and stored[poisoned.id].summary_verdict.startswith("number: ")
        assert len(summarised(archive)) == PAPERS and archive.read_batches() == []
        usage = archive.read_usage()[D2.isoformat()]
        assert usage["reasked"] == 1 and usage["rejected_number"] == 1
        seen = len(llm.requests)
        assert run(tmp_path, config) == 0 and len(llm.requests) == seen   # the verdict is cached like a summary


def test_unusable_answers_in_a_completed_batch_go_back_to_the_queue(tmp_path, capsys):
    archive = seed(tmp_path)
    with LLMServer() as llm:
        api = BatchAPI(llm, "completed")
        llm.script(llm.malformed)   # every line answered 200, none in shape
        config = batch_config(tmp_path, llm)
        assert run(tmp_path, config) == 0
        assert run(tmp_path, config) == 0
        assert f"batch batch_1: completed: 0 of {PAPERS} papers summarised; {PAPERS} papers go back" in capsys.readouterr().err
        assert summarised(archive) == {} and [b["id"] for b in archive.read_batches()] == ["batch_2"]
        assert len(api.lines("batch_2")) == 4


def test_a_batch_the_server_does_not_know_is_submitted_again(tmp_path, capsys):
    archive = seed(tmp_path)
    with LLMServer() as llm:
        api = BatchAPI(llm, "completed")
        config = batch_config(tmp_path, llm)
        assert run(tmp_path, config) == 0
        del api.batches["batch_1"]
        assert run(tmp_path, config) == 0
        assert f"batch batch_1: unknown to {llm.base_url}: its {PAPERS} papers go back to the queue" in capsys.readouterr().err
        assert [b["id"] for b in archive.read_batches()] == ["batch_2"]


def test_a_damaged_batches_file_is_one_line_naming_it(tmp_path, capsys):
    archive = seed(tmp_path)
    archive.write_batches([{"id": "batch_1", "model": "test-model"}])
    with LLMServer() as llm:
        BatchAPI(llm)
        assert run(tmp_path, batch_config(tmp_path, llm)) == 1
        assert len(llm.requests) == 0
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and err.startswith(f"{archive.batches_path}: batches[0]: not a submitted batch (KeyError")


def test_a_run_killed_while_collecting_leaves_content_whole(tmp_path):
    """SIGKILLed before each file rename of the collecting run: content/ parses, and the next run finishes the job
    from the same batch (the summaries are stored before the batch leaves batches.json), paying for nothing twice."""
    for kill_at in (1, 2, 3, 4):
        # A server each: the same papers' batch on a shared one would be adopted (it is ours, and answers them)
        with LLMServer() as llm:
            api = BatchAPI(llm, "completed")
            where = tmp_path / str(kill_at)
            where.mkdir()
            archive = seed(where)
            config = batch_config(where, llm)
            assert run(where, config) == 0
            batch_id = archive.read_batches()[0]["id"]
            created = len(api.batches)
            child = subprocess.run(
                [sys.executable, str(ROOT / "tests" / "crashdriver.py"), str(kill_at), "summarize", "--config",
                 str(config), "--content", str(where / "content")], capture_output=True, text=True, timeout=120)
            assert child.returncode == -9, child.stderr   # SIGKILL: it died at that rename
            reread = Archive(where / "content")
            assert len(reread.read_days()) == 2 and reread.read_usage() is not None   # every file parses
            left = [b["id"] for b in reread.read_batches()]
            assert left in ([batch_id], []), left
            assert run(where, config) == 0
            assert len(summarised(reread)) == PAPERS and reread.read_batches() == []
            assert len(api.batches) == created, "a killed collect had its papers submitted again"


def test_a_batch_created_but_never_recorded_is_adopted_not_submitted_again(tmp_path, capsys):
    """SIGKILLed at its first rename, batches.json, the submitting run leaves a batch paid for and unrecorded: the
    next run lists the server's batches, finds ours by its metadata and adopts it; the one after collects it."""
    archive = seed(tmp_path)
    with LLMServer() as llm:
        api = BatchAPI(llm, "in_progress", "completed")
        config = batch_config(tmp_path, llm)
        child = subprocess.run(
            [sys.executable, str(ROOT / "tests" / "crashdriver.py"), "1", "summarize", "--config", str(config),
             "--content", str(tmp_path / "content")], capture_output=True, text=True, timeout=120)
        assert child.returncode == -9, child.stderr
        assert list(api.batches) == ["batch_1"] and archive.read_batches() == []   # created, never recorded
        assert api.batches["batch_1"]["metadata"] == {
            "academichub": "AcademicHub", "model": "test-model", "prompt": "s2.1", "days": "2026-06-17,2026-06-16"}
        sent = api.lines("batch_1")
        capsys.readouterr()
        assert run(tmp_path, config) == 0
        out = capsys.readouterr().out
        assert "batch batch_1: created 1970-01-01T00:00:00+00:00 by a run that did not record it: adopted for its " \
               f"{PAPERS} papers instead of submitting them again" in out
        assert "batch batch_1: in_progress" in out and list(api.batches) == ["batch_1"]   # nothing submitted again
        recorded = archive.read_batches()
        assert [b["id"] for b in recorded] == ["batch_1"] and recorded[0]["reasked"] == []
        # rebuilt from the input file: each line's papers, in the line's order
        assert [[p["title"] for p in task(line["body"])["papers"]] for line in sent] == [
            [paper.title for paper_id in recorded[0]["requests"][line["custom_id"]]["papers"]
             for paper in archive.read_day(D1 if line["custom_id"].startswith(D1.isoformat()) else D2).papers
             if paper.id == paper_id] for line in sent]
        assert run(tmp_path, config) == 0
        assert f"batch batch_1: completed: {PAPERS} of {PAPERS} papers summarised" in capsys.readouterr().out
        assert len(summarised(archive)) == PAPERS and archive.read_batches() == []
        listed = len(llm.requests_to("/v1/batches"))
        assert run(tmp_path, config) == 0   # collected: not adopted again, and nothing left to list batches for
        assert list(api.batches) == ["batch_1"] and len(llm.requests_to("/v1/batches")) == listed
        assert "adopted" not in capsys.readouterr().out


@pytest.mark.parametrize("tag, value", [("academichub", "someone/else"), ("model", "other-model"), ("prompt", "s1.1")])
def test_an_unrecorded_batch_of_another_hub_model_or_prompt_is_not_adopted(tmp_path, capsys, tag, value):
    archive = seed(tmp_path)
    with LLMServer() as llm:
        api = BatchAPI(llm, "in_progress")
        config = batch_config(tmp_path, llm)
        assert run(tmp_path, config) == 0
        api.batches["batch_1"]["metadata"][tag] = value
        archive.write_batches([])   # as if never recorded
        assert run(tmp_path, config) == 0
        assert list(api.batches) == ["batch_1", "batch_2"] and [b["id"] for b in archive.read_batches()] == ["batch_2"]
        assert "adopted" not in capsys.readouterr().out


def _ids(archive: Archive, line: dict) -> list[str]:
    """Return the paper ids a batch request line asks for, as content/batches.json recorded them."""
    for job in archive.read_batches():
        if line["custom_id"] in job["requests"]:
            return job["requests"][line["custom_id"]]["papers"]
    raise AssertionError(f"no batch of content/batches.json holds {line['custom_id']}")


def test_bench_prints_a_day_in_both_modes_at_half_the_price():
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "batch.py"), "--papers", "24"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "24 papers summarised" in done.stdout.splitlines()[0] and "24 papers summarised" in done.stdout.splitlines()[1]
    prices = done.stdout.splitlines()[3:]
    assert len(prices) == 2, done.stdout
    for line in prices:
        sync, batch = (float(part.split("$")[1].split()[0]) for part in line.split("   ")[:2])
        assert sync > 0 and abs(batch - sync / 2) <= 0.01, line
