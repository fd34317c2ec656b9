"""`percentage R% min A max B` usage: a share of a summed amount."""

from __future__ import annotations

from decimal import Decimal

from compiler import model
from compiler.billing.pricing.base import ZERO, Priced, Step


def percentage(total: Decimal, rule: model.Percentage) -> Priced:
    """A share of a summed amount, raised to the minimum and capped at the maximum."""
    amount = total * rule.percent / 100
    note = f"{rule.percent:f}% of {total:f}"
    if rule.minimum is not None and amount < rule.minimum:
        amount, note = rule.minimum, f"{note}, raised to the minimum {rule.minimum:f}"
    if rule.maximum is not None and amount > rule.maximum:
        amount, note = rule.maximum, f"{note}, capped at the maximum {rule.maximum:f}"
    return Priced(amount, (Step(Decimal(1), amount, ZERO, note),))


def price(total: Decimal, rule: model.UsageRule) -> Priced:
    assert isinstance(rule, model.Percentage)
    return percentage(total, rule)
