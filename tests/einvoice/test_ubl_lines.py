"""How a line's quantity and price are stated (runtime/einvoice/lines.py), against products worked out by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from runtime.einvoice.lines import stated_price
from tests.einvoice.documents import line


@pytest.mark.parametrize(
    ("quantity", "price", "net", "stated"),
    [
        ("25", "149.00", "3725.00", ("25", "149.00")),  # exact
        ("12345", "0.0125", "154.31", ("12345", "0.0125")),  # 154.3125 rounds to the net
        ("3", "0.335", "1.01", ("3", "0.335")),  # 1.005 rounds half up to 1.01
        ("3", "0.335", "1.00", ("1", "1.00")),  # ... so a net of 1.00 is not 3 x 0.335
        ("1", "4990.00", "3380.32", ("1", "3380.32")),  # a prorated month stated at the full price
        ("2", "1500.00", "2000.00", ("1", "2000.00")),  # a tiered or capped amount
        ("1", "-372.50", "-372.50", ("-1", "372.50")),  # a discount: the price is never negative (BR-27)
        ("2", "-50.00", "-100.00", ("-2", "50.00")),
        ("1", "-10.00", "-12.34", ("-1", "12.34")),  # a negative line that does not multiply
        ("0", "149.00", "0.00", ("0", "149.00")),  # nothing used, nothing billed
        ("0", "149.00", "5.00", ("1", "5.00")),
        ("3", "333.3333333333333333333333333", "1000.00", ("1", "1000.00")),  # a division that did not end
    ],
)
def test_stated_price(quantity: str, price: str, net: str, stated: tuple[str, str]) -> None:
    got = stated_price(line("x", net, quantity=quantity, price=price), "NOK")
    assert got == (Decimal(stated[0]), Decimal(stated[1]))


def test_six_decimals_is_a_price() -> None:
    """3 x 333.333333 = 999.999999, which rounds to 1000.00: a written six-decimal price is kept."""
    assert stated_price(line("x", "1000.00", quantity="3", price="333.333333"), "NOK") == (
        Decimal(3),
        Decimal("333.333333"),
    )


def test_whole_currency_keeps_only_products_within_an_ore_of_the_net() -> None:
    """JPY has no minor unit: 3 x 0.5 = 1.5 rounds to 2, but is 0.5 away from it, beyond R120's slack."""
    assert stated_price(line("x", "2", quantity="3", price="0.5"), "JPY") == (Decimal(1), Decimal(2))
    assert stated_price(line("x", "1500", quantity="3", price="500"), "JPY") == (Decimal(3), Decimal(500))


@pytest.mark.parametrize("quantity", ["7", "2.5", "12345"])
def test_stated_products_are_the_net_within_half_an_ore(quantity: str) -> None:
    for price in ("0.01", "0.0125", "1.99", "149.00", "333.33"):
        exact = Decimal(quantity) * Decimal(price)
        net = exact.quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
        q, p = stated_price(line("x", f"{net}", quantity=quantity, price=price), "NOK")
        assert abs(q * p - net) <= Decimal("0.005")
