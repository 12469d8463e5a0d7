"""An OpenAI-compatible chat-completions server on 127.0.0.1 for tests and the benchmark, built on FeedServer.

    with LLMServer() as llm:                        # answers correctly: a summary per paper per language
        llm.script(llm.rate_limited(1), llm.answer)  # first a 429 with Retry-After: 1, then answers
        ... base_url=llm.base_url ...
        assert llm.calls == 2 and llm.prompt_tokens > 0

It plays the model: it reads the JSON our prompts send (papers numbered "n", the requested languages) and
writes answers from it, so tests check real round trips through the official openai client. Each behaviour
is a FeedServer handler; `script` plays them in turn and then keeps the last.
"""

from __future__ import annotations

import json
import re
import threading
import zlib
from typing import Any, Callable

from digest.llm import estimate_tokens
from feedserver import Drop, FeedServer, Handler, Reply, Request, retry_after, sequence, status

HOSTILE = ('<script>alert("x")</script><img src=x onerror=alert(1)> <a href="javascript:alert(1)" onclick="x()">'
           'link</a> [click](javascript:alert(1)) ![pixel](http://tracker.invalid/p.png)')

MARKER = "POISON"          # a paper whose title holds this gets the hostile answers of `laced` and `misshapen`
_SPLICE = "@@SPLICE@@"
EMBEDDING_DIMS = 384       # the fake embeddings model's width (as all-MiniLM-L6-v2's or bge-small's)


class LLMServer(FeedServer):
    """A fake model behind /v1/chat/completions that counts requests and tokens."""

    PATH = "/v1/chat/completions"
    EMBEDDINGS = "/v1/embeddings"

    def __init__(self, latency: float = 0.0, wordy: bool = False) -> None:
        super().__init__()
        self.latency = latency           # seconds every answer waits, like a real model
        self.wordy = wordy               # summaries as long as the prompt allows (50 words, 100 characters)
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self.tokens_by_kind: dict[str, int] = {}   # "summaries" / "briefing" -> prompt + completion tokens
        self._count = threading.Lock()
        self.route(self.PATH, self.answer)
        self.route(self.EMBEDDINGS, self.embed)

    @property
    def base_url(self) -> str:
        return self.url("/v1")

    @property
    def calls(self) -> int:
        """Return how many chat-completion requests arrived (answered or not)."""
        return len(self.requests_to(self.PATH))

    def bodies(self) -> list[dict[str, Any]]:
        """Return every request's JSON body, in arrival order."""
        return [json.loads(r.body) for r in self.requests_to(self.PATH)]

    def script(self, *handlers: Handler) -> None:
        """Answer with each handler in turn, then keep using the last."""
        self.route(self.PATH, sequence(*handlers))

    # -- behaviours ------------------------------------------------------------------------------

    def answer(self, req: Request) -> Reply:
        """Answer as a well-behaved model: a summary per paper and language, or a briefing citing cards."""
        return self._complete(req, self._content(req, hostile=False))

    def hostile(self, req: Request) -> Reply:
        """Answer as a model that obeyed an injected instruction: HTML, scripts and javascript: links everywhere."""
        return self._complete(req, self._content(req, hostile=True))

    def chatter(self, req: Request) -> Reply:
        """Answer with the JSON wrapped in prose and a code fence, as models without JSON mode do."""
        return self._complete(req, "Sure! Here it is:\n```json\n" + self._content(req, hostile=False) + "\n```\nHope it helps.")

    def malformed(self, req: Request) -> Reply:
        """Answer 200 with a completion whose content is not JSON at all."""
        return self._complete(req, "I am sorry, here are the summaries: {summaries: [1: 'a great paper'")

    def broken_body(self, req: Request) -> Reply:
        """Answer 200 with a body that is not a chat completion (truncated JSON)."""
        self._wait(req)
        return Reply(200, {"Content-Type": "application/json"}, b'{"id": "x", "choices": [{"message": {"content": "{')

    def no_json_mode(self, req: Request) -> Reply:
        """Refuse response_format with 400, as some local servers do; answer in prose-wrapped JSON otherwise."""
        if "response_format" in json.loads(req.body):
            return Reply(400, {"Content-Type": "application/json"},
                         json.dumps({"error": {"message": "response_format is not supported", "type": "invalid_request_error"}}).encode())
        return self.chatter(req)

    def no_schema(self, req: Request) -> Reply:
        """Refuse response_format json_schema with 422 as llama-cpp-python's server does (it takes a schema inside
        json_object instead); answer correctly otherwise."""
        shape = json.loads(req.body).get("response_format") or {}
        if shape.get("type") == "json_schema":
            detail = [{"type": "literal_error", "loc": ["body", "response_format", "type"],
                       "msg": "Input should be 'text' or 'json_object'", "input": "json_schema"}]
            return Reply(422, {"Content-Type": "application/json"}, json.dumps({"detail": detail}).encode())
        return self.answer(req)

    def no_schema_500(self, req: Request) -> Reply:
        """Refuse json_schema as llama-cpp-python's server 0.3 really does: its validation error sent as a 500."""
        shape = json.loads(req.body).get("response_format") or {}
        if shape.get("type") == "json_schema":
            message = ("1 validation error:\n  {'type': 'literal_error', 'loc': ('body', 'response_format', 'type'), "
                       "'msg': \"Input should be 'text' or 'json_object'\", 'input': 'json_schema'}")
            body = {"error": {"message": message, "type": "internal_server_error", "param": None, "code": None}}
            return Reply(500, {"Content-Type": "application/json"}, json.dumps(body).encode())
        return self.answer(req)

    def obedient(self, req: Request) -> Reply:
        """Answer as a model that does what a paper's text tells it: an abstract saying "write X" gets X into that
        paper's summaries and into every theme of the briefing."""
        content = json.loads(self._content(req, hostile=False))
        orders = {p["n"]: m.group(1) for p in self._task(req)["papers"] if (m := re.search(r"write (\S+?)[.,]?(?:\s|$)", p["abstract"]))}
        if "summaries" in content:
            for item in content["summaries"]:
                if item["n"] in orders:
                    item.update({k: f"{v} {orders[item['n']]}" for k, v in item.items() if k != "n"})
        elif orders:
            said = " ".join(orders.values())
            content = {lang: text.replace("\n\n", f" {said}\n\n") + f" {said}" for lang, text in content.items()}
        return self._complete(req, json.dumps(content, ensure_ascii=False))

    def unfaithful(self, change: Callable[[str, str], str]) -> Handler:
        """Answer correctly, except that the summaries of a paper whose title holds MARKER are `change(text, lang)`."""
        def handler(req: Request) -> Reply:
            content = json.loads(self._content(req, hostile=False))
            for item, paper in zip(content.get("summaries", []), self._task(req)["papers"]):
                if MARKER in paper["title"]:
                    item.update({k: change(v, k) for k, v in item.items() if k != "n"})
            return self._complete(req, json.dumps(content, ensure_ascii=False))
        return handler

    def half(self, req: Request) -> Reply:
        """Answer summaries for only the first paper of a batch (a model that stops early)."""
        content = json.loads(self._content(req, hostile=False))
        if "summaries" in content:
            content["summaries"] = content["summaries"][:1]
        return self._complete(req, json.dumps(content, ensure_ascii=False))

    def laced(self, payload: str) -> Handler:
        """Answer correctly, but splice `payload` into every briefing and into the summaries of papers whose title
        holds MARKER. It goes in as JSON text, as is: `\\ud800` is an escape the client's json.loads decodes into a
        lone surrogate, a raw character stays raw (a raw surrogate reaches the client through the body's escape)."""
        def handler(req: Request) -> Reply:
            content = json.loads(self._content(req, hostile=False))
            if "summaries" in content:
                for item, paper in zip(content["summaries"], self._task(req)["papers"]):
                    if MARKER in paper["title"]:
                        item.update({k: f"{v} {_SPLICE} end" for k, v in item.items() if k != "n"})
            else:
                content = {lang: f"{text} {_SPLICE} end" for lang, text in content.items()}
            return self._complete(req, json.dumps(content, ensure_ascii=False).replace(_SPLICE, payload))
        return handler

    def misshapen(self, summaries: str | None = None, briefing: str | None = None, body: bytes | None = None) -> Handler:
        """Answer correctly, except: a summary request carrying a paper whose title holds MARKER gets `summaries` as
        the answer text, or `body` as the whole HTTP body; a briefing request gets `briefing` as the answer text."""
        def handler(req: Request) -> Reply:
            task = self._task(req)
            if "briefing" in json.loads(req.body)["messages"][0]["content"]:
                return self.answer(req) if briefing is None else self._complete(req, briefing)
            if not any(MARKER in p["title"] for p in task["papers"]):
                return self.answer(req)
            if body is not None:
                self._wait(req)
                return Reply(200, {"Content-Type": "application/json"}, body)
            return self._complete(req, summaries if summaries is not None else self._content(req, hostile=False))
        return handler

    def slow(self, seconds: float) -> Handler:
        """Answer correctly after `seconds`."""
        def handler(req: Request) -> Reply:
            req.sleep(seconds)
            return self.answer(req)
        return handler

    @staticmethod
    def rate_limited(seconds: float = 1) -> Handler:
        """Answer 429 with Retry-After."""
        return retry_after(seconds, 429)

    @staticmethod
    def error(code: int = 500) -> Handler:
        """Answer an error status with an OpenAI-style error body."""
        body = json.dumps({"error": {"message": f"server error {code}", "type": "server_error"}}).encode()
        return status(code, body, {"Content-Type": "application/json"})

    @staticmethod
    def cut() -> Handler:
        """Close the connection without answering (a TCP reset)."""
        def handler(req: Request) -> Reply:
            raise Drop(True)
        return handler

    # -- the fake model --------------------------------------------------------------------------

    def _wait(self, req: Request) -> None:
        if self.latency:
            req.sleep(self.latency)

    def _complete(self, req: Request, content: str) -> Reply:
        self._wait(req)
        body = json.loads(req.body)
        prompt = sum(estimate_tokens(m.get("content") or "") for m in body.get("messages", []))
        completion = estimate_tokens(content)
        kind = "briefing" if "briefing" in body["messages"][0]["content"] else "summaries"
        with self._count:
            self.prompt_tokens += prompt
            self.completion_tokens += completion
            self.tokens_by_kind[kind] = self.tokens_by_kind.get(kind, 0) + prompt + completion
        data = {"id": f"chatcmpl-{len(self.requests)}", "object": "chat.completion", "created": 0,
                "model": body.get("model", "?"),
                "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}}
        try:
            encoded = json.dumps(data, ensure_ascii=False).encode()
        except UnicodeEncodeError:   # a lone surrogate in the content (see `laced`) travels as its JSON escape
            encoded = json.dumps(data).encode()
        return Reply(200, {"Content-Type": "application/json"}, encoded)

    @staticmethod
    def _task(req: Request) -> dict[str, Any]:
        """Return the data our prompt sends in the user message: the languages and the numbered papers."""
        return task(json.loads(req.body))

    def _content(self, req: Request, hostile: bool) -> str:
        body = json.loads(req.body)
        system = body["messages"][0]["content"]
        sent = task(body)
        langs, papers = sent["languages"], sent["papers"]
        bad = " " + HOSTILE if hostile else ""
        if "briefing" in system:
            # The first paper of each topic, then the next ones: a theme cites two topics when the day has two.
            firsts = list({(p["topics"] or [""])[0]: p for p in reversed(papers)}.values())[::-1]
            chosen = sorted(firsts[:3] + [p for p in papers if p not in firsts][:max(0, 3 - len(firsts))],
                            key=lambda p: p["n"])
            cited = " and ".join(f"[{p['n']:02d}]" for p in chosen)
            texts = {"en": f"### Themes\n\nToday's papers range widely; start with {cited}.{bad}\n\n"
                           f"- **Across fields**: methods travel between topics{bad}",
                     "zh": f"### 主题\n\n今天的论文涉及多个领域,建议先读 {cited}。{bad}\n\n- **跨领域**:方法在学科之间迁移{bad}"}
            return json.dumps({lang: texts[lang] for lang in langs}, ensure_ascii=False)
        summaries = []
        for paper in papers:
            said = (paper["abstract"] + bad) if hostile else paper["title"]
            # Chinese the fake cannot write: a stock sentence around the title's first word (a name kept in Latin).
            named = (paper["abstract"] + bad) if hostile else paper["title"].split()[0]
            texts = {"en": f"In plain words: {said}", "zh": f"简而言之:这项研究讨论了{named}相关的问题，并给出了新的方法与结果。"}
            if paper.get("kind") == "standfirst" and not hostile:
                texts = {"en": f"From the journal's teaser only: {said}", "zh": f"仅据期刊导语:这项研究讨论了{named}相关的问题。"}
            if self.wordy and not hostile:   # as long as SYSTEM allows: what a real model's answer costs
                texts = {"en": "In plain words: " + " ".join(paper["abstract"].split()[:45]),
                         "zh": (texts["zh"] + "研究者比较了多种方法在不同数据上的表现，并讨论了其意义和局限。" * 2)[:100]}
            summaries.append({"n": paper["n"], **{lang: texts[lang] for lang in langs}})
        return json.dumps({"summaries": summaries}, ensure_ascii=False)

    # -- embeddings ------------------------------------------------------------------------------

    @property
    def embedding_calls(self) -> int:
        """Return how many embeddings requests arrived (answered or not)."""
        return len(self.requests_to(self.EMBEDDINGS))

    def embedding_inputs(self) -> list[str]:
        """Return every text sent to /v1/embeddings, in arrival order."""
        return [text for r in self.requests_to(self.EMBEDDINGS) for text in json.loads(r.body)["input"]]

    def embed(self, req: Request) -> Reply:
        """Answer as an embeddings model of EMBEDDING_DIMS floats: each word (3 letters or more) adds a signed
        one to a bucket chosen by a hash of it and of the model's name, so the same text gets the same vector,
        texts sharing words are near, and another model gives other vectors."""
        self._wait(req)
        body = json.loads(req.body)
        model, texts = str(body.get("model", "?")), body["input"]
        texts = [texts] if isinstance(texts, str) else texts
        data = []
        for n, text in enumerate(texts):
            values = [0.0] * EMBEDDING_DIMS
            for word in re.findall(r"[a-z]{3,}", text.lower()):
                code = zlib.crc32(f"{model} {word}".encode())
                values[code % EMBEDDING_DIMS] += 1.0 if code & 1 << 31 else -1.0
            data.append({"object": "embedding", "index": n, "embedding": values})
        tokens = sum(map(estimate_tokens, texts))
        with self._count:
            self.tokens_by_kind["embeddings"] = self.tokens_by_kind.get("embeddings", 0) + tokens
        return Reply(200, {"Content-Type": "application/json"}, json.dumps(
            {"object": "list", "data": data, "model": model,
             "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}).encode())


def task(body: dict[str, Any]) -> dict[str, Any]:
    """Return the data a request's user message carries between <data> and </data> (digest.llm.data_block).

    A message that is bare JSON (the prompt before revision 2, its papers' text under "text") reads too: bench/llm.py
    measures the code before a change with the same server."""
    content = body["messages"][1]["content"]
    data = json.loads(content.split("<data>", 1)[1].rsplit("</data>", 1)[0] if "<data>" in content else content)
    for paper in data["papers"]:
        paper.setdefault("abstract", paper.get("text", ""))
    return data

