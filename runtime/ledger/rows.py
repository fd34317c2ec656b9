"""Documents to table rows and back. Decimals are stored as their exact text, dates as ISO text."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from compiler.billing.lines import LINE_KINDS, LineKind
from runtime.ledger.documents import KINDS, DraftLine, IssuedDocument, IssuedLine, Kind
from runtime.ledger.totals import Totals, VatGroup


class RevisionLike(Protocol):
    """What `revision_row` reads of a run's revision (store.RunRevision)."""

    @property
    def commit(self) -> str | None: ...

    @property
    def dirty(self) -> bool: ...


Row = Sequence[Any]
Raw = tuple[Row, list[Row], list[Row], list[int]]  # a document row with its lines, VAT groups and references

DOCUMENT_COLUMNS = (
    "series, number, kind, contract, customer, currency, issue_date, due_date, buyer_reference, "
    "purchase_order, kid, net, vat, gross, previous_hash, hash, run"
)
LINE_COLUMNS = (
    "series, number, line, contract, charge, description, period_start, period_end, quantity, "
    "unit_price, net_amount, vat_category, vat_rate, provenance, corrects, line_kind, discount, billing_start, "
    "billing_end"
)
VAT_COLUMNS = "series, number, position, category, rate, taxable, vat"
ISSUED_LINE_COLUMNS = (
    "contract, charge, period_start, period_end, net_amount, series, number, line, provenance, description, "
    "line_kind, discount, billing_start, billing_end, vat_category, vat_rate, corrects"
)
REF_COLUMNS = "series, number, position, invoice"


def document_row(doc: IssuedDocument) -> tuple[Any, ...]:
    return (
        doc.series,
        doc.number,
        doc.kind,
        doc.contract,
        doc.customer,
        doc.currency,
        doc.issue_date.isoformat(),
        doc.due_date.isoformat(),
        doc.buyer_reference,
        doc.purchase_order,
        doc.kid,
        str(doc.totals.net),
        str(doc.totals.vat),
        str(doc.totals.gross),
        doc.previous_hash,
        doc.hash,
        doc.issued_at_run,
    )


def line_rows(doc: IssuedDocument) -> list[tuple[Any, ...]]:
    return [
        (
            doc.series,
            doc.number,
            position,
            line.contract,
            line.charge,
            line.description,
            line.period_start.isoformat(),
            line.period_end.isoformat(),
            str(line.quantity),
            str(line.unit_price),
            str(line.net_amount),
            line.vat_category,
            str(line.vat_rate),
            line.provenance,
            line.corrects,
            line.kind,
            line.discount,
            line.billing_start.isoformat(),
            line.billing_end.isoformat(),
        )
        for position, line in enumerate(doc.lines, start=1)
    ]


def revision_row(revision: RevisionLike | None) -> tuple[str | None, int | None]:
    """A run's revision as the `revision` and `dirty` columns of bill_runs: both NULL when none is recorded."""
    if revision is None:
        return None, None
    return revision.commit, int(revision.dirty)


def vat_rows(doc: IssuedDocument) -> list[tuple[Any, ...]]:
    return [
        (doc.series, doc.number, position, g.category, str(g.rate), str(g.taxable), str(g.vat))
        for position, g in enumerate(doc.totals.groups, start=1)
    ]


def ref_rows(doc: IssuedDocument) -> list[tuple[Any, ...]]:
    return [(doc.series, doc.number, position, invoice) for position, invoice in enumerate(doc.corrects, start=1)]


def kind(value: object) -> Kind:
    for known in KINDS:
        if value == known:
            return known
    raise ValueError(f"unknown document kind {value!r}")


def decimal(value: object) -> Decimal:
    """A stored amount; anything but the text of a finite Decimal means the row was damaged."""
    if not isinstance(value, str):
        raise ValueError(f"amount {value!r} is not text")
    amount = Decimal(value)
    if not amount.is_finite():
        raise ValueError(f"amount {value!r} is not a finite number")
    return amount


def line_kind(value: object) -> LineKind:
    for known in LINE_KINDS:
        if value == known:
            return known
    raise ValueError(f"unknown line kind {value!r}")


def day(value: object) -> date:
    if not isinstance(value, str):
        raise ValueError(f"date {value!r} is not text")
    return date.fromisoformat(value)


def decode_line(row: Row) -> DraftLine:
    """A row in LINE_COLUMNS order, from `contract` on."""
    return DraftLine(
        contract=row[0],
        charge=row[1],
        description=row[2],
        period_start=day(row[3]),
        period_end=day(row[4]),
        quantity=decimal(row[5]),
        unit_price=decimal(row[6]),
        net_amount=decimal(row[7]),
        vat_category=row[8],
        vat_rate=decimal(row[9]),
        provenance=row[10],
        corrects=row[11],
        kind=line_kind(row[12]),
        discount=row[13],
        billing_start=day(row[14]),
        billing_end=day(row[15]),
    )


def decode_document(row: Row, lines: list[Row], groups: list[Row], refs: list[int]) -> IssuedDocument:
    """A row in DOCUMENT_COLUMNS order with its lines (LINE_COLUMNS from `contract`) and VAT groups."""
    totals = Totals(
        groups=tuple(
            VatGroup(category=g[0], rate=decimal(g[1]), taxable=decimal(g[2]), vat=decimal(g[3])) for g in groups
        ),
        net=decimal(row[11]),
        vat=decimal(row[12]),
        gross=decimal(row[13]),
    )
    return IssuedDocument(
        series=kind(row[0]),
        number=row[1],
        kind=kind(row[2]),
        contract=row[3],
        customer=row[4],
        currency=row[5],
        issue_date=day(row[6]),
        due_date=day(row[7]),
        buyer_reference=row[8],
        purchase_order=row[9],
        kid=row[10],
        totals=totals,
        previous_hash=row[14],
        hash=row[15],
        issued_at_run=row[16],
        lines=tuple(decode_line(line) for line in lines),
        corrects=tuple(refs),
    )


def issued_line(row: Row) -> IssuedLine:
    """A row of ISSUED_LINE_COLUMNS as reconciliation sees it: credit-note amounts negative."""
    net = decimal(row[4])
    return IssuedLine(
        contract=row[0],
        charge=row[1],
        period_start=day(row[2]),
        period_end=day(row[3]),
        net_amount=-net if row[5] == "credit_note" else net,
        series=kind(row[5]),
        number=row[6],
        line=row[7],
        provenance=row[8],
        description=row[9],
        kind=line_kind(row[10]),
        discount=row[11],
        billing_start=day(row[12]),
        billing_end=day(row[13]),
        vat_category=row[14],
        vat_rate=decimal(row[15]),
        corrects=row[16],
    )


SERIES_ORDER = "CASE series WHEN 'invoice' THEN 0 ELSE 1 END"


def read_raw(db: sqlite3.Connection, where: str, params: tuple[Any, ...]) -> list[Raw]:
    """Document rows with their line, VAT group and reference rows, in document order.

    `where` filters each of the four tables by their shared `series` and `number` columns.
    """
    docs = db.execute(
        f"SELECT {DOCUMENT_COLUMNS} FROM documents {where} ORDER BY {SERIES_ORDER}, number", params
    ).fetchall()
    lines: dict[tuple[str, int], list[Row]] = defaultdict(list)
    groups: dict[tuple[str, int], list[Row]] = defaultdict(list)
    refs: dict[tuple[str, int], list[int]] = defaultdict(list)
    for row in db.execute(f"SELECT {LINE_COLUMNS} FROM document_lines {where} ORDER BY line", params):
        lines[row[0], row[1]].append(row[3:])
    for row in db.execute(f"SELECT {VAT_COLUMNS} FROM document_vat {where} ORDER BY position", params):
        groups[row[0], row[1]].append(row[3:])
    for row in db.execute(f"SELECT {REF_COLUMNS} FROM document_refs {where} ORDER BY position", params):
        refs[row[0], row[1]].append(row[3])
    return [(doc, lines[doc[0], doc[1]], groups[doc[0], doc[1]], refs[doc[0], doc[1]]) for doc in docs]
