"""What a change does to billing: each affected contract lowered and priced on both sides, by the
same lowering and pricing a bill run uses, and compared month by month.

A month is the calendar month of a line's billing date. Amounts are net, rounded as on the
invoice line, in the contract's currency; a contract whose currency changed has the old side's
amounts in the old currency and the new side's in the new one, so no figure mixes currencies.

Usage is not metered here: usage lines, discounts on them and minimum true-ups of years with usage
depend on usage the workspace's history does not hold (and, for the months ahead, that has not
happened yet). They are left out of the amounts, and a month whose usage-dependent lines differ
between the sides (another rule, metric, period or minimum) is marked as depending on usage.

For revenue (compiler/revenue_impact.py) the impact also holds what billing knows of variable
consideration up to a `reach` (the horizon's end, or later when months closed for revenue lie beyond
it), whenever it is billed: the true-ups priced without usage and the prepaid credits, and the
variable lines that differ. A true-up is billed when its contract year ends, after the horizon
maybe, while its revenue lands inside it: a contract with a minimum is lowered to the end of the
contract year running at the reach.

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
    DrawdownLine,
    LineId,
    MinimumLine,
    PrepaidLine,
    RecurringLine,
    Tax,
    UsageLine,
    service_end,
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
class Known:
    """A line of variable consideration whose amount billing knows without usage, on each side: a minimum
    true-up of a contract year without usage lines, or a prepaid credit. Revenue needs them, since a
    revenue plan leaves them out (variable consideration, known when billed)."""

    id: LineId
    currency: str
    before: Decimal | None
    after: Decimal | None


@attrs.frozen(kw_only=True)
class VariableLine:
    """A line of variable consideration whose revenue may differ between the sides: usage, a discount on
    it, a true-up of a year with usage, a prepaid credit or a drawdown from one."""

    id: LineId
    year: tuple[date, date] | None = None
    """A drawdown's contract year: its prepaid credit's period."""
    served: date | None = None
    """A drawdown's usage: the day after its last day of service."""

    def sort_key(self) -> tuple[LineId, tuple[date, date], date]:
        return (self.id, self.year or (date.min, date.min), self.served or date.min)


@attrs.frozen(kw_only=True)
class ContractImpact:
    contract: str
    months: tuple[Month, ...]
    """Every month of the horizon, for each currency the contract bills in on either side."""
    earlier: tuple[Month, ...]
    """Months before the horizon whose billing differs: what the next bill run corrects."""
    variable: tuple[VariableLine, ...] = ()
    """Lines of variable consideration that differ (usage, its discounts, true-ups of years with usage,
    a prepaid credit and its drawdowns) whose period starts before the reach, billed by then or not:
    the months whose revenue depends on usage."""
    known: tuple[Known, ...] = ()
    """Every true-up priced without usage and every prepaid credit on either side whose period starts
    before the reach, billed by then or not."""
    ends: tuple[date | None, date | None] = (None, None)
    """The day after the contract's last day on each side, when it ends (a term without renewal, or a
    termination): a prepaid credit expires with it."""

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
    dependent: Mapping[Key, tuple[VariableLine, object]] = attrs.field(factory=dict)
    """Usage-dependent lines whose period starts before the reach, billed when they may: their terms."""
    known: Mapping[Key, Decimal] = attrs.field(factory=dict)
    """True-ups priced without usage and prepaid credits whose period starts before the reach: net."""
    end: date | None = None
    """The schedule's end: the day after the contract's last day, if it ends."""


def _month(day: date) -> date:
    return day.replace(day=1)


def _usage_signature(line: UsageLine) -> object:
    return tuple((p.start, p.end, p.metric, p.rule) for p in line.pieces)


def _priced_side(
    contract: model.Contract, indices: Mapping[str, model.Index], horizon: Horizon, reach: date, until: date
) -> _Side:
    """One side's lines, lowered before `until` (at or after the reach) and priced as a bill run on the
    day before it prices them: billing's figures are the lines billed in the horizon, revenue's what
    starts before the reach."""
    schedule = lower(contract, indices, until)
    usage_lines = {line.id: line for line in schedule.lines if isinstance(line, UsageLine)}
    credits = {line.id: line.amount for line in schedule.lines if isinstance(line, PrepaidLine)}
    usage: dict[Key, tuple[date, object]] = {}
    dependent: dict[Key, tuple[VariableLine, object]] = {}
    kept: list[BillableLine] = []

    def depends(line: BillableLine, terms: object) -> None:
        """A usage-dependent line: for billing if billed in the horizon, for revenue if it starts before the reach."""
        key = (line.id, line.tax)
        if line.billing_date < horizon.end:
            usage[key] = (_month(line.billing_date), terms)
        if line.id.period_start < reach:
            dependent[key] = (VariableLine(id=line.id), terms)

    for line in schedule.lines:
        if isinstance(line, UsageLine):
            depends(line, _usage_signature(line))
        elif isinstance(line, DiscountLine) and line.base.kind == "usage":
            depends(line, (line.percent, line.window_start, line.window_end))
        elif isinstance(line, DrawdownLine):
            base = usage_lines.get(line.base)
            if line.id.period_start < reach and base is not None:
                served = service_end(base)
                year = (line.year.period_start, line.year.period_end)
                terms = (_usage_signature(base), line.year, credits.get(line.year))
                dependent[line.id, line.tax] = (VariableLine(id=line.id, year=year, served=served), terms)
            kept.append(line)
        else:
            kept.append(line)
    # Usage-dependent lines are never priced (there is no usage to price them with): the rest are
    # priced as the bill run prices them.
    priced = price_schedule(attrs.evolve(schedule, lines=tuple(kept)), {}, until - timedelta(days=1))
    lines: dict[Key, BillableLine] = {(line.id, line.tax): line for line in kept}
    fixed: dict[Key, tuple[date, Decimal]] = {}
    known: dict[Key, Decimal] = {}
    exact_fixed: list[tuple[date, Fraction]] = []  # (first billed day, exact amount) of the lines usage never moves
    minimums: list[MinimumLine] = []
    for found in priced.lines:
        key = (found.id, found.tax)
        line = lines[key]
        if isinstance(line, MinimumLine) and any(
            line.id.period_start <= service_start(u) < line.id.period_end for u in usage_lines.values()
        ):
            minimums.append(line)
            continue
        if line.billing_date < horizon.end:
            fixed[key] = (_month(line.billing_date), found.net)
        if isinstance(line, MinimumLine | PrepaidLine) and line.id.period_start < reach:
            known[key] = found.net
        if not isinstance(line, MinimumLine):
            exact_fixed.append((found.start, found.exact))
    for minimum in minimums:  # a true-up over a year with usage: its terms and the year's fixed lines
        start, end = minimum.id.period_start, minimum.id.period_end
        in_year = sum((amount for day, amount in exact_fixed if start <= day < end), Fraction(0))
        depends(minimum, (minimum.minimum, in_year))
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
        dependent=dependent,
        known=known,
        end=schedule.end,
    )


def _pair(old: _Side | None, new: _Side | None, currency: str) -> tuple[_Side | None, _Side | None]:
    """Each side, if it bills in `currency`."""
    return (
        old if old is not None and old.currency == currency else None,
        new if new is not None and new.currency == currency else None,
    )


def _compare(contract: str, old: _Side | None, new: _Side | None, horizon: Horizon) -> ContractImpact:
    currencies = sorted({side.currency for side in (old, new) if side is not None})
    starts = horizon.month_starts()
    months: list[Month] = []
    earlier: list[Month] = []
    variable: dict[tuple[LineId, tuple[date, date], date], VariableLine] = {}
    known: list[Known] = []
    for currency in currencies:
        was, now = _pair(old, new, currency)
        sums: dict[date, list[Decimal]] = {}
        changed: dict[date, set[LineId]] = {}
        usage: set[date] = set()
        for key in (was.fixed.keys() if was else set()) | (now.fixed.keys() if now else set()):
            priced = (was.fixed.get(key) if was else None, now.fixed.get(key) if now else None)
            for i, found in enumerate(priced):
                if found is not None:
                    sums.setdefault(found[0], [ZERO, ZERO])[i] += found[1]
            if priced[0] is None or priced[1] is None or priced[0] != priced[1]:
                for found in priced:
                    if found is not None:
                        changed.setdefault(found[0], set()).add(key[0])
        for key in (was.usage.keys() if was else set()) | (now.usage.keys() if now else set()):
            terms = (was.usage.get(key) if was else None, now.usage.get(key) if now else None)
            if terms[0] is None or terms[1] is None or terms[0] != terms[1]:
                for seen in terms:
                    if seen is not None:
                        changed.setdefault(seen[0], set()).add(key[0])
                        usage.add(seen[0])
        for key in (was.dependent.keys() if was else set()) | (now.dependent.keys() if now else set()):
            lines = (was.dependent.get(key) if was else None, now.dependent.get(key) if now else None)
            if lines[0] is None or lines[1] is None or lines[0][1] != lines[1][1]:
                for line in lines:
                    if line is not None:
                        variable[line[0].sort_key()] = line[0]
        for key in (was.known.keys() if was else set()) | (now.known.keys() if now else set()):
            net = (was.known.get(key) if was else None, now.known.get(key) if now else None)
            known.append(Known(id=key[0], currency=currency, before=net[0], after=net[1]))
            if key[0].kind == "prepaid" and net[0] != net[1]:  # the breakage, or the drawdowns, move with it
                variable[VariableLine(id=key[0]).sort_key()] = VariableLine(id=key[0])
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
        variable=tuple(variable[k] for k in sorted(variable)),
        known=tuple(sorted(known, key=lambda k: (k.currency, k.id))),
        ends=(old.end if old is not None else None, new.end if new is not None else None),
    )


def _until(contract: model.Contract, reach: date) -> date:
    """Where to lower a contract to: the reach, or, with a minimum, the end of the contract year running
    at it (its true-up is billed then), plus the day a bill run on that day lowers to."""
    if contract.minimum is None:
        return reach
    year = 1
    while add_months(contract.start, 12 * year) < reach:
        year += 1
    return max(reach, add_months(contract.start, 12 * year) + timedelta(days=1))


def money_impact(
    old: model.Workspace,
    new: model.Workspace,
    contracts: Iterable[str],
    horizon: Horizon,
    reach: date | None = None,
) -> tuple[ContractImpact, ...]:
    """Each contract's billing before and after, by month: the horizon's months, and earlier months
    whose billing differs; and its variable consideration up to `reach` (the horizon's end unless
    later), for revenue. Only the contracts named are lowered (those whose inputs changed)."""
    reach = max(reach or horizon.end, horizon.end)
    impacts = []
    for cid in sorted(set(contracts)):
        was, now = old.contracts.get(cid), new.contracts.get(cid)
        until = max([reach, *(_until(c, reach) for c in (was, now) if c is not None)])
        before = _priced_side(was, old.indices, horizon, reach, until) if was is not None else None
        after = _priced_side(now, new.indices, horizon, reach, until) if now is not None else None
        impacts.append(_compare(cid, before, after, horizon))
    return tuple(impacts)
