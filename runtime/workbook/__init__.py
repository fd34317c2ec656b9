"""The workbook `avtale export xlsx` writes: issued documents, their lines, the schedule ahead and usage.

    records.py   typed rows, one class per sheet
    issued.py    documents and lines from the ledger's IssuedDocuments
    ahead.py     each contract's lines due in a window, lowered and priced as `avtale schedule` does
    metered.py   usage totals per contract, metric and month, as `avtale usage summary` counts them
    sheets.py    each sheet's columns: header, cell kind, field
    write.py     the .xlsx bytes (openpyxl), the same bytes for the same rows and stamp

Nothing here reads a clock or a file: the command line hands in the ledger's documents, the model,
the usage summary and the as-of date, and writes the bytes where it likes (docs/spreadsheets.md).
"""

from __future__ import annotations

from runtime.workbook.ahead import schedule_records
from runtime.workbook.issued import document_records, invoiced_lines, line_records
from runtime.workbook.metered import usage_records
from runtime.workbook.sheets import workbook_sheets
from runtime.workbook.write import workbook_bytes

__all__ = [
    "document_records",
    "invoiced_lines",
    "line_records",
    "schedule_records",
    "usage_records",
    "workbook_bytes",
    "workbook_sheets",
]
