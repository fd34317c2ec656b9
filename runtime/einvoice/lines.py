"""How a line's quantity and unit price are stated on an EHF line, so that they multiply to its net amount.

PEPPOL-EN16931-R120 requires quantity x price = line net (within 0.02), and BR-27 a price that
is not negative. A line keeps the quantity and unit price it was issued with when they
multiply to its net amount, to the øre: an issued net amount is quantity x price rounded
once (HALF_UP), so that product is within half an øre of it. Otherwise (a prorated month,
several pieces, tiers, a discount or a true-up) the line is stated as 1 x its net amount,
in the line's own unit. A negative line (a discount) is stated with a negative quantity and a
positive price, as the official Norwegian example states a return. docs/einvoice.md.
"""

from __future__ import annotations

from decimal import Decimal

from compiler.money import round_money
from runtime.ledger.documents import DraftLine

ONE = Decimal(1)
SLACK = Decimal("0.01")
"""Most a kept quantity x price may differ from the net: half an øre by construction, well inside R120's 0.02."""
MAX_PRICE_DECIMALS = 6
"""A unit price with more decimals is a division that did not end (an amount spread over a quantity), not a price."""


def stated_price(line: DraftLine, currency: str) -> tuple[Decimal, Decimal]:
    """(quantity, unit price) for the EHF line: the issued ones if they multiply to the net, else (±1, |net|)."""
    quantity, price, net = line.quantity, line.unit_price, line.net_amount
    if price < 0:
        quantity, price = -quantity, -price
    product = quantity * price
    exponent = price.normalize().as_tuple().exponent
    decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if decimals <= MAX_PRICE_DECIMALS and round_money(product, currency) == net and abs(product - net) <= SLACK:
        return quantity, price
    return (-ONE if net < 0 else ONE), abs(net)
