"""Forked workers: what each does first (die with the process that forked it, let go of the parent's ends
of the pipes it inherited), and work split in two between a process and a forked child."""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import TypeVar

from runtime.memory import no_cyclic_gc

S = TypeVar("S")
T = TypeVar("T")

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


def split_in_two(work: Callable[[S], T], first: S, second: S) -> tuple[T, T]:
    """`(work(first), work(second))`, the second computed by a forked child at the same time as the first
    here; only its result crosses back, pickled. For pure work on what both processes hold (inherited at the
    fork): a child that fails or dies leaves its half to this process, where a bug then shows its traceback."""
    context = multiprocessing.get_context("fork")
    mine, theirs = context.Pipe()
    process = context.Process(target=_other_half, args=(theirs, work, second, os.getpid(), (mine,)), daemon=True)
    process.start()
    theirs.close()
    finished = False
    try:
        here = work(first)
        try:
            answer = mine.recv()
        except (EOFError, OSError):  # the child died
            answer = None
        finished = True
    finally:
        mine.close()
        if not finished:  # this half raised (or was interrupted): the other is not wanted
            process.kill()
        process.join(timeout=5)
        if process.is_alive():
            process.kill()
            process.join()
    return here, (answer[0] if answer is not None else work(second))


def _other_half(
    conn: Connection, work: Callable[[S], T], part: S, parent: int, inherited: Sequence[Connection]
) -> None:
    worker_started(parent, inherited)
    status = 0
    try:
        with no_cyclic_gc():
            conn.send((work(part),))
    except Exception:  # a bug: the parent does this half again, and shows it
        conn.send(None)
    except BaseException:  # interrupted: the parent reports it
        status = 1
    finally:
        conn.close()
        os._exit(status)  # nothing to flush; see runtime/billing/parallel.py
