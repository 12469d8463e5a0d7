"""Batch mode (llm.mode: batch): the papers' summary requests go through the OpenAI Batch API, at half the price.

One run uploads the requests as a JSONL file and creates a batch (completion window 24 h); content/batches.json
records it, so a later run retrieves the batch and, once it has finished, reads each answer with the synchronous
path's own reader and stores the summaries. Meanwhile the cards show the extractive summary, and the papers in a
batch still running are not asked for again. A paper that got no usable answer (a line in the error file, a
batch that failed or expired) is simply not stored, so the next run submits it again.

The summaries of a collected batch are written to the day files before the batch leaves batches.json: a run killed
in between collects the same batch again next time, which stores the same summaries again; nothing is lost or torn.

A batch is tagged at creation with metadata (the hub, its days, model and prompt version). A run that died between
creating a batch and writing batches.json (or whose content/ was never committed) left a batch paid for and
unrecorded: the next run lists the server's batches and adopts such a batch of ours, rebuilt from its input file,
instead of submitting its papers again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from types import SimpleNamespace
from typing import Any, Callable, Final, Sequence

import openai

from . import gate
from .archive import Archive
from .config import LLMOptions
from .errors import ArchiveError
from .llm import FORMATS, Client, Endpoint, estimate_tokens, read_data_block, request_body
from .papers import Paper
from .summarize import SYSTEM, Outcome, Scan, batches, paper_data, prompt_tag, read_answer, store, summary_ask

ENDPOINT: Final = "/v1/chat/completions"
WINDOW: Final = "24h"                                        # the only completion window the Batch API offers
RUNNING = ("validating", "in_progress", "finalizing", "cancelling")
FINISHED = ("completed", "expired", "cancelled")             # what answered before the end is in the output file
DISCOUNT = 0.5                                               # the Batch API's price against the synchronous one
HUB: Final = "academichub"           # the metadata key naming the hub that created a batch (BatchMode.hub)
LISTED = 100                         # the most recent batches a run looks through for one of ours left unrecorded


@dataclass(frozen=True)
class Job:
    """One submitted batch as content/batches.json keeps it."""

    id: str
    model: str
    prompt: str                                          # prompt_tag() at submission: answers to another are dropped
    submitted: str                                       # ISO time, UTC
    requests: dict[str, tuple[str, tuple[str, ...]]]     # custom_id -> (digest day, paper ids in request order)
    reasked: frozenset[str] = frozenset()                # papers asked again, with the gate's reason: last chance

    def paper_ids(self) -> set[str]:
        return {paper_id for _, ids in self.requests.values() for paper_id in ids}

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "model": self.model, "prompt": self.prompt, "submitted": self.submitted,
                "requests": {key: {"day": day, "papers": list(ids)} for key, (day, ids) in self.requests.items()},
                "reasked": sorted(self.reasked)}

    @classmethod
    def from_json(cls, value: Any, where: str) -> "Job":
        """Return the job in a batches.json entry; raise ArchiveError naming the entry when it is not one."""
        try:
            requests = {str(key): (date.fromisoformat(item["day"]).isoformat(), tuple(_texts(item["papers"])))
                        for key, item in value["requests"].items()}
            job = cls(_text(value["id"]), _text(value["model"]), _text(value["prompt"]), _text(value["submitted"]),
                      requests, frozenset(_texts(value.get("reasked", []))))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ArchiveError(f"{where}: not a submitted batch ({type(exc).__name__}: {exc}); restore the file "
                               f"from git, or delete the entry to submit its papers again") from None
        return job


def _text(value: Any) -> str:
    if type(value) is not str or not value:
        raise TypeError(f"expected text, got {value!r}")
    return value


def _texts(values: Any) -> list[str]:
    if type(values) is not list:
        raise TypeError(f"expected a list of ids, got {values!r}")
    return [_text(v) for v in values]


@dataclass
class BatchReport:
    """What batch mode did this run, for build.py to print: one line per batch, and the problem if any."""

    lines: list[str] = field(default_factory=list)
    problem: str | None = None
    submitted: int = 0          # papers submitted this run
    collected: int = 0          # papers whose summaries a finished batch gave
    requeued: int = 0           # papers of finished batches that got none: submitted again next run
    running: int = 0            # papers in batches still running


def open_api(target: Endpoint, options: LLMOptions) -> openai.OpenAI:
    """Return the synchronous openai client for the Files and Batches endpoints (a few calls per run)."""
    return openai.OpenAI(api_key=target.key, base_url=target.url, timeout=options.timeout,
                         max_retries=options.attempts - 1)


def line_body(model: str, papers: Sequence[Paper], languages: Sequence[str],
              reasons: dict[int, str] | None = None) -> dict[str, Any]:
    """Return one /v1/chat/completions body asking for the papers' summaries, as the synchronous path asks
    (OpenAI's Batch API takes the answer's JSON schema, and the newer name of the completion allowance)."""
    return request_body(summary_ask(papers, languages, reasons), model, FORMATS[0], "max_completion_tokens")


@dataclass
class BatchMode:
    """summarize_stage's `divert` in batch mode: collect the finished batches, submit what is left, ask nothing."""

    options: LLMOptions
    hub: str = "AcademicHub"          # who we are among the key's batches: the site's repository, else its title
    make_api: Callable[[Endpoint, LLMOptions], openai.OpenAI] = open_api
    now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)
    report: BatchReport = field(default_factory=BatchReport)
    reasons: dict[str, str] = field(default_factory=dict)   # paper id -> the gate's verdict on its first answer

    def __call__(self, archive: Archive, client: Client, found: Scan, out: Outcome) -> Scan:
        """Collect and submit; return the scan with no paper left for the synchronous path (briefings stay)."""
        where = str(archive.batches_path)
        jobs = [Job.from_json(item, f"{where}: batches[{i}]") for i, item in enumerate(archive.read_batches())]
        api = self.make_api(client.endpoint, self.options)
        try:
            if adopted := self.adopt(api, archive, client, found, jobs):
                jobs += adopted
                archive.write_batches([job.to_json() for job in jobs])   # recorded now, whatever happens next
            kept = [job for job in jobs if not self.collect(api, archive, client, job, out)]
            if len(kept) < len(jobs):
                archive.write_batches([job.to_json() for job in kept])   # only once the summaries are stored
            flying = set().union(*(job.paper_ids() for job in kept))
            self.report.running = len(flying)
            if (job := self.submit(api, client, found, flying | set(out.summaries) | set(out.verdicts), out)) is not None:
                archive.write_batches([j.to_json() for j in [*kept, job]])
        finally:
            api.close()
        out.attempted = found.waiting   # every paper is submitted, in a batch, or collected: none left over by a cap
        return replace(found, todo=[])

    def adopt(self, api: openai.OpenAI, archive: Archive, client: Client, found: Scan, jobs: list[Job]) -> list[Job]:
        """Return the server's batches of this hub, model and prompt that batches.json lacks and that hold papers
        still waiting for a summary: created by a run that died before recording them, paid for, to be collected.

        A batch already collected holds no waiting paper, or one a recorded batch asks for again: not adopted."""
        tags = self.tags(client.endpoint.model, [])
        waiting = {p.id for _, papers in found.todo for p in papers}
        recorded = {job.id for job in jobs}
        flying = set().union(*(job.paper_ids() for job in jobs))
        if not waiting:
            return []
        try:
            listed = list(api.batches.list(limit=LISTED).data)
        except openai.OpenAIError as exc:
            self._say(f"batch: could not list the batches of {client.endpoint.url} ({_why(exc)}); a batch an earlier "
                      f"run created but did not record may be submitted again", problem=True)
            return []
        adopted = []
        for batch in listed:
            meta = getattr(batch, "metadata", None) or {}
            if batch.id in recorded or any(meta.get(key) != value for key, value in tags.items() if key != "days"):
                continue
            try:
                job = rebuilt(api, archive, batch, tags)
            except (openai.OpenAIError, ValueError, KeyError, TypeError, AttributeError) as exc:
                self._say(f"batch {batch.id}: ours but unrecorded, and its input file is unreadable "
                          f"({type(exc).__name__}: {exc}); its papers are submitted again", problem=True)
                continue
            if job.paper_ids() & waiting and not job.paper_ids() & flying:
                adopted.append(job)
                flying |= job.paper_ids()
                self._say(f"batch {job.id}: created {job.submitted} by a run that did not record it: adopted for its "
                          f"{len(job.paper_ids())} papers instead of submitting them again")
        return adopted

    def tags(self, model: str, days: Sequence[str]) -> dict[str, str]:
        """Return the metadata a batch is created with (16 keys at most, values of 512 characters at most)."""
        return {HUB: self.hub[:512], "model": model[:512], "prompt": prompt_tag(self.options),
                "days": ",".join(days)[:512]}

    def collect(self, api: openai.OpenAI, archive: Archive, client: Client, job: Job, out: Outcome) -> bool:
        """Retrieve one batch; store what a finished one answered. Return whether it leaves batches.json."""
        papers = len(job.paper_ids())
        try:
            batch = api.batches.retrieve(job.id)
        except openai.NotFoundError:
            self._say(f"batch {job.id}: unknown to {client.endpoint.url}: its {papers} papers go back to the queue",
                      problem=True)
            self.report.requeued += papers
            return True
        except openai.OpenAIError as exc:
            self._say(f"batch {job.id}: could not be checked ({_why(exc)}); trying again next run", problem=True)
            return False
        status = getattr(batch, "status", None)
        if status in RUNNING:
            counts = getattr(batch, "request_counts", None)
            done = f", {counts.completed + counts.failed} of {counts.total} requests done" if counts else ""
            self._say(f"batch {job.id}: {status}{done} (submitted {job.submitted}); "
                      f"its {papers} papers keep their extractive summaries meanwhile")
            return False
        if status == "failed":
            errors = getattr(getattr(batch, "errors", None), "data", None) or []
            why = "; ".join(f"{e.code}: {e.message}" for e in errors[:2]) or "no reason given"
            self._say(f"batch {job.id}: failed ({why}): its {papers} papers go back to the queue", problem=True)
            self.report.requeued += papers
            return True
        if status not in FINISHED:
            self._say(f"batch {job.id}: unknown status {status!r}; checking again next run", problem=True)
            return False
        if (job.model, job.prompt) != (client.endpoint.model, prompt_tag(self.options)):
            self._say(f"batch {job.id}: {status}, but written by {job.model} for prompt {job.prompt} (now "
                      f"{client.endpoint.model}, {prompt_tag(self.options)}): dropped, its papers asked for again")
            self.report.requeued += papers
            return True
        try:
            self.take(api, archive, client, job, batch, out)
        except openai.OpenAIError as exc:   # nothing of it stored yet: the whole batch is read again next run
            self._say(f"batch {job.id}: {status}, but its results could not be read ({_why(exc)}); "
                      f"trying again next run", problem=True)
            return False
        return True

    def take(self, api: openai.OpenAI, archive: Archive, client: Client, job: Job, batch: Any, out: Outcome) -> None:
        """Read a finished batch's output and error files into out, and store them in the day files.

        Each answer is read as the synchronous path reads one (the gate included). A summary the gate refuses is
        asked for once more, with the reason, in the next batch (self.reasons); refused again, its verdict is stored
        and the extractive summary stays."""
        answers = _lines(api, getattr(batch, "output_file_id", None))
        failed = _lines(api, getattr(batch, "error_file_id", None))
        langs = self.options.languages
        days: set[date] = set()
        good = refused = 0
        for custom_id, (day, ids) in job.requests.items():
            on = date.fromisoformat(day)
            papers = _papers(archive, on, ids)
            response = getattr(answers.get(custom_id), "response", None)
            if papers is None or response is None or getattr(response, "status_code", None) != 200:
                continue
            # The request's messages only estimate the tokens of an answer that does not give its usage.
            text = client.answer_text(day, line_body(job.model, papers, langs)["messages"], response.body)
            found = read_answer(text, papers, langs) if text is not None else None
            for position, texts in found.good.items() if found else ():
                out.summaries[papers[position].id] = texts
                out.papers_by_day[day] = out.papers_by_day.get(day, 0) + 1
                good += 1
            for position, verdict in found.refused.items() if found else ():
                if papers[position].id in job.reasked:
                    out.verdicts[papers[position].id] = verdict
                    out.count(on, f"rejected_{gate.reason(verdict)}")
                    refused += 1
                else:
                    self.reasons[papers[position].id] = verdict
            days.add(on)
        store(archive, out, job.model, self.options, only=days)
        total = len(job.paper_ids())
        again = len(job.paper_ids() & set(self.reasons))
        back = total - good - refused - again
        self.report.collected += good
        self.report.requeued += back
        said = [f"{good} of {total} papers summarised"]
        said += [f"{refused} refused by the gate twice (extractive summary kept)"] if refused else []
        said += [f"{again} refused by the gate, asked again with the reason"] if again else []
        said += [f"{len(failed)} request{'s' if len(failed) != 1 else ''} failed"] if failed else []
        tail = f"; {back} papers go back to the queue" if back else ""
        self._say(f"batch {job.id}: {batch.status}: {', '.join(said)}{tail}", problem=bool(back or failed))

    def submit(self, api: openai.OpenAI, client: Client, found: Scan, done: set[str], out: Outcome) -> Job | None:
        """Upload the requests for the papers not in `done` and create the batch; None when there are none."""
        model, langs = client.endpoint.model, self.options.languages
        lines, requests, tokens = [], {}, 0
        for on, papers in found.todo:
            waiting = [p for p in papers if p.id not in done]
            size, chars = self.options.batch_size, self.options.batch_chars
            groups: list[tuple[list[Paper], dict[int, str] | None]] = [
                (group, None) for group in batches([p for p in waiting if p.id not in self.reasons], size, chars)]
            groups += [(group, {i: self.reasons[p.id] for i, p in enumerate(group)})
                       for group in batches([p for p in waiting if p.id in self.reasons], size, chars)]
            for k, (group, reasons) in enumerate(groups, 1):
                body = line_body(model, group, langs, reasons)
                tokens += sum(estimate_tokens(m["content"]) for m in body["messages"]) + body["max_completion_tokens"] // 2
                if tokens > self.options.max_tokens:   # the run's token cap holds for batches too
                    client.capped = True
                    break
                custom_id = f"{on.isoformat()}/{k}"   # the day first: rebuilt() reads it back
                lines.append(json.dumps({"custom_id": custom_id, "method": "POST", "url": ENDPOINT, "body": body},
                                        ensure_ascii=False))
                requests[custom_id] = (on.isoformat(), tuple(p.id for p in group))
        if not lines:
            return None
        try:
            upload = api.files.create(file=("summaries.jsonl", ("\n".join(lines) + "\n").encode("utf-8"),
                                            "application/jsonl"), purpose="batch")
            days = sorted({day for day, _ in requests.values()}, reverse=True)
            batch = api.batches.create(input_file_id=upload.id, endpoint=ENDPOINT, completion_window=WINDOW,
                                       metadata=self.tags(model, days))
        except openai.OpenAIError as exc:
            self._say(f"batch: could not submit {len(lines)} requests ({_why(exc)}); "
                      f"their papers are submitted next run", problem=True)
            return None
        ids = {paper_id for _, asked in requests.values() for paper_id in asked}
        for day, asked in requests.values():   # counted as the synchronous path counts its second asks
            out.count(date.fromisoformat(day), "reasked", len(set(asked) & set(self.reasons)))
        job = Job(batch.id, model, prompt_tag(self.options), self.now().isoformat(timespec="seconds"), requests,
                  frozenset(ids & set(self.reasons)))
        self.report.submitted = len(ids)
        self._say(f"batch {job.id}: submitted {len(lines)} requests for {self.report.submitted} papers "
                  f"(answers within {WINDOW}, collected by a later run)")
        return job

    def _say(self, line: str, problem: bool = False) -> None:
        self.report.lines.append(line)
        if problem:
            self.report.problem = line if self.report.problem is None else f"{self.report.problem}; {line}"


def rebuilt(api: openai.OpenAI, archive: Archive, batch: Any, tags: dict[str, str]) -> Job:
    """Return the Job of a batch that batches.json never recorded, from its input file: each line's papers are the
    day's papers whose request data (summarize.paper_data) the line carries. A line naming a paper the day no longer
    holds is left out (its papers are submitted again); a line with the re-ask's reasons marks its papers re-asked."""
    requests: dict[str, tuple[str, tuple[str, ...]]] = {}
    reasked: set[str] = set()
    days: dict[str, dict[str, Paper]] = {}
    for raw in api.files.content(batch.input_file_id).text.splitlines():
        if not raw.strip():
            continue
        line = json.loads(raw)
        day = date.fromisoformat(line["custom_id"].partition("/")[0]).isoformat()
        if day not in days:
            stored = archive.read_day(date.fromisoformat(day))
            days[day] = {_request_key(paper_data(0, p)): p for p in stored.papers} if stored else {}
        system, user = (m["content"] for m in line["body"]["messages"][:2])
        found = [days[day].get(_request_key({**item, "n": 0})) for item in read_data_block(user)["papers"]]
        papers = [p for p in found if p is not None]
        if not papers or len(papers) < len(found):
            continue
        requests[str(line["custom_id"])] = (day, tuple(p.id for p in papers))
        if system != SYSTEM:
            reasked.update(p.id for p in papers)
    created = datetime.fromtimestamp(int(getattr(batch, "created_at", 0) or 0), timezone.utc)
    return Job(batch.id, tags["model"], tags["prompt"], created.isoformat(timespec="seconds"), requests,
               frozenset(reasked))


def _request_key(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False)


def _papers(archive: Archive, day: date, ids: Sequence[str]) -> list[Paper] | None:
    """Return a request's papers in its order, or None when the day no longer holds one of them."""
    stored = archive.read_day(day)
    by_id = {p.id: p for p in stored.papers} if stored else {}
    papers = [by_id.get(paper_id) for paper_id in ids]
    return None if None in papers else [p for p in papers if p is not None]


def _lines(api: openai.OpenAI, file_id: str | None) -> dict[str, Any]:
    """Return a batch result file's lines by custom_id, each read as attributes (as the client reads a response)."""
    if not file_id:
        return {}
    found = {}
    for raw in api.files.content(file_id).text.splitlines():
        try:
            line = json.loads(raw, object_hook=lambda d: SimpleNamespace(**d))
        except ValueError:
            continue
        if isinstance(getattr(line, "custom_id", None), str):
            found[line.custom_id] = line
    return found


def _why(exc: openai.OpenAIError) -> str:
    status = getattr(exc, "status_code", None)
    said = " ".join(str(getattr(exc, "message", exc)).split())[:160]
    return f"HTTP {status}: {said}" if status else f"{type(exc).__name__}: {said}"
