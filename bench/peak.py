"""Peak memory of the processes the bench starts: a process's own peak, and a process tree's sampled footprint.

getrusage's ru_maxrss does not give the first: Python starts a child with vfork (or fork) and exec, and Linux
keeps the larger of the two address spaces' peaks across the exec, so a child of the bench's process reported
that process's size whatever it used itself (a child of an 800 MB process: 813 MB, against 14 MB of its own).
VmHWM in /proc/self/status is the peak of the process's own address space, since its exec.

Nor does adding peaks give a tree's: a render's forked workers share most of their pages with it, and each one's
VmHWM counts them again (a daily job's two workers "288 MB" each, mostly its own pages). What the runner must
hold at a moment is the sum of the tree's proportional set sizes (PSS: a page shared by n processes counts 1/n in
each), which run_sampled reads from /proc/PID/smaps_rollup every SAMPLE_SECONDS and keeps the largest of.
"""

from __future__ import annotations

import os
import resource
import subprocess
import threading
from collections.abc import Sequence
from pathlib import Path

SAMPLE_SECONDS = 0.025   # a reading of the tree costs ~1 ms (a scan of /proc and one smaps_rollup a process)
PROC = Path("/proc")


def peak_kb() -> int:
    """This process's peak resident memory in KB: VmHWM where /proc has it, else ru_maxrss."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def descendants(root: int) -> list[int]:
    """root and every process below it, from each process's parent in /proc/PID/stat."""
    parents: dict[int, list[int]] = {}
    for entry in os.scandir(PROC):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text(encoding="ascii", errors="replace")
            except OSError:   # gone since the scan
                continue
            # The command name (field 2, in parentheses) may hold spaces: the parent is the second field after it.
            parents.setdefault(int(stat[stat.rfind(")") + 2:].split()[1]), []).append(int(entry.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo += parents.get(pid, [])
    return tree


def pss_kb(pid: int) -> int:
    """The process's proportional set size in KB (0 once it is gone, or where /proc has no smaps_rollup)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def tree_pss_kb(root: int) -> int:
    """The summed PSS of root and its descendants now, in KB."""
    return sum(pss_kb(pid) for pid in descendants(root))


def footprint_kb(tree_kb: int, own_kb: float, workers: int, worker_kb: float) -> tuple[float, float]:
    """(what a run held at its highest, the upper bound): the tree's sampled PSS, or where /proc could not tell
    (or the run was too short to sample) the bound, which is the process's own peak plus each worker's."""
    bound = own_kb + workers * worker_kb
    return tree_kb or bound, bound


def run_sampled(command: Sequence[str], env: dict[str, str] | None = None) -> tuple[subprocess.CompletedProcess, int]:
    """Run command as subprocess.run(capture_output=True, text=True) would; return it and the largest summed PSS
    of its process tree seen (KB; 0 where /proc cannot tell)."""
    process = subprocess.Popen(list(command), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    peak, stop = [0], threading.Event()

    def sample() -> None:
        while not stop.wait(SAMPLE_SECONDS):
            peak[0] = max(peak[0], tree_pss_kb(process.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        out, err = process.communicate()
    finally:
        stop.set()
        sampler.join()
    return subprocess.CompletedProcess(process.args, process.returncode, out, err), peak[0]
