"""The ledger: issued invoices and credit notes, append-only, numbered, hash-chained (docs/ledger.md)."""

from runtime.ledger.anchor import Anchor, AnchorTail, format_anchor, parse_anchor
from runtime.ledger.checks import document_problems
from runtime.ledger.closes import ClosedFigure, ClosedMonth
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
from runtime.ledger.handovers import CHANNELS, Channel, Handover
from runtime.ledger.identity import LedgerIdentity, LedgerInfo
from runtime.ledger.kid import KidScheme, make_kid
from runtime.ledger.parties import LineDetails, Parties, Party, PartyAddress, SnapshotSource
from runtime.ledger.store import BillRun, Ledger, RunRevision, SeriesState
from runtime.ledger.totals import Totals, VatGroup, compute_totals

__all__ = [
    "CHANNELS",
    "Anchor",
    "AnchorTail",
    "BillRun",
    "Channel",
    "ClosedFigure",
    "ClosedMonth",
    "DraftDocument",
    "DraftLine",
    "Handover",
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
    "LineDetails",
    "NumberingError",
    "Parties",
    "Party",
    "PartyAddress",
    "RunRevision",
    "SeriesState",
    "SnapshotSource",
    "Totals",
    "VatGroup",
    "compute_totals",
    "document_problems",
    "format_anchor",
    "make_kid",
    "parse_anchor",
]
