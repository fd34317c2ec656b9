"""Reading a sheet of an .xlsx workbook, or a .csv file, into headings and rows of cell values.

The first row holds the headings. Rows are numbered as the spreadsheet shows them (the heading row is
1), and columns get their letters (A, B, ..., AA), so that every message points where the user looks.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import attrs
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from runtime.importing.errors import ImportProblem
from runtime.importing.values import Cell, text


class ReadError(ImportProblem):
    """The file as a whole cannot be read (not a workbook, no such sheet, not UTF-8)."""


@attrs.frozen
class Row:
    number: int
    cells: tuple[Cell, ...]


@attrs.frozen
class Table:
    file: str
    """The path as given, for messages."""
    sheet: str | None
    """None for a .csv file."""
    headings: tuple[str, ...]
    rows: tuple[Row, ...]

    def where(self) -> str:
        return self.file if self.sheet is None else f"{self.file}, sheet {self.sheet}"

    def column(self, heading: str) -> int | None:
        """The index of the column with this heading (case and spaces aside), None if there is none."""
        wanted = heading.strip().casefold()
        for index, found in enumerate(self.headings):
            if found.strip().casefold() == wanted:
                return index
        return None


def column_letter(index: int) -> str:
    return str(get_column_letter(index + 1))


def _table(file: str, sheet: str | None, values: list[tuple[Cell, ...]], first: int = 1) -> Table:
    if not values:
        return Table(file, sheet, (), ())
    headings = tuple(text(v) or "" for v in values[0])
    rows = tuple(
        Row(first + offset, tuple(cells))
        for offset, cells in enumerate(values[1:], start=1)
        if any(text(v) is not None for v in cells)
    )
    return Table(file, sheet, headings, rows)


def read_xlsx(path: Path, sheet: str | None, shown: str, *, lenient_sheet: bool = False) -> Table:
    """The named sheet, or the first; with `lenient_sheet` (a sheet name from the built-in mapping) a
    workbook of one sheet is read whatever that sheet is called."""
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise ReadError(
            f"cannot read {shown} as an Excel workbook: {exc}", "save it as .xlsx (Excel 2007 or later) or as CSV UTF-8"
        ) from exc
    try:
        if sheet is None:
            worksheet = workbook.worksheets[0]
        elif sheet in workbook.sheetnames:
            worksheet = workbook[sheet]
        elif lenient_sheet and len(workbook.sheetnames) == 1:
            worksheet = workbook.worksheets[0]
        else:
            raise ReadError(
                f"{shown} has no sheet named `{sheet}`",
                f"its sheets are {', '.join(workbook.sheetnames)}; name one with --sheet or in the mapping",
            )
        values = [tuple(row) for row in worksheet.iter_rows(values_only=True)]
        return _table(shown, worksheet.title, values)
    finally:
        workbook.close()


def read_csv(path: Path, shown: str) -> Table:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReadError(f"cannot read {shown}: {exc.strerror or exc}", "check the path and its permissions") from exc
    try:
        content = data.decode("utf-8-sig")  # Excel's "CSV UTF-8" starts with a byte order mark
    except UnicodeDecodeError as exc:
        raise ReadError(
            f"{shown} is not UTF-8 (byte {exc.start + 1} cannot be read)",
            "in Excel, save as `CSV UTF-8 (kommadelt)`; or import the .xlsx file itself",
        ) from exc
    first_line = content.split("\n", 1)[0]
    # Norwegian Excel writes `;` (the comma is the decimal mark); others write `,`
    delimiter = ";" if first_line.count(";") >= first_line.count(",") and ";" in first_line else ","
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)
    values: list[tuple[Cell, ...]] = [tuple(cell or None for cell in row) for row in reader]
    return _table(shown, None, values)


def read_table(path: Path, sheet: str | None, shown: str | None = None, *, lenient_sheet: bool = False) -> Table:
    """The sheet (or the first one) of an .xlsx file, or a .csv file."""
    shown = shown or str(path)
    suffix = path.suffix.lower()
    if not path.is_file():
        raise ReadError(f"{shown} is not a file", "give the path of an .xlsx or .csv file")
    if suffix == ".csv":
        return read_csv(path, shown)
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(path, sheet, shown, lenient_sheet=lenient_sheet)
    raise ReadError(f"{shown} is neither .xlsx nor .csv", "save the spreadsheet as .xlsx, or as CSV UTF-8")
