"""Drafts for ledger tests, with every field defaulted so a test names only what it is about."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import attrs

from runtime.ledger import DraftDocument, DraftLine, IssuedDocument, Ledger, Parties
from tests.factories import documents as build

AS_OF = date(2026, 3, 1)
SETTINGS: dict[str, Any] = {
    "as_of": AS_OF,
    "invoice_start": 1001,
    "credit_note_start": 1,
    "kid_scheme": "mod10",
    "kid_length": 10,
}


SELLER = build.seller(
    id="nordlys_software",
    name="Nordlys Software AS",
    orgnr="914778271",
    address=build.address("Storgata 1", "9008", "Tromsø"),
    email="faktura@nordlys.example",
    bank_account="1503.12.34568",
)
BUYER = build.business(id="nordlys", name="Nordlys Klatreklubb", language="nn")
PROVENANCE = '{"span": "contracts/nordlys.avt:8:5"}'


def parties(customer: str = "nordlys", **buyer: Any) -> Parties:
    """Both parties as a bill run snapshots them (source `issue`), the buyer being `customer`."""
    return build.parties(attrs.evolve(BUYER, id=customer, **buyer), by=SELLER)


def line(net: str = "1490.00", **fields: Any) -> DraftLine:
    """10 seats x 149.00 on NORD-2026-001 in March (the net need not be their product), with a provenance."""
    values: dict[str, Any] = {"quantity": "10", "price": "149.00", "provenance": PROVENANCE, **fields}
    return build.line(net, **values)


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
    values.setdefault("parties", parties(values["customer"]))
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


def pragma(path: Path, name: str) -> object:
    db = sqlite3.connect(path)
    try:
        return db.execute(f"PRAGMA {name}").fetchone()[0]
    finally:
        db.close()


def schema_of(path: Path) -> set[tuple[str, str]]:
    db = sqlite3.connect(path)
    try:
        return {(name, sql) for name, sql in db.execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL")}
    finally:
        db.close()
