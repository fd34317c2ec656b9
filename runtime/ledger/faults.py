"""sqlite3 errors turned into LedgerErrors that say what happened and what to do.

A full disk, a lock held by another run, a damaged page or a ledger edited outside
Avtale are faults of the machine or the file, not bugs: the user gets a message and
a help line, never a traceback. Misuse of the sqlite3 API (a closed connection, a
wrong parameter count) is a bug and is left to surface as one.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Concatenate, ParamSpec, Protocol, TypeVar

from runtime.ledger.errors import LedgerDamaged, LedgerError, LedgerLocked

LOCKED_HELP = "another bill run is applying; try again when it finishes"
VERIFY = "run `avtale ledger verify` to see what is wrong"
NOTHING_ISSUED = "nothing was issued; "

# Messages of the schema's triggers that only a ledger changed by hand can make fire on an insert.
TAMPERED = (
    "a document must take the next number of its series",
    "previous_hash must be the hash of the document before it",
    "bill runs are numbered in order",
    "a number series",
    "must start at the first number",
)


def code(exc: BaseException) -> int:
    """SQLite's primary result code of `exc` (0 when it has none, e.g. a text decoding error)."""
    return int(getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF


def is_busy(exc: sqlite3.Error) -> bool:
    if getattr(exc, "sqlite_errorcode", None) is None:
        return "locked" in str(exc) or "busy" in str(exc)
    return code(exc) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def is_bug(exc: sqlite3.Error) -> bool:
    """Misuse of the sqlite3 API by Avtale itself: not the user's to fix."""
    return isinstance(exc, sqlite3.ProgrammingError | sqlite3.InterfaceError)


def is_undecodable(exc: sqlite3.Error) -> bool:
    """Python's own OperationalError for text whose bytes a damaged page garbled (not UTF-8)."""
    return getattr(exc, "sqlite_errorcode", None) is None and "decode" in str(exc)


def is_damage(exc: sqlite3.Error) -> bool:
    return code(exc) in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB) or is_undecodable(exc)


def fault(path: Path, exc: sqlite3.Error, *, writing: bool) -> LedgerError:
    """The LedgerError for `exc`, raised while reading (or, when `writing`, issuing into) the ledger at `path`."""
    issued = NOTHING_ISSUED if writing else ""
    if is_busy(exc):
        return LedgerLocked(f"the ledger at {path} is locked by another process", LOCKED_HELP)
    if code(exc) == sqlite3.SQLITE_FULL:
        return LedgerError(
            f"the disk holding the ledger at {path} is full ({exc})",
            f"{issued}free some disk space, then run the command again",
        )
    if is_damage(exc):
        return LedgerDamaged(
            f"the ledger at {path} is damaged: {exc}",
            f"{issued}{VERIFY}, and restore the file from a backup",
        )
    if isinstance(exc, sqlite3.IntegrityError):
        tampered = any(text in str(exc) for text in TAMPERED)
        what = "a number series or the hash chain" if tampered else "the ledger"
        return LedgerDamaged(
            f"the ledger at {path} refused the documents ({exc}): {what} was changed outside Avtale",
            f"{issued}{VERIFY}, and restore the file from a backup before billing again",
        )
    if code(exc) == sqlite3.SQLITE_READONLY:
        return LedgerError(
            f"the ledger at {path} cannot be written: {exc}",
            f"{issued}check that you may write the file and the folder holding it",
        )
    if code(exc) in (sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM, sqlite3.SQLITE_AUTH):
        verb = "written" if writing else "read"
        return LedgerError(
            f"the ledger at {path} could not be {verb}: {exc}",
            f"{issued}check the disk and the permissions of the file and the folder holding it",
        )
    return LedgerError(f"the ledger at {path} failed: {exc}", f"{issued}{VERIFY}")


class HasPath(Protocol):
    path: Path


S = TypeVar("S", bound=HasPath)
P = ParamSpec("P")
R = TypeVar("R")


def _guard(method: Callable[Concatenate[S, P], R], *, writes: bool) -> Callable[Concatenate[S, P], R]:
    @functools.wraps(method)
    def guarded(ledger: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(ledger, *args, **kwargs)
        except sqlite3.Error as exc:
            if is_bug(exc):
                raise
            raise fault(ledger.path, exc, writing=writes) from None

    return guarded


def reading(method: Callable[Concatenate[S, P], R]) -> Callable[Concatenate[S, P], R]:
    """Turn the sqlite3 errors of a method that reads the ledger into LedgerErrors."""
    return _guard(method, writes=False)


def writing(method: Callable[Concatenate[S, P], R]) -> Callable[Concatenate[S, P], R]:
    """Turn the sqlite3 errors of a method that writes the ledger into LedgerErrors saying nothing was issued."""
    return _guard(method, writes=True)
