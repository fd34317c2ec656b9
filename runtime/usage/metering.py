"""Metric totals for requested periods: one DuckDB query joining the periods to the events.

The billing engine asks for (contract, metric, [start, end)) in Oslo local dates;
the periods go in as a table, so any number of them costs one join and one
GROUP BY rather than a query per contract. Per-event prices (per_event.py) and
gauges (gauges.py) are parts of the same query, a UNION ALL, only when asked
for: a call with neither runs the plain join alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal, localcontext
from typing import Any, NamedTuple, TypeVar

import duckdb

from compiler.billing.pricing.base import PerEvent
from runtime.usage import gauges as gauge
from runtime.usage import per_event
from runtime.usage.database import UsageError
from runtime.usage.layout import GAUGES, Layout
from runtime.usage.readers import literal
from runtime.usage.validation import MAX_DECIMALS, TOTAL_DIGITS

_AGGREGATE = {
    "count": "count(m.metric)",
    "sum": "coalesce(sum(m.num), 0)",
    "max": "coalesce(max(m.num), 0)",
    "unique": "count(DISTINCT m.key)",
    # the last event by time; equal times are ordered by event id, the greatest last
    "latest": "coalesce(arg_max(m.num, row(m.ts, m.id)), 0)",
}


class PeriodRequest(NamedTuple):
    """A metric's total for one contract over the local dates [start, end).

    A plain tuple too, so `(contract, metric, start, end)` tuples work as requests and as keys.
    """

    contract: str
    metric: str
    start: date
    end: date


def plain(total: str) -> str:
    """SQL turning a DECIMAL(38, 10) total into its shortest exact text: 1500, 0.3, 12.75.

    Trailing zeros go in DuckDB; Python then builds Decimals from short strings,
    several times faster than fetching DECIMAL values and normalising them.
    """
    return f"rtrim(rtrim(({total})::VARCHAR, '0'), '.')"


def total_sql(lay: Layout, metric: str) -> str:
    """The total of the metric named by the SQL expression `metric`, over joined measures `m`."""
    cases = " ".join(
        f"WHEN {literal(m.id)} THEN ({_AGGREGATE[m.function]})::DECIMAL(38, 10)"
        for m in lay.metrics
        if m.function in _AGGREGATE  # gauges are not aggregated by group: gauges.py
    )
    return f"CASE {metric} {cases} END" if cases else "NULL::DECIMAL(38, 10)"


def summed(lay: Layout) -> str:
    """The metrics whose totals can outgrow their values, as an SQL list: only sums add values up."""
    return ", ".join(literal(m.id) for m in lay.metrics if m.function == "sum") or "NULL"


def period(start: date | None, end: date | None) -> str:
    """The local dates [start, end) in words, the last day included."""
    if start is None and end is None:
        return "over all dates"
    if end is None:
        return f"from {start} on"
    last = date.fromordinal(end.toordinal() - 1)
    return f"up to {last}" if start is None else f"from {start} to {last}"


OVERFLOW_PARTS = "sum(trunc(m.num)::HUGEINT), sum(m.num - trunc(m.num)), max(abs(m.num)), arg_max(m.id, abs(m.num))"
"""What overflow() needs of each group of measures `m`: its total, exactly, in two parts that cannot
overflow themselves (whole units, and the fractions), then its largest value and that event's id."""
NEAR_LIMIT = f"abs(sum(m.num::DOUBLE)) >= 9e{TOTAL_DIGITS - 1}"
"""A HAVING clause keeping only the groups that may have overflowed (a float sum is close enough)."""


def overflowing(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> tuple[Any, ...] | None:
    """Which group's total is beyond DECIMAL(38, 10): DuckDB's error does not say.

    `sql` selects, per group of measures `m`, its key, then OVERFLOW_PARTS, HAVING NEAR_LIMIT, in
    the order the caller prefers; the first group whose exact total is out of range is returned
    (key, whole, fraction, largest value, its event id), else the first group, if any."""
    limit = 10**TOTAL_DIGITS
    with localcontext() as exact:
        exact.prec = 2 * (TOTAL_DIGITS + MAX_DECIMALS)
        rows = con.execute(sql, params).fetchall()
        return next((row for row in rows if abs(row[-4] + row[-3]) >= limit), rows[0] if rows else None)


def overflow(found: tuple[Any, ...] | None, what: Callable[..., str]) -> UsageError:
    """The error for a total beyond DECIMAL(38, 10); `what(*key)` says whose total it is,
    e.g. "metric `x` for contract A in 2026-03", for the group overflowing() found."""
    if found is None:  # pragma: no cover - an overflow has a large sum behind it
        return UsageError(
            f"a metric total does not fit in {TOTAL_DIGITS} digits before the point",
            "look for values with a misplaced decimal point or in the wrong unit",
        )
    *key, _, _, largest, event = found
    return UsageError(
        f"the total of {what(*key)} does not fit in {TOTAL_DIGITS} digits before the point",
        f"its largest value is {largest.normalize():f} (event `{event}`); "
        "look for values with a misplaced decimal point or in the wrong unit",
    )


Key = tuple[str, str, date, date] | tuple[str, str, date, date, PerEvent]
"""A request: (contract, metric, start, end) for a metric's total, or with a `PerEvent` fifth for
the sum of each event's fee under a per-event price (per_event.py)."""
Request = TypeVar("Request", bound=Key)


def meter_periods(con: duckdb.DuckDBPyConnection, lay: Layout, periods: Iterable[Request]) -> dict[Request, Decimal]:
    """Each requested period's total (0 when no event falls in it), keyed by the request as given."""
    keys = list(dict.fromkeys(periods))
    functions = {m.id: m.function for m in lay.metrics}
    totals: list[int] = []
    fees: list[tuple[int, str, str, date, date, PerEvent]] = []
    gauges: list[tuple[int, str, str, date, date]] = []
    for i, key in enumerate(keys):
        contract, metric, start, end, *price = key
        function = functions.get(metric)
        if function is None:
            raise ValueError(f"no metric `{metric}` was given when the usage was read")
        if start >= end:
            raise ValueError(f"period [{start}, {end}) for {contract} is empty")
        if price:
            if function != "sum":
                raise ValueError(f"a price per event needs a `sum` metric, not `{function}` (`{metric}`)")
            fees.append((i, contract, metric, start, end, price[0]))
        elif function in GAUGES:
            gauges.append((i, contract, metric, start, end))
        else:
            totals.append(i)
    if not keys:
        return {}
    low, high = _contract_numbers(con, min(k[0] for k in keys), max(k[0] for k in keys))
    if not fees and not gauges:
        texts = _totals(con, lay, keys, totals, low, high)
    else:
        texts = _mixed(con, lay, keys, totals, fees, gauges, low, high)
    return {key: Decimal(texts[i]) for i, key in enumerate(keys)}


def _contract_numbers(con: duckdb.DuckDBPyConnection, first: str, last: str) -> tuple[int, int]:
    # The range of contract numbers lets DuckDB skip the row groups of other contracts
    # (measures is sorted by it): a bill run meters a chunk of adjacent contracts at a time.
    found = con.execute(
        "SELECT coalesce(min(cno), -1), coalesce(max(cno), -1) FROM known WHERE contract >= $1 AND contract <= $2",
        [first, last],
    ).fetchone()
    return (found[0], found[1]) if found else (-1, -1)


def _create_totals(con: duckdb.DuckDBPyConnection, keys: list[Any], totals: list[int]) -> None:
    """The table `requests` of the totals asked for; `i` indexes `keys`."""
    every = len(totals) == len(keys)
    requests = keys if every else [keys[i] for i in totals]
    con.execute(
        "CREATE OR REPLACE TEMP TABLE requests AS SELECT "
        + ("unnest(range($1::BIGINT)) AS i, " if every else "unnest($1::BIGINT[]) AS i, ")
        + "unnest($2::VARCHAR[]) AS contract, unnest($3::VARCHAR[]) AS metric, "
        "unnest($4::DATE[]) AS start_day, unnest($5::DATE[]) AS end_day",
        [
            len(keys) if every else totals,
            [r[0] for r in requests],
            [r[1] for r in requests],
            [r[2] for r in requests],
            [r[3] for r in requests],
        ],
    )


def _totals_select(lay: Layout, extra: str) -> str:
    return f"""
        SELECT r.i, {plain(total_sql(lay, "r.metric"))}{extra}
        FROM requests r
        LEFT JOIN (SELECT * FROM measures WHERE cno >= $1 AND cno <= $2) m
          ON m.contract = r.contract AND m.metric = r.metric AND m.day >= r.start_day AND m.day < r.end_day
        GROUP BY r.i, r.metric
        """


def _totals(
    con: duckdb.DuckDBPyConnection, lay: Layout, keys: list[Any], totals: list[int], low: int, high: int
) -> dict[int, str]:
    """Only totals of count, sum, max, unique and latest metrics: one join and one GROUP BY, rows (i, text)."""
    _create_totals(con, keys, totals)
    return dict(_execute(con, lay, _totals_select(lay, ""), [low, high], True))


def _mixed(
    con: duckdb.DuckDBPyConnection,
    lay: Layout,
    keys: list[Any],
    totals: list[int],
    fees: list[tuple[int, str, str, date, date, PerEvent]],
    gauges: list[tuple[int, str, str, date, date]],
    low: int,
    high: int,
) -> dict[int, str]:
    """Any requests, as one query: a UNION ALL of a part per kind, rows (i, text, whole, fraction, n)."""
    function = {m.id: m.function for m in lay.metrics}
    ctes: list[str] = []
    parts: list[str] = []
    if totals:
        _create_totals(con, keys, totals)
        parts.append(_totals_select(lay, ", NULL::HUGEINT, NULL::HUGEINT, NULL::BIGINT"))
    scale = None
    if fees:
        scale = per_event.create_requests(con, fees)
        parts.append(per_event.select(scale))
    if gauges:
        gauge.create_requests(con, lay, gauges)
        kinds = {function[g[2]] for g in gauges}
        daily, other = "daily_average" in kinds, bool(kinds - {"daily_average"})
        ctes += gauge.ctes(lay, daily, other)
        parts += gauge.selects(daily, other)
    sql = ("WITH " + ", ".join(ctes) if ctes else "") + " UNION ALL ".join(parts)
    texts: dict[int, str] = {}
    for i, text, whole, fraction, n in _execute(con, lay, sql, [low, high], bool(totals), scale):
        key = keys[i]
        if len(key) == 5:
            texts[i] = _trimmed(per_event.total(text, whole))
        elif function[key[1]] in GAUGES:
            texts[i] = _trimmed(gauge.total(function[key[1]], text, whole, fraction, n))
        else:
            texts[i] = text
    return texts


def _trimmed(text: str) -> str:
    """Exact decimal text without trailing zeros (as plain() does in SQL)."""
    return text.rstrip("0").rstrip(".") if "." in text else text


def _execute(
    con: duckdb.DuckDBPyConnection,
    lay: Layout,
    sql: str,
    params: list[Any],
    totals: bool,
    fee_scale: int | None = None,
) -> list[tuple[Any, ...]]:
    """Rows of `sql`; an overflow as an error naming the contract, metric and period. What can overflow:
    the total of a sum (DECIMAL(38, 10)), and one event's fee under a per-event price (DECIMAL(38,
    `fee_scale`)); the sums of fees and gauge integrals are taken in parts that cannot."""
    try:
        return con.execute(sql, params).fetchall()
    except duckdb.OutOfRangeException as exc:
        if fee_scale is not None and (fee := per_event.overflowing(con, fee_scale, params)) is not None:
            contract, metric, start, end, amount, event = fee
            digits = 38 - fee_scale
            raise UsageError(
                f"a fee per event on metric `{metric}` for contract {contract} {period(start, end)} "
                f"does not fit in {digits} digits before the point",
                f"its largest amount is {amount.normalize():f} (event `{event}`); fees are computed with "
                f"{fee_scale} decimals, the most any per-event price metered with it needs, which leaves {digits}: "
                "look for a misplaced decimal point or a value in the wrong unit",
            ) from exc
        if not totals:  # pragma: no cover - neither a fee nor a total: gauge integrals are summed in parts
            raise overflow(None, str) from exc
        found = overflowing(
            con,
            f"""
            SELECT r.contract, r.metric, r.start_day, r.end_day, {OVERFLOW_PARTS}
            FROM requests r
            JOIN (SELECT * FROM measures WHERE cno >= $1 AND cno <= $2) m
              ON m.contract = r.contract AND m.metric = r.metric AND m.day >= r.start_day AND m.day < r.end_day
            WHERE r.metric IN ({summed(lay)})
            GROUP BY r.i, r.contract, r.metric, r.start_day, r.end_day
            HAVING {NEAR_LIMIT}
            ORDER BY abs(sum(m.num::DOUBLE)) DESC, r.i
            """,
            params,
        )
        raise overflow(
            found, lambda c, metric, start, end: f"metric `{metric}` for contract {c} {period(start, end)}"
        ) from exc
