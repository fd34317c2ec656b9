"""What a candidate would have billed for service inside the window: its contract lowered and priced with
the bill run's own rules, each line counted for its days inside the window."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import attrs

from compiler import model
from compiler.billing.lines import DiscountLine, service_end, service_start
from compiler.billing.lower import BillingSchedule, carries_balance, lower
from compiler.billing.price import UsageKey, price_schedule, usage_requests
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
    schedule = lower(candidate.contract, indices, window.end)
    if carries_balance(candidate.contract):
        return schedule  # a period's price depends on every period before it
    # what the window's prices can depend on: its own lines, and a minimum's year back from its start
    keep = add_months(window.start, -12)
    return attrs.evolve(schedule, lines=tuple(ln for ln in schedule.lines if service_end(ln) > keep))


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
    """The candidate's net amount for service in the window. A line whose days run across the window's edge
    counts by its days inside; one-time charges (and their discounts) are not counted: they are not what a
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
    total = Fraction(0)
    notes: list[str] = []
    for line in priced.lines:
        days = (line.end - line.start).days
        overlap = (min(line.end, window.end) - max(line.start, window.start)).days
        if overlap <= 0 or days <= 0 or _one_time(line.id.kind, line.line):
            continue
        total += line.exact * overlap / days
        if line.id.kind == "usage" and line.end > as_of:
            last = line.end - timedelta(days=1)
            notes.append(
                f"`{line.id.charge}` {line.start} – {last} is not over: its usage so far, "
                f"{overlap} of {days} days counted"
            )
    notes += [f"no charge on `{m}`, which the contract bills (unused in the window)" for m in candidate.unpriced]
    notes += _minimum_notes(candidate.contract, window)
    return Costed(candidate=candidate, total=total, notes=tuple(notes))


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
