"""The LLM weekly briefing: asked in the summarize stage for the latest finished ISO week, stored in content/weeks/,
reused on rerun, asked again when the week's papers change or on `--redo DAY` for a day of it, checked by the daily
briefing's gate, and shown on the week's page (the offline briefing otherwise). The fake model on 127.0.0.1 through
the real openai client."""

import json
from datetime import date
from pathlib import Path

import feedparser
from llmserver import LLMServer, task
from test_gate import D as WED
from test_gate import llm  # noqa: F401 - the fake model's fixture
from test_gate import paper
from test_gate import project as gate_project
from test_gate import run
from test_redo import redo
from feedcheck import feed_problems
from test_feeds_valid import BASE
from test_weeks import broken_links

from digest import briefing, gate
from digest.archive import Archive, Briefing, Day

MON, NEXT = date(2026, 6, 15), date(2026, 6, 22)   # with WED, 2026-06-17: 2026-W25, finished by 2026-W26
WEEK = "2026-W25"


def project(tmp_path: Path, llm: LLMServer) -> Path:
    """test_gate's project (its day is WED) with a Monday before it and a day of the next week after it."""
    config = gate_project(tmp_path, llm, (paper(3, "cs.LG", day=WED), paper(4, "medicine", day=WED)))
    archive = Archive(tmp_path / "content")
    archive.write_day(Day(MON, (paper(1, "cs.LG", day=MON), paper(2, "medicine", day=MON))))
    archive.write_day(Day(NEXT, (paper(5, "cs.LG", day=NEXT),)))
    return config


def weekly(body: dict) -> bool:
    return "weekly cross-disciplinary briefing" in body["messages"][0]["content"]


def week_requests(llm: LLMServer) -> list[dict]:
    return [body for body in llm.bodies() if weekly(body)]


def week_page(tmp_path: Path) -> str:
    return (tmp_path / "site" / "weeks" / WEEK / "index.html").read_text(encoding="utf-8")


def answering_weeks_with(llm: LLMServer, *answers: dict[str, str]):
    """A model answering days and summaries as the fake does, and each weekly request with the next of answers (the
    Markdown by language), then the last again; returns the weekly requests as they come."""
    asked = []

    def handler(req):
        body = json.loads(req.body)
        if not weekly(body):
            return llm.answer(req)
        asked.append(body)
        answer = answers[min(len(asked), len(answers)) - 1]
        return llm._complete(req, json.dumps({lang: answer[lang] for lang in task(body)["languages"]}, ensure_ascii=False))

    llm.route(llm.PATH, handler)
    return asked


def test_a_finished_week_gets_its_briefing_stored_reused_and_asked_again_when_its_papers_change(tmp_path, llm, capsys):
    config = project(tmp_path, llm)
    assert run(tmp_path, config) == 0
    assert f"8 briefings (2 of them the week {WEEK}'s) by test-model" in capsys.readouterr().out   # 3 days', 1 week's, 2 languages
    asked = week_requests(llm)
    assert len(asked) == 1          # one request for both languages, for W25 only (W26 is not finished)
    sent = task(asked[0])
    assert sorted(p["title"] for p in sent["papers"]) == [f"Paper {n} on graphs" for n in (1, 2, 3, 4)]
    # The papers are told by their summaries, got earlier in the same run: a week's request stays small
    assert all(p["abstract"].startswith("In plain words:") for p in sent["papers"])
    archive = Archive(tmp_path / "content")
    week_papers = [p for on in (MON, WED) for p in archive.read_day(on).papers]
    for lang in ("en", "zh"):
        stored = archive.read_briefing(MON, lang, WEEK)
        assert (tmp_path / "content" / "weeks" / f"{WEEK}.briefing.{lang}.md").is_file()
        assert stored.model == "test-model" and stored.prompt.startswith("b") and not stored.verdict
        assert stored.papers == briefing.fingerprint(week_papers)
        assert "](#arXiv:2606.1000" in stored.text          # citations linked to the week's cards
    assert set(archive.read_week_briefings()) == {(WEEK, "en"), (WEEK, "zh")}
    usage = json.loads((tmp_path / "content" / "usage.json").read_text())["days"][WED.isoformat()]
    assert usage["briefings"] == 4                          # in two languages: WED's and the week's

    calls = llm.calls
    assert run(tmp_path, config) == 0 and llm.calls == calls   # reused: no request

    archive.write_day(Day(WED, (*archive.read_day(WED).papers, paper(6, "cs.LG", day=WED))))   # a late paper
    assert run(tmp_path, config) == 0
    assert len(week_requests(llm)) == 2
    assert archive.read_briefing(MON, "en", WEEK).papers == briefing.fingerprint([*week_papers, paper(6, "cs.LG", day=WED)])


def test_a_failing_theme_is_dropped_and_a_week_failing_twice_keeps_the_verdict(tmp_path, llm):
    good = {"en": "### Across fields\n\nBoth [01] and [02] study graphs on 12 benchmarks.",
            "zh": "### 跨领域\n\n[01] 和 [02] 都在 12 个基准上研究图。"}
    ghost = {"en": "### Ghost\n\nSee [01] and [09].", "zh": "### 幽灵\n\n请参见 [01] 和 [09] 两篇论文。"}
    numbers = {"en": "### Numbers\n\n[01] and [02] improve by 40%.", "zh": "### 数字\n\n[01] 和 [02] 提高了 40%。"}
    config = project(tmp_path, llm)
    answering_weeks_with(llm, {lang: f"{good[lang]}\n\n{ghost[lang]}" for lang in good})
    assert run(tmp_path, config) == 0
    archive = Archive(tmp_path / "content")
    stored = archive.read_briefing(MON, "en", WEEK)
    assert "Across fields" in stored.text and "Ghost" not in stored.text and "[09]" not in stored.text
    usage = json.loads((tmp_path / "content" / "usage.json").read_text())["days"][WED.isoformat()]
    assert usage["dropped_theme_citation"] == 2             # the ghost theme, in each language

    tmp = tmp_path / "again"
    config = project(tmp, llm)
    asked = answering_weeks_with(llm, numbers, ghost)
    assert run(tmp, config) == 0
    assert len(asked) == 2                                  # asked once more, with the reason
    assert "What was wrong" in asked[1]["messages"][0]["content"]
    archive = Archive(tmp / "content")
    for lang in ("en", "zh"):
        verdict = archive.read_briefing(MON, lang, WEEK)
        assert verdict.text == "" and gate.reason(verdict.verdict) == "citation"
    assert archive.read_week_briefings() == {}               # the week's page keeps the offline briefing
    assert run(tmp, config) == 0 and len(asked) == 2         # the verdict is an answer: not asked again
    assert run(tmp, config, "render") == 0
    assert 'class="briefing briefing-offline"' in week_page(tmp)


def test_the_week_page_and_feed_show_the_stored_briefing_with_its_provenance_and_links_to_the_cards(tmp_path, llm):
    config = project(tmp_path, llm)
    assert run(tmp_path, config, "render") == 0             # no briefing stored yet: the offline one
    assert 'class="briefing briefing-offline"' in week_page(tmp_path)
    archive = Archive(tmp_path / "content")
    archive.write_briefing(Briefing(MON, "en", "week-model", "b2.1", "x", "### Threads\n\nRead "
                                    "[01](#arXiv:2606.10003) and [02](#arXiv:2606.10002).", week=WEEK))
    assert run(tmp_path, config, "render") == 0              # its page's fingerprint holds the briefing
    page = week_page(tmp_path)
    assert 'class="briefing briefing-llm"' in page and "Threads" in page
    assert "Written by week-model from the summaries of the week" in page   # its provenance
    assert broken_links(tmp_path / "site" / "weeks" / WEEK / "index.html", tmp_path / "site") == []
    # Each citation links to the card on its day page, named by its day and its number there
    assert 'href="../../2026-06-17/#arXiv:2606.10003">06-17 #01</a>' in page
    assert 'href="../../2026-06-15/#arXiv:2606.10002">06-15 #02</a>' in page
    entry = feedparser.parse(tmp_path / "site" / "weeks" / "feed.xml").entries[-1]   # the feed's W25 entry too
    assert "Threads" in entry.summary and "week-model" in entry.summary
    assert ('Read <a href="2026-06-17/#arXiv:2606.10003">06-17 #01</a> and '
            '<a href="2026-06-15/#arXiv:2606.10002">06-15 #02</a>.') in entry.summary   # from the feed's xml:base
    assert feed_problems(tmp_path / "site") == []             # each link reaches its card
    archive.write_briefing(Briefing(MON, "en", "week-model", "b2.1", "x", "### Changed\n\nSee "
                                    "[01](#arXiv:2606.10001) and [02](#arXiv:2606.10002).", week=WEEK))
    assert run(tmp_path, config, "render") == 0
    assert "Changed" in week_page(tmp_path) and "Threads" not in week_page(tmp_path)
    assert "Changed" in feedparser.parse(tmp_path / "site" / "weeks" / "feed.xml").entries[-1].summary


GOOD = {"en": "### Across fields\n\nBoth [01] and [02] study graphs on 12 benchmarks.",
        "zh": "### 跨领域\n\n[01] 和 [02] 都在 12 个基准上研究图。"}
GHOST = {"en": "### Ghost\n\nSee [01] and [09].", "zh": "### 幽灵\n\n请参见 [01] 和 [09] 两篇论文。"}


def test_redo_of_a_day_asks_its_finished_week_again_and_clears_a_stored_verdict(tmp_path, llm, capsys):
    config = project(tmp_path, llm)
    asked = answering_weeks_with(llm, GHOST)
    assert run(tmp_path, config) == 0 and len(asked) == 2    # refused twice: the verdict is stored
    archive = Archive(tmp_path / "content")
    assert all(archive.read_briefing(MON, lang, WEEK).verdict for lang in ("en", "zh"))
    assert run(tmp_path, config) == 0 and len(asked) == 2    # and a plain rerun does not ask again

    asked = answering_weeks_with(llm, GOOD)
    capsys.readouterr()
    assert redo(tmp_path, MON.isoformat()) == 0             # any day of the week: its Monday here
    assert f"4 briefings (2 of them the week {WEEK}'s)" in capsys.readouterr().out
    assert len(asked) == 1 and task(asked[0])["languages"] == ["en", "zh"]   # one request, both languages
    assert sorted(p["title"] for p in task(asked[0])["papers"]) == [f"Paper {n} on graphs" for n in (1, 2, 3, 4)]
    for lang in ("en", "zh"):
        stored = archive.read_briefing(MON, lang, WEEK)
        assert not stored.verdict and "[01](#arXiv:2606.1000" in stored.text
    assert set(archive.read_week_briefings()) == {(WEEK, "en"), (WEEK, "zh")}
    assert run(tmp_path, config, "render") == 0
    assert 'class="briefing briefing-llm"' in week_page(tmp_path) and "Across fields" in week_page(tmp_path)

    # A current briefing is asked for again too, whatever the cache holds: --redo is the owner's word
    asked = answering_weeks_with(llm, {lang: GOOD[lang].replace("Across fields", "Asked again").replace(
        "跨领域", "再次") for lang in GOOD})
    assert redo(tmp_path, WED.isoformat()) == 0 and len(asked) == 1
    assert "Asked again" in archive.read_briefing(MON, "en", WEEK).text


def test_redo_of_a_day_of_the_week_in_progress_or_of_one_paper_asks_for_no_week(tmp_path, llm):
    config = project(tmp_path, llm)
    assert run(tmp_path, config) == 0 and len(week_requests(llm)) == 1
    day_briefings = len([b for b in llm.bodies() if "daily cross-disciplinary briefing" in b["messages"][0]["content"]])
    assert redo(tmp_path, NEXT.isoformat()) == 0            # W26 is not over: not briefed, as on a plain run
    assert len(week_requests(llm)) == 1
    # ... while its day's briefing was asked for again: the redo ran
    assert len([b for b in llm.bodies() if "daily cross-disciplinary briefing" in b["messages"][0]["content"]]) \
        == day_briefings + 1
    assert redo(tmp_path, paper(3, "cs.LG").id) == 0        # one paper of W25: its summary only
    assert len(week_requests(llm)) == 1
    assert not (tmp_path / "content" / "weeks" / "2026-W26.briefing.en.md").exists()


def test_redo_of_a_finished_week_asks_for_its_briefing_alone(tmp_path, llm, capsys):
    config = project(tmp_path, llm)
    answering_weeks_with(llm, GHOST)
    assert run(tmp_path, config) == 0                       # the week's verdict is stored
    archive = Archive(tmp_path / "content")
    assert archive.read_week_briefings() == {}
    asked = answering_weeks_with(llm, GOOD)
    calls = llm.calls
    capsys.readouterr()
    assert redo(tmp_path, WEEK) == 0
    assert llm.calls == calls + 1 and len(asked) == 1      # one request: no summary, no day's briefing
    assert f"0 papers summarised, 2 briefings (2 of them the week {WEEK}'s)" in capsys.readouterr().out
    assert set(archive.read_week_briefings()) == {(WEEK, "en"), (WEEK, "zh")}
    assert "Across fields" in archive.read_briefing(MON, "en", WEEK).text


def test_a_week_briefing_names_each_cited_card_by_its_day_and_links_it_on_the_page_and_in_the_feed(tmp_path, llm):
    """The model cites the week's papers by their place in its request; the page and the feed cite each by its day
    and its number there (a week has a card 01 on each day: a number alone names several) and link it to its card,
    the feed with the absolute address of a site with a base URL."""
    config = project(tmp_path, llm)
    config.write_text(config.read_text().replace("default_language: en}", f"default_language: en, base_url: '{BASE}'}}"))

    def handler(req):
        body = json.loads(req.body)
        if not weekly(body):
            return llm.answer(req)
        place = {p["title"]: p["n"] for p in task(body)["papers"]}
        cite = lambda k: f"[{place[f'Paper {k} on graphs']:02d}]"  # noqa: E731
        answer = {"en": f"### Graphs\n\nBoth {cite(1)} and {cite(3)} study graphs on 12 benchmarks, as {cite(4)} does.",
                  "zh": f"### 图\n\n{cite(1)}、{cite(3)} 和 {cite(4)} 都在 12 个基准上研究图。"}
        return llm._complete(req, json.dumps({lang: answer[lang] for lang in task(body)["languages"]}, ensure_ascii=False))

    llm.route(llm.PATH, handler)
    assert run(tmp_path, config) == 0 and run(tmp_path, config, "render") == 0
    assert len(week_requests(llm)) == 1
    archive = Archive(tmp_path / "content")
    numbers = {p.id: n for on in (MON, WED) for n, p in enumerate(archive.read_day(on).papers, 1)}
    assert numbers["arXiv:2606.10001"] == numbers["arXiv:2606.10003"] == 1   # card 01 of MON and card 01 of WED
    cited = [("2026-06-15", "arXiv:2606.10001", "06-15 #01"), ("2026-06-17", "arXiv:2606.10003", "06-17 #01"),
             ("2026-06-17", "arXiv:2606.10004", "06-17 #02")]
    page = week_page(tmp_path)
    assert 'class="briefing briefing-llm"' in page
    for lang in ("en", "zh"):
        variant = page.split(f'data-variant="{lang}"', 1)[1].split("</div>", 1)[0]
        for day, pid, label in cited:
            assert f'<a href="../../{day}/#{pid}">{label}</a>' in variant, (lang, label)
    assert broken_links(tmp_path / "site" / "weeks" / WEEK / "index.html", tmp_path / "site") == []
    entry = next(e for e in feedparser.parse(tmp_path / "site" / "weeks" / "feed.xml").entries if e.title.endswith(WEEK))
    assert entry.content[0].type == "text/html" and "test-model" in entry.content[0].value
    for day, pid, label in cited:
        assert f'<a href="{BASE}{day}/#{pid}">{label}</a>' in entry.content[0].value
    assert feed_problems(tmp_path / "site", BASE) == []     # every link of the entry reaches its card
