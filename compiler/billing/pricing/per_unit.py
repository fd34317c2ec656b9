"""`per_unit U per X per P`: a price per unit, times the charge's quantity (none: 0)."""

from __future__ import annotations

from decimal import Decimal

from compiler import model
from compiler.billing.pricing.base import RecurringTerms


def terms(charge: model.Charge) -> RecurringTerms:
    pricing = charge.pricing
    assert isinstance(pricing, model.PerUnitFee)
    return RecurringTerms(price=pricing.price, per=pricing.period, quantity=charge.quantity or Decimal(0))
