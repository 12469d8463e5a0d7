"""Forked worker processes for the render's big batches: each is given its work function as an argument."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import traceback
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

PARALLEL_FROM = 8    # tasks (days to index or render) before worker processes pay for themselves
MAX_WORKERS = 4

Task = TypeVar("Task")
Result = TypeVar("Result")


def worker_count(tasks: int) -> int:
    """Return how many worker processes a batch of tasks gets: 0 (run here) for a small batch or one core."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    workers = min(cores, MAX_WORKERS)
    if tasks < PARALLEL_FROM or workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return 0
    return workers


def run_all(work: Callable[[Task], Result], tasks: Sequence[Task]) -> list[Result]:
    """Return [work(task) for task in tasks], for a large batch computed in forked workers (one per core, up to 4).

    A forked worker inherits `work` (and whatever it is bound to) from this process, so nothing is pickled but
    the tasks and the results: the render's index and settings reach the workers as this argument.
    """
    workers = worker_count(len(tasks))
    if not workers:
        return [work(task) for task in tasks]
    context = multiprocessing.get_context("fork")
    todo: Any = context.Queue()   # a Queue's feeder thread sends: neither side blocks while the other is busy
    done: Any = context.Queue()
    processes = [context.Process(target=_serve, args=(work, todo, done), daemon=True) for _ in range(workers)]
    for process in processes:
        process.start()
    results: dict[int, Result] = {}
    try:
        for number, task in enumerate(tasks):
            todo.put((number, task))
        for _ in processes:
            todo.put(None)
        for _ in tasks:
            number, failure, result = done.get()
            if failure is not None:
                raise failure
            results[number] = result
    finally:
        for process in processes:
            if len(results) < len(tasks):   # a task failed: the others' work is not wanted
                process.terminate()
            process.join()
    return [results[number] for number in range(len(tasks))]


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
