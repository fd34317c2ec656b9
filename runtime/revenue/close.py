"""Closed months over recognised revenue: what a close locks, and what a later change posts instead.

A closed month keeps the figures it was closed with. Every month up to the latest closed
one is locked; whatever the engine now says differently for a locked month is posted as a
catch-up in the first open month (the month after the latest close), per contract,
obligation, account and currency, with a reason naming the months and amounts. Months are
closed in order, one after the other, so the closed months form one unbroken run.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

from compiler.calendar import add_months
from runtime.ledger.closes import ClosedFigure, ClosedMonth
from runtime.revenue.records import Recognised

ZERO = Decimal(0)
Key = tuple[str, str, int, str]
"""contract, obligation, account, currency: what a figure is kept per."""


class CloseRefused(Exception):
    """A month that must not be closed (yet), with what to do about it."""

    def __init__(self, message: str, help: str) -> None:
        super().__init__(message)
        self.message = message
        self.help = help


def month_of(day: date) -> date:
    """The first day of `day`'s calendar month."""
    return day.replace(day=1)


def next_month(month: date) -> date:
    return add_months(month_of(month), 1)


def month_name(month: date) -> str:
    """`2026-01`: how the CLI and the reasons write a month."""
    return f"{month.year:04d}-{month.month:02d}"


def signed(amount: Decimal) -> str:
    """An amount with its sign, `+100.00` or `-25.50`."""
    return f"{amount:+f}"


def _key(record: Recognised) -> Key:
    return (record.contract, record.obligation, record.account, record.currency)


def _figure_key(figure: ClosedFigure) -> Key:
    return (figure.contract, figure.obligation, figure.account, figure.currency)


def sort_key(record: Recognised) -> tuple[date, str, str, int, str, bool, str]:
    """The order every list of recognised records is given in: by month, contract and obligation, a
    month's scheduled revenue before its catch-ups."""
    return (
        record.month,
        record.contract,
        record.obligation,
        record.account,
        record.currency,
        record.kind == "catch_up",
        record.reason,
    )


def latest_closed(closed: Sequence[ClosedMonth]) -> date | None:
    return max((c.month for c in closed), default=None)


def with_closes(recognised: Sequence[Recognised], closed: Sequence[ClosedMonth]) -> list[Recognised]:
    """The engine's records with every closed month as it was closed and the differences as catch-ups.

    Locked months (every month up to the latest close) show exactly their closed figures; a
    locked month that was never closed (before the first close) shows nothing. For each
    contract, obligation, account and currency the engine's total over the locked months less
    the closed total is posted in the first open month as a `catch_up`. Open months are the
    engine's records unchanged, so the total over all months equals the engine's total.
    """
    latest = latest_closed(closed)
    if latest is None:
        return sorted(recognised, key=sort_key)
    posted_in = next_month(latest)
    engine: dict[Key, dict[date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    out: list[Recognised] = []
    for record in recognised:
        if record.month <= latest:
            engine[_key(record)][record.month] += record.amount
        else:
            out.append(record)
    kept: dict[Key, dict[date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for month in closed:
        for figure in month.figures:
            kept[_figure_key(figure)][month.month] += figure.amount
            out.append(
                Recognised(
                    contract=figure.contract,
                    obligation=figure.obligation,
                    month=month.month,
                    amount=figure.amount,
                    currency=figure.currency,
                    account=figure.account,
                )
            )
    for key in sorted(set(engine) | set(kept)):
        out.extend(_catch_up(key, engine.get(key, {}), kept.get(key, {}), posted_in))
    return sorted(out, key=sort_key)


def _catch_up(key: Key, engine: dict[date, Decimal], kept: dict[date, Decimal], posted_in: date) -> list[Recognised]:
    """The one catch-up for a key whose locked months the engine now sees differently (none if they agree)."""
    differences = {m: engine.get(m, ZERO) - kept.get(m, ZERO) for m in sorted(set(engine) | set(kept))}
    total = sum(differences.values(), ZERO)
    if total == 0:
        return []
    contract, obligation, account, currency = key
    changed = ", ".join(f"{month_name(m)} {signed(d)}" for m, d in differences.items() if d != 0)
    reason = (
        f"closed months now recognise {abs(total):f} {currency} {'more' if total > 0 else 'less'} than when they "
        f"were closed ({changed}, now less closed); posted in {month_name(posted_in)}, the first open month"
    )
    return [
        Recognised(
            contract=contract,
            obligation=obligation,
            month=posted_in,
            amount=total,
            currency=currency,
            account=account,
            kind="catch_up",
            reason=reason,
        )
    ]


def figures_to_close(recognised: Iterable[Recognised], month: date) -> tuple[ClosedFigure, ...]:
    """What closing `month` locks: its records (after `with_closes`, so catch-ups posted in it are
    included) summed per contract, obligation, account and currency; zero sums are left out."""
    sums: dict[Key, Decimal] = defaultdict(Decimal)
    for record in recognised:
        if record.month == month:
            sums[_key(record)] += record.amount
    return tuple(
        ClosedFigure(contract=c, obligation=o, account=a, currency=cur, amount=amount)
        for (c, o, a, cur), amount in sorted(sums.items())
        if amount != 0
    )


def check_close(
    month: date,
    as_of: date,
    closed: Sequence[ClosedMonth],
    recognised: Sequence[Recognised],
    billed_through: date | None,
    allow_unbilled: bool = False,
) -> None:
    """Refuse a close that would lock the wrong thing (raises CloseRefused); return if it may go ahead.

    `recognised`: the engine's records, `billed_through`: the latest applied bill run's as-of date.
    The rules: the month has ended by `as_of`; it is not closed yet and not before the latest
    close; months are closed in order (the month after the latest close, or, for the first close,
    no earlier month with revenue left open); and every bill run due in it has been applied.
    """
    name = month_name(month)
    ends = next_month(month)
    if as_of < ends:
        raise CloseRefused(
            f"{name} has not ended on {as_of}: revenue for it can still change, so it cannot be closed",
            f"close it on or after {ends} (`--as-of` gives the date; it defaults to today)",
        )
    latest = latest_closed(closed)
    if latest is not None and month <= latest:
        what = (
            "is already closed"
            if any(c.month == month for c in closed)
            else f"is before the first closed month, {month_name(min(c.month for c in closed))}, so it is locked"
        )
        raise CloseRefused(
            f"{name} {what}: a closed month is never reopened or rewritten",
            "a later change to it is posted as a catch-up in the first open month; `avtale close --list` "
            "shows what is closed",
        )
    if latest is not None and month != next_month(latest):
        first = next_month(latest)
        raise CloseRefused(
            f"{name} cannot be closed before {month_name(first)}: months are closed in order, and "
            f"{month_name(first)} is the first open month",
            f"run `avtale close {month_name(first)}` first, then each month after it up to {name}, or close them "
            f"all in one go with `avtale close {name} --with-earlier`",
        )
    if latest is None:
        earlier = sorted({r.month for r in recognised if r.month < month and r.amount != 0})
        if earlier:
            raise CloseRefused(
                f"{month_name(earlier[0])} has recognised revenue and is not closed: closing {name} first would "
                f"lock it unclosed",
                f"close months in order, starting with `avtale close {month_name(earlier[0])}`, or close "
                f"{month_name(earlier[0])} to {name} in one go with `avtale close {name} --with-earlier`",
            )
    last_day = ends.toordinal() - 1
    if not allow_unbilled and (billed_through is None or billed_through.toordinal() < last_day):
        ran = (
            "no bill run has been applied"
            if billed_through is None
            else f"the latest bill run was as of {billed_through}"
        )
        raise CloseRefused(
            f"{name} may still have invoices to issue: {ran}, so what was billed in it is not final",
            f"run `avtale bill --as-of {date.fromordinal(last_day)} --apply` first, or pass --allow-unbilled "
            "to close it anyway",
        )


def open_months_until(month: date, closed: Sequence[ClosedMonth], recognised: Sequence[Recognised]) -> list[date]:
    """The months closing `month` with every earlier open month would close, in order: from the first
    open month (when nothing is closed yet, the first month with revenue, or `month` itself)."""
    latest = latest_closed(closed)
    if latest is not None:
        first = next_month(latest)
    else:
        first = min((r.month for r in recognised if r.amount != 0 and r.month < month), default=month)
    out: list[date] = []
    while first <= month:
        out.append(first)
        first = next_month(first)
    return out


def close_month(
    recognised: Sequence[Recognised],
    closed: Sequence[ClosedMonth],
    month: date,
    closed_at: datetime,
    closed_by: str,
) -> ClosedMonth:
    """The close of `month`: the figures it holds now that earlier closes are applied (check_close first)."""
    return ClosedMonth(
        month=month,
        closed_at=closed_at,
        closed_by=closed_by,
        figures=figures_to_close(with_closes(recognised, closed), month),
    )
