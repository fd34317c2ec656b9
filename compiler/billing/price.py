"""Pricing a schedule as of a date: every billable line due by then, with its amount,
its net amount rounded in the contract's currency, and the trace that explains it.

Pure: usage comes in as metered totals. Discounts and minimum true-ups are
priced here, in one place, from the lines they depend on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from fractions import Fraction

import attrs

from compiler.billing.lines import (
    BillableLine,
    DiscountLine,
    DrawdownLine,
    LineId,
    MinimumLine,
    OneTimeLine,
    Piece,
    PrepaidLine,
    RecurringLine,
    Tax,
    UsageLine,
    UsagePiece,
    service_end,
    service_start,
)
from compiler.billing.lower import BillingSchedule
from compiler.billing.pricing import Priced as RulePriced
from compiler.billing.pricing import price_usage
from compiler.billing.pricing.allowance import Free, Metered, carried_out, price_pieces
from compiler.billing.pricing.base import PerEvent, Step
from compiler.billing.pricing.levels import note as levels_note
from compiler.billing.pricing.levels import unit_months as levels_unit_months
from compiler.billing.pricing.percentage import measure, per_event
from compiler.billing.provenance import (
    DiscountTrace,
    DrawdownTrace,
    MinimumTrace,
    PieceTrace,
    PrepaidTrace,
    Source,
    Trace,
    UsageTrace,
)
from compiler.model import Allowance, Package, Percentage, Tiered, UnitRate, UsageRule
from compiler.money import minor_unit, round_exact, round_product, to_decimal

ZERO = Decimal(0)
HUNDRED = Decimal(100)

UsageKey = tuple[str, str, date, date] | tuple[str, str, date, date, PerEvent]
"""(contract, metric, first day, end): one metered total; with a `PerEvent` fifth, the sum of each
event's fee under a per-event price (compiler/billing/pricing/percentage.py)."""


UsageFound = tuple[tuple[UsagePiece, Decimal, RulePriced], ...]
"""Each piece of a usage line with its metered total and its price."""
Detail = UsageFound | DiscountTrace | MinimumTrace | PrepaidTrace | DrawdownTrace | None


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
    """Quantity x unit price is the amount (for a line of several pieces: 1 x the net amount)."""
    exact: Fraction
    """The amount, exact."""
    net: Decimal
    """The amount rounded (HALF_UP) to the currency's minor unit: the invoice line's net amount."""
    line: BillableLine
    detail: Detail = None
    """What pricing found beyond the line itself: usage totals, a discount's base, a minimum's year."""

    @property
    def amount(self) -> Decimal:
        """The exact amount as a Decimal, for showing."""
        return to_decimal(self.exact)

    def trace(self) -> Trace:
        """Why the line bills what it bills. Built only for lines that are drafted: most are settled."""
        return _trace(self)


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
    return usage_line_requests(schedule.contract, schedule.lines, as_of)


def usage_line_requests(contract: str, lines: Iterable[BillableLine], as_of: date) -> list[UsageKey]:
    """The metered totals that the contract's usage lines among `lines` due by `as_of` need."""
    keys: list[UsageKey] = []
    for line in lines:
        if isinstance(line, UsageLine) and line.billing_date <= as_of:
            for piece in line.pieces:
                keys.append((contract, piece.metric, piece.start, piece.end))
                if isinstance(piece.rule, Percentage) and piece.rule.per_event:
                    keys.append((contract, piece.metric, piece.start, piece.end, measure(piece.rule)))
    return keys


def price_schedule(schedule: BillingSchedule, usage: Mapping[UsageKey, Decimal], as_of: date) -> Priced:
    """Every line of `schedule` due on or before `as_of`, priced; blocked lines apart."""
    currency = schedule.currency
    due = [line for line in schedule.lines if line.billing_date <= as_of]
    priced: list[PricedLine] = []
    blocked: list[Blocked] = []
    bases: dict[tuple[LineId, Tax], PricedLine] = {}  # the lines discounts may apply to
    rollover: dict[str, _Balance] = {}  # per charge: the free units of its current period, carried on
    used = _periods_used(due, usage, currency)
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
            bases[line.id, line.tax] = priced[-1]
        elif isinstance(line, OneTimeLine):
            priced.append(_one_time(line, currency))
            bases[line.id, line.tax] = priced[-1]
        elif isinstance(line, UsageLine):
            priced.append(_usage(line, usage, currency, rollover, used))
            bases[line.id, line.tax] = priced[-1]
    for line in due:
        if isinstance(line, DiscountLine) and (line.base, line.tax) in bases:
            priced.append(_discount(line, _stretches(bases[line.base, line.tax], usage), currency))
    priced += _drawdown(due, priced, currency)
    for line in due:
        if isinstance(line, MinimumLine):
            priced.append(_minimum(line, priced, currency))
    return Priced(lines=tuple(priced), blocked=tuple(blocked))


def _line(
    line: BillableLine,
    currency: str,
    *,
    quantity: Decimal | None,
    unit_price: Decimal | None,
    exact: Fraction,
    detail: Detail = None,
    start: date | None = None,
    end: date | None = None,
) -> PricedLine:
    """The priced line; without a quantity and unit price, 1 x the net amount."""
    net = round_exact(exact, currency)
    return PricedLine(
        id=line.id,
        tax=line.tax,
        label=line.label,
        billing_date=line.billing_date,
        start=start or service_start(line),
        end=end or service_end(line),
        quantity=Decimal(1) if quantity is None else quantity,
        unit_price=net if unit_price is None else unit_price,
        exact=exact,
        net=net,
        line=line,
        detail=detail,
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
    """One whole unit of the price at one quantity: quantity x price per unit, when that rounds to the net
    (a price that does not divide evenly over the quantity may not); otherwise 1 x the net amount."""
    pieces = line.pieces
    single = pieces[0] if len(pieces) == 1 else None
    if single is not None and single.proration.is_whole and single.proration.whole == 1 and single.quantity:
        unit = single.amount / single.quantity
        if _checks(single.quantity, unit, single.exact, currency):
            return _line(line, currency, quantity=single.quantity, unit_price=unit, exact=single.exact)
    return _line(line, currency, quantity=None, unit_price=None, exact=line.exact)


def _checks(quantity: Decimal, unit_price: Decimal, exact: Fraction, currency: str) -> bool:
    """Quantity x unit price, rounded as the line is, is the line's net amount."""
    return round_product(quantity, unit_price, currency) == round_exact(exact, currency)


def _one_time(line: OneTimeLine, currency: str) -> PricedLine:
    return _line(line, currency, quantity=Decimal(1), unit_price=line.amount, exact=Fraction(line.amount))


def _usage(
    line: UsageLine,
    usage: Mapping[UsageKey, Decimal],
    currency: str,
    rollover: dict[str, _Balance] | None = None,
    periods_used: Mapping[tuple[str, date], bool] | None = None,
) -> PricedLine:
    """Each piece priced from its metered total, less the free units of its version (included, and carried
    in from the period before), with `unused bills flat` once per period. `rollover` holds, per charge, its
    `_Balance` after the usage lines priced so far, kept from one usage line to the next in billing order."""
    found: list[tuple[UsagePiece, Decimal, RulePriced]] = []
    levels: dict[int, str] = {}  # the level x months arithmetic of a gauge's pieces, by position
    for piece, total, words in _metered(line, usage):
        if words:
            levels[len(found)] = words
        if isinstance(piece.rule, Percentage) and piece.rule.per_event:
            fees = usage.get((line.id.contract, piece.metric, piece.start, piece.end, measure(piece.rule)), ZERO)
            found.append((piece, total, per_event(total, fees, piece.rule)))
        else:
            found.append((piece, total, price_usage(total, piece.rule)))
    balances = {} if rollover is None else rollover
    # most usage lines have no free units and no unused flat: priced as they are, nothing to keep
    if line.id.charge in balances or any(p.allowance is not None or _flat_at_zero(p.rule) for p in line.pieces):
        found = _with_allowance(line, found, balances, periods_used or {})
    for position, words in levels.items():
        piece, total, priced_piece = found[position]
        found[position] = (piece, total, attrs.evolve(priced_piece, prefix=words + priced_piece.prefix))
    exact = sum((Fraction(p.amount) for _, _, p in found), Fraction(0))
    quantity, unit_price = _usage_quantity(found)
    return _line(line, currency, quantity=quantity, unit_price=unit_price, exact=exact, detail=tuple(found))


def _metered(line: UsageLine, usage: Mapping[UsageKey, Decimal]) -> list[tuple[UsagePiece, Decimal, str]]:
    """Each piece with its metered total. A gauge's pieces (one per month of the grid) bill their level x their
    months, and the months of one version are joined into one piece, so that the rule prices the period's
    unit-months once (tiers and flat amounts per period, not per month), with the arithmetic that joined them."""
    found: list[tuple[UsagePiece, Decimal, str]] = []
    parts: list[tuple[Decimal, Fraction]] = []
    for piece in line.pieces:
        total = usage.get((line.id.contract, piece.metric, piece.start, piece.end), ZERO)
        if piece.months is None:
            found.append((piece, total, ""))
            continue
        units = levels_unit_months(total, piece.months)
        last = found[-1][0] if found else None
        if last is not None and last.months is not None and last.end == piece.start and _same_version(last, piece):
            parts.append((total, piece.months))
            joined = attrs.evolve(last, end=piece.end, months=last.months + piece.months)
            units += found[-1][1]
        else:
            parts = [(total, piece.months)]
            joined = piece
        if joined is not piece:
            found[-1] = (joined, units, levels_note(parts, units))
        else:
            found.append((piece, units, levels_note(parts, units)))
    return found


def _same_version(a: UsagePiece, b: UsagePiece) -> bool:
    def version(p: UsagePiece) -> tuple[object, ...]:
        return (p.metric, p.rule, p.allowance, p.amendment, p.source)

    return version(a) == version(b)


def _flat_at_zero(rule: UsageRule) -> bool:
    return isinstance(rule, Tiered) and rule.flat_at_zero


def _allowance(piece: UsagePiece) -> Allowance | None:
    # the allowance of the piece's version (lines.UsagePiece.allowance, set by lowering)
    found: Allowance | None = piece.allowance
    return found


@attrs.frozen
class _Balance:
    """A charge's billing period as far as its usage lines are priced (a VAT change splits a period into
    lines of the same identity): its free units, and whether it has billed anything or its unused flat."""

    period: date
    """The first day of the billing period."""
    end: date
    """The end of the last piece priced: a period that starts there may carry units in."""
    free: Free
    last: Allowance | None
    """The allowance of the last piece priced, which decides what the period carries out."""
    used: bool
    """A piece of the period had billable units."""
    flat: bool
    """A piece of the period billed `unused bills flat`."""


def _periods_used(
    due: Sequence[BillableLine], usage: Mapping[UsageKey, Decimal], currency: str
) -> dict[tuple[str, date], bool]:
    """Whether a period that a VAT change splits into several usage lines had billable units in any of them, for
    `unused bills flat`: its first line must not bill the flat when a later one has usage. Found by pricing the
    usage lines once beforehand, only for such periods of charges with the flat (rare)."""
    lines = [line for line in due if isinstance(line, UsageLine)]
    count = Counter((line.id.charge, line.id.period_start) for line in lines)
    flat = {(ln.id.charge, ln.id.period_start) for ln in lines if any(_flat_at_zero(p.rule) for p in ln.pieces)}
    if not any(count[key] > 1 for key in flat):
        return {}
    scratch: dict[str, _Balance] = {}
    found: dict[tuple[str, date], bool] = {}
    for line in lines:
        _usage(line, usage, currency, scratch)
        balance = scratch.get(line.id.charge)
        if balance is not None:
            found[line.id.charge, line.id.period_start] = balance.used
    return found


def _with_allowance(
    line: UsageLine,
    found: list[tuple[UsagePiece, Decimal, RulePriced]],
    rollover: dict[str, _Balance],
    periods_used: Mapping[tuple[str, date], bool],
) -> list[tuple[UsagePiece, Decimal, RulePriced]]:
    """The pieces repriced with the period's free units, which the period's lines share in date order, and
    its balance recorded in `rollover`. Units carry in only from the period just before (a charge removed
    and added again starts afresh) and only into a version that rolls units over."""
    before: _Balance | None = rollover.get(line.id.charge)
    first = _allowance(line.pieces[0])
    if before is not None and before.period == line.id.period_start:
        free, used, flat = before.free, before.used, before.flat
    else:
        rolls = before is not None and before.end == line.pieces[0].start and first is not None and first.rollover_max
        carried_in = carried_out(before.free, before.last) if rolls and before is not None else ZERO
        # a period with billable units in a later line (a VAT change splits it) is not unused in this one either
        later = periods_used.get((line.id.charge, line.id.period_start), False)
        free, used, flat = Free(ZERO, carried_in), later, False
    metered = [Metered(total, piece.rule, _allowance(piece)) for piece, total, _ in found]
    prices, free = price_pieces(metered, free)
    repriced: list[tuple[UsagePiece, Decimal, RulePriced]] = []
    billable: list[Decimal] = []
    for (piece, total, usual), mine in zip(found, prices, strict=True):
        repriced.append((piece, total, usual if mine is None else mine[0]))
        billable.append(total if mine is None else mine[1])
    repriced, used, flat = _unused_flat_once(repriced, billable, used, flat)
    rollover[line.id.charge] = _Balance(
        line.id.period_start, line.pieces[-1].end, free, metered[-1].allowance, used, flat
    )
    return repriced


_ONCE = Step(ZERO, ZERO, ZERO, "0, unused bills flat once a period")


def _unused_flat_once(
    found: list[tuple[UsagePiece, Decimal, RulePriced]], billable: Sequence[Decimal], used: bool, flat: bool
) -> tuple[list[tuple[UsagePiece, Decimal, RulePriced]], bool, bool]:
    """`unused bills flat` bills once per billing period, when no piece of it has billable units: on the
    first piece whose version says it. Every other piece without billable units bills nothing for it.
    `used` and `flat` say whether earlier lines of the period had billable units or billed the flat."""
    used = used or any(units > 0 for units in billable)
    kept: list[tuple[UsagePiece, Decimal, RulePriced]] = []
    for (piece, total, priced), units in zip(found, billable, strict=True):
        rule = piece.rule
        if isinstance(rule, Tiered) and rule.flat_at_zero and units <= 0:
            if used or flat:
                priced = RulePriced(ZERO, (_ONCE,), prefix=priced.prefix)
            flat = True
        kept.append((piece, total, priced))
    return kept, used, flat


def _usage_quantity(found: Sequence[tuple[UsagePiece, Decimal, RulePriced]]) -> tuple[Decimal | None, Decimal | None]:
    """What the line states as its quantity and unit price, so that they multiply to its amount: the billable
    units x the rate for unit rates (one rate over all pieces); the packages x the package price, or the units
    x the volume tier's price without a flat amount, for a period in one piece; otherwise None (1 x the net)."""
    rules = {type(piece.rule) for piece, _, _ in found}
    volume = all(isinstance(p.rule, Tiered) and p.rule.mode == "volume" for p, _, _ in found)
    if rules != {UnitRate} and (len(found) != 1 or not (rules == {Package} or volume)):
        return None, None
    steps = [step for _, _, priced in found for step in priced.steps]
    prices = {step.price for step in steps}
    if len(prices) != 1 or any(step.flat for step in steps):
        return None, None
    return sum((step.quantity for step in steps), ZERO), prices.pop()


def _stretches(line: PricedLine, usage: Mapping[UsageKey, Decimal]) -> list[tuple[date, date, Fraction]]:
    """The exact amount of each stretch of a base line, for the discounts on it."""
    base = line.line
    if isinstance(base, RecurringLine):
        return [(p.start, p.end, p.exact) for p in base.pieces]
    if isinstance(base, UsageLine):
        return usage_stretches(line, usage)
    return [(line.id.period_start, line.id.period_end, line.exact)]


def usage_stretches(line: PricedLine, usage: Mapping[UsageKey, Decimal]) -> list[tuple[date, date, Fraction]]:
    """Each piece a usage line was lowered into, with its part of the line's amount, exact. A gauge's months priced
    together (`_metered`) share their amount in proportion to their unit-months (by days when they have none), so
    that a discount, or a count over part of the period, takes the months it covers, not days of the whole."""
    found = line.detail if isinstance(line.detail, tuple) else ()
    lowered = line.line.pieces if isinstance(line.line, UsageLine) else ()
    stretches: list[tuple[date, date, Fraction]] = []
    for piece, _, priced in found:
        amount = Fraction(priced.amount)
        parts = [p for p in lowered if piece.start <= p.start and p.end <= piece.end] if piece.months else []
        if len(parts) <= 1:
            stretches.append((piece.start, piece.end, amount))
            continue
        weights = [
            Fraction(levels_unit_months(usage.get((line.id.contract, p.metric, p.start, p.end), ZERO), p.months))
            for p in parts
            if p.months is not None
        ]
        linear = isinstance(piece.rule, UnitRate) and piece.allowance is None  # each month's share its own price
        same_sign = all(w >= 0 for w in weights) or all(w <= 0 for w in weights)
        if len(weights) != len(parts) or not (linear or same_sign):
            weights = []  # months of both signs under tiers or free units: a share could exceed the whole
        if sum(weights) == 0:
            weights = [Fraction((p.end - p.start).days) for p in parts]
        whole = sum(weights)
        stretches += [(p.start, p.end, amount * w / whole) for p, w in zip(parts, weights, strict=True)]
    return stretches


def _discount(line: DiscountLine, base: Sequence[tuple[date, date, Fraction]], currency: str) -> PricedLine:
    """-(percent of the base's amount inside the window), the base taken stretch by stretch, by days."""
    discounted = Fraction(0)
    first, last = date.max, date.min
    for start, end, amount in base:
        inside = (min(end, line.window_end) - max(start, line.window_start)).days
        if inside <= 0:
            continue
        discounted += amount * inside / (end - start).days
        first, last = min(first, max(start, line.window_start)), max(last, min(end, line.window_end))
    exact = -(discounted * Fraction(line.percent) / 100)
    detail = DiscountTrace(
        discount=line.id.discount,
        percent=line.percent,
        charge=line.base.charge,
        window_start=None if line.window_start == date.min else line.window_start,
        window_end=None if line.window_end == date.max else line.window_end,
        discounted=to_decimal(discounted),
    )
    if first >= last:
        first, last = line.id.period_start, line.id.period_end
    return _line(line, currency, quantity=None, unit_price=None, exact=exact, detail=detail, start=first, end=last)


def _minimum(line: MinimumLine, priced: Iterable[PricedLine], currency: str) -> PricedLine:
    """Tops the net billed for the stretches starting in the contract year up to the minimum."""
    year_start, year_end = line.id.period_start, line.id.period_end
    in_year = sum(
        (
            p.exact
            for p in priced
            if p.id.contract == line.id.contract and p.id.kind != "minimum" and year_start <= p.start < year_end
        ),
        Fraction(0),
    )
    in_year += Fraction(line.billed_elsewhere)
    shortfall = max(Fraction(0), Fraction(line.minimum) - in_year)
    detail = MinimumTrace(
        minimum=line.minimum,
        billed_in_year=round_exact(in_year, currency),
        year_start=year_start,
        year_end=year_end,
        billed_elsewhere=line.billed_elsewhere,
    )
    return _line(line, currency, quantity=None, unit_price=None, exact=shortfall, detail=detail)


def _drawdown(due: Sequence[BillableLine], priced: Sequence[PricedLine], currency: str) -> list[PricedLine]:
    """Prepaid credit: each contract year's credit line, then each drawdown in billing order (the schedule's),
    -min(the year's balance, the usage line's amount after its discounts), exact; the balance falls by it and
    never below zero. Usage beyond it is billed as it is (overage)."""
    found: list[PricedLine] = []
    balance: dict[LineId, Fraction] = {}
    credit: dict[LineId, Decimal] = {}
    for line in due:
        if isinstance(line, PrepaidLine):
            balance[line.id] = Fraction(line.amount)
            credit[line.id] = line.amount
            detail = PrepaidTrace(
                credit=line.amount,
                year_start=line.id.period_start,
                year_end=line.id.period_end,
                charges=tuple(sorted({d.id.charge for d in due if isinstance(d, DrawdownLine) and d.year == line.id})),
            )
            exact = Fraction(line.amount)
            found.append(_line(line, currency, quantity=Decimal(1), unit_price=line.amount, exact=exact, detail=detail))
    draws = [line for line in due if isinstance(line, DrawdownLine)]
    if not draws:
        return found
    usage: dict[tuple[LineId, Tax], PricedLine] = {}
    discounted: dict[tuple[LineId, Tax], Fraction] = {}
    for p in priced:
        if isinstance(p.line, UsageLine):
            usage[p.id, p.tax] = p
        elif isinstance(p.line, DiscountLine):
            discounted[p.line.base, p.tax] = discounted.get((p.line.base, p.tax), Fraction(0)) + p.exact
    for line in draws:
        base = usage.get((line.base, line.tax))
        if base is None:
            continue
        amount = base.exact + discounted.get((line.base, line.tax), Fraction(0))
        before = balance.get(line.year, Fraction(0))
        drawn = min(before, max(Fraction(0), amount))
        balance[line.year] = after = before - drawn
        trace = DrawdownTrace(
            credit=credit.get(line.year, Decimal(0)),
            year_start=line.year.period_start,
            year_end=line.year.period_end,
            charge=line.base.charge,
            usage_start=line.base.period_start,
            usage_end=line.base.period_end,
            usage_amount=to_decimal(amount),
            before=to_decimal(before),
            drawn=to_decimal(drawn),
            after=to_decimal(after),
        )
        drawn_line = _line(
            line, currency, quantity=None, unit_price=None, exact=-drawn, detail=trace, start=base.start, end=base.end
        )
        label = f"{line.label} (gjenstår {_kroner(round_exact(after, currency), currency)})"
        found.append(attrs.evolve(drawn_line, label=label))
    return found


def _kroner(value: Decimal, currency: str) -> str:
    """An amount as Norwegian text: 12 345,67 (labels only: never parsed, never identity)."""
    return f"{value:,.{minor_unit(currency)}f}".replace(",", " ").replace(".", ",")


def _amendment(line: BillableLine) -> int | None:
    if isinstance(line, RecurringLine | UsageLine):
        return max((p.amendment for p in line.pieces if p.amendment is not None), default=None)
    if isinstance(line, OneTimeLine | DiscountLine):
        return line.amendment
    return None


def _trace(priced: PricedLine) -> Trace:
    line = priced.line
    detail = priced.detail
    usage: tuple[UsageTrace, ...] = ()
    if isinstance(detail, tuple):
        usage = tuple(
            UsageTrace(
                start=piece.start,
                end=piece.end,
                metric=piece.metric,
                total=total,
                arithmetic=found.explain(),
                amount=found.amount,
                amendment=piece.amendment,
                source=Source.of(piece.source),
            )
            for piece, total, found in detail
        )
    return Trace(
        kind=line.id.kind,
        line_kind=line.id.kind,
        source=Source.of(line.span),
        amendment=_amendment(line),
        billing_date=line.billing_date,
        pieces=tuple(piece_trace(p) for p in line.pieces) if isinstance(line, RecurringLine) else (),
        usage=usage,
        discount=detail if isinstance(detail, DiscountTrace) else None,
        minimum=detail if isinstance(detail, MinimumTrace) else None,
        prepaid=detail if isinstance(detail, PrepaidTrace) else None,
        drawdown=detail if isinstance(detail, DrawdownTrace) else None,
    )
