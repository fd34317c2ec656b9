"""Prices that follow consumption, by hand: tiers on a quantity, included units with rollover, `unused bills
flat`, and invoice lines whose quantity x unit price is their net amount. Every case is checked from .avt
text, lowered and priced as a bill run does; the figures are worked out in the comments."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path

from compiler.billing.lines import RecurringLine
from compiler.billing.lower import lower
from compiler.billing.price import PricedLine, price_schedule, usage_requests
from tests.factories.cli import run
from tests.factories.workspaces import PRELUDE, contract, workspace

D = Decimal
HORIZON = date(2028, 1, 1)
SEATS = """  charge seats "Brukere" {
    graduated per month {
      up to 10 100.00
      above    80.00
    }
    quantity 25
  }
"""


def priced(
    body: str,
    as_of: date,
    usage: Mapping[tuple[date, date], int] | None = None,
    *,
    term: str = "term 12 months",
    extra: str = "",
) -> list[PricedLine]:
    """Contract C-1 around `body`, lowered and priced as of `as_of`, the metric `calls` counting `usage`
    per piece ([start, end): total)."""
    ws = workspace(contract(body, term=term, extra=extra))
    schedule = lower(ws.contracts["C-1"], ws.indices, HORIZON)
    totals = {key: D((usage or {}).get((key[2], key[3]), 0)) for key in usage_requests(schedule, as_of)}
    return list(price_schedule(schedule, totals, as_of).lines)


def of(lines: list[PricedLine], kind: str, start: date) -> PricedLine:
    (found,) = [ln for ln in lines if ln.id.kind == kind and ln.id.period_start == start]
    return found


def shown(line: PricedLine) -> tuple[Decimal, Decimal, Decimal]:
    return line.quantity, line.unit_price, line.net


def arithmetic(line: PricedLine) -> list[str]:
    return [u.arithmetic for u in line.trace().usage]


# ------------------------------------------------------------------ tiers on a quantity
def test_graduated_seats_bill_each_seat_at_its_tier() -> None:
    lines = priced(SEATS, date(2026, 1, 1))
    january = of(lines, "recurring", date(2026, 1, 1))
    # 10 x 100.00 + 15 x 80.00 = 1 000.00 + 1 200.00; two prices: stated as 1 x the net
    assert shown(january) == (D(1), D("2200.00"), D("2200.00"))
    (piece,) = january.trace().pieces
    assert piece.note == "25: 10 x 100.00 (0, 10] + 15 x 80.00 (10, ∞]"


def test_volume_seats_read_as_a_per_unit_line() -> None:
    lines = priced(SEATS.replace("graduated", "volume"), date(2026, 1, 1))
    # all 25 seats at the tier 25 falls in: 25 x 80.00
    assert shown(of(lines, "recurring", date(2026, 1, 1))) == (D(25), D("80.00"), D("2000.00"))


def test_volume_seats_with_a_flat_amount_are_one_times_the_net() -> None:
    body = SEATS.replace("graduated", "volume").replace("above    80.00", "above    80.00 + 500.00 flat")
    lines = priced(body, date(2026, 1, 1))
    # 25 x 80.00 + 500.00 = 2 500.00
    assert shown(of(lines, "recurring", date(2026, 1, 1))) == (D(1), D("2500.00"), D("2500.00"))


def test_a_quantity_change_mid_period_prices_each_piece_at_its_own_quantity() -> None:
    body = SEATS + (
        '  amendment 1 "Flere brukere" signed 2026-02-01 effective 2026-02-15 {\n    seats quantity 40\n  }\n'
    )
    february = of(priced(body, date(2026, 3, 1)), "recurring", date(2026, 2, 1))
    # 1-14 February at 25 seats: 2 200.00 x 14/28 = 1 100.00
    # 15-28 February at 40 seats: (10 x 100.00 + 30 x 80.00) x 14/28 = 3 400.00 / 2 = 1 700.00
    assert shown(february) == (D(1), D("2800.00"), D("2800.00"))
    notes = [p.note for p in february.trace().pieces]
    assert notes == ["25: 10 x 100.00 (0, 10] + 15 x 80.00 (10, ∞]", "40: 10 x 100.00 (0, 10] + 30 x 80.00 (10, ∞]"]


def test_seats_start_mid_month_prorated_by_days() -> None:
    text = contract(SEATS, start="2026-01-15")
    ws = workspace(text.replace("start 2026-01-15", "start 2026-01-15\n  billing anchor 1"))
    schedule = lower(ws.contracts["C-1"], ws.indices, HORIZON)
    first = price_schedule(schedule, {}, date(2026, 1, 15)).lines[0]
    # 15-31 January: 2 200.00 x 17/31 = 1 206.45161... -> 1 206.45
    assert (first.net, first.quantity) == (D("1206.45"), D(1))


def test_discount_and_trial_on_tiered_seats() -> None:
    body = SEATS.replace("quantity 25", "quantity 25\n    trial 1 month") + '  discount "Intro" 10% on seats\n'
    lines = priced(body, date(2026, 2, 1))
    assert [ln.id.period_start for ln in lines if ln.id.kind == "recurring"] == [date(2026, 2, 1)]  # January free
    # February 2 200.00, less 10 %: -220.00
    assert of(lines, "discount", date(2026, 2, 1)).net == D("-220.00")


def test_minimum_tops_up_tiered_seats() -> None:
    lines = priced(SEATS + "  minimum 30_000.00 per contract year\n", date(2027, 1, 1))
    # 12 x 2 200.00 = 26 400.00 billed in the year; 30 000.00 - 26 400.00 = 3 600.00
    assert of(lines, "minimum", date(2026, 1, 1)).net == D("3600.00")


def test_indexation_scales_every_tier_price_and_flat() -> None:
    index = 'index kpi "KPI" {\n  2025-10 100.0\n  2026-10 103.3\n}\n'
    body = SEATS.replace("above    80.00", "above    80.00 + 10.00 flat")
    body += "  indexation kpi yearly on 01-01 from 2027-01-01 compare october on seats\n"
    lines = priced(body, date(2027, 1, 1), term="term 24 months", extra=index)
    # +3.3 %: 100.00 -> 103.30, 80.00 -> 82.64, flat 10.00 -> 10.33 (each rounded to 2 decimals)
    # 10 x 103.30 + 15 x 82.64 + 10.33 = 1 033.00 + 1 239.60 + 10.33 = 2 282.93
    january = of(lines, "recurring", date(2027, 1, 1))
    assert january.net == D("2282.93")
    (piece,) = january.trace().pieces
    assert piece.note.startswith("25: 10 x 103.30 (0, 10] + 15 x 82.64 + 10.33 (10, ∞]; indexed +3.30% on 2027-01-01")
    assert of(lines, "recurring", date(2026, 12, 1)).net == D("2210.00")  # 2 200.00 + 10.00 before it


# ------------------------------------------------------------------ included units
CALLS = """  charge api "API" {
    usage calls
    per_unit 0.50
    included 1_000
  }
"""
JAN, FEB, MAR, APR = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1)


def test_included_units_come_off_the_period_total() -> None:
    lines = priced(CALLS, FEB, {(JAN, FEB): 1200})
    january = of(lines, "usage", JAN)
    # 1 200 - 1 000 free = 200 x 0.50 = 100.00, stated as the billable units x the rate
    assert shown(january) == (D(200), D("0.50"), D("100.00"))
    assert arithmetic(january) == ["1200 used, 1000 included: 200 x 0.50"]


def test_included_units_are_not_prorated_for_a_short_period() -> None:
    text = contract(CALLS, start="2026-01-20").replace("start 2026-01-20", "start 2026-01-20\n  billing anchor 1")
    ws = workspace(text)
    schedule = lower(ws.contracts["C-1"], ws.indices, HORIZON)
    totals = {key: D(900) for key in usage_requests(schedule, FEB)}
    (line,) = price_schedule(schedule, totals, FEB).lines
    # 20-31 January is 12 days, and still includes all 1 000: 900 used bills nothing
    assert (line.start, line.net) == (date(2026, 1, 20), D("0.00"))


def test_rollover_carries_what_is_left_into_the_next_period() -> None:
    body = CALLS.replace("included 1_000", "included 1_000 rollover max 3_000")
    lines = priced(body, APR, {(JAN, FEB): 850, (FEB, MAR): 1200, (MAR, APR): 0})
    # January: 850 used of 1 000: nothing billed, 150 carried
    # February: 1 200 used, 1 000 included + 150 carried in: 50 x 0.50 = 25.00, nothing left
    # March: nothing used, nothing carried in: 0
    assert [of(lines, "usage", m).net for m in (JAN, FEB, MAR)] == [D("0.00"), D("25.00"), D("0.00")]
    assert arithmetic(of(lines, "usage", FEB)) == ["1200 used, 1000 included, 150 carried in: 50 x 0.50"]


def test_rollover_is_capped() -> None:
    body = CALLS.replace("included 1_000", "included 1_000 rollover max 300")
    lines = priced(body, MAR, {(JAN, FEB): 100, (FEB, MAR): 1500})
    # January leaves 900, of which 300 carry; February: 1 500 - 1 000 - 300 = 200 x 0.50 = 100.00
    assert of(lines, "usage", FEB).net == D("100.00")


def test_a_rule_change_mid_period_uses_the_allowance_in_date_order() -> None:
    body = CALLS + '  amendment 1 "Ny pris" signed 2026-01-10 effective 2026-01-16 {\n    api price 0.40\n  }\n'
    lines = priced(body, FEB, {(JAN, date(2026, 1, 16)): 700, (date(2026, 1, 16), FEB): 600})
    january = of(lines, "usage", JAN)
    # 1-15 January: 700 used, all free; 16-31 January: 600 used, 300 free left: 300 x 0.40 = 120.00
    assert arithmetic(january) == [
        "700 used, 1000 included: 0 x 0.50",
        "600 used, 300 of 1000 included left: 300 x 0.40",
    ]
    assert shown(january) == (D(1), D("120.00"), D("120.00"))  # two rates: 1 x the net


def test_graduated_tiers_start_at_the_first_billable_unit() -> None:
    body = """  charge api "API" {
    usage calls
    graduated {
      up to 100 1.00
      above     0.50
    }
    included 50
  }
"""
    lines = priced(body, FEB, {(JAN, FEB): 180})
    # 180 - 50 = 130 billable: 100 x 1.00 + 30 x 0.50 = 115.00 (tiers, so 1 x the net)
    assert shown(of(lines, "usage", JAN)) == (D(1), D("115.00"), D("115.00"))


def test_volume_tiers_take_the_tier_of_the_metered_total() -> None:
    body = """  charge api "API" {
    usage calls
    volume {
      up to 100 1.00
      above     0.25
    }
    included 50
  }
"""
    lines = priced(body, FEB, {(JAN, FEB): 150})
    # 150 falls in the 0.25 tier; 100 billable x 0.25 = 25.00 (without the free units: 150 x 0.25 = 37.50)
    assert shown(of(lines, "usage", JAN)) == (D(100), D("0.25"), D("25.00"))


def test_packages_after_included_units() -> None:
    body = CALLS.replace("per_unit 0.50", "package 100 for 10.00").replace("1_000", "150")
    lines = priced(body, FEB, {(JAN, FEB): 420})
    # 420 - 150 = 270 billable: 3 started packages x 10.00
    assert shown(of(lines, "usage", JAN)) == (D(3), D("10.00"), D("30.00"))


def test_included_units_with_a_discount_and_a_minimum() -> None:
    body = CALLS + '  discount "Rabatt" 20% on api\n  minimum 1_000.00 per contract year\n'
    usage = {(date(2026, m, 1), date(2026 + m // 12, m % 12 + 1, 1)): 1400 for m in range(1, 13)}
    lines = priced(body, date(2027, 1, 1), usage)
    # each month: 400 x 0.50 = 200.00, less 20 % = -40.00
    assert (of(lines, "usage", JAN).net, of(lines, "discount", JAN).net) == (D("200.00"), D("-40.00"))
    # the year: 12 x 160.00 = 1 920.00 net, above the minimum: no top-up
    assert of(lines, "minimum", JAN).net == D("0.00")


# ------------------------------------------------------------------ unused bills flat
TIERED = """  charge api "API" {
    usage calls
    graduated {
      up to 1_000 0.00 + 500.00 flat
      above       0.10
    }
    UNUSED
  }
"""


def test_unused_bills_the_first_tiers_flat_amount() -> None:
    flat = priced(TIERED.replace("UNUSED", "unused bills flat"), FEB, {(JAN, FEB): 0})
    nothing = priced(TIERED.replace("UNUSED", "unused bills nothing"), FEB, {(JAN, FEB): 0})
    assert of(flat, "usage", JAN).net == D("500.00")  # nothing used: the first tier's 500.00 flat
    assert arithmetic(of(flat, "usage", JAN)) == ["0 x 0.00 + 500.00 (0, 1000], unused bills flat"]
    assert of(nothing, "usage", JAN).net == D("0.00")  # the default: zero bills nothing


def test_usage_covered_by_included_units_counts_as_unused() -> None:
    body = TIERED.replace("UNUSED", "unused bills flat\n    included 100")
    lines = priced(body, FEB, {(JAN, FEB): 80})
    # 80 used, all free: no billable units, so the flat amount is billed
    assert of(lines, "usage", JAN).net == D("500.00")
    lines = priced(body, FEB, {(JAN, FEB): 1150})
    # 1 050 billable: 1 000 x 0.00 + 500.00 + 50 x 0.10 = 505.00
    assert of(lines, "usage", JAN).net == D("505.00")


# ------------------------------------------------------------------ the CLI
def test_bill_and_explain_an_included_allowance(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    (root / "usage").mkdir(parents=True)
    (root / "avtale.toml").write_text("")
    (root / "prelude.avt").write_text(PRELUDE)
    body = CALLS.replace("included 1_000", "included 1_000 rollover max 3_000")
    (root / "case.avt").write_text(contract(body))
    rows = ["id,contract,event,timestamp"]
    rows += [f"j{i},C-1,api.call,2026-01-10T12:00:00Z" for i in range(850)]
    rows += [f"f{i},C-1,api.call,2026-02-10T12:00:00Z" for i in range(1200)]
    (root / "usage" / "events.csv").write_text("\n".join(rows) + "\n")
    code, out, err = run(root, "ledger", "init")
    assert code == 0, out + err
    code, out, err = run(root, "bill", "--as-of", "2026-03-01", "--apply")
    assert code == 0, out + err
    code, out, err = run(root, "invoice", "explain", "1")
    assert code == 0, out + err
    # January (850 used, nothing billed) leaves 150 of its 1 000 to carry; February, the one line billed:
    # 1 200 - 1 000 - 150 = 50 x 0.50 = 25.00
    assert "1. API  2026-02-01 – 2026-02-28  25.00" in out
    assert "1200 used, 1000 included, 150 carried in: 50 x 0.50 = 25.00" in out


def test_recurring_tiered_lines_are_recurring_lines() -> None:
    ws = workspace(contract(SEATS))
    schedule = lower(ws.contracts["C-1"], ws.indices, date(2026, 3, 1))
    assert all(isinstance(ln, RecurringLine) for ln in schedule.lines)
