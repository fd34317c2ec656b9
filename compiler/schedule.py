"""Lowering a contract to its billing schedule: every line it will bill up to a
horizon, with its period, billing date, price arithmetic and provenance.

Pure data out: fixed charges carry their exact (unrounded) amount; usage lines,
discounts on usage and minimum true-ups carry what the bill run needs to price
them once usage and earlier invoices are known. Amounts are rounded only on the
invoice line, as semantics.md says.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

import attrs

from compiler import model, vat
from compiler.calendar import add_months
from compiler.charges import PERIOD_MONTHS
from compiler.periods import Period, billing_periods, fraction, split
from compiler.timeline import Timeline, Version, build
from dsl.span import Span

LineKind = Literal["recurring", "one_time", "usage", "discount", "minimum"]
HUNDRED = Decimal(100)


@attrs.frozen(kw_only=True)
class ScheduleLine:
    contract: str
    charge: str
    """The charge id; for a minimum true-up, `minimum`."""
    label: str
    kind: LineKind
    period_start: date
    period_end: date
    """Exclusive."""
    billing_date: date
    """The first as-of date on which a bill run bills this line."""
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    """Price per unit for one billing cycle (a minimum: the committed amount)."""
    days: int | None = None
    cycle_days: int | None = None
    """Proration: the line covers `days` of a full cycle of `cycle_days` (discounts: of its base line)."""
    amount: Decimal | None = None
    """Exact net amount; None when the bill run prices it (usage, discounts on usage, true-ups)."""
    metric: str | None = None
    rule: model.UsageRule | None = None
    percent: Decimal | None = None
    vat_category: str = "standard"
    vat_rate: Decimal = Decimal(0)
    amendment: int | None = None
    span: Span
    note: str = ""
    blocked: str | None = None
    """Why this line cannot be priced (a missing index value); the bill run refuses it."""


@attrs.frozen(kw_only=True)
class BillingSchedule:
    contract: str
    start: date
    end: date | None
    horizon: date
    term_ends: tuple[date, ...]
    notice_deadlines: tuple[date, ...]
    lines: tuple[ScheduleLine, ...]


def lower(contract: model.Contract, indices: Mapping[str, model.Index], until: date) -> BillingSchedule:
    """The contract's billing schedule for everything before `until`."""
    timeline = build(contract, indices, until)
    lines: list[ScheduleLine] = []
    for versions in timeline.versions.values():
        lines += _charge_lines(contract, versions, timeline.end, until)
    lines += _discount_lines(timeline, lines)
    lines += _minimum_lines(contract, timeline.end, until)
    order = {c.id: i for i, c in enumerate(contract.charges)}
    kinds = {"recurring": 0, "one_time": 1, "usage": 2, "discount": 3, "minimum": 4}
    lines.sort(
        key=lambda ln: (ln.billing_date, ln.period_start, order.get(ln.charge, len(order)), ln.charge, kinds[ln.kind])
    )
    return BillingSchedule(
        contract=contract.id,
        start=contract.start,
        end=timeline.end,
        horizon=until,
        term_ends=timeline.term_ends,
        notice_deadlines=timeline.notice_deadlines,
        lines=tuple(lines),
    )


def _segments(versions: tuple[Version, ...], life_end: date | None) -> Iterator[tuple[date, date, Version]]:
    """Each version's [start, end): until the next version, or the contract's end."""
    last = life_end or date.max
    for i, version in enumerate(versions):
        end = min(versions[i + 1].start if i + 1 < len(versions) else last, last)
        if version.charge is not None and version.start < end:
            yield version.start, end, version


def _base(contract: model.Contract, version: Version, charge: model.Charge, kind: LineKind) -> dict[str, object]:
    return {
        "contract": contract.id,
        "charge": charge.id,
        "label": charge.label,
        "kind": kind,
        "vat_category": charge.vat.category,
        "amendment": version.amendment,
        "span": charge.span,
        "note": version.note,
        "blocked": version.blocked,
    }


def _charge_lines(
    contract: model.Contract, versions: tuple[Version, ...], life_end: date | None, until: date
) -> list[ScheduleLine]:
    segments = list(_segments(versions, life_end))
    if not segments:
        return []
    first = segments[0][2].charge
    assert first is not None
    if isinstance(first.pricing, model.OneTimeFee):
        return _one_time(contract, segments, until)
    trial_end = _trial_end(segments[0][0], first)
    billing = first.billing or model.Billing(months=1, cycle="monthly", timing="advance")
    cuts = [start for start, _, _ in segments] + ([trial_end] if trial_end else [])
    lines: list[ScheduleLine] = []
    for period in billing_periods(contract.start, life_end, billing.months, contract.anchor_day, until):
        for piece in split(period, cuts):
            found = next(((s, e, v) for s, e, v in segments if s <= piece.start < e), None)
            if found is None or (trial_end is not None and piece.start < trial_end):
                continue
            version = found[2]
            charge = version.charge
            assert charge is not None
            if isinstance(charge.pricing, model.UsageFee):
                lines.append(_usage_line(contract, version, charge, period, piece))
            else:
                lines.append(_recurring_line(contract, version, charge, period, piece))
    return lines


def _trial_end(start: date, charge: model.Charge) -> date | None:
    if charge.trial is None:
        return None
    if charge.trial.unit == "day":
        return start + timedelta(days=charge.trial.count)
    return add_months(start, charge.trial.count * (12 if charge.trial.unit == "year" else 1))


def _recurring_line(
    contract: model.Contract, version: Version, charge: model.Charge, period: Period, piece: Period
) -> ScheduleLine:
    pricing = charge.pricing
    billing = charge.billing or model.Billing(months=1, cycle="monthly", timing="advance")
    if isinstance(pricing, model.FlatFee):
        unit_price = pricing.amount * billing.months / PERIOD_MONTHS[pricing.period]
        quantity = Decimal(1)
    else:
        assert isinstance(pricing, model.PerUnitFee)
        unit_price = pricing.price * billing.months / PERIOD_MONTHS[pricing.period]
        quantity = charge.quantity or Decimal(0)
    amount = unit_price * quantity * fraction(piece)
    billed_on = piece.start if billing.timing == "advance" else period.end
    return ScheduleLine(
        **_base(contract, version, charge, "recurring"),  # type: ignore[arg-type]
        period_start=piece.start,
        period_end=piece.end,
        billing_date=billed_on,
        quantity=quantity,
        unit_price=unit_price,
        days=piece.days,
        cycle_days=piece.cycle_days,
        amount=amount,
        vat_rate=vat.rate(charge.vat.category, piece.start),
    )


def _usage_line(
    contract: model.Contract, version: Version, charge: model.Charge, period: Period, piece: Period
) -> ScheduleLine:
    assert isinstance(charge.pricing, model.UsageFee)
    return ScheduleLine(
        **_base(contract, version, charge, "usage"),  # type: ignore[arg-type]
        period_start=piece.start,
        period_end=piece.end,
        billing_date=period.end,
        days=piece.days,
        cycle_days=piece.cycle_days,
        metric=charge.pricing.metric,
        rule=charge.pricing.rule,
        vat_rate=vat.rate(charge.vat.category, piece.start),
    )


def _one_time(contract: model.Contract, segments: list[tuple[date, date, Version]], until: date) -> list[ScheduleLine]:
    start, _, version = segments[0]
    charge = version.charge
    assert charge is not None and isinstance(charge.pricing, model.OneTimeFee)
    day = charge.pricing.on or start
    alive = next((v for s, e, v in segments if s <= day < e), None)
    if alive is None or alive.charge is None or day >= until:
        return []
    pricing = alive.charge.pricing
    assert isinstance(pricing, model.OneTimeFee)
    return [
        ScheduleLine(
            **_base(contract, alive, alive.charge, "one_time"),  # type: ignore[arg-type]
            period_start=day,
            period_end=day + timedelta(days=1),
            billing_date=day,
            quantity=Decimal(1),
            unit_price=pricing.amount,
            amount=pricing.amount,
            vat_rate=vat.rate(alive.charge.vat.category, day),
        )
    ]


def _discount_lines(timeline: Timeline, lines: list[ScheduleLine]) -> list[ScheduleLine]:
    found: list[ScheduleLine] = []
    for discount in timeline.discounts:
        window_start = discount.start or date.min
        window_end = discount.until or date.max
        for line in lines:
            if line.charge not in discount.charges or line.kind not in ("recurring", "one_time", "usage"):
                continue
            start = max(line.period_start, window_start)
            end = min(line.period_end, window_end)
            if start >= end:
                continue
            days = (end - start).days
            line_days = (line.period_end - line.period_start).days
            share = Decimal(days) / Decimal(line_days)
            amount = -(line.amount * discount.percent / HUNDRED * share) if line.amount is not None else None
            found.append(
                attrs.evolve(
                    line,
                    kind="discount",
                    label=f"{discount.label} ({_percent(discount.percent)} av {line.label})",
                    quantity=None,
                    unit_price=None,
                    days=days,
                    cycle_days=line_days,
                    amount=amount,
                    percent=discount.percent,
                    amendment=discount.amendment,
                    span=discount.span,
                    note=f"discount {_percent(discount.percent)} on {line.charge}",
                )
            )
    return found


def _minimum_lines(contract: model.Contract, life_end: date | None, until: date) -> list[ScheduleLine]:
    """A true-up at the end of each whole contract year that ends by the horizon."""
    if contract.minimum is None:
        return []
    lines: list[ScheduleLine] = []
    year = 0
    while True:
        start = add_months(contract.start, 12 * year)
        end = add_months(contract.start, 12 * (year + 1))
        if end > until or (life_end is not None and end > life_end):
            return lines
        lines.append(
            ScheduleLine(
                contract=contract.id,
                charge="minimum",
                label="Minimumsforpliktelse, etterberegning",
                kind="minimum",
                period_start=start,
                period_end=end,
                billing_date=end,
                unit_price=contract.minimum,
                vat_category="standard",
                vat_rate=vat.rate("standard", start),
                span=contract.span,
                note=f"true-up to the minimum of {contract.minimum} for contract year {year + 1}",
            )
        )
        year += 1


def _percent(value: Decimal) -> str:
    return f"{value.normalize():f} %".replace(".", ",")
