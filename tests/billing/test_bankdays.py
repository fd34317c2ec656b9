"""Due dates on Norwegian bank days, against dates worked out by hand from a calendar.

2026: 1 January is a Thursday; Easter Sunday is 5 April (Maundy Thursday 2
April, Good Friday 3 April, Easter Monday 6 April); 17 May is a Sunday and 18
May a Monday; Ascension Day is 14 May; Whit Monday is 25 May; 24 December is a
Thursday, 25 and 26 December Friday and Saturday, 31 December a Thursday.
2027: 1 January is a Friday, 4 January a Monday.
"""

from __future__ import annotations

from datetime import date

import pytest

from runtime.billing.bankdays import due_date, next_bank_day


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 7, 15), date(2026, 7, 15)),  # a plain Wednesday
        (date(2026, 7, 18), date(2026, 7, 20)),  # Saturday -> Monday
        (date(2026, 7, 19), date(2026, 7, 20)),  # Sunday -> Monday
        (date(2026, 5, 17), date(2026, 5, 18)),  # Constitution Day, a Sunday
        (date(2026, 5, 1), date(2026, 5, 4)),  # Labour Day, a Friday -> Monday
        (date(2026, 5, 14), date(2026, 5, 15)),  # Ascension Day, Thursday -> Friday
        (date(2026, 5, 25), date(2026, 5, 26)),  # Whit Monday -> Tuesday
        (date(2026, 4, 2), date(2026, 4, 7)),  # Maundy Thursday -> Tuesday after Easter Monday
        (date(2026, 4, 3), date(2026, 4, 7)),  # Good Friday
        (date(2026, 4, 6), date(2026, 4, 7)),  # Easter Monday
        (date(2026, 4, 1), date(2026, 4, 1)),  # the Wednesday before Easter is a bank day
        (date(2026, 12, 23), date(2026, 12, 23)),  # a Wednesday
        (date(2026, 12, 24), date(2026, 12, 28)),  # Christmas Eve; 25, 26 holidays; 27 Sunday
        (date(2026, 12, 31), date(2027, 1, 4)),  # New Year's Eve; 1 Jan holiday; 2-3 weekend
        (date(2027, 1, 1), date(2027, 1, 4)),  # New Year's Day, a Friday
        (date(2025, 12, 24), date(2025, 12, 29)),  # Wednesday; 25, 26 holidays; 27-28 weekend
    ],
)
def test_next_bank_day(day: date, expected: date) -> None:
    assert next_bank_day(day) == expected


def test_due_date_adds_due_days() -> None:
    assert due_date(date(2026, 7, 1), 14, True) == date(2026, 7, 15)


def test_due_date_moves_to_the_next_bank_day() -> None:
    assert due_date(date(2026, 7, 4), 14, True) == date(2026, 7, 20)  # due Saturday 18 July
    assert due_date(date(2026, 12, 10), 14, True) == date(2026, 12, 28)  # due 24 December


def test_due_date_without_bank_days_keeps_a_saturday() -> None:
    assert due_date(date(2026, 7, 4), 14, False) == date(2026, 7, 18)
    assert due_date(date(2026, 12, 10), 14, False) == date(2026, 12, 24)


def test_due_date_zero_days() -> None:
    assert due_date(date(2026, 5, 17), 0, True) == date(2026, 5, 18)
    assert due_date(date(2026, 5, 17), 0, False) == date(2026, 5, 17)
