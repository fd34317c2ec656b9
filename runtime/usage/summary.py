"""Totals per contract and metric, per calendar month and over the whole range, for people."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import attrs
import duckdb

from runtime.usage.layout import Layout
from runtime.usage.metering import NEAR_LIMIT, OVERFLOW_PARTS, overflow, overflowing, period, plain, summed, total_sql

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
    totals = tuple(
        MetricTotal(contract=c, metric=m, month=month, events=n, total=Decimal(total)) for c, m, month, n, total in rows
    )
    months = tuple(sorted({t.month for t in totals if t.month is not None}))
    return UsageSummary(start=start, end=end, months=months, totals=totals)


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
