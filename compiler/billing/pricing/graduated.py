"""`graduated` tiers: each unit at the price of the tier it falls in."""

from __future__ import annotations

from decimal import Decimal

from compiler import model
from compiler.billing.pricing.base import ZERO, Priced, Step, flat_note, tier_label, unused_flat


def graduated(total: Decimal, tiers: tuple[model.TierRow, ...]) -> Priced:
    """Each unit at the price of the tier it falls in, plus the flat amount of every tier reached."""
    steps: list[Step] = []
    lower = ZERO
    for row in tiers:
        if total <= lower:
            break
        upper = total if row.up_to is None else min(total, row.up_to)
        units = upper - lower
        steps.append(
            Step(units, row.price, row.flat, f"{units:f} x {row.price:f}{flat_note(row)} {tier_label(lower, row)}")
        )
        if row.up_to is None:
            break
        lower = row.up_to
    return Priced(sum((s.amount for s in steps), ZERO), tuple(steps))


def price(total: Decimal, rule: model.UsageRule) -> Priced:
    assert isinstance(rule, model.Tiered) and rule.mode == "graduated"
    if total <= 0 and rule.flat_at_zero:
        return unused_flat(rule.tiers[0], ZERO)
    return graduated(total, rule.tiers)
