"""Due dates on bank days.

A due date on a day the banks are closed is not a payable day in Norway: a
payment ordered for it is booked on the next bank day, so a customer who pays
"on the due date" would be late through no fault of their own. A due date that
falls on a non-bank day therefore moves to the next bank day.

Bank days are counted as Norwegian banks count them: Monday to Friday, except

- the public holidays (helligdager and 1 and 17 May, Lov om 1. og 17. mai som
  høgtidsdager), taken from the maintained calendar of the `holidays` package
  rather than computed here (Easter and the feasts that follow it move every
  year);
- 24 December and 31 December. They are not public holidays, and the
  `holidays` package does not list them, but Norwegian banks are closed on
  both (julaften og nyttårsaften er ikke bankdager), so they are not bank days
  here either.

Saturdays and Sundays are excluded by weekday, not by the calendar. Some
releases of `holidays` list every Sunday as a Norwegian holiday (Sunday is a
helligdag by law); the calendar is built with `include_sundays=False` so its
content is the same whatever the release's default, and only the holidays
that can fall on a weekday matter anyway. The `Norway` class is used directly
because `holidays.country_holidays` passes no such option on in the oldest
release allowed (0.50).

The calendar depends only on the year asked for, never on the clock or the
locale, and it is built once per year (`functools.lru_cache`, keeping the last
64 years asked for), so a bill run computing 100,000 due dates looks each one
up in a set.
"""

from __future__ import annotations

import functools
from datetime import date, timedelta

_CLOSED_EVERY_YEAR = ((12, 24), (12, 31))
"""Month and day of the days banks are closed that are not public holidays."""


@functools.lru_cache(maxsize=64)
def _closed(year: int) -> frozenset[date]:
    """The days of `year` besides weekends on which Norwegian banks are closed."""
    from holidays.countries.norway import Norway  # here: a tenth of a second that `check` need not pay

    public = Norway(years=year, include_sundays=False)
    days = {day for day in public if day.year == year}
    days.update(date(year, month, day) for month, day in _CLOSED_EVERY_YEAR)
    return frozenset(days)


def is_bank_day(day: date) -> bool:
    """Whether `day` is a Monday to Friday on which Norwegian banks are open."""
    return day.weekday() < 5 and day not in _closed(day.year)


def next_bank_day(day: date) -> date:
    """`day` itself when it is a bank day, else the first bank day after it."""
    while not is_bank_day(day):
        day += timedelta(days=1)
    return day


def due_date(issue_date: date, due_days: int, bank_days: bool) -> date:
    """`issue_date` plus `due_days`, moved to the next bank day when `bank_days` is true."""
    due = issue_date + timedelta(days=due_days)
    return next_bank_day(due) if bank_days else due
