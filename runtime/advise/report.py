"""The advice for a contract: one row per candidate, cheapest first, and the --all summary."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

import attrs

from compiler.money import round_exact
from runtime.advise.cost import Costed
from runtime.advise.window import Window


@attrs.frozen(kw_only=True)
class Row:
    plan: str | None
    version: date | None
    current: bool
    total: Fraction | None
    """Net of VAT over the window, exact; None: not comparable."""
    per_month: Fraction | None
    """The total over the months the contract was in force in the window."""
    difference: Fraction | None
    """Per month, against the current terms (negative: cheaper)."""
    assumptions: tuple[str, ...]
    reason: str | None
    list_price: bool = False
    """The plan version the contract follows, at its list price: the same name as the current row otherwise."""

    @property
    def name(self) -> str:
        what = f"{self.plan} {self.version}" if self.plan is not None else "own terms"
        return f"{what} (current)" if self.current else f"{what} (list price)" if self.list_price else what


@attrs.frozen(kw_only=True)
class Advice:
    contract: str
    customer: str
    currency: str
    as_of: date
    window: Window
    months: Fraction
    """The window's months the contract was in force (a month in part by its days)."""
    rows: tuple[Row, ...]
    """Comparable rows cheapest first (on a tie the current terms first, then by plan), then the rest by plan."""

    @property
    def current(self) -> Row:
        return next(r for r in self.rows if r.current)

    @property
    def best(self) -> Row | None:
        """The cheapest comparable alternative to the current terms."""
        return next((r for r in self.rows if not r.current and r.total is not None), None)


def advice(
    contract: str, customer: str, currency: str, as_of: date, window: Window, months: Fraction, costed: Iterable[Costed]
) -> Advice:
    found = list(costed)
    mine = next(c for c in found if c.candidate.current)
    base = None if mine.total is None or not months else mine.total / months
    rows = []
    for c in found:
        per_month = None if c.total is None or not months else c.total / months
        rows.append(
            Row(
                plan=c.candidate.plan,
                version=c.candidate.version,
                current=c.candidate.current,
                total=c.total,
                per_month=per_month,
                difference=None if per_month is None or base is None else per_month - base,
                assumptions=c.candidate.assumptions + c.notes,
                reason=c.reason,
                list_price=not c.candidate.current
                and c.candidate.plan is not None
                and (c.candidate.plan, c.candidate.version) == (mine.candidate.plan, mine.candidate.version),
            )
        )

    def order(row: Row) -> tuple[Any, ...]:
        by_plan = (row.plan or "", row.version or date.min)
        if row.total is None:
            return (1, Fraction(0), not row.current, *by_plan)
        return (0, row.total, not row.current, *by_plan)

    rows.sort(key=order)
    return Advice(
        contract=contract,
        customer=customer,
        currency=currency,
        as_of=as_of,
        window=window,
        months=months,
        rows=tuple(rows),
    )


def saving(found: Advice) -> Fraction | None:
    """What the cheapest alternative saves per month against the current terms (negative: it costs more)."""
    best, mine = found.best, found.current
    if best is None or best.per_month is None or mine.per_month is None:
        return None
    return mine.per_month - best.per_month


def ranked(found: Iterable[Advice]) -> list[Advice]:
    """Largest saving first, then the largest extra cost; contracts without a comparable alternative last."""

    def order(one: Advice) -> tuple[Any, ...]:
        saved = saving(one)
        if saved is None:
            return (2, Fraction(0), one.contract)
        return (0, -saved, one.contract) if saved > 0 else (1, saved, one.contract)

    return sorted(found, key=order)


def money(value: Fraction | None, currency: str) -> str | None:
    """Rounded HALF_UP to the currency's minor unit, for showing: the advice is an estimate, never invoiced."""
    return None if value is None else f"{round_exact(value, currency):f}"


def months_text(months: Fraction) -> str:
    """Whole months as they are, a part month to two decimals: 8.5 months shows as 8.50."""
    if months.denominator == 1:
        return str(months.numerator)
    return f"{(Decimal(months.numerator) / months.denominator).quantize(Decimal('0.01'), ROUND_HALF_UP):f}"


def row_json(row: Row, currency: str) -> dict[str, Any]:
    return {
        "plan": row.plan,
        "version": row.version.isoformat() if row.version else None,
        "current": row.current,
        "comparable": row.total is not None,
        "total": money(row.total, currency),
        "per_month": money(row.per_month, currency),
        "difference_per_month": money(row.difference, currency),
        "assumptions": list(row.assumptions),
        "reason": row.reason,
    }


def window_json(window: Window, as_of: date) -> dict[str, Any]:
    return {
        "as_of": as_of.isoformat(),
        "window": {"start": window.start.isoformat(), "end": window.end.isoformat(), "months": window.months},
    }


def advice_json(found: Advice) -> dict[str, Any]:
    return {
        "contract": found.contract,
        "customer": found.customer,
        "currency": found.currency,
        **window_json(found.window, found.as_of),
        "months_in_force": months_text(found.months),
        "candidates": [row_json(r, found.currency) for r in found.rows],
    }


def summary_json(found: Advice) -> dict[str, Any]:
    best, mine = found.best, found.current
    return {
        "contract": found.contract,
        "customer": found.customer,
        "currency": found.currency,
        "current": row_json(mine, found.currency),
        "best": row_json(best, found.currency) if best is not None else None,
        "saving_per_month": money(saving(found), found.currency),
    }
