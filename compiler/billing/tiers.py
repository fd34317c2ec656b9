"""Pricing a usage total: unit rate, graduated and volume tiers, packages, percentages.

Each function returns the exact amount and the arithmetic behind it, so a bill
can explain its number ("1 000 000 units: 100 000 x 0.00 + 900 000 x 0.012 + 250.00").
"""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

import attrs

from compiler import model

ZERO = Decimal(0)


@attrs.frozen
class Step:
    """One term of the arithmetic: `quantity` units at `price`, plus `flat`."""

    quantity: Decimal
    price: Decimal
    flat: Decimal
    note: str

    @property
    def amount(self) -> Decimal:
        return self.quantity * self.price + self.flat


@attrs.frozen
class Priced:
    amount: Decimal
    steps: tuple[Step, ...]

    def explain(self) -> str:
        return " + ".join(s.note for s in self.steps) if self.steps else "0"


def _tier_label(lower: Decimal, row: model.TierRow) -> str:
    upper = "∞" if row.up_to is None else f"{row.up_to:f}"
    return f"({lower:f}, {upper}]"


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
            Step(units, row.price, row.flat, f"{units:f} x {row.price:f}{_flat(row)} {_tier_label(lower, row)}")
        )
        if row.up_to is None:
            break
        lower = row.up_to
    return Priced(sum((s.amount for s in steps), ZERO), tuple(steps))


def volume(total: Decimal, tiers: tuple[model.TierRow, ...]) -> Priced:
    """Every unit at the price of the tier the total falls in, plus that tier's flat amount."""
    if total <= 0:
        return Priced(ZERO, ())
    lower = ZERO
    for row in tiers:
        if row.up_to is None or total <= row.up_to:
            step = Step(total, row.price, row.flat, f"{total:f} x {row.price:f}{_flat(row)} {_tier_label(lower, row)}")
            return Priced(step.amount, (step,))
        lower = row.up_to
    return Priced(ZERO, ())  # unreachable for checked tiers: the last one is `above`


def package(total: Decimal, rule: model.Package) -> Priced:
    """Per started package: ceil(total / size) x price."""
    count = (total / rule.size).to_integral_value(rounding=ROUND_CEILING) if total > 0 else ZERO
    step = Step(count, rule.price, ZERO, f"{count:f} package(s) of {rule.size:f} x {rule.price:f}")
    return Priced(step.amount, (step,))


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
    if isinstance(rule, model.UnitRate):
        return Priced(total * rule.price, (Step(total, rule.price, ZERO, f"{total:f} x {rule.price:f}"),))
    if isinstance(rule, model.Tiered):
        return graduated(total, rule.tiers) if rule.mode == "graduated" else volume(total, rule.tiers)
    if isinstance(rule, model.Package):
        return package(total, rule)
    return percentage(total, rule)


def _flat(row: model.TierRow) -> str:
    return f" + {row.flat:f}" if row.flat else ""
