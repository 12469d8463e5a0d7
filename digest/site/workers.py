"""Forked worker processes for the render's big batches: each is given its work function as an argument."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import queue
import traceback
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

PARALLEL_FROM = 8    # tasks (days to index or render) before worker processes pay for themselves
MAX_WORKERS = 4

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
    if tasks >= PARALLEL_FROM:
        return workers
    return min(tasks, workers - 1) if beside else 0


class Started(Generic[Result]):
    """Tasks handed to forked workers while this process goes on; results() waits for them. Used as a context
    manager, so that workers still running when the caller fails are stopped."""

    def __init__(self, work: Callable[[Task], Result], tasks: Sequence[Task], workers: int):
        self.count = len(tasks)
        self.results_in: dict[int, Result] = {}
        self.processes: list[Any] = []
        if not workers:   # run here, now: the caller's own work comes after, as it would without workers
            self.results_in = {number: work(task) for number, task in enumerate(tasks)}
            return
        self.work = work
        context = multiprocessing.get_context("fork")
        todo: Any = context.Queue()   # a Queue's feeder thread sends: neither side blocks while the other is busy
        self.todo, self.done = todo, context.Queue()
        self.processes = [context.Process(target=_serve, args=(work, todo, self.done), daemon=True)
                          for _ in range(workers)]
        for process in self.processes:
            process.start()
        for number, task in enumerate(tasks):
            todo.put((number, task))
        for _ in self.processes:
            todo.put(None)

    def results(self) -> list[Result]:
        """Return the results in the tasks' order (a task's exception is raised here): first take on here the tasks
        no worker has begun (this process is done with its own work), then wait for the others."""
        while self.processes:
            try:
                item = self.todo.get_nowait()
            except queue.Empty:
                break
            if item is None:   # the tasks are all taken: the stop meant for a worker goes back
                self.todo.put(None)
                break
            number, task = item
            self.results_in[number] = self.work(task)
        while len(self.results_in) < self.count:
            number, failure, result = self.done.get()
            if failure is not None:
                raise failure
            self.results_in[number] = result
        return [self.results_in[number] for number in range(self.count)]

    def __enter__(self) -> Started[Result]:
        return self

    def __exit__(self, *exc: object) -> None:
        for process in self.processes:
            if len(self.results_in) < self.count:   # a task or the caller failed: the others' work is not wanted
                process.terminate()
            process.join()


def start_all(work: Callable[[Task], Result], tasks: Sequence[Task], workers: int) -> Started[Result]:
    """Start [work(task) for task in tasks] in `workers` forked workers (0: here, before returning).

    A forked worker inherits `work` (and whatever it is bound to) from this process, so nothing is pickled but
    the tasks and the results: the render's index and settings reach the workers as this argument.
    """
    return Started(work, tasks, workers)


def run_all(work: Callable[[Task], Result], tasks: Sequence[Task]) -> list[Result]:
    """Return [work(task) for task in tasks], for a large batch computed in forked workers (one per core, up to 4)."""
    with start_all(work, tasks, worker_count(len(tasks))) as started:
        return started.results()


def _serve(work: Callable[[Any], Any], todo: Any, done: Any) -> None:
    """In a worker: run tasks until told to stop, sending back each result or the exception it raised."""
    while (item := todo.get()) is not None:
        number, task = item
        try:
            done.put((number, None, work(task)))
        except Exception as exc:   # the parent raises it: a bug keeps its type, message and traceback
            exc.add_note("in a render worker:\n" + traceback.format_exc())
            try:
                pickle.dumps(exc)
            except Exception:
                exc = RuntimeError(traceback.format_exc())
            done.put((number, exc, None))
