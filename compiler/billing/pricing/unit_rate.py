"""`per_unit P` usage: every unit at one price."""

from __future__ import annotations

from decimal import Decimal

from compiler import model
from compiler.billing.pricing.base import ZERO, Priced, Step


def unit_rate(total: Decimal, rule: model.UnitRate) -> Priced:
    """T x P."""
    return Priced(total * rule.price, (Step(total, rule.price, ZERO, f"{total:f} x {rule.price:f}"),))


def price(total: Decimal, rule: model.UsageRule) -> Priced:
    assert isinstance(rule, model.UnitRate)
    return unit_rate(total, rule)
