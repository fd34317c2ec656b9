"""What a PDF template shows of an issued document: every figure and word already written out.

The template receives this record as JSON (docs/pdf.md has the contract), so formatting, the
choice of words and the consumer's prices including VAT are decided here, once, and tested
in Python; the template only lays them out. Nothing of the document reaches Typst as markup.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import attrs

from compiler.money import minor_unit
from runtime.ledger.documents import DraftLine, IssuedDocument
from runtime.ledger.parties import Party
from runtime.ledger.totals import VatGroup, plain_rate
from runtime.pdf import formats
from runtime.pdf.errors import NoSnapshot
from runtime.pdf.formats import NumberStyle
from runtime.pdf.labels import Labels, labels_for, unit_name

HUNDRED = Decimal(100)
RATED = ("standard", "medium", "low")


@attrs.frozen(kw_only=True)
class PartyView:
    name: str
    address: tuple[str, ...]
    """Street, then postcode and city, then the country code when it is not Norway."""
    orgnr: str
    """`925 792 403`, or empty (a consumer)."""
    legal: str
    """The identification line: `Org.nr. 925 792 403 MVA` for a VAT-registered seller, empty for a consumer."""
    foretaksregisteret: bool
    email: str
    bank_account: str
    consumer: bool


@attrs.frozen(kw_only=True)
class LineView:
    description: str
    period: str
    quantity: str
    unit: str
    unit_price: str
    amount: str
    vat: str
    note: str
    """Why the line carries no VAT, or which invoice it corrects when a credit note corrects several."""


@attrs.frozen(kw_only=True)
class VatView:
    label: str
    rate: str
    taxable: str
    vat: str
    reason: str


@attrs.frozen(kw_only=True)
class Amounts:
    """The totals as plain decimals (`1234.50`), for a template that computes or formats its own."""

    net: str
    vat: str
    gross: str


@attrs.frozen(kw_only=True)
class InvoiceView:
    kind: str
    language: str
    consumer: bool
    labels: Labels
    title: str
    number: str
    number_label: str
    date_label: str
    issue_date: str
    due_date: str
    issue_date_iso: str
    due_date_iso: str
    currency: str
    kid: str
    seller: PartyView
    buyer: PartyView
    contract: str
    buyer_reference: str
    purchase_order: str
    corrects: tuple[str, ...]
    corrects_text: str
    lines: tuple[LineView, ...]
    vat_groups: tuple[VatView, ...]
    total_net: str
    total_vat: str
    total_gross: str
    amount_due: str
    price_note: str
    """`Alle beløp inkl. mva.` on a consumer's document, whose prices and amounts include VAT; else empty."""
    notes: tuple[str, ...]
    """What the payment box says besides the figures: remember the KID, or that a credit note is not paid."""
    amounts: Amounts


def _party(party: Party, labels: Labels, seller: bool) -> PartyView:
    address: tuple[str, ...] = ()
    if party.address is not None:
        place = f"{party.address.postcode} {party.address.city}".strip()
        address = tuple(p for p in (party.address.street, place) if p)
        if party.address.country != "NO":
            address += (party.address.country,)
    orgnr = formats.orgnr(party.orgnr) if party.orgnr else ""
    legal = ""
    if orgnr and not party.consumer:
        legal = f"{labels.orgnr} {orgnr}" + (" MVA" if seller and party.vat_number else "")
    return PartyView(
        name=party.name,
        address=address,
        orgnr=orgnr,
        legal=legal,
        foretaksregisteret=party.foretaksregisteret,
        email=party.email or "",
        bank_account=party.bank_account or "",
        consumer=party.consumer,
    )


def _period(line: DraftLine, language: str) -> str:
    """The days a line bills, by their last day: [1 March, 1 April) is `01.03.2026–31.03.2026`."""
    last = line.period_end - timedelta(days=1)
    first = formats.day(line.period_start, language)
    return first if last <= line.period_start else f"{first}–{formats.day(last, language)}"


def _with_vat(amount: Decimal, rate: Decimal) -> Decimal:
    return amount * (1 + rate / HUNDRED)


def _round(amount: Decimal, places: int) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _line(
    line: DraftLine, doc: IssuedDocument, consumer: bool, labels: Labels, style: NumberStyle, language: str
) -> LineView:
    currency = doc.currency
    places = minor_unit(currency)
    price, amount = line.unit_price, line.net_amount
    if consumer:  # for display only: the document's totals are never recomputed from these
        at_minor_unit = price == _round(price, places)
        price = _with_vat(price, line.vat_rate)
        price = _round(price, places) if at_minor_unit else price
        amount = _round(_with_vat(amount, line.vat_rate), places)
    notes = []
    if line.details is not None and line.details.vat_reason:
        notes.append(line.details.vat_reason)
    if line.corrects is not None and len(doc.corrects) > 1:
        notes.append(labels.credit_note_for.format(numbers=line.corrects))
    return LineView(
        description=line.description,
        period=_period(line, language),
        quantity=formats.number(line.quantity, style),
        unit=unit_name(line.details.unit_code, language) if line.details is not None else "",
        unit_price=formats.unit_price(price, currency, style),
        amount=formats.money(amount, currency, style),
        vat=formats.percent(plain_rate(line.vat_rate), style),
        note="; ".join(notes),
    )


def _vat_group(group: VatGroup, doc: IssuedDocument, labels: Labels, style: NumberStyle) -> VatView:
    rate = formats.percent(group.rate, style)
    named = {
        "zero": labels.zero,
        "exempt": labels.exempt,
        "reverse_charge": labels.reverse_charge,
        "outside": labels.outside,
    }
    label = labels.standard.format(rate=rate) if group.category in RATED else named.get(group.category, group.category)
    reasons = sorted(
        {
            line.details.vat_reason
            for line in doc.lines
            if line.details is not None
            and line.details.vat_reason
            and line.vat_category == group.category
            and plain_rate(line.vat_rate) == group.rate
        }
    )
    return VatView(
        label=label,
        rate=rate,
        taxable=formats.money(group.taxable, doc.currency, style),
        vat=formats.money(group.vat, doc.currency, style),
        reason="; ".join(reasons),
    )


def _corrects_text(doc: IssuedDocument, corrected: Mapping[int, IssuedDocument], labels: Labels, language: str) -> str:
    if not doc.corrects:
        return ""
    shown = []
    for number in doc.corrects:
        original = corrected.get(number)
        dated = f" {labels.dated.format(date=formats.day(original.issue_date, language))}" if original else ""
        shown.append(f"{number}{dated}")
    template = labels.credit_note_for if len(shown) == 1 else labels.credit_note_for_many
    return template.format(numbers=", ".join(shown))


def view_of(doc: IssuedDocument, corrected: Mapping[int, IssuedDocument] | None = None) -> InvoiceView:
    """The document as its template shows it. `corrected`: the invoices a credit note corrects, by number,
    for their dates (a credit note names them either way)."""
    if doc.parties is None:
        name = "credit note" if doc.kind == "credit_note" else "invoice"
        raise NoSnapshot(
            f"{name} {doc.number} was issued before the ledger kept the parties of a document, so there is "
            "no seller or buyer to print on it",
            "run `avtale ledger backfill` to record them from the workspace as of the day it was issued",
        )
    buyer = doc.parties.buyer
    language = buyer.language if buyer.language in ("nb", "nn", "en") else "nb"
    labels = labels_for(language)
    style = formats.style_for(language)
    consumer = buyer.consumer
    credit = doc.kind == "credit_note"
    currency = doc.currency
    notes: list[str] = []
    if credit:
        notes.append(labels.credit_settlement)
    elif doc.kid:
        notes.append(labels.remember_kid)
    return InvoiceView(
        kind=doc.kind,
        language=language,
        consumer=consumer,
        labels=labels,
        title=labels.credit_note if credit else labels.invoice,
        number=str(doc.number),
        number_label=labels.credit_note_number if credit else labels.invoice_number,
        date_label=labels.credit_note_date if credit else labels.issue_date,
        issue_date=formats.day(doc.issue_date, language),
        due_date=formats.day(doc.due_date, language),
        issue_date_iso=doc.issue_date.isoformat(),
        due_date_iso=doc.due_date.isoformat(),
        currency=currency,
        kid=doc.kid,
        seller=_party(doc.parties.seller, labels, seller=True),
        buyer=_party(buyer, labels, seller=False),
        contract=doc.contract,
        buyer_reference=doc.buyer_reference or "",
        purchase_order=doc.purchase_order or "",
        corrects=tuple(str(n) for n in doc.corrects),
        corrects_text=_corrects_text(doc, corrected or {}, labels, language),
        lines=tuple(_line(line, doc, consumer, labels, style, language) for line in doc.lines),
        vat_groups=tuple(_vat_group(group, doc, labels, style) for group in doc.totals.groups),
        total_net=formats.money(doc.totals.net, currency, style),
        total_vat=formats.money(doc.totals.vat, currency, style),
        total_gross=formats.money(doc.totals.gross, currency, style),
        amount_due=formats.money(doc.totals.gross, currency, style),
        price_note=labels.all_prices_include_vat if consumer else "",
        notes=tuple(notes),
        amounts=Amounts(net=f"{doc.totals.net:f}", vat=f"{doc.totals.vat:f}", gross=f"{doc.totals.gross:f}"),
    )


def view_json(view: InvoiceView) -> str:
    """The view as the JSON a template reads from `sys.inputs.avtale`: keys as the records name them."""
    return json.dumps(attrs.asdict(view), ensure_ascii=False, separators=(",", ":"))
