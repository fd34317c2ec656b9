"""Properties of prices that follow consumption, for random usage: included units never bill more than the
same charge without them, a rollover balance stays between zero and its maximum, and every priced line's
quantity x unit price rounds to its net amount."""

from __future__ import annotations

import functools
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from compiler import model
from compiler.billing.lower import BillingSchedule, lower
from compiler.billing.price import PricedLine, price_schedule, usage_requests
from compiler.billing.pricing.allowance import Metered, price_period
from tests.factories.workspaces import contract, workspace

D = Decimal
AS_OF = date(2026, 7, 1)
RULES = {
    "per_unit": "per_unit 0.45",
    "graduated": "graduated {\n      up to 500 0.00 + 250.00 flat\n      up to 2_000 0.30 + 40.00 flat\n"
    "      above 0.12\n    }\n    unused bills flat",
    "volume": "volume {\n      up to 500 0.90\n      up to 2_000 0.35 + 15.00 flat\n      above 0.05\n    }",
    "volume_flat": "volume {\n      up to 500 0.00 + 300.00 flat\n      above 0.20\n    }\n    unused bills flat",
    "package": "package 250 for 60.00",
}
ALLOWANCES = ("", "included 400", "included 400 rollover max 700")
# an amendment from 16 March changes the charge: the period of March is priced in two pieces
AMENDED = '  amendment 1 "Endring" signed 2026-03-01 effective 2026-03-16 {\n    api price 0.40\n  }\n'


@functools.cache
def schedule(rule: str, allowance: str) -> BillingSchedule:
    body = f'  charge api "API" {{\n    usage calls\n    {RULES[rule]}\n    {allowance}\n  }}\n'
    if rule == "per_unit":
        body += AMENDED
    ws = workspace(contract(body))
    return lower(ws.contracts["C-1"], ws.indices, AS_OF)


def priced(rule: str, allowance: str, totals: list[int]) -> list[PricedLine]:
    """The usage lines due by July, each piece's metered total taken from `totals` in order."""
    found = schedule(rule, allowance)
    keys = usage_requests(found, AS_OF)
    usage = {key: D(totals[i % len(totals)]) for i, key in enumerate(keys)}
    return [ln for ln in price_schedule(found, usage, AS_OF).lines if ln.id.kind == "usage"]


def rounds_to_net(line: PricedLine) -> bool:
    product = line.quantity * line.unit_price
    return product.quantize(D("0.01"), rounding=ROUND_HALF_UP) == line.net


usage_totals = st.lists(st.integers(0, 5_000), min_size=7, max_size=7)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(sorted(RULES)), st.sampled_from(ALLOWANCES[1:]), usage_totals)
def test_included_units_never_bill_more(rule: str, allowance: str, totals: list[int]) -> None:
    without = priced(rule, "", totals)
    with_free = priced(rule, allowance, totals)
    assert len(without) == len(with_free)
    for free, full in zip(with_free, without, strict=True):
        assert free.id == full.id
        assert free.exact <= full.exact, (free.trace().usage, full.trace().usage)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(sorted(RULES)), st.sampled_from(ALLOWANCES), usage_totals)
def test_every_usage_line_states_a_quantity_and_price_that_make_its_net(
    rule: str, allowance: str, totals: list[int]
) -> None:
    for line in priced(rule, allowance, totals):
        assert rounds_to_net(line), (line.quantity, line.unit_price, line.net)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(0, 2_000),
    st.integers(0, 3_000),
    st.lists(st.lists(st.integers(-2_000, 4_000), min_size=1, max_size=3), min_size=1, max_size=8),
)
def test_the_rollover_balance_stays_between_zero_and_its_maximum(
    included: int, most: int, periods: list[list[int]]
) -> None:
    """Pieces below zero (`negative allowed`) take no free units and are priced as without them."""
    allowance = model.Allowance(units=D(included), rollover_max=D(most))
    rule = model.UnitRate(price=D("0.50"))
    carried = D(0)
    for pieces in periods:
        prices, carried_out = price_period([Metered(D(t), rule, allowance) for t in pieces], carried)
        assert D(0) <= carried_out <= min(D(most), included + carried)
        used = sum(t for t in pieces if t > 0)
        refunded = sum(t for t in pieces if t < 0)
        # what the period had free (included + carried in) and its positive pieces did not use, up to the maximum
        assert carried_out == min(max(D(0), included + carried - used), D(most))
        billed = sum((p.amount for p in prices if p is not None), D(0))
        # the period bills its usage beyond the free units, and refunds what went below zero, at 0.50
        assert billed == (max(D(0), used - included - carried) + refunded) * D("0.50")
        carried = carried_out


SEATS = """  charge seats "Brukere" {{
    {mode} per {per} {{
      up to 10 99.99
      up to 40 79.37 + 15.00 flat
      above 61.11
    }}
    quantity {q}
    billed {billed}
  }}
"""


@settings(max_examples=30, deadline=None)
@given(
    st.sampled_from(["graduated", "volume"]),
    st.sampled_from(["month", "quarter", "year"]),
    st.sampled_from(["monthly", "quarterly", "yearly"]),
    st.integers(0, 120),
    st.integers(1, 28),
)
def test_every_tiered_seat_line_states_a_quantity_and_price_that_make_its_net(
    mode: str, per: str, billed: str, seats: int, day: int
) -> None:
    text = contract(SEATS.format(mode=mode, per=per, q=seats, billed=billed), start=f"2026-01-{day:02d}")
    ws = workspace(text.replace("term 12 months", "term 12 months\n  billing anchor 1"))
    lines = price_schedule(lower(ws.contracts["C-1"], ws.indices, AS_OF), {}, AS_OF).lines
    for line in lines:
        assert rounds_to_net(line), (line.quantity, line.unit_price, line.net)
