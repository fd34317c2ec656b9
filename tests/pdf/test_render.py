"""Rendered PDFs read back: every figure and word a reader needs is on the page, in the right language."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import attrs
import pytest

from runtime.ledger.totals import Totals, VatGroup
from runtime.pdf import NoSnapshot, PdfRenderer, TemplateError
from tests.pdf.documents import BUSINESS, CONSUMER, CREDIT_NOTE, ENGLISH, EXAMPLES, HOSTILE, HOSTILE_NAME, NYNORSK
from tests.pdf.reading import pages_of, text_of


@pytest.fixture(scope="module")
def renderer() -> PdfRenderer:
    return PdfRenderer()


@pytest.fixture(scope="module")
def texts(renderer: PdfRenderer) -> dict[str, str]:
    """The text of every example document, rendered once (a credit note with the invoice it corrects)."""
    corrected = {BUSINESS.number: BUSINESS}
    return {name: text_of(renderer.render(doc, corrected)) for name, doc in EXAMPLES.items()}


def test_every_example_is_one_page_of_pdf(renderer: PdfRenderer) -> None:
    for doc in EXAMPLES.values():
        pdf = renderer.render(doc, {BUSINESS.number: BUSINESS})
        assert pdf.startswith(b"%PDF-")
        assert pages_of(pdf) == 1


def test_business_invoice_has_what_a_norwegian_invoice_must_show(texts: dict[str, str]) -> None:
    text = texts["business"]
    for expected in (
        "Faktura",
        "Fakturanummer 250001",
        "Fakturadato 01.03.2026",
        "Forfallsdato 16.03.2026",
        "KID 000002500019",
        "Skarvtind Software AS",
        "Org.nr. 925 792 403 MVA",
        "Foretaksregisteret",
        "Keiser Wilhelms gate 22",
        "Bergen Klatresenter AS",
        "Org.nr. 976 240 391",
        "Deres referanse Silje Vik",
        "Deres ordrenr. PO-7781",
        "Avtale SKT-2026-001",
        # lines, with the last day of each period, units and prices
        "Periode 01.03.2026–31.03.2026",
        "Periode 01.02.2026–28.02.2026",
        "40 stk 149,00 25 % 5 960,00",
        "12,5 GB 2,00 25 % 25,00",
        "−499,00",
        "Finansiell tjeneste, unntatt etter mval. § 3-6",
        # VAT per rate and totals
        "Mva 25 % 10 476,00 2 619,00",
        "Unntatt fra mva",
        "Sum eks. mva NOK 10 776,00",
        "Mva NOK 2 619,00",
        "Sum inkl. mva NOK 13 395,00",
        # the payment box
        "Å betale",
        "NOK 13 395,00 7661.69.72304 000002500019 16.03.2026",
        "Husk å oppgi KID ved betaling.",
    ):
        assert expected in text, expected
    assert "inkl. mva." not in text.replace("Sum inkl. mva", "")  # a business sees prices without VAT


def test_credit_note_says_what_it_credits_and_asks_for_no_payment(texts: dict[str, str]) -> None:
    text = texts["credit_note"]
    for expected in (
        "Kreditnota",
        "Kreditnotanummer 950001",
        "Dato 10.03.2026",
        "Kreditnota for faktura 250001 av 01.03.2026",
        "10 stk 149,00 25 % 1 490,00",
        "Sum inkl. mva NOK 1 862,50",
        "Kreditert beløp",
        "NOK 1 862,50",
        "Denne kreditnotaen skal ikke betales.",
    ):
        assert expected in text, expected
    for absent in ("KID", "Å betale", "Forfallsdato"):
        assert absent not in text, absent


def test_credit_note_names_the_invoice_without_its_date_when_not_given(renderer: PdfRenderer) -> None:
    text = text_of(renderer.render(CREDIT_NOTE))
    assert "Kreditnota for faktura 250001" in text
    assert "av 01.03.2026" not in text


def test_consumer_sees_prices_and_amounts_including_vat(texts: dict[str, str]) -> None:
    text = texts["consumer"]
    # 199,00 x 1,25 = 248,75; 79,20 x 1,25 = 99,00; 0,85 x 1,25 = 1,0625 -> 1,06; 31,45 x 1,25 = 39,3125 -> 39,31
    for expected in (
        "1 mnd 248,75 25 % 248,75",
        "1 mnd 99,00 25 % 99,00",
        "37 stk 1,06 25 % 39,31",
        "Alle beløp inkl. mva.",
        "Sum inkl. mva NOK 387,06",
        "herav mva NOK 77,41",
        "NOK 387,06 7661.69.72304 000002500027 16.03.2026",
        "Ingrid Haugen",
    ):
        assert expected in text, expected
    assert "Sum eks. mva" not in text
    assert "Org.nr. " not in text.replace("Org.nr. 925 792 403 MVA", "")  # a consumer has none


def test_consumer_pays_the_documents_total_not_a_sum_of_rounded_lines(renderer: PdfRenderer) -> None:
    # Three lines of 0,99 net: each 1,2375 -> 1,24 with VAT (3,72 summed), but the document's
    # total is 2,97 + VAT round(0,7425) = 0,74 = 3,71, and 3,71 is what is to be paid.
    cheap = attrs.evolve(CONSUMER.lines[0], unit_price=Decimal("0.99"), net_amount=Decimal("0.99"))
    doc = attrs.evolve(
        CONSUMER,
        lines=(cheap, cheap, cheap),
        totals=Totals(
            groups=(VatGroup(category="standard", rate=Decimal(25), taxable=Decimal("2.97"), vat=Decimal("0.74")),),
            net=Decimal("2.97"),
            vat=Decimal("0.74"),
            gross=Decimal("3.71"),
        ),
    )
    text = text_of(renderer.render(doc))
    assert text.count("1 mnd 1,24 25 % 1,24") == 3
    assert "Sum inkl. mva NOK 3,71" in text
    assert "NOK 3,71 7661.69.72304" in text
    assert "3,72" not in text


def test_nynorsk(texts: dict[str, str]) -> None:
    text = texts["nynorsk"]
    for expected in (
        "Faktura",
        "Fakturanummer 250003",
        "Forfallsdato 16.03.2026",
        "KID 000002500035",
        "Dykkar referanse Ragnhild Hove",
        "Skildring Mengd Pris Mva Beløp",
        "Sum utan mva NOK 2 490,00",
        "Sum inkl. mva NOK 3 112,50",
        "Føretaksregisteret",
        "Hugs å oppgje KID når du betaler.",
    ):
        assert expected in text, expected


def test_english(texts: dict[str, str]) -> None:
    text = texts["english"]
    for expected in (
        "Invoice",
        "Invoice number 250004",
        "Invoice date 2026-03-01",
        "Due date 2026-03-16",
        "KID (payment reference) 000002500043",
        "Your reference Anna Lindqvist",
        "Fjällstugan Bokning AB, NUF",
        "111 34 Stockholm",
        "1 month 4,990.00 0 % 4,990.00",
        "Zero-rated (0 %) 6,190.00 0.00",
        "Total excl. VAT NOK 6,190.00",
        "Total incl. VAT NOK 6,190.00",
        "Amount due",
        "NOK 6,190.00 7661.69.72304 000002500043 2026-03-16",
        "Register of Business Enterprises",
    ):
        assert expected in text, expected


def test_same_document_same_bytes(renderer: PdfRenderer) -> None:
    first = renderer.render(BUSINESS)
    renderer.render(CONSUMER)  # a compiler that has rendered something else in between
    assert renderer.render(BUSINESS) == first
    assert PdfRenderer().render(BUSINESS) == first  # and a fresh one


def test_pdf_is_dated_by_the_issue_date_not_the_clock(renderer: PdfRenderer) -> None:
    pdf = renderer.render(BUSINESS)
    assert b"D:20260301" in pdf
    assert b"D:2026113" not in pdf  # nothing of the day the tests ran (30 November 2026 or any other)


def test_a_name_with_typst_markup_is_printed_as_it_is(renderer: PdfRenderer) -> None:
    pdf = renderer.render(HOSTILE)
    text = text_of(pdf)
    assert "#set page(fill: red) ] [ *fet* $x^2$ <etikett> @ref `kode`" in text
    assert '#panic("boom")' in text
    assert pages_of(pdf) == 1
    assert HOSTILE_NAME.startswith("#set")


def test_render_many_reuses_one_compiler_and_keeps_order(renderer: PdfRenderer) -> None:
    docs = [BUSINESS, CONSUMER, NYNORSK, ENGLISH]
    rendered = list(renderer.render_many(docs))
    assert [doc for doc, _ in rendered] == docs
    assert [f"{doc.number}" in text_of(pdf) for doc, pdf in rendered] == [True] * 4
    assert rendered[0][1] == renderer.render(BUSINESS)


def test_a_long_invoice_runs_over_pages_with_its_total_on_the_last(renderer: PdfRenderer) -> None:
    doc = attrs.evolve(BUSINESS, lines=BUSINESS.lines * 14)  # the totals do not match: only the layout is tested
    pdf = renderer.render(doc)
    pages = pages_of(pdf)
    assert pages >= 2
    text = text_of(pdf)
    assert f"Side {pages} av {pages}" in text
    assert text.count("Beskrivelse Antall Pris Mva Beløp") == pages  # the header row on every page
    assert text.rindex("Å betale") > text.rindex("Plattformavgift")


def test_a_document_without_parties_asks_for_a_backfill(renderer: PdfRenderer) -> None:
    with pytest.raises(NoSnapshot) as raised:
        renderer.render(attrs.evolve(BUSINESS, parties=None))
    assert "invoice 250001 was issued before the ledger kept the parties" in raised.value.message
    assert "avtale ledger backfill" in raised.value.help


def test_a_broken_template_is_an_error_with_its_place(tmp_path: Path) -> None:
    template = tmp_path / "faktura.typ"
    template.write_text('#import "@avtale/invoice:1.0.0": data, invoice\n#invoice(data, accent: rgb("#12345"\n')
    with pytest.raises(TemplateError) as raised:
        PdfRenderer(template).render(BUSINESS)
    message = raised.value.message
    assert message.startswith(f"the PDF template {template} cannot be rendered: ")
    assert "faktura.typ:2" in message  # where Typst found it
    assert "pdf_template" in raised.value.help


def test_a_template_that_fails_at_run_time_is_an_error_too(tmp_path: Path) -> None:
    template = tmp_path / "faktura.typ"
    template.write_text("#let data = json(bytes(sys.inputs.avtale))\n#data.no_such_field\n")
    with pytest.raises(TemplateError) as raised:
        PdfRenderer(template).render(BUSINESS)
    assert "no_such_field" in raised.value.message


def test_a_missing_template_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(TemplateError) as raised:
        PdfRenderer(tmp_path / "nowhere.typ")
    assert "does not exist" in raised.value.message
    assert "pdf_template" in raised.value.help


def test_a_template_cannot_read_outside_its_folder(tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("hemmelig")
    folder = tmp_path / "templates"
    folder.mkdir()
    template = folder / "faktura.typ"
    template.write_text('#read("../secret.txt")\n')
    with pytest.raises(TemplateError) as raised:
        PdfRenderer(template).render(BUSINESS)
    assert "hemmelig" not in raised.value.message
