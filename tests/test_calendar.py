"""Date arithmetic: month steps clamp to the month's end and never drift."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compiler.calendar import add_duration, add_months, is_period_start
from compiler.model import Duration


def test_anchor_31_across_february() -> None:
    start = date(2026, 1, 31)
    steps = [add_months(start, n) for n in range(5)]
    assert steps == [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30), date(2026, 5, 31)]
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)  # leap year


def test_term_end_is_exclusive() -> None:
    assert add_duration(date(2026, 1, 1), Duration(count=36, unit="month")) == date(2029, 1, 1)
    assert add_duration(date(2026, 1, 1), Duration(count=30, unit="day")) == date(2026, 1, 31)
    assert add_duration(date(2024, 2, 29), Duration(count=1, unit="year")) == date(2025, 2, 28)


@pytest.mark.parametrize(
    ("day", "months", "anchor", "expected"),
    [
        (date(2026, 1, 15), 1, None, True),  # the start itself
        (date(2026, 2, 15), 1, None, True),
        (date(2026, 2, 16), 1, None, False),
        (date(2026, 4, 15), 3, None, True),
        (date(2026, 3, 15), 3, None, False),
        (date(2026, 2, 1), 1, 1, True),  # anchored on the 1st: a partial first period
        (date(2026, 5, 1), 3, 1, True),  # quarters counted from the first anchor date
        (date(2026, 4, 1), 3, 1, False),
    ],
)
def test_period_starts(day: date, months: int, anchor: int | None, expected: bool) -> None:
    assert is_period_start(day, date(2026, 1, 15), months, anchor) is expected


def test_anchor_31_period_starts() -> None:
    start = date(2026, 1, 31)
    assert is_period_start(date(2026, 2, 28), start, 1, 31)
    assert is_period_start(date(2026, 3, 31), start, 1, 31)
    assert not is_period_start(date(2026, 3, 28), start, 1, 31)


@given(st.dates(date(1990, 1, 1), date(2100, 12, 31)), st.integers(0, 600))
def test_months_never_drift(start: date, n: int) -> None:
    direct = add_months(start, n)
    assert direct.day == min(start.day, direct.day)
    assert (direct.year * 12 + direct.month) - (start.year * 12 + start.month) == n
    assert add_months(add_months(start, n), 0, start.day) == direct
