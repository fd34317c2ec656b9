"""Issued documents for the outbox tests, built from tests/factories/documents.py: only what sending looks at
is realistic (the buyer's PEPPOL id, e-mail and address, the series and number)."""

from __future__ import annotations

from typing import Any

import attrs

from runtime.ledger.documents import IssuedDocument, Kind
from runtime.ledger.parties import Party
from tests.factories import documents as build

SELLER = build.seller()


def buyer(**fields: Any) -> Party:
    """A business buyer with a PEPPOL id and an e-mail address unless told otherwise."""
    values: dict[str, Any] = {
        "id": "nordlys",
        "name": "Nordlys Klatresenter AS",
        "address": build.address("Sjøgata 1", "8006", "Bodø"),
        "email": "faktura@nordlys.example",
        **fields,
    }
    return build.business(**values)


CONSUMER = build.consumer(id="ingrid", address=build.address("Storgata 5", "0155", "Oslo"))
PAPER = buyer(id="hytte", name="Hytteutleie Fjell AS", peppol=None, email=None)

# 10 x 149.00 = 1490.00, VAT 372.50, total 1862.50
LINE = build.line("1490.00", quantity="10", price="149.00")
TOTALS = build.totals(("standard", "25", "1490.00", "372.50"))


def document(number: int, party: Party | None = None, *, kind: Kind = "invoice", **fields: Any) -> IssuedDocument:
    """An invoice (or credit note) to `party` (default: the PEPPOL business buyer), issued 1 March 2026."""
    values: dict[str, Any] = {"buyer_reference": "NORD-2026-001", **fields}
    return build.invoice(LINE, buyer=party or buyer(), number=number, kind=kind, totals=TOTALS, **values)


def without_parties(doc: IssuedDocument) -> IssuedDocument:
    return attrs.evolve(doc, parties=None)
