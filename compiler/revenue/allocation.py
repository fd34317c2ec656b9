"""IFRS 15 step 4, allocating the transaction price (¶73-86).

The price is shared in proportion to the obligations' standalone selling prices
(¶76-80); a discount is part of the price and so spreads over every fixed
obligation in proportion to its SSP (¶81). Usage is variable consideration that
relates wholly to its own obligation (¶84-85) and is never allocated here.

Each share is rounded once; the leftover minor units go by largest remainder,
ties to the obligation declared first, so the shares sum exactly to the price.
The arithmetic is the one in `compiler.money.allocate` (one rounding rule, one
place); this module says what it means for revenue.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from compiler import money


def allocate(price: Decimal, ssps: Sequence[Decimal], currency: str = "NOK") -> list[Decimal]:
    """`price` (rounded to the currency's minor unit) shared by relative SSP, the shares summing exactly.

    With every SSP zero the price is shared equally, so that nothing is lost.
    """
    return money.allocate(price, [max(s, Decimal(0)) for s in ssps], currency)
