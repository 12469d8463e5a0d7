"""bench/peak.py: a process tree's footprint counts a page its forked processes share once."""

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.peak import run_sampled, tree_pss_kb  # noqa: E402

# A parent fills 120 MB, forks two children that keep it (shared, unwritten) for a while, and waits for them: each
# of the three has ~120 MB resident, so adding their peaks says ~360 MB, while the tree holds ~120 MB.
SHARED = """
import os, time
held = bytearray(os.urandom(1 << 20)) * 120
children = [os.fork() for _ in range(2)]
if 0 in children:
    time.sleep(0.6)
    os._exit(0)
for pid in children:
    os.waitpid(pid, 0)
print(len(held))
"""


@pytest.mark.skipif(not Path("/proc/self/smaps_rollup").exists(), reason="needs Linux's /proc/PID/smaps_rollup")
def test_a_forked_tree_counts_its_shared_pages_once():
    done, peak_kb = run_sampled([sys.executable, "-c", SHARED])
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(120 << 20)
    assert 110_000 < peak_kb < 200_000, peak_kb   # the 120 MB once, the interpreters beside it; not 3 x 120


@pytest.mark.skipif(not Path("/proc/self/smaps_rollup").exists(), reason="needs Linux's /proc/PID/smaps_rollup")
def test_a_tree_is_its_root_and_every_process_below_it():
    assert tree_pss_kb(os.getpid()) > 0
    assert tree_pss_kb(2 ** 22 + 1) == 0   # no such process: nothing, not an error
