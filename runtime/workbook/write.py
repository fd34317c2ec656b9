"""The .xlsx bytes of the sheets: openpyxl writes the package, this module the rows (docs/spreadsheets.md).

openpyxl writes every part of the workbook (content types, relationships, the workbook with its
filter ranges, styles, each sheet's columns, frozen header and filter) and the header rows. The
data rows are written here as SpreadsheetML text and put into each sheet's `sheetData` after the
header: openpyxl builds an object per cell, about 30 µs each on a busy 2-core machine, which for
a million cells is half a minute; the text costs a tenth of that. Their number formats are
registered with openpyxl, so its styles part holds every style a row refers to.

Every cell is typed: amounts and quantities are numbers with a number format, dates are date
cells, so a spreadsheet sums, sorts and filters them without parsing text. The bytes depend
only on the sheets and the stamp: openpyxl would write the clock into docProps/core.xml and
into every zip entry's header, so the properties are set to the stamp and the archive is
written again with the stamp on every entry.
"""

from __future__ import annotations

import io
import re
import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from contextlib import ExitStack
from datetime import date, datetime
from decimal import Decimal
from typing import IO
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from compiler.money import minor_unit
from runtime.workbook.sheets import CellKind, Sheet

MAX_ROWS = 1_048_576
"""Rows a sheet can have in Excel and LibreOffice, the header included."""
ZIP_EPOCH = datetime(1980, 1, 1)
"""The earliest time a zip entry can carry."""
EXCEL_EPOCH = date(1899, 12, 30)
"""Day 0 of a spreadsheet's date serial numbers (1900 date system, as openpyxl writes them)."""
MAX_PLACES = 10
"""Decimal places shown at most for prices, quantities and rates finer than the currency's."""
MIN_WIDTH, MAX_WIDTH = 6, 50
"""Column widths in characters: room for a short header, and no column wider than a screenful of text."""
SPOOL = 32 * 1024 * 1024
"""Bytes of a sheet's rows kept in memory before they go to a temporary file."""
END_OF_HEADER = b"</row></sheetData>"
ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
"""Characters XML 1.0 cannot hold: shown as U+FFFD rather than refused."""

Value = str | int | Decimal | date | None


class WorkbookTooLarge(Exception):
    def __init__(self, sheet: str, rows: int) -> None:
        super().__init__(f"the {sheet} sheet would have {rows:,} rows; a spreadsheet holds {MAX_ROWS - 1:,} at most")
        self.sheet = sheet
        self.rows = rows


def _places(value: Decimal) -> int:
    """Decimal places the value needs (1.50 needs 1, 25 none)."""
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _decimals(currency: str) -> str:
    places = minor_unit(currency)
    return "." + "0" * places if places else ""


def number_format(kind: CellKind, value: Value, currency: str) -> str | None:
    """The cell's number format; None for text and blanks."""
    if kind == "text" or value is None or isinstance(value, str):
        return None
    if kind == "integer":
        return "0"
    if kind == "date":
        return "yyyy-mm-dd"
    if kind == "month":
        return "yyyy-mm"
    if kind == "money":
        return "#,##0" + _decimals(currency)
    if kind == "price":  # 129.00, but 0.004 per API call is not 0.00
        places = minor_unit(currency)
        if isinstance(value, Decimal) and _places(value) > places:
            return "#,##0." + "0" * places + "#" * (MAX_PLACES - places)
        return "#,##0" + _decimals(currency)
    if kind == "quantity":
        return "#,##0" if isinstance(value, Decimal) and _places(value) == 0 else "#,##0." + "#" * MAX_PLACES
    # rate: the cell holds the fraction (0.25), shown as a percentage (25%)
    return "0%" if isinstance(value, Decimal) and _places(value) == 0 else "0." + "#" * MAX_PLACES + "%"


def _shown(kind: CellKind, value: Value, currency: str) -> int:
    """About how many characters the value takes on screen, for the column's width."""
    if kind == "date":
        return 10
    if kind == "month":
        return 7
    if isinstance(value, Decimal):
        places = max(_places(value), minor_unit(currency) if kind in ("money", "price") else 0)
        return len(f"{value:,.{places}f}")
    return len(str(value))


class _Cells:
    """Each value's cell as SpreadsheetML, less its reference, and the width it needs. Style ids come from
    openpyxl, so that its styles part holds every style a row refers to; ids, amounts and dates repeat
    row after row, so what is made is kept (up to CACHED values)."""

    CACHED = 100_000

    def __init__(self, workbook: Workbook) -> None:
        self.sheet = workbook.create_sheet("styles")  # a scratch sheet to make cells on; removed before saving
        self.workbook = workbook
        self.styles: dict[str, int] = {}
        self.made: dict[tuple[object, ...], tuple[str, int]] = {}

    def style(self, fmt: str) -> int:
        found = self.styles.get(fmt)
        if found is None:
            cell = WriteOnlyCell(self.sheet)
            cell.number_format = fmt
            found = self.styles[fmt] = int(cell.style_id)
        return found

    def cell(self, kind: CellKind, value: Value, currency: str) -> tuple[str, int]:
        key = (kind, type(value), value, currency)
        found = self.made.get(key)
        if found is None:
            found = (self._body(kind, value, currency), _shown(kind, value, currency) + 1)
            if len(self.made) < self.CACHED:
                self.made[key] = found
        return found

    def _body(self, kind: CellKind, value: Value, currency: str) -> str:
        fmt = number_format(kind, value, currency)
        s = f' s="{self.style(fmt)}"' if fmt else ""
        if isinstance(value, str):
            return f'{s} t="inlineStr">{_text(value)}</c>'
        if isinstance(value, date):
            return f'{s} t="n"><v>{(value - EXCEL_EPOCH).days}</v></c>'
        if kind == "rate" and isinstance(value, Decimal):
            value = value / 100
        number = f"{value:f}" if isinstance(value, Decimal) else str(value)
        return f'{s} t="n"><v>{number}</v></c>'

    def done(self) -> None:
        self.workbook.remove(self.sheet)


MAX_TEXT = 32_767
"""Characters a cell can hold in Excel; a longer text is cut, and says so."""
ESCAPED = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
"""Text that reads as SpreadsheetML's own escape (`_x0041_` is `A`): its underscore is escaped in turn."""


def _text(value: str) -> str:
    if len(value) > MAX_TEXT:
        value = value[: MAX_TEXT - 1] + "…"
    value = ESCAPED.sub(r"_x005F_\1", value).replace("\r", "_x000D_")  # a bare CR would come back as LF
    text = escape(ILLEGAL.sub("\ufffd", value))
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f"<is><t{space}>{text}</t></is>"


def _rows(out: IO[bytes], sheet: Sheet, cells: _Cells) -> list[int]:
    """Write the sheet's data rows (from row 2) to `out`; the width each column needs."""
    widths = [len(column.header) + 3 for column in sheet.columns]  # the filter's button sits beside the header
    fields = [(i, get_column_letter(i + 1), column.kind, column.field) for i, column in enumerate(sheet.columns)]
    for number, record in enumerate(sheet.rows, start=2):
        currency = getattr(record, "currency", "")
        row = [f'<row r="{number}">']
        for i, letter, kind, field in fields:
            value = getattr(record, field)
            if value is None or value == "":
                continue
            body, width = cells.cell(kind, value, currency)
            row.append(f'<c r="{letter}{number}"{body}')
            if width > widths[i]:
                widths[i] = width
        row.append("</row>")
        out.write("".join(row).encode())
    return [min(MAX_WIDTH, max(MIN_WIDTH, w)) for w in widths]


def _add(workbook: Workbook, sheet: Sheet, widths: Sequence[int]) -> None:
    """The sheet as openpyxl writes it: column widths, the frozen header, the filter and the header row."""
    ws = workbook.create_sheet(sheet.title)
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"  # the header stays in view while scrolling
    ws.auto_filter.ref = f"A1:{get_column_letter(len(sheet.columns))}{len(sheet.rows) + 1}"
    header = []
    for column in sheet.columns:
        cell = WriteOnlyCell(ws, value=column.header)
        cell.font = Font(bold=True)
        header.append(cell)
    ws.append(header)


def _assemble(package: bytes, stamp: datetime, rows: dict[str, IO[bytes]]) -> bytes:
    """The package again, each sheet's rows after its header, every entry dated `stamp`."""
    when = max(stamp, ZIP_EPOCH).timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as source, zipfile.ZipFile(out, "w", allowZip64=True) as target:
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=when)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = entry.external_attr
            info.create_system = 3  # as on Unix wherever it is written, so the bytes do not depend on the OS
            data = source.read(entry)
            body = rows.get(entry.filename)
            if body is None:
                target.writestr(info, data)
                continue
            head, found, tail = data.partition(END_OF_HEADER)
            if not found or END_OF_HEADER in tail:
                raise AssertionError(f"{entry.filename}: not one header row as openpyxl writes it")
            with target.open(info, "w", force_zip64=True) as part:
                part.write(head + b"</row>")
                body.seek(0)
                shutil.copyfileobj(body, part)
                part.write(b"</sheetData>" + tail)
    return out.getvalue()


def workbook_bytes(sheets: Sequence[Sheet], stamp: datetime, title: str = "") -> bytes:
    """The workbook of `sheets`, dated `stamp` (naive, taken as UTC) in its properties and its archive.

    Raises WorkbookTooLarge when a sheet has more rows than a spreadsheet program opens."""
    for sheet in sheets:
        if len(sheet.rows) + 1 > MAX_ROWS:
            raise WorkbookTooLarge(sheet.title, len(sheet.rows))
    workbook = Workbook(write_only=True)
    workbook.properties.creator = "Avtale"
    workbook.properties.lastModifiedBy = None
    workbook.properties.title = title or None
    workbook.properties.created = stamp
    workbook.properties.modified = stamp
    cells = _Cells(workbook)
    with ExitStack() as stack:
        bodies = []
        for sheet in sheets:
            body = stack.enter_context(tempfile.SpooledTemporaryFile(SPOOL))
            bodies.append((body, _rows(body, sheet, cells)))
        cells.done()
        rows: dict[str, IO[bytes]] = {}
        for index, (sheet, (body, widths)) in enumerate(zip(sheets, bodies, strict=True), start=1):
            _add(workbook, sheet, widths)
            rows[f"xl/worksheets/sheet{index}.xml"] = body  # openpyxl numbers the sheets' parts in order
        package = io.BytesIO()
        with zipfile.ZipFile(package, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            ExcelWriter(workbook, archive).save()  # not save_workbook(), which stamps the clock as modified
        return _assemble(package.getvalue(), stamp, rows)
