"""The EHF writer: valid against the UBL 2.1 schema and both official Schematron files, with the figures
worked out by hand in tests/einvoice/documents.py, and the shapes PEPPOL and the Norwegian rules ask for."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
from lxml import etree

from runtime.einvoice.errors import EinvoiceError
from runtime.einvoice.ubl import render_ubl, wants_ehf
from runtime.einvoice.validation import Validator
from runtime.ledger.parties import PartyAddress
from tests.einvoice import documents as fixtures

NS = {
    "inv": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "cn": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}


@pytest.fixture(scope="module")
def schemas(einvoice_rules: Path) -> dict[str, etree.XMLSchema]:
    """The official UBL 2.1 schemas, loaded here with lxml (independent of the validator under test elsewhere)."""
    maindoc = einvoice_rules / "ubl-2.1" / "xsd" / "maindoc"
    return {
        kind: etree.XMLSchema(etree.parse(str(maindoc / f"UBL-{kind}-2.1.xsd"))) for kind in ("Invoice", "CreditNote")
    }


def tree(xml: bytes) -> etree._Element:
    return etree.fromstring(xml)


def text(root: etree._Element, path: str) -> list[str]:
    return [node.text for node in root.xpath(path, namespaces=NS)]


def one(root: etree._Element, path: str) -> str:
    found = text(root, path)
    assert len(found) == 1, f"{path}: {found}"
    return found[0]


@pytest.mark.parametrize("name", sorted(fixtures.ALL))
def test_valid_against_the_ubl_schema(name: str, schemas: dict[str, etree.XMLSchema]) -> None:
    doc = fixtures.ALL[name]()
    schema = schemas["CreditNote" if doc.kind == "credit_note" else "Invoice"]
    assert schema.validate(tree(render_ubl(doc))), schema.error_log


@pytest.mark.parametrize("name", sorted(fixtures.ALL))
def test_no_fatal_finding_under_both_schematron_files(name: str, validator: Validator) -> None:
    corrected = {10001: fixtures.mixed_invoice()}
    findings = validator.validate(render_ubl(fixtures.ALL[name](), corrected))
    assert [f"{f.rule}: {f.text}" for f in findings if f.flag == "fatal"] == []


def test_the_validator_is_not_a_rubber_stamp(validator: Validator) -> None:
    """The bar above means something: a wrong orgnr and a price that does not multiply to the net are caught."""
    bad = attrs.evolve(fixtures.SELLER, orgnr="925792404", vat_number="NO925792404MVA", peppol="0192:925792404")
    doc = fixtures.mixed_invoice()
    doc = attrs.evolve(doc, parties=attrs.evolve(doc.parties, seller=bad))
    rules = {f.rule for f in validator.validate(render_ubl(doc)) if f.flag == "fatal"}
    assert {"PEPPOL-COMMON-R041", "NO-R-001"} <= rules
    xml = render_ubl(fixtures.mixed_invoice()).replace(
        b'<cbc:PriceAmount currencyID="NOK">149.00<', b'<cbc:PriceAmount currencyID="NOK">150.00<'
    )
    assert "PEPPOL-EN16931-R120" in {f.rule for f in validator.validate(xml) if f.flag == "fatal"}


def test_invoice_header_and_parties() -> None:
    root = tree(render_ubl(fixtures.mixed_invoice()))
    assert root.tag == f"{{{NS['inv']}}}Invoice"
    assert one(root, "cbc:CustomizationID") == (
        "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
    )
    assert one(root, "cbc:ProfileID") == "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
    assert one(root, "cbc:ID") == "10001"
    assert one(root, "cbc:IssueDate") == "2026-03-01"
    assert one(root, "cbc:DueDate") == "2026-03-15"
    assert one(root, "cbc:InvoiceTypeCode") == "380"
    assert one(root, "cbc:DocumentCurrencyCode") == "NOK"
    assert one(root, "cbc:BuyerReference") == "Kari Nordmann"
    assert one(root, "cac:ContractDocumentReference/cbc:ID") == "BKS-2026-001"
    seller = root.xpath("cac:AccountingSupplierParty/cac:Party", namespaces=NS)[0]
    assert one(seller, "cbc:EndpointID") == "925792403"
    assert seller.xpath("cbc:EndpointID/@schemeID", namespaces=NS) == ["0192"]
    assert one(seller, "cac:PartyTaxScheme[cac:TaxScheme/cbc:ID='VAT']/cbc:CompanyID") == "NO925792403MVA"
    assert one(seller, "cac:PartyTaxScheme[cac:TaxScheme/cbc:ID='TAX']/cbc:CompanyID") == "Foretaksregisteret"
    assert one(seller, "cac:PartyLegalEntity/cbc:RegistrationName") == "Skarvtind Programvare AS"
    assert one(seller, "cac:PartyLegalEntity/cbc:CompanyID") == "925792403"
    assert one(seller, "cac:PostalAddress/cbc:PostalZone") == "5013"
    buyer = root.xpath("cac:AccountingCustomerParty/cac:Party", namespaces=NS)[0]
    assert one(buyer, "cbc:EndpointID") == "988077917"
    assert one(buyer, "cac:PartyLegalEntity/cbc:CompanyID") == "988077917"
    assert text(buyer, "cac:PartyTaxScheme/cbc:CompanyID") == []  # no VAT number declared for this buyer
    assert one(buyer, "cac:PostalAddress/cac:Country/cbc:IdentificationCode") == "NO"


def test_payment_with_kid_and_account_digits() -> None:
    root = tree(render_ubl(fixtures.mixed_invoice()))
    assert one(root, "cac:PaymentMeans/cbc:PaymentMeansCode") == "30"
    assert one(root, "cac:PaymentMeans/cbc:PaymentID") == "0000100016"
    assert one(root, "cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID") == "15031234562"  # from "1503.12.34562"
    assert one(root, "cac:PaymentTerms/cbc:Note") == "Forfall 2026-03-15 (14 dager). Bruk KID 0000100016 ved betaling."


def test_without_a_seller_account_there_is_no_payment_means() -> None:
    doc = fixtures.mixed_invoice()
    doc = attrs.evolve(doc, parties=attrs.evolve(doc.parties, seller=attrs.evolve(fixtures.SELLER, bank_account=None)))
    root = tree(render_ubl(doc))
    assert root.xpath("cac:PaymentMeans", namespaces=NS) == []
    assert one(root, "cac:PaymentTerms/cbc:Note").startswith("Forfall 2026-03-15")


def test_totals_and_vat_breakdown_by_hand() -> None:
    """documents.mixed_invoice: S 25% 6887.13 with VAT 1721.78, E 2000.00; net 8887.13, total 10608.91."""
    root = tree(render_ubl(fixtures.mixed_invoice()))
    assert one(root, "cac:TaxTotal/cbc:TaxAmount") == "1721.78"
    subtotals = root.xpath("cac:TaxTotal/cac:TaxSubtotal", namespaces=NS)
    assert [
        (
            one(s, "cbc:TaxableAmount"),
            one(s, "cbc:TaxAmount"),
            one(s, "cac:TaxCategory/cbc:ID"),
            one(s, "cac:TaxCategory/cbc:Percent"),
        )
        for s in subtotals
    ] == [("6887.13", "1721.78", "S", "25"), ("2000.00", "0.00", "E", "0")]
    assert one(subtotals[1], "cac:TaxCategory/cbc:TaxExemptionReason") == "Unntatt etter mval. § 3-5"
    assert text(subtotals[0], "cac:TaxCategory/cbc:TaxExemptionReason") == []
    total = "cac:LegalMonetaryTotal/cbc:"
    assert [one(root, total + tag) for tag in ("LineExtensionAmount", "TaxExclusiveAmount")] == ["8887.13", "8887.13"]
    assert [one(root, total + tag) for tag in ("TaxInclusiveAmount", "PayableAmount")] == ["10608.91", "10608.91"]
    assert set(root.xpath("//@currencyID", namespaces=NS)) == {"NOK"}


def test_lines_quantity_price_unit_and_inclusive_periods() -> None:
    root = tree(render_ubl(fixtures.mixed_invoice()))
    lines = root.xpath("cac:InvoiceLine", namespaces=NS)
    got = [
        (
            one(line, "cbc:ID"),
            one(line, "cbc:InvoicedQuantity"),
            line.xpath("cbc:InvoicedQuantity/@unitCode", namespaces=NS)[0],
            one(line, "cac:Price/cbc:PriceAmount"),
            one(line, "cbc:LineExtensionAmount"),
            one(line, "cac:InvoicePeriod/cbc:StartDate"),
            one(line, "cac:InvoicePeriod/cbc:EndDate"),
            one(line, "cac:Item/cac:ClassifiedTaxCategory/cbc:ID"),
        )
        for line in lines
    ]
    assert got == [
        ("1", "25", "C62", "149.00", "3725.00", "2026-03-01", "2026-03-31", "S"),  # 25 x 149.00, kept
        ("2", "12345", "E34", "0.0125", "154.31", "2026-03-01", "2026-03-31", "S"),  # 154.3125 rounds to the net
        ("3", "1", "C62", "3380.32", "3380.32", "2026-03-11", "2026-03-31", "S"),  # prorated: 1 x net
        ("4", "1", "C62", "2000.00", "2000.00", "2026-03-14", "2026-03-14", "E"),  # [14th, 15th) is the 14th
        ("5", "-1", "C62", "372.50", "-372.50", "2026-03-01", "2026-03-31", "S"),  # the discount: -1 x 372.50
    ]
    assert one(lines[4], "cac:Item/cac:SellersItemIdentification/cbc:ID") == "launch"
    assert one(lines[0], "cac:Item/cbc:Name") == "Brukerlisenser"
    assert one(root, "cac:InvoicePeriod/cbc:StartDate") == "2026-03-01"
    assert one(root, "cac:InvoicePeriod/cbc:EndDate") == "2026-03-31"


def test_credit_note_references_the_invoice_it_corrects() -> None:
    invoice = fixtures.mixed_invoice()
    root = tree(render_ubl(fixtures.credit_note(), {10001: invoice}))
    assert root.tag == f"{{{NS['cn']}}}CreditNote"
    assert one(root, "cbc:CreditNoteTypeCode") == "381"
    assert one(root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID") == "10001"
    assert one(root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:IssueDate") == "2026-03-01"
    assert text(root, "cbc:DueDate") == []  # a UBL CreditNote has no document-level due date
    assert root.xpath("cac:PaymentMeans", namespaces=NS) == []  # nothing is paid against a credit note
    line = root.xpath("cac:CreditNoteLine", namespaces=NS)[0]
    assert (one(line, "cbc:CreditedQuantity"), one(line, "cac:Price/cbc:PriceAmount")) == ("5", "149.00")
    assert one(line, "cbc:LineExtensionAmount") == "745.00"  # positive, as stored
    assert one(root, "cac:TaxTotal/cbc:TaxAmount") == "186.25"
    assert one(root, "cac:LegalMonetaryTotal/cbc:PayableAmount") == "931.25"


def test_credit_note_without_the_invoice_still_names_it() -> None:
    root = tree(render_ubl(fixtures.credit_note()))
    assert one(root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID") == "10001"
    assert text(root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:IssueDate") == []


def test_zero_rated_to_a_foreign_buyer_is_an_export() -> None:
    root = tree(render_ubl(fixtures.export_invoice()))
    assert one(root, "cbc:DocumentCurrencyCode") == "EUR"
    assert set(root.xpath("//@currencyID", namespaces=NS)) == {"EUR"}
    assert text(root, "cbc:BuyerReference") == []
    assert one(root, "cac:OrderReference/cbc:ID") == "PO-4471"
    category = root.xpath("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory", namespaces=NS)[0]
    assert (one(category, "cbc:ID"), one(category, "cbc:Percent")) == ("G", "0")
    assert one(category, "cbc:TaxExemptionReasonCode") == "VATEX-EU-G"
    assert one(category, "cbc:TaxExemptionReason") == "Export, VAT not charged"  # the buyer reads English
    buyer = root.xpath("cac:AccountingCustomerParty/cac:Party", namespaces=NS)[0]
    assert buyer.xpath("cbc:EndpointID/@schemeID", namespaces=NS) == ["0007"]
    assert one(buyer, "cac:PartyTaxScheme/cbc:CompanyID") == "SE556036079301"
    assert buyer.xpath("cac:PartyLegalEntity/cbc:CompanyID/@schemeID", namespaces=NS) == []  # not a Norwegian orgnr
    assert one(root, "cac:PaymentTerms/cbc:Note") == "Due 2026-03-15 (14 days). Please pay with KID 0000100016."


def test_zero_rated_at_home_stays_z() -> None:
    doc = fixtures.document(fixtures.line("Aviser", "300.00", category="zero", rate="0"))
    root = tree(render_ubl(doc))
    category = root.xpath("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory", namespaces=NS)[0]
    assert one(category, "cbc:ID") == "Z"
    assert text(category, "cbc:TaxExemptionReason") == []  # BR-Z-10


def test_reverse_charge() -> None:
    root = tree(render_ubl(fixtures.reverse_charge_invoice()))
    category = root.xpath("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory", namespaces=NS)[0]
    assert (one(category, "cbc:ID"), one(category, "cbc:Percent")) == ("AE", "0")
    assert one(category, "cbc:TaxExemptionReason") == "Omvendt avgiftsplikt - Merverdiavgift ikke beregnet"
    assert one(root, "cac:TaxTotal/cbc:TaxAmount") == "0.00"
    buyer = root.xpath("cac:AccountingCustomerParty/cac:Party", namespaces=NS)[0]
    assert one(buyer, "cac:PartyTaxScheme/cbc:CompanyID") == "NO923609016MVA"


@pytest.mark.parametrize(("category", "rate"), [("standard", "25"), ("medium", "15"), ("low", "12")])
def test_norwegian_rates_are_standard_rated(category: str, rate: str, validator: Validator) -> None:
    """400.00 at 25/15/12 %: VAT 100.00 / 60.00 / 48.00."""
    doc = fixtures.document(fixtures.line("Billett", "400.00", category=category, rate=rate))
    xml = render_ubl(doc)
    root = tree(xml)
    vat = {"25": "100.00", "15": "60.00", "12": "48.00"}[rate]
    assert one(root, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:ID") == "S"
    assert one(root, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:Percent") == rate
    assert one(root, "cac:TaxTotal/cbc:TaxAmount") == vat
    assert [f.rule for f in validator.validate(xml) if f.flag == "fatal"] == []


def test_outside_the_scope_of_vat(validator: Validator) -> None:
    """A seller not registered for VAT: category O, no rate, no VAT numbers anywhere (BR-O-02, BR-O-05)."""
    seller = attrs.evolve(fixtures.SELLER, vat_number=None)
    doc = fixtures.document(
        fixtures.line("Medlemskap", "500.00", category="outside", rate="0"), buyer=fixtures.MVA_BUYER
    )
    doc = attrs.evolve(doc, parties=attrs.evolve(doc.parties, seller=seller))
    xml = render_ubl(doc)
    root = tree(xml)
    assert text(root, "//cac:PartyTaxScheme[cac:TaxScheme/cbc:ID='VAT']/cbc:CompanyID") == []
    assert text(root, "//cac:ClassifiedTaxCategory/cbc:Percent") == []
    assert one(root, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:ID") == "O"
    assert one(root, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:TaxExemptionReasonCode") == "VATEX-EU-O"
    assert [f.rule for f in validator.validate(xml) if f.flag == "fatal"] == []


def test_text_is_escaped_by_the_xml_library(validator: Validator) -> None:
    buyer = attrs.evolve(fixtures.BUYER, name='Berg & Sønn <AS> "Øst"')
    doc = fixtures.document(fixtures.line('Støtte & drift <"premium">', "100.00"), buyer=buyer)
    xml = render_ubl(doc)
    assert b"Berg &amp; S\xc3\xb8nn &lt;AS&gt;" in xml
    root = tree(xml)
    assert one(root, "cac:InvoiceLine/cac:Item/cbc:Name") == 'Støtte & drift <"premium">'
    assert one(root, "cac:AccountingCustomerParty/cac:Party/cac:PartyName/cbc:Name") == 'Berg & Sønn <AS> "Øst"'
    assert [f.rule for f in validator.validate(xml) if f.flag == "fatal"] == []


def test_same_document_same_bytes() -> None:
    first = render_ubl(fixtures.mixed_invoice())
    assert first == render_ubl(fixtures.mixed_invoice())
    assert first.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<Invoice ')


def test_a_document_without_party_snapshots_is_refused() -> None:
    with pytest.raises(EinvoiceError) as raised:
        render_ubl(fixtures.without_parties())
    assert "party snapshots" in raised.value.message
    assert "avtale ledger backfill" in raised.value.help


def test_a_buyer_without_address_or_peppol_id_is_refused() -> None:
    no_address = attrs.evolve(fixtures.BUYER, address=None)
    with pytest.raises(EinvoiceError, match="no postal address"):
        render_ubl(fixtures.document(fixtures.line("x", "1.00"), buyer=no_address))
    abroad = attrs.evolve(fixtures.SWEDISH_BUYER, peppol=None)
    with pytest.raises(EinvoiceError, match="no PEPPOL id"):
        render_ubl(fixtures.document(fixtures.line("x", "1.00"), buyer=abroad))


def test_a_document_without_buyer_reference_or_order_is_refused() -> None:
    with pytest.raises(EinvoiceError, match="R003"):
        render_ubl(fixtures.document(fixtures.line("x", "1.00"), buyer_reference=None, purchase_order=None))


def test_a_norwegian_seller_without_peppol_id_is_reached_by_its_orgnr() -> None:
    doc = fixtures.mixed_invoice()
    doc = attrs.evolve(doc, parties=attrs.evolve(doc.parties, seller=attrs.evolve(fixtures.SELLER, peppol=None)))
    seller = tree(render_ubl(doc)).xpath("cac:AccountingSupplierParty/cac:Party", namespaces=NS)[0]
    assert (one(seller, "cbc:EndpointID"), seller.xpath("cbc:EndpointID/@schemeID", namespaces=NS)) == (
        "925792403",
        ["0192"],
    )


def test_wants_ehf() -> None:
    assert wants_ehf(fixtures.mixed_invoice())
    assert wants_ehf(fixtures.export_invoice())
    assert not wants_ehf(fixtures.consumer_invoice())
    assert not wants_ehf(fixtures.without_parties())
    consumer_with_id = attrs.evolve(fixtures.CONSUMER, peppol="0192:988077917")
    assert not wants_ehf(fixtures.document(fixtures.line("x", "1.00"), buyer=consumer_with_id))


def test_an_empty_address_field_is_left_out_not_written_empty(validator: Validator) -> None:
    """PEPPOL-EN16931-R008 forbids empty elements."""
    buyer = attrs.evolve(fixtures.BUYER, address=PartyAddress(street="", postcode="5068", city="Bergen", country="NO"))
    xml = render_ubl(fixtures.document(fixtures.line("x", "10.00"), buyer=buyer))
    assert text(tree(xml), "cac:AccountingCustomerParty/cac:Party/cac:PostalAddress/cbc:StreetName") == []
    assert [f.rule for f in validator.validate(xml) if f.flag == "fatal"] == []


def test_one_day_line_period() -> None:
    doc = fixtures.document(fixtures.line("Oppstart", "990.00", period=(date(2026, 3, 5), date(2026, 3, 6))))
    line = tree(render_ubl(doc)).xpath("cac:InvoiceLine/cac:InvoicePeriod", namespaces=NS)[0]
    assert (one(line, "cbc:StartDate"), one(line, "cbc:EndDate")) == ("2026-03-05", "2026-03-05")


def test_quantities_keep_their_written_form() -> None:
    doc = fixtures.document(fixtures.line("Timer", "1875.00", quantity="2.5", price="750.00", unit="HUR"))
    line = tree(render_ubl(doc)).xpath("cac:InvoiceLine", namespaces=NS)[0]
    assert (one(line, "cbc:InvoicedQuantity"), one(line, "cac:Price/cbc:PriceAmount")) == ("2.5", "750.00")
    assert Decimal("2.5") * Decimal("750.00") == Decimal("1875.00")


def test_prices_have_at_least_the_currencys_decimals() -> None:
    """A price stored as 349 is written 349.00 (3 x 349 = 1047.00); 0.0125 keeps its four decimals above."""
    doc = fixtures.document(fixtures.line("Abonnement", "1047.00", quantity="3", price="349"))
    line = tree(render_ubl(doc)).xpath("cac:InvoiceLine", namespaces=NS)[0]
    assert (one(line, "cbc:InvoicedQuantity"), one(line, "cac:Price/cbc:PriceAmount")) == ("3", "349.00")


def test_a_blank_buyer_reference_is_left_out_not_written_empty() -> None:
    root = tree(render_ubl(fixtures.document(fixtures.line("x", "1.00"), buyer_reference="  ", purchase_order="PO-1")))
    assert text(root, "cbc:BuyerReference") == []
    assert one(root, "cac:OrderReference/cbc:ID") == "PO-1"


def test_text_xml_cannot_hold_is_an_error_not_a_traceback() -> None:
    with pytest.raises(EinvoiceError, match="cannot be written as XML"):
        render_ubl(fixtures.document(fixtures.line("Support\x07", "1.00")))
    with pytest.raises(EinvoiceError, match="would be empty"):
        render_ubl(fixtures.document(fixtures.line(" ", "1.00")))
