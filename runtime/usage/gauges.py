"""Gauge metrics (`time_weighted`, `daily_average`, `peak`): a level that holds from one event to the next.

Each event states the level from its instant on, until the contract's next event of the metric
(at equal instants the greatest event id holds, as for `latest`); before the first event the
level is 0. A period's level at its start is carried in from the last event at or before it, so
events before the period count: the SQL below takes it with an ASOF JOIN, and each event's end
with a window function, in the same query as every other total (metering.py).

The averages are divided in Python, from exact integers DuckDB returns, and rounded HALF_UP to
AVERAGE_DECIMALS decimals: the same result on every run and machine.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import duckdb

from runtime.usage.database import TIME_ZONE
from runtime.usage.layout import GAUGES, Layout
from runtime.usage.readers import literal
from runtime.usage.validation import MAX_DECIMALS

AVERAGE_DECIMALS = MAX_DECIMALS
"""`time_weighted` and `daily_average` are rounded HALF_UP to this many decimals (values have at most as many)."""

_SCALE = 10**MAX_DECIMALS


def create_requests(
    con: duckdb.DuckDBPyConnection, lay: Layout, keys: Sequence[tuple[int, str, str, date, date]]
) -> None:
    """The table `gauge_requests` of (index, contract, metric, start, end) the SQL below reads."""
    functions = {m.id: m.function for m in lay.metrics}
    con.execute(
        "CREATE OR REPLACE TEMP TABLE gauge_requests AS SELECT unnest($1::BIGINT[]) AS i, "
        "unnest($2::VARCHAR[]) AS contract, unnest($3::VARCHAR[]) AS metric, unnest($4::VARCHAR[]) AS kind, "
        "unnest($5::DATE[]) AS start_day, unnest($6::DATE[]) AS end_day",
        [
            [k[0] for k in keys],
            [k[1] for k in keys],
            [k[2] for k in keys],
            [functions[k[2]] for k in keys],
            [k[3] for k in keys],
            [k[4] for k in keys],
        ],
    )


def _instant(day: str) -> str:
    """The instant an Oslo local date starts (a 23- or 25-hour day ends an hour early or late)."""
    return f"timezone({literal(TIME_ZONE)}, {day}::TIMESTAMP)"


def ctes(lay: Layout, daily: bool, other: bool) -> list[str]:
    """The WITH clauses of the gauge parts; `$1`/`$2` bound the contract numbers, as for totals."""
    gauges = ", ".join(literal(m.id) for m in lay.metrics if m.function in GAUGES)
    found = [
        # Each instant's level (the greatest id at equal instants) and the instant the next one
        # starts (NULL: none before the last period's end, so it holds to the end).
        f"""levels AS (
            SELECT contract, metric, ts, day, num, lead(ts) OVER (PARTITION BY contract, metric ORDER BY ts) AS next_ts
            FROM (
                SELECT contract, metric, ts, any_value(day) AS day, arg_max(num, id) AS num
                FROM measures
                WHERE cno >= $1 AND cno <= $2 AND metric IN ({gauges})
                  AND day < (SELECT max(end_day) FROM gauge_requests)
                GROUP BY contract, metric, ts
            )
        )"""
    ]
    if other:
        # the level held at each period's start, and until when
        found.append(
            f"""held AS (
                SELECT g.i, g.contract, g.metric, g.start_day, g.end_day, g.ps, g.pe,
                       c.num AS c_num, least(coalesce(c.next_ts, g.pe), g.pe) AS c_until
                FROM (
                    SELECT *, {_instant("start_day")} AS ps, {_instant("end_day")} AS pe
                    FROM gauge_requests WHERE kind <> 'daily_average'
                ) g
                ASOF LEFT JOIN levels c ON c.contract = g.contract AND c.metric = g.metric AND g.ps >= c.ts
            )"""
        )
    if daily:
        # every Oslo day of each daily_average period, with the level held at the day's start
        found.append(
            f"""day_held AS (
                SELECT d.i, d.contract, d.metric, d.day, d.ds, c.num AS c_num
                FROM (
                    SELECT *, {_instant("day")} AS ds FROM (
                        SELECT i, contract, metric, unnest(range(start_day, end_day, INTERVAL 1 DAY))::DATE AS day
                        FROM gauge_requests WHERE kind = 'daily_average'
                    )
                ) d
                ASOF LEFT JOIN levels c ON c.contract = d.contract AND c.metric = d.metric AND d.ds >= c.ts
            )"""
        )
    return found


def _us(instant: str) -> str:
    return f"epoch_us({instant})"


def _integral(level: str, since: str, until: str) -> tuple[str, str]:
    """level x microseconds held, exactly, as two HUGEINT terms that cannot overflow: the whole
    units, and the decimals scaled to integers (a value has at most MAX_DECIMALS of them)."""
    held = f"({_us(until)} - {_us(since)})"
    whole = f"trunc({level})::HUGEINT * {held}"
    fraction = f"(({level} - trunc({level})) * {_SCALE})::HUGEINT * {held}"
    return whole, fraction


def selects(daily: bool, other: bool) -> list[str]:
    """The parts of the metering query for gauge requests, each row (i, text, whole, fraction, n):
    `peak` its exact level in `text`; `time_weighted` the integral (level x microseconds) as
    whole + fraction / 10^MAX_DECIMALS in `whole`, `fraction` and the period's microseconds in `n`;
    `daily_average` the sum of the days' highest levels in `text` and the number of days in `n`."""
    found = []
    if other:
        until = "least(coalesce(e.next_ts, h.pe), h.pe)"
        e_whole, e_fraction = _integral("e.num", "e.ts", until)
        c_whole, c_fraction = _integral("h.c_num", "h.ps", "h.c_until")
        found.append(
            f"""
            SELECT h.i,
                   greatest(coalesce(h.c_num, 0), coalesce(max(e.num), h.c_num, 0))::VARCHAR,
                   coalesce(sum({e_whole}), 0) + coalesce({c_whole}, 0),
                   coalesce(sum({e_fraction}), 0) + coalesce({c_fraction}, 0),
                   {_us("h.pe")} - {_us("h.ps")}
            FROM held h
            LEFT JOIN levels e ON e.contract = h.contract AND e.metric = h.metric
              AND e.day >= h.start_day AND e.day < h.end_day AND e.ts > h.ps
            GROUP BY h.i, h.ps, h.pe, h.c_num, h.c_until
            """
        )
    if daily:
        found.append(
            """
            SELECT i, sum(top)::VARCHAR, NULL, NULL, count(*)
            FROM (
                SELECT h.i, greatest(coalesce(h.c_num, 0), coalesce(max(e.num), h.c_num, 0)) AS top
                FROM day_held h
                LEFT JOIN levels e ON e.contract = h.contract AND e.metric = h.metric AND e.day = h.day AND e.ts > h.ds
                GROUP BY h.i, h.day, h.c_num
            )
            GROUP BY i
            """
        )
    return found


def total(function: str, text: str | None, whole: int | None, fraction: int | None, n: int | None) -> str:
    """A gauge request's total as exact decimal text, from its row of the metering query."""
    if function == "peak":
        assert text is not None
        return text
    if function == "daily_average":
        assert text is not None and n
        return _average(_scaled(Decimal(text)), n)
    assert whole is not None and fraction is not None and n
    return _average(whole * _SCALE + fraction, n)


def _scaled(value: Decimal) -> int:
    """An exact value of at most MAX_DECIMALS decimals as an integer of 10^-MAX_DECIMALS units."""
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int) and exponent >= -MAX_DECIMALS
    magnitude = int("".join(map(str, digits)) or "0") * int(10 ** (exponent + MAX_DECIMALS))
    return -magnitude if sign else magnitude


def _average(scaled_sum: int, n: int) -> str:
    """scaled_sum / n (scaled_sum in 10^-MAX_DECIMALS units) rounded HALF_UP to AVERAGE_DECIMALS decimals."""
    quotient, rest = divmod(abs(scaled_sum), n)
    if 2 * rest >= n:
        quotient += 1
    # built from its digits: Decimal arithmetic would round to the context's 28 digits
    negative = 1 if scaled_sum < 0 and quotient else 0
    return f"{Decimal((negative, tuple(int(c) for c in str(quotient)), -AVERAGE_DECIMALS)):f}"
