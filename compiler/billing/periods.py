"""Billing periods and proration by actual days."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date

import attrs

from compiler.calendar import add_months, first_anchor


@attrs.frozen
class Period:
    """A billing period [start, end), and the full cycle [cycle_start, cycle_end) containing it.

    A partial period (the first one before the anchor date, or one cut short by
    termination or the horizon) is prorated against the days of its full cycle.
    """

    start: date
    end: date
    cycle_start: date
    cycle_end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def cycle_days(self) -> int:
        return (self.cycle_end - self.cycle_start).days

    @property
    def partial(self) -> bool:
        return (self.start, self.end) != (self.cycle_start, self.cycle_end)


def billing_periods(
    start: date, end: date | None, months: int, anchor: int | None, until: date, after: date | None = None
) -> Iterator[Period]:
    """The periods of a `months`-month cycle from `start` that begin before `until`.

    Only the contract's end (exclusive, None when open) cuts a period short; the
    horizon `until` decides which periods are listed, never how long they are.
    With `after`, the periods whose cycle ends on or before it may be left out:
    the listing starts a cycle before the one holding `after`, without walking
    the years before it.
    """
    stop = min(end, until) if end else until
    if stop <= start:
        return
    anchor_day = anchor or start.day
    first = first_anchor(start, anchor)
    base = first.replace(day=1)
    k = 0
    if after is not None and after > first:
        k = max(0, ((after.year - base.year) * 12 + after.month - base.month) // months - 1)
    elif first > start:
        yield Period(start, min(first, end) if end else first, add_months(base, -months, anchor_day), first)
    cycle_start = add_months(base, k * months, anchor_day)
    while cycle_start < stop:
        cycle_end = add_months(base, (k + 1) * months, anchor_day)
        yield Period(cycle_start, min(cycle_end, end) if end else cycle_end, cycle_start, cycle_end)
        cycle_start = cycle_end
        k += 1


def split(period: Period, cuts: list[date]) -> list[Period]:
    """The period cut at the given dates (those strictly inside it), same full cycle."""
    inside = [d for d in cuts if period.start < d < period.end]
    if not inside:
        return [period]
    points = [period.start, *sorted(set(inside)), period.end]
    return [Period(a, b, period.cycle_start, period.cycle_end) for a, b in itertools.pairwise(points)]
