"""Allocation by relative SSP (IFRS 15 ¶73-86): published figures, and a property against a tiny
reference written in whole øre, independently of compiler/money.py."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compiler.revenue.allocation import allocate


def reference(price_ore: int, ssps_ore: list[int]) -> list[int]:
    """Largest remainder in integers: floor(price x ssp / total) each, then one øre each to the largest
    remainders, the earlier obligation first on a tie."""
    total = sum(ssps_ore)
    if total == 0:
        ssps_ore, total = [1] * len(ssps_ore), len(ssps_ore)
    floors = [price_ore * s // total for s in ssps_ore]
    remainders = [price_ore * s % total for s in ssps_ore]
    order = sorted(range(len(ssps_ore)), key=lambda i: (-remainders[i], i))
    for i in order[: price_ore - sum(floors)]:
        floors[i] += 1
    return floors


@pytest.mark.parametrize(
    ("price", "ssps", "shares"),
    [
        ("80000.00", ["20000", "30000", "40000"], ["17777.78", "26666.67", "35555.55"]),  # KPMG handbook
        ("190000.00", ["90000", "44000", "66000"], ["85500.00", "41800.00", "62700.00"]),
        ("100.00", ["1", "1", "1"], ["33.34", "33.33", "33.33"]),  # a tie: the first declared gets the øre
        ("0.02", ["1", "1", "1"], ["0.01", "0.01", "0.00"]),
        ("50.00", ["0", "0"], ["25.00", "25.00"]),
    ],
)
def test_published_and_hand_computed(price: str, ssps: list[str], shares: list[str]) -> None:
    assert allocate(Decimal(price), [Decimal(s) for s in ssps]) == [Decimal(s) for s in shares]


@given(
    price=st.integers(min_value=0, max_value=10**9),
    ssps=st.lists(st.integers(min_value=0, max_value=10**8), min_size=1, max_size=8),
)
def test_shares_sum_to_the_price_and_match_the_reference(price: int, ssps: list[int]) -> None:
    shares = allocate(Decimal(price).scaleb(-2), [Decimal(s).scaleb(-2) for s in ssps])
    assert sum(shares, Decimal(0)) == Decimal(price).scaleb(-2)
    assert [int(s.scaleb(2)) for s in shares] == reference(price, ssps)
