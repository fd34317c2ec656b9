"""A line's share of its VAT group's VAT, for exports that list VAT per line and must sum to the documents."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from runtime.ledger.totals import compute_totals, line_vat
from tests.ledger.factories import line

D = Decimal


def shares(*lines: object) -> list[Decimal]:
    drafted = list(lines)
    return line_vat(drafted, compute_totals(drafted, "NOK"), "NOK")  # type: ignore[arg-type]


def test_equal_lines_share_equally() -> None:
    assert shares(line("10.00"), line("10.00"), line("10.00")) == [D("2.50"), D("2.50"), D("2.50")]


def test_the_unit_left_over_goes_to_the_largest_remainder() -> None:
    # The group's VAT is 0.04 x 25% = 0.01: exactly 0.005 each, one cent to share; a tie goes to the earlier line.
    assert shares(line("0.02"), line("0.02")) == [D("0.01"), D("0.00")]
    # 0.01 and 0.03: VAT 0.01; exact 0.0025 and 0.0075, so the second line carries it.
    assert shares(line("0.01"), line("0.03")) == [D("0.00"), D("0.01")]


def test_each_group_is_shared_among_its_own_lines() -> None:
    found = shares(
        line("100.00"),
        line("50.00", category="low", rate="12"),
        line("20.00", category="zero", rate="0"),
        line("33.33"),
    )
    # standard 25 %: 133.33 -> 33.3325 -> 33.33; exact 24.9981... and 8.3318..., rounded down 24.99 and 8.33,
    # the cent left to the first (remainder 0.0081 against 0.0018); low 12 %: 6.00; zero: 0.00
    assert found == [D("25.00"), D("6.00"), D("0.00"), D("8.33")]


def test_a_discount_line_carries_the_vat_of_its_own_amount() -> None:
    # Group: 1000.00 + 333.33 - 100.00 = 1233.33 at 25 % -> 308.3325 -> 308.33.
    # The discount: -100.00 x 25 % = -25.00. The rest, 333.33, split 1000 : 333.33:
    # exact 249.9981... and 83.3318..., rounded down 249.99 and 83.33 (333.32), the cent left to the first.
    found = shares(line("1000.00"), line("333.33"), line("-100.00", kind="discount", discount="loyal"))
    assert found == [D("250.00"), D("83.33"), D("-25.00")]
    assert sum(found) == D("308.33")


cents = st.integers(min_value=-50_000, max_value=500_000).map(lambda c: D(c).scaleb(-2))
rated = st.sampled_from([("standard", "25"), ("medium", "15"), ("low", "12"), ("zero", "0"), ("exempt", "0")])


@given(st.lists(st.tuples(cents, rated), min_size=1, max_size=12))
def test_the_shares_of_each_group_sum_to_its_vat(drafted: list[tuple[Decimal, tuple[str, str]]]) -> None:
    lines = [line(str(net), category=category, rate=rate) for net, (category, rate) in drafted]
    totals = compute_totals(lines, "NOK")
    found = line_vat(lines, totals, "NOK")
    assert sum(found, D(0)) == totals.vat
    for group in totals.groups:
        members = [
            s
            for x, s in zip(lines, found, strict=True)
            if (x.vat_category, D(x.vat_rate)) == (group.category, group.rate)
        ]
        assert sum(members, D(0)) == group.vat
    assert all(s == s.quantize(D("0.01")) for s in found)
