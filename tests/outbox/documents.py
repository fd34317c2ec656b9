"""Issued documents built by hand for the outbox tests: only what sending looks at is realistic."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from runtime.ledger.documents import DraftLine, IssuedDocument, Kind
from runtime.ledger.parties import LineDetails, Parties, Party, PartyAddress
from runtime.ledger.totals import Totals, VatGroup

SELLER = Party(
    id="skarvtind",
    name="Skarvtind Software AS",
    orgnr="925792403",
    vat_number="NO925792403MVA",
    foretaksregisteret=True,
    consumer=False,
    address=PartyAddress(street="Keiser Wilhelms gate 22", postcode="6003", city="Ålesund", country="NO"),
    peppol="0192:925792403",
    email="faktura@skarvtind.example",
    bank_account="76616972304",
    language="nb",
)


def buyer(**fields: Any) -> Party:
    """A business buyer with a PEPPOL id and an e-mail address unless told otherwise."""
    values: dict[str, Any] = {
        "id": "nordlys",
        "name": "Nordlys Klatresenter AS",
        "orgnr": "976240391",
        "vat_number": None,
        "foretaksregisteret": False,
        "consumer": False,
        "address": PartyAddress(street="Sjøgata 1", postcode="8006", city="Bodø", country="NO"),
        "peppol": "0192:976240391",
        "email": "faktura@nordlys.example",
        "bank_account": None,
        "language": "nb",
    }
    values.update(fields)
    return Party(**values)


CONSUMER = buyer(
    id="ingrid",
    name="Ingrid Haugen",
    orgnr=None,
    consumer=True,
    peppol=None,
    email="ingrid.haugen@example.no",
    address=PartyAddress(street="Storgata 5", postcode="0155", city="Oslo", country="NO"),
)
PAPER = buyer(id="hytte", name="Hytteutleie Fjell AS", peppol=None, email=None)

LINE = DraftLine(
    contract="NORD-2026-001",
    charge="seats",
    description="Brukerlisenser",
    period_start=date(2026, 3, 1),
    period_end=date(2026, 4, 1),
    quantity=Decimal(10),
    unit_price=Decimal("149.00"),
    net_amount=Decimal("1490.00"),
    vat_category="standard",
    vat_rate=Decimal(25),
    provenance="{}",
    kind="recurring",
    discount="",
    billing_start=date(2026, 3, 1),
    billing_end=date(2026, 4, 1),
    details=LineDetails(unit_code="C62", vat_reason=None),
)


def document(number: int, party: Party | None = None, *, kind: Kind = "invoice", **fields: Any) -> IssuedDocument:
    """An invoice (or credit note) to `party` (default: the PEPPOL business buyer), issued 1 March 2026."""
    values: dict[str, Any] = {
        "kind": kind,
        "contract": "NORD-2026-001",
        "customer": (party or buyer()).id,
        "currency": "NOK",
        "issue_date": date(2026, 3, 1),
        "due_date": date(2026, 3, 15),
        "buyer_reference": "NORD-2026-001",
        "purchase_order": None,
        "lines": (LINE,),
        "corrects": (),
        "number": number,
        "series": kind,
        "kid": "" if kind == "credit_note" else f"{number:011d}0",
        "totals": Totals(
            groups=(
                VatGroup(category="standard", rate=Decimal(25), taxable=Decimal("1490.00"), vat=Decimal("372.50")),
            ),
            net=Decimal("1490.00"),
            vat=Decimal("372.50"),
            gross=Decimal("1862.50"),
        ),
        "previous_hash": "0" * 64,
        "hash": "1" * 64,
        "issued_at_run": 1,
        "parties": Parties(seller=SELLER, buyer=party or buyer(), source="issue"),
    }
    values.update(fields)
    return IssuedDocument(**values)


def without_parties(doc: IssuedDocument) -> IssuedDocument:
    return attrs.evolve(doc, parties=None)
