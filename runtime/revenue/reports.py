"""The revenue reports: the waterfall, the roll-forward of contract balances, and balances on a day.

Pure functions over recognised records (after `with_closes`, so closed months read as closed)
and what was billed (issued documents, by issue date). Amounts are never summed across
currencies. A contract's balance is what was billed less what was recognised: positive, a
contract liability (deferred revenue); negative, a contract asset (earned, not yet billed).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

import attrs

from compiler.calendar import add_months
from runtime.ledger.documents import IssuedDocument
from runtime.revenue.close import month_of, next_month
from runtime.revenue.cutover import BilledBefore
from runtime.revenue.records import Recognised

ZERO = Decimal(0)
MonthStatus = Literal["closed", "open", "scheduled"]


@attrs.frozen(kw_only=True)
class Billed:
    """Net billed for a contract by one document: negative for a credit note."""

    contract: str
    currency: str
    day: date
    """The issue date."""
    amount: Decimal


def billed_from(documents: Iterable[IssuedDocument]) -> list[Billed]:
    """What each document billed, net of VAT; credit notes (stored as positive amounts) count negative."""
    return [
        Billed(
            contract=doc.contract,
            currency=doc.currency,
            day=doc.issue_date,
            amount=doc.totals.net if doc.kind == "invoice" else ZERO - doc.totals.net,
        )
        for doc in documents
    ]


def billed_elsewhere(before: Iterable[BilledBefore]) -> list[Billed]:
    """What the old billing invoiced before each cut-over, as billed on each line's billing date."""
    return [Billed(contract=b.contract, currency=b.currency, day=b.day, amount=b.net) for b in before]


def months_between(first: date, last: date) -> tuple[date, ...]:
    """Every month from `first`'s to `last`'s, both included (first days of months)."""
    out: list[date] = []
    month = month_of(first)
    while month <= month_of(last):
        out.append(month)
        month = next_month(month)
    return tuple(out)


# ------------------------------------------------------------------ waterfall
@attrs.frozen(kw_only=True)
class WaterfallRow:
    """Revenue per month for one contract and obligation (contract and obligation empty: a currency's total)."""

    contract: str
    obligation: str
    currency: str
    amounts: tuple[Decimal, ...]
    """One per month of the report, catch-ups included."""
    catch_ups: tuple[Decimal, ...]
    """The part of each month's amount that is a catch-up for closed months or a modification."""
    total: Decimal


@attrs.frozen(kw_only=True)
class Waterfall:
    months: tuple[date, ...]
    status: tuple[MonthStatus, ...]
    """Per month: `closed` (locked), `open` (ended by the as-of date, not closed), `scheduled` (not ended by
    the as-of date: the remaining schedule as the contracts stand)."""
    rows: tuple[WaterfallRow, ...]
    totals: tuple[WaterfallRow, ...]
    """One per currency, by currency."""


def month_status(month: date, as_of: date, latest_closed: date | None) -> MonthStatus:
    if latest_closed is not None and month <= latest_closed:
        return "closed"
    return "open" if counted_by(month, as_of) else "scheduled"


def waterfall(
    recognised: Sequence[Recognised], first: date, last: date, as_of: date, latest_closed: date | None
) -> Waterfall:
    """Recognised revenue per contract and obligation for each month from `first` to `last`."""
    months = months_between(first, last)
    index = {month: i for i, month in enumerate(months)}
    amounts: dict[tuple[str, str, str], list[Decimal]] = {}
    catch_ups: dict[tuple[str, str, str], list[Decimal]] = {}
    for record in recognised:
        at = index.get(record.month)
        if at is None:
            continue
        key = (record.contract, record.obligation, record.currency)
        if key not in amounts:
            amounts[key], catch_ups[key] = [ZERO] * len(months), [ZERO] * len(months)
        amounts[key][at] += record.amount
        if record.kind == "catch_up":
            catch_ups[key][at] += record.amount
    rows = tuple(_row(key, amounts[key], catch_ups[key]) for key in sorted(amounts))
    totals: dict[str, tuple[list[Decimal], list[Decimal]]] = {}
    for row in rows:
        summed = totals.setdefault(row.currency, ([ZERO] * len(months), [ZERO] * len(months)))
        for i in range(len(months)):
            summed[0][i] += row.amounts[i]
            summed[1][i] += row.catch_ups[i]
    return Waterfall(
        months=months,
        status=tuple(month_status(m, as_of, latest_closed) for m in months),
        rows=rows,
        totals=tuple(_row(("", "", code), *totals[code]) for code in sorted(totals)),
    )


def _row(key: tuple[str, str, str], amounts: list[Decimal], catch_ups: list[Decimal]) -> WaterfallRow:
    contract, obligation, currency = key
    return WaterfallRow(
        contract=contract,
        obligation=obligation,
        currency=currency,
        amounts=tuple(amounts),
        catch_ups=tuple(catch_ups),
        total=sum(amounts, ZERO),
    )


# ------------------------------------------------------------------ roll-forward
@attrs.frozen(kw_only=True)
class Rollforward:
    """One month in one currency: deferred revenue (contract liabilities) and contract assets.

    deferred_opening + deferred_billed - deferred_recognised = deferred_closing;
    asset_opening + asset_recognised - asset_billed = asset_closing;
    deferred_billed + asset_billed = billed; deferred_recognised + asset_recognised = recognised.
    """

    month: date
    currency: str
    deferred_opening: Decimal
    deferred_billed: Decimal
    """Billing that became deferred revenue."""
    deferred_recognised: Decimal
    """Revenue recognised out of deferred revenue."""
    deferred_closing: Decimal
    asset_opening: Decimal
    asset_recognised: Decimal
    """Revenue recognised before it was billed."""
    asset_billed: Decimal
    """Billing that settled a contract asset."""
    asset_closing: Decimal
    billed: Decimal
    recognised: Decimal


def _liability(balance: Decimal) -> Decimal:
    return balance if balance > 0 else ZERO


def _asset(balance: Decimal) -> Decimal:
    return -balance if balance < 0 else ZERO


def rollforward(
    recognised: Sequence[Recognised], billed: Sequence[Billed], first: date, last: date
) -> tuple[Rollforward, ...]:
    """Per month from `first` to `last` and per currency, contract balances rolled forward.

    Each contract's balance moves by what it billed, then by what it recognised, in that order
    within a month: billing first settles a contract asset and the rest is deferred; recognition
    first uses up deferred revenue and the rest becomes a contract asset. The openings come from
    everything before `first`. Rows come by currency, then month; a currency with nothing to show in
    the range is left out.
    """
    months = months_between(first, last)
    start = months[0] if months else month_of(first)
    per_contract: dict[tuple[str, str], dict[date, list[Decimal]]] = defaultdict(
        lambda: defaultdict(lambda: [ZERO, ZERO])
    )
    for bill in billed:
        per_contract[(bill.contract, bill.currency)][month_of(bill.day)][0] += bill.amount
    for record in recognised:
        per_contract[(record.contract, record.currency)][record.month][1] += record.amount
    sums: dict[tuple[date, str], list[Decimal]] = {}
    for (_, currency), by_month in sorted(per_contract.items()):
        balance = sum((b - r for m, (b, r) in by_month.items() if m < start), ZERO)
        for month in months:
            bill_amount, recognised_amount = by_month.get(month, (ZERO, ZERO))
            after_billing = balance + bill_amount
            closing = after_billing - recognised_amount
            moved = (
                _liability(balance),
                _liability(after_billing) - _liability(balance),
                _liability(after_billing) - _liability(closing),
                _liability(closing),
                _asset(balance),
                _asset(closing) - _asset(after_billing),
                _asset(balance) - _asset(after_billing),
                _asset(closing),
                bill_amount,
                recognised_amount,
            )
            summed = sums.setdefault((month, currency), [ZERO] * len(moved))
            for i, amount in enumerate(moved):
                summed[i] += amount
            balance = closing
    shown = {currency for (_, currency), s in sums.items() if any(s)}
    return tuple(
        Rollforward(
            month=month,
            currency=currency,
            deferred_opening=s[0],
            deferred_billed=s[1],
            deferred_recognised=s[2],
            deferred_closing=s[3],
            asset_opening=s[4],
            asset_recognised=s[5],
            asset_billed=s[6],
            asset_closing=s[7],
            billed=s[8],
            recognised=s[9],
        )
        for (month, currency), s in sorted(sums.items(), key=lambda item: (item[0][1], item[0][0]))
        if currency in shown
    )


# ------------------------------------------------------------------ balances
@attrs.frozen(kw_only=True)
class Balance:
    """A contract's position at the end of a day (contract empty: a currency's total).

    billed - recognised = liability - asset; remaining = within_12_months + later.
    """

    contract: str
    currency: str
    billed: Decimal
    """Net billed by documents issued on or before the day."""
    recognised: Decimal
    """Recognised in the months that have ended by the day."""
    liability: Decimal
    """Deferred revenue: billed beyond what was recognised (0 or more)."""
    asset: Decimal
    """Recognised beyond what was billed (0 or more)."""
    within_12_months: Decimal
    """Remaining performance obligations in the months that end within 12 months of the day."""
    later: Decimal
    """Remaining performance obligations after that."""


def counted_by(month: date, at: date) -> bool:
    """Whether `month` has ended by the end of `at`: revenue is recognised by whole calendar months."""
    return next_month(month) <= at + timedelta(days=1)


def balances(
    recognised: Sequence[Recognised], billed: Sequence[Billed], at: date
) -> tuple[list[Balance], list[Balance]]:
    """Each contract's balance and remaining performance obligations at the end of `at`, then a total per
    currency. The remaining obligations are the records of the months not yet ended: what the
    contracts as they stand will recognise (usage only as far as it has been recorded)."""
    horizon = add_months(at, 12)
    sums: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [ZERO, ZERO, ZERO, ZERO])
    for bill in billed:
        if bill.day <= at:
            sums[(bill.contract, bill.currency)][0] += bill.amount
    for record in recognised:
        figures = sums[(record.contract, record.currency)]
        if counted_by(record.month, at):
            figures[1] += record.amount
        elif counted_by(record.month, horizon):
            figures[2] += record.amount
        else:
            figures[3] += record.amount
    rows = [_balance(contract, currency, *s) for (contract, currency), s in sorted(sums.items()) if any(s)]
    per_currency: dict[str, list[Decimal]] = {}
    for row in rows:
        total = per_currency.setdefault(row.currency, [ZERO] * 6)
        for i, amount in enumerate(
            (row.billed, row.recognised, row.liability, row.asset, row.within_12_months, row.later)
        ):
            total[i] += amount
    totals = [
        Balance(
            contract="",
            currency=code,
            billed=t[0],
            recognised=t[1],
            liability=t[2],
            asset=t[3],
            within_12_months=t[4],
            later=t[5],
        )
        for code, t in sorted(per_currency.items())
    ]
    return rows, totals


def _balance(
    contract: str, currency: str, billed: Decimal, recognised: Decimal, soon: Decimal, later: Decimal
) -> Balance:
    balance = billed - recognised
    return Balance(
        contract=contract,
        currency=currency,
        billed=billed,
        recognised=recognised,
        liability=_liability(balance),
        asset=_asset(balance),
        within_12_months=soon,
        later=later,
    )
