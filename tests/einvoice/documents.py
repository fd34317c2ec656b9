"""Issued documents for the EHF tests, built from tests/factories/documents.py with the figures they check.

The totals are the ledger's own (compute_totals), as an issued document carries them; the
tests check the XML against figures worked out by hand in their docstrings, not against these.
The parties are the shared builders' with the names, addresses and accounts the tests assert.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import attrs

from runtime.ledger.documents import DraftLine, IssuedDocument, Kind
from runtime.ledger.parties import Parties, Party
from tests.factories import documents as build

SELLER = build.seller(
    name="Skarvtind Programvare AS",
    address=build.address("Strandgaten 12", "5013", "Bergen"),
    email="faktura@skarvtind.no",
    bank_account="1503.12.34562",
)
BUYER = build.business(
    orgnr="988077917",
    address=build.address("Kanalveien 5", "5068", "Bergen"),
    email="regnskap@bergenklatresenter.no",
)
SWEDISH_BUYER = build.foreign()
MVA_BUYER = build.mva_business()
CONSUMER = build.consumer(id="ola", name="Ola Nordmann", address=build.address(), email="ola@example.no")
CONTRACT = "BKS-2026-001"


def line(description: str, net: str, *, charge: str = "platform", **fields: Any) -> DraftLine:
    """`build.line` on contract BKS-2026-001, a platform fee unless told otherwise."""
    return build.line(net, description=description, charge=charge, contract=CONTRACT, **fields)


def document(
    *lines: DraftLine,
    number: int = 10001,
    kind: Kind = "invoice",
    buyer: Party = BUYER,
    parties: bool = True,
    **fields: Any,
) -> IssuedDocument:
    """Invoice 10001 (KID 0000100016, mod10) from SELLER to `buyer`; `parties=False` as issued before snapshots."""
    values: dict[str, Any] = {
        "buyer_reference": "Kari Nordmann",
        "kid": "0000100016" if kind == "invoice" else "",
        "parties": Parties(seller=SELLER, buyer=buyer, source="issue") if parties else None,
        **fields,
    }
    return build.invoice(*lines, buyer=buyer, number=number, kind=kind, **values)


def mixed_invoice() -> IssuedDocument:
    """S 25% lines (seats, metered storage, a prorated month), an exempt course and a discount line.

    S 25%: 3725.00 + 154.31 + 3380.32 - 372.50 = 6887.13, VAT 1721.7825 -> 1721.78
    E:     2000.00, VAT 0
    net 8887.13, VAT 1721.78, total 10608.91
    """
    return document(
        line("Brukerlisenser", "3725.00", quantity="25", price="149.00", charge="seats"),
        line("Lagring", "154.31", quantity="12345", price="0.0125", charge="storage", unit="E34", kind="usage"),
        line(
            "Plattformavgift",
            "3380.32",
            charge="platform",
            period=(date(2026, 3, 11), date(2026, 4, 1)),
        ),
        line(
            "Kurs i klatresikring",
            "2000.00",
            category="exempt",
            charge="course",
            reason="Unntatt etter mval. § 3-5",
            period=(date(2026, 3, 14), date(2026, 3, 15)),
            kind="one_time",
        ),
        line(
            "Lanseringsrabatt 10 %",
            "-372.50",
            charge="seats",
            kind="discount",
            discount="launch",
        ),
    )


def credit_note() -> IssuedDocument:
    """Five seats too many on invoice 10001: 5 x 149.00 = 745.00, VAT 186.25, total 931.25."""
    return document(
        line("Brukerlisenser (korreksjon)", "745.00", quantity="5", price="149.00", charge="seats", corrects=10001),
        number=5001,
        kind="credit_note",
        issue_date=date(2026, 3, 20),
        due_date=date(2026, 4, 3),
        corrects=(10001,),
    )


def export_invoice() -> IssuedDocument:
    """Zero-rated services to a Swedish company, in EUR: 12 x 99.00 = 1188.00, no VAT (G, export)."""
    return document(
        line("Support subscription", "1188.00", quantity="12", price="99.00", category="zero", unit="MON"),
        number=10002,
        buyer=SWEDISH_BUYER,
        currency="EUR",
        buyer_reference=None,
        purchase_order="PO-4471",
    )


def reverse_charge_invoice() -> IssuedDocument:
    """Reverse charge (AE) to an MVA-registered buyer: 10 x 850.00 = 8500.00, no VAT charged."""
    return document(
        line(
            "Klimakvoter",
            "8500.00",
            quantity="10",
            price="850.00",
            category="reverse_charge",
            charge="quotas",
        ),
        number=10003,
        buyer=MVA_BUYER,
    )


def consumer_invoice() -> IssuedDocument:
    return document(line("Medlemskap", "500.00"), number=10004, buyer=CONSUMER)


def without_parties() -> IssuedDocument:
    """A document issued before the ledger kept party snapshots."""
    return attrs.evolve(mixed_invoice(), number=10005, parties=None)


ALL = {
    "mixed_invoice": mixed_invoice,
    "credit_note": credit_note,
    "export_invoice": export_invoice,
    "reverse_charge_invoice": reverse_charge_invoice,
}
