"""Per-event prices (`percentage 1.4% + 2.00 per event min 3.00 per event`): each event's fee, summed.

A request `(contract, metric, start, end, PerEvent)` totals, over the events of a `sum` metric in
[start, end), min(max(amount x percent / 100 + fee, minimum), maximum): the limits apply event by
event, so no total of amounts can stand in for it. Every fee is exact: DuckDB multiplies the
amount (DECIMAL(38, 10)) by the rate at the rate's own scale, so a fee has at most 10 + that
many decimals (1.4% -> 0.014 -> 13), and the sum is taken in two parts that cannot overflow,
whole units (HUGEINT) and fractions, added up exactly in Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal, localcontext
from typing import Any

import duckdb

from compiler.billing.pricing.base import PerEvent
from runtime.usage.database import UsageError
from runtime.usage.validation import MAX_DECIMALS, MAX_WHOLE_DIGITS

MAX_SCALE = 38 - MAX_WHOLE_DIGITS
"""The most decimals a fee can have and still hold an amount's 18 digits before the point in
DECIMAL(38, ...): 10 of the amount and 10 of the rate (a percent with up to 8 decimals)."""


def _decimals(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _rate(price: PerEvent) -> Decimal:
    """percent / 100, exactly: a shift of the point."""
    return price.percent.scaleb(-2)


def _limit(value: Decimal) -> str | None:
    return None if value.is_infinite() else f"{value:f}"


def create_requests(con: duckdb.DuckDBPyConnection, keys: Sequence[tuple[int, str, str, date, date, PerEvent]]) -> int:
    """The table `event_requests` the SQL below reads; returns the scale (decimals) of the fees."""
    prices = {key[5] for key in keys}
    rate_scale = max(_decimals(_rate(p)) for p in prices)
    amounts = [a for p in prices for a in (p.fee, p.minimum, p.maximum) if a.is_finite()]
    scale = max([MAX_DECIMALS + rate_scale, *(_decimals(a) for a in amounts)])
    if scale > MAX_SCALE:
        raise UsageError(
            f"a price per event has too many decimals to be computed exactly ({scale} in each event's fee, "
            f"at most {MAX_SCALE})",
            f"write the percentage with at most {MAX_SCALE - MAX_DECIMALS - 2} decimals, "
            f"and the fee and limits with at most {MAX_SCALE}",
        )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE event_requests AS
        SELECT unnest($1::BIGINT[]) AS i, unnest($2::VARCHAR[]) AS contract, unnest($3::VARCHAR[]) AS metric,
               unnest($4::DATE[]) AS start_day, unnest($5::DATE[]) AS end_day,
               unnest($6::VARCHAR[])::DECIMAL(38, {rate_scale}) AS rate,
               unnest($7::VARCHAR[])::DECIMAL(38, {scale}) AS fee,
               unnest($8::VARCHAR[])::DECIMAL(38, {scale}) AS lo,
               unnest($9::VARCHAR[])::DECIMAL(38, {scale}) AS hi
        """,
        [
            [k[0] for k in keys],
            [k[1] for k in keys],
            [k[2] for k in keys],
            [k[3] for k in keys],
            [k[4] for k in keys],
            [f"{_rate(k[5]):f}" for k in keys],
            [f"{k[5].fee:f}" for k in keys],
            [_limit(k[5].minimum) for k in keys],
            [_limit(k[5].maximum) for k in keys],
        ],
    )
    return scale


def select(scale: int) -> str:
    """The part of the metering query for per-event requests: rows (i, fractions, whole units, NULL, NULL).
    `$1`/`$2` bound the contract numbers, as for totals; a limit that is NULL does not apply."""
    return f"""
        SELECT i, coalesce(sum(fee - trunc(fee)), 0)::VARCHAR, coalesce(sum(trunc(fee)::HUGEINT), 0), NULL, NULL
        FROM (
            SELECT i, CASE WHEN raised > hi THEN hi ELSE raised END AS fee
            FROM (
                SELECT i, hi, CASE WHEN own < lo THEN lo ELSE own END AS raised
                FROM (
                    SELECT p.i, p.lo, p.hi, (m.num * p.rate)::DECIMAL(38, {scale}) + p.fee AS own
                    FROM event_requests p
                    LEFT JOIN (SELECT * FROM measures WHERE cno >= $1 AND cno <= $2) m
                      ON m.contract = p.contract AND m.metric = p.metric
                     AND m.day >= p.start_day AND m.day < p.end_day
                )
            )
        )
        GROUP BY i
        """


def overflowing(con: duckdb.DuckDBPyConnection, scale: int, params: list[Any]) -> tuple[Any, ...] | None:
    """The request and event whose fee does not fit DECIMAL(38, scale), DuckDB's error naming neither:
    (contract, metric, start, end, amount, event id), the largest fee first; None if no fee comes near.
    The scale is the finest any price of the call needs (create_requests), so a fee that fits alone can
    overflow beside a price with a finely written percentage. Floats only to find it: close enough."""
    return con.execute(
        f"""
        SELECT p.contract, p.metric, p.start_day, p.end_day, m.num, m.id
        FROM event_requests p
        JOIN (SELECT * FROM measures WHERE cno >= $1 AND cno <= $2) m
          ON m.contract = p.contract AND m.metric = p.metric AND m.day >= p.start_day AND m.day < p.end_day
        WHERE abs(m.num::DOUBLE * p.rate::DOUBLE + p.fee::DOUBLE) >= 9e{38 - scale - 1}
        ORDER BY abs(m.num::DOUBLE * p.rate::DOUBLE + p.fee::DOUBLE) DESC, p.i, m.id
        LIMIT 1
        """,
        params,
    ).fetchone()


def total(fractions: str, whole: int) -> str:
    """The fees' sum as exact decimal text: whole units plus the sum of the fractions."""
    with localcontext() as exact:
        exact.prec = 2 * 38 + MAX_SCALE
        return f"{Decimal(whole) + Decimal(fractions):f}"
