"""What every forked worker of Avtale does first: die with the process that forked it, and let go of the
parent's ends of the pipes it inherited."""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections.abc import Sequence
from multiprocessing.connection import Connection

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


def worker_started(parent: int, inherited: Sequence[Connection]) -> None:
    """The first thing a forked worker does: `die_with_parent`, and close the parent's ends of the pipes it
    inherited (its own, and those of the workers forked before it), so that only the parent holds them and
    a worker waiting on its pipe reads EOF as soon as the parent closes it or dies."""
    die_with_parent(parent)
    for other in inherited:
        other.close()
