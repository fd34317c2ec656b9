"""Documents and lines sheets from the ledger's issued documents."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal

from compiler.billing.lines import LineId
from runtime.ledger.documents import DOCUMENT_NAMES, IssuedDocument
from runtime.ledger.totals import line_vat
from runtime.workbook.records import DocumentRecord, LineRecord

ZERO = Decimal(0)
DAY = timedelta(days=1)


def _signed(doc: IssuedDocument, amount: Decimal) -> Decimal:
    # ZERO - 0.00 is 0.00, where -0.00 would be a negative zero
    return ZERO - amount if doc.kind == "credit_note" else amount


def _corrects(doc: IssuedDocument) -> int | str | None:
    if not doc.corrects:
        return None
    if len(doc.corrects) == 1:
        return doc.corrects[0]
    return ", ".join(str(n) for n in doc.corrects)


def document_records(documents: Sequence[IssuedDocument]) -> list[DocumentRecord]:
    """One row per document, in the ledger's order. The customer's name is the one on the document (the
    ledger's snapshot of its buyer); empty for a document issued before snapshots, which the command refuses."""
    return [
        DocumentRecord(
            number=doc.number,
            kind=DOCUMENT_NAMES[doc.kind],
            issue_date=doc.issue_date,
            due_date=doc.due_date,
            customer=doc.customer,
            customer_name=doc.parties.buyer.name if doc.parties is not None else "",
            contract=doc.contract,
            currency=doc.currency,
            net=_signed(doc, doc.totals.net),
            vat=_signed(doc, doc.totals.vat),
            gross=_signed(doc, doc.totals.gross),
            kid=doc.kid,
            corrects=_corrects(doc),
        )
        for doc in documents
    ]


def line_records(documents: Sequence[IssuedDocument]) -> list[LineRecord]:
    """One row per line of every document, each with its share of its VAT group's VAT."""
    out: list[LineRecord] = []
    for doc in documents:
        shares = line_vat(doc.lines, doc.totals, doc.currency)
        only = doc.corrects[0] if len(doc.corrects) == 1 else None
        for i, (line, vat) in enumerate(zip(doc.lines, shares, strict=True), start=1):
            out.append(
                LineRecord(
                    number=doc.number,
                    kind=DOCUMENT_NAMES[doc.kind],
                    line=i,
                    contract=line.contract,
                    charge=line.charge,
                    line_kind=line.kind,
                    period_from=line.period_start,
                    period_to=line.period_end - DAY,
                    cycle_from=line.billing_start,
                    cycle_to=line.billing_end - DAY,
                    description=line.description,
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    net=_signed(doc, line.net_amount),
                    vat_category=line.vat_category,
                    vat_rate=line.vat_rate,
                    vat=_signed(doc, vat),
                    currency=doc.currency,
                    corrects=line.corrects if line.corrects is not None else only,
                )
            )
    return out


def invoiced_lines(documents: Sequence[IssuedDocument]) -> dict[LineId, int]:
    """The latest invoice carrying each line identity, for the schedule's `invoice` column."""
    found: dict[LineId, int] = {}
    for doc in documents:
        if doc.kind != "invoice":
            continue
        for line in doc.lines:
            found[line.id] = max(doc.number, found.get(line.id, doc.number))
    return found
