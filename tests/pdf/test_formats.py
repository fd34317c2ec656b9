"""Numbers, amounts and dates as the documents write them, against figures written out by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from runtime.pdf import formats
from runtime.pdf.formats import ENGLISH, NORWEGIAN

NB = "\u00a0"  # the no-break space between groups of digits


@pytest.mark.parametrize(
    ("value", "norwegian", "english"),
    [
        ("0", "0,00", "0.00"),
        ("5", "5,00", "5.00"),
        ("999.5", "999,50", "999.50"),
        ("1234.5", f"1{NB}234,50", "1,234.50"),
        ("1171078.26", f"1{NB}171{NB}078,26", "1,171,078.26"),
        ("-499", "\u2212499,00", "\u2212499.00"),
        ("0.005", "0,01", "0.01"),  # half up
        ("-0.005", "\u22120,01", "\u22120.01"),
    ],
)
def test_money(value: str, norwegian: str, english: str) -> None:
    assert formats.money(Decimal(value), "NOK", NORWEGIAN) == norwegian
    assert formats.money(Decimal(value), "NOK", ENGLISH) == english


def test_money_in_a_currency_without_minor_unit() -> None:
    assert formats.money(Decimal("1234"), "JPY", NORWEGIAN) == f"1{NB}234"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("40", "40"),
        ("12.5", "12,5"),
        ("12.50", "12,5"),
        ("10000", f"10{NB}000"),
        ("0.25", "0,25"),
        ("1E+3", f"1{NB}000"),
    ],
)
def test_quantity_keeps_the_decimals_it_has(value: str, shown: str) -> None:
    assert formats.number(Decimal(value), NORWEGIAN) == shown


def test_unit_price_finer_than_the_currency_keeps_its_decimals() -> None:
    assert formats.unit_price(Decimal("0.004"), "NOK", NORWEGIAN) == "0,004"
    assert formats.unit_price(Decimal("149"), "NOK", NORWEGIAN) == "149,00"
    assert formats.unit_price(Decimal("1.0625"), "NOK", NORWEGIAN) == "1,0625"


def test_percent_and_dates_and_orgnr() -> None:
    assert formats.percent(Decimal(25), NORWEGIAN) == f"25{NB}%"
    assert formats.percent(Decimal("12.5"), ENGLISH) == f"12.5{NB}%"
    assert formats.day(date(2026, 3, 1), "nb") == "01.03.2026"
    assert formats.day(date(2026, 3, 1), "nn") == "01.03.2026"
    assert formats.day(date(2026, 3, 1), "en") == "2026-03-01"
    assert formats.orgnr("925792403") == "925 792 403"
    assert formats.orgnr("12345") == "12345"
