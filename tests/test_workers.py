"""The render's forked workers (digest/site/workers.py): results in order, failures raised, the caller helping."""

import os
import signal
import time
from pathlib import Path

import pytest

from digest.site import workers
from digest.site.workers import run_all, start_all, worker_count

needs_fork = pytest.mark.skipif(worker_count(10**6) == 0, reason="one core, or no fork: everything runs here")
PARENT = os.getpid()
BEGAN: list[Path] = []   # where a worker says it has begun a task (set before the workers are forked)


def where(task: int) -> tuple[int, int]:
    """The task and the process that ran it; a worker takes its time, so the caller is free to take some."""
    if os.getpid() != PARENT:
        for path in BEGAN:
            path.touch()
        time.sleep(0.2)
    return task, os.getpid()


@needs_fork
def test_results_come_in_the_tasks_order_from_workers():
    assert [task for task, _ in run_all(where, list(range(12)))] == list(range(12))


@needs_fork
def test_the_caller_takes_on_the_tasks_no_worker_has_begun(tmp_path):
    BEGAN[:] = [tmp_path / "began"]
    with start_all(where, list(range(6)), 1) as started:
        deadline = time.monotonic() + 60
        while not BEGAN[0].exists() and time.monotonic() < deadline:   # the caller's own work meanwhile
            time.sleep(0.01)
        done = started.results()
    BEGAN.clear()
    assert [task for task, _ in done] == list(range(6))
    ran_here = [task for task, pid in done if pid == PARENT]
    assert ran_here and ran_here[-1] == 5   # the last tasks, which the worker had not begun
    assert len(ran_here) < 6                 # and the worker did its share


def broken(task: int) -> int:
    if task == 3:
        raise ValueError(f"task {task} broke")
    return task


@needs_fork
def test_a_task_failing_in_a_worker_is_raised_and_stops_the_workers():
    with pytest.raises(ValueError, match="task 3 broke"):
        with start_all(broken, list(range(8)), 2) as started:
            started.results()
    assert not [p for p in started.processes if p.is_alive()]


def killed(task: int) -> int:
    """The worker is killed at the first task it takes, as the runner kills a process out of memory; the caller
    is still at its own tasks then (0.5 s each), and waits for the worker's result afterwards."""
    if os.getpid() != PARENT:
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(0.5)
    return task


def hung(signum: int, frame: object) -> None:
    raise TimeoutError("results() still waiting for a dead worker")


@needs_fork
def test_a_worker_killed_from_outside_fails_the_render_in_one_line_instead_of_hanging():
    # Without the watch on the workers, results() would wait for ever: the alarm makes that a failure.
    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(30)
    try:
        with pytest.raises(workers.RenderWorkerDied) as failed:
            with start_all(killed, list(range(4)), 1) as started:
                started.results()
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    message = str(failed.value)
    assert "killed by SIGKILL" in message and "next render makes them again" in message and "\n" not in message
    assert not [p for p in started.processes if p.is_alive()]


def test_without_workers_the_tasks_run_at_once_here():
    with start_all(where, [1, 2], 0) as started:
        assert started.results_in == {0: (1, PARENT), 1: (2, PARENT)}   # done before the caller's own work
        assert started.results() == [(1, PARENT), (2, PARENT)]


def test_a_small_batch_gets_a_worker_only_to_run_beside_the_caller(monkeypatch):
    monkeypatch.setattr(workers.os, "sched_getaffinity", lambda _: {0, 1}, raising=False)
    monkeypatch.setattr(workers.os, "cpu_count", lambda: 2)
    assert worker_count(3) == 0
    assert worker_count(3, beside=True) == 1   # the caller keeps a core for its own work
    assert worker_count(workers.PARALLEL_FROM, beside=True) == 1   # however many tasks: two processes, two cores
    assert worker_count(workers.PARALLEL_FROM) == 2
    assert worker_count(0, beside=True) == 0
