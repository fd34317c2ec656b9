"""What a change does to revenue: each affected contract's revenue plan made on both sides, by the
same planner `avtale schedule` and the revenue reports use, and compared by calendar month.

A month's revenue is what the plan recognises in it over every fixed obligation (IFRS 15, or the
`invoiced` policy's planned invoice lines over their service periods), plus a minimum true-up that
billing prices without usage (a plan leaves true-ups out: they are variable consideration, known
when billed). The policy is each side's own: the contract's `revenue_policy`, else the seller's.
Amounts are in the contract's currency, never added across currencies.

Usage is not known from history: a month whose variable consideration may differ (a usage line, a
discount on one, a true-up of a year with usage, a prepaid credit or its drawdowns that differ
between the sides, per `compiler.impact`) is marked as depending on usage, its known part shown.

Pure: the horizon comes in as an argument; plans are made up to its end.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

import attrs

from compiler import model
from compiler.billing.lines import LineId
from compiler.impact import ContractImpact, Horizon
from compiler.revenue.methods import first_of_month, months_between, spread_daily
from compiler.revenue.plan import policy_of, revenue_plan
from compiler.revenue.records import Policy

ZERO = Decimal(0)


@attrs.frozen(kw_only=True)
class RevenueMonth:
    """One contract's revenue in one calendar month and currency, before and after the change."""

    month: date
    """The first day of the month."""
    currency: str
    before: Decimal
    after: Decimal
    usage: bool = False
    """Revenue from usage (variable consideration) may differ this month: not in the amounts."""

    @property
    def difference(self) -> Decimal:
        return self.after - self.before

    @property
    def differs(self) -> bool:
        return self.before != self.after or self.usage


@attrs.frozen(kw_only=True)
class RevenueImpact:
    contract: str
    months: tuple[RevenueMonth, ...]
    """Every month of the horizon, for each currency of the contract on either side."""
    earlier: tuple[RevenueMonth, ...]
    """Months before the horizon whose revenue differs."""
    policy_before: Policy | None
    policy_after: Policy | None
    """The revenue policy in force on each side (None: no such contract on that side)."""

    @property
    def differs(self) -> bool:
        return any(m.differs for m in self.months) or any(m.differs for m in self.earlier)

    def total(self, currency: str) -> tuple[Decimal, Decimal]:
        """Before and after over the horizon, in one currency."""
        mine = [m for m in self.months if m.currency == currency]
        return sum((m.before for m in mine), ZERO), sum((m.after for m in mine), ZERO)

    @property
    def currencies(self) -> tuple[str, ...]:
        return tuple(sorted({m.currency for m in self.months} | {m.currency for m in self.earlier}))


@attrs.frozen(kw_only=True)
class _Side:
    currency: str
    policy: Policy
    months: dict[date, Decimal]


def _variable_months(line: LineId, policy: Policy) -> list[date]:
    """The months whose revenue a variable line feeds (runtime/revenue/recognition.py says when): usage and
    its discounts in the months of use; under IFRS 15 a true-up in its year's last month and a prepaid
    credit when it expires; under `invoiced` every line over its service period."""
    if policy == "invoiced" or line.kind in ("usage", "discount"):
        return list(months_between(line.period_start, line.period_end))
    return [first_of_month(line.period_end - timedelta(days=1))]


def _side(
    contract: model.Contract, workspace: model.Workspace, impact: ContractImpact, after: bool, horizon: Horizon
) -> _Side:
    policy, _ = policy_of(contract, workspace.seller)
    months: dict[date, Decimal] = {}
    if contract.start < horizon.end:
        plan = revenue_plan(contract, workspace, horizon.end)
        months = {m: a for m, a in plan.months().items() if m < horizon.end}
    for true_up in impact.true_ups:
        net = true_up.after if after else true_up.before
        if net is None or not net or true_up.currency != contract.currency:
            continue
        if policy == "invoiced":  # the issued line over its service period, as recognition does
            parts = spread_daily(net, true_up.id.period_start, true_up.id.period_end, contract.currency)
        else:  # in the last month of the contract year it tops up
            parts = [(first_of_month(true_up.id.period_end - timedelta(days=1)), net)]
        for month, amount in parts:
            if month < horizon.end:
                months[month] = months.get(month, ZERO) + amount
    return _Side(currency=contract.currency, policy=policy, months=months)


def _compare(
    contract: str, old: _Side | None, new: _Side | None, variable: Iterable[LineId], horizon: Horizon
) -> RevenueImpact:
    usage: set[date] = set()
    for line in variable:
        for side in (old, new):
            if side is not None:
                usage.update(_variable_months(line, side.policy))
    months: list[RevenueMonth] = []
    earlier: list[RevenueMonth] = []
    starts = set(horizon.month_starts())
    for currency in sorted({side.currency for side in (old, new) if side is not None}):
        was = old.months if old is not None and old.currency == currency else {}
        now = new.months if new is not None and new.currency == currency else {}
        for month in sorted(set(was) | set(now) | starts | {m for m in usage if m < horizon.end}):
            entry = RevenueMonth(
                month=month,
                currency=currency,
                before=was.get(month, ZERO),
                after=now.get(month, ZERO),
                usage=month in usage,
            )
            if month >= horizon.first:
                months.append(entry)
            elif entry.differs:
                earlier.append(entry)
    return RevenueImpact(
        contract=contract,
        months=tuple(months),
        earlier=tuple(earlier),
        policy_before=old.policy if old is not None else None,
        policy_after=new.policy if new is not None else None,
    )


def revenue_impact(
    old: model.Workspace, new: model.Workspace, billing: Iterable[ContractImpact], horizon: Horizon
) -> tuple[RevenueImpact, ...]:
    """Each contract's revenue before and after, by month, for the contracts of `billing` (the billing
    impact of the same change, which says what variable consideration differs): the horizon's months,
    and earlier months whose revenue differs. Only these contracts are planned."""
    impacts = []
    for impact in sorted(billing, key=lambda i: i.contract):
        cid = impact.contract
        was, now = old.contracts.get(cid), new.contracts.get(cid)
        before = _side(was, old, impact, False, horizon) if was is not None else None
        after = _side(now, new, impact, True, horizon) if now is not None else None
        impacts.append(_compare(cid, before, after, impact.variable, horizon))
    return tuple(impacts)
