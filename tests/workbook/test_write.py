"""The workbook writer on rows made by hand: number formats for fine prices, fractional quantities, odd VAT
rates and currencies without decimals, and the stamp on an archive dated before zip files could be."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from decimal import Decimal

from openpyxl.cell import Cell

from runtime.workbook import workbook_bytes, workbook_sheets
from runtime.workbook.records import LineRecord, UsageRecord
from tests.workbook.reading import book, records


def line(**changes: object) -> LineRecord:
    fields: dict[str, object] = {
        "number": 1,
        "kind": "invoice",
        "line": 1,
        "contract": "C-1",
        "charge": "api",
        "line_kind": "usage",
        "period_from": date(2026, 1, 1),
        "period_to": date(2026, 1, 31),
        "cycle_from": date(2026, 1, 1),
        "cycle_to": date(2026, 1, 31),
        "description": "API-kall",
        "quantity": Decimal("12345"),
        "unit_price": Decimal("0.004"),
        "net": Decimal("49.38"),
        "vat_category": "standard",
        "vat_rate": Decimal("25"),
        "vat": Decimal("12.35"),
        "currency": "NOK",
        "corrects": None,
    }
    fields.update(changes)
    return LineRecord(**fields)  # type: ignore[arg-type]


def read(data: bytes, sheet: str) -> list[dict[str, Cell]]:
    return records(book(io.BytesIO(data))[sheet])


def test_formats_follow_the_value_and_the_currency() -> None:
    lines = [
        line(),
        line(quantity=Decimal("1.5"), unit_price=Decimal("129.00"), vat_rate=Decimal("12.5")),
        line(currency="JPY", net=Decimal("1000"), unit_price=Decimal("1000"), vat=Decimal("250")),
    ]
    data = workbook_bytes(workbook_sheets([], lines, [], []), datetime(2026, 3, 1))
    fine, half, yen = read(data, "Lines")
    assert (fine["unit price"].value, fine["unit price"].number_format) == (0.004, "#,##0.00########")
    assert (fine["quantity"].value, fine["quantity"].number_format) == (12345, "#,##0")
    assert (fine["net"].number_format, fine["VAT rate"].number_format) == ("#,##0.00", "0%")
    assert (half["quantity"].value, half["quantity"].number_format) == (1.5, "#,##0.##########")
    assert half["unit price"].number_format == "#,##0.00"
    assert (half["VAT rate"].value, half["VAT rate"].number_format) == (0.125, "0.##########%")
    assert (yen["net"].value, yen["net"].number_format) == (1000, "#,##0")
    assert yen["unit price"].number_format == "#,##0"


def test_a_stamp_before_1980_dates_the_archive_1980_and_the_properties_as_given() -> None:
    usage = [
        UsageRecord(
            contract="C-1",
            customer="buyer",
            customer_name="Kjøper AS",
            metric="calls",
            metric_label="API-kall",
            month=date(1975, 5, 1),
            events=2,
            total=Decimal("7"),
        )
    ]
    data = workbook_bytes(workbook_sheets([], [], [], usage), datetime(1975, 5, 17))
    assert data == workbook_bytes(workbook_sheets([], [], [], usage), datetime(1975, 5, 17))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert "1975-05-17T00:00:00Z" in archive.read("docProps/core.xml").decode()
    (row,) = read(data, "Usage")
    assert row["customer name"].value == "Kjøper AS"
    assert row["month"].value == datetime(1975, 5, 1)


def test_text_is_kept_as_written_except_what_xml_cannot_hold() -> None:
    text = " Rabatt & <tilbud> «50 %»\x01"
    data = workbook_bytes(workbook_sheets([], [line(description=text)], [], []), datetime(2026, 3, 1))
    (row,) = read(data, "Lines")
    assert row["description"].value == " Rabatt & <tilbud> «50 %»\ufffd"
    assert row["description"].data_type == "s"
