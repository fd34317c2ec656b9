"""`volume` tiers: every unit at the price of the tier the total falls in."""

from __future__ import annotations

from decimal import Decimal

from compiler import model
from compiler.billing.pricing.base import ZERO, Priced, Step, flat_note, tier_label, unused_flat


def tier_of(total: Decimal, tiers: tuple[model.TierRow, ...]) -> tuple[Decimal, model.TierRow]:
    """The tier `total` falls in, with its lower bound; the first tier for a total of zero."""
    lower = ZERO
    for row in tiers:
        if row.up_to is None or total <= row.up_to:
            return lower, row
        lower = row.up_to
    raise AssertionError("checked tiers end with `above`")


def at_tier(units: Decimal, lower: Decimal, row: model.TierRow) -> Priced:
    """`units` at the price of `row`, plus its flat amount."""
    step = Step(units, row.price, row.flat, f"{units:f} x {row.price:f}{flat_note(row)} {tier_label(lower, row)}")
    return Priced(step.amount, (step,))


def volume(total: Decimal, tiers: tuple[model.TierRow, ...]) -> Priced:
    """Every unit at the price of the tier the total falls in, plus that tier's flat amount."""
    if total <= 0:
        return Priced(ZERO, ())
    return at_tier(total, *tier_of(total, tiers))


def price(total: Decimal, rule: model.UsageRule) -> Priced:
    assert isinstance(rule, model.Tiered) and rule.mode == "volume"
    if total <= 0 and rule.flat_at_zero:
        return unused_flat(rule.tiers[0], ZERO)
    return volume(total, rule.tiers)
