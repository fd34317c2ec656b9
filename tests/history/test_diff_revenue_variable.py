"""The revenue columns of `avtale diff` for variable consideration: minimum true-ups and prepaid credits,
on real git repositories, against hand-computed figures (the rule of where their revenue lands is
compiler/revenue/variable.py; the figures here are worked out from docs/revenue.md, not from it)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from compiler.revenue.variable import landing
from tests.history.test_diff_revenue import avtale, diff_json, repo

TRUE_UP = """
contract T-1 {{
  customer acme
  signed 2025-12-15
  start 2026-01-01
  term 12 months
  no renewal
{policy}  charge service "Drift" {{
    flat {price} per month
    billed monthly in advance
  }}
  minimum 15_000.00 per contract year
}}
"""
TRUE_UP_USAGE = """
metric calls "API-kall" {{ events "api.call"  count }}

contract U-1 {{
  customer acme
  signed 2025-12-15
  start 2026-01-01
  term 12 months
  no renewal
  charge base "Grunnpris" {{
    flat {price} per month
    billed monthly in advance
  }}
  charge api "API" {{
    usage calls
    per_unit 0.01
  }}
  minimum 15_000.00 per contract year
}}
"""
PREPAID_TERMINATED = """
metric calls "API-kall" {{ events "api.call"  count }}

contract PP-1 {{
  customer acme
  signed 2025-12-15
  start 2026-01-01
  term 36 months
  no renewal
  charge api "API" {{
    usage calls
    per_unit 2.00
  }}
  prepaid {credit} per contract year on api
  amendment 1 "Oppsagt" signed 2026-03-10 effective 2026-05-01 {{
    terminate
  }}
}}
"""
PREPAID_INVOICED = """
metric calls "API-kall" {{ events "api.call"  count }}

contract PI-1 {{
  customer acme
  signed 2025-12-15
  start 2026-01-01
  term 12 months
  no renewal
  revenue_policy invoiced
  charge base "Grunnpris" {{
    flat {price} per month
    billed monthly in advance
  }}
  charge api "API" {{
    usage calls
    per_unit 2.00
  }}
  prepaid 3_650.00 per contract year on api
}}
"""


def revenue(data: dict[str, Any]) -> dict[str, Any]:
    (contract,) = data["contracts"]
    (currency,) = contract["revenue"]
    found: dict[str, Any] = currency
    return found


def figures(months: list[dict[str, Any]]) -> dict[str, tuple[str, str]]:
    return {m["month"]: (m["before"], m["after"]) for m in months}


def marked(months: list[dict[str, Any]]) -> list[str]:
    return [m["month"] for m in months if m["depends_on_usage"]]


def test_a_true_up_billed_after_the_horizon_is_revenue_in_its_last_month(tmp_path: Path) -> None:
    """1,000.00 a month billed monthly in advance, at least 15,000.00 per contract year (2026); the price
    rises to 1,100.00. The horizon is April to December 2026: the year's true-up is billed on 1 January
    2027, after it, but under IFRS 15 it is revenue in December, inside it.

    Ratably daily over 2026: December before 12,000.00 - 12,000.00 x 334/365 (10,980.82) = 1,019.18,
    after 13,200.00 - 13,200.00 x 334/365 (12,078.90) = 1,121.10. True-up before 15,000.00 - 12,000.00
    = 3,000.00, after 15,000.00 - 13,200.00 = 1,800.00. December: 4,019.18 -> 2,921.10.
    April to December, before: 12,000.00 - 12,000.00 x 90/365 (2,958.90) + 3,000.00 = 12,041.10;
    after: 13,200.00 - 13,200.00 x 90/365 (3,254.79) + 1,800.00 = 11,745.21; -295.89."""
    git = repo(tmp_path, TRUE_UP.format(policy="", price="1_000.00"))
    git.write({"contracts/contract.avt": TRUE_UP.format(policy="", price="1_100.00")})
    data = diff_json(git.path, "--as-of", "2026-04-10", "--months", "9")
    found = revenue(data)
    assert figures(found["months"])["2026-12"] == ("4019.18", "2921.10")
    assert figures(found["months"])["2026-11"] == ("986.30", "1084.93")  # no true-up: 12,000 x 30/365 rounded
    assert found["total"] == {"before": "12041.10", "after": "11745.21", "difference": "-295.89"}
    assert marked(found["months"]) == []
    assert data["summary"]["revenue_difference"] == {"NOK": "-295.89"}
    text = avtale(git.path, "diff", "--as-of", "2026-04-10", "--months", "9").stdout.splitlines()
    assert "revenue -NOK 295.89 over 9 months (+NOK 295.89 in earlier months) in 1 contract" in text[-1]


def test_an_invoiced_true_up_billed_after_the_horizon_is_revenue_over_its_year(tmp_path: Path) -> None:
    """The same contract under `invoiced`: each monthly line is revenue over its month, and the true-up
    (billed 1 January 2027) over its year by days, cumulatively rounded from 1 January 2026.
    Before: 3,000.00 x 90/365 = 739.73 by April, x 120/365 = 986.30 by May: April 1,000.00 + 246.57.
    After: 1,800.00 x 90/365 = 443.84, x 120/365 = 591.78: April 1,100.00 + 147.94.
    April to December: before 9,000.00 + 3,000.00 - 739.73 = 11,260.27; after 9,900.00 + 1,800.00 -
    443.84 = 11,256.16; -4.11. January to March: before 3,000.00 + 739.73, after 3,300.00 + 443.84."""
    policy = "  revenue_policy invoiced\n"
    git = repo(tmp_path, TRUE_UP.format(policy=policy, price="1_000.00"))
    git.write({"contracts/contract.avt": TRUE_UP.format(policy=policy, price="1_100.00")})
    found = revenue(diff_json(git.path, "--as-of", "2026-04-10", "--months", "9"))
    assert figures(found["months"])["2026-04"] == ("1246.57", "1247.94")
    assert found["total"] == {"before": "11260.27", "after": "11256.16", "difference": "-4.11"}
    earlier = figures(found["earlier"])
    # the first three months' parts: 3,000 x 31/365 = 254.79, x 59/365 = 484.93 (230.14), 739.73 (254.80)
    assert earlier["2026-01"] == ("1254.79", "1252.88")  # 1,800 x 31/365 = 152.88
    assert marked(found["months"]) == [] and marked(found["earlier"]) == []


def test_a_true_up_of_a_year_with_usage_billed_after_the_horizon_is_marked(tmp_path: Path) -> None:
    """A base fee of 1,000.00 a month raised to 1,100.00, usage at 0.01 a call (its price unchanged) and a
    minimum of 15,000.00 per contract year. The year's true-up depends on its usage, and moves (the fixed
    lines it counts rise by 1,200.00): under IFRS 15 it is revenue in December, so December, and only
    December, depends on usage, although the true-up is billed on 1 January 2027, after the horizon.
    Billing marks nothing: no usage-dependent line billed in the horizon differs."""
    git = repo(tmp_path, TRUE_UP_USAGE.format(price="1_000.00"))
    git.write({"contracts/contract.avt": TRUE_UP_USAGE.format(price="1_100.00")})
    data = diff_json(git.path, "--as-of", "2026-04-10", "--months", "9")
    found = revenue(data)
    assert marked(found["months"]) == ["2026-12"]
    assert marked(found["earlier"]) == []
    # the known part: the base fee alone, 1,019.18 -> 1,121.10 (as in the test above, no true-up)
    assert figures(found["months"])["2026-12"] == ("1019.18", "1121.10")
    billing = data["contracts"][0]["billing"][0]
    assert marked(billing["months"]) == [] and marked(billing["earlier"]) == []
    text = avtale(git.path, "diff", "--as-of", "2026-04-10", "--months", "9").stdout.splitlines()
    assert any(line.startswith("    2026-12") and line.endswith("depends on usage: revenue") for line in text)
    assert "minimum true-ups changed in 1 contract (depends on usage)" in text[-1]
    assert "usage lines changed" not in text[-1]


def test_a_prepaid_credit_of_a_contract_ended_inside_its_year_expires_with_it(tmp_path: Path) -> None:
    """A prepaid credit of 10,000.00 per contract year, raised to 12,000.00; the contract is terminated
    from 1 May 2026, inside its first year. Under IFRS 15 the credit and its drawdowns are the breakage,
    revenue when the credit expires: with the contract, so in April (not December, the year's last month).
    April depends on usage; no other month does. The credit is billed on 1 January: billing +2,000.00
    there. Revenue's known part is nothing (the contract has no fixed charge)."""
    git = repo(tmp_path, PREPAID_TERMINATED.format(credit="10_000.00"))
    git.write({"contracts/contract.avt": PREPAID_TERMINATED.format(credit="12_000.00")})
    data = diff_json(git.path, "--as-of", "2026-02-10", "--months", "12")
    found = revenue(data)
    assert marked(found["months"]) == ["2026-04"]
    assert marked(found["earlier"]) == []
    assert found["total"] == {"before": "0.00", "after": "0.00", "difference": "0.00"}
    billing = data["contracts"][0]["billing"][0]
    assert figures(billing["earlier"]) == {"2026-01": ("10000.00", "12000.00")}
    summary = data["summary"]
    # a zero total reads the same in JSON as in the text: no difference, "unchanged"
    assert summary["revenue_difference"] == {} and summary["billing_difference"] == {}
    assert summary["text"] == (
        "1 contract changed, billing unchanged over 12 months (+NOK 2,000.00 in earlier months) in 1 contract, "
        "revenue unchanged over 12 months, prepaid credits changed in 1 contract (depends on usage), "
        "no ledger, so no invoiced or closed month checked."
    )


def test_an_invoiced_prepaid_credit_is_revenue_over_its_year(tmp_path: Path) -> None:
    """Under `invoiced`, a prepaid credit of 3,650.00 per contract year is an issued line, revenue over its
    year by days: 10.00 a day, 310.00 in a month of 31 days, 300.00 in one of 30, 280.00 in February.
    The base fee rises from 1,000.00 to 1,100.00 a month; the credit does not change, so no month depends
    on usage. April 1,300.00 -> 1,400.00, May 1,310.00 -> 1,410.00, June 1,300.00 -> 1,400.00; January
    1,310.00 -> 1,410.00, February 1,280.00 -> 1,380.00, March 1,310.00 -> 1,410.00."""
    git = repo(tmp_path, PREPAID_INVOICED.format(price="1_000.00"))
    git.write({"contracts/contract.avt": PREPAID_INVOICED.format(price="1_100.00")})
    found = revenue(diff_json(git.path, "--as-of", "2026-04-10", "--months", "3"))
    assert figures(found["months"]) == {
        "2026-04": ("1300.00", "1400.00"),
        "2026-05": ("1310.00", "1410.00"),
        "2026-06": ("1300.00", "1400.00"),
    }
    assert figures(found["earlier"]) == {
        "2026-01": ("1310.00", "1410.00"),
        "2026-02": ("1280.00", "1380.00"),
        "2026-03": ("1310.00", "1410.00"),
    }
    assert found["total"] == {"before": "3910.00", "after": "4210.00", "difference": "300.00"}
    assert marked(found["months"]) == [] and marked(found["earlier"]) == []


def test_where_variable_revenue_lands() -> None:
    """The rule itself, on hand-picked dates: a contract year 2026, a contract ending on 1 May 2026."""
    year, may = (date(2026, 1, 1), date(2027, 1, 1)), date(2026, 5, 1)
    # IFRS 15: a true-up in its year's last month; a credit when it expires, with the contract
    assert landing("minimum", *year, "ifrs15").months() == [date(2026, 12, 1)]
    assert landing("prepaid", *year, "ifrs15", life_end=may).months() == [date(2026, 4, 1)]
    # a drawdown for usage served to 15 May, past the expiry on 1 May: the month its usage ends
    drawdown = landing(
        "drawdown", date(2026, 4, 1), date(2026, 6, 1), "ifrs15", life_end=may, year=year, served=date(2026, 5, 16)
    )
    assert drawdown.months() == [date(2026, 5, 1)]
    # a contract ending on or before the year's first day does not cut it (no such year is billed)
    assert landing("prepaid", *year, "ifrs15", life_end=date(2026, 1, 1)).months() == [date(2026, 12, 1)]
    # usage lands in the months of use
    assert landing("usage", date(2026, 2, 15), date(2026, 4, 15), "ifrs15").months() == [
        date(2026, 2, 1),
        date(2026, 3, 1),
        date(2026, 4, 1),
    ]
    # invoiced: by days; a credit's days stop with the contract: 1,200.00 over the 120 days to 1 May, 10.00 a day
    assert landing("prepaid", *year, "invoiced", life_end=may).spread(Decimal("1200.00"), "NOK") == [
        (date(2026, 1, 1), Decimal("310.00")),  # 1,200.00 x 31/120 = 310.00
        (date(2026, 2, 1), Decimal("280.00")),  # x 59/120 = 590.00
        (date(2026, 3, 1), Decimal("310.00")),  # x 90/120 = 900.00
        (date(2026, 4, 1), Decimal("300.00")),
    ]
    with pytest.raises(ValueError, match="not variable consideration"):
        landing("recurring", *year, "ifrs15")
