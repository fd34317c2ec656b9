"""Properties of revenue plans over generated contracts: allocated shares sum to the transaction
price, each obligation's months sum to its allocated price, and over the contract's whole life the
revenue planned equals what billing bills (net of discounts and of what a termination stops)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compiler.billing.lower import lower
from compiler.billing.price import price_schedule
from compiler.revenue.plan import revenue_plan
from tests.revenue.cases.helpers import contract, workspace

METHODS = ["revenue ratably daily", "revenue ratably monthly", "revenue over term"]
ONE_TIME_METHODS = [
    *METHODS,
    "revenue at start",
    "revenue on 2026-06-15",
    "revenue milestones { 2026-03-01 30%  2026-09-01 70% }",
]


@st.composite
def contracts(draw: st.DrawFn) -> tuple[str, date]:
    start = date(2026, 1, 1) + timedelta(days=draw(st.integers(0, 200)))
    months = draw(st.integers(1, 24))
    charges = []
    for i in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["flat", "per_unit", "one_time"]))
        amount = f"{draw(st.integers(1, 5_000_000)) / 100:.2f}"
        if kind == "flat":
            period = draw(st.sampled_from(["month", "quarter", "year"]))
            rule = f"flat {amount} per {period}\n    {draw(st.sampled_from(METHODS))}"
        elif kind == "per_unit":
            rule = f"per_unit {amount} per seat per month\n    quantity {draw(st.integers(1, 40))}"
            rule += f"\n    {draw(st.sampled_from(METHODS))}"
        else:
            rule = f"one_time {amount} on start\n    {draw(st.sampled_from(ONE_TIME_METHODS))}"
        ssp = f"\n    ssp {draw(st.integers(1, 9_000_000)) / 100:.2f}" if draw(st.booleans()) else ""
        charges.append(f'  charge c{i} "Ytelse {i}" {{\n    {rule}{ssp}\n  }}')
    body = "  no renewal\n" + "\n".join(charges)
    if draw(st.booleans()):
        body += f'\n  discount "Rabatt" {draw(st.integers(1, 50))}% on c0'
    end = start
    for _ in range(months):
        end = date(end.year + (end.month == 12), end.month % 12 + 1, 1) if end.day == 1 else end + timedelta(days=30)
    if draw(st.booleans()):
        effective = start + timedelta(days=draw(st.integers(1, 28 * months - 1)))
        change = draw(st.sampled_from(["c0 price 1_234.50", "terminate", "c0 price 99.00"]))
        accounting = draw(st.sampled_from(["", "accounting catch_up", "accounting separate", "accounting prospective"]))
        body += (
            f'\n  amendment 1 "Endring" signed {start} effective {effective} {{\n    {change}\n    {accounting}\n  }}'
        )
    extra = ""
    if draw(st.booleans()):  # yearly indexation from the first January after the start, +/- a few percent
        values = "  ".join(f"{y}-10 {100 + draw(st.integers(-5, 15))}.0" for y in range(2025, 2030))
        extra = f'index kpi "KPI" {{ {values} }}'
        body += f"\n  indexation kpi yearly on 01-01 from {start.year + 1}-01-01 compare october on c0"
    return contract(body, start=str(start), term=f"term {months} months", extra=extra), start


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=contracts())
def test_plans_sum_exactly(case: tuple[str, date]) -> None:
    text, _ = case
    try:
        ws = workspace(text)
    except AssertionError:  # the generator made something the checker refuses (a date past the end)
        return
    found = ws.contracts["C-1"]
    horizon = date(2030, 1, 1)
    plan = revenue_plan(found, ws, horizon)
    fixed = [o for o in plan.obligations if o.allocated is not None]
    for obligation in fixed:
        assert sum((m.amount for m in obligation.months), Decimal(0)) == obligation.allocated
    assert sum((o.allocated or Decimal(0) for o in fixed), Decimal(0)) == plan.transaction_price
    billed = price_schedule(lower(found, ws.indices, horizon), {}, date.max)
    assert sum((line.net for line in billed.lines), Decimal(0)) == plan.transaction_price
