"""What the ledger raises for a problem the user can fix: a message and a help line.

Anything else escaping the ledger is a bug and is reported as an internal error; every
sqlite3 error a disk, a lock or a damaged file can cause is turned into one of these (faults.py).
"""

from __future__ import annotations


class LedgerError(Exception):
    def __init__(self, message: str, help: str) -> None:
        super().__init__(message)
        self.message = message
        self.help = help


class LedgerLocked(LedgerError):
    """Another connection holds the write lock (another bill run is applying)."""


class LedgerSchemaError(LedgerError):
    """The file is not a ledger this version of Avtale can read."""


class KidError(LedgerError):
    """The KID settings cannot hold a document number."""


class InvalidDraft(LedgerError):
    """A draft that must not become a document (a bug in what produced it, or bad input)."""


class NumberingError(LedgerError):
    """The seller's numbering settings disagree with the series already issued."""


class LedgerDamaged(LedgerError):
    """The file is damaged, or was changed outside Avtale: `avtale ledger verify` says where."""


class LedgerNotInitialised(LedgerError):
    """The ledger records no identity yet: `avtale ledger init` has not been run for it."""


class LedgerMismatch(LedgerError):
    """The ledger was initialised for another seller or other first numbers than the workspace declares."""
