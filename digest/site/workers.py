"""Forked worker processes for the render's big batches: each is given its work function as an argument."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import queue
import signal
import traceback
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from ..errors import DigestError

PARALLEL_FROM = 8    # tasks (days to index or render) before worker processes pay for themselves
MAX_WORKERS = 4
WATCH_SECONDS = 0.5  # how often a render waiting for its workers' results checks that they are alive

Task = TypeVar("Task")
Result = TypeVar("Result")


def worker_count(tasks: int, beside: bool = False) -> int:
    """Return how many worker processes a batch of tasks gets: 0 (run here) for a small batch or one core.

    beside: the caller has work of its own to do while they run (start_all), so a small batch that is heavy (one
    new day of 1,200 cards) still gets a worker, and this process keeps a core for itself."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    workers = min(cores, MAX_WORKERS)
    if not tasks or workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return 0
    if beside:
        return min(tasks, workers - 1)
    return workers if tasks >= PARALLEL_FROM else 0


class RenderWorkerDied(DigestError):
    """A forked worker was killed before it sent back its task's result: the render stops, its files not recorded."""


def _death(exitcode: int) -> str:
    """The one line for a worker gone with exitcode (negative: the signal that killed it)."""
    if exitcode < 0:
        try:
            cause = f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            cause = f"killed by signal {-exitcode}"
        if -exitcode == signal.SIGKILL:
            cause += " (on a runner, most often for want of memory)"
    else:
        cause = f"exited with code {exitcode}"
    return (f"render: a worker process was {cause} before it sent back its pages; the pages it wrote are not "
            "recorded, so the next render makes them again")


class Started(Generic[Result]):
    """Tasks handed to forked workers while this process goes on; results() takes on here those nobody has begun,
    then waits for the others. Used as a context manager, so that workers still running when the caller fails are
    stopped.

    The workers inherit the tasks with the rest of this process: each takes the next one's number from a shared
    counter, so nothing is pickled but the results, and no task waits in a pipe for a busy worker."""

    def __init__(self, work: Callable[[Task], Result], tasks: Sequence[Task], workers: int):
        self.work, self.tasks = work, list(tasks)
        self.results_in: dict[int, Result] = {}
        self.processes: list[Any] = []
        if not workers:   # run here, now: the caller's own work comes after, as it would without workers
            self.results_in = {number: work(task) for number, task in enumerate(self.tasks)}
            return
        context = multiprocessing.get_context("fork")
        self.next: Any = context.Value("i", 0)   # the number of the first task nobody has taken
        self.done: Any = context.Queue()
        self.processes = [context.Process(target=_serve, args=(work, self.tasks, self.next, self.done), daemon=True)
                          for _ in range(workers)]
        for process in self.processes:
            process.start()

    def results(self) -> list[Result]:
        """Return the results in the tasks' order (a task's exception is raised here)."""
        if self.processes:
            while (number := _take(self.next, len(self.tasks))) is not None:
                self.results_in[number] = self.work(self.tasks[number])
        while len(self.results_in) < len(self.tasks):
            number, failure, result = self._next_done()
            if failure is not None:
                raise failure
            self.results_in[number] = result
        return [self.results_in[number] for number in range(len(self.tasks))]

    def _next_done(self) -> tuple[int, BaseException | None, Any]:
        """The next result a worker sends back; a worker that dies with its task unsent (killed by the runner out of
        memory, or by a signal) fails the render, where waiting for its result would hang the job until its timeout."""
        while True:
            try:
                return self.done.get(timeout=WATCH_SECONDS)
            except queue.Empty:
                pass
            # A worker puts its last result before it exits (the queue's feeder is flushed at exit): the results of a
            # worker that exited cleanly are read above, so a worker gone with a non-zero code lost its task.
            for process in self.processes:
                if process.exitcode not in (None, 0):
                    raise RenderWorkerDied(_death(process.exitcode))
            if all(process.exitcode == 0 for process in self.processes):   # gone cleanly, with results missing
                try:
                    return self.done.get(timeout=WATCH_SECONDS)
                except queue.Empty:
                    raise RenderWorkerDied("a render worker ended without sending back its pages") from None

    def __enter__(self) -> Started[Result]:
        return self

    def __exit__(self, *exc: object) -> None:
        for process in self.processes:
            if len(self.results_in) < len(self.tasks):   # a task or the caller failed: the others' work is not wanted
                process.terminate()
            process.join()


def _take(counter: Any, count: int) -> int | None:
    """The number of the next task nobody has taken, now taken; None when all are."""
    with counter.get_lock():
        number = counter.value
        if number >= count:
            return None
        counter.value = number + 1
        return int(number)


def start_all(work: Callable[[Task], Result], tasks: Sequence[Task], workers: int) -> Started[Result]:
    """Start [work(task) for task in tasks] in `workers` forked workers (0: here, before returning).

    A forked worker inherits `work` (and whatever it is bound to) and the tasks from this process, so nothing is
    pickled but the results: the render's index and settings reach the workers as this argument.
    """
    return Started(work, tasks, workers)


def run_all(work: Callable[[Task], Result], tasks: Sequence[Task]) -> list[Result]:
    """Return [work(task) for task in tasks], for a large batch computed in forked workers (one per core, up to 4)."""
    with start_all(work, tasks, worker_count(len(tasks))) as started:
        return started.results()


def _serve(work: Callable[[Any], Any], tasks: Sequence[Any], counter: Any, done: Any) -> None:
    """In a worker: take tasks until none is left, sending back each result or the exception it raised."""
    while (number := _take(counter, len(tasks))) is not None:
        try:
            done.put((number, None, work(tasks[number])))
        except Exception as exc:   # the parent raises it: a bug keeps its type, message and traceback
            exc.add_note("in a render worker:\n" + traceback.format_exc())
            try:
                pickle.dumps(exc)
            except Exception:
                exc = RuntimeError(traceback.format_exc())
            done.put((number, exc, None))
