"""Issued documents built by hand for the PDF tests, with totals computed by hand (in the comments).

They stand for what the ledger hands the renderer: the parties as of issue and the lines with their
unit codes and VAT reasons. Nothing here is computed by the code under test.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from runtime.ledger.documents import DraftLine, IssuedDocument
from runtime.ledger.parties import LineDetails, Parties, Party, PartyAddress
from runtime.ledger.totals import Totals, VatGroup

D = Decimal

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
    bank_account="7661.69.72304",
    language="nb",
)

BERGEN = Party(
    id="bergen_klatresenter",
    name="Bergen Klatresenter AS",
    orgnr="976240391",
    vat_number=None,
    foretaksregisteret=False,
    consumer=False,
    address=PartyAddress(street="Kanalveien 54", postcode="5068", city="Bergen", country="NO"),
    peppol="0192:976240391",
    email=None,
    bank_account=None,
    language="nb",
)

INGRID = Party(
    id="ingrid_haugen",
    name="Ingrid Haugen",
    orgnr=None,
    vat_number=None,
    foretaksregisteret=False,
    consumer=True,
    address=PartyAddress(street="Solbakken 4", postcode="3716", city="Skien", country="NO"),
    peppol=None,
    email="ingrid.haugen@example.no",
    bank_account=None,
    language="nb",
)

SOGNDAL = attrs.evolve(
    BERGEN,
    id="sogndal_turlag",
    name="Sogndal Turlag",
    orgnr="919730609",
    address=PartyAddress(street="Gravensteinsgata 3", postcode="6856", city="Sogndal", country="NO"),
    language="nn",
)

FJALLSTUGAN = attrs.evolve(
    BERGEN,
    id="fjallstugan",
    name="Fjällstugan Bokning AB, NUF",
    orgnr="946020370",
    address=PartyAddress(street="Sveavägen 44", postcode="111 34", city="Stockholm", country="SE"),
    peppol=None,
    email="ekonomi@fjallstugan.example",
    language="en",
)

MARCH = (date(2026, 3, 1), date(2026, 4, 1))
FEBRUARY = (date(2026, 2, 1), date(2026, 3, 1))


def line(
    description: str,
    quantity: str,
    price: str,
    net: str,
    *,
    unit: str = "C62",
    category: str = "standard",
    rate: str = "25",
    period: tuple[date, date] = MARCH,
    reason: str | None = None,
    **fields: Any,
) -> DraftLine:
    values: dict[str, Any] = {
        "contract": "SKT-2026-001",
        "charge": description.lower().replace(" ", "_"),
        "description": description,
        "period_start": period[0],
        "period_end": period[1],
        "quantity": D(quantity),
        "unit_price": D(price),
        "net_amount": D(net),
        "vat_category": category,
        "vat_rate": D(rate),
        "provenance": "{}",
        "kind": "recurring",
        "discount": "",
        "billing_start": period[0],
        "billing_end": period[1],
        "details": LineDetails(unit_code=unit, vat_reason=reason),
    }
    values.update(fields)
    return DraftLine(**values)


def document(buyer: Party, lines: tuple[DraftLine, ...], totals: Totals, **fields: Any) -> IssuedDocument:
    values: dict[str, Any] = {
        "kind": "invoice",
        "contract": "SKT-2026-001",
        "customer": buyer.id,
        "currency": "NOK",
        "issue_date": date(2026, 3, 1),
        "due_date": date(2026, 3, 16),
        "buyer_reference": None,
        "purchase_order": None,
        "lines": lines,
        "corrects": (),
        "number": 250001,
        "series": "invoice",
        "kid": "000002500019",
        "totals": totals,
        "previous_hash": "0" * 64,
        "hash": "1" * 64,
        "issued_at_run": 1,
        "parties": Parties(seller=SELLER, buyer=buyer, source="issue"),
    }
    values.update(fields)
    return IssuedDocument(**values)


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
            rate="0",
            reason="Finansiell tjeneste, unntatt etter mval. § 3-6",
        ),
    ),
    Totals(
        groups=(
            VatGroup(category="standard", rate=D(25), taxable=D("10476.00"), vat=D("2619.00")),
            VatGroup(category="exempt", rate=D(0), taxable=D("300.00"), vat=D("0.00")),
        ),
        net=D("10776.00"),
        vat=D("2619.00"),
        gross=D("13395.00"),
    ),
    buyer_reference="Silje Vik",
    purchase_order="PO-7781",
)

# 10 x 149,00 = 1 490,00 credited, VAT 372,50, total 1 862,50.
CREDIT_NOTE = document(
    BERGEN,
    (line("Brukerlisenser", "10", "149.00", "1490.00", corrects=250001),),
    Totals(
        groups=(VatGroup(category="standard", rate=D(25), taxable=D("1490.00"), vat=D("372.50")),),
        net=D("1490.00"),
        vat=D("372.50"),
        gross=D("1862.50"),
    ),
    kind="credit_note",
    series="credit_note",
    number=950001,
    kid="",
    issue_date=date(2026, 3, 10),
    due_date=date(2026, 3, 10),
    corrects=(250001,),
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
    Totals(
        groups=(VatGroup(category="standard", rate=D(25), taxable=D("309.65"), vat=D("77.41")),),
        net=D("309.65"),
        vat=D("77.41"),
        gross=D("387.06"),
    ),
    number=250002,
    kid="000002500027",
    contract="SKT-2026-009",
)

# 1 x 2 490,00 at 25 %: VAT 622,50, total 3 112,50.
NYNORSK = document(
    SOGNDAL,
    (line("Plattformavgift", "1", "2490.00", "2490.00", unit="MON"),),
    Totals(
        groups=(VatGroup(category="standard", rate=D(25), taxable=D("2490.00"), vat=D("622.50")),),
        net=D("2490.00"),
        vat=D("622.50"),
        gross=D("3112.50"),
    ),
    number=250003,
    kid="000002500035",
    buyer_reference="Ragnhild Hove",
)

# Zero-rated export of services: 4 990,00 + 1 200,00 = 6 190,00, no VAT.
ENGLISH = document(
    FJALLSTUGAN,
    (
        line("Plattformavgift", "1", "4990.00", "4990.00", unit="MON", category="zero", rate="0"),
        line("Integrasjon", "1", "1200.00", "1200.00", category="zero", rate="0"),
    ),
    Totals(
        groups=(VatGroup(category="zero", rate=D(0), taxable=D("6190.00"), vat=D("0.00")),),
        net=D("6190.00"),
        vat=D("0.00"),
        gross=D("6190.00"),
    ),
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
