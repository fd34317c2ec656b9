"""`package S for P` usage: a price per started package of S units."""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

from compiler import model
from compiler.billing.pricing.base import ZERO, Priced, Step


def package(total: Decimal, rule: model.Package) -> Priced:
    """Per started package: ceil(total / size) x price."""
    count = (total / rule.size).to_integral_value(rounding=ROUND_CEILING) if total > 0 else ZERO
    step = Step(count, rule.price, ZERO, f"{count:f} package(s) of {rule.size:f} x {rule.price:f}")
    return Priced(step.amount, (step,))


def price(total: Decimal, rule: model.UsageRule) -> Priced:
    assert isinstance(rule, model.Package)
    return package(total, rule)
