"""The error report as a spreadsheet: the input as it was, with each row's errors in an extra column.

Rows keep their numbers, so that the row a message names is the row the user sees.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from runtime.importing.reading import Table
from runtime.importing.rows import RowError
from runtime.importing.xlsx import save_workbook

ERROR_HEADING = "Feil"
_FILL = PatternFill("solid", fgColor="FFF2CC")


def _message(error: RowError) -> str:
    column = f"{error.column}: " if error.column else ""
    return f"{column}{error.message} ({error.help})"


def write_error_report(path: Path, tables: tuple[Table, ...], errors: tuple[RowError, ...]) -> None:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for index, table in enumerate(tables):
        title = (table.sheet or Path(table.file).stem)[:31] or f"Ark{index + 1}"
        sheet = workbook.create_sheet(title if title not in workbook.sheetnames else f"{title[:28]}-{index + 1}")
        width = len(table.headings)
        for column, heading in enumerate(table.headings, start=1):
            sheet.cell(row=1, column=column, value=heading).font = Font(bold=True)
        sheet.cell(row=1, column=width + 1, value=ERROR_HEADING).font = Font(bold=True)
        mine: dict[int, list[str]] = {}
        for error in errors:
            if error.place.file == table.file and error.place.sheet == table.sheet:
                mine.setdefault(error.place.row, []).append(_message(error))
        for row in table.rows:
            for column, value in enumerate(row.cells, start=1):
                sheet.cell(row=row.number, column=column, value=value)
            if row.number in mine:
                cell = sheet.cell(row=row.number, column=width + 1, value="\n".join(mine[row.number]))
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                for column in range(1, width + 2):
                    sheet.cell(row=row.number, column=column).fill = _FILL
        sheet.freeze_panes = "A2"
        sheet.column_dimensions[sheet.cell(row=1, column=width + 1).column_letter].width = 80
    save_workbook(workbook, path)
