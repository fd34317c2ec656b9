"""Drafts for ledger tests, with every field defaulted so a test names only what it is about."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from runtime.ledger import DraftDocument, DraftLine, IssuedDocument, Ledger

AS_OF = date(2026, 3, 1)
SETTINGS: dict[str, Any] = {
    "as_of": AS_OF,
    "invoice_start": 1001,
    "credit_note_start": 1,
    "kid_scheme": "mod10",
    "kid_length": 10,
}


def line(net: str = "1490.00", *, category: str = "standard", rate: str = "25", **fields: Any) -> DraftLine:
    values: dict[str, Any] = {
        "contract": "NORD-2026-001",
        "charge": "seats",
        "description": "Brukerlisenser",
        "period_start": date(2026, 3, 1),
        "period_end": date(2026, 4, 1),
        "quantity": Decimal(10),
        "unit_price": Decimal("149.00"),
        "net_amount": Decimal(net),
        "vat_category": category,
        "vat_rate": Decimal(rate),
        "provenance": '{"span": "contracts/nordlys.avt:8:5"}',
        "kind": "recurring",
        "discount": "",
        "billing_start": date(2026, 3, 1),
        "billing_end": date(2026, 4, 1),
    }
    values.update(fields)
    return DraftLine(**values)


def invoice(*lines: DraftLine, **fields: Any) -> DraftDocument:
    values: dict[str, Any] = {
        "kind": "invoice",
        "contract": "NORD-2026-001",
        "customer": "nordlys",
        "currency": "NOK",
        "issue_date": AS_OF,
        "due_date": date(2026, 3, 15),
        "buyer_reference": "NORD-2026-001",
        "purchase_order": None,
        "lines": lines or (line(),),
    }
    values.update(fields)
    return DraftDocument(**values)


def credit_note(*corrects: int, net: str = "100.00", **fields: Any) -> DraftDocument:
    lines = tuple(line(net, corrects=number) for number in corrects)
    return invoice(*lines, kind="credit_note", corrects=corrects, **fields)


def issue(ledger: Ledger, drafts: Sequence[DraftDocument], **settings: Any) -> list[IssuedDocument]:
    return ledger.issue(drafts, **{**SETTINGS, **settings})


def dump(path: Path) -> str:
    """Everything the ledger holds, as SQL text, to show that a failed run changed nothing."""
    db = sqlite3.connect(path)
    try:
        return "\n".join(db.iterdump())
    finally:
        db.close()
