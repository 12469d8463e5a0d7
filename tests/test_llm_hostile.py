"""Hostile model answers (issue 12): each one costs only itself. The whole build (fetch -> summarize -> render)
runs through build.main against tests/llmserver.py and the real openai client, and must exit 0 as README promises
("bad answers ... never change the exit code"), render a site whose every feed a strict XML parser accepts, record
the usage in content/usage.json, keep every healthy paper's summary, and store no character XML or UTF-8 refuse."""

import json
from datetime import date
from pathlib import Path
from xml.etree import ElementTree

import pytest
from llmserver import MARKER, LLMServer

import build
from digest.archive import Archive
from digest.site.briefings import plain_text, to_html
from digest.clean import xml_text
from digest.config import load_config
from digest.llm import Client
from digest.summarize import summarize_stage

DAY = date(2026, 6, 17)
TITLES = ["Diffusion models for tumour segmentation", f"{MARKER}: a paper the model answers badly about",
          "Graph networks for protein folding", "Optimal transport between cell populations"]


def item(n: int, title: str) -> str:
    return (f"<item><title>{title}</title><link>https://jir.example.org/articles/{n}</link>"
            f"<guid isPermaLink=\"false\">https://doi.org/10.5555/jir.2026.{n:04d}</guid>"
            f"<description>We study problem {n} with a new method. It beats the baselines on three benchmarks.</description>"
            f"<dc:creator>Ana Lima, Bruno Costa</dc:creator><pubDate>Wed, 17 Jun 2026 09:30:00 +0000</pubDate></item>")


FEED = ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        "<channel><title>Journal of Invented Results</title><link>https://jir.example.org/</link>"
        "<description>Latest</description>" + "".join(item(n, t) for n, t in enumerate(TITLES, 1)) + "</channel></rss>\n")


def project(tmp_path: Path) -> Path:
    """Write a one-source project (the feed as a local file, one paper per request) and return its sources.yaml."""
    (tmp_path / "feed.xml").write_text(FEED, encoding="utf-8")
    config = tmp_path / "sources.yaml"
    config.write_text(
        "site: {languages: [en, zh], default_language: en, base_url: 'https://example.github.io/hub/'}\n"
        'llm: {model: test-model, concurrency: 2, attempts: 1, timeout: 5, batch_size: 1, briefing_days: 1}\n'
        "topics: {science: {en: Science, zh: 综合科学}}\n"
        "sources:\n  - {id: jir, label: Journal of Invented Results, topic: science, url: feed.xml}\n",
        encoding="utf-8")
    return config


def build_all(tmp_path: Path, monkeypatch, llm: LLMServer) -> int:
    monkeypatch.setenv("OPENAI_BASE_URL", llm.base_url)
    return build.main(["--config", str(project(tmp_path)), "--content", str(tmp_path / "content"),
                       "--site", str(tmp_path / "site"), "--date", DAY.isoformat()])


@pytest.fixture
def llm():
    with LLMServer() as server:
        yield server
    assert not server.errors, server.errors


def strings(value):
    """Yield every string in a parsed JSON value, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, inner in value.items():
            yield key
            yield from strings(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from strings(inner)


def refused_characters(folder: Path, suffixes: set[str] | None = None) -> list[str]:
    """Return the files under folder holding a character XML 1.0 or UTF-8 refuses (JSON: in any decoded string)."""
    bad = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if suffixes is not None and path.suffix not in suffixes:
            continue
        try:
            text = path.read_bytes().decode("utf-8")          # a lone surrogate cannot be valid UTF-8 at all
        except UnicodeDecodeError:
            bad.append(f"{path}: not UTF-8")
            continue
        texts = list(strings(json.loads(text))) if path.suffix == ".json" else [text]
        if any(xml_text(t) != t for t in texts):
            bad.append(str(path))
    return bad


def check_site_and_content(tmp_path: Path, llm: LLMServer, tokens: bool = True) -> Archive:
    """The promises every case shares (tokens: the server reported every request's usage); return the archive."""
    site, content = tmp_path / "site", tmp_path / "content"
    assert (site / "index.html").is_file() and (site / DAY.isoformat() / "index.html").is_file()
    feeds = sorted(site.rglob("*.xml"))
    assert {"feed.xml", "rss.xml", "briefing.xml"} <= {p.name for p in feeds}
    assert any(p.parent.name == "science" for p in feeds)     # the topic feed
    for path in feeds:
        ElementTree.parse(path)                              # expat: refuses illegal characters and references to them
    assert refused_characters(content) == []
    assert refused_characters(site, {".html", ".xml", ".json", ".js", ".txt", ".opml"}) == []
    usage = json.loads((content / "usage.json").read_text(encoding="utf-8"))["days"]
    assert sum(row["requests"] for row in usage.values()) == llm.calls > 0
    if tokens:
        assert sum(row["prompt_tokens"] for row in usage.values()) == llm.prompt_tokens
    archive = Archive(content)
    papers = archive.read_day(DAY).papers
    assert len(papers) == len(TITLES)
    for paper in papers:
        if MARKER not in paper.title:                        # the healthy papers' summaries are all stored
            assert paper.summary_model == "test-model" and paper.summary["en"].startswith("In plain words:")
            assert paper.summary["zh"].startswith("简而言之")
    return archive


def poisoned(archive: Archive):
    return next(p for p in archive.read_day(DAY).papers if MARKER in p.title)


# Text a model may write inside its JSON answer, spliced into the marked paper's summaries and every briefing as
# JSON text: `\\ud800` is a JSON escape that json.loads turns into a lone surrogate; "\x01" is the raw character.
# The text around it is good, so the summary and the briefing are kept with the refused characters taken out.
LACED = {
    "lone surrogate escape": "bad \\ud800 text",
    "lone low surrogate escape": "bad \\udfff text",
    "surrogate pair escapes then a lone one": "smile \\ud83d\\ude00 and \\ud83d alone text",
    "reversed surrogate pair": "bad \\ude00\\ud83d text",
    "lone surrogate raw in the completion body": "bad \ud800 text",
    "control escapes": "bad \\u0000\\u0001\\u0008\\u000b\\u000c\\u001b\\u001f text",
    "raw control characters": "bad \x01\x08\x0b\x0c\x1b\x1f text",
    "U+FFFE and U+FFFF escapes": "bad \\ufffe\\uffff text",
    "raw U+FFFE": "bad \ufffe text",
    "character references &#x1; &#1;": "bad &#x1; and &#1; and &#x1f; and &#0; text",
    "character references &#xFFFE; &#xD800;": "bad &#xFFFE; &#xffff; &#xD800; &#55296; text",
}


@pytest.mark.parametrize("payload", LACED.values(), ids=LACED.keys())
def test_refused_characters_cost_only_themselves(tmp_path, monkeypatch, capsys, llm, payload):
    llm.script(llm.laced(payload))
    assert build_all(tmp_path, monkeypatch, llm) == 0
    assert "Traceback" not in capsys.readouterr().err      # handled by design, not by the safety net
    archive = check_site_and_content(tmp_path, llm)
    if "&#" in payload:   # references left as text state numbers ("1", "xFFFE") the abstract lacks: the gate refuses
        assert poisoned(archive).summary == {} and poisoned(archive).summary_verdict.split(":")[0] in ("number", "name")
        return
    summary = poisoned(archive).summary                      # the text around the bad characters is kept
    assert summary["en"].startswith("In plain words:") and summary["en"].endswith(" text end")
    assert summary["zh"].startswith("简而言之") and summary["zh"].endswith(" text end")
    if "smile" in payload:
        assert "smile \U0001F600 and alone" in summary["en"]    # a real pair is one character, kept
        assert "\U0001F600" in archive.read_briefing(DAY, "en").text
    for lang in ("en", "zh"):
        stored = archive.read_briefing(DAY, lang)
        assert stored is not None and stored.text.endswith(" text end")
    front = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert 'class="briefing briefing-llm"' in front


# Answers that are JSON, or a completion, of the wrong shape: the marked paper's batch (or the briefing) falls back to
# the offline text after its one stricter retry; everything else is kept.
MISSHAPEN = {
    "summaries: a list of scalars": {"summaries": '[1, "two", null, true]'},
    "summaries: a number": {"summaries": "42"},
    "summaries: a string": {"summaries": '{"summaries": "text"}'},
    "summaries: texts not strings": {"summaries": '{"summaries": [{"n": "1", "en": ["x"], "zh": {"a": 1}}]}'},
    "summaries: n overflowing a float": {"summaries": '{"summaries": [{"n": 1e400, "en": "In plain words: x", "zh": "简而言之:x"}]}'},
    "summaries: n Infinity": {"summaries": '{"summaries": [{"n": Infinity, "en": "In plain words: x", "zh": "简而言之:x"}]}'},
    "summaries: n NaN": {"summaries": '{"summaries": [{"n": NaN, "en": "In plain words: x", "zh": "简而言之:x"}]}'},
    "summaries: huge n": {"summaries": '{"summaries": [{"n": 123456789012345678901234567890, "en": "In plain words: x", "zh": "简而言之:x"}]}'},
    "summaries: negative n": {"summaries": '{"summaries": [{"n": -1, "en": "In plain words: x", "zh": "简而言之:x"}]}'},
    "summaries: n with 5000 digits": {"summaries": '{"summaries": [{"n": ' + "9" * 5000 + ', "en": "In plain words: x"}]}'},
    "summaries: nested 100000 deep": {"summaries": "[" * 100_000 + "]" * 100_000},
    "summaries: a map of lists": {"summaries": '{"summaries": {"1": [1], "2": "x"}}'},
    "completion: choices a number": {"body": b'{"id": "x", "object": "chat.completion", "created": 0, "model": "m", "choices": 5}'},
    "completion: choices a map": {"body": b'{"id": "x", "object": "chat.completion", "created": 0, "model": "m", '
                                          b'"choices": {"0": {"message": {"content": "{}"}}}}'},
    "completion: content a number": {"body": b'{"id": "x", "object": "chat.completion", "created": 0, "model": "m", '
                                             b'"choices": [{"index": 0, "message": {"role": "assistant", "content": 5}}]}'},
    "completion: a list": {"body": b"[1, 2]"},
    "briefing: values not strings": {"briefing": '{"en": {"text": 1}, "zh": [1, 2]}'},
    "briefing: a list": {"briefing": '["en", "zh"]'},
    "briefing: nulls and numbers": {"briefing": '{"en": null, "zh": 3}'},
    "briefing: nested 100000 deep": {"briefing": '{"en": ' + "[" * 100_000 + "]" * 100_000 + "}"},
}


@pytest.mark.parametrize("shape", MISSHAPEN.values(), ids=MISSHAPEN.keys())
def test_a_misshapen_answer_costs_only_its_batch(tmp_path, monkeypatch, capsys, llm, shape):
    llm.script(llm.misshapen(**shape))
    assert build_all(tmp_path, monkeypatch, llm) == 0
    err = capsys.readouterr().err
    assert "Traceback" not in err                           # handled by design, not by the safety net
    assert err.count("\n") == 1 and err.startswith("llm: ")  # one line names the problem
    archive = check_site_and_content(tmp_path, llm, tokens="body" not in shape)   # a bare body reports no usage
    briefed = [archive.read_briefing(DAY, lang) for lang in ("en", "zh")]
    if "briefing" in shape:
        assert briefed == [None, None] and poisoned(archive).summary_model == "test-model"
    else:
        assert None not in briefed and poisoned(archive).summary == {}   # the card shows the extractive summary


class BuggyClient(Client):
    """A client whose handling of one answer raises: stands for a bug not found yet, passed in as an argument."""

    async def chat(self, day, ask):
        text = await super().chat(day, ask)
        if MARKER in ask.user and "briefing" not in ask.system:
            raise RuntimeError("a bug while handling one answer")
        return text


def test_a_bug_handling_one_answer_costs_only_its_batch_and_shows_its_traceback(tmp_path, monkeypatch, capsys, llm):
    monkeypatch.setenv("OPENAI_BASE_URL", llm.base_url)
    config = project(tmp_path)
    args = ["--config", str(config), "--content", str(tmp_path / "content"), "--site", str(tmp_path / "site")]
    assert build.main(["fetch", *args, "--date", DAY.isoformat()]) == 0
    report = summarize_stage(load_config(config), Archive(tmp_path / "content"), {"OPENAI_BASE_URL": llm.base_url},
                             make_client=BuggyClient)
    err = capsys.readouterr().err
    assert "Traceback" in err and "RuntimeError: a bug while handling one answer" in err
    assert report.summarised == len(TITLES) - 1 and report.briefings == 2 and report.problem
    assert build.main(["render", *args]) == 0
    archive = check_site_and_content(tmp_path, llm)
    assert poisoned(archive).summary == {}


# -- the render side: Markdown that turns references into refused characters ---------------------------------------

REFERENCES = ["&#1;", "&#x1;", "&#x1F;", "&#0;", "&#xFFFE;", "&#xffff;", "&#xD800;", "&#55296;", "&#x110000;",
              "\x01", "\x0c", "\ufffe"]


@pytest.mark.parametrize("reference", REFERENCES)
def test_briefing_html_and_feed_text_carry_no_refused_character(reference):
    markup = to_html(f"### Themes {reference}\n\n- **bold {reference}** [01](#a) and `{reference}`\n\n> {reference}",
                     {"a": "01"})
    text = plain_text(markup)
    assert xml_text(markup) == markup and xml_text(text) == text
    assert '<a href="#a">01</a>' in markup and "Themes" in text


def test_a_hand_edited_briefing_with_references_renders_well_formed_feeds(tmp_path, capsys):
    config = project(tmp_path)
    args = ["--config", str(config), "--content", str(tmp_path / "content"), "--site", str(tmp_path / "site")]
    assert build.main(["fetch", *args, "--date", DAY.isoformat()]) == 0    # no LLM configured: offline summaries
    (tmp_path / "content" / "days" / f"{DAY}.briefing.en.md").write_text(
        "### Written by hand &#1; &#x1f; &#xFFFE; &#xD800; \x0c\n\nStart with [01](#x) &#0; and **this**.\n",
        encoding="utf-8")
    assert build.main(["render", *args]) == 0
    for path in sorted((tmp_path / "site").rglob("*.xml")):
        ElementTree.parse(path)
    assert refused_characters(tmp_path / "site", {".html", ".xml", ".json", ".js", ".txt", ".opml"}) == []
    front = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert 'class="briefing briefing-llm"' in front and "Written by hand" in front
