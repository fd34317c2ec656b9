"""What every pricing rule shares: the arithmetic it returns and the interfaces it implements.

A usage rule prices a metered total and returns the amount with the arithmetic
behind it, so a bill can explain its number
("1 000 000 units: 100 000 x 0.00 + 900 000 x 0.012 + 250.00"). That text is
stored in the traces of issued invoices: it must not change.

A recurring rule states what a flat or per-unit charge bills before proration:
its price, the period the price is stated in, and the quantity.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import NamedTuple, TypeAlias

import attrs

from compiler import model
from dsl.ast import Period

ZERO = Decimal(0)
INFINITY = Decimal("Infinity")


class PerEvent(NamedTuple):
    """A per-event price as the usage store meters it: the sum over a period's events of
    min(max(amount x percent / 100 + fee, minimum), maximum). No limit is -Infinity or Infinity,
    so that the tuple hashes, sorts and compares as a plain value."""

    percent: Decimal
    fee: Decimal
    minimum: Decimal
    maximum: Decimal


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
    prefix: str = ""
    """What came off before the rule priced the rest: `1200 used, 1000 included: ` (allowance.py)."""

    def explain(self) -> str:
        return self.prefix + (" + ".join(s.note for s in self.steps) if self.steps else "0")


class RecurringTerms(NamedTuple):
    """A recurring charge before proration: `quantity` at `price` per `per`."""

    price: Decimal
    per: Period
    quantity: Decimal


UsagePricing: TypeAlias = Callable[[Decimal, model.UsageRule], Priced]
"""A usage rule module's `price(total, rule)`: the rule's amount for a metered total."""

RecurringPricing: TypeAlias = Callable[[model.Charge], RecurringTerms]
"""A recurring rule module's `terms(charge)`: what the charge bills per period of its price."""


def tier_label(lower: Decimal, row: model.TierRow) -> str:
    """The tier's range as `(lower, upper]`, shared by graduated and volume tiers."""
    upper = "∞" if row.up_to is None else f"{row.up_to:f}"
    return f"({lower:f}, {upper}]"


def flat_note(row: model.TierRow) -> str:
    return f" + {row.flat:f}" if row.flat else ""


def unused_flat(row: model.TierRow, lower: Decimal) -> Priced:
    """`unused bills flat`: a period without billable units bills the flat amount of `row`."""
    return Priced(
        row.flat,
        (
            Step(
                ZERO,
                row.price,
                row.flat,
                f"0 x {row.price:f}{flat_note(row)} {tier_label(lower, row)}, unused bills flat",
            ),
        ),
    )
