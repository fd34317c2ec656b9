"""`flat A per P`: one amount per period of the price."""

from __future__ import annotations

from decimal import Decimal

from compiler import model
from compiler.billing.pricing.base import RecurringTerms


def terms(charge: model.Charge) -> RecurringTerms:
    pricing = charge.pricing
    assert isinstance(pricing, model.FlatFee)
    return RecurringTerms(price=pricing.amount, per=pricing.period, quantity=Decimal(1))
