"""IFRS 15 step 5, recognising revenue as obligations are satisfied (¶31-45).

Each method says which share of an obligation is satisfied before a day:

- `ratably daily`, `over term`: over time (¶35(a), output method by time elapsed, ¶B15):
  straight line by days over the obligation's window;
- `ratably monthly`: over time, an equal share per calendar month, a partial month by its days;
- `at start`, `on DATE`: at a point in time (¶38): the whole on that day;
- `milestones`: each milestone's percentage on its date (an output method, ¶B15);
- `as consumed`: usage, recognised in the month of use at run time (¶B16 does not apply:
  the variable consideration is allocated wholly to the usage obligation, ¶85).

Rounding is cumulative (semantics.md): the revenue recognised before a day is
round(amount x satisfied share), and a month is the difference of two such
figures, so the months sum exactly to the amount.
"""

from __future__ import annotations

import calendar
import functools
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from compiler import model
from compiler.money import minor_unit, round_exact

ZERO = Fraction(0)
ONE = Fraction(1)


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    """The first day of the month after `day`'s."""
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)


def months_between(first: date, end: date) -> Iterator[date]:
    """The first day of each calendar month holding a day of [first, end)."""
    month = first_of_month(first)
    while month < end:
        yield month
        month = next_month(month)


@functools.lru_cache(maxsize=65536)
def month_weight(start: date, end: date) -> Fraction:
    """[start, end) counted in calendar months, a partial month by its days (`ratably monthly`)."""
    weight = ZERO
    for month in months_between(start, end):
        following = next_month(month)
        inside = (min(end, following) - max(start, month)).days
        days = calendar.monthrange(month.year, month.month)[1]
        weight += ONE if inside == days else Fraction(inside, days)
    return weight


def satisfied(revenue: model.Revenue, start: date, end: date, before: date) -> Fraction:
    """The share of an obligation recognised over [start, end) that is satisfied before the day `before`.

    An empty window is satisfied on its first day, as a point in time."""
    numerator, denominator = _share(revenue, start, end, before)
    return Fraction(numerator, denominator)


def _share(revenue: model.Revenue, start: date, end: date, before: date) -> tuple[int, int]:
    """`satisfied` as a pair of integers: most shares are days over days, and cheap so."""
    method = revenue.method
    if method == "as_consumed":
        return 0, 1
    if method == "at_start" or end <= start:
        return (1, 1) if before > start else (0, 1)
    if method == "on_date":
        return (1, 1) if before > (revenue.on or start) else (0, 1)
    if method == "milestones":
        share = sum((Fraction(p) / 100 for day, p in revenue.milestones if before > day), ZERO)
        return share.numerator, share.denominator
    if before <= start:
        return 0, 1
    if before >= end:
        return 1, 1
    if method == "ratably_monthly":
        share = month_weight(start, before) / month_weight(start, end)
        return share.numerator, share.denominator
    return (before - start).days, (end - start).days  # ratably daily, over term


def recognised_before(
    amount: Decimal, revenue: model.Revenue, start: date, end: date, before: date, currency: str
) -> Decimal:
    """Cumulative rounding: round(amount x share satisfied before `before`)."""
    numerator, denominator = _share(revenue, start, end, before)
    if numerator == 0:
        return Decimal(0)
    if numerator == denominator:
        return amount
    digits = minor_unit(currency)
    units = amount.scaleb(digits)
    if units == units.to_integral_value():  # an amount in whole minor units: one exact fraction, no Decimal one
        return round_exact(Fraction(int(units) * numerator, denominator * 10**digits), currency)
    return round_exact(Fraction(amount) * numerator / denominator, currency)


DAILY = model.Revenue(method="ratably_daily")


def spread_daily(amount: Decimal, start: date, end: date, currency: str) -> list[tuple[date, Decimal]]:
    """`amount` over [start, end) by days, per calendar month, cumulatively rounded: the invoiced
    policy's rule for one invoice line. An empty period is recognised on its first day."""
    if end <= start:
        return [(first_of_month(start), amount)]
    result: list[tuple[date, Decimal]] = []
    before = Decimal(0)
    for month in months_between(start, end):
        upto = recognised_before(amount, DAILY, start, end, next_month(month), currency)
        if upto != before:
            result.append((month, upto - before))
        before = upto
    return result


def last_day(end: date) -> date:
    """The last day of an exclusive end."""
    return end - timedelta(days=1)
