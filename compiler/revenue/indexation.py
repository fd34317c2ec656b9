"""Indexation as variable consideration: known only from each adjustment date on (IFRS 15 ¶87-90).

A plan's view of the contract before an adjustment must not hold that adjustment's price, though
the index file may already have the values. `as_known` gives the index series as seen then: every
value an adjustment on or after `cut` would compare is set to the last one before it, so those
adjustments change nothing (0%) and are never blocked for a value not yet published. Billing prices
the lines of that view with these series, so there is still one pricing rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import attrs

from compiler import model
from dsl.ast import YearMonth


def adjustment_dates(contract: model.Contract, until: date) -> list[date]:
    """Every indexation adjustment of the contract before `until`, each once, in order."""
    days: set[date] = set()
    for indexation in contract.indexations:
        month, day = indexation.on
        for year in range(indexation.start.year, until.year + 1):
            try:
                candidate = date(year, month, day)
            except ValueError:  # 29 February in a common year: the last day of February, as billing does
                candidate = date(year, month, 28)
            if indexation.start <= candidate < until:
                days.add(candidate)
    return sorted(days)


def as_known(
    contract: model.Contract, indices: Mapping[str, model.Index], cut: date | None
) -> Mapping[str, model.Index]:
    """The index series as known before the adjustments on or after `cut` (None: all of them)."""
    if cut is None or not contract.indexations:
        return indices
    known = dict(indices)
    for indexation in contract.indexations:
        series = known.get(indexation.index)
        if series is None:
            continue
        month, day = indexation.on
        first = cut.year if (cut.month, cut.day) <= (month, day) else cut.year + 1  # first year not known
        base = dict(series.values).get(YearMonth(first - 2, indexation.compare_month))
        if base is None:
            continue  # the earlier value is missing: billing blocks that price, as it would anyway
        values = [
            (ym, value)
            for ym, value in series.values
            if not (ym.month == indexation.compare_month and ym.year >= first - 1)
        ]
        values += [
            (YearMonth(year, indexation.compare_month), base) for year in range(first - 1, max(first, cut.year + 60))
        ]
        known[indexation.index] = attrs.evolve(
            series, values=tuple(sorted(values, key=lambda item: (item[0].year, item[0].month)))
        )
    return known
