"""Money: rounding by the currency's minor unit, largest-remainder allocation, sums per currency.
Figures by hand or from published examples (semantics.md)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compiler.money import Money, allocate, minor_unit, round_exact, round_money, round_product, totals_by_currency

D = Decimal


def test_half_up_to_the_minor_unit() -> None:
    assert round_money(D("2.005"), "NOK") == D("2.01")  # half-even would give 2.00
    assert round_money(D("-2.005"), "NOK") == D("-2.01")
    assert round_money(D("548.387"), "JPY") == D("548")
    assert round_money(D("0.5"), "ISK") == D("1")
    assert str(round_money(D("-0.001"), "NOK")) == "0.00"  # never a negative zero
    assert (minor_unit("NOK"), minor_unit("JPY"), minor_unit("ISK"), minor_unit("EUR")) == (2, 0, 0, 2)


def test_exact_fractions_round_half_up_without_a_detour_through_28_digits() -> None:
    # 2,401 x 9/360 = 60.025 exactly: half an øre, so up (semantics.md, Rounding)
    assert round_exact(Fraction(2401) * Fraction(9, 360), "NOK") == D("60.03")
    assert round_exact(Fraction(-2401) * Fraction(9, 360), "NOK") == D("-60.03")
    assert round_exact(Fraction(1, 3), "NOK") == D("0.33")
    assert str(round_exact(Fraction(-1, 300), "NOK")) == "0.00"  # never a negative zero
    assert round_exact(Fraction(2999, 2), "JPY") == D("1500")
    # 7 seats x 33.335 = 233.345: half an øre, up
    assert round_product(D(7), D("33.335"), "NOK") == D("233.35")
    assert round_product(D("-1.5"), D("0.01"), "NOK") == D("-0.02")


def _half_up_reference(numerator: int, denominator: int, digits: int) -> Decimal:
    """The quotient to 200 significant digits, then Decimal's own HALF_UP: a quotient that is not a finite
    decimal is never within 10**-200 of a half unit for these sizes, and one that is is exact."""
    with localcontext() as wide:
        wide.prec = 200
        value = D(numerator) / D(denominator)
        rounded = value.quantize(D(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return rounded if rounded else abs(rounded)


@given(  # amounts below 10**24: the result is a Decimal of the context's 28 digits
    st.integers(min_value=-(10**24), max_value=10**24),
    st.integers(min_value=1, max_value=10**20),
    st.sampled_from(["NOK", "JPY", "EUR"]),
)
def test_exact_rounding_agrees_with_decimal_half_up(numerator: int, denominator: int, currency: str) -> None:
    expected = _half_up_reference(numerator, denominator, minor_unit(currency))
    found = round_exact(Fraction(numerator, denominator), currency)
    assert (found, str(found)) == (expected, str(expected))


@given(
    st.decimals(min_value=-(10**9), max_value=10**9, places=4, allow_nan=False, allow_infinity=False),
    st.decimals(min_value=-(10**9), max_value=10**9, places=6, allow_nan=False, allow_infinity=False),
)
def test_a_product_rounds_as_its_exact_value(quantity: Decimal, price: Decimal) -> None:
    with localcontext() as wide:
        wide.prec = 60
        exact = quantity * price  # 60 digits hold any such product exactly
    expected = _half_up_reference(*exact.as_integer_ratio(), 2)
    assert round_product(quantity, price, "NOK") == expected


@given(
    st.integers(min_value=-(10**20), max_value=10**20),
    st.integers(min_value=1, max_value=10**6),
    st.sampled_from(["NOK", "JPY"]),
)
def test_a_value_half_a_minor_unit_past_another_rounds_away_from_zero(whole: int, spread: int, currency: str) -> None:
    # (2 x whole + 1) / 2 minor units, unreduced by `spread`: exactly half a unit past `whole` (random values
    # almost never fall on a half, where HALF_UP differs from HALF_EVEN and HALF_DOWN)
    digits = minor_unit(currency)
    numerator, denominator = (2 * whole + 1) * spread, 2 * 10**digits * spread
    found = round_exact(Fraction(numerator, denominator), currency)
    away = whole + 1 if whole >= 0 else whole  # -0.5 units rounds to -1, 2.5 units to 3
    assert found == D(away).scaleb(-digits) == _half_up_reference(numerator, denominator, digits)


@given(
    st.integers(min_value=-(10**6), max_value=10**6),
    st.integers(min_value=-(10**9), max_value=10**9),
    st.sampled_from(["NOK", "JPY"]),
)
def test_a_product_on_a_half_rounds_away_from_zero(half: int, odd: int, currency: str) -> None:
    digits = minor_unit(currency)
    quantity = D(2 * half + 1)  # odd, so that the product is an odd number of half units too
    price = D(2 * odd + 1).scaleb(-digits - 1) * 5  # an odd number of half units: x.xx5 (NOK), x.5 (JPY)
    exact = quantity * price
    assert round_product(quantity, price, currency) == _half_up_reference(*exact.as_integer_ratio(), digits)


def test_allocation_matches_the_published_examples() -> None:
    # KPMG's IFRS 15 handbook: SSP 20,000 / 30,000 / 40,000, price 80,000, at øre precision
    assert allocate(D("80000.00"), [D(20000), D(30000), D(40000)], "NOK") == [
        D("17777.78"),
        D("26666.67"),
        D("35555.55"),
    ]
    assert allocate(D("190000.00"), [D(90000), D(44000), D(66000)], "NOK") == [
        D("85500.00"),
        D("41800.00"),
        D("62700.00"),
    ]


def test_allocation_ties_go_to_the_earlier_share_and_signs_are_kept() -> None:
    assert allocate(D("0.02"), [D(1), D(1), D(1)], "NOK") == [D("0.01"), D("0.01"), D("0.00")]
    assert allocate(D("-10.00"), [D(1), D(2)], "NOK") == [D("-3.33"), D("-6.67")]
    assert allocate(D("100"), [D(0), D(0)], "JPY") == [D("50"), D("50")]
    assert allocate(D("7"), [D(1), D(1)], "JPY") == [D("4"), D("3")]


def test_allocation_refuses_what_it_cannot_share_exactly() -> None:
    with pytest.raises(ValueError, match="not rounded"):
        allocate(D("1.005"), [D(1)], "NOK")
    with pytest.raises(ValueError, match="negative"):
        allocate(D("1.00"), [D(1), D(-1)], "NOK")


@given(
    st.decimals(min_value=-10_000_000, max_value=10_000_000, places=2),
    st.lists(st.decimals(min_value=0, max_value=1_000_000, places=2), min_size=1, max_size=8),
)
def test_shares_always_sum_exactly_and_each_is_within_a_unit(total: Decimal, weights: list[Decimal]) -> None:
    shares = allocate(total, weights, "NOK")
    assert sum(shares, D(0)) == total
    weight_sum = sum(weights, D(0)) or D(len(weights))
    for share, weight in zip(shares, weights if sum(weights) else [D(1)] * len(weights), strict=True):
        assert abs(share - total * weight / weight_sum) < D("0.01")


def test_amounts_of_different_currencies_never_add_up() -> None:
    assert Money(D("1.00"), "NOK") + Money(D("2.00"), "NOK") == Money(D("3.00"), "NOK")
    with pytest.raises(ValueError, match="cannot add EUR to NOK"):
        Money(D("1.00"), "NOK") + Money(D("1.00"), "EUR")
    sums = totals_by_currency([Money(D("1.00"), "NOK"), Money(D("5"), "JPY"), Money(D("2.50"), "NOK")])
    assert sums == {"JPY": D("5"), "NOK": D("3.50")}
