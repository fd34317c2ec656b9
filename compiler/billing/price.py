"""Pricing a schedule as of a date: every billable line due by then, with its amount,
its net amount rounded in the contract's currency, and the trace that explains it.

Pure: usage comes in as metered totals. Discounts and minimum true-ups are
priced here, in one place, from the lines they depend on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal

import attrs

from compiler.billing.lines import (
    BillableLine,
    DiscountLine,
    LineId,
    MinimumLine,
    OneTimeLine,
    Piece,
    RecurringLine,
    Tax,
    UsageLine,
    service_end,
    service_start,
)
from compiler.billing.lower import BillingSchedule
from compiler.billing.pricing import price_usage
from compiler.billing.provenance import (
    DiscountTrace,
    MinimumTrace,
    PieceTrace,
    Source,
    Trace,
    UsageTrace,
)
from compiler.model import UnitRate
from compiler.money import round_money

ZERO = Decimal(0)
HUNDRED = Decimal(100)

UsageKey = tuple[str, str, date, date]
"""(contract, metric, first day, end): one metered total."""


@attrs.frozen(kw_only=True)
class PricedLine:
    """A line due by the as-of date, priced. What an invoice line shows, and what reconciliation expects."""

    id: LineId
    tax: Tax
    label: str
    billing_date: date
    start: date
    end: date
    """The days billed: [start, end), inside the billing period of `id`."""
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    """Exact."""
    net: Decimal
    """`amount` rounded to the currency's minor unit: the invoice line's net amount."""
    trace: Trace


@attrs.frozen(kw_only=True)
class Blocked:
    contract: str
    charge: str
    period_start: date
    reason: str


@attrs.frozen(kw_only=True)
class Priced:
    lines: tuple[PricedLine, ...]
    blocked: tuple[Blocked, ...]


def usage_requests(schedule: BillingSchedule, as_of: date) -> list[UsageKey]:
    """The metered totals that the usage lines due by `as_of` need."""
    return [
        (schedule.contract, piece.metric, piece.start, piece.end)
        for line in schedule.lines
        if isinstance(line, UsageLine) and line.billing_date <= as_of
        for piece in line.pieces
    ]


def price_schedule(schedule: BillingSchedule, usage: Mapping[UsageKey, Decimal], as_of: date) -> Priced:
    """Every line of `schedule` due on or before `as_of`, priced; blocked lines apart."""
    currency = schedule.currency
    due = [line for line in schedule.lines if line.billing_date <= as_of]
    priced: list[PricedLine] = []
    blocked: list[Blocked] = []
    # the exact amount of each stretch of a base line, for the discounts on it
    stretches: dict[tuple[LineId, Tax], list[tuple[date, date, Decimal]]] = {}
    for line in due:
        if isinstance(line, RecurringLine):
            if line.blocked:
                blocked.append(
                    Blocked(
                        contract=line.id.contract,
                        charge=line.id.charge,
                        period_start=service_start(line),
                        reason=line.blocked,
                    )
                )
                continue
            priced.append(_recurring(line, currency))
            stretches[line.id, line.tax] = [(p.start, p.end, p.amount) for p in line.pieces]
        elif isinstance(line, OneTimeLine):
            priced.append(_one_time(line, currency))
            stretches[line.id, line.tax] = [(line.id.period_start, line.id.period_end, line.amount)]
        elif isinstance(line, UsageLine):
            found = _usage(line, usage, currency)
            priced.append(found)
            stretches[line.id, line.tax] = [(u.start, u.end, u.amount) for u in found.trace.usage]
    for line in due:
        if isinstance(line, DiscountLine) and (line.base, line.tax) in stretches:
            priced.append(_discount(line, stretches[line.base, line.tax], currency))
    for line in due:
        if isinstance(line, MinimumLine):
            priced.append(_minimum(line, priced, currency))
    return Priced(lines=tuple(priced), blocked=tuple(blocked))


def _line(
    line: BillableLine,
    currency: str,
    *,
    quantity: Decimal,
    unit_price: Decimal,
    amount: Decimal,
    trace: Trace,
    start: date | None = None,
    end: date | None = None,
) -> PricedLine:
    return PricedLine(
        id=line.id,
        tax=line.tax,
        label=line.label,
        billing_date=line.billing_date,
        start=start or service_start(line),
        end=end or service_end(line),
        quantity=quantity,
        unit_price=unit_price,
        amount=amount,
        net=round_money(amount, currency),
        trace=trace,
    )


def piece_trace(piece: Piece) -> PieceTrace:
    return PieceTrace(
        start=piece.start,
        end=piece.end,
        quantity=piece.quantity,
        price=piece.price,
        per=piece.per,
        unit_months=piece.proration.unit_months,
        whole=piece.proration.whole,
        parts=piece.proration.parts,
        amount=piece.amount,
        amendment=piece.amendment,
        note=piece.note,
        source=Source.of(piece.source),
    )


def _recurring(line: RecurringLine, currency: str) -> PricedLine:
    amount = line.amount
    single = line.pieces[0] if len(line.pieces) == 1 else None
    if single is not None and single.proration.is_whole and single.proration.whole == 1:
        quantity, unit_price = single.quantity, single.amount / single.quantity if single.quantity else ZERO
    else:
        quantity, unit_price = Decimal(1), round_money(amount, currency)
    trace = Trace(
        kind="recurring",
        line_kind="recurring",
        source=Source.of(line.span),
        amendment=max((p.amendment for p in line.pieces if p.amendment is not None), default=None),
        billing_date=line.billing_date,
        pieces=tuple(piece_trace(p) for p in line.pieces),
    )
    return _line(line, currency, quantity=quantity, unit_price=unit_price, amount=amount, trace=trace)


def _one_time(line: OneTimeLine, currency: str) -> PricedLine:
    trace = Trace(
        kind="one_time",
        line_kind="one_time",
        source=Source.of(line.span),
        amendment=line.amendment,
        billing_date=line.billing_date,
    )
    return _line(line, currency, quantity=Decimal(1), unit_price=line.amount, amount=line.amount, trace=trace)


def _usage(line: UsageLine, usage: Mapping[UsageKey, Decimal], currency: str) -> PricedLine:
    traces: list[UsageTrace] = []
    for piece in line.pieces:
        total = usage.get((line.id.contract, piece.metric, piece.start, piece.end), ZERO)
        result = price_usage(total, piece.rule)
        traces.append(
            UsageTrace(
                start=piece.start,
                end=piece.end,
                metric=piece.metric,
                total=total,
                arithmetic=result.explain(),
                amount=result.amount,
                amendment=piece.amendment,
                source=Source.of(piece.source),
            )
        )
    amount = sum((t.amount for t in traces), ZERO)
    quantity = sum((t.total for t in traces), ZERO)
    rates = {p.rule.price for p in line.pieces if isinstance(p.rule, UnitRate)}
    unit_price = rates.pop() if len(rates) == 1 and all(isinstance(p.rule, UnitRate) for p in line.pieces) else amount
    trace = Trace(
        kind="usage",
        line_kind="usage",
        source=Source.of(line.span),
        amendment=max((p.amendment for p in line.pieces if p.amendment is not None), default=None),
        billing_date=line.billing_date,
        usage=tuple(traces),
    )
    return _line(line, currency, quantity=quantity, unit_price=unit_price, amount=amount, trace=trace)


def _discount(line: DiscountLine, base: Sequence[tuple[date, date, Decimal]], currency: str) -> PricedLine:
    """-(percent of the base's amount inside the window), the base taken stretch by stretch, by days."""
    discounted = ZERO
    first, last = date.max, date.min
    for start, end, amount in base:
        inside = (min(end, line.window_end) - max(start, line.window_start)).days
        if inside <= 0:
            continue
        discounted += amount * inside / (end - start).days
        first, last = min(first, max(start, line.window_start)), max(last, min(end, line.window_end))
    amount = -(discounted * line.percent / HUNDRED)
    trace = Trace(
        kind="discount",
        line_kind="discount",
        source=Source.of(line.span),
        amendment=line.amendment,
        billing_date=line.billing_date,
        discount=DiscountTrace(
            discount=line.id.discount,
            percent=line.percent,
            charge=line.base.charge,
            window_start=None if line.window_start == date.min else line.window_start,
            window_end=None if line.window_end == date.max else line.window_end,
            discounted=discounted,
        ),
    )
    if first >= last:
        first, last = line.id.period_start, line.id.period_end
    return _line(
        line,
        currency,
        quantity=Decimal(1),
        unit_price=round_money(amount, currency),
        amount=amount,
        trace=trace,
        start=first,
        end=last,
    )


def _minimum(line: MinimumLine, priced: Iterable[PricedLine], currency: str) -> PricedLine:
    """Tops the net billed for the stretches starting in the contract year up to the minimum."""
    year_start, year_end = line.id.period_start, line.id.period_end
    in_year = sum(
        (
            p.amount
            for p in priced
            if p.id.contract == line.id.contract and p.id.kind != "minimum" and year_start <= p.start < year_end
        ),
        ZERO,
    )
    shortfall = max(ZERO, line.minimum - in_year)
    trace = Trace(
        kind="minimum",
        line_kind="minimum",
        source=Source.of(line.span),
        billing_date=line.billing_date,
        minimum=MinimumTrace(
            minimum=line.minimum,
            billed_in_year=round_money(in_year, currency),
            year_start=year_start,
            year_end=year_end,
        ),
    )
    return _line(
        line, currency, quantity=Decimal(1), unit_price=round_money(shortfall, currency), amount=shortfall, trace=trace
    )
