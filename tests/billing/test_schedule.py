"""Billing schedules, computed by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from compiler.periods import Period, billing_periods, fraction, split
from compiler.billing.lower import ScheduleLine
from tests.billing.helpers import contract, schedule

D = Decimal


def fixed(lines: tuple[ScheduleLine, ...], charge: str) -> list[tuple[date, date, date, Decimal]]:
    return [
        (ln.billing_date, ln.period_start, ln.period_end, round(ln.amount, 2))
        for ln in lines
        if ln.charge == charge and ln.kind in ("recurring", "one_time") and ln.amount is not None
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
    assert (line.quantity, line.unit_price, line.amount) == (D(25), D("149.00"), D("3725.00"))


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
    got = [(b, s, e, a) for b, s, e, a in fixed(schedule(text, date(2027, 1, 1)).lines, "seats")]
    assert got[2:] == [
        (date(2026, 3, 1), date(2026, 3, 1), date(2026, 3, 11), D("322.58")),  # 10 seats x 100 x 10/31
        (date(2026, 3, 11), date(2026, 3, 11), date(2026, 4, 1), D("1354.84")),  # 20 seats x 21/31
        (date(2026, 4, 1), date(2026, 4, 1), date(2026, 4, 16), D("1000.00")),  # 20 seats x 15/30
        (date(2026, 4, 16), date(2026, 4, 16), date(2026, 5, 1), D("250.00")),  # 5 x 15/30
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
    lines = schedule(text, date(2027, 1, 1)).lines
    discounts = [
        (ln.period_start, ln.days, ln.cycle_days, round(ln.amount or 0, 2)) for ln in lines if ln.kind == "discount"
    ]
    assert discounts == [(date(2026, 1, 1), 31, 31, D("-310.00")), (date(2026, 2, 1), 15, 28, D("-166.07"))]


def test_one_time_on_start_and_on_a_date() -> None:
    text = contract(
        '  charge setup "Setup" {\n    one_time 5_000.00 on start\n  }\n'
        '  charge course "Kurs" {\n    one_time 800.00 on 2026-05-10\n    vat low\n  }'
    )
    lines = schedule(text, date(2027, 1, 1)).lines
    assert fixed(lines, "setup") == [(date(2026, 1, 1), date(2026, 1, 1), date(2026, 1, 2), D("5000.00"))]
    (course,) = [ln for ln in lines if ln.charge == "course"]
    assert (course.billing_date, course.vat_rate) == (date(2026, 5, 10), D(12))


def test_usage_is_billed_in_arrears_per_period() -> None:
    text = contract('  charge api "API" {\n    usage calls\n    per_unit 0.01\n  }', term="term 2 months")
    lines = schedule(text, date(2027, 1, 1)).lines
    assert [(ln.billing_date, ln.period_start, ln.period_end, ln.metric) for ln in lines] == [
        (date(2026, 2, 1), date(2026, 1, 1), date(2026, 2, 1), "calls"),
        (date(2026, 3, 1), date(2026, 2, 1), date(2026, 3, 1), "calls"),
    ]
    assert all(ln.amount is None for ln in lines)


def test_minimum_true_up_each_contract_year() -> None:
    text = contract(
        '  charge base "Base" {\n    flat 1_000.00 per month\n  }\n  minimum 20_000.00 per contract year',
        term="term 24 months",
    )
    lines = [ln for ln in schedule(text, date(2030, 1, 1)).lines if ln.kind == "minimum"]
    assert [(ln.billing_date, ln.unit_price) for ln in lines] == [
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
    prices = [(ln.period_start, ln.unit_price) for ln in lines if ln.charge == "base"]
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
    blocked = [(ln.charge, ln.period_start) for ln in lines if ln.blocked]
    assert blocked == [("base", date(2026, 1, 1))]
    assert "2025-10" in (next(ln for ln in lines if ln.blocked).blocked or "")


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
    st.decimals(min_value=0, max_value=1_000_000, places=2),
)
def test_prorated_pieces_sum_to_the_whole_period(start: date, months: int, offsets: list[int], amount: Decimal) -> None:
    period = next(billing_periods(start, None, months, None, date(2100, 1, 1)))
    assert isinstance(period, Period) and not period.partial
    cuts = [date.fromordinal(start.toordinal() + o) for o in offsets]
    pieces = split(period, cuts)
    assert sum(p.days for p in pieces) == period.cycle_days
    total = sum((amount * fraction(p) for p in pieces), Decimal(0))
    assert abs(total - amount) < Decimal("1e-18")
