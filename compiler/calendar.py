"""Date arithmetic with stated rules: months keep their day, clamped to the month's end."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from compiler.model import Duration

MONTH_NAMES = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]


def add_months(day: date, months: int, anchor: int | None = None) -> date:
    """`day` moved by whole months; the day of month is `anchor` (default: day's own),
    clamped to the last day of the target month, so the 31st never drifts."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(anchor or day.day, last))


def first_anchor(start: date, anchor: int | None) -> date:
    """The first anchor date on or after the start: where full billing cycles begin."""
    anchor_day = anchor or start.day
    first = add_months(start.replace(day=1), 0, anchor_day)
    return first if first >= start else add_months(start.replace(day=1), 1, anchor_day)


def is_period_start(day: date, start: date, months: int, anchor: int | None) -> bool:
    """Whether a billing period of `months` months starts on `day`.

    The first period starts on the contract's start date. Later periods start on
    the anchor day (default: the start date's day, clamped to short months),
    every `months` months from the first anchor date on or after the start; a
    first period shorter than a cycle is a partial period.
    """
    if day <= start:
        return day == start
    first = first_anchor(start, anchor)
    elapsed = (day.year - first.year) * 12 + day.month - first.month
    if elapsed < 0 or elapsed % months:
        return False
    return add_months(first.replace(day=1), elapsed, anchor or start.day) == day


def add_duration(day: date, duration: Duration) -> date:
    if duration.unit == "day":
        return day + timedelta(days=duration.count)
    months = duration.count * (12 if duration.unit == "year" else 1)
    return add_months(day, months)


def subtract_duration(day: date, duration: Duration) -> date:
    return add_duration(day, Duration(count=-duration.count, unit=duration.unit))
