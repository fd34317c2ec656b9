"""The ledger: issued invoices and credit notes, append-only, numbered, hash-chained (docs/ledger.md)."""

from runtime.ledger.documents import DraftDocument, DraftLine, IssuedDocument, IssuedLine, Kind
from runtime.ledger.errors import (
    InvalidDraft,
    KidError,
    LedgerError,
    LedgerLocked,
    LedgerSchemaError,
    NumberingError,
)
from runtime.ledger.kid import KidScheme, make_kid
from runtime.ledger.store import BillRun, Ledger
from runtime.ledger.totals import Totals, VatGroup, compute_totals

__all__ = [
    "BillRun",
    "DraftDocument",
    "DraftLine",
    "InvalidDraft",
    "IssuedDocument",
    "IssuedLine",
    "KidError",
    "KidScheme",
    "Kind",
    "Ledger",
    "LedgerError",
    "LedgerLocked",
    "LedgerSchemaError",
    "NumberingError",
    "Totals",
    "VatGroup",
    "compute_totals",
    "make_kid",
]
