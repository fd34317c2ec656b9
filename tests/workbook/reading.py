"""Reading a workbook back with openpyxl alone, as a spreadsheet program would see it."""

from __future__ import annotations

from pathlib import Path
from typing import Any, BinaryIO

import openpyxl
from openpyxl.cell import Cell


def book(path: Path | BinaryIO) -> Any:
    return openpyxl.load_workbook(path)


def records(sheet: Any) -> list[dict[str, Cell]]:
    """Each row below the header as {header: cell}."""
    rows = list(sheet.iter_rows())
    headers = [cell.value for cell in rows[0]]
    return [dict(zip(headers, row, strict=True)) for row in rows[1:]]


def values(row: dict[str, Cell], *names: str) -> tuple[Any, ...]:
    return tuple(row[name].value for name in names)
