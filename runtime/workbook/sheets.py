"""Each sheet's columns: the header a person reads, the kind of cell, and the record field it shows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import attrs

from runtime.workbook.records import DocumentRecord, LineRecord, ScheduleRecord, UsageRecord

CellKind = Literal["text", "integer", "date", "month", "money", "price", "quantity", "rate"]
"""text as is; integer `0`; date `yyyy-mm-dd`; month `yyyy-mm`; money in its currency's decimals
(`#,##0.00` for NOK); price with the currency's decimals and as many more as it has (0.004 per call);
quantity `#,##0` or with its decimals; rate a VAT percentage (25 shown as 25%)."""

Record = DocumentRecord | LineRecord | ScheduleRecord | UsageRecord


@attrs.frozen
class Column:
    header: str
    kind: CellKind
    field: str


@attrs.frozen
class Sheet:
    title: str
    columns: tuple[Column, ...]
    rows: Sequence[Record]
    empty: str
    """What an empty sheet means, for the command to say."""


DOCUMENTS = (
    Column("number", "integer", "number"),
    Column("kind", "text", "kind"),
    Column("issue date", "date", "issue_date"),
    Column("due date", "date", "due_date"),
    Column("customer", "text", "customer"),
    Column("customer name", "text", "customer_name"),
    Column("contract", "text", "contract"),
    Column("currency", "text", "currency"),
    Column("net", "money", "net"),
    Column("VAT", "money", "vat"),
    Column("gross", "money", "gross"),
    Column("KID", "text", "kid"),
    Column("corrects invoice", "integer", "corrects"),
)

LINES = (
    Column("number", "integer", "number"),
    Column("kind", "text", "kind"),
    Column("line", "integer", "line"),
    Column("contract", "text", "contract"),
    Column("charge", "text", "charge"),
    Column("line kind", "text", "line_kind"),
    Column("period from", "date", "period_from"),
    Column("period to", "date", "period_to"),
    Column("billing period from", "date", "cycle_from"),
    Column("billing period to", "date", "cycle_to"),
    Column("description", "text", "description"),
    Column("quantity", "quantity", "quantity"),
    Column("unit price", "price", "unit_price"),
    Column("net", "money", "net"),
    Column("VAT category", "text", "vat_category"),
    Column("VAT rate", "rate", "vat_rate"),
    Column("VAT", "money", "vat"),
    Column("currency", "text", "currency"),
    Column("corrects invoice", "integer", "corrects"),
)

SCHEDULE = (
    Column("contract", "text", "contract"),
    Column("customer", "text", "customer"),
    Column("customer name", "text", "customer_name"),
    Column("billing date", "date", "billing_date"),
    Column("charge", "text", "charge"),
    Column("line kind", "text", "line_kind"),
    Column("description", "text", "description"),
    Column("period from", "date", "period_from"),
    Column("period to", "date", "period_to"),
    Column("quantity", "quantity", "quantity"),
    Column("unit price", "price", "unit_price"),
    Column("net", "money", "net"),
    Column("VAT category", "text", "vat_category"),
    Column("VAT rate", "rate", "vat_rate"),
    Column("currency", "text", "currency"),
    Column("on invoice", "integer", "invoice"),
    Column("note", "text", "note"),
)

USAGE = (
    Column("contract", "text", "contract"),
    Column("customer", "text", "customer"),
    Column("customer name", "text", "customer_name"),
    Column("metric", "text", "metric"),
    Column("metric name", "text", "metric_label"),
    Column("month", "month", "month"),
    Column("events", "integer", "events"),
    Column("total", "quantity", "total"),
)


def workbook_sheets(
    documents: Sequence[DocumentRecord],
    lines: Sequence[LineRecord],
    schedule: Sequence[ScheduleRecord],
    usage: Sequence[UsageRecord],
) -> tuple[Sheet, ...]:
    """The four sheets, in the order a reader meets them."""
    return (
        Sheet("Documents", DOCUMENTS, documents, "no documents issued"),
        Sheet("Lines", LINES, lines, "no lines issued"),
        Sheet("Schedule", SCHEDULE, schedule, "no lines billed in the window"),
        Sheet("Usage", USAGE, usage, "no usage events"),
    )
