"""What a change does to revenue: each affected contract's revenue plan made on both sides, by the
same planner `avtale schedule` and the revenue reports use, and compared by calendar month.

A month's revenue is what the plan recognises in it over every fixed obligation (IFRS 15, or the
`invoiced` policy's planned invoice lines over their service periods), plus what billing knows of
variable consideration without usage (a plan leaves it out: it is known when billed): a minimum
true-up of a year without usage, and under `invoiced` a prepaid credit's line. Where such a line's
revenue lands is `compiler.revenue.variable`'s rule, the one recognition follows. The policy is each
side's own: the contract's `revenue_policy`, else the seller's. Amounts are in the contract's
currency, never added across currencies.

Usage is not known from history: a month whose variable consideration may differ (a usage line, a
discount on one, a true-up of a year with usage, a prepaid credit or its drawdowns that differ
between the sides, per `compiler.impact`) is marked as depending on usage, its known part shown.

Pure: the horizon, and the reach (the month after the latest close when that is later than the
horizon's end, so that every closed month a change touches is compared), come in as arguments.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

import attrs

from compiler import model
from compiler.impact import ContractImpact, Horizon, VariableLine
from compiler.revenue.plan import policy_of, revenue_plan
from compiler.revenue.records import Policy
from compiler.revenue.variable import landing

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
    later: tuple[RevenueMonth, ...] = ()
    """Months after the horizon and before the reach whose revenue differs: closed months beyond it."""

    @property
    def differs(self) -> bool:
        return any(m.differs for m in (*self.earlier, *self.months, *self.later))

    def total(self, currency: str) -> tuple[Decimal, Decimal]:
        """Before and after over the horizon, in one currency."""
        mine = [m for m in self.months if m.currency == currency]
        return sum((m.before for m in mine), ZERO), sum((m.after for m in mine), ZERO)

    @property
    def currencies(self) -> tuple[str, ...]:
        return tuple(sorted({m.currency for m in (*self.earlier, *self.months, *self.later)}))


@attrs.frozen(kw_only=True)
class _Side:
    currency: str
    policy: Policy
    months: dict[date, Decimal]
    life_end: date | None
    """The day after the contract's last day, if it ends."""


def _side(
    contract: model.Contract, workspace: model.Workspace, impact: ContractImpact, after: bool, reach: date
) -> _Side:
    policy, _ = policy_of(contract, workspace.seller)
    life_end = impact.ends[1 if after else 0]
    months: dict[date, Decimal] = {}
    if contract.start < reach:
        plan = revenue_plan(contract, workspace, reach)
        months = {m: a for m, a in plan.months().items() if m < reach}
    for known in impact.known:
        net = known.after if after else known.before
        if net is None or not net or known.currency != contract.currency:
            continue
        if known.id.kind == "prepaid" and policy == "ifrs15":
            continue  # its revenue is the breakage: the credit less its drawdowns, which depend on usage
        where = landing(known.id.kind, known.id.period_start, known.id.period_end, policy, life_end=life_end)
        for month, amount in where.spread(net, contract.currency):
            if month < reach:
                months[month] = months.get(month, ZERO) + amount
    return _Side(currency=contract.currency, policy=policy, months=months, life_end=life_end)


def _compare(
    contract: str,
    old: _Side | None,
    new: _Side | None,
    variable: Iterable[VariableLine],
    horizon: Horizon,
    reach: date,
) -> RevenueImpact:
    usage: set[date] = set()
    for line in variable:
        for side in (old, new):
            if side is not None:
                where = landing(
                    line.id.kind,
                    line.id.period_start,
                    line.id.period_end,
                    side.policy,
                    life_end=side.life_end,
                    year=line.year,
                    served=line.served,
                )
                usage.update(where.months())
    months: list[RevenueMonth] = []
    earlier: list[RevenueMonth] = []
    later: list[RevenueMonth] = []
    starts = set(horizon.month_starts())
    for currency in sorted({side.currency for side in (old, new) if side is not None}):
        was = old.months if old is not None and old.currency == currency else {}
        now = new.months if new is not None and new.currency == currency else {}
        for month in sorted(set(was) | set(now) | starts | {m for m in usage if m < reach}):
            entry = RevenueMonth(
                month=month,
                currency=currency,
                before=was.get(month, ZERO),
                after=now.get(month, ZERO),
                usage=month in usage,
            )
            if horizon.first <= month < horizon.end:
                months.append(entry)
            elif entry.differs:
                (earlier if month < horizon.first else later).append(entry)
    return RevenueImpact(
        contract=contract,
        months=tuple(months),
        earlier=tuple(earlier),
        later=tuple(later),
        policy_before=old.policy if old is not None else None,
        policy_after=new.policy if new is not None else None,
    )


def revenue_impact(
    old: model.Workspace,
    new: model.Workspace,
    billing: Iterable[ContractImpact],
    horizon: Horizon,
    reach: date | None = None,
) -> tuple[RevenueImpact, ...]:
    """Each contract's revenue before and after, by month, for the contracts of `billing` (the billing
    impact of the same change, made with the same reach, which says what variable consideration
    differs): the horizon's months, earlier months whose revenue differs, and later ones before
    `reach` (the horizon's end unless later) that differ. Only these contracts are planned."""
    reach = max(reach or horizon.end, horizon.end)
    impacts = []
    for impact in sorted(billing, key=lambda i: i.contract):
        cid = impact.contract
        was, now = old.contracts.get(cid), new.contracts.get(cid)
        before = _side(was, old, impact, False, reach) if was is not None else None
        after = _side(now, new, impact, True, reach) if now is not None else None
        impacts.append(_compare(cid, before, after, impact.variable, horizon, reach))
    return tuple(impacts)
