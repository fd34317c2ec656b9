"""Billing schedules, computed by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from compiler.billing.lines import BillableLine, DiscountLine, MinimumLine, OneTimeLine, RecurringLine, UsageLine
from compiler.billing.periods import Period, billing_periods, split
from compiler.billing.price import price_schedule
from compiler.billing.proration import PRICE_MONTHS, prorate, unit_months
from tests.billing.helpers import contract, schedule

D = Decimal


def fixed(lines: tuple[BillableLine, ...], charge: str) -> list[tuple[date, date, date, Decimal]]:
    """(billing date, first day billed, end, amount) of each fixed line of a charge."""
    found = []
    for ln in lines:
        if isinstance(ln, RecurringLine) and ln.id.charge == charge:
            found.append((ln.billing_date, ln.pieces[0].start, ln.pieces[-1].end, round(ln.amount, 2)))
        elif isinstance(ln, OneTimeLine) and ln.id.charge == charge:
            found.append((ln.billing_date, ln.id.period_start, ln.id.period_end, round(ln.amount, 2)))
    return found


def pieces(lines: tuple[BillableLine, ...], charge: str) -> list[tuple[date, date, date, Decimal]]:
    """(billing period start, piece start, piece end, amount) of each piece of a charge's recurring lines."""
    return [
        (ln.id.period_start, p.start, p.end, round(p.amount, 2))
        for ln in lines
        if isinstance(ln, RecurringLine) and ln.id.charge == charge
        for p in ln.pieces
    ]


def test_flat_monthly_in_advance() -> None:
    text = contract('  charge base "Base" {\n    flat 1_000.00 per month\n  }', term="term 3 months")
    lines = schedule(text, date(2027, 1, 1)).lines
    assert fixed(lines, "base") == [
        (date(2026, 1, 1), date(2026, 1, 1), date(2026, 2, 1), D("1000.00")),
        (date(2026, 2, 1), date(2026, 2, 1), date(2026, 3, 1), D("1000.00")),
        (date(2026, 3, 1), date(2026, 3, 1), date(2026, 4, 1), D("1000.00")),
    ]


def test_in_arrears_bills_at_period_end() -> None:
    text = contract(
        '  charge base "Base" {\n    flat 300.00 per quarter\n    billed quarterly in arrears\n  }',
        term="term 6 months",
    )
    assert fixed(schedule(text, date(2027, 1, 1)).lines, "base") == [
        (date(2026, 4, 1), date(2026, 1, 1), date(2026, 4, 1), D("300.00")),
        (date(2026, 7, 1), date(2026, 4, 1), date(2026, 7, 1), D("300.00")),
    ]


def test_cycles_scale_the_price_period() -> None:
    yearly_price_half_yearly = contract(
        '  charge base "Base" {\n    flat 12_000.00 per year\n    billed every 6 months in advance\n  }'
    )
    assert [a for *_, a in fixed(schedule(yearly_price_half_yearly, date(2027, 1, 1)).lines, "base")] == [
        D("6000.00"),
        D("6000.00"),
    ]
    monthly_price_yearly = contract('  charge base "Base" {\n    flat 100.00 per month\n    billed yearly\n  }')
    assert [a for *_, a in fixed(schedule(monthly_price_yearly, date(2027, 1, 1)).lines, "base")] == [D("1200.00")]


def test_per_unit_with_quantity() -> None:
    text = contract(
        '  charge seats "Seats" {\n    per_unit 149.00 per seat per month\n    quantity 25\n  }', term="term 1 month"
    )
    (line,) = schedule(text, date(2027, 1, 1)).lines
    assert isinstance(line, RecurringLine)
    (piece,) = line.pieces
    assert (piece.quantity, piece.price, piece.amount) == (D(25), D("149.00"), D("3725.00"))


def test_anchor_31_across_february_in_a_leap_year() -> None:
    text = contract(
        '  billing anchor 31\n  charge base "Base" {\n    flat 310.00 per month\n  }',
        start="2028-01-31",
        term="term 4 months",
    )
    got = [(s, e) for _, s, e, _ in fixed(schedule(text, date(2029, 1, 1)).lines, "base")]
    assert got == [
        (date(2028, 1, 31), date(2028, 2, 29)),
        (date(2028, 2, 29), date(2028, 3, 31)),
        (date(2028, 3, 31), date(2028, 4, 30)),
        (date(2028, 4, 30), date(2028, 5, 31)),
    ]


def test_anchor_31_across_february_in_a_common_year() -> None:
    text = contract(
        '  billing anchor 31\n  charge base "Base" {\n    flat 310.00 per month\n  }',
        start="2026-01-31",
        term="term 2 months",
    )
    got = [(s, e, a) for _, s, e, a in fixed(schedule(text, date(2027, 1, 1)).lines, "base")]
    assert got == [
        (date(2026, 1, 31), date(2026, 2, 28), D("310.00")),
        (date(2026, 2, 28), date(2026, 3, 31), D("310.00")),
    ]


def test_partial_first_period_before_the_anchor() -> None:
    text = contract(
        '  billing anchor 1\n  charge base "Base" {\n    flat 3_100.00 per month\n  }',
        start="2026-01-15",
        term="term 1 month",
    )
    got = fixed(schedule(text, date(2027, 1, 1)).lines, "base")
    # 15-31 January is 17 of January's 31 days; then 1-14 February, cut by the end of the term (14 of 28 days).
    assert got == [
        (date(2026, 1, 15), date(2026, 1, 15), date(2026, 2, 1), D("1700.00")),
        (date(2026, 2, 1), date(2026, 2, 1), date(2026, 2, 15), D("1550.00")),
    ]


def test_mid_period_upgrade_and_downgrade() -> None:
    text = contract(
        '  charge seats "Seats" {\n    per_unit 100.00 per seat per month\n    quantity 10\n  }\n'
        '  amendment 1 "Up" signed 2026-03-01 effective 2026-03-11 {\n    seats quantity 20\n  }\n'
        '  amendment 2 "Down" signed 2026-04-01 effective 2026-04-16 {\n    seats quantity 5\n  }',
        term="term 4 months",
    )
    lines = schedule(text, date(2027, 1, 1)).lines
    # one line per billing period; an amendment inside a period splits it into pieces
    assert pieces(lines, "seats")[2:] == [
        (date(2026, 3, 1), date(2026, 3, 1), date(2026, 3, 11), D("322.58")),  # 10 seats x 100 x 10/31
        (date(2026, 3, 1), date(2026, 3, 11), date(2026, 4, 1), D("1354.84")),  # 20 seats x 21/31
        (date(2026, 4, 1), date(2026, 4, 1), date(2026, 4, 16), D("1000.00")),  # 20 seats x 15/30
        (date(2026, 4, 1), date(2026, 4, 16), date(2026, 5, 1), D("250.00")),  # 5 x 15/30
    ]
    assert fixed(lines, "seats")[2:] == [
        (date(2026, 3, 1), date(2026, 3, 1), date(2026, 4, 1), D("1677.42")),
        (date(2026, 4, 1), date(2026, 4, 1), date(2026, 5, 1), D("1250.00")),
    ]


def test_termination_cuts_the_last_period() -> None:
    text = contract(
        '  charge base "Base" {\n    flat 3_000.00 per month\n  }\n'
        '  amendment 1 "Slutt" signed 2026-01-10 effective 2026-03-11 {\n    terminate\n  }',
        term="term 12 months",
    )
    result = schedule(text, date(2027, 1, 1))
    assert result.end == date(2026, 3, 11)
    assert fixed(result.lines, "base")[-1] == (date(2026, 3, 1), date(2026, 3, 1), date(2026, 3, 11), D("967.74"))


def test_trial_makes_the_first_days_free() -> None:
    text = contract('  charge base "Base" {\n    flat 3_100.00 per month\n    trial 30 days\n  }', term="term 2 months")
    got = fixed(schedule(text, date(2027, 1, 1)).lines, "base")
    assert got == [
        (date(2026, 1, 31), date(2026, 1, 31), date(2026, 2, 1), D("100.00")),
        (date(2026, 2, 1), date(2026, 2, 1), date(2026, 3, 1), D("3100.00")),
    ]


def test_discount_ending_mid_period_is_its_own_line() -> None:
    text = contract(
        '  charge base "Base" {\n    flat 3_100.00 per month\n  }\n  discount "Intro" 10% on base until 2026-02-16',
        term="term 3 months",
    )
    result = schedule(text, date(2027, 1, 1))
    priced = price_schedule(result, {}, date(2027, 1, 1)).lines
    discounts = [
        (ln.id.period_start, ln.start, ln.end, round(ln.amount, 2)) for ln in priced if ln.id.kind == "discount"
    ]
    # 15 of February's 28 days: -(3,100 x 10% x 15/28)
    assert discounts == [
        (date(2026, 1, 1), date(2026, 1, 1), date(2026, 2, 1), D("-310.00")),
        (date(2026, 2, 1), date(2026, 2, 1), date(2026, 2, 16), D("-166.07")),
    ]
    assert {ln.id.discount for ln in result.lines if isinstance(ln, DiscountLine)} == {"discount-1"}


def test_one_time_on_start_and_on_a_date() -> None:
    text = contract(
        '  charge setup "Setup" {\n    one_time 5_000.00 on start\n  }\n'
        '  charge course "Kurs" {\n    one_time 800.00 on 2026-05-10\n    vat low\n  }'
    )
    lines = schedule(text, date(2027, 1, 1)).lines
    assert fixed(lines, "setup") == [(date(2026, 1, 1), date(2026, 1, 1), date(2026, 1, 2), D("5000.00"))]
    (course,) = [ln for ln in lines if ln.id.charge == "course"]
    assert (course.billing_date, course.tax.rate) == (date(2026, 5, 10), D(12))


def test_usage_is_billed_in_arrears_per_period() -> None:
    text = contract('  charge api "API" {\n    usage calls\n    per_unit 0.01\n  }', term="term 2 months")
    lines = schedule(text, date(2027, 1, 1)).lines
    assert all(isinstance(ln, UsageLine) for ln in lines)
    assert [(ln.billing_date, ln.id.period_start, ln.id.period_end, ln.pieces[0].metric) for ln in lines] == [  # type: ignore[union-attr]
        (date(2026, 2, 1), date(2026, 1, 1), date(2026, 2, 1), "calls"),
        (date(2026, 3, 1), date(2026, 2, 1), date(2026, 3, 1), "calls"),
    ]


def test_minimum_true_up_each_contract_year() -> None:
    text = contract(
        '  charge base "Base" {\n    flat 1_000.00 per month\n  }\n  minimum 20_000.00 per contract year',
        term="term 24 months",
    )
    lines = [ln for ln in schedule(text, date(2030, 1, 1)).lines if isinstance(ln, MinimumLine)]
    assert [(ln.billing_date, ln.minimum) for ln in lines] == [
        (date(2027, 1, 1), D("20000.00")),
        (date(2028, 1, 1), D("20000.00")),
    ]


INDEX = """
index kpi "KPI" {
  2024-10 100.0
  2025-10 103.0
  2026-10 110.0
}
"""


def test_indexation_two_years_with_the_cap_biting() -> None:
    text = contract(
        '  charge base "Base" {\n    flat 1_000.00 per month\n    billed yearly\n  }\n'
        "  indexation kpi yearly on 01-01 from 2026-01-01 compare october cap 5% on base",
        start="2025-01-01",
        term="term 36 months",
        extra=INDEX,
    )
    lines = schedule(text, date(2028, 1, 1)).lines
    prices = [
        (p.start, p.price * 12) for p in (pc for ln in lines if isinstance(ln, RecurringLine) for pc in ln.pieces)
    ]
    # 2026: +3.00% (103/100); 2027: +6.80% (110/103) capped at 5%, compounding on the rounded price.
    assert prices == [
        (date(2025, 1, 1), D("12000.00")),
        (date(2026, 1, 1), D("12360.00")),
        (date(2027, 1, 1), D("12978.00")),
    ]


def test_missing_index_value_blocks_exactly_the_affected_lines() -> None:
    text = contract(
        '  charge base "Base" {\n    flat 1_000.00 per month\n    billed yearly\n  }\n'
        '  charge other "Other" {\n    flat 10.00 per month\n    billed yearly\n  }\n'
        "  indexation kpi yearly on 01-01 from 2026-01-01 compare october on base",
        start="2025-01-01",
        term="term 36 months",
        extra='index kpi "KPI" {\n  2024-10 100.0\n}\n',
    )
    lines = schedule(text, date(2027, 1, 1)).lines
    stuck = [ln for ln in lines if isinstance(ln, RecurringLine) and ln.blocked]
    assert [(ln.id.charge, ln.id.period_start) for ln in stuck] == [("base", date(2026, 1, 1))]
    assert "2025-10" in (stuck[0].blocked or "")


def test_renewal_and_notice_deadlines() -> None:
    text = contract(
        '  renew 12 months notice 3 months\n  charge base "Base" {\n    flat 100.00 per month\n  }',
        term="term 12 months",
    )
    result = schedule(text, date(2028, 6, 1))
    assert result.end is None
    assert result.term_ends == (date(2027, 1, 1), date(2028, 1, 1))
    assert result.notice_deadlines == (date(2026, 10, 1), date(2027, 10, 1))


def test_added_and_removed_charges_follow_the_contract_grid() -> None:
    text = contract(
        '  charge base "Base" {\n    flat 3_100.00 per month\n  }\n'
        '  amendment 1 "Support" signed 2026-01-20 effective 2026-01-21 {\n'
        '    charge support "Support" {\n      flat 310.00 per month\n    }\n  }\n'
        '  amendment 2 "Uten base" signed 2026-02-01 effective 2026-03-01 {\n    remove base\n  }',
        term="term 3 months",
    )
    lines = schedule(text, date(2027, 1, 1)).lines
    assert fixed(lines, "support")[0] == (date(2026, 1, 21), date(2026, 1, 21), date(2026, 2, 1), D("110.00"))
    assert [s for _, s, _, _ in fixed(lines, "base")] == [date(2026, 1, 1), date(2026, 2, 1)]


@given(
    st.dates(date(2020, 1, 1), date(2030, 12, 31)),
    st.sampled_from([1, 3, 6, 12]),
    st.lists(st.integers(1, 400), max_size=5),
)
def test_prorated_pieces_sum_to_the_whole_period(start: date, months: int, offsets: list[int]) -> None:
    period = next(billing_periods(start, None, months, None, date(2100, 1, 1)))
    assert isinstance(period, Period) and not period.partial
    cuts = [date.fromordinal(start.toordinal() + o) for o in offsets]
    parts = split(period, cuts)
    assert sum(p.days for p in parts) == period.cycle_days
    for per in ("month", "quarter", "year"):
        unit = unit_months(months, PRICE_MONTHS[per])
        fractions = [prorate(p.start, p.end, period.cycle_start, unit, start.day).fraction for p in parts]
        # a whole cycle is a whole number of units; its pieces add up to it, exactly
        assert sum(fractions, Fraction(0)) == months // unit


def test_a_price_per_month_billed_quarterly_prorates_by_whole_months() -> None:
    # semantics.md: 2,500.00 per month billed quarterly, added for March of a quarter, is 2,500.00
    # (one whole month), not 7,500.00 x 31/90.
    text = contract(
        '  charge base "Base" {\n    flat 100.00 per month\n    billed quarterly\n  }\n'
        '  amendment 1 "Support" signed 2026-02-20 effective 2026-03-01 {\n'
        '    charge support "Support" {\n      flat 2_500.00 per month\n      billed quarterly\n    }\n  }',
        term="term 6 months",
    )
    lines = schedule(text, date(2027, 1, 1)).lines
    assert fixed(lines, "support") == [
        (date(2026, 3, 1), date(2026, 3, 1), date(2026, 4, 1), D("2500.00")),
        (date(2026, 4, 1), date(2026, 4, 1), date(2026, 7, 1), D("7500.00")),
    ]
    (march,) = [ln for ln in lines if isinstance(ln, RecurringLine) and ln.id.charge == "support"][:1]
    assert march.id.period_start == date(2026, 1, 1)  # identity: the quarter, not the month billed
    assert march.pieces[0].proration.describe() == "1 month"


def test_whole_months_plus_days_of_their_own_month() -> None:
    # 10 February to 1 April of a quarter from 1 January: 19/28 of February plus all of March.
    got = prorate(date(2026, 2, 10), date(2026, 4, 1), date(2026, 1, 1), 1, 1)
    assert (got.whole, got.parts) == (1, ((19, 28),))
    assert got.describe() == "1 month + 19/28 days of a month"


def test_a_yearly_price_prorates_by_the_days_of_the_contract_year() -> None:
    text = contract(
        '  charge base "Base" {\n    flat 24_000.00 per year\n    billed yearly\n  }\n'
        '  amendment 1 "Slutt" signed 2026-05-10 effective 2026-05-01 {\n    terminate\n  }',
        term="term 36 months",
    )
    assert fixed(schedule(text, date(2030, 1, 1)).lines, "base") == [
        (date(2026, 1, 1), date(2026, 1, 1), date(2026, 5, 1), D("7890.41"))  # 24,000 x 120/365
    ]


def test_a_yearly_price_billed_monthly_bills_a_twelfth_each_month() -> None:
    body = '  charge base "Base" {\n    flat 12_000.00 per year\n    billed monthly\n  }'
    text = contract(body, term="term 2 months")
    assert [a for *_, a in fixed(schedule(text, date(2030, 1, 1)).lines, "base")] == [D("1000.00"), D("1000.00")]


def test_a_vat_change_by_amendment_splits_the_line_by_vat() -> None:
    text = contract(
        '  charge base "Base" {\n    flat 3_100.00 per month\n  }\n'
        '  amendment 1 "Ny" signed 2026-01-05 effective 2026-01-11 {\n    remove base\n'
        '    charge base "Base" {\n      flat 3_100.00 per month\n      vat exempt "Unntatt"\n    }\n  }',
        term="term 1 month",
    )
    lines = [ln for ln in schedule(text, date(2030, 1, 1)).lines if isinstance(ln, RecurringLine)]
    assert [(ln.id.period_start, ln.tax.category, round(ln.amount, 2)) for ln in lines] == [
        (date(2026, 1, 1), "standard", D("1000.00")),
        (date(2026, 1, 1), "exempt", D("2100.00")),
    ]


def test_a_charge_removed_mid_period_bills_up_to_its_removal() -> None:
    text = contract(
        '  charge base "Base" {\n    flat 3_100.00 per month\n  }\n'
        '  charge api "API" {\n    usage calls\n    per_unit 0.01\n    billed quarterly in arrears\n  }\n'
        '  amendment 1 "Uten" signed 2026-01-10 effective 2026-02-15 {\n    remove base\n    remove api\n  }',
        term="term 6 months",
    )
    lines = schedule(text, date(2027, 1, 1)).lines
    # 14 of February's 28 days; nothing after the removal
    assert fixed(lines, "base") == [
        (date(2026, 1, 1), date(2026, 1, 1), date(2026, 2, 1), D("3100.00")),
        (date(2026, 2, 1), date(2026, 2, 1), date(2026, 2, 15), D("1550.00")),
    ]
    usage = [ln for ln in lines if isinstance(ln, UsageLine)]
    assert [(p.start, p.end) for ln in usage for p in ln.pieces] == [(date(2026, 1, 1), date(2026, 2, 15))]
