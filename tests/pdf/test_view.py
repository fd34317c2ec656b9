"""What a template is handed, field by field, for the cases the example PDFs do not show."""

from __future__ import annotations

import json
from decimal import Decimal

import attrs

from runtime.ledger.totals import Totals, VatGroup
from runtime.pdf.view import view_json, view_of
from tests.pdf.documents import BUSINESS, CREDIT_NOTE, ENGLISH, line

D = Decimal


def test_every_vat_category_is_named() -> None:
    lines = (
        line("Kurs", "1", "100.00", "100.00", category="medium", rate="15"),
        line("Mat", "1", "100.00", "100.00", category="low", rate="12"),
        line("Konsulent", "1", "100.00", "100.00", category="reverse_charge", rate="0"),
        line("Gebyr", "1", "100.00", "100.00", category="outside", rate="0"),
    )
    groups = (
        VatGroup(category="medium", rate=D(15), taxable=D("100.00"), vat=D("15.00")),
        VatGroup(category="low", rate=D(12), taxable=D("100.00"), vat=D("12.00")),
        VatGroup(category="reverse_charge", rate=D(0), taxable=D("100.00"), vat=D("0.00")),
        VatGroup(category="outside", rate=D(0), taxable=D("100.00"), vat=D("0.00")),
    )
    doc = attrs.evolve(
        BUSINESS, lines=lines, totals=Totals(groups=groups, net=D("400.00"), vat=D("27.00"), gross=D("427.00"))
    )
    labels = [g.label for g in view_of(doc).vat_groups]
    assert labels == ["Mva 15\u00a0%", "Mva 12\u00a0%", "Omvendt avgiftsplikt", "Utenfor mva-området"]
    english = attrs.evolve(doc, parties=ENGLISH.parties)
    assert [g.label for g in view_of(english).vat_groups][2:] == ["Reverse charge", "Outside the scope of VAT"]


def test_a_credit_note_for_several_invoices_names_each_and_each_line_its_own() -> None:
    first = attrs.evolve(CREDIT_NOTE.lines[0], corrects=250001)
    second = attrs.evolve(CREDIT_NOTE.lines[0], corrects=250002)
    doc = attrs.evolve(CREDIT_NOTE, lines=(first, second), corrects=(250001, 250002))
    view = view_of(doc, {250001: BUSINESS})  # the date of 250002 is not known here
    assert view.corrects_text == "Kreditnota for fakturaene 250001 av 01.03.2026, 250002"
    assert [v.note for v in view.lines] == ["Kreditnota for faktura 250001", "Kreditnota for faktura 250002"]
    assert view.corrects == ("250001", "250002")
    assert view.kid == ""
    assert view.notes == ("Denne kreditnotaen skal ikke betales.",)


def test_a_one_day_line_shows_one_date() -> None:
    one_day = attrs.evolve(BUSINESS.lines[0], period_end=BUSINESS.lines[0].period_start.replace(day=2))
    assert view_of(attrs.evolve(BUSINESS, lines=(one_day,))).lines[0].period == "01.03.2026"


def test_a_language_the_table_lacks_falls_back_to_bokmal() -> None:
    assert BUSINESS.parties is not None
    buyer = attrs.evolve(BUSINESS.parties.buyer, language="se")
    view = view_of(attrs.evolve(BUSINESS, parties=attrs.evolve(BUSINESS.parties, buyer=buyer)))
    assert (view.language, view.title) == ("nb", "Faktura")


def test_the_json_is_the_view() -> None:
    data = json.loads(view_json(view_of(BUSINESS)))
    assert data["number"] == "250001"
    assert data["amounts"] == {"net": "10776.00", "vat": "2619.00", "gross": "13395.00"}
    assert data["seller"]["legal"] == "Org.nr. 925 792 403 MVA"
    assert data["buyer"]["bank_account"] == ""
    assert data["lines"][1]["amount"] == "5\u00a0960,00"
    assert data["labels"]["kid"] == "KID"
    assert data["vat_groups"][1]["reason"] == "Finansiell tjeneste, unntatt etter mval. § 3-6"
