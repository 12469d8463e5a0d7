"""OpenAI's Files and Batches endpoints, mounted on an LLMServer, for batch mode's tests (llm.mode: batch).

    with LLMServer() as llm:
        api = BatchAPI(llm, "in_progress", "completed")   # each retrieve of a batch reports the next status
        ... build.main(["summarize", ...]) ...            # submits: content/batches.json names the batch
        ... build.main(["summarize", ...]) ...            # in_progress; the next run collects it
        api.batches["batch_1"]["metadata"]                # what the run tagged it with (a list shows it too)

A batch's lines are answered by the server's own chat-completions handler (whatever `llm.script` set), so each
answer is what the same request sent synchronously would get. `fail(body)` picks lines for the error file.
"""

from __future__ import annotations

import itertools
import json
import threading
from dataclasses import replace
from email.parser import BytesParser
from email.policy import default as email_policy
from typing import Any, Callable
from urllib.parse import parse_qs

from feedserver import Reply, Request
from llmserver import LLMServer

FINISHED = ("completed", "expired", "cancelled")


def _json(data: Any, code: int = 200) -> Reply:
    return Reply(code, {"Content-Type": "application/json"}, json.dumps(data, ensure_ascii=False).encode())


def _not_found(what: str) -> Reply:
    return _json({"error": {"message": f"No such {what}", "type": "invalid_request_error"}}, 404)


class BatchAPI:
    """Files (upload, content) and Batches (create, list, retrieve) on an LLMServer, playing statuses in turn."""

    def __init__(self, llm: LLMServer, *statuses: str) -> None:
        self.llm = llm
        # What each retrieve of a batch reports, in turn, then the last again (as set when first retrieved).
        self.statuses = statuses or ("completed",)
        self.fail: Callable[[dict[str, Any]], bool] = lambda body: False   # a line's body -> error file
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self._plans: dict[str, list[str]] = {}
        self._lock = threading.Lock()
        self._numbers = itertools.count(1)   # ids are never reused, even when a test deletes a batch
        llm.route("/v1/files", self._upload)
        llm.route("/v1/batches", self._batches)
        llm.route_prefix("/v1/files", self._file)
        llm.route_prefix("/v1/batches", self._retrieve)

    def lines(self, batch_id: str) -> list[dict[str, Any]]:
        """Return the request lines a batch was created with."""
        raw = self.files[self.batches[batch_id]["input_file_id"]]
        return [json.loads(line) for line in raw.decode("utf-8").splitlines() if line.strip()]

    def _upload(self, req: Request) -> Reply:
        message = BytesParser(policy=email_policy).parsebytes(
            b"Content-Type: " + req.headers["Content-Type"].encode() + b"\r\n\r\n" + req.body)
        parts = {part.get_param("name", header="content-disposition"): part.get_payload(decode=True)
                 for part in message.iter_parts()}
        if parts.get("purpose") != b"batch" or not parts.get("file"):
            return _json({"error": {"message": "purpose must be batch, with a file"}}, 400)
        return _json(self._store(parts["file"], "input.jsonl", "batch"))

    def _store(self, data: bytes, name: str, purpose: str) -> dict[str, Any]:
        with self._lock:
            file_id = f"file-{len(self.files) + 1}"
            self.files[file_id] = data
        return {"id": file_id, "object": "file", "bytes": len(data), "created_at": 0, "filename": name,
                "purpose": purpose, "status": "processed"}

    def _file(self, req: Request) -> Reply:
        file_id, _, what = req.path.removeprefix("/v1/files/").partition("/")
        if file_id not in self.files:
            return _not_found("file")
        if what == "content":
            return Reply(200, {"Content-Type": "application/octet-stream"}, self.files[file_id])
        return _json({"id": file_id, "object": "file", "bytes": len(self.files[file_id]), "purpose": "batch"})

    def _batches(self, req: Request) -> Reply:
        """POST creates a batch; GET lists them, newest first, as they stand (a list plays no status)."""
        if req.method != "GET":
            return self._create(req)
        limit = int(parse_qs(req.query).get("limit", ["20"])[0])
        with self._lock:
            listed = list(reversed(self.batches.values()))[:limit]
        return _json({"object": "list", "data": listed, "first_id": listed[0]["id"] if listed else None,
                      "last_id": listed[-1]["id"] if listed else None, "has_more": len(self.batches) > limit})

    def _create(self, req: Request) -> Reply:
        body = json.loads(req.body)
        if body.get("input_file_id") not in self.files or body.get("completion_window") != "24h" \
                or body.get("endpoint") != LLMServer.PATH:
            return _json({"error": {"message": "bad batch request", "type": "invalid_request_error"}}, 400)
        with self._lock:
            batch_id = f"batch_{next(self._numbers)}"
            self.batches[batch_id] = {
                "id": batch_id, "object": "batch", "endpoint": body["endpoint"], "errors": None,
                "input_file_id": body["input_file_id"], "completion_window": "24h", "status": "validating",
                "output_file_id": None, "error_file_id": None, "created_at": 0, "metadata": body.get("metadata"),
                "request_counts": {"total": 0, "completed": 0, "failed": 0}}
        self.batches[batch_id]["request_counts"]["total"] = len(self.lines(batch_id))
        return _json(self.batches[batch_id])

    def _retrieve(self, req: Request) -> Reply:
        batch_id = req.path.removeprefix("/v1/batches/")
        if batch_id not in self.batches:
            return _not_found("batch")
        batch = self.batches[batch_id]
        plan = self._plans.setdefault(batch_id, list(self.statuses))   # read at the first retrieve
        if batch["status"] not in (*FINISHED, "failed"):
            status = plan.pop(0) if len(plan) > 1 else plan[0]
            batch["status"] = status
            if status in FINISHED:
                self._finish(req, batch)
            elif status == "failed":
                batch["errors"] = {"object": "list", "data": [
                    {"code": "token_limit_exceeded", "message": "Enqueued token limit reached", "param": None, "line": None}]}
        return _json(batch)

    def _finish(self, req: Request, batch: dict[str, Any]) -> None:
        """Answer the batch's lines (half of them when it expired or was cancelled) into its output and error files."""
        lines = self.lines(batch["id"])
        answered = lines if batch["status"] == "completed" else lines[:len(lines) // 2]
        output, errors = [], []
        for n, line in enumerate(answered):
            if self.fail(line["body"]):
                errors.append({"id": f"batch_req_{n}", "custom_id": line["custom_id"], "error": None, "response": {
                    "status_code": 500, "request_id": f"req_{n}",
                    "body": {"error": {"message": "The server had an error", "type": "server_error"}}}})
                continue
            # The chat handler answers a line as it would the same request sent on its own (not counted as one).
            reply = self.llm._reply(replace(req, method="POST", path=LLMServer.PATH,
                                            body=json.dumps(line["body"]).encode()))
            assert isinstance(reply.body, bytes)
            target = output if reply.status == 200 else errors
            target.append({"id": f"batch_req_{n}", "custom_id": line["custom_id"], "error": None, "response": {
                "status_code": reply.status, "request_id": f"req_{n}", "body": json.loads(reply.body)}})
        batch["request_counts"] = {"total": len(lines), "completed": len(output), "failed": len(errors)}
        for key, rows, name in (("output_file_id", output, "output.jsonl"), ("error_file_id", errors, "errors.jsonl")):
            if rows:
                data = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode()
                batch[key] = self._store(data, name, "batch_output")["id"]
