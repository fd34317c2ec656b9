"""The data rows are written as SpreadsheetML text (runtime/workbook/write.py), not cell by cell through
openpyxl. Written both ways, the example workspace's sheets must read back the same: every value, type
and number format."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from runtime.ledger.store import Ledger
from runtime.loader import load
from runtime.usage import read_usage
from runtime.workbook import (
    document_records,
    invoiced_lines,
    line_records,
    schedule_records,
    usage_records,
    workbook_bytes,
    workbook_sheets,
)
from runtime.workbook.sheets import Sheet
from runtime.workbook.write import number_format
from tests.workbook.reading import book


def through_openpyxl(sheets: tuple[Sheet, ...]) -> bytes:
    """The sheets written the plain way: a cell object per value, openpyxl serialising it."""
    wb = Workbook()
    wb.remove(wb.active)
    for sheet in sheets:
        ws = wb.create_sheet(sheet.title)
        ws.append([column.header for column in sheet.columns])
        for r, record in enumerate(sheet.rows, start=2):
            currency = getattr(record, "currency", "")
            for c, column in enumerate(sheet.columns, start=1):
                value = getattr(record, column.field)
                if value is None or value == "":
                    continue
                cell = ws.cell(r, c, value / 100 if column.kind == "rate" else value)
                fmt = number_format(column.kind, value, currency)
                if fmt is not None:
                    cell.number_format = fmt
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def cells(data: bytes) -> dict[str, list[tuple[Any, ...]]]:
    def plain(value: Any) -> Any:
        return float(value) if isinstance(value, int | float | Decimal) and not isinstance(value, bool) else value

    return {
        ws.title: [(plain(c.value), c.data_type, c.number_format) for row in ws.iter_rows(min_row=2) for c in row]
        for ws in book(io.BytesIO(data))
    }


def test_rows_written_as_text_read_back_as_openpyxl_writes_them(billed: Path) -> None:
    workspace = load(billed)
    assert workspace.result is not None
    model = workspace.result.workspace
    with Ledger.open(billed / "ledger.sqlite", create=False, read_only=True) as ledger:
        documents = ledger.documents()
    folder = billed / workspace.settings.usage
    with read_usage(folder, model.metrics.values(), model.contracts, relative_to=billed) as events:
        usage = usage_records(events.summary(), model)
    sheets = workbook_sheets(
        document_records(documents),
        line_records(documents),
        schedule_records(model, date(2026, 3, 1), date(2027, 3, 1), invoiced_lines(documents)),
        usage,
    )
    assert all(sheet.rows for sheet in sheets)
    ours = cells(workbook_bytes(sheets, datetime(2026, 3, 1)))
    theirs = cells(through_openpyxl(sheets))
    assert ours.keys() == theirs.keys()
    for title in ours:
        assert ours[title] == theirs[title], title
