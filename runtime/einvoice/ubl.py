"""EHF 3.0 (PEPPOL BIS Billing 3.0, UBL 2.1) Invoice and CreditNote from an issued document.

Everything the XML says comes from the issued document and the party snapshots it
was issued with, never from the workspace of today: the same document renders to
the same bytes in five years. Text goes through lxml's element tree, which escapes
it. docs/einvoice.md says where every field comes from and why.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import TypeAlias

from lxml import etree

from compiler.money import minor_unit, quantum, round_money
from runtime.einvoice.errors import EinvoiceError
from runtime.einvoice.lines import stated_price
from runtime.einvoice.tax_categories import TaxCategory, document_categories, line_category
from runtime.ledger.documents import DraftLine, IssuedDocument
from runtime.ledger.parties import Parties, Party

CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"

INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"

INVOICE_TYPE = "380"  # UNCL1001 commercial invoice
CREDIT_NOTE_TYPE = "381"  # UNCL1001 credit note
CREDIT_TRANSFER = "30"  # UNCL4461: the buyer pays by bank transfer with the KID
NORWEGIAN_ORGNR = "0192"  # ICD/EAS scheme: Enhetsregisteret ved Brønnøysundregistrene

XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'

_Element: TypeAlias = etree._Element


def wants_ehf(doc: IssuedDocument) -> bool:
    """Whether the document goes out as EHF: a business buyer (not a consumer) with a PEPPOL id."""
    parties = doc.parties
    return parties is not None and bool(parties.buyer.peppol) and not parties.buyer.consumer


def render_ubl(doc: IssuedDocument, corrected: Mapping[int, IssuedDocument] | None = None) -> bytes:
    """The document as EHF XML (UTF-8, with declaration): an Invoice (380) or a CreditNote (381).

    `corrected` holds the invoices a credit note corrects, by number, so that their issue
    dates can be referenced; a credit note without them still names the invoice numbers.
    Raises EinvoiceError for a document that cannot be written as a valid EHF.
    """
    parties = _parties(doc)
    credit = doc.kind == "credit_note"
    root = etree.Element(
        f"{{{CREDIT_NOTE_NS if credit else INVOICE_NS}}}{'CreditNote' if credit else 'Invoice'}",
        nsmap={None: CREDIT_NOTE_NS if credit else INVOICE_NS, "cac": CAC, "cbc": CBC},
    )
    _cbc(root, "CustomizationID", CUSTOMIZATION_ID)
    _cbc(root, "ProfileID", PROFILE_ID)
    _cbc(root, "ID", str(doc.number))
    _cbc(root, "IssueDate", doc.issue_date.isoformat())
    if not credit:
        _cbc(root, "DueDate", doc.due_date.isoformat())  # a CreditNote has no document-level due date
    _cbc(root, "CreditNoteTypeCode" if credit else "InvoiceTypeCode", CREDIT_NOTE_TYPE if credit else INVOICE_TYPE)
    _cbc(root, "DocumentCurrencyCode", doc.currency)
    if (doc.buyer_reference or "").strip():
        _cbc(root, "BuyerReference", doc.buyer_reference or "")
    _period(root, min(line.period_start for line in doc.lines), max(line.period_end for line in doc.lines))
    if (doc.purchase_order or "").strip():
        _cbc(_cac(root, "OrderReference"), "ID", doc.purchase_order or "")
    for number in doc.corrects:
        _billing_reference(root, number, (corrected or {}).get(number))
    _cbc(_cac(root, "ContractDocumentReference"), "ID", doc.contract)
    categories = [line_category(line, parties) for line in doc.lines]
    _party(_cac(root, "AccountingSupplierParty"), parties.seller, seller=True, outside=_outside(categories))
    _party(_cac(root, "AccountingCustomerParty"), parties.buyer, seller=False, outside=_outside(categories))
    _delivery(root, parties.buyer)
    if not credit:
        _payment(root, doc, parties.seller)
    _tax_total(root, doc, parties)
    _monetary_total(root, doc)
    for number, (line, category) in enumerate(zip(doc.lines, categories, strict=True), start=1):
        _line(root, doc, number, line, category, credit)
    return XML_DECLARATION + bytes(etree.tostring(root, encoding="UTF-8", xml_declaration=False, pretty_print=True))


def _parties(doc: IssuedDocument) -> Parties:
    """The snapshots, with everything a valid EHF cannot do without; EinvoiceError otherwise."""
    name = f"{'credit note' if doc.kind == 'credit_note' else 'invoice'} {doc.number}"
    if doc.parties is None:
        raise EinvoiceError(
            f"{name} was issued before the ledger kept party snapshots, so it does not say who its parties were",
            "run `avtale ledger backfill` to record them from the workspace, then export again",
        )
    if not doc.lines:
        raise EinvoiceError(f"{name} has no lines", "an EHF needs at least one line; `avtale ledger verify` checks it")
    if not ((doc.buyer_reference or "").strip() or (doc.purchase_order or "").strip()):
        raise EinvoiceError(
            f"{name} has neither a buyer reference nor a purchase order; PEPPOL requires one (PEPPOL-EN16931-R003)",
            "send it as PDF, and give the customer a `reference` so that its next documents carry one",
        )
    for role, party in (("seller", doc.parties.seller), ("buyer", doc.parties.buyer)):
        if party.address is None:
            raise EinvoiceError(
                f"{name}: the {role} `{party.id}` has no postal address; an EHF must state it (BR-08, BR-10)",
                f"give `{party.id}` an `address` in the workspace; documents issued from then on carry it",
            )
        if _endpoint(party) is None:
            raise EinvoiceError(
                f"{name}: the {role} `{party.id}` has no PEPPOL id, so the EHF has no address to go to",
                f'declare `peppol "0192:<orgnr>"` on `{party.id}`, or send the document as PDF',
            )
    return doc.parties


# --- elements -----------------------------------------------------------------------------------


def _cbc(parent: _Element, tag: str, text: str, **attributes: str) -> _Element:
    if not text.strip():  # PEPPOL-EN16931-R008: no empty elements; optional ones are left out before this
        raise EinvoiceError(
            f"the EHF's {tag} would be empty", "`avtale export ehf` names what the document lacks (§ 5-1-1)"
        )
    element = etree.SubElement(parent, f"{{{CBC}}}{tag}", attributes)
    try:
        element.text = text
    except ValueError as exc:  # a control character XML cannot hold
        raise EinvoiceError(
            f"the EHF's {tag} {text!r} cannot be written as XML: {exc}", "remove the character"
        ) from exc
    return element


def _cac(parent: _Element, tag: str) -> _Element:
    return etree.SubElement(parent, f"{{{CAC}}}{tag}")


def _amount(parent: _Element, tag: str, amount: Decimal, currency: str) -> None:
    _cbc(parent, tag, f"{round_money(amount, currency):f}", currencyID=currency)


def _plain(value: Decimal) -> str:
    """A number as written: no exponent, no trailing zeros beyond what it holds, never `-0`."""
    text = f"{value:f}"
    return text[1:] if text.startswith("-") and not value else text


def _price(price: Decimal, currency: str) -> str:
    """A unit price with at least the currency's decimals (349 as 349.00), and any further ones it has (0.0125)."""
    exponent = price.as_tuple().exponent
    if isinstance(exponent, int) and exponent > -minor_unit(currency):
        price = price.quantize(quantum(currency))  # only adds zeros: the price has fewer decimals than that
    return _plain(price)


def _last_day(start: date, end: date) -> date:
    """Our periods are half-open [start, end); EHF end dates are the last day billed."""
    return max(start, end - timedelta(days=1))


def _period(parent: _Element, start: date, end: date) -> None:
    period = _cac(parent, "InvoicePeriod")
    _cbc(period, "StartDate", start.isoformat())
    _cbc(period, "EndDate", _last_day(start, end).isoformat())


def _billing_reference(root: _Element, number: int, invoice: IssuedDocument | None) -> None:
    reference = _cac(_cac(root, "BillingReference"), "InvoiceDocumentReference")
    _cbc(reference, "ID", str(number))
    if invoice is not None and invoice.number == number and invoice.kind == "invoice":
        _cbc(reference, "IssueDate", invoice.issue_date.isoformat())


def _endpoint(party: Party) -> tuple[str, str] | None:
    """(scheme, id) of the party's PEPPOL id; a Norwegian seller without one is reached by its orgnr."""
    if party.peppol and ":" in party.peppol:
        scheme, _, identifier = party.peppol.partition(":")
        if scheme.strip() and identifier.strip():
            return scheme.strip(), identifier.strip()
    if party.orgnr and party.address is not None and party.address.country == "NO" and not party.consumer:
        return NORWEGIAN_ORGNR, party.orgnr
    return None


def _outside(categories: Iterable[TaxCategory]) -> bool:
    return any(category.code == "O" for category in categories)


def _party(parent: _Element, party: Party, *, seller: bool, outside: bool) -> None:
    node = _cac(parent, "Party")
    endpoint = _endpoint(party)
    assert endpoint is not None  # _parties refused the document otherwise
    _cbc(node, "EndpointID", endpoint[1], schemeID=endpoint[0])
    _cbc(_cac(node, "PartyName"), "Name", party.name)
    address = party.address
    assert address is not None
    postal = _cac(node, "PostalAddress")
    for tag, value in (("StreetName", address.street), ("CityName", address.city), ("PostalZone", address.postcode)):
        if value.strip():
            _cbc(postal, tag, value)
    _cbc(_cac(postal, "Country"), "IdentificationCode", address.country)
    # BR-O-02: a document outside the scope of VAT names no VAT number, the seller's or the buyer's.
    if party.vat_number and not outside and party.vat_number[:2].isalpha() and party.vat_number[:2].isupper():
        _tax_scheme(node, party.vat_number, "VAT")
    if seller and party.foretaksregisteret:
        _tax_scheme(node, "Foretaksregisteret", "TAX")  # NO-R-002, foretaksregisterloven § 10-2
    legal = _cac(node, "PartyLegalEntity")
    _cbc(legal, "RegistrationName", party.name)
    orgnr, email = (party.orgnr or "").strip(), (party.email or "").strip()
    if orgnr:
        if address.country == "NO":
            _cbc(legal, "CompanyID", orgnr, schemeID=NORWEGIAN_ORGNR)
        else:
            _cbc(legal, "CompanyID", orgnr)
    if email:
        _cbc(_cac(node, "Contact"), "ElectronicMail", email)


def _tax_scheme(party: _Element, company_id: str, scheme: str) -> None:
    node = _cac(party, "PartyTaxScheme")
    _cbc(node, "CompanyID", company_id)
    _cbc(_cac(node, "TaxScheme"), "ID", scheme)


def _delivery(root: _Element, buyer: Party) -> None:
    """The place of delivery: the buyer's address (services are delivered where the buyer uses them)."""
    address = buyer.address
    assert address is not None
    node = _cac(_cac(root, "Delivery"), "DeliveryLocation")
    postal = _cac(node, "Address")
    for tag, value in (("StreetName", address.street), ("CityName", address.city), ("PostalZone", address.postcode)):
        if value.strip():
            _cbc(postal, tag, value)
    _cbc(_cac(postal, "Country"), "IdentificationCode", address.country)


PAYMENT_TERMS = {
    "nb": "Forfall {due} ({days} dager). Bruk KID {kid} ved betaling.",
    "nn": "Forfall {due} ({days} dagar). Bruk KID {kid} ved betaling.",
    "en": "Due {due} ({days} days). Please pay with KID {kid}.",
}
PAYMENT_TERMS_NO_KID = {
    "nb": "Forfall {due} ({days} dager).",
    "nn": "Forfall {due} ({days} dagar).",
    "en": "Due {due} ({days} days).",
}


def _payment(root: _Element, doc: IssuedDocument, seller: Party) -> None:
    """Credit transfer to the seller's account with the KID (BR-61 needs the account, so no account, no means)."""
    account = "".join(ch for ch in seller.bank_account or "" if ch.isdigit())
    if account:
        means = _cac(root, "PaymentMeans")
        _cbc(means, "PaymentMeansCode", CREDIT_TRANSFER)
        if doc.kid:
            _cbc(means, "PaymentID", doc.kid)
        _cbc(_cac(means, "PayeeFinancialAccount"), "ID", account)
    assert doc.parties is not None
    language = doc.parties.buyer.language if doc.parties.buyer.language in PAYMENT_TERMS else "nb"
    template = (PAYMENT_TERMS if doc.kid else PAYMENT_TERMS_NO_KID)[language]
    days = (doc.due_date - doc.issue_date).days
    _cbc(_cac(root, "PaymentTerms"), "Note", template.format(due=doc.due_date.isoformat(), days=days, kid=doc.kid))


def _category(parent: _Element, tag: str, category: TaxCategory, *, reason: bool) -> None:
    node = _cac(parent, tag)
    _cbc(node, "ID", category.code)
    if category.code != "O":  # BR-O-05, BR-48: no rate on what is outside the scope of VAT
        _cbc(node, "Percent", _plain(category.rate))
    if reason and category.reason_code:
        _cbc(node, "TaxExemptionReasonCode", category.reason_code)
    if reason and category.reason:
        _cbc(node, "TaxExemptionReason", category.reason)
    _cbc(_cac(node, "TaxScheme"), "ID", "VAT")


def _tax_total(root: _Element, doc: IssuedDocument, parties: Parties) -> None:
    """One TaxSubtotal per VAT group of the stored totals: the figures the ledger issued, never recomputed."""
    total = _cac(root, "TaxTotal")
    _amount(total, "TaxAmount", doc.totals.vat, doc.currency)
    for group, category in document_categories(doc, parties):
        subtotal = _cac(total, "TaxSubtotal")
        _amount(subtotal, "TaxableAmount", group.taxable, doc.currency)
        _amount(subtotal, "TaxAmount", group.vat, doc.currency)
        _category(subtotal, "TaxCategory", category, reason=True)


def _monetary_total(root: _Element, doc: IssuedDocument) -> None:
    """EN 16931 totals: no document-level allowances, charges, prepayment or rounding, so they are the three sums."""
    total = _cac(root, "LegalMonetaryTotal")
    _amount(total, "LineExtensionAmount", doc.totals.net, doc.currency)
    _amount(total, "TaxExclusiveAmount", doc.totals.net, doc.currency)
    _amount(total, "TaxInclusiveAmount", doc.totals.gross, doc.currency)
    _amount(total, "PayableAmount", doc.totals.gross, doc.currency)


def _line(
    root: _Element, doc: IssuedDocument, number: int, line: DraftLine, category: TaxCategory, credit: bool
) -> None:
    node = _cac(root, "CreditNoteLine" if credit else "InvoiceLine")
    _cbc(node, "ID", str(number))
    quantity, price = stated_price(line, doc.currency)
    unit = line.details.unit_code if line.details is not None else "C62"
    _cbc(node, "CreditedQuantity" if credit else "InvoicedQuantity", _plain(quantity), unitCode=unit)
    _amount(node, "LineExtensionAmount", line.net_amount, doc.currency)
    _period(node, line.period_start, line.period_end)
    item = _cac(node, "Item")
    _cbc(item, "Name", line.description)
    # The seller's id of what is billed: the charge, or for a discount line the discount.
    _cbc(
        _cac(item, "SellersItemIdentification"),
        "ID",
        line.discount if line.kind == "discount" and line.discount else line.charge,
    )
    _category(item, "ClassifiedTaxCategory", category, reason=False)
    _cbc(_cac(node, "Price"), "PriceAmount", _price(price, doc.currency), currencyID=doc.currency)
