"""Opening the ledger's SQLite file, for writing or for reading only.

A WAL-mode database is read through its `-wal` and `-shm` files, which a reader
creates next to the database when they are missing. So reading only takes one of
three ways, the first that works:

1. the folder is writable: an ordinary connection with `query_only` on. SQLite
   refuses every change through it, and when it closes as the last connection it
   removes the `-wal` and `-shm` files as usual, so reading leaves nothing behind
   (a `mode=ro` connection could not remove them, and would leave both);
2. otherwise a `mode=ro` URI: it works where the `-wal` and `-shm` files exist and
   can be read;
3. otherwise, when no `-wal` file holds changes the database file lacks,
   `immutable=1`: SQLite reads the file as it is, without locks or a `-shm` file.
   No bill run can be writing it, since none could create its `-wal` file there.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from runtime.ledger import faults
from runtime.ledger.errors import LedgerError

# Extended result codes for "cannot make the -shm/-wal file here" on a read-only connection.
READONLY_CODES = {sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN}


def folder_writable(folder: Path) -> bool:
    return os.access(folder, os.W_OK)


def uri(path: Path, *params: str) -> str:
    return path.resolve().as_uri() + "?" + "&".join(params)


def read_write(path: Path, timeout: float) -> sqlite3.Connection:
    return sqlite3.connect(path, timeout=timeout, isolation_level=None)


def read_only(path: Path, timeout: float) -> sqlite3.Connection:
    """A connection that cannot change the ledger at `path`, which exists (module doc: which of three)."""
    if folder_writable(path.parent):
        db = read_write(path, timeout)
        db.execute("PRAGMA query_only = ON")
        return db
    db = sqlite3.connect(uri(path, "mode=ro"), uri=True, timeout=timeout, isolation_level=None)
    try:
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return db
    except sqlite3.OperationalError as exc:
        db.close()
        if faults.code(exc) not in READONLY_CODES:
            raise
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise LedgerError(
            f"the ledger at {path} cannot be read in a read-only folder: {wal.name} holds changes not yet "
            f"written into {path.name}, and SQLite cannot read them without its {path.name}-shm file",
            "run the command once where you may write the folder, or copy the ledger with its -wal file to one",
        )
    return sqlite3.connect(uri(path, "mode=ro", "immutable=1"), uri=True, timeout=timeout, isolation_level=None)
