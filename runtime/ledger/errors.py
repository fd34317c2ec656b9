"""What the ledger raises for a problem the user can fix: a message and a help line.

Anything else escaping the ledger is a bug and is reported as an internal error.
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
