"""Drafts for ledger tests, with every field defaulted so a test names only what it is about."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from runtime.ledger import (
    DraftDocument,
    DraftLine,
    IssuedDocument,
    Ledger,
    LineDetails,
    Parties,
    Party,
    PartyAddress,
)

AS_OF = date(2026, 3, 1)
SETTINGS: dict[str, Any] = {
    "as_of": AS_OF,
    "invoice_start": 1001,
    "credit_note_start": 1,
    "kid_scheme": "mod10",
    "kid_length": 10,
}


SELLER = Party(
    id="nordlys_software",
    name="Nordlys Software AS",
    orgnr="914778271",
    vat_number="NO914778271MVA",
    foretaksregisteret=True,
    consumer=False,
    address=PartyAddress(street="Storgata 1", postcode="9008", city="Tromsø", country="NO"),
    peppol="0192:914778271",
    email="faktura@nordlys.example",
    bank_account="1503.12.34568",
    language="nb",
)
BUYER = Party(
    id="nordlys",
    name="Nordlys Klatreklubb",
    orgnr="976240391",
    vat_number=None,
    foretaksregisteret=False,
    consumer=False,
    address=PartyAddress(street="Kanalveien 54", postcode="5068", city="Bergen", country="NO"),
    peppol="0192:976240391",
    email=None,
    bank_account=None,
    language="nn",
)
DETAILS = LineDetails(unit_code="C62", vat_reason=None)


def parties(customer: str = "nordlys", **buyer: Any) -> Parties:
    """Both parties as a bill run snapshots them (source `issue`), the buyer being `customer`."""
    return Parties(seller=SELLER, buyer=attrs.evolve(BUYER, id=customer, **buyer), source="issue")


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
        "details": DETAILS,
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
