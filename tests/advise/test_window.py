"""The window and the months a contract ran in it, worked out by hand."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from runtime.advise import months_in_force, window_before


def test_the_window_is_the_whole_months_before_the_as_of_month() -> None:
    window = window_before(date(2026, 3, 17), 12)
    assert (window.start, window.end, window.last_day) == (date(2025, 3, 1), date(2026, 3, 1), date(2026, 2, 28))
    assert window_before(date(2026, 1, 1), 1).start == date(2025, 12, 1)


def test_a_month_in_part_counts_by_its_days() -> None:
    june = window_before(date(2026, 7, 1), 1)
    assert months_in_force(june, date(2026, 6, 16), None) == Fraction(15, 30)  # 16-30 June
    # January to March 2026, started 17 January (15 of 31 days) and ended 15 March (14 of 31 days)
    quarter = window_before(date(2026, 4, 2), 3)
    assert months_in_force(quarter, date(2026, 1, 17), date(2026, 3, 15)) == Fraction(15, 31) + 1 + Fraction(14, 31)
    assert months_in_force(quarter, date(2024, 1, 1), None) == 3
    assert months_in_force(quarter, date(2026, 4, 1), None) == 0
