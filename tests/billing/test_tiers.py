"""Pricing by hand, rule by rule: the same usage priced graduated and volume gives different totals."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from compiler import model
from compiler.billing.pricing import RecurringTerms, price_usage, recurring_terms
from compiler.billing.pricing.graduated import graduated
from compiler.billing.pricing.package import package
from compiler.billing.pricing.percentage import percentage
from compiler.billing.pricing.volume import volume
from dsl.span import Span

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
    assert price_usage(D(12345), model.UnitRate(price=D("0.004"))).amount == D("49.380")


@given(st.integers(0, 10**7))
def test_graduated_never_exceeds_the_top_price_for_all_units_plus_flats(units: int) -> None:
    total = D(units)
    worst = total * max(t.price for t in TIERS) + sum(t.flat for t in TIERS)
    assert graduated(total, TIERS).amount <= worst
    assert volume(total, TIERS).amount <= worst


def test_each_usage_rule_explains_its_arithmetic() -> None:
    # the explanation is stored in issued invoices' traces: these strings must not change
    assert volume(D(150), TIERS).explain() == "150 x 0.50 + 10.00 (100, 1000]"  # 75.00 + 10.00
    assert price_usage(D(2500), model.UnitRate(price=D("0.004"))).explain() == "2500 x 0.004"
    # 2 500 units in packages of 1 000: 3 started packages x 50.00 = 150.00
    packaged = package(D(2500), model.Package(size=D(1000), price=D("50.00")))
    assert (packaged.amount, packaged.explain()) == (D("150.00"), "3 package(s) of 1000 x 50.00")
    assert package(D(0), model.Package(size=D(1000), price=D("50.00"))).explain() == "0 package(s) of 1000 x 50.00"


def test_percentage_explains_the_minimum_and_the_maximum() -> None:
    rule = model.Percentage(percent=D("1.5"), minimum=D("100.00"), maximum=D("1000.00"))
    assert percentage(D(10_000), rule).explain() == "1.5% of 10000"  # 150.000, inside [100, 1000]
    assert percentage(D(1_000), rule).explain() == "1.5% of 1000, raised to the minimum 100.00"  # 15.000 < 100
    assert percentage(D(1_000_000), rule).explain() == "1.5% of 1000000, capped at the maximum 1000.00"  # 15 000
    bare = model.Percentage(percent=D(2), minimum=None, maximum=None)
    assert percentage(D("0.50"), bare).amount == D("0.01")  # 0.50 x 2 / 100, no minimum to raise it


def test_price_usage_picks_the_rule_module() -> None:
    # one model class, two rules: the mode of a tiered price picks graduated or volume
    assert price_usage(D(1500), model.Tiered(mode="graduated", tiers=TIERS)).amount == D("685.00")
    assert price_usage(D(1500), model.Tiered(mode="volume", tiers=TIERS)).amount == D("375.00")
    assert price_usage(D(1001), model.Package(size=D(1000), price=D("50.00"))).amount == D("100.00")
    rule = model.Percentage(percent=D(10), minimum=None, maximum=D("25.00"))
    assert price_usage(D(300), rule).amount == D("25.00")  # 30.00 capped at 25.00


def _charge(pricing: model.Pricing, quantity: Decimal | None) -> model.Charge:
    return model.Charge(
        id="c",
        label="C",
        pricing=pricing,
        billing=model.Billing(months=3, cycle="quarterly", timing="advance"),
        trial=None,
        revenue=model.Revenue(method="ratably_daily"),
        vat=model.Vat(category="standard"),
        ssp=None,
        ssp_period=None,
        unit=None,
        account=None,
        quantity=quantity,
        span=Span("t.avt", 1, 1, 1, 2),
    )


def test_flat_fee_bills_one_of_its_amount_per_period() -> None:
    flat = model.FlatFee(amount=D("2500.00"), period="month")
    assert recurring_terms(_charge(flat, None)) == RecurringTerms(D("2500.00"), "month", D(1))
    assert recurring_terms(_charge(flat, D(7))) == RecurringTerms(D("2500.00"), "month", D(1))  # quantity ignored


def test_per_unit_fee_bills_the_charges_quantity() -> None:
    seats = model.PerUnitFee(price=D("120.00"), period="year", unit="seat")
    assert recurring_terms(_charge(seats, D(25))) == RecurringTerms(D("120.00"), "year", D(25))
    assert recurring_terms(_charge(seats, None)) == RecurringTerms(D("120.00"), "year", D(0))  # no quantity: 0
