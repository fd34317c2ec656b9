"""Pricing rules, one module per rule, and the one place that picks the module for a rule.

Usage rules (`price(total, rule) -> Priced`, the amount with its arithmetic):
`unit_rate`, `graduated`, `volume`, `package`, `percentage`. Recurring rules
(`terms(charge) -> RecurringTerms`, what the charge bills before proration):
`flat`, `per_unit`, `tiered_fee` (tiers on the charge's quantity). Included
units (`allowance.py`) come off a usage total before its rule prices the rest.
A new rule is a module implementing the interface in `base.py` plus an entry
in the table below (and its grammar, printer and docs).
"""

from __future__ import annotations

from decimal import Decimal

from compiler import model
from compiler.billing.pricing import flat, graduated, package, per_unit, percentage, tiered_fee, unit_rate, volume
from compiler.billing.pricing.base import Priced, RecurringPricing, RecurringTerms, Step, UsagePricing

__all__ = ["Priced", "RecurringTerms", "Step", "price_usage", "recurring_terms"]

USAGE: dict[tuple[type[model.UsageRule], str], UsagePricing] = {
    (model.UnitRate, ""): unit_rate.price,
    (model.Tiered, "graduated"): graduated.price,
    (model.Tiered, "volume"): volume.price,
    (model.Package, ""): package.price,
    (model.Percentage, ""): percentage.price,
}
"""Usage rules by model class and, for `Tiered` (one class, two rules), its mode."""

RECURRING: dict[type[model.Pricing], RecurringPricing] = {
    model.FlatFee: flat.terms,
    model.PerUnitFee: per_unit.terms,
    model.TieredFee: tiered_fee.terms,
}
"""Recurring rules by model class. One-time and usage charges are not recurring."""


def price_usage(total: Decimal, rule: model.UsageRule) -> Priced:
    """The amount of a metered total under `rule`, with its arithmetic."""
    mode = rule.mode if isinstance(rule, model.Tiered) else ""
    return USAGE[type(rule), mode](total, rule)


def recurring_terms(charge: model.Charge) -> RecurringTerms:
    """A flat, per-unit or tiered charge's price, the period it is stated in, and the quantity it bills."""
    return RECURRING[type(charge.pricing)](charge)
