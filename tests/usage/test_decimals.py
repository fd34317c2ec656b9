"""Values are exact decimals from the file's text to the total: never a float on the way."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from .helpers import csv, read, total

JAN = (date(2026, 1, 1), date(2026, 2, 1))


def _sum(folder: Path, *amounts: str) -> Decimal:
    rows = [f"e{i},A-1,payment.captured,2026-01-05T10:00:00Z,,{a}," for i, a in enumerate(amounts)]
    csv(folder, "events.csv", *rows)
    with read(folder) as usage:
        assert not usage.report.problems, usage.report.problems
        return total(usage, "A-1", "volume", *JAN)


def test_point_one_plus_point_two_is_point_three(tmp_path: Path) -> None:
    result = _sum(tmp_path, "0.1", "0.2")
    assert result == Decimal("0.3") and str(result) == "0.3"


def test_ten_decimals_and_eighteen_digits_survive(tmp_path: Path) -> None:
    result = _sum(tmp_path, "123456789012345678.0000000001", "-0.0000000001", "0.1234567890")
    assert result == Decimal("123456789012345678.1234567890")


def test_totals_grow_past_the_digits_a_value_may_have(tmp_path: Path) -> None:
    largest = "999999999999999999.9999999999"  # 18 digits before the point, 10 after
    assert _sum(tmp_path, largest, largest, largest) == Decimal("2999999999999999999.9999999997")


def test_a_hundred_thousand_cents_add_up_to_exactly_one_thousand(tmp_path: Path) -> None:
    rows = [f"e{i},A-1,payment.captured,2026-01-05T10:00:00Z,,0.01," for i in range(100_000)]
    csv(tmp_path, "events.csv", *rows)
    with read(tmp_path) as usage:
        assert total(usage, "A-1", "volume", *JAN) == Decimal("1000")


@pytest.mark.parametrize(
    ("amounts", "shown"),
    [
        (("1500.0000",), "1500"),
        (("0.5", "-0.5"), "0"),
        (("-12.5", "2.5"), "-10"),
        (("0.1000000000", "0.2"), "0.3"),
        (("12.7500",), "12.75"),
        (("123456789012345678.1234567890",), "123456789012345678.123456789"),
        (("100",), "100"),
    ],
)
def test_totals_drop_trailing_zeros_but_never_use_an_exponent(
    tmp_path: Path, amounts: tuple[str, ...], shown: str
) -> None:
    assert str(_sum(tmp_path, *amounts)) == shown


def test_signs_spaces_and_exponents_that_are_exact(tmp_path: Path) -> None:
    assert _sum(tmp_path, "+1", " 2 ", "-0.5", "1.5e1", ".25", "3.", "1E-10") == Decimal("20.7500000001")
