"""Run build.py's main in this process, SIGKILLed just before its Nth file rename: `python tests/crashdriver.py N ARGS...`.

The kill point comes in as an argument and goes in through digest.files.on_rename, the seam production leaves None;
tests/test_crash.py runs this as a child process, or calls kill_before_rename() in a forked child.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def kill_before_rename(n: int) -> Callable[[Path], None]:
    """Return an on_rename hook that SIGKILLs this process just before its nth rename."""
    renames = 0

    def hook(path: Path) -> None:
        nonlocal renames
        renames += 1
        if renames == n:
            os.kill(os.getpid(), signal.SIGKILL)

    return hook


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    import build
    from digest import files

    files.on_rename = kill_before_rename(int(argv[0]))
    return build.main(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
