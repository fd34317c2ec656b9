"""Issued documents for the PDF tests, built from tests/factories/documents.py, with totals computed by hand
(in the comments).

They stand for what the ledger hands the renderer: the parties as of issue and the lines with their
unit codes and VAT reasons. Nothing here is computed by the code under test.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import attrs

from runtime.ledger.documents import DraftLine, IssuedDocument
from runtime.ledger.parties import Parties, Party
from runtime.ledger.totals import Totals
from tests.factories import documents as build
from tests.factories.documents import FEBRUARY, totals

SELLER = build.seller()
BERGEN = build.business()
INGRID = build.consumer()
SOGNDAL = build.business(
    id="sogndal_turlag",
    name="Sogndal Turlag",
    orgnr="919730609",
    address=build.address("Gravensteinsgata 3", "6856", "Sogndal"),
    language="nn",
)
FJALLSTUGAN = build.business(
    id="fjallstugan",
    name="Fjällstugan Bokning AB, NUF",
    orgnr="946020370",
    address=build.address("Sveavägen 44", "111 34", "Stockholm", "SE"),
    peppol=None,
    email="ekonomi@fjallstugan.example",
    language="en",
)


def line(description: str, quantity: str, price: str, net: str, **fields: Any) -> DraftLine:
    """`build.line` on contract SKT-2026-001, its charge named after its description."""
    charge = description.lower().replace(" ", "_")
    return build.line(
        net, description=description, quantity=quantity, price=price, charge=charge, contract="SKT-2026-001", **fields
    )


def document(buyer: Party, lines: tuple[DraftLine, ...], pinned: Totals, **fields: Any) -> IssuedDocument:
    """Invoice 250001 (KID 000002500019, mod11) to `buyer`, due 16 March, with the totals given."""
    values: dict[str, Any] = {"number": 250001, "kid": "000002500019", "due_date": date(2026, 3, 16), **fields}
    return build.invoice(*lines, buyer=buyer, totals=pinned, **values)


# 25 %: 4 990,00 + 5 960,00 + 25,00 - 499,00 = 10 476,00, VAT 2 619,00; exempt 300,00.
# Net 10 776,00, VAT 2 619,00, total 13 395,00.
BUSINESS = document(
    BERGEN,
    (
        line("Plattformavgift", "1", "4990.00", "4990.00", unit="MON"),
        line("Brukerlisenser", "40", "149.00", "5960.00"),
        line("Lagring over kvote", "12.5", "2.00", "25.00", unit="E34", period=FEBRUARY, kind="usage"),
        line("Rabatt 10 % på plattformavgift", "1", "-499.00", "-499.00", kind="discount", discount="intro"),
        line(
            "Betalingsformidling",
            "1",
            "300.00",
            "300.00",
            category="exempt",
            reason="Finansiell tjeneste, unntatt etter mval. § 3-6",
        ),
    ),
    totals(("standard", "25", "10476.00", "2619.00"), ("exempt", "0", "300.00", "0.00")),
    buyer_reference="Silje Vik",
    purchase_order="PO-7781",
)

# 10 x 149,00 = 1 490,00 credited, VAT 372,50, total 1 862,50.
CREDIT_NOTE = build.credit_note(
    line("Brukerlisenser", "10", "149.00", "1490.00"),
    corrects=250001,
    buyer=BERGEN,
    totals=totals(("standard", "25", "1490.00", "372.50")),
    number=950001,
    issue_date=date(2026, 3, 10),
    due_date=date(2026, 3, 10),
)

# Net 199,00 + 79,20 + 31,45 = 309,65; VAT 25 % of 309,65 = 77,4125 -> 77,41; total 387,06.
# Shown with VAT: 199,00 -> 248,75; 79,20 -> 99,00; 31,45 -> 39,3125 -> 39,31; 0,85 -> 1,0625 -> 1,06.
CONSUMER = document(
    INGRID,
    (
        line("Skarvtind Start", "1", "199.00", "199.00", unit="MON"),
        line("Bookingmodul", "1", "79.20", "79.20", unit="MON"),
        line("SMS-varsler", "37", "0.85", "31.45", period=FEBRUARY, kind="usage"),
    ),
    totals(("standard", "25", "309.65", "77.41")),
    number=250002,
    kid="000002500027",
    contract="SKT-2026-009",
)

# 1 x 2 490,00 at 25 %: VAT 622,50, total 3 112,50.
NYNORSK = document(
    SOGNDAL,
    (line("Plattformavgift", "1", "2490.00", "2490.00", unit="MON"),),
    totals(("standard", "25", "2490.00", "622.50")),
    number=250003,
    kid="000002500035",
    buyer_reference="Ragnhild Hove",
)

# Zero-rated export of services: 4 990,00 + 1 200,00 = 6 190,00, no VAT.
ENGLISH = document(
    FJALLSTUGAN,
    (
        line("Plattformavgift", "1", "4990.00", "4990.00", unit="MON", category="zero"),
        line("Integrasjon", "1", "1200.00", "1200.00", category="zero"),
    ),
    totals(("zero", "0", "6190.00", "0.00")),
    number=250004,
    kid="000002500043",
    buyer_reference="Anna Lindqvist",
)

HOSTILE_NAME = '#set page(fill: red) ] [ *fet* $x^2$ <etikett> @ref `kode` \\ #panic("boom")'
HOSTILE = attrs.evolve(
    BUSINESS,
    parties=Parties(seller=SELLER, buyer=attrs.evolve(BERGEN, name=HOSTILE_NAME), source="issue"),
    number=250005,
    kid="000002500051",
)

EXAMPLES = {
    "business": BUSINESS,
    "credit_note": CREDIT_NOTE,
    "consumer": CONSUMER,
    "nynorsk": NYNORSK,
    "english": ENGLISH,
}
