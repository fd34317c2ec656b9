"""The ledger: issued invoices and credit notes, append-only, numbered, hash-chained (docs/ledger.md)."""

from runtime.ledger.anchor import Anchor, AnchorTail, format_anchor, parse_anchor
from runtime.ledger.checks import document_problems
from runtime.ledger.documents import DraftDocument, DraftLine, IssuedDocument, IssuedLine, Kind
from runtime.ledger.errors import (
    InvalidDraft,
    KidError,
    LedgerDamaged,
    LedgerError,
    LedgerLocked,
    LedgerMismatch,
    LedgerNotInitialised,
    LedgerSchemaError,
    NumberingError,
)
from runtime.ledger.identity import LedgerIdentity, LedgerInfo
from runtime.ledger.kid import KidScheme, make_kid
from runtime.ledger.store import BillRun, Ledger, RunRevision, SeriesState
from runtime.ledger.totals import Totals, VatGroup, compute_totals

__all__ = [
    "Anchor",
    "AnchorTail",
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
    "LedgerDamaged",
    "LedgerError",
    "LedgerIdentity",
    "LedgerInfo",
    "LedgerLocked",
    "LedgerMismatch",
    "LedgerNotInitialised",
    "LedgerSchemaError",
    "NumberingError",
    "RunRevision",
    "SeriesState",
    "Totals",
    "VatGroup",
    "compute_totals",
    "document_problems",
    "format_anchor",
    "make_kid",
    "parse_anchor",
]
