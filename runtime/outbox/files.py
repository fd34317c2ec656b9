"""Writing into the outbox so that a crash never leaves a half-written file where an adapter could find it."""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from runtime.outbox.errors import OutboxError

LOCK = ".lock"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_atomically(path: Path, data: bytes) -> None:
    """`data` at `path`, all or nothing: written to a temporary file beside it, synced, then renamed over it.

    The temporary name starts with a dot, which adapters skip (docs/sending.md).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); Windows has no folder handles to sync."""
    if sys.platform == "win32":
        return
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


@contextlib.contextmanager
def locked(outbox: Path) -> Iterator[None]:
    """Hold the outbox for one `avtale send` at a time, so two runs never list a document twice.

    An advisory lock on `<outbox>/.lock`, released by the system when the process ends, even by a crash.
    """
    outbox.mkdir(parents=True, exist_ok=True)
    with open(outbox / LOCK, "a+b") as handle:
        if sys.platform != "win32":
            import fcntl  # POSIX only

            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise OutboxError(
                    f"another `avtale send` is writing to {outbox}",
                    "wait for it to finish, then run `avtale send` again: it picks up what is left",
                ) from None
        yield
