"""bokforing_problems: what bokføringsforskriften § 5-1-1 requires of a sales document, checked before export."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import attrs

from runtime.einvoice.content import bokforing_problems
from runtime.ledger.documents import IssuedDocument
from runtime.ledger.parties import LineDetails
from runtime.ledger.totals import Totals
from tests.einvoice import documents as fixtures


def with_seller(**changes: object) -> IssuedDocument:
    doc = fixtures.mixed_invoice()
    assert doc.parties is not None
    return attrs.evolve(doc, parties=attrs.evolve(doc.parties, seller=attrs.evolve(doc.parties.seller, **changes)))


def with_buyer(**changes: object) -> IssuedDocument:
    doc = fixtures.mixed_invoice()
    assert doc.parties is not None
    return attrs.evolve(doc, parties=attrs.evolve(doc.parties, buyer=attrs.evolve(doc.parties.buyer, **changes)))


def test_the_fixtures_meet_every_requirement() -> None:
    for make in fixtures.ALL.values():
        assert bokforing_problems(make()) == []
    assert bokforing_problems(fixtures.consumer_invoice()) == []


def test_no_number() -> None:
    assert bokforing_problems(attrs.evolve(fixtures.mixed_invoice(), number=0)) == [
        "no. 1 (number and date): the document has no number (0)"
    ]


def test_no_parties() -> None:
    assert bokforing_problems(fixtures.without_parties()) == [
        "no. 2 (parties): the document has no snapshot of its parties (run `avtale ledger backfill`)"
    ]


def test_seller_without_orgnr_or_with_a_wrong_vat_number() -> None:
    assert bokforing_problems(with_seller(orgnr=None)) == [
        "no. 2 (parties): the seller `skarvtind` has no organisation number"
    ]
    assert bokforing_problems(with_seller(vat_number="NO925792403")) == [
        "no. 2 (parties): the seller's VAT number NO925792403 is not its organisation number followed by MVA "
        "(NO925792403MVA)"
    ]


def test_buyer_needs_a_name_and_an_address_or_orgnr() -> None:
    assert bokforing_problems(with_buyer(name=" ")) == ["no. 2 (parties): the buyer `bergen_klatresenter` has no name"]
    assert bokforing_problems(with_buyer(address=None)) == []  # the orgnr names it; the place is the seller's
    assert bokforing_problems(with_buyer(address=None, orgnr=None)) == [
        "no. 2 (parties): the buyer `bergen_klatresenter` has neither an address nor an organisation number",
    ]


def test_a_place_of_delivery() -> None:
    doc = with_buyer(address=None)
    assert doc.parties is not None
    doc = attrs.evolve(doc, parties=attrs.evolve(doc.parties, seller=attrs.evolve(doc.parties.seller, address=None)))
    assert bokforing_problems(doc) == [
        "no. 4 (where delivered): neither the buyer nor the seller has an address to name as the place"
    ]


def test_what_and_when() -> None:
    doc = fixtures.mixed_invoice()
    lines = list(doc.lines)
    lines[0] = attrs.evolve(lines[0], description="")
    lines[1] = attrs.evolve(lines[1], period_end=lines[1].period_start)
    assert bokforing_problems(attrs.evolve(doc, lines=tuple(lines))) == [
        "no. 3 (what was delivered): line 1 has no description",
        "no. 4 (when delivered): line 2 has no delivery period (2026-03-01 to 2026-03-01)",
    ]


def test_price_and_due_date() -> None:
    doc = fixtures.mixed_invoice()
    wrong = Totals(groups=doc.totals.groups, net=Decimal("8887.14"), vat=doc.totals.vat, gross=Decimal("10608.92"))
    assert bokforing_problems(attrs.evolve(doc, totals=wrong)) == [
        "no. 5 (price): the lines sum to 8887.13, the document says net 8887.14, VAT 1721.78, total 10608.92"
    ]
    assert bokforing_problems(attrs.evolve(doc, due_date=date(2026, 2, 28))) == [
        "no. 5 (due date): the invoice is due 2026-02-28, before it was issued 2026-03-01"
    ]
    assert bokforing_problems(attrs.evolve(fixtures.credit_note(), corrects=())) == [
        "no. 5 (price): the credit note does not name the invoice it corrects"
    ]


def test_vat_must_be_stated_in_nok() -> None:
    doc = fixtures.document(fixtures.line("Support", "100.00"), currency="EUR")
    assert bokforing_problems(doc) == [
        "no. 6 (VAT in NOK): the document is in EUR and charges VAT, which must also be stated in Norwegian kroner; "
        "Avtale keeps no exchange rate for it"
    ]
    assert bokforing_problems(fixtures.export_invoice()) == []  # EUR without VAT: nothing to state


def test_an_exempt_line_says_why() -> None:
    doc = fixtures.mixed_invoice()
    lines = list(doc.lines)
    lines[3] = attrs.evolve(lines[3], details=LineDetails(unit_code="C62", vat_reason=None))
    assert bokforing_problems(attrs.evolve(doc, lines=tuple(lines))) == [
        "no. 6 (VAT): line 4 is exempt from VAT but does not say why"
    ]
