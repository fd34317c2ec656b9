"""Gauges priced per unit-month (docs/billing.md, "Gauges"): a stretch bills its metered level times the months
of the billing grid it covers, so a quarter bills three months of the level, half a month half of one, and a
price change inside a month bills each part at its own price. Figures worked out by hand in the comments."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from compiler.billing.lower import lower
from compiler.billing.price import PricedLine, price_schedule, usage_requests
from tests.factories.workspaces import PRELUDE, contract, workspace

D = Decimal
GAUGES = (
    PRELUDE
    + """
metric storage "Lagring (GB)" { events "storage.level"  time_weighted gb }

metric users "Brukere" { events "users.level"  peak users }
"""
)
STORAGE = '  charge storage "Lagring" {\n    usage storage\n    per_unit 0.25\n'


def usage_lines(
    text: str, as_of: date, levels: Mapping[tuple[date, date], str], horizon: date = date(2027, 1, 1)
) -> list[PricedLine]:
    """C-1's usage lines priced as of `as_of`, each stretch [start, end) metering `levels[start, end]`."""
    ws = workspace(text, GAUGES)
    schedule = lower(ws.contracts["C-1"], ws.indices, horizon)
    totals = {key: D(levels[key[2], key[3]]) for key in usage_requests(schedule, as_of)}
    return [p for p in price_schedule(schedule, totals, as_of).lines if p.id.kind == "usage"]


def test_a_quarter_bills_each_month_of_the_grid_at_its_own_level() -> None:
    text = contract(STORAGE + "    billed quarterly in arrears\n  }")
    months = [
        (date(2026, 1, 1), date(2026, 2, 1)),
        (date(2026, 2, 1), date(2026, 3, 1)),
        (date(2026, 3, 1), date(2026, 4, 1)),
    ]
    (quarter,) = usage_lines(text, date(2026, 4, 1), dict(zip(months, ["1000", "1000", "1000"], strict=True)))
    # 1 000 GB held for 3 months: 3 x 1 000 GB-months x 0.25 = 750.00
    assert (quarter.quantity, quarter.unit_price, quarter.net) == (D(3000), D("0.25"), D("750.00"))
    # the quarter's months are metered one by one and priced together, as one period's unit-months
    assert [u.arithmetic for u in quarter.trace().usage] == [
        "level 1000 x 1 month + level 1000 x 1 month + level 1000 x 1 month = 3000: 3000 x 0.25"
    ]


def test_a_quarters_tiers_and_flat_amounts_apply_once_to_its_unit_months() -> None:
    months = [
        (date(2026, 1, 1), date(2026, 2, 1)),
        (date(2026, 2, 1), date(2026, 3, 1)),
        (date(2026, 3, 1), date(2026, 4, 1)),
    ]
    levels = dict(zip(months, ["1000", "1000", "1000"], strict=True))
    graduated = STORAGE.replace(
        "    per_unit 0.25\n", "    graduated {\n      up to 500  0.50 + 100.00 flat\n      above      0.25\n    }\n"
    )
    (quarter,) = usage_lines(contract(graduated + "    billed quarterly in arrears\n  }"), date(2026, 4, 1), levels)
    # 3 000 GB-months through the tiers once: 500 x 0.50 + 100.00 + 2 500 x 0.25 = 250 + 100 + 625 = 975.00
    # (tiers per month would bill the flat three times: 3 x (250 + 100 + 125) = 1 425.00)
    assert quarter.net == D("975.00")
    volume = STORAGE.replace(
        "    per_unit 0.25\n", "    volume {\n      up to 2_000  0.50\n      above        0.25\n    }\n"
    )
    (quarter,) = usage_lines(contract(volume + "    billed quarterly in arrears\n  }"), date(2026, 4, 1), levels)
    # 3 000 GB-months fall in the second tier: 3 000 x 0.25 = 750.00 (month by month, 3 x 1 000 x 0.50 = 1 500.00)
    assert quarter.net == D("750.00")


def test_a_quarter_bills_what_its_months_would_bill_monthly() -> None:
    # 1 000 GB in January only, 0 from 1 February: 1 000 GB-months, 250.00, billed quarterly or monthly alike (the
    # average over the quarter's hours, 1 000 x 744/2 159, times 3 months would be 258.45)
    months = [
        (date(2026, 1, 1), date(2026, 2, 1)),
        (date(2026, 2, 1), date(2026, 3, 1)),
        (date(2026, 3, 1), date(2026, 4, 1)),
    ]
    levels = dict(zip(months, ["1000", "0", "0"], strict=True))
    (quarter,) = usage_lines(contract(STORAGE + "    billed quarterly in arrears\n  }"), date(2026, 4, 1), levels)
    monthly = usage_lines(contract(STORAGE + "  }"), date(2026, 4, 1), levels)
    assert quarter.net == sum((line.net for line in monthly), D(0)) == D("250.00")


def test_a_month_begun_on_the_sixteenth_bills_sixteen_thirty_firsts_of_the_level() -> None:
    text = contract(STORAGE + "  }", start="2026-01-16", term="billing anchor 1\n  term 12 months")
    (first,) = usage_lines(text, date(2026, 2, 1), {(date(2026, 1, 16), date(2026, 2, 1)): "1000"})
    # 1 000 GB x 16/31 month = 516.1290322580645... = 516.1290322581 GB-months (10 decimals, HALF_UP);
    # x 0.25 = 129.032258... = 129.03
    assert first.net == D("129.03")
    assert [u.arithmetic for u in first.trace().usage] == [
        "level 1000 x 16/31 months = 516.1290322581: 516.1290322581 x 0.25"
    ]


def test_a_price_change_mid_month_bills_each_part_of_the_month_once() -> None:
    amendment = '\n  amendment 1 "Ny pris" signed 2026-01-10 effective 2026-01-16 {\n    storage price 0.30\n  }'
    text = contract(STORAGE + "  }" + amendment)
    levels = {(date(2026, 1, 1), date(2026, 1, 16)): "1000", (date(2026, 1, 16), date(2026, 2, 1)): "1000"}
    (january,) = usage_lines(text, date(2026, 2, 1), levels)
    # 1 000 x 15/31 = 483.8709677419 GB-months x 0.25 = 120.967741935 (the level before the change)
    # 1 000 x 16/31 = 516.1290322581 GB-months x 0.30 = 154.838709677 (after it)
    # together 275.806451612 = 275.81: never the whole month's level once per part (that would be 550.00)
    assert january.net == D("275.81")


def test_a_peak_is_priced_per_user_month() -> None:
    body = '  charge users "Brukere" {\n    usage users\n    per_unit 49.00\n    billed quarterly in arrears\n  }'
    months = [
        (date(2026, 1, 1), date(2026, 2, 1)),
        (date(2026, 2, 1), date(2026, 3, 1)),
        (date(2026, 3, 1), date(2026, 4, 1)),
    ]
    (quarter,) = usage_lines(contract(body), date(2026, 4, 1), dict(zip(months, ["12", "10", "8"], strict=True)))
    # at most 12, 10 and 8 users in the three months: 30 user-months x 49.00 = 1 470.00
    assert quarter.net == D("1470.00")


def test_included_units_of_a_gauge_count_in_unit_months() -> None:
    text = contract(STORAGE + "    included 500\n  }")
    (january,) = usage_lines(text, date(2026, 2, 1), {(date(2026, 1, 1), date(2026, 2, 1)): "800"})
    # 800 GB for the month = 800 GB-months, 500 of them included: 300 x 0.25 = 75.00
    assert january.net == D("75.00")


def test_a_discount_on_a_quarterly_gauge_takes_the_months_it_covers() -> None:
    months = [
        (date(2026, 1, 1), date(2026, 2, 1)),
        (date(2026, 2, 1), date(2026, 3, 1)),
        (date(2026, 3, 1), date(2026, 4, 1)),
    ]
    levels = dict(zip(months, ["1000", "0", "0"], strict=True))
    body = STORAGE + '    billed quarterly in arrears\n  }\n  discount "Januar" 50% on storage until 2026-02-01'
    ws = workspace(contract(body), GAUGES)
    schedule = lower(ws.contracts["C-1"], ws.indices, date(2027, 1, 1))
    totals = {key: D(levels[key[2], key[3]]) for key in usage_requests(schedule, date(2026, 4, 1))}
    lines = price_schedule(schedule, totals, date(2026, 4, 1)).lines
    # all 1 000 GB-months are January's, inside the discount: 250.00 and -125.00, as billed monthly (by the
    # quarter's days the discount would be 250 x 31/90 x 50 % = -43.06)
    assert [(p.id.kind, p.net) for p in lines] == [("usage", D("250.00")), ("discount", D("-125.00"))]


def test_a_discount_on_a_gauge_below_zero_takes_the_months_it_covers_too() -> None:
    prelude = GAUGES + '\nmetric balance "Saldo" { events "balance.level"  time_weighted gb  negative allowed }\n'
    body = (
        '  charge balance "Saldo" {\n    usage balance\n    per_unit 0.25\n    billed quarterly in arrears\n  }\n'
        '  discount "Januar" 50% on balance until 2026-02-01'
    )
    ws = workspace(contract(body), prelude)
    schedule = lower(ws.contracts["C-1"], ws.indices, date(2027, 1, 1))
    levels = {1: "-1000", 2: "100", 3: "0"}
    totals = {key: D(levels[key[2].month]) for key in usage_requests(schedule, date(2026, 4, 1))}
    lines = price_schedule(schedule, totals, date(2026, 4, 1)).lines
    # -1 000 + 100 + 0 = -900 GB-months x 0.25 = -225.00; January's -250.00 is inside the discount: +125.00
    # (by the quarter's days it would be -225 x 31/90 x 50 % = +38.75)
    assert [(p.id.kind, p.net) for p in lines] == [("usage", D("-225.00")), ("discount", D("125.00"))]


def test_a_discount_never_exceeds_its_share_when_months_of_both_signs_go_through_tiers() -> None:
    prelude = GAUGES + '\nmetric balance "Saldo" { events "balance.level"  time_weighted gb  negative allowed }\n'
    body = (
        '  charge balance "Saldo" {\n    usage balance\n    graduated {\n      up to 500  0.50 + 100.00 flat\n'
        "      above      0.25\n    }\n    billed quarterly in arrears\n  }\n"
        '  discount "Januar" 50% on balance until 2026-02-01'
    )
    ws = workspace(contract(body), prelude)
    schedule = lower(ws.contracts["C-1"], ws.indices, date(2027, 1, 1))
    levels = {1: "-1000", 2: "1010", 3: "0"}
    totals = {key: D(levels[key[2].month]) for key in usage_requests(schedule, date(2026, 4, 1))}
    lines = price_schedule(schedule, totals, date(2026, 4, 1)).lines
    # -1 000 + 1 010 + 0 = 10 GB-months through the tiers: 10 x 0.50 + 100.00 = 105.00. Shared by months of both
    # signs, January's part would be 105 x -1 000/10 = -10 500 and the discount +5 250.00; shared by days instead,
    # January is 105 x 31/90 = 36.17, and the discount -18.08
    assert [(p.id.kind, p.net) for p in lines] == [("usage", D("105.00")), ("discount", D("-18.08"))]
