"""Vectors from an OpenAI-compatible /v1/embeddings endpoint (llm.embeddings_model): OpenAI, Ollama, vLLM and
llama.cpp's server all serve it, and the official openai client talks to each.

The model's vector (a few hundred to a few thousand floats) is reduced to the format every vector is stored in
(digest/vectoriser.py: DIMS signed bytes): made unit length, projected by the same kind of fixed sign matrix as the
local vectoriser's (one row per model dimension), quantised. Cosines survive the projection roughly (as for any
random projection), so related papers and the browser's "For you" read one format whatever made it; the name
stored with each vector (SIGN:model) keeps vectors of different models from being compared.

A failing endpoint costs only this step: the request's papers and the rest of the run's stay without a vector and
are asked for again on the next run (related papers of their day wait for them); the digest is built regardless.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import openai

from .config import LLMOptions
from .llm import Endpoint, endpoint, estimate_tokens, request_problem
from .papers import Paper
from .vectoriser import quantised, sign_matrix

SIGN = "emb-sign-64/1"    # the reduction of a model's vector and its version: a change of either is a new name
TEXT_CHARS = 1600         # of title and abstract sent: ~400 tokens, within a 512-token model's context


def text_of(paper: Paper) -> str:
    """What is embedded for a paper: its title, then its abstract's first characters."""
    return f"{paper.title}\n\n{paper.abstract or ''}"[:TEXT_CHARS].strip() or paper.id


def reduced(values: np.ndarray) -> np.ndarray:
    """A model's vector as the stored DIMS signed bytes: unit length, fixed sign projection, quantised."""
    norm = float(np.linalg.norm(values))
    return quantised((values / norm if norm else values) @ sign_matrix(values.size))


@dataclass
class Embedder:
    """Embeddings requests for the vectors step, batched, with the run's figures and its one problem."""

    endpoint: Endpoint        # its model is llm.embeddings_model
    options: LLMOptions
    requests: int = 0
    tokens: int = 0
    papers: int = 0           # papers given a vector this run
    problem: str | None = None  # why no further request is sent this run

    @property
    def name(self) -> str:
        """The vectoriser's name stored with each vector it makes."""
        return f"{SIGN}:{self.endpoint.model}"

    def __call__(self, papers: Sequence[Paper]) -> list[np.ndarray]:
        """The papers' stored vectors, in order: all of them, or the first ones if a request failed (then
        `problem` says why, and no other request is sent this run)."""
        made: list[np.ndarray] = []
        if self.problem or not papers:
            return made
        client = openai.OpenAI(api_key=self.endpoint.key, base_url=self.endpoint.url,
                               timeout=self.options.timeout, max_retries=self.options.attempts - 1)
        try:
            for first in range(0, len(papers), self.options.embeddings_batch):
                batch = papers[first:first + self.options.embeddings_batch]
                vectors = self._request(client, [text_of(p) for p in batch])
                if vectors is None:
                    break
                made.extend(reduced(v) for v in vectors)
        finally:
            client.close()
        self.papers += len(made)
        return made

    def _request(self, client: openai.OpenAI, texts: list[str]) -> list[np.ndarray] | None:
        where = f"vectors: {self.endpoint.url}"
        try:
            # Floats asked for by name: the client would ask for base64, which not every local server writes.
            response = client.embeddings.create(model=self.endpoint.model, input=texts, encoding_format="float")
        except (openai.AuthenticationError, openai.PermissionDeniedError, openai.NotFoundError,
                openai.BadRequestError, openai.UnprocessableEntityError) as exc:
            return self._fail(f"{where}: embeddings model {self.endpoint.model!r} rejected ({exc.status_code}): "
                              f"check llm.embeddings_model and {self.endpoint.key_env}")
        except (openai.OpenAIError, ValueError) as exc:   # also a body that is not an embeddings response
            return self._fail(f"{where}: {request_problem(exc, self.options)}")
        self.requests += 1
        usage = getattr(getattr(response, "usage", None), "prompt_tokens", None)
        self.tokens += usage if isinstance(usage, int) else sum(map(estimate_tokens, texts))
        vectors = vectors_of(response, len(texts))
        if vectors is None:
            return self._fail(f"{where}: unusable response (not {len(texts)} finite vectors of one length)")
        return vectors

    def _fail(self, why: str) -> list[np.ndarray] | None:
        """Note why no further request is sent this run; return None."""
        self.problem = f"{why}; papers without a vector are asked for again on the next run"
        return None


def vectors_of(response: Any, count: int) -> list[np.ndarray] | None:
    """The response's vectors in the order of the inputs, or None unless it holds `count` finite vectors of one
    length (a server may send any shape: the client builds the response without checking it)."""
    data = getattr(response, "data", None)
    if not isinstance(data, list) or len(data) != count:
        return None
    indexes = [i if isinstance(i := getattr(item, "index", None), int) else -1 for item in data]
    # In the inputs' order by their index when it numbers them all (the order sent, as OpenAI's is, otherwise).
    items = [data[indexes.index(n)] for n in range(count)] if sorted(indexes) == list(range(count)) else data
    try:
        values = np.array([pooled(getattr(item, "embedding", None)) for item in items], dtype=np.float64)
    except (TypeError, ValueError):
        return None
    if values.ndim != 2 or values.shape[1] == 0 or not np.isfinite(values).all():
        return None
    return list(values)


def pooled(embedding: Any) -> np.ndarray:
    """An input's vector: as sent, or the mean of its tokens' vectors when the server sends one per token (as
    llama-cpp-python's server does for a model without a pooling layer); ValueError for any other shape."""
    values = np.array(embedding, dtype=np.float64)
    if values.ndim == 2 and values.shape[0]:
        return values.mean(axis=0)
    if values.ndim != 1:
        raise ValueError("not a vector")
    return values


def embedder(options: LLMOptions, env: Mapping[str, str], demo: bool = False) -> Embedder | None:
    """The embeddings client when llm.embeddings_model names a model and an endpoint is set (as for summaries:
    a key or a base URL, llm.enabled); None for the local vectoriser."""
    if not options.embeddings_model.strip():
        return None
    base = options.embeddings_base_url
    chat = endpoint(replace(options, base_url=base) if base else options, env, demo)
    if chat is None:
        return None
    return Embedder(Endpoint(base or chat.url, options.embeddings_model.strip(), chat.key, chat.key_env), options)
