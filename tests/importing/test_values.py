"""Norwegian cell values, each reader against hand-written expectations."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from runtime.importing import values as v


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("31.01.2026", date(2026, 1, 31)),
        ("1.2.2026", date(2026, 2, 1)),
        ("2026-02-01", date(2026, 2, 1)),
        (datetime(2026, 3, 1), date(2026, 3, 1)),
        (date(2026, 3, 1), date(2026, 3, 1)),
    ],
)
def test_dates(cell: v.Cell, expected: date) -> None:
    assert v.read_date(cell) == expected


@pytest.mark.parametrize("cell", ["31.06.2025", "2026/01/01", "01.01.26", datetime(2026, 1, 1, 12, 30), 45000])
def test_bad_dates(cell: v.Cell) -> None:
    with pytest.raises(v.Unreadable):
        v.read_date(cell)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("1 234,50", "1234.50"),
        ("1.234,50", "1234.50"),
        ("kr 1.234,50", "1234.50"),
        ("NOK 1234.50", "1234.50"),
        ("1\u00a0234,5", "1234.50"),
        ("1 234 567,00 kr", "1234567.00"),
        ("349,-", "349.00"),
        (1234.5, "1234.50"),
        (0.1, "0.10"),
        (349, "349.00"),
    ],
)
def test_money(cell: v.Cell, expected: str) -> None:
    assert v.read_money(cell) == Decimal(expected)


@pytest.mark.parametrize("cell", ["1 290,555", 12.345, "1.234", "12,34,5", "kr", "-5,00", "abc", "1.23.456,00"])
def test_bad_money(cell: v.Cell) -> None:
    with pytest.raises(v.Unreadable):
        v.read_money(cell)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("15 %", "15"), ("15%", "15"), ("0,15", "15"), (0.15, "15"), ("12,5 %", "12.5"), (20, "20"), (1, "100")],
)
def test_percent(cell: v.Cell, expected: str) -> None:
    assert v.read_percent(cell) == Decimal(expected)


@pytest.mark.parametrize("cell", ["150 %", "0 %", "ti prosent", -0.1])
def test_bad_percent(cell: v.Cell) -> None:
    with pytest.raises(v.Unreadable):
        v.read_percent(cell)


@pytest.mark.parametrize(
    ("cell", "expected"), [("ja", True), ("Nei", False), ("x", True), ("yes", True), ("no", False), (True, True)]
)
def test_yes_no(cell: v.Cell, expected: bool) -> None:
    assert v.read_yes_no(cell) is expected


def test_orgnr_with_spaces_prefix_and_suffix() -> None:
    assert v.read_orgnr("976 240 391") == "976240391"
    assert v.read_orgnr("NO 976 240 391 MVA") == "976240391"
    assert v.read_orgnr(976240391) == "976240391"
    with pytest.raises(v.Unreadable):
        v.read_orgnr("976 240 392")  # check digit wrong


def test_postcode_gets_back_the_zero_excel_dropped() -> None:
    assert v.read_postcode(150, "NO") == "0150"
    assert v.read_postcode("5003", "NO") == "5003"
    assert v.read_postcode("111 34", "SE") == "111 34"
    with pytest.raises(v.Unreadable):
        v.read_postcode("50031", "NO")


def test_periods_languages_countries_and_quantities() -> None:
    assert [v.read_period(p) for p in ("måned", "Kvartal", "år", "yearly")] == ["month", "quarter", "year", "year"]
    assert [v.read_language(x) for x in ("bokmål", "nynorsk", "en")] == ["nb", "nn", "en"]
    assert [v.read_country(x) for x in ("Norge", "se", "DK")] == ["NO", "SE", "DK"]
    assert v.read_quantity(25.0) == Decimal(25)
    assert v.read_quantity("2,5") == Decimal("2.5")
    with pytest.raises(v.Unreadable):
        v.read_period("ukentlig")
    with pytest.raises(v.Unreadable):
        v.read_quantity(0)


def test_slug() -> None:
    assert v.slug("Bjørnstad Sæter Ålesund AS") == "bjornstad_saeter_alesund_as"
