"""`volume` tiers: every unit at the price of the tier the total falls in."""

from __future__ import annotations

from decimal import Decimal

from compiler import model
from compiler.billing.pricing.base import ZERO, Priced, Step, flat_note, tier_label


def volume(total: Decimal, tiers: tuple[model.TierRow, ...]) -> Priced:
    """Every unit at the price of the tier the total falls in, plus that tier's flat amount."""
    if total <= 0:
        return Priced(ZERO, ())
    lower = ZERO
    for row in tiers:
        if row.up_to is None or total <= row.up_to:
            step = Step(
                total, row.price, row.flat, f"{total:f} x {row.price:f}{flat_note(row)} {tier_label(lower, row)}"
            )
            return Priced(step.amount, (step,))
        lower = row.up_to
    return Priced(ZERO, ())  # unreachable for checked tiers: the last one is `above`


def price(total: Decimal, rule: model.UsageRule) -> Priced:
    assert isinstance(rule, model.Tiered) and rule.mode == "volume"
    return volume(total, rule.tiers)
