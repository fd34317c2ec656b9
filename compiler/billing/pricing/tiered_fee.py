"""`graduated per month { ... }` / `volume per month { ... }` with `quantity N`: a recurring price per period
that is the tier amount of the charge's quantity, graduated or by volume (the usage rules' arithmetic,
applied to the quantity instead of a metered total)."""

from __future__ import annotations

from decimal import Decimal

from compiler import model
from compiler.billing.pricing.base import ZERO, Priced, RecurringTerms
from compiler.billing.pricing.graduated import graduated
from compiler.billing.pricing.volume import volume

ONE = Decimal(1)


def tier_amount(fee: model.TieredFee, quantity: Decimal) -> Priced:
    """What `quantity` costs per period of the fee, with the tier arithmetic."""
    return graduated(quantity, fee.tiers) if fee.mode == "graduated" else volume(quantity, fee.tiers)


def arithmetic(charge: model.Charge) -> str:
    """`25: 10 x 100.00 (0, 10] + 15 x 80.00 (10, ∞]`: the quantity and its tier arithmetic."""
    fee = charge.pricing
    assert isinstance(fee, model.TieredFee)
    quantity = charge.quantity or ZERO
    return f"{quantity:f}: {tier_amount(fee, quantity).explain()}"


def terms(charge: model.Charge) -> RecurringTerms:
    """The quantity at one price where the tiers come to that (one tier, no flat amount: 25 x 80.00),
    so that the line reads as a per-unit one; otherwise 1 x the tier amount of the quantity."""
    fee = charge.pricing
    assert isinstance(fee, model.TieredFee)
    quantity = charge.quantity or ZERO
    priced = tier_amount(fee, quantity)
    prices = {step.price for step in priced.steps}
    if quantity and len(prices) == 1 and not any(step.flat for step in priced.steps):
        return RecurringTerms(price=prices.pop(), per=fee.period, quantity=quantity)
    return RecurringTerms(price=priced.amount, per=fee.period, quantity=ONE)
