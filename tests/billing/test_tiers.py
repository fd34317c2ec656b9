"""Usage pricing by hand: the same usage priced graduated and volume gives different totals."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from compiler import model
from compiler.billing.tiers import graduated, package, percentage, price, volume

D = Decimal
TIERS = (
    model.TierRow(up_to=D(100), price=D("1.00"), flat=D(0)),
    model.TierRow(up_to=D(1000), price=D("0.50"), flat=D("10.00")),
    model.TierRow(up_to=None, price=D("0.25"), flat=D(0)),
)


def test_graduated_by_hand() -> None:
    # 100 x 1.00 + (900 x 0.50 + 10.00) + 500 x 0.25 = 100 + 460 + 125
    assert graduated(D(1500), TIERS).amount == D("685.00")
    assert graduated(D(100), TIERS).amount == D("100.00")
    assert graduated(D(101), TIERS).amount == D("110.50")  # reaching tier 2 adds its flat amount
    assert graduated(D(0), TIERS).amount == D(0)


def test_volume_by_hand() -> None:
    assert volume(D(1500), TIERS).amount == D("375.00")  # all 1 500 at 0.25
    assert volume(D(100), TIERS).amount == D("100.00")  # 100 is inside tier 1: (0, 100]
    assert volume(D(101), TIERS).amount == D("60.50")  # 101 x 0.50 + 10.00
    assert volume(D(0), TIERS).amount == D(0)


def test_same_usage_differs_between_graduated_and_volume() -> None:
    assert graduated(D(1500), TIERS).amount != volume(D(1500), TIERS).amount


def test_explanations_show_the_arithmetic() -> None:
    assert graduated(D(150), TIERS).explain() == "100 x 1.00 (0, 100] + 50 x 0.50 + 10.00 (100, 1000]"


def test_package_rounds_up_to_started_packages() -> None:
    rule = model.Package(size=D(1000), price=D("50.00"))
    assert package(D(1), rule).amount == D("50.00")
    assert package(D(1000), rule).amount == D("50.00")
    assert package(D(1001), rule).amount == D("100.00")
    assert package(D(0), rule).amount == D(0)


def test_percentage_with_minimum_and_maximum() -> None:
    rule = model.Percentage(percent=D("1.5"), minimum=D("100.00"), maximum=D("1000.00"))
    assert percentage(D(10_000), rule).amount == D("150.000")
    assert percentage(D(1_000), rule).amount == D("100.00")
    assert percentage(D(1_000_000), rule).amount == D("1000.00")


def test_unit_rate() -> None:
    assert price(D(12345), model.UnitRate(price=D("0.004"))).amount == D("49.380")


@given(st.integers(0, 10**7))
def test_graduated_never_exceeds_the_top_price_for_all_units_plus_flats(units: int) -> None:
    total = D(units)
    worst = total * max(t.price for t in TIERS) + sum(t.flat for t in TIERS)
    assert graduated(total, TIERS).amount <= worst
    assert volume(total, TIERS).amount <= worst
