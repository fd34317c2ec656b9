"""Issued documents and recognised revenue for the journal and SAF-T tests, built from
tests/factories/documents.py.

Totals are written by hand as VAT groups (not computed from the lines), so they are the oracle's figures.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from runtime.ledger.documents import DraftLine, IssuedDocument, Kind
from runtime.ledger.parties import Party
from tests.factories import documents as build
from tests.factories.revenue import recognised

__all__ = ["D", "document", "draft_line", "party", "recognised"]

D = Decimal


def party(pid: str, country: str = "NO", *, name: str = "Kunde AS", orgnr: str | None = "923609016") -> Party:
    """A company in Foretaksregisteret, not on PEPPOL, at Storgata 1 in Oslo (or in `country`)."""
    return build.business(
        id=pid, name=name, orgnr=orgnr, foretaksregisteret=True, address=build.address(country=country), peppol=None
    )


def draft_line(net: str, category: str = "standard", rate: str = "25", contract: str = "A-1") -> DraftLine:
    """1 x `net` for the platform in January 2026, without details (as before snapshots)."""
    return build.line(
        net,
        description="Plattform",
        charge="platform",
        category=category,
        rate=rate,
        contract=contract,
        period=build.JANUARY,
        details=None,
    )


def document(
    number: int,
    issued: date,
    groups: list[tuple[str, str, str, str]],
    *,
    kind: Kind = "invoice",
    contract: str = "A-1",
    customer: str = "kunde",
    currency: str = "NOK",
    country: str = "NO",
) -> IssuedDocument:
    """A document with VAT groups (category, rate, taxable, vat), one line per group; amounts as stored
    (positive on a credit note)."""
    buyer = party(customer, country)
    return build.invoice(
        *(draft_line(t, c, r, contract) for c, r, t, _ in groups),
        buyer=buyer,
        number=number,
        kind=kind,
        currency=currency,
        totals=build.totals(*groups),
        issue_date=issued,
        due_date=issued,
        buyer_reference="ref",
        kid="",
        previous_hash="",
        hash="",
        parties=build.parties(buyer, by=party("selger", name="Selger AS", orgnr="925792403")),
    )
