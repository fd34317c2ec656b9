"""Parties, lines and documents for the tests, every field defaulted so a test names only what it is about.

The parties are realistic: organisation numbers pass the MOD11 check, the Swedish one the Luhn check
(PEPPOL-COMMON-R041/R049), so the EHF tests can validate what is built from them. An issued document's
totals are the ledger's own `compute_totals` unless the test pins them by hand with `totals(...)`: a test
that asserts a figure writes that figure itself, never reads it back from here.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from runtime.ledger.documents import DraftDocument, DraftLine, IssuedDocument, Kind
from runtime.ledger.parties import LineDetails, Parties, Party, PartyAddress, SnapshotSource
from runtime.ledger.totals import Totals, VatGroup, compute_totals

D = Decimal
MARCH = (date(2026, 3, 1), date(2026, 4, 1))
FEBRUARY = (date(2026, 2, 1), date(2026, 3, 1))
JANUARY = (date(2026, 1, 1), date(2026, 2, 1))
# The rate of each VAT category (mval. §§ 5-1, 5-2, 5-3; zero-rated, exempt, reverse charge and outside: none).
RATES = {
    "standard": "25",
    "medium": "15",
    "low": "12",
    "zero": "0",
    "exempt": "0",
    "reverse_charge": "0",
    "outside": "0",
}


def address(
    street: str = "Storgata 1", postcode: str = "0155", city: str = "Oslo", country: str = "NO"
) -> PartyAddress:
    return PartyAddress(street=street, postcode=postcode, city=city, country=country)


def _party(defaults: dict[str, Any], fields: dict[str, Any]) -> Party:
    values = {**defaults, **fields}
    # another organisation number brings its own PEPPOL id (0192) and MVA number, unless told otherwise
    if "orgnr" in fields:
        orgnr = fields["orgnr"]
        if "peppol" not in fields and defaults.get("peppol"):
            values["peppol"] = f"0192:{orgnr}" if orgnr else None
        if "vat_number" not in fields and defaults.get("vat_number"):
            values["vat_number"] = f"NO{orgnr}MVA" if orgnr else None
    return Party(**values)


def seller(**fields: Any) -> Party:
    """Skarvtind Software AS as the example workspace declares it: MVA-registered, in Foretaksregisteret, on PEPPOL."""
    return _party(
        {
            "id": "skarvtind",
            "name": "Skarvtind Software AS",
            "orgnr": "925792403",
            "vat_number": "NO925792403MVA",
            "foretaksregisteret": True,
            "consumer": False,
            "address": address("Keiser Wilhelms gate 22", "6003", "Ålesund"),
            "peppol": "0192:925792403",
            "email": "faktura@skarvtind.example",
            "bank_account": "7661.69.72304",
            "language": "nb",
        },
        fields,
    )


def business(**fields: Any) -> Party:
    """A Norwegian company outside the VAT register, with a PEPPOL id (0192 and its organisation number)."""
    return _party(
        {
            "id": "bergen_klatresenter",
            "name": "Bergen Klatresenter AS",
            "orgnr": "976240391",
            "vat_number": None,
            "foretaksregisteret": False,
            "consumer": False,
            "address": address("Kanalveien 54", "5068", "Bergen"),
            "peppol": "0192:976240391",
            "email": None,
            "bank_account": None,
            "language": "nb",
        },
        fields,
    )


def mva_business(**fields: Any) -> Party:
    """A Norwegian company in the VAT register and Foretaksregisteret (a reverse-charge buyer)."""
    orgnr = fields.pop("orgnr", "923609016")
    defaults = {
        "id": "skyfjord",
        "name": "Skyfjord AS",
        "orgnr": orgnr,
        "vat_number": f"NO{orgnr}MVA",
        "foretaksregisteret": True,
        "address": address("Dronning Eufemias gate 16", "0191", "Oslo"),
        "peppol": f"0192:{orgnr}",
    }
    return business(**{**defaults, **fields})


def consumer(**fields: Any) -> Party:
    """A private person: no organisation number, no PEPPOL id, reached by e-mail."""
    values: dict[str, Any] = {
        "id": "ingrid_haugen",
        "name": "Ingrid Haugen",
        "orgnr": None,
        "consumer": True,
        "address": address("Solbakken 4", "3716", "Skien"),
        "peppol": None,
        "email": "ingrid.haugen@example.no",
    }
    return business(**{**values, **fields})


def foreign(**fields: Any) -> Party:
    """A Swedish company in the Swedish VAT register, reached on PEPPOL by its organisation number (0007)."""
    values: dict[str, Any] = {
        "id": "fjallhjalpen",
        "name": "Fjällhjälpen AB",
        "orgnr": "5560360793",
        "vat_number": "SE556036079301",
        "address": address("Storgatan 8", "831 30", "Östersund", "SE"),
        "peppol": "0007:5560360793",
        "language": "en",
    }
    return business(**{**values, **fields})


def parties(buyer: Party | None = None, *, by: Party | None = None, source: SnapshotSource = "issue") -> Parties:
    """Both parties as a bill run snapshots them: `by` (default `seller()`) selling to `buyer` (`business()`)."""
    return Parties(seller=by or seller(), buyer=buyer or business(), source=source)


def line(
    net: str = "1490.00",
    *,
    description: str = "Brukerlisenser",
    charge: str = "seats",
    quantity: str = "1",
    price: str | None = None,
    category: str = "standard",
    rate: str | None = None,
    unit: str = "C62",
    reason: str | None = None,
    period: tuple[date, date] = MARCH,
    contract: str = "NORD-2026-001",
    **fields: Any,
) -> DraftLine:
    """A recurring line billing `period`, `quantity` x `price` (default 1 x the net), in VAT `category` at its
    Norwegian rate unless `rate` says otherwise; `reason` is what an exempt or outside line must state."""
    values: dict[str, Any] = {
        "contract": contract,
        "charge": charge,
        "description": description,
        "period_start": period[0],
        "period_end": period[1],
        "quantity": D(quantity),
        "unit_price": D(price if price is not None else net),
        "net_amount": D(net),
        "vat_category": category,
        "vat_rate": D(rate if rate is not None else RATES.get(category, "25")),  # unknown: a test of refusal
        "provenance": "{}",
        "kind": "recurring",
        "discount": "",
        "billing_start": period[0],
        "billing_end": period[1],
        "details": LineDetails(unit_code=unit, vat_reason=reason),
    }
    values.update(fields)
    return DraftLine(**values)


def totals(*groups: tuple[str, str, str, str]) -> Totals:
    """Totals pinned by hand: VAT groups as (category, rate, taxable, vat); net, VAT and gross are their sums."""
    vat_groups = tuple(VatGroup(category=c, rate=D(r), taxable=D(t), vat=D(v)) for c, r, t, v in groups)
    net = sum((g.taxable for g in vat_groups), D(0))
    vat = sum((g.vat for g in vat_groups), D(0))
    return Totals(groups=vat_groups, net=net, vat=vat, gross=net + vat)


def invoice(
    *lines: DraftLine,
    buyer: Party | None = None,
    number: int = 250001,
    kind: Kind = "invoice",
    currency: str = "NOK",
    totals: Totals | None = None,
    **fields: Any,
) -> IssuedDocument:
    """An issued invoice to `buyer` (default `business()`), dated 1 March 2026 and due on the 15th.

    Without `totals` the document carries what the ledger would store: `compute_totals` of its lines.
    """
    buyer = buyer or business()
    lines = lines or (line(),)
    values: dict[str, Any] = {
        "kind": kind,
        "contract": lines[0].contract,
        "customer": buyer.id,
        "currency": currency,
        "issue_date": date(2026, 3, 1),
        "due_date": date(2026, 3, 15),
        "buyer_reference": None,
        "purchase_order": None,
        "lines": lines,
        "corrects": (),
        "number": number,
        "series": kind,
        "kid": "" if kind == "credit_note" else f"{number:011d}0",
        "totals": totals if totals is not None else compute_totals(lines, currency),
        "previous_hash": "0" * 64,
        "hash": "1" * 64,
        "issued_at_run": 1,
        "parties": parties(buyer),
    }
    values.update(fields)
    return IssuedDocument(**values)


def credit_note(*lines: DraftLine, corrects: int, number: int = 950001, **fields: Any) -> IssuedDocument:
    """A credit note correcting invoice `corrects`: every line names it, and there is no KID to pay with."""
    marked = tuple(x if x.corrects is not None else attrs.evolve(x, corrects=corrects) for x in lines)
    return invoice(*marked, number=number, kind="credit_note", corrects=(corrects,), **fields)


def draft(doc: IssuedDocument, **changes: Any) -> DraftDocument:
    """The draft a bill run would have issued `doc` from, to issue it into a real ledger."""
    fields = {field.name: getattr(doc, field.name) for field in attrs.fields(DraftDocument)}
    return DraftDocument(**{**fields, **changes})
