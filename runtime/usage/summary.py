"""Totals per contract and metric, per calendar month and over the whole range, for people."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import attrs
import duckdb

from runtime.usage.layout import Layout
from runtime.usage.metering import plain, total_sql


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
    rows = con.execute(
        f"""
        SELECT m.contract, m.metric, strftime(m.day, '%Y-%m') AS month, count(*), {plain(total_sql(lay, "m.metric"))}
        FROM measures m
        WHERE ($1::DATE IS NULL OR m.day >= $1::DATE) AND ($2::DATE IS NULL OR m.day < $2::DATE)
        GROUP BY GROUPING SETS ((m.contract, m.metric, month), (m.contract, m.metric))
        ORDER BY m.contract, m.metric, month NULLS LAST
        """,
        [start, end],
    ).fetchall()
    totals = tuple(
        MetricTotal(contract=c, metric=m, month=month, events=n, total=Decimal(total)) for c, m, month, n, total in rows
    )
    months = tuple(sorted({t.month for t in totals if t.month is not None}))
    return UsageSummary(start=start, end=end, months=months, totals=totals)
