"""EN 16931 totals: round lines, group by VAT category and rate, round each group's VAT once."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from compiler.money import round_money
from runtime.ledger.totals import Totals, VatGroup, compute_totals
from tests.ledger.factories import line

D = Decimal


def test_each_line_is_rounded_before_it_is_summed() -> None:
    # 3 x 10.005: lines round to 10.01 each (30.03); rounding the sum instead would give 30.02.
    totals = compute_totals([line("10.005"), line("10.005"), line("10.005")], "NOK")
    assert totals == Totals(
        groups=(VatGroup(category="standard", rate=D(25), taxable=D("30.03"), vat=D("7.51")),),  # 7.5075
        net=D("30.03"),
        vat=D("7.51"),
        gross=D("37.54"),
    )


def test_vat_is_rounded_per_group_not_per_line() -> None:
    # per line: 0.02 x 25% = 0.005 -> 0.01, twice = 0.02; per group (EN 16931): 0.04 x 25% = 0.01
    totals = compute_totals([line("0.02"), line("0.02")], "NOK")
    assert (totals.net, totals.vat, totals.gross) == (D("0.04"), D("0.01"), D("0.05"))


def test_half_up_not_bankers_rounding() -> None:
    assert compute_totals([line("0.02")], "NOK").vat == D("0.01")  # 0.005 -> 0.01 (half-even would give 0.00)
    assert compute_totals([line("0.10")], "NOK").vat == D("0.03")  # 0.025 -> 0.03
    assert round_money(D("-100.005"), "NOK") == D("-100.01")  # away from zero on negative lines too
    assert str(round_money(D("-0.001"), "NOK")) == "0.00"  # never a negative zero


def test_mixed_norwegian_rates() -> None:
    lines = [
        line("0", category="zero", rate="0"),
        line("49.95", category="low", rate="12"),
        line("1000.00"),
        line("99.99", category="medium", rate="15"),
        line("333.33", rate="25.00"),  # the same group as 25
        line("200.00", category="zero", rate="0"),
        line("50.00", category="exempt", rate="0"),
    ]
    totals = compute_totals(lines, "NOK")
    assert totals.groups == (
        VatGroup(category="standard", rate=D(25), taxable=D("1333.33"), vat=D("333.33")),  # 333.3325
        VatGroup(category="medium", rate=D(15), taxable=D("99.99"), vat=D("15.00")),  # 14.9985
        VatGroup(category="low", rate=D(12), taxable=D("49.95"), vat=D("5.99")),  # 5.994
        VatGroup(category="zero", rate=D(0), taxable=D("200.00"), vat=D("0.00")),
        VatGroup(category="exempt", rate=D(0), taxable=D("50.00"), vat=D("0.00")),
    )
    assert (totals.net, totals.vat, totals.gross) == (D("1733.27"), D("354.32"), D("2087.59"))
    assert [str(g.rate) for g in totals.groups] == ["25", "15", "12", "0", "0"]


def test_one_category_at_two_rates_is_two_groups_highest_rate_first() -> None:
    totals = compute_totals([line("100.00", rate="24"), line("100.00", rate="25")], "NOK")
    assert [(g.rate, g.vat) for g in totals.groups] == [(D(25), D("25.00")), (D(24), D("24.00"))]


def test_a_discount_line_reduces_its_group() -> None:
    totals = compute_totals([line("1000.00"), line("-100.005")], "NOK")
    assert (totals.net, totals.vat, totals.gross) == (D("899.99"), D("225.00"), D("1124.99"))  # VAT 224.9975


def test_no_lines() -> None:
    assert compute_totals([], "NOK") == Totals(groups=(), net=D("0.00"), vat=D("0.00"), gross=D("0.00"))


RATES = [("standard", "25"), ("medium", "15"), ("low", "12"), ("zero", "0"), ("reverse_charge", "0")]
amounts = st.decimals(min_value=-10_000, max_value=1_000_000, places=3, allow_nan=False, allow_infinity=False)


@given(st.lists(st.tuples(amounts, st.sampled_from(RATES)), max_size=12))
def test_totals_are_sums_of_rounded_figures(items: list[tuple[Decimal, tuple[str, str]]]) -> None:
    lines = [line(str(amount), category=category, rate=rate) for amount, (category, rate) in items]
    totals = compute_totals(lines, "NOK")
    assert totals.net == sum((round_money(x.net_amount, "NOK") for x in lines), D(0))  # BR-CO-13
    assert totals.net == sum((g.taxable for g in totals.groups), D(0))
    assert totals.vat == sum((g.vat for g in totals.groups), D(0))  # BR-CO-14
    assert totals.gross == totals.net + totals.vat  # BR-CO-15
    for group in totals.groups:
        assert group.vat == round_money(group.taxable * group.rate / 100, "NOK")  # BR-CO-17
        assert group.taxable == sum(
            (
                round_money(x.net_amount, "NOK")
                for x in lines
                if (x.vat_category, x.vat_rate) == (group.category, group.rate)
            ),
            D(0),
        )
    assert len({(g.category, g.rate) for g in totals.groups}) == len(totals.groups)
