"""`build.py summarize --redo ID|DAY|WEEK`: only the named paper's or day's summaries (and the day's briefing) are
asked for again, cache or not (a week's briefing: tests/test_week_briefing.py)."""

import json
from dataclasses import replace

import pytest
from llmserver import LLMServer, task
from test_summarize import D1, D2, run, seed, write_config

import build
from digest.archive import Archive

OLD = {"en": "An old summary kept by the cache.", "zh": "缓存中的旧摘要。"}


def summarised_once(tmp_path, llm: LLMServer) -> Archive:
    """Return the archive with every paper summarised, then each summary replaced by OLD under the same cache key."""
    archive = seed(tmp_path)
    assert run(tmp_path, write_config(tmp_path, llm)) == 0
    for day in archive.read_days():
        archive.write_day(replace(day, papers=tuple(replace(p, summary=OLD) for p in day.papers)))
    return archive


def redo(tmp_path, target: str, stage: str = "summarize") -> int:
    return build.main([stage, "--redo", target, "--config", str(tmp_path / "sources.yaml"),
                       "--content", str(tmp_path / "content"), "--site", str(tmp_path / "site")])


def asked(llm: LLMServer, since: int, kind: str = "summaries") -> list[list[str]]:
    """Return the titles each chat request of a kind ("summaries", "briefing") since the `since`th asked for."""
    return [[p["title"] for p in task(body)["papers"]] for body in llm.bodies()[since:]
            if ("daily cross-disciplinary briefing" in body["messages"][0]["content"]) == (kind == "briefing")]


def test_redo_one_paper_asks_for_it_alone(tmp_path):
    with LLMServer() as llm:
        archive = summarised_once(tmp_path, llm)
        before = llm.calls
        assert run(tmp_path, tmp_path / "sources.yaml") == 0
        assert llm.calls == before                      # cached: a plain rerun asks for nothing
        target = archive.read_day(D2).papers[2]
        assert redo(tmp_path, target.id) == 0
        assert llm.calls == before + 1 and asked(llm, before) == [[target.title]]   # that paper only, no briefing
    summaries = {p.id: p.summary for day in archive.read_days() for p in day.papers}
    assert summaries.pop(target.id)["en"] == f"In plain words: {target.title}"
    assert all(s == OLD for s in summaries.values())


def test_redo_one_day_asks_for_that_day_only(tmp_path):
    with LLMServer() as llm:
        archive = summarised_once(tmp_path, llm)
        for on in (D1, D2):   # briefings the cache holds as current
            for lang in ("en", "zh"):
                archive.write_briefing(replace(archive.read_briefing(on, lang), text="### Old\n\nKept by the cache."))
        before = llm.calls
        assert redo(tmp_path, D1.isoformat()) == 0
        titles = [p.title for p in archive.read_day(D1).papers]
        assert sorted(t for request in asked(llm, before) for t in request) == sorted(titles)
        assert asked(llm, before, "briefing") == [titles]   # the day's briefing too, in one request, whatever is stored
    assert all(p.summary["en"].startswith("In plain words: ") for p in archive.read_day(D1).papers)
    assert all(p.summary == OLD for p in archive.read_day(D2).papers)
    assert all("Kept by the cache" not in archive.read_briefing(D1, lang).text for lang in ("en", "zh"))
    assert all("Kept by the cache" in archive.read_briefing(D2, lang).text for lang in ("en", "zh"))


@pytest.mark.parametrize("target, message", [
    ("arXiv:2606.99999", "--redo 'arXiv:2606.99999': no paper with this id in {content} and not a day (give an id "
                         "as the cards show it, e.g. arXiv:2606.13504, a day YYYY-MM-DD or a week YYYY-Www; it holds "
                         "2026-06-16 to 2026-06-17)"),
    ("2026-W30", "--redo 2026-W30: no day of that week with papers in {content} (it holds 2026-06-16 to 2026-06-17)"),
    ("2026-W25", "--redo 2026-W25: the week is not over (the archive's newest day, 2026-06-17, is in it); a week "
                 "is briefed once it is"),
    ("2026-06-20", "--redo 2026-06-20: no such day in {content} (it holds 2026-06-16 to 2026-06-17)"),
    ("2026-13-01", "--redo 2026-13-01: not a date (YYYY-MM-DD)"),
])
def test_redo_of_something_unknown_is_one_line_and_no_request(tmp_path, capsys, target, message):
    with LLMServer() as llm:
        summarised_once(tmp_path, llm)
        before = len(llm.requests)
        capsys.readouterr()
        assert redo(tmp_path, target) == 1
        assert len(llm.requests) == before
    assert capsys.readouterr().err == message.format(content=tmp_path / "content") + "\n"


def test_redo_belongs_to_the_summarize_stage(tmp_path, capsys):
    assert redo(tmp_path, D1.isoformat(), stage="render") == 2
    assert capsys.readouterr().err == "--redo works with the summarize stage only: build.py summarize --redo 2026-06-16\n"
