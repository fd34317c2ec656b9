"""Gauges priced per unit-month: a metric that reads a level (`time_weighted`, `daily_average`, `peak`) meters
an average or a highest level over a stretch, not an amount used; what the stretch bills is that level
times the months it covers, in the billing grid's months (compiler/billing/proration.py), so that a
quarter bills three months of the level and half a month half of one.

A period longer than a month is metered month by month of the grid (lowering cuts it there) and its months
of one version are priced together, as one total of unit-months against the rule: tiers, flat amounts and
included units apply per billing period, as for any usage.

The product is rounded HALF_UP to 10 decimals, the scale the usage store gives averaged levels in
(docs/usage.md): a quantity, not money, which is rounded only on the invoice line.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

SCALE = Decimal("1e-10")


def unit_months(level: Decimal, months: Fraction) -> Decimal:
    """The level held for `months`, in unit-months."""
    exact = Fraction(level) * months
    rounded = (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(SCALE, rounding=ROUND_HALF_UP)
    shortest = rounded.normalize()  # 3000, not 3000.0000000000 nor 3E+3
    return shortest if shortest != shortest.to_integral_value() else shortest.quantize(Decimal(1))


def note(parts: Sequence[tuple[Decimal, Fraction]], units: Decimal) -> str:
    """`level 1000 x 16/31 months = 516.1290322581: `, the prefix of a stretch's arithmetic; for the months of a
    longer period priced together, `level 1000 x 1 month + level 800 x 1 month = 1800: `."""
    words = []
    for level, months in parts:
        span = f"{months.numerator}" if months.denominator == 1 else f"{months.numerator}/{months.denominator}"
        words.append(f"level {level:f} x {span} month{'' if months == 1 else 's'}")
    return f"{' + '.join(words)} = {units:f}: "
