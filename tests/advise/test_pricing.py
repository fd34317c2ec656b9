"""The advisor's arithmetic through its API, with usage totals given by hand: lines across the window's
edges, one-time charges, and a plan without a charge on what the customer uses."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from compiler.billing.price import UsageKey
from runtime.advise import advice_json, conclude, prepare, window_before
from tests.factories.workspaces import PRELUDE, contract, workspace


def test_a_period_across_the_window_edges_counts_by_its_days_and_one_time_charges_not_at_all() -> None:
    checked = workspace(
        contract(
            """
  charge platform "Plattform" {
    flat 1_000.00 per month
    billed quarterly in advance
  }
  charge setup "Oppstart" {
    one_time 500.00 on 2025-10-01
  }
""",
            start="2025-02-01",
            term="term 24 months",
        )
    )
    as_of = date(2025, 12, 10)
    window = window_before(as_of, 3)  # September to November 2025
    prepared = prepare(checked.contracts["C-1"], checked, as_of, window)
    assert prepared.requests == ()
    data = advice_json(conclude(prepared, {}))
    (row,) = data["candidates"]
    # quarters from 1 February: 1 Aug - 1 Nov (92 days, 61 of them from 1 September) and 1 Nov - 1 Feb (92 days,
    # 30 of them in November), 3,000.00 each: 3,000 x (61 + 30) / 92 = 2,967.391...; the 500.00 setup not counted;
    # a month 2,967.391 / 3 = 989.130...
    assert (row["plan"], row["current"], row["total"], row["per_month"]) == (None, True, "2967.39", "989.13")


PLAN = """
plan mini "Mini" effective 2025-01-01 {
  currency NOK
  charge platform "Plattform" {
    flat 100.00 per month
    billed monthly in advance
  }
}
"""

USAGE_CONTRACT = contract(
    """
  charge api "API" {
    usage calls
    per_unit 1.00 per call
    billed monthly in arrears
  }
""",
    start="2025-01-01",
    term="term 24 months",
    extra=PLAN,
)


def test_a_plan_without_a_charge_on_what_the_customer_used_is_not_comparable() -> None:
    checked = workspace(USAGE_CONTRACT)
    as_of = date(2025, 4, 5)
    prepared = prepare(checked.contracts["C-1"], checked, as_of, window_before(as_of, 3))
    # the contract's own api lines: January, February and March
    assert sorted(prepared.requests) == [
        ("C-1", "calls", date(2025, 1, 1), date(2025, 2, 1)),
        ("C-1", "calls", date(2025, 2, 1), date(2025, 3, 1)),
        ("C-1", "calls", date(2025, 3, 1), date(2025, 4, 1)),
    ]
    used = advice_json(conclude(prepared, {key: Decimal(10) for key in prepared.requests}))
    mine, mini = used["candidates"]
    assert (mine["current"], mine["total"]) == (True, "30.00")  # 3 x 10 calls x 1.00
    assert (mini["plan"], mini["comparable"]) == ("mini", False)
    assert mini["reason"] == "has no charge on `calls`, which the customer used in the window: it may not offer it"
    unused = advice_json(conclude(prepared, {key: Decimal(0) for key in prepared.requests}))
    mine, mini = unused["candidates"]  # 0.00 now, then mini: 3 x 100.00
    assert (mine["total"], mini["total"], mini["difference_per_month"]) == ("0.00", "300.00", "100.00")
    assert mini["assumptions"] == ["no charge on `calls`, which the contract bills (unused in the window)"]


QUARTERLY_TIERS = contract(
    """
  charge api "API" {
    usage calls
    graduated {
      up to 50  0.00
      above     1.00
    }
    billed quarterly in arrears
  }
  discount "Rabatt" 10% on api
""",
    start="2025-01-01",
    term="term 24 months",
)


def test_a_usage_period_not_over_is_metered_to_the_windows_end_and_priced_as_a_period_of_its_own() -> None:
    checked = workspace(QUARTERLY_TIERS)
    as_of = date(2025, 5, 10)
    prepared = prepare(checked.contracts["C-1"], checked, as_of, window_before(as_of, 4))  # January to April
    first, april = (
        ("C-1", "calls", date(2025, 1, 1), date(2025, 4, 1)),
        ("C-1", "calls", date(2025, 4, 1), date(2025, 5, 1)),
    )
    # the second quarter is metered for April only: nothing from 1 May (after the window) is asked for
    assert sorted(prepared.requests) == [first, april]
    (row,) = advice_json(conclude(prepared, {first: Decimal(90), april: Decimal(40)}))["candidates"]
    # first quarter: (90 - 50) x 1.00 = 40, less 10% = 36; April, under the whole tier table: 40 calls all in
    # the free 50, 0; 36.00 over 4 months, 9.00 a month (by days it would have been 91 days' share of a quarter)
    assert (row["total"], row["per_month"]) == ("36.00", "9.00")
    assert row["assumptions"] == [
        "`api` 2025-04-01 – 2025-06-30 is not over: its usage 2025-04-01 – 2025-04-30 counted, "
        "priced as a period of its own"
    ]


def test_a_usage_period_across_the_windows_start_counts_the_usage_inside_priced_as_a_period_of_its_own() -> None:
    checked = workspace(QUARTERLY_TIERS)
    as_of = date(2025, 7, 10)
    prepared = prepare(checked.contracts["C-1"], checked, as_of, window_before(as_of, 4))  # March to June
    march, second = (
        ("C-1", "calls", date(2025, 3, 1), date(2025, 4, 1)),
        ("C-1", "calls", date(2025, 4, 1), date(2025, 7, 1)),
    )
    # January-February, before the window, is not even metered
    assert sorted(prepared.requests) == [march, second]
    usage: dict[UsageKey, Decimal] = {march: Decimal(80), second: Decimal(150)}
    (row,) = advice_json(conclude(prepared, usage))["candidates"]
    # January-February is not counted; March on its own: (80 - 50) x 1.00 = 30, less 10% = 27;
    # the second quarter: (150 - 50) x 1.00 = 100, less 10% = 90; 117.00 over 4 months, 29.25 a month
    assert (row["total"], row["per_month"]) == ("117.00", "29.25")
    assert row["assumptions"] == [
        "`api` 2025-01-01 – 2025-03-31 runs across the window's edge: its usage 2025-03-01 – 2025-03-31 counted, "
        "priced as a period of its own"
    ]


def test_a_gauge_cut_at_the_windows_edges_counts_only_its_months_inside() -> None:
    prelude = PRELUDE + '\nmetric storage "Lagring (GB)" { events "storage.level"  time_weighted gb }\n'
    body = '  charge storage "Lagring" {\n    usage storage\n    per_unit 0.25\n    billed quarterly in arrears\n  }'
    checked = workspace(contract(body, start="2026-01-15"), prelude)
    as_of = date(2026, 7, 1)
    window = window_before(as_of, 5)  # February to June 2026
    prepared = prepare(checked.contracts["C-1"], checked, as_of, window)
    # 1 000 GB all the time: the metered level of any stretch is 1 000
    totals: dict[UsageKey, Decimal] = {key: Decimal(1000) for key in prepared.requests}
    (row,) = advice_json(conclude(prepared, totals))["candidates"]
    # quarters from 15 January, metered by months of the grid from the 15th: inside the window 1-15 February (14 of
    # the 31 days of 15 January - 15 February), four whole months to 15 June, and 15 June - 1 July (16 of 30 days):
    # 451.6129032258 + 4 000 + 533.3333333333 = 4 984.9462365591 GB-months x 0.25 = 1 246.2365... = 1 246.24
    # (each cut piece priced as its whole month would give 6 000 GB-months, 1 500.00)
    assert row["total"] == "1246.24"


def test_a_contract_that_carries_a_balance_begins_the_window_with_what_the_months_before_left() -> None:
    prelude = PRELUDE.replace('{ events "api.call"  count }', '{ events "api.call"  sum n }')
    rollover = '  charge api "API" {\n    usage calls\n    per_unit 1.00\n    included 1_000 rollover max 3_000\n  }'
    checked = workspace(contract(rollover), prelude)
    as_of = date(2026, 7, 1)
    prepared = prepare(checked.contracts["C-1"], checked, as_of, window_before(as_of, 3))  # April to June
    calls = {1: 0, 2: 0, 3: 0, 4: 2_000, 5: 2_000, 6: 2_000}
    totals: dict[UsageKey, Decimal] = {key: Decimal(calls[key[2].month]) for key in prepared.requests}
    (row,) = advice_json(conclude(prepared, totals))["candidates"]
    # January to March unused: 1 000, 2 000, then 3 000 (the most) carried into April; April 2 000 against 1 000
    # included and 3 000 carried: 0, 2 000 carried on; May 2 000 against 1 000 + 2 000: 0, 1 000 on; June 2 000
    # against 1 000 + 1 000: 0. Nothing billable in the window (priced from the window alone, 3 000.00)
    assert row["total"] == "0.00"


def test_a_prepaid_credit_used_up_before_the_window_draws_nothing_in_it() -> None:
    prelude = PRELUDE.replace('{ events "api.call"  count }', '{ events "api.call"  sum n }')
    body = '  charge api "API" {\n    usage calls\n    per_unit 1.00\n  }\n  prepaid 1_000.00 per contract year on api'
    checked = workspace(contract(body), prelude)
    as_of = date(2026, 7, 1)
    prepared = prepare(checked.contracts["C-1"], checked, as_of, window_before(as_of, 3))  # April to June
    totals: dict[UsageKey, Decimal] = {key: Decimal(500) for key in prepared.requests}  # 500 calls every month
    (row,) = advice_json(conclude(prepared, totals))["candidates"]
    # the credit is used up by January and February (500.00 each); April to June bill 3 x 500.00 = 1 500.00 as
    # overage, and the credit costs nothing in the window: nothing drawn from it there, and its year not over
    assert row["total"] == "1500.00"


def test_a_prepaid_credit_costs_what_the_window_drew_from_it() -> None:
    prelude = PRELUDE.replace('{ events "api.call"  count }', '{ events "api.call"  sum n }')
    body = '  charge api "API" {\n    usage calls\n    per_unit 2.00\n  }\n  prepaid 12_000.00 per contract year on api'
    checked = workspace(contract(body, term="term 24 months"), prelude)
    as_of = date(2026, 7, 1)
    prepared = prepare(checked.contracts["C-1"], checked, as_of, window_before(as_of, 6))  # January to June
    totals: dict[UsageKey, Decimal] = {key: Decimal(1_000) for key in prepared.requests}  # 1 000 calls a month
    (row,) = advice_json(conclude(prepared, totals))["candidates"]
    # six months of 2 000.00 of usage, all drawn from the credit: the credit costs the 12 000.00 drawn, the usage
    # nets to nothing after its drawdowns: 12 000.00 (by the credit's days, 12 000 x 181/365, it would be 5 950.68)
    assert row["total"] == "12000.00"


def test_a_prepaid_credit_left_when_the_contract_ends_inside_the_window_counts_as_expired() -> None:
    prelude = PRELUDE.replace('{ events "api.call"  count }', '{ events "api.call"  sum n }')
    ended = '\n  amendment 1 "Oppsagt" signed 2026-05-10 effective 2026-07-01 {\n    terminate\n  }'
    body = '  charge api "API" {\n    usage calls\n    per_unit 1.00\n  }\n  prepaid 12_000.00 per contract year on api'
    checked = workspace(contract(body + ended, term="term 24 months"), prelude)
    as_of = date(2026, 10, 1)
    prepared = prepare(checked.contracts["C-1"], checked, as_of, window_before(as_of, 9))  # January to September
    totals: dict[UsageKey, Decimal] = {key: Decimal(1_000) for key in prepared.requests}  # 1 000 calls a month
    (row,) = advice_json(conclude(prepared, totals))["candidates"]
    # January to June draw 6 x 1 000.00 from the credit of 12 000.00; the contract ends on 1 July, inside the
    # window, so the 6 000.00 left expires there: 6 000.00 drawn + 6 000.00 expired = 12 000.00
    assert row["total"] == "12000.00"
