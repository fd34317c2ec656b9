"""Issued documents built by hand for the EHF tests: realistic parties, lines and stored totals.

The totals are the ledger's own (compute_totals), as an issued document carries them; the
tests check the XML against figures worked out by hand in their docstrings, not against these.
Organisation numbers pass the MOD11 check, the Swedish one the Luhn check (PEPPOL-COMMON-R041/R049).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from runtime.ledger.documents import DraftLine, IssuedDocument
from runtime.ledger.parties import LineDetails, Parties, Party, PartyAddress
from runtime.ledger.totals import compute_totals

SELLER = Party(
    id="skarvtind",
    name="Skarvtind Programvare AS",
    orgnr="925792403",
    vat_number="NO925792403MVA",
    foretaksregisteret=True,
    consumer=False,
    address=PartyAddress(street="Strandgaten 12", postcode="5013", city="Bergen", country="NO"),
    peppol="0192:925792403",
    email="faktura@skarvtind.no",
    bank_account="1503.12.34562",
    language="nb",
)

BUYER = Party(
    id="bergen_klatresenter",
    name="Bergen Klatresenter AS",
    orgnr="988077917",
    vat_number=None,
    foretaksregisteret=False,
    consumer=False,
    address=PartyAddress(street="Kanalveien 5", postcode="5068", city="Bergen", country="NO"),
    peppol="0192:988077917",
    email="regnskap@bergenklatresenter.no",
    bank_account=None,
    language="nb",
)

SWEDISH_BUYER = Party(
    id="fjallhjalpen",
    name="Fjällhjälpen AB",
    orgnr="5560360793",
    vat_number="SE556036079301",
    foretaksregisteret=False,
    consumer=False,
    address=PartyAddress(street="Storgatan 8", postcode="831 30", city="Östersund", country="SE"),
    peppol="0007:5560360793",
    email=None,
    bank_account=None,
    language="en",
)

MVA_BUYER = Party(
    id="skyfjord",
    name="Skyfjord AS",
    orgnr="923609016",
    vat_number="NO923609016MVA",
    foretaksregisteret=True,
    consumer=False,
    address=PartyAddress(street="Dronning Eufemias gate 16", postcode="0191", city="Oslo", country="NO"),
    peppol="0192:923609016",
    email=None,
    bank_account=None,
    language="nb",
)

CONSUMER = Party(
    id="ola",
    name="Ola Nordmann",
    orgnr=None,
    vat_number=None,
    foretaksregisteret=False,
    consumer=True,
    address=PartyAddress(street="Storgata 1", postcode="0155", city="Oslo", country="NO"),
    peppol=None,
    email="ola@example.no",
    bank_account=None,
    language="nb",
)

MARCH = (date(2026, 3, 1), date(2026, 4, 1))


def line(
    description: str,
    net: str,
    *,
    quantity: str = "1",
    price: str | None = None,
    category: str = "standard",
    rate: str = "25",
    charge: str = "platform",
    unit: str = "C62",
    reason: str | None = None,
    period: tuple[date, date] = MARCH,
    **fields: Any,
) -> DraftLine:
    values: dict[str, Any] = {
        "contract": "BKS-2026-001",
        "charge": charge,
        "description": description,
        "period_start": period[0],
        "period_end": period[1],
        "quantity": Decimal(quantity),
        "unit_price": Decimal(price if price is not None else net),
        "net_amount": Decimal(net),
        "vat_category": category,
        "vat_rate": Decimal(rate),
        "provenance": "{}",
        "kind": "recurring",
        "discount": "",
        "billing_start": period[0],
        "billing_end": period[1],
        "details": LineDetails(unit_code=unit, vat_reason=reason),
    }
    values.update(fields)
    return DraftLine(**values)


def document(
    *lines: DraftLine,
    number: int = 10001,
    kind: str = "invoice",
    buyer: Party = BUYER,
    currency: str = "NOK",
    parties: bool = True,
    **fields: Any,
) -> IssuedDocument:
    values: dict[str, Any] = {
        "kind": kind,
        "contract": "BKS-2026-001",
        "customer": buyer.id,
        "currency": currency,
        "issue_date": date(2026, 3, 1),
        "due_date": date(2026, 3, 15),
        "buyer_reference": "Kari Nordmann",
        "purchase_order": None,
        "lines": lines,
        "corrects": (),
        "number": number,
        "series": kind,
        "kid": "0000100016" if kind == "invoice" else "",
        "totals": compute_totals(lines, currency),
        "previous_hash": "0" * 64,
        "hash": "1" * 64,
        "issued_at_run": 1,
        "parties": Parties(seller=SELLER, buyer=buyer, source="issue") if parties else None,
    }
    values.update(fields)
    return IssuedDocument(**values)


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
            rate="0",
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
        line("Support subscription", "1188.00", quantity="12", price="99.00", category="zero", rate="0", unit="MON"),
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
            rate="0",
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
