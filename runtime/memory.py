"""Pausing Python's cyclic garbage collector around work that builds large acyclic graphs."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def no_cyclic_gc(*, keep: bool = False) -> Iterator[None]:
    """ASTs, schedules and invoice lines hold no reference cycles, so the collector's
    repeated scans of millions of live objects free nothing; they cost 20-40% of a
    large check or bill run. Reference counting still frees everything as usual.

    With `keep`, what is alive at the end (a loaded workspace) is moved out of the collector's sight
    (`gc.freeze`): the first full collection after a large load otherwise scans it all once more
    (0.27 s of sorting a check's diagnostics went to that)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if keep:
            gc.freeze()
        if was_enabled:
            gc.enable()
