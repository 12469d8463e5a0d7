"""A process's own peak memory, for the figures of the processes the bench starts.

getrusage's ru_maxrss does not give it: Python starts a child with vfork (or fork) and exec, and Linux keeps the
larger of the two address spaces' peaks across the exec, so a child of the bench's process reported that
process's size whatever it used itself (a child of an 800 MB process: 813 MB, against 14 MB of its own). VmHWM
in /proc/self/status is the peak of the process's own address space, since its exec.
"""

from __future__ import annotations

import resource


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
