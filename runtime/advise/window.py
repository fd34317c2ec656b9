"""The advisor's window: the whole calendar months before the as-of date's month."""

from __future__ import annotations

import calendar
from datetime import date
from fractions import Fraction

import attrs

from compiler.calendar import add_months


@attrs.frozen(kw_only=True)
class Window:
    start: date
    end: date
    """Exclusive: the first day of the as-of date's month."""
    months: int

    @property
    def last_day(self) -> date:
        return date.fromordinal(self.end.toordinal() - 1)


def window_before(as_of: date, months: int) -> Window:
    """The `months` whole calendar months before the month of `as_of`."""
    end = as_of.replace(day=1)
    return Window(start=add_months(end, -months), end=end, months=months)


def months_in_force(window: Window, start: date, end: date | None) -> Fraction:
    """How many of the window's months the contract ran in [start, end): a month in part counts by its days,
    so that a contract started on 16 June 2026 ran 0.5 of June."""
    first, last = max(window.start, start), min(window.end, end or window.end)
    total = Fraction(0)
    month = window.start
    while month < window.end:
        following = add_months(month, 1)
        days = (min(following, last) - max(month, first)).days
        if days > 0:
            total += Fraction(days, calendar.monthrange(month.year, month.month)[1])
        month = following
    return total
