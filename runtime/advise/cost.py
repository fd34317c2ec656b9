"""What a candidate would have billed for service inside the window: its contract lowered and priced with
the bill run's own rules. Usage is metered for the days inside the window and priced on them, never
estimated by days; recurring lines (prices per time) count for their days inside the window."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import attrs

from compiler import model
from compiler.billing.lines import (
    DiscountLine,
    DrawdownLine,
    LineId,
    PrepaidLine,
    Tax,
    UsageLine,
    UsagePiece,
    service_end,
    service_start,
)
from compiler.billing.lower import BillingSchedule, carries_balance, lower
from compiler.billing.price import PricedLine, UsageKey, price_schedule, usage_requests, usage_stretches
from compiler.calendar import add_months
from runtime.advise.candidates import Candidate
from runtime.advise.window import Window

EVERYTHING = date.max
"""Price every lowered line, whenever it is billed: what counts is its service inside the window."""


@attrs.frozen(kw_only=True)
class Costed:
    candidate: Candidate
    total: Fraction | None
    """Net of VAT, exact; None when not comparable."""
    notes: tuple[str, ...] = ()
    reason: str | None = None


def schedule_of(candidate: Candidate, indices: Mapping[str, model.Index], window: Window) -> BillingSchedule | None:
    """The lines whose billing period begins before the window's end and that the window's prices can depend on;
    None for a candidate not comparable."""
    if candidate.contract is None:
        return None
    balance = carries_balance(candidate.contract)
    schedule = _metered_to(lower(candidate.contract, indices, window.end), window, keep_before=balance)
    if balance:
        return schedule  # a period's price depends on every period before it
    # what the window's prices can depend on: its own lines, and a minimum's year back from its start
    keep = add_months(window.start, -12)
    return attrs.evolve(schedule, lines=tuple(ln for ln in schedule.lines if service_end(ln) > keep))


def _metered_to(schedule: BillingSchedule, window: Window, keep_before: bool = False) -> BillingSchedule:
    """Usage lines cut to the window, each part inside priced as a period of its own: what lies from the
    window's end on is not metered at all (nor counted), and a usage line left with no piece is dropped. What
    lies before the window's start is dropped too, unless `keep_before`: a contract that carries a balance
    (free units rolled over, a prepaid credit) is priced from its start, its pieces cut at the window's start,
    so that the balance the window begins with is what the periods before it left (they are not counted)."""
    lines = []
    for line in schedule.lines:
        if isinstance(line, UsageLine):
            low = date.min if keep_before else window.start
            pieces = tuple(
                attrs.evolve(piece, start=start, end=end, months=_part(piece.months, piece, start, end))
                for piece in line.pieces
                for start, end in _cut(max(piece.start, low), min(piece.end, window.end), window.start)
            )
            if not pieces:
                continue
            line = attrs.evolve(line, pieces=pieces)
        lines.append(line)
    return attrs.evolve(schedule, lines=tuple(lines))


def _cut(start: date, end: date, at: date) -> list[tuple[date, date]]:
    """[start, end) split at `at` if it falls inside; nothing if empty."""
    if start >= end:
        return []
    return [(start, at), (at, end)] if start < at < end else [(start, end)]


def _part(months: Fraction | None, piece: UsagePiece, start: date, end: date) -> Fraction | None:
    """A gauge's months for part of a piece: a piece lies inside one month of the billing grid (lowering cuts a
    gauge's periods there), where months run in proportion to days."""
    if months is None:
        return None
    return months * (end - start).days / (piece.end - piece.start).days


def requests(schedule: BillingSchedule | None) -> list[UsageKey]:
    """The metered totals the schedule's usage lines need."""
    return [] if schedule is None else usage_requests(schedule, EVERYTHING)


def bills_in_window(schedule: BillingSchedule, window: Window) -> bool:
    """Whether any line the advice counts has service inside the window: usage or a recurring quantity."""
    return any(
        service_start(ln) < window.end and service_end(ln) > window.start and not _one_time(ln.id.kind, ln)
        for ln in schedule.lines
    )


def _one_time(kind: str, line: object) -> bool:
    return kind == "one_time" or (isinstance(line, DiscountLine) and line.base.kind == "one_time")


def cost(
    candidate: Candidate,
    schedule: BillingSchedule | None,
    usage: Mapping[UsageKey, Decimal],
    window: Window,
    as_of: date,
    used: frozenset[str],
) -> Costed:
    """The candidate's net amount for service in the window (`_counted`): usage metered inside it, recurring
    lines by their days inside; one-time charges (and their discounts) are not counted: they are not what a
    plan costs month by month. `used`: the metrics the customer used in the window (`used_metrics`)."""
    if schedule is None:
        return Costed(candidate=candidate, total=None, reason=candidate.reason)
    used_here = [m for m in candidate.unpriced if m in used]
    if used_here:
        names = ", ".join(f"`{m}`" for m in used_here)
        reason = f"has no charge on {names}, which the customer used in the window: it may not offer it"
        return Costed(candidate=candidate, total=None, reason=reason)
    priced = price_schedule(schedule, usage, EVERYTHING)
    inside = [b for b in priced.blocked if b.period_start < window.end]
    if inside:
        first = inside[0]
        return Costed(
            candidate=candidate,
            total=None,
            reason=f"`{first.charge}` cannot be priced from {first.period_start}: {first.reason}",
        )
    counted = _counted(priced.lines, window, usage, schedule.end)
    total = sum(counted.values(), Fraction(0))
    notes = [
        _usage_note(line, window, as_of)
        for line in priced.lines
        if (line.id, line.tax) in counted and _cut_off(line, window)
    ]
    notes += [f"no charge on `{m}`, which the contract bills (unused in the window)" for m in candidate.unpriced]
    notes += _minimum_notes(candidate.contract, window)
    return Costed(candidate=candidate, total=total, notes=tuple(notes))


def _counted(
    lines: Iterable[PricedLine], window: Window, totals: Mapping[UsageKey, Decimal], life_end: date | None = None
) -> dict[tuple[LineId, Tax], Fraction]:
    """Each counted line's amount for service inside the window. A usage line counts its pieces inside the
    window (each metered and priced for its part inside, see `_metered_to`); a discount on it, the discount
    of those pieces; a drawdown of prepaid credit for it, the share its usage inside is of its usage after
    discounts (the credit pays the period's usage in no order). Every other line, recurring or a minimum's
    true-up, counts by its days inside. One-time charges and their discounts are not counted."""
    lines = list(lines)
    usage = {(p.id, p.tax): p for p in lines if isinstance(p.line, UsageLine)}
    metered = {key: _usage_inside(p, window, totals) for key, p in usage.items()}
    inside, whole = dict(metered), {key: p.exact for key, p in usage.items()}  # after discounts
    counted: dict[tuple[LineId, Tax], Fraction] = {}
    for p in lines:
        if isinstance(p.line, DiscountLine) and (p.line.base, p.tax) in usage:
            part = _discount_inside(p.line, usage[p.line.base, p.tax], window, totals)
            inside[p.line.base, p.tax] += part
            whole[p.line.base, p.tax] += p.exact
            counted[p.id, p.tax] = part
    for p in lines:
        days = (p.end - p.start).days
        if (p.id, p.tax) in counted or _one_time(p.id.kind, p.line):
            continue
        if (p.id, p.tax) in usage:
            counted[p.id, p.tax] = metered[p.id, p.tax]
        elif isinstance(p.line, DrawdownLine):
            key = (p.line.base, p.tax)
            share = inside[key] / whole[key] if key in whole and whole[key] > 0 else Fraction(0)
            counted[p.id, p.tax] = p.exact * share
        elif isinstance(p.line, PrepaidLine):
            continue  # below, once the drawdowns are counted
        elif days > 0 and (overlap := (min(p.end, window.end) - max(p.start, window.start)).days) > 0:
            counted[p.id, p.tax] = p.exact * overlap / days
    for p in lines:
        if isinstance(p.line, PrepaidLine):
            counted[p.id, p.tax] = _credit_inside(p, lines, counted, window, life_end)
    return counted


def _credit_inside(
    credit: PricedLine,
    lines: Sequence[PricedLine],
    counted: Mapping[tuple[LineId, Tax], Fraction],
    window: Window,
    life_end: date | None,
) -> Fraction:
    """What a contract year's prepaid credit costs inside the window: what the window's usage drew from it (the
    usage then costs its price, as overage does), and what expired unused when its year ends inside the window
    (or the contract, terminated inside the year). What is left of a year that has not ended is not counted: it
    may yet be used."""
    drawn = [p for p in lines if isinstance(p.line, DrawdownLine) and p.line.year == credit.id]
    cost = -sum((counted.get((p.id, p.tax), Fraction(0)) for p in drawn), Fraction(0))
    expiry = min(credit.id.period_end, life_end) if life_end is not None else credit.id.period_end
    if window.start < expiry <= window.end:
        cost += credit.exact + sum((p.exact for p in drawn), Fraction(0))  # the balance that expired
    return cost


def _usage_inside(line: PricedLine, window: Window, totals: Mapping[UsageKey, Decimal]) -> Fraction:
    """The usage line's pieces inside the window, priced (`_metered_to` has cut them at its edges)."""
    inside = (amount for start, _, amount in usage_stretches(line, totals) if start >= window.start)
    return sum(inside, Fraction(0))


def _discount_inside(
    discount: DiscountLine, base: PricedLine, window: Window, totals: Mapping[UsageKey, Decimal]
) -> Fraction:
    """-(percent of the base's pieces inside the window, each by its days inside the discount's window), as
    pricing takes a discount on a usage line."""
    discounted = Fraction(0)
    for start, end, amount in usage_stretches(base, totals):
        days = (min(end, discount.window_end) - max(start, discount.window_start)).days
        if start >= window.start and days > 0:
            discounted += amount * days / (end - start).days
    return -(discounted * Fraction(discount.percent) / 100)


def _cut_off(line: PricedLine, window: Window) -> bool:
    """A usage line with service inside the window whose billing period runs across an edge of the window."""
    return (
        line.id.kind == "usage"
        and line.end > window.start
        and (line.id.period_start < window.start or line.id.period_end > window.end)
    )


def _usage_note(line: PricedLine, window: Window, as_of: date) -> str:
    start, end = line.id.period_start, line.id.period_end
    first, last = max(start, window.start), min(end, window.end) - timedelta(days=1)
    why = "is not over" if end > as_of else "runs across the window's edge"
    return (
        f"`{line.id.charge}` {start} – {end - timedelta(days=1)} {why}: its usage {first} – {last} counted, "
        "priced as a period of its own"
    )


def used_metrics(keys: Iterable[UsageKey], usage: Mapping[UsageKey, Decimal], window: Window) -> frozenset[str]:
    """The metrics of `keys` (one contract's requests) with usage in a period overlapping the window."""
    return frozenset(key[1] for key in keys if key[2] < window.end and key[3] > window.start and usage.get(key))


def _minimum_notes(contract: model.Contract | None, window: Window) -> list[str]:
    """A minimum's true-up for a contract year not over by the window's end is not known yet."""
    if contract is None or contract.minimum is None:
        return []
    year = 0
    while (end := add_months(contract.start, 12 * (year + 1))) < window.end:
        year += 1
    start = add_months(contract.start, 12 * year)
    if end > window.end and start < window.end:
        return [f"minimum true-up for the contract year {start} – {end - timedelta(days=1)} not counted: not over"]
    return []
