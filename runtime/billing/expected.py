"""What should have been billed by an as-of date: every schedule line due by then,
priced (usage from metered totals, discounts on usage, minimum true-ups) and
rounded to øre, each with the provenance that explains it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

import attrs

from compiler import model
from compiler.schedule import BillingSchedule, ScheduleLine, lower
from compiler.tiers import price

CENT = Decimal("0.01")
ZERO = Decimal(0)

UsageKey = tuple[str, str, date, date]
"""(contract, metric, period start, period end): one metered total."""


class LineKey(NamedTuple):
    """What reconciliation matches on: one charge's line for one period of one contract.

    A plain tuple, so that sorting and hashing hundreds of thousands of them is cheap.
    """

    contract: str
    charge: str
    label: str
    """The line's description: a charge's label, a discount's own label, a true-up's."""
    period_start: date
    period_end: date

    def as_json(self) -> dict[str, str]:
        return {
            "contract": self.contract,
            "charge": self.charge,
            "label": self.label,
            "period_start": self.period_start.isoformat(),
            "period_end": self.period_end.isoformat(),
        }


@attrs.frozen(kw_only=True)
class ExpectedLine:
    key: LineKey
    kind: str
    label: str
    billing_date: date
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    """Exact."""
    net: Decimal
    """Rounded to øre (ROUND_HALF_UP): the invoice line's net amount."""
    vat_category: str
    vat_rate: Decimal
    source: ScheduleLine
    extra: dict[str, Any]
    """What this kind of line adds to its provenance (usage totals, tier arithmetic)."""

    @property
    def provenance(self) -> dict[str, Any]:
        """Built when the line is drafted: most expected lines are settled and never need it."""
        return {
            **_provenance(self.source),
            **{name: f"{v:f}" if isinstance(v, Decimal) else v for name, v in self.extra.items()},
            "key": self.key.as_json(),
            "vat_category": self.vat_category,
            "vat_rate": f"{self.vat_rate:f}",
        }


@attrs.frozen(kw_only=True)
class Blocked:
    contract: str
    charge: str
    period_start: date
    reason: str


@attrs.frozen(kw_only=True)
class Expected:
    lines: tuple[ExpectedLine, ...]
    blocked: tuple[Blocked, ...]


def round_net(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def schedules(
    workspace: model.Workspace, as_of: date, progress: Callable[[int, int], None] | None = None
) -> dict[str, BillingSchedule]:
    """Each contract's schedule, for every line that can be due on or before `as_of`."""
    horizon = as_of + timedelta(days=1)
    contracts = sorted(workspace.contracts.items())
    result: dict[str, BillingSchedule] = {}
    for done, (cid, contract) in enumerate(contracts, start=1):
        result[cid] = lower(contract, workspace.indices, horizon)
        if progress and (done % 500 == 0 or done == len(contracts)):
            progress(done, len(contracts))
    return result


def usage_requests(plans: Mapping[str, BillingSchedule], as_of: date) -> list[UsageKey]:
    """The metered totals the due usage lines need."""
    wanted: set[UsageKey] = set()
    for schedule in plans.values():
        for line in schedule.lines:
            if line.kind == "usage" and line.billing_date <= as_of and line.metric:
                wanted.add((line.contract, line.metric, line.period_start, line.period_end))
    return sorted(wanted)


def _provenance(line: ScheduleLine) -> dict[str, Any]:
    data: dict[str, Any] = {
        "source": f"{line.span.file}:{line.span.line}",
        "kind": line.kind,
        "billing_date": line.billing_date.isoformat(),
    }
    if line.amendment is not None:
        data["amendment"] = line.amendment
    if line.note:
        data["note"] = line.note
    if line.days is not None and line.cycle_days is not None:
        data["proration"] = {"days": line.days, "cycle_days": line.cycle_days}
    return data


def expected_lines(
    workspace: model.Workspace,
    plans: Mapping[str, BillingSchedule],
    usage: Mapping[UsageKey, Decimal],
    as_of: date,
) -> Expected:
    lines: list[ExpectedLine] = []
    blocked: list[Blocked] = []
    for cid, schedule in plans.items():
        due = [ln for ln in schedule.lines if ln.billing_date <= as_of]
        priced: dict[tuple[str, date, date], Decimal] = {}  # usage amounts, for discounts on usage
        mine: list[ExpectedLine] = []
        for line in due:
            if line.blocked:
                blocked.append(
                    Blocked(contract=cid, charge=line.charge, period_start=line.period_start, reason=line.blocked)
                )
                continue
            if line.kind in ("recurring", "one_time"):
                assert line.amount is not None
                mine.append(_fixed(line))
            elif line.kind == "usage":
                assert line.metric is not None and line.rule is not None
                total = usage.get((cid, line.metric, line.period_start, line.period_end), ZERO)
                result = price(total, line.rule)
                priced[(line.charge, line.period_start, line.period_end)] = result.amount
                mine.append(
                    _make(
                        line,
                        quantity=total,
                        unit_price=line.rule.price if isinstance(line.rule, model.UnitRate) else result.amount,
                        amount=result.amount,
                        extra={"metric": line.metric, "usage_total": total, "arithmetic": result.explain()},
                    )
                )
        for line in due:
            if line.kind != "discount" or line.blocked:
                continue
            if line.amount is not None:
                mine.append(_discount(line, line.amount))
                continue
            base = priced.get((line.charge, line.period_start, line.period_end))
            if base is not None and line.percent is not None and line.days and line.cycle_days:
                amount = -(base * line.percent / 100 * Decimal(line.days) / Decimal(line.cycle_days))
                mine.append(_discount(line, amount))
        for line in due:
            if line.kind == "minimum" and line.unit_price is not None:
                in_year = sum(
                    (x.amount for x in mine if line.period_start <= x.key.period_start < line.period_end), ZERO
                )
                shortfall = max(ZERO, line.unit_price - in_year)
                mine.append(
                    _make(
                        line,
                        quantity=Decimal(1),
                        unit_price=shortfall,
                        amount=shortfall,
                        extra={"minimum": line.unit_price, "billed_in_year": round_net(in_year)},
                    )
                )
        lines += mine
    return Expected(lines=tuple(lines), blocked=tuple(blocked))


def _make(
    line: ScheduleLine, *, quantity: Decimal, unit_price: Decimal, amount: Decimal, extra: dict[str, Any]
) -> ExpectedLine:
    key = LineKey(line.contract, line.charge, line.label, line.period_start, line.period_end)
    return ExpectedLine(
        key=key,
        kind=line.kind,
        label=line.label,
        billing_date=line.billing_date,
        quantity=quantity,
        unit_price=unit_price,
        amount=amount,
        net=round_net(amount),
        vat_category=line.vat_category,
        vat_rate=line.vat_rate,
        source=line,
        extra=extra,
    )


def _fixed(line: ScheduleLine) -> ExpectedLine:
    assert line.amount is not None and line.quantity is not None and line.unit_price is not None
    return _make(
        line,
        quantity=line.quantity,
        unit_price=line.unit_price,
        amount=line.amount,
        extra={"quantity": line.quantity, "unit_price": line.unit_price},
    )


def _discount(line: ScheduleLine, amount: Decimal) -> ExpectedLine:
    return _make(
        line,
        quantity=Decimal(1),
        unit_price=amount,
        amount=amount,
        extra={"percent": line.percent},
    )
