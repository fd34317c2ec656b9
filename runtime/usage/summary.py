"""Totals per contract and metric, per calendar month and over the whole range, for people."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import attrs
import duckdb

from runtime.usage.layout import GAUGES, Layout
from runtime.usage.metering import (
    NEAR_LIMIT,
    OVERFLOW_PARTS,
    meter_periods,
    overflow,
    overflowing,
    period,
    plain,
    summed,
    total_sql,
)
from runtime.usage.readers import literal

_IN_RANGE = "($1::DATE IS NULL OR m.day >= $1::DATE) AND ($2::DATE IS NULL OR m.day < $2::DATE)"


@attrs.frozen(kw_only=True)
class MetricTotal:
    contract: str
    metric: str
    month: str | None
    """YYYY-MM (Oslo local dates), or None for the total over the whole range."""
    events: int
    total: Decimal


@attrs.frozen(kw_only=True)
class UsageSummary:
    start: date | None
    end: date | None
    """The local dates [start, end) summarised; None means unbounded."""
    months: tuple[str, ...]
    totals: tuple[MetricTotal, ...]
    """Sorted by contract, metric, then month with the whole range last."""


def summarize(con: duckdb.DuckDBPyConnection, lay: Layout, start: date | None, end: date | None) -> UsageSummary:
    try:
        rows = con.execute(
            f"""
            SELECT m.contract, m.metric, strftime(m.day, '%Y-%m') AS month, count(*),
                   {plain(total_sql(lay, "m.metric"))}
            FROM measures m
            WHERE {_IN_RANGE}
            GROUP BY GROUPING SETS ((m.contract, m.metric, month), (m.contract, m.metric))
            ORDER BY m.contract, m.metric, month NULLS LAST
            """,
            [start, end],
        ).fetchall()
    except duckdb.OutOfRangeException as exc:
        raise _overflow(con, lay, start, end) from exc
    if any(m.function in GAUGES for m in lay.metrics):  # a gauge's level is metered per period (gauges.py)
        rows = _with_gauges(con, lay, rows, start, end)
    totals = tuple(
        MetricTotal(contract=c, metric=m, month=month, events=n, total=Decimal(total)) for c, m, month, n, total in rows
    )
    months = tuple(sorted({t.month for t in totals if t.month is not None}))
    return UsageSummary(start=start, end=end, months=months, totals=totals)


def _with_gauges(
    con: duckdb.DuckDBPyConnection, lay: Layout, rows: list[tuple[Any, ...]], start: date | None, end: date | None
) -> list[tuple[Any, ...]]:
    """The rows with each gauge's level filled in, metered in one call. A level holds without events,
    so a gauge with an event before the range's end has a row (perhaps of 0 events) for every month
    shown from its first event on, and a total over the range from its start (else the first event)
    to its end (else the end of the last month shown). A range with a start, no end and no event shows
    its start's month: the levels held then are still there to show."""
    gauges = [m.id for m in lay.metrics if m.function in GAUGES]
    months = sorted({row[2] for row in rows if row[2] is not None})
    if not months and start is not None and end is None:
        months = [f"{start:%Y-%m}"]
    counts = {(c, m, month): n for c, m, month, n, *_ in rows if m in gauges}
    held = con.execute(
        f"SELECT contract, metric, min(day) FROM measures WHERE metric IN ({', '.join(map(literal, gauges))}) "
        "AND ($1::DATE IS NULL OR day < $1::DATE) GROUP BY contract, metric",
        [end],
    ).fetchall()
    periods: dict[tuple[str, str, str | None], tuple[str, str, date, date]] = {}
    for contract, metric, first in held:
        for shown in months:
            if shown >= f"{first:%Y-%m}":
                since, until = _month(shown)
                periods[contract, metric, shown] = (
                    contract,
                    metric,
                    max(since, start or since),
                    min(until, end or until),
                )
        if end is not None or months:
            periods[contract, metric, None] = (contract, metric, start or first, end or _month(months[-1])[1])
    totals = meter_periods(con, lay, periods.values())
    found = [(*key, counts.get(key, 0), f"{totals[asked]:f}") for key, asked in periods.items()]
    found += [row for row in rows if row[1] not in gauges]
    return sorted(found, key=lambda row: (row[0], row[1], row[2] is None, row[2] or ""))


def _month(month: str) -> tuple[date, date]:
    """The local dates [first, next month's first) of a YYYY-MM month."""
    year, number = map(int, month.split("-"))
    return date(year, number, 1), date(year + number // 12, number % 12 + 1, 1)


def _overflow(con: duckdb.DuckDBPyConnection, lay: Layout, start: date | None, end: date | None) -> Exception:
    """Which total overflowed: a month that does on its own, else a total over the range (months
    that fit can add up to a range that does not)."""

    def what(contract: str, metric: str, month: str | None) -> str:
        return f"metric `{metric}` for contract {contract} " + (f"in {month}" if month else period(start, end))

    found = overflowing(
        con,
        f"""
        SELECT m.contract, m.metric, strftime(m.day, '%Y-%m') AS month, {OVERFLOW_PARTS}
        FROM measures m
        WHERE {_IN_RANGE} AND m.metric IN ({summed(lay)})
        GROUP BY GROUPING SETS ((m.contract, m.metric, month), (m.contract, m.metric))
        HAVING {NEAR_LIMIT}
        ORDER BY month IS NULL, abs(sum(m.num::DOUBLE)) DESC, m.contract, m.metric, month
        """,
        [start, end],
    )
    return overflow(found, what)
