"""`percentage R% min A max B` usage: a share of a summed amount."""

from __future__ import annotations

from decimal import Decimal

from compiler import model
from compiler.billing.pricing.base import INFINITY, ZERO, PerEvent, Priced, Step


def percentage(total: Decimal, rule: model.Percentage) -> Priced:
    """A share of a summed amount, raised to the minimum and capped at the maximum."""
    return _period_limits(total * rule.percent / 100, f"{rule.percent:f}% of {total:f}", rule)


def per_event(total: Decimal, fees: Decimal, rule: model.Percentage) -> Priced:
    """A price per event: `fees` is the sum over the period's events of each event's fee (its percentage
    plus the fixed fee, held between the per-event minimum and maximum), metered from the events
    (`PerEvent`); then the period's own minimum and maximum."""
    return _period_limits(fees, f"per event {per_event_terms(rule)} on {total:f} in all: {fees:f}", rule)


def per_event_terms(rule: model.Percentage) -> str:
    """`(1.4% + 2.00, min 1.00, max 50.00)`: what each event pays."""
    parts = [f"{rule.percent:f}%" + (f" + {rule.fee_per_event:f}" if rule.fee_per_event is not None else "")]
    if rule.event_minimum is not None:
        parts.append(f"min {rule.event_minimum:f}")
    if rule.event_maximum is not None:
        parts.append(f"max {rule.event_maximum:f}")
    return f"({', '.join(parts)})"


def measure(rule: model.Percentage) -> PerEvent:
    """What the usage store sums over each event of a per-event price."""
    return PerEvent(
        percent=rule.percent,
        fee=rule.fee_per_event if rule.fee_per_event is not None else ZERO,
        minimum=rule.event_minimum if rule.event_minimum is not None else -INFINITY,
        maximum=rule.event_maximum if rule.event_maximum is not None else INFINITY,
    )


def _period_limits(amount: Decimal, note: str, rule: model.Percentage) -> Priced:
    if rule.minimum is not None and amount < rule.minimum:
        amount, note = rule.minimum, f"{note}, raised to the minimum {rule.minimum:f}"
    if rule.maximum is not None and amount > rule.maximum:
        amount, note = rule.maximum, f"{note}, capped at the maximum {rule.maximum:f}"
    return Priced(amount, (Step(Decimal(1), amount, ZERO, note),))


def price(total: Decimal, rule: model.UsageRule) -> Priced:
    assert isinstance(rule, model.Percentage)
    return percentage(total, rule)
