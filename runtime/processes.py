"""What every forked worker of Avtale does first: die with the process that forked it."""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1
"""From <linux/prctl.h>."""


def die_with_parent(parent: int) -> None:
    """Have the kernel kill this worker when its parent dies (Linux), and end now if it already has.

    The check after the prctl closes the race: a parent that died before it was asked left this
    process to a new parent, so getppid() no longer names the one that forked it.
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # no prctl to be had: the pipe still tells a worker its parent is gone
    if os.getppid() != parent:
        os._exit(1)
