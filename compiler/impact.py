"""What a change does to billing: each affected contract lowered and priced on both sides, by the
same lowering and pricing a bill run uses, and compared month by month.

A month is the calendar month of a line's billing date. Amounts are net, rounded as on the
invoice line, in the contract's currency; a contract whose currency changed has the old side's
amounts in the old currency and the new side's in the new one, so no figure mixes currencies.

Usage is not metered here: usage lines, discounts on them and minimum true-ups of years with usage
depend on usage the workspace's history does not hold (and, for the months ahead, that has not
happened yet). They are left out of the amounts, and a month whose usage-dependent lines differ
between the sides (another rule, metric, period or minimum) is marked as depending on usage.

Pure: the horizon's first month comes in as an argument, never from a clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import attrs

from compiler import model
from compiler.billing.lines import (
    BillableLine,
    DiscountLine,
    LineId,
    MinimumLine,
    RecurringLine,
    Tax,
    UsageLine,
    service_start,
)
from compiler.billing.lower import lower
from compiler.billing.price import price_schedule
from compiler.calendar import add_months

ZERO = Decimal(0)


@attrs.frozen(kw_only=True)
class Month:
    """One contract's billing in one calendar month and currency, before and after the change."""

    month: date
    """The first day of the month."""
    currency: str
    before: Decimal
    after: Decimal
    changed: tuple[LineId, ...] = ()
    """The lines billed this month whose amount (or, for usage-dependent lines, terms) differ."""
    usage: bool = False
    """Usage-dependent lines differ this month: their amounts depend on usage."""
    blocked_before: tuple[str, ...] = ()
    blocked_after: tuple[str, ...] = ()
    """Lines that cannot be priced on that side (a missing index value), with the reason."""

    @property
    def difference(self) -> Decimal:
        return self.after - self.before

    @property
    def differs(self) -> bool:
        return bool(self.changed) or self.usage or self.blocked_before != self.blocked_after


@attrs.frozen(kw_only=True)
class TrueUp:
    """A minimum true-up priced without usage (its contract year has no usage lines), on each side:
    revenue needs it, since a revenue plan leaves true-ups out (variable consideration)."""

    id: LineId
    currency: str
    before: Decimal | None
    after: Decimal | None


@attrs.frozen(kw_only=True)
class ContractImpact:
    contract: str
    months: tuple[Month, ...]
    """Every month of the horizon, for each currency the contract bills in on either side."""
    earlier: tuple[Month, ...]
    """Months before the horizon whose billing differs: what the next bill run corrects."""
    variable: tuple[LineId, ...] = ()
    """Lines of variable consideration that differ (usage, its discounts, true-ups of years with usage,
    a prepaid credit and its drawdowns) whose period starts before the horizon's end, billed by then or
    not: the months whose revenue depends on usage."""
    true_ups: tuple[TrueUp, ...] = ()
    """Every true-up priced without usage on either side, billed before the horizon's end."""

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
class Horizon:
    first: date
    """The first day of the first month."""
    months: int

    @property
    def end(self) -> date:
        """The first day after the horizon."""
        return add_months(self.first, self.months)

    def month_starts(self) -> list[date]:
        return [add_months(self.first, i) for i in range(self.months)]

    @classmethod
    def starting(cls, day: date, months: int) -> Horizon:
        """`months` calendar months from the month of `day`."""
        return cls(first=day.replace(day=1), months=months)


Key = tuple[LineId, Tax]


@attrs.frozen(kw_only=True)
class _Side:
    """One side's lines of one contract, due before the horizon's end."""

    currency: str
    fixed: Mapping[Key, tuple[date, Decimal]]
    """Lines priced without usage: (billing month, net)."""
    usage: Mapping[Key, tuple[date, object]]
    """Usage-dependent lines: (billing month, what their amount is computed from)."""
    blocked: Mapping[date, tuple[str, ...]]
    late: Mapping[Key, object] = attrs.field(factory=dict)
    """Usage-dependent lines billed after the horizon whose period starts inside it: their terms."""


def _month(day: date) -> date:
    return day.replace(day=1)


def _usage_signature(line: UsageLine) -> object:
    return tuple((p.start, p.end, p.metric, p.rule) for p in line.pieces)


def _priced_side(contract: model.Contract, indices: Mapping[str, model.Index], horizon: Horizon) -> _Side:
    schedule = lower(contract, indices, horizon.end)
    usage_lines = [line for line in schedule.lines if isinstance(line, UsageLine)]
    usage: dict[Key, tuple[date, object]] = {}
    kept: list[BillableLine] = []
    late: dict[Key, object] = {}
    for line in schedule.lines:
        if line.billing_date >= horizon.end:
            if isinstance(line, UsageLine) and line.id.period_start < horizon.end:
                late[line.id, line.tax] = _usage_signature(line)
            elif isinstance(line, DiscountLine) and line.base.kind == "usage" and line.id.period_start < horizon.end:
                late[line.id, line.tax] = (line.percent, line.window_start, line.window_end)
            continue
        if isinstance(line, UsageLine):
            usage[line.id, line.tax] = (_month(line.billing_date), _usage_signature(line))
        elif isinstance(line, DiscountLine) and line.base.kind == "usage":
            usage[line.id, line.tax] = (_month(line.billing_date), (line.percent, line.window_start, line.window_end))
        else:
            kept.append(line)
    # Usage-dependent lines are never priced (there is no usage to price them with): the rest are
    # priced as the bill run prices them.
    priced = price_schedule(attrs.evolve(schedule, lines=tuple(kept)), {}, horizon.end - timedelta(days=1))
    lines: dict[Key, BillableLine] = {(line.id, line.tax): line for line in kept}
    fixed: dict[Key, tuple[date, Decimal]] = {}
    exact_fixed: list[tuple[date, Fraction]] = []  # (first billed day, exact amount) of the lines usage never moves
    dependent: list[tuple[Key, MinimumLine]] = []
    for found in priced.lines:
        key = (found.id, found.tax)
        line = lines[key]
        if isinstance(line, MinimumLine) and any(
            line.id.period_start <= service_start(u) < line.id.period_end for u in usage_lines
        ):
            dependent.append((key, line))
            continue
        fixed[key] = (_month(line.billing_date), found.net)
        if not isinstance(line, MinimumLine):
            exact_fixed.append((found.start, found.exact))
    for key, minimum in dependent:  # a true-up over a year with usage: its terms and the year's fixed lines
        start, end = minimum.id.period_start, minimum.id.period_end
        in_year = sum((amount for day, amount in exact_fixed if start <= day < end), Fraction(0))
        usage[key] = (_month(minimum.billing_date), (minimum.minimum, in_year))
    blocked: dict[date, list[str]] = {}
    for line in schedule.lines:
        if isinstance(line, RecurringLine) and line.blocked and line.billing_date < horizon.end:
            period = f"{line.id.period_start.isoformat()} – {(line.id.period_end - timedelta(days=1)).isoformat()}"
            blocked.setdefault(_month(line.billing_date), []).append(f"{line.id.charge} {period}: {line.blocked}")
    return _Side(
        currency=schedule.currency,
        fixed=fixed,
        usage=usage,
        blocked={month: tuple(reasons) for month, reasons in blocked.items()},
        late=late,
    )


def _compare(contract: str, old: _Side | None, new: _Side | None, horizon: Horizon) -> ContractImpact:
    currencies = sorted({side.currency for side in (old, new) if side is not None})
    starts = horizon.month_starts()
    months: list[Month] = []
    earlier: list[Month] = []
    variable: set[LineId] = set()
    true_ups: list[TrueUp] = []
    for currency in currencies:
        was = old if old is not None and old.currency == currency else None
        now = new if new is not None and new.currency == currency else None
        sums: dict[date, list[Decimal]] = {}
        changed: dict[date, set[LineId]] = {}
        usage: set[date] = set()
        for key in (was.fixed.keys() if was else set()) | (now.fixed.keys() if now else set()):
            priced = (was.fixed.get(key) if was else None, now.fixed.get(key) if now else None)
            for i, found in enumerate(priced):
                if found is not None:
                    sums.setdefault(found[0], [ZERO, ZERO])[i] += found[1]
            if key[0].kind == "minimum":
                true_ups.append(
                    TrueUp(
                        id=key[0],
                        currency=currency,
                        before=priced[0][1] if priced[0] is not None else None,
                        after=priced[1][1] if priced[1] is not None else None,
                    )
                )
            if priced[0] is None or priced[1] is None or priced[0] != priced[1]:
                if key[0].kind in ("prepaid", "drawdown"):
                    variable.add(key[0])
                for found in priced:
                    if found is not None:
                        changed.setdefault(found[0], set()).add(key[0])
        for key in (was.usage.keys() if was else set()) | (now.usage.keys() if now else set()):
            terms = (was.usage.get(key) if was else None, now.usage.get(key) if now else None)
            if terms[0] is None or terms[1] is None or terms[0] != terms[1]:
                variable.add(key[0])
                for seen in terms:
                    if seen is not None:
                        changed.setdefault(seen[0], set()).add(key[0])
                        usage.add(seen[0])
        for key in (was.late.keys() if was else set()) | (now.late.keys() if now else set()):
            if (was.late.get(key) if was else None) != (now.late.get(key) if now else None):
                variable.add(key[0])
        blocked_before = was.blocked if was else {}
        blocked_after = now.blocked if now else {}
        every = set(sums) | set(changed) | set(blocked_before) | set(blocked_after)
        for month in sorted(every | set(starts)):
            if month >= horizon.end:
                continue
            amounts = sums.get(month, [ZERO, ZERO])
            entry = Month(
                month=month,
                currency=currency,
                before=amounts[0],
                after=amounts[1],
                changed=tuple(sorted(changed.get(month, ()))),
                usage=month in usage,
                blocked_before=blocked_before.get(month, ()),
                blocked_after=blocked_after.get(month, ()),
            )
            if month >= horizon.first:
                months.append(entry)
            elif entry.differs:
                earlier.append(entry)
    return ContractImpact(
        contract=contract,
        months=tuple(months),
        earlier=tuple(earlier),
        variable=tuple(sorted(variable)),
        true_ups=tuple(sorted(true_ups, key=lambda t: (t.currency, t.id))),
    )


def money_impact(
    old: model.Workspace, new: model.Workspace, contracts: Iterable[str], horizon: Horizon
) -> tuple[ContractImpact, ...]:
    """Each contract's billing before and after, by month: the horizon's months, and earlier months
    whose billing differs. Only the contracts named are lowered (those whose inputs changed)."""
    impacts = []
    for cid in sorted(set(contracts)):
        was, now = old.contracts.get(cid), new.contracts.get(cid)
        before = _priced_side(was, old.indices, horizon) if was is not None else None
        after = _priced_side(now, new.indices, horizon) if now is not None else None
        impacts.append(_compare(cid, before, after, horizon))
    return tuple(impacts)
