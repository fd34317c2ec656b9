"""Proration in the unit the price is stated in (semantics.md, Prices).

A stretch of a billing period is charged whole units of the price's period at
the full price, plus the days left over at `price x days / days of the unit
that contains them`. Units lie on the billing grid: a cycle is cut into units
of the price's period from its first day (the anchor day, clamped to short
months like every other month step). "2,500.00 per month" billed quarterly
from 1 January therefore bills March alone at exactly 2,500.00, not 7,500.00 x
31/90; "24,000.00 per year" ended after 120 days bills 120/365 of a year.

When the billing cycle is shorter than the price's period (a yearly price
billed monthly), the unit is the cycle: each month bills a twelfth of the year,
and days left over count against the days of their month. Either way a whole
cycle bills `price x cycle months / price months` exactly, and cutting a
stretch in two (at an amendment that changes nothing) never changes the sum.
"""

from __future__ import annotations

import functools
from datetime import date
from fractions import Fraction

import attrs

from compiler.calendar import add_months

PRICE_MONTHS = {"month": 1, "quarter": 3, "year": 12}
UNIT_NAMES = {1: "month", 3: "quarter", 12: "year"}


@attrs.frozen
class Proration:
    """How much of the price a stretch of days is charged: `whole` units plus partial units."""

    unit_months: int
    """The unit counted: 1 (a month), 3 (a quarter), 12 (a year) or a cycle of N months."""
    whole: int
    parts: tuple[tuple[int, int], ...]
    """Each partly covered unit: (days covered, days in that unit)."""

    @property
    def fraction(self) -> Fraction:
        """Units covered, exact: rounded only on the invoice line."""
        return Fraction(self.whole) + sum((Fraction(d, n) for d, n in self.parts), Fraction(0))

    @property
    def is_whole(self) -> bool:
        return not self.parts

    def describe(self) -> str:
        """`1 month + 21/31 days`, `245/365 days of a year`."""
        unit = UNIT_NAMES.get(self.unit_months, f"{self.unit_months}-month cycle")
        words = [f"{self.whole} {unit}{'s' if self.whole != 1 else ''}"] if self.whole or not self.parts else []
        words += [f"{d}/{n} days of a {unit}" for d, n in self.parts]
        return " + ".join(words)


def unit_months(cycle_months: int, price_months: int) -> int:
    """The unit a stretch is prorated in: the price's period, or the cycle when that is shorter
    (or when the price's period does not divide the cycle)."""
    if price_months <= cycle_months and cycle_months % price_months == 0:
        return price_months
    return cycle_months


@functools.cache
def whole_cycle(cycle_months: int, unit: int) -> Proration:
    """A whole cycle: every unit in it covered."""
    return Proration(unit_months=unit, whole=cycle_months // unit, parts=())


def prorate(start: date, end: date, cycle_start: date, unit: int, anchor_day: int) -> Proration:
    """The units of `unit` months that [start, end) covers, on the grid of units from `cycle_start`."""
    whole = 0
    parts: list[tuple[int, int]] = []
    base = cycle_start.replace(day=1)
    step = 0
    unit_start = cycle_start
    while unit_start < end:
        step += 1
        unit_end = add_months(base, step * unit, anchor_day)
        covered = (min(end, unit_end) - max(start, unit_start)).days
        if covered > 0:
            length = (unit_end - unit_start).days
            if covered == length:
                whole += 1
            else:
                parts.append((covered, length))
        unit_start = unit_end
    return Proration(unit_months=unit, whole=whole, parts=tuple(parts))
