"""The one place that talks to a language model: any OpenAI-compatible endpoint through the official openai client."""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

import openai

from .clean import xml_text
from .config import LLMOptions

OPENAI_URL = "https://api.openai.com/v1"
# The forms of response_format asked for, strictest first. A server refusing one (HTTP 400 or 422 naming it, or a 500
# reporting a validation error on it, as llama-cpp-python's server 0.3 does) gets
# the next for the rest of the run: the answer's JSON schema (OpenAI, vLLM, Ollama, llama.cpp's server), the schema
# inside json_object (llama-cpp-python's server, which refuses json_schema), JSON mode, then plain text read by
# parse_json's tolerant reader.
FORMATS = ("json_schema", "json_object+schema", "json_object", "text")
STOP_AFTER_FAILURES = 3   # requests failing in a row (after the client's own retries) end the run's LLM work


@dataclass(frozen=True)
class Endpoint:
    url: str
    model: str
    key: str
    key_env: str


def endpoint(options: LLMOptions, env: Mapping[str, str], demo: bool = False) -> Endpoint | None:
    """Return where to send requests, or None for offline summaries: no key and no base URL, or switched off.

    The demo never calls OpenAI itself: only an explicitly configured base URL (say a local server) is used.
    """
    base = (env.get("OPENAI_BASE_URL") or options.base_url).strip()
    key = (env.get(options.api_key_env) or "").strip()
    if not options.enabled or (demo and not base) or (not key and not base):
        return None
    model = (env.get("OPENAI_MODEL") or options.model).strip()   # the daily workflow passes a repository variable
    # Local servers (Ollama, llama.cpp, vLLM) ignore the key, but the client insists on one.
    return Endpoint(base or OPENAI_URL, model, key or "not-needed", options.api_key_env)


@dataclass(frozen=True)
class Ask:
    """One chat request, apart from the server it goes to: batch mode writes the same requests into a file."""

    system: str
    user: str
    max_tokens: int            # completion allowance
    name: str                  # the schema's name ("summaries", "briefing")
    schema: Mapping[str, Any]  # the JSON schema of the answer


def response_format(ask: Ask, form: str) -> dict[str, Any] | None:
    """Return the response_format of a request in one of FORMATS, or None for plain text."""
    if form == "json_schema":
        return {"type": "json_schema", "json_schema": {"name": ask.name, "schema": dict(ask.schema), "strict": True}}
    if form == "json_object+schema":
        return {"type": "json_object", "schema": dict(ask.schema)}
    return {"type": "json_object"} if form == "json_object" else None


def request_body(ask: Ask, model: str, form: str = FORMATS[0], token_param: str = "max_tokens") -> dict[str, Any]:
    """Return the body of a chat-completions request: the model, the messages, the allowance, the answer's format."""
    body: dict[str, Any] = {"model": model, "messages": [{"role": "system", "content": ask.system},
                                                         {"role": "user", "content": ask.user}],
                            token_param: ask.max_tokens}
    if (shape := response_format(ask, form)) is not None:
        body["response_format"] = shape
    return body


def data_block(data: Any) -> str:
    """Return untrusted data as the user message carries it: JSON between <data> and </data>.

    Every "<" is escaped inside the JSON (which reads back the same), so no text in it can close the block."""
    return "<data>\n" + json.dumps(data, ensure_ascii=False).replace("<", "\\u003c") + "\n</data>"


def read_data_block(text: str) -> Any:
    """Return the data a user message carries (data_block's inverse), or None when it holds no readable block."""
    inside = text.partition("<data>\n")[2].rpartition("\n</data>")[0]
    try:
        return json.loads(inside)
    except ValueError:
        return None


def refuses_format(exc: openai.APIStatusError) -> bool:
    """Return whether an error is the server refusing the request's response_format: a 400 or 422 naming it, or a
    500 whose message is a validation error on it (llama-cpp-python's server 0.3 reports its 422 that way)."""
    said = f"{exc.message} {exc.body}"
    if exc.status_code == 500:
        return re.search(r"validation error[\s\S]*response_format", said) is not None
    return exc.status_code in (400, 422) and re.search(r"response_format|json_schema|json_object", said) is not None


def request_problem(exc: Exception, options: LLMOptions) -> str:
    """Why a request got no answer, in a few words: the status after the client's retries, the timeout, the
    connection, or an answer that is not what was asked for (the client could not read it)."""
    if isinstance(exc, openai.APIStatusError):
        return f"HTTP {exc.status_code} after {options.attempts} attempts"
    if isinstance(exc, openai.APITimeoutError):
        return f"no answer within llm.timeout ({options.timeout:g} s), {options.attempts} attempts"
    if isinstance(exc, openai.APIConnectionError):
        cause = type(exc.__cause__).__name__ if exc.__cause__ else "connection error"
        return f"connection failed ({cause}), {options.attempts} attempts"
    return f"unusable response ({type(exc).__name__})"


@dataclass
class Usage:
    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def add(self, other: "Usage") -> None:
        self.requests += other.requests
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens


def estimate_tokens(text: str) -> int:
    """Return a rough token count: about 4 characters per token in English, 1 per CJK character."""
    cjk = len(re.findall(r"[\u3000-\u9fff\uff00-\uffef]", text))
    return cjk + (len(text) - cjk) // 4 + 1


def parse_json(text: str) -> Any:
    """Return the JSON object in a model's answer, tolerating code fences and chatter around it; None if none.

    Every string in it (keys too) has passed clean.xml_text: this is the one gate between a model and content/,
    so no summary or briefing can hold a character that UTF-8 cannot write or XML 1.0 refuses, whether the model
    wrote it raw or as a JSON escape (`\\ud800`, `\\u0001`) that only json.loads turns into one.
    """
    text = text.strip()
    fenced = re.search(r"```(?:json)?\s*(.*?)```", text, re.S)
    candidates = [text, fenced.group(1) if fenced else ""]
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        candidates.append(text[start:end + 1])
    for candidate in candidates:
        if not candidate:
            continue
        try:
            # strict=False: a raw control character inside a string costs that character, not the whole answer.
            value = _gated(json.loads(candidate, strict=False))
        except (ValueError, RecursionError):   # RecursionError: nesting deeper than the parser (or _gated) goes
            continue
        if isinstance(value, (dict, list)):
            return value
    return None


def _gated(value: Any) -> Any:
    """Return a parsed JSON value with xml_text applied to every string in it."""
    if isinstance(value, str):
        return xml_text(value)
    if isinstance(value, list):
        return [_gated(item) for item in value]
    if isinstance(value, dict):
        return {xml_text(key): _gated(item) for key, item in value.items()}
    return value


@dataclass
class Client:
    """Chat completions with bounded concurrency, a token budget, and failures turned into None plus one reason."""

    endpoint: Endpoint
    options: LLMOptions
    usage: dict[str, Usage] = field(default_factory=dict)   # by digest day
    stopped: str | None = None        # why no further request is sent this run
    capped: bool = False              # a request was skipped for the token budget
    failed: int = 0                   # requests that got no usable answer
    last_error: str | None = None
    form: int = 0                     # the FORMATS entry asked for: the next one once the server refuses it
    token_param: str = "max_tokens"
    _spent: int = 0
    _reserved: int = 0
    _failures_in_row: int = 0

    def __post_init__(self) -> None:
        self.openai = openai.AsyncOpenAI(api_key=self.endpoint.key, base_url=self.endpoint.url,
                                         timeout=self.options.timeout, max_retries=self.options.attempts - 1)
        self.gate = asyncio.Semaphore(self.options.concurrency)

    @property
    def total(self) -> Usage:
        total = Usage()
        for usage in self.usage.values():
            total.add(usage)
        return total

    async def close(self) -> None:
        await self.openai.close()

    async def chat(self, day: str, ask: Ask) -> str | None:
        """Return the model's answer text, or None when over budget, stopped, or the request failed."""
        guess = estimate_tokens(ask.system) + estimate_tokens(ask.user) + ask.max_tokens // 2
        async with self.gate:
            # Checked once a slot is free, so only requests really about to be sent hold a reservation.
            if self.stopped:
                return None
            if self._spent + self._reserved + guess > self.options.max_tokens:
                self.capped = True
                return None
            self._reserved += guess
            try:
                return await self._send(day, ask)
            finally:
                self._reserved -= guess

    async def _send(self, day: str, ask: Ask) -> str | None:
        for _ in range(len(FORMATS) + 1):   # at most: each weaker response_format, the other token parameter
            body = request_body(ask, self.endpoint.model, FORMATS[self.form], self.token_param)
            try:
                response = await self.openai.chat.completions.create(**body)
            except (openai.BadRequestError, openai.UnprocessableEntityError) as exc:
                if refuses_format(exc) and self.form + 1 < len(FORMATS):
                    self.form += 1          # remembered for the run: the next request starts there
                    continue
                if self.token_param == "max_tokens" and "max_tokens" in str(exc):
                    self.token_param = "max_completion_tokens"   # newer OpenAI models want this name
                    continue
                return self._fail(f"rejected a request ({exc.status_code}): {_message(exc)}")
            except (openai.AuthenticationError, openai.PermissionDeniedError, openai.NotFoundError) as exc:
                self.stopped = (f"llm: model {self.endpoint.model!r} rejected by {self.endpoint.url} "
                                f"({exc.status_code}): check {self.endpoint.key_env} and llm.model")
                return None
            except openai.APIStatusError as exc:
                if refuses_format(exc) and self.form + 1 < len(FORMATS):   # a 500 that is a validation error
                    self.form += 1
                    continue
                return self._fail(request_problem(exc, self.options))
            except (openai.OpenAIError, ValueError) as exc:   # also a body that is not a chat completion
                return self._fail(request_problem(exc, self.options))
            return self.answer_text(day, body["messages"], response)
        return self._fail("rejected every form of the request (400)")

    def answer_text(self, day: str, messages: list[dict[str, str]], response: Any) -> str | None:
        """Return the text of a chat completion, counted in the day's usage; None (a failure) when it has none.

        Batch mode reads each line of a batch's output file through here, as an answer this client got itself."""
        # The client builds the completion without validating it: a server may send any shape (choices a number
        # or a map, content a number), and each of those is an unusable answer, not an exception.
        choices = getattr(response, "choices", None)
        message = getattr(choices[0], "message", None) if isinstance(choices, list) and choices else None
        text = getattr(message, "content", None)
        text = text if isinstance(text, str) else ""
        usage = getattr(response, "usage", None)
        prompt = getattr(usage, "prompt_tokens", None)
        completion = getattr(usage, "completion_tokens", None)
        spent = Usage(1, prompt if isinstance(prompt, int) else sum(estimate_tokens(m["content"]) for m in messages),
                      completion if isinstance(completion, int) else estimate_tokens(text))
        self.usage.setdefault(day, Usage()).add(spent)
        self._spent += spent.prompt_tokens + spent.completion_tokens
        if not text.strip():
            return self._fail("empty answer")
        return text

    def usable(self) -> None:
        """Note that an answer gave what was asked: the run of failures is broken."""
        self._failures_in_row = 0

    def unusable(self, why: str) -> None:
        """Note an answer that was not what was asked even after the stricter retry."""
        self._fail(why)

    def _fail(self, why: str) -> str | None:
        """Count a request that gave nothing usable; stop the run after several in a row. Return None."""
        self.last_error = why
        self.failed += 1
        self._failures_in_row += 1
        if self._failures_in_row >= STOP_AFTER_FAILURES and not self.stopped:
            self.stopped = f"llm: {self.endpoint.url}: {why}, {self._failures_in_row} requests in a row; stopping for this run"
        return None


def _message(exc: openai.APIStatusError) -> str:
    return " ".join(str(exc.message).split())[:200]
