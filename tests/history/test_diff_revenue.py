"""The revenue columns of `avtale diff`, on real git repositories, against hand-computed figures.

Each test builds a small workspace of its own (the seller and customers of tests/test_changes.py)
with one contract, commits it, and compares HEAD with the working tree after an edit.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from runtime.cli.main import cli
from tests.history.gitrepo import GitRepo
from tests.test_changes import CUSTOMERS, SELLER

LICENCE = """
contract L-1 {{
  customer acme
  signed 2025-12-15
  start 2026-01-01
  term 12 months
  no renewal
{policy}  charge licence "Lisens" {{
    flat 12_000.00 per year
    billed yearly in advance
    revenue ratably monthly
  }}
{more}}}
"""
MID_YEAR = """  amendment 1 "Ny pris" signed 2026-06-20 effective 2026-07-01 {
    licence price 18_000.00
  }
"""
BACK_DATED = """  amendment 1 "Ny pris" signed 2026-04-05 effective 2026-02-01 {
    licence price 18_000.00
  }
"""
MONTHLY = """
contract M-1 {{
  customer acme
  signed 2025-12-15
  start 2026-01-01
  term 12 months
  no renewal
{policy}  charge service "Drift" {{
    flat 1_000.00 per month
    billed monthly in advance
  }}
}}
"""
QUARTERLY = """
contract Q-1 {{
  customer acme
  signed 2025-12-15
  start 2026-01-01
  term 12 months
  no renewal
  revenue_policy invoiced
  charge service "Drift" {{
    flat 3_000.00 per quarter
    billed quarterly in advance
  }}
{more}}}
"""
USAGE = """
metric calls "API-kall" { events "api.call"  count }

contract U-1 {
  customer acme
  signed 2025-12-15
  start 2026-01-01
  term 12 months
  no renewal
  charge base "Grunnpris" {
    flat 1_000.00 per month
    billed monthly in advance
    revenue ratably monthly
  }
  charge api "API" {
    usage calls
    per_unit 0.01
  }
}
"""


def licence(more: str = "", policy: str = "") -> str:
    return LICENCE.format(more=more, policy=policy)


def repo(tmp_path: Path, contract: str) -> GitRepo:
    git = GitRepo(tmp_path / "repo")
    git.commit(
        "The workspace",
        {
            "seller.avt": SELLER,
            "customers.avt": CUSTOMERS,
            "avtale.toml": "",
            ".gitignore": "ledger.sqlite*\n",
            "contracts/contract.avt": contract,
        },
        date="2025-12-20T10:00:00+01:00",
    )
    return git


def avtale(root: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--workspace", str(root), *args])


def diff_json(root: Path, *args: str) -> dict[str, Any]:
    result = avtale(root, "diff", *args, "--json")
    assert result.exit_code == 2, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def revenue_rows(data: dict[str, Any], key: str = "months") -> list[tuple[str, str, str, str]]:
    """(month, before, after, difference) of the only contract's revenue, for the months that differ."""
    (contract,) = data["contracts"]
    (currency,) = contract["revenue"]
    return [(m["month"], m["before"], m["after"], m["difference"]) for m in currency[key] if m["difference"] != "0.00"]


def test_a_price_change_mid_year(tmp_path: Path) -> None:
    """12,000.00 a year, billed yearly in advance on 1 January, revenue 1,000.00 a month (ratably monthly);
    an amendment raises the price to 18,000.00 a year from 1 July (prospective, the default).

    Billing: the year's one line (billed 2026-01-01, before the horizon) becomes, by days,
    12,000.00 x 181/365 + 18,000.00 x 184/365 = 5,950.68... + 9,073.97... = 15,024.66: +3,024.66 in 2026-01.
    Revenue: January to June as before, 6,000.00 recognised by 1 July; the rest of the new price,
    15,024.66 - 6,000.00 = 9,024.66, over July to December: 1,504.11 a month (9,024.66 / 6 exactly),
    +504.11 a month. Over April 2026 to March 2027: 9,000.00 -> 3,000.00 + 9,024.66 = 12,024.66.
    """
    git = repo(tmp_path, licence())
    git.write({"contracts/contract.avt": licence(MID_YEAR)})
    result = avtale(git.path, "diff", "--as-of", "2026-04-10")
    assert result.exit_code == 2, result.output
    lines = result.stdout.splitlines()
    assert "                          billing                           revenue" in lines
    assert "    NOK           before      after  difference      before      after  difference" in lines
    assert "    earlier    12,000.00  15,024.66   +3,024.66        0.00       0.00        0.00  2026-01" in lines
    for month in ("2026-07", "2026-08", "2026-09", "2026-10", "2026-11", "2026-12"):
        assert f"    {month}         0.00       0.00        0.00    1,000.00   1,504.11     +504.11" in lines
    assert not any(line.startswith("    2026-06") for line in lines)  # revenue of June does not move
    total = "    12 months       0.00       0.00        0.00    9,000.00  12,024.66   +3,024.66  2026-04 to 2027-03"
    assert total in lines
    assert lines[-1] == (
        "1 contract changed, billing unchanged over 12 months (+NOK 3,024.66 in earlier months) in 1 contract, "
        "revenue +NOK 3,024.66 over 12 months in 1 contract, no ledger, so no invoiced or closed month checked."
    )
    # the JSON carries the same figures
    data = diff_json(git.path, "--as-of", "2026-04-10")
    assert revenue_rows(data) == [
        (month, "1000.00", "1504.11", "504.11")
        for month in ("2026-07", "2026-08", "2026-09", "2026-10", "2026-11", "2026-12")
    ]
    assert revenue_rows(data, "earlier") == []
    (contract,) = data["contracts"]
    assert contract["revenue_policy"] == {"before": "ifrs15", "after": "ifrs15"}
    assert contract["revenue"][0]["total"] == {"before": "9000.00", "after": "12024.66", "difference": "3024.66"}
    assert contract["revenue"][0]["catch_up"] is None
    assert data["summary"]["revenue_difference"] == {"NOK": "3024.66"}
    assert data["summary"]["billing_earlier_difference"] == {"NOK": "3024.66"}
    assert data["summary"]["revenue_earlier_difference"] == {}
    assert data["summary"]["text"] == lines[-1]


def test_a_change_to_closed_months_is_flagged_and_its_catch_up_placed(tmp_path: Path) -> None:
    """January to March billed (the year's line on 1 January) and closed at 1,000.00 a month; then an
    amendment signed 5 April raises the price to 18,000.00 a year from 1 February.

    Billing: 12,000.00 x 31/365 + 18,000.00 x 334/365 = 1,019.18 + 16,471.23 = 17,490.41 (one rounding):
    +5,490.41 in 2026-01, invoiced. Revenue (prospective): 1,000.00 recognised by 1 February; the
    rest, 17,490.41 - 1,000.00 = 16,490.41, over February to December, cumulatively rounded:
    through February 16,490.41 / 11 = 1,499.128 -> 1,499.13; through March 2,998.256 -> 2,998.26
    (1,499.13); through April 4,497.384 -> 4,497.38 (1,499.12). February and March are closed:
    +998.26, posted as a catch-up in April, the first open month.
    """
    git = repo(tmp_path, licence())
    for args in (
        ("ledger", "init"),
        ("bill", "--as-of", "2026-03-31", "--apply"),
        ("close", "2026-03", "--with-earlier", "--as-of", "2026-04-01"),
    ):
        done = avtale(git.path, *args)
        assert done.exit_code == 0, done.output
    git.write({"contracts/contract.avt": licence(BACK_DATED)})
    result = avtale(git.path, "diff", "--as-of", "2026-04-10", "--months", "3")
    assert result.exit_code == 2, result.output
    lines = result.stdout.splitlines()
    assert (
        "    earlier   12,000.00  17,490.41   +5,490.41    2,000.00  2,998.26     +998.26  "
        "3 months from 2026-01 to 2026-03; 1 invoiced month; 2 closed months"
    ) in lines
    assert "    2026-04        0.00       0.00        0.00    1,000.00  1,499.12     +499.12" in lines
    # April to June: 1,499.12 + 1,499.13 + 1,499.13 = 4,497.38, against 3,000.00
    assert (
        "    3 months       0.00       0.00        0.00    3,000.00  4,497.38   +1,497.38  2026-04 to 2026-06" in lines
    )
    assert (
        "    closed months 2026-02 to 2026-03: revenue +998.26; closed figures are never rewritten: "
        "the difference is posted as a catch-up in 2026-04, the first open month"
    ) in lines
    assert lines[-1] == (
        "1 contract changed, billing unchanged over 3 months (+NOK 5,490.41 in earlier months) in 1 contract, "
        "revenue +NOK 1,497.38 over 3 months (+NOK 998.26 in earlier months) in 1 contract, "
        "1 invoiced month affected, 2 closed months affected."
    )
    data = diff_json(git.path, "--as-of", "2026-04-10", "--months", "3")
    assert revenue_rows(data, "earlier") == [
        ("2026-02", "1000.00", "1499.13", "499.13"),
        ("2026-03", "1000.00", "1499.13", "499.13"),
    ]
    revenue = data["contracts"][0]["revenue"][0]
    assert [m["closed"] for m in revenue["earlier"]] == [True, True]
    assert not any(m["closed"] for m in revenue["months"])
    assert revenue["catch_up"] == {
        "closed_months": ["2026-02", "2026-03"],
        "amount": "998.26",
        "depends_on_usage": False,
        "posted_in": "2026-04",
        "beyond_horizon": [],
    }
    summary = data["summary"]
    assert summary["closed_months"] == [
        {"contract": "L-1", "month": "2026-02"},
        {"contract": "L-1", "month": "2026-03"},
    ]
    assert summary["latest_closed"] == "2026-03" and summary["first_open"] == "2026-04"
    # the revenue reports, by their own road, post the same catch-up once the change is committed
    git.commit("L-1: 18,000.00 from February", date="2026-04-06T10:00:00+02:00")
    waterfall = avtale(
        git.path, "revenue", "waterfall", "--from", "2026-04", "--to", "2026-04", "--as-of", "2026-04-30"
    )
    assert waterfall.exit_code == 0, waterfall.output
    rows = avtale(
        git.path, "revenue", "waterfall", "--from", "2026-04", "--to", "2026-04", "--as-of", "2026-04-30", "--csv"
    ).stdout.splitlines()
    # April's own 1,499.12 plus the catch-up of 998.26
    assert "2026-04,open,L-1,licence,NOK,2497.38,998.26" in rows


def test_a_change_of_revenue_policy_is_said_and_follows_the_invoice_lines(tmp_path: Path) -> None:
    """1,000.00 a month billed monthly in advance. Under IFRS 15 (the seller's default, ratably daily over
    the 365 days of 2026): through January 12,000.00 x 31/365 = 1,019.18, through February x 59/365 =
    1,939.73 (920.55), through March x 90/365 = 2,958.90 (1,019.17). Under `invoiced` each monthly line
    is revenue over its own month: 1,000.00. Differences: January -19.18, February +79.45, March -19.17.
    Billing does not move."""
    git = repo(tmp_path, MONTHLY.format(policy=""))
    git.write({"contracts/contract.avt": MONTHLY.format(policy="  revenue_policy invoiced\n")})
    result = avtale(git.path, "diff", "--as-of", "2026-02-01", "--months", "2")
    assert result.exit_code == 2, result.output
    lines = result.stdout.splitlines()
    assert "~ contract M-1 (Acme AS)" in lines
    assert "    revenue policy ifrs15 (the seller's) -> invoiced" in lines
    assert "    terms changed" not in lines
    assert "    earlier       0.00      0.00        0.00    1,019.18  1,000.00      -19.18  2026-01" in lines
    assert "    2026-02   1,000.00  1,000.00        0.00      920.55  1,000.00      +79.45" in lines
    assert "    2026-03   1,000.00  1,000.00        0.00    1,019.17  1,000.00      -19.17" in lines
    # 920.55 + 1,019.17 = 1,939.72 -> 2,000.00
    assert "    2 months  2,000.00  2,000.00        0.00    1,939.72  2,000.00      +60.28  2026-02 to 2026-03" in lines
    assert lines[-1] == (
        "1 contract changed, billing unchanged over 2 months, revenue +NOK 60.28 over 2 months "
        "(-NOK 19.18 in earlier months) in 1 contract, no ledger, so no invoiced or closed month checked."
    )
    data = diff_json(git.path, "--as-of", "2026-02-01", "--months", "2")
    (contract,) = data["contracts"]
    assert contract["revenue_policy"] == {"before": "ifrs15", "after": "invoiced"}
    assert data["changes"][0]["terms"] == ["revenue policy ifrs15 (the seller's) -> invoiced"]
    assert revenue_rows(data) == [
        ("2026-02", "920.55", "1000.00", "79.45"),
        ("2026-03", "1019.17", "1000.00", "-19.17"),
    ]
    assert revenue_rows(data, "earlier") == [("2026-01", "1019.18", "1000.00", "-19.18")]
    assert contract["billing_differs"] is False and contract["revenue_differs"] is True


def test_an_invoiced_contract_revenue_follows_its_invoice_lines(tmp_path: Path) -> None:
    """Under `invoiced`, 3,000.00 a quarter billed quarterly in advance, raised to 3,600.00 from 1 April by
    an amendment: each quarter's line is revenue over its own quarter by days, cumulatively rounded, so
    revenue is not billing's month by month. April to June has 91 days: before 3,000.00 x 30/91 = 989.01,
    x 61/91 = 2,010.99 (May 1,021.98), June 3,000.00 - 2,010.99 = 989.01; after 3,600.00 x 30/91 =
    1,186.81, x 61/91 = 2,413.19 (May 1,226.38), June 1,186.81. January to March as before: 3,000.00."""
    contract = QUARTERLY.format(more="")
    amended = QUARTERLY.format(
        more='  amendment 1 "Ny pris" signed 2026-02-20 effective 2026-04-01 {\n    service price 3_600.00\n  }\n'
    )
    git = repo(tmp_path, contract)
    git.write({"contracts/contract.avt": amended})
    result = avtale(git.path, "diff", "--as-of", "2026-03-01", "--months", "4")
    assert result.exit_code == 2, result.output
    lines = result.stdout.splitlines()
    assert "    2026-04   3,000.00  3,600.00     +600.00      989.01  1,186.81     +197.80" in lines
    assert "    2026-05       0.00      0.00        0.00    1,021.98  1,226.38     +204.40" in lines
    assert "    2026-06       0.00      0.00        0.00      989.01  1,186.81     +197.80" in lines
    assert not any(line.startswith("    2026-03") for line in lines)  # March: 1,000.00 x 31/90 rounded, both sides
    # March's part of the first quarter: 3,000.00 - 3,000.00 x 59/90 (1,966.67) = 1,033.33
    assert "    4 months  3,000.00  3,600.00     +600.00    4,033.33  4,633.33     +600.00  2026-03 to 2026-06" in lines


def test_usage_revenue_depends_on_usage(tmp_path: Path) -> None:
    """The usage price doubles, from the start. Usage is billed monthly in arrears: February bills
    January's usage, ..., June May's. Its revenue is in the month of use, so January to May depend on
    usage, May although it is billed after the horizon; the base fee (1,000.00 a month) does not move."""
    git = repo(tmp_path, USAGE)
    git.write({"contracts/contract.avt": USAGE.replace("per_unit 0.01", "per_unit 0.02")})
    result = avtale(git.path, "diff", "--as-of", "2026-04-05", "--months", "2")
    assert result.exit_code == 2, result.output
    lines = result.stdout.splitlines()
    # billing's earlier months are February and March (they bill January's and February's usage), revenue's
    # January to March (the months of use); the fixed part is shown: the base fee
    assert (
        "    earlier   2,000.00  2,000.00        0.00    3,000.00  3,000.00        0.00  "
        "3 months from 2026-01 to 2026-03; depends on usage: billing and revenue"
    ) in lines
    for month in ("2026-04", "2026-05"):
        assert (
            f"    {month}   1,000.00  1,000.00        0.00    1,000.00  1,000.00        0.00  "
            "depends on usage: billing and revenue"
        ) in lines
    assert lines[-1] == (
        "1 contract changed, billing unchanged over 2 months, revenue unchanged over 2 months, usage lines changed "
        "in 1 contract (depends on usage), no ledger, so no invoiced or closed month checked."
    )
    data = diff_json(git.path, "--as-of", "2026-04-05", "--months", "2")
    revenue = data["contracts"][0]["revenue"][0]
    assert [(m["month"], m["difference"], m["depends_on_usage"]) for m in revenue["months"]] == [
        ("2026-04", "0.00", True),
        ("2026-05", "0.00", True),
    ]
    assert [(m["month"], m["depends_on_usage"]) for m in revenue["earlier"]] == [
        ("2026-01", True),
        ("2026-02", True),
        ("2026-03", True),
    ]


def test_usage_revenue_is_marked_in_the_months_of_use_and_nowhere_else(tmp_path: Path) -> None:
    """An amendment doubles the usage price from 1 May. Usage is billed monthly in arrears (June bills May's
    usage): billing depends on usage from June, revenue (in the month of use) from May. March and April
    depend on usage in neither: their usage lines are the same on both sides."""
    amended = USAGE.replace(
        "  }\n}\n",
        '  }\n  amendment 1 "Ny pris" signed 2026-02-20 effective 2026-05-01 {\n    api price 0.02\n  }\n}\n',
    )
    git = repo(tmp_path, USAGE)
    git.write({"contracts/contract.avt": amended})
    data = diff_json(git.path, "--as-of", "2026-03-05", "--months", "6")
    (contract,) = data["contracts"]
    billing, revenue = contract["billing"][0], contract["revenue"][0]
    assert [m["month"] for m in billing["months"] if m["depends_on_usage"]] == ["2026-06", "2026-07", "2026-08"]
    assert [m["month"] for m in revenue["months"] if m["depends_on_usage"]] == [
        "2026-05",
        "2026-06",
        "2026-07",
        "2026-08",
    ]
    assert billing["earlier"] == [] and revenue["earlier"] == []
    assert data["summary"]["text"].startswith(
        "1 contract changed, billing unchanged over 6 months, revenue unchanged over 6 months, "
        "usage lines changed in 1 contract (depends on usage)"
    )


MONTHLY_BACK = """  amendment 1 "Ny pris" signed 2026-04-05 effective 2026-02-01 {
    service price 1_500.00
  }
"""


def closed_repo(tmp_path: Path) -> Path:
    """M-1 (1,000.00 a month, IFRS 15 ratably daily over 2026's 365 days) billed through 31 March and
    closed through March; then, in the working tree, an amendment raises the price to 1,500.00 from
    1 February (prospective). Before: January 12,000.00 x 31/365 = 1,019.18, February x 59/365 =
    1,939.73 (920.55), March x 90/365 = 2,958.90 (1,019.17). After: 1,019.18 recognised by 1 February;
    the rest of 1,000.00 + 11 x 1,500.00 = 17,500.00, 16,480.82, over the 334 days from February:
    February 16,480.82 x 28/334 = 1,381.63, March x 59/334 = 2,911.28 (1,529.65), April x 89/334 =
    4,391.60 (1,480.32). February +461.08, March +510.48: 971.56 over the closed months."""
    git = repo(tmp_path, MONTHLY.format(policy=""))
    for args in (
        ("ledger", "init"),
        ("bill", "--as-of", "2026-03-31", "--apply"),
        ("close", "2026-03", "--with-earlier", "--as-of", "2026-04-01"),
    ):
        done = avtale(git.path, *args)
        assert done.exit_code == 0, done.output
    git.write({"contracts/contract.avt": MONTHLY.format(policy="").replace("  }\n}\n", "  }\n" + MONTHLY_BACK + "}\n")})
    return git.path


def test_closed_months_beyond_the_horizon_are_compared_and_said(tmp_path: Path) -> None:
    """The horizon (January and February) ends before the latest close (March): March is closed too, its
    revenue changes, and the catch-up posted in April is February's and March's, 971.56."""
    root = closed_repo(tmp_path)
    result = avtale(root, "diff", "--as-of", "2026-01-10", "--months", "2")
    assert result.exit_code == 2, result.output
    lines = result.stdout.splitlines()
    assert "    2026-02   1,000.00  1,500.00     +500.00      920.55  1,381.63     +461.08  invoiced; closed" in lines
    # the horizon's totals are January's and February's: 1,019.18 + 920.55 = 1,939.73; + 461.08
    assert "    2 months  2,000.00  2,500.00     +500.00    1,939.73  2,400.81     +461.08  2026-01 to 2026-02" in lines
    assert (
        "    closed months 2026-02 to 2026-03: revenue +971.56; 2026-03 lies beyond the horizon "
        "(revenue 1,019.17 -> 1,529.65, +510.48); closed figures are never rewritten: the difference is "
        "posted as a catch-up in 2026-04, the first open month"
    ) in lines
    assert lines[-1].endswith("1 invoiced month affected, 2 closed months affected.")
    assert "(+NOK 510.48 in closed months after the horizon)" in lines[-1]
    data = diff_json(root, "--as-of", "2026-01-10", "--months", "2")
    revenue = data["contracts"][0]["revenue"][0]
    assert [(m["month"], m["before"], m["after"], m["closed"]) for m in revenue["later"]] == [
        ("2026-03", "1019.17", "1529.65", True)
    ]
    assert revenue["catch_up"] == {
        "closed_months": ["2026-02", "2026-03"],
        "amount": "971.56",
        "depends_on_usage": False,
        "posted_in": "2026-04",
        "beyond_horizon": ["2026-03"],
    }
    assert data["summary"]["revenue_later_difference"] == {"NOK": "510.48"}
    assert data["summary"]["closed_months"] == [
        {"contract": "M-1", "month": "2026-02"},
        {"contract": "M-1", "month": "2026-03"},
    ]


def test_closed_months_inside_the_horizon(tmp_path: Path) -> None:
    """The same change seen from February, three months: February and March are closed and inside the
    horizon; April is open: 12,000.00 x 120/365 = 3,945.21 less 2,958.90 = 986.31 before, 1,480.32 after
    (see closed_repo), +494.01."""
    root = closed_repo(tmp_path)
    result = avtale(root, "diff", "--as-of", "2026-02-10", "--months", "3")
    assert result.exit_code == 2, result.output
    lines = result.stdout.splitlines()
    assert "    2026-02   1,000.00  1,500.00     +500.00      920.55  1,381.63     +461.08  invoiced; closed" in lines
    assert "    2026-03   1,000.00  1,500.00     +500.00    1,019.17  1,529.65     +510.48  invoiced; closed" in lines
    assert "    2026-04   1,000.00  1,500.00     +500.00      986.31  1,480.32     +494.01" in lines
    assert (
        "    closed months 2026-02 to 2026-03: revenue +971.56; closed figures are never rewritten: "
        "the difference is posted as a catch-up in 2026-04, the first open month"
    ) in lines
    assert lines[-1].endswith("2 invoiced months affected, 2 closed months affected.")
    data = diff_json(root, "--as-of", "2026-02-10", "--months", "3")
    revenue = data["contracts"][0]["revenue"][0]
    assert revenue["later"] == [] and revenue["catch_up"]["beyond_horizon"] == []


def test_revenue_in_another_currency(tmp_path: Path) -> None:
    """A contract in EUR, 1,000.00 a month raised to 1,200.00 from the start: both sides planned ratably
    daily over 2026. Before, April to June: 12,000.00 x 181/365 = 5,950.68 less x 90/365 = 2,958.90:
    2,991.78. After: 14,400.00 x 181/365 = 7,140.82 less x 90/365 = 3,550.68: 3,590.14; +598.36.
    January to March: 3,550.68 - 2,958.90 = +591.78. Figures and totals are in EUR, never NOK."""
    contract = MONTHLY.format(policy="  currency EUR\n")
    git = repo(tmp_path, contract)
    git.write({"contracts/contract.avt": contract.replace("flat 1_000.00", "flat 1_200.00")})
    data = diff_json(git.path, "--as-of", "2026-04-10", "--months", "3")
    (contract_data,) = data["contracts"]
    (revenue,) = contract_data["revenue"]
    assert revenue["currency"] == "EUR"
    assert revenue["total"] == {"before": "2991.78", "after": "3590.14", "difference": "598.36"}
    # April: 14,400.00 x 120/365 = 4,734.25 less 3,550.68
    assert revenue["months"][0] == {
        "month": "2026-04",
        "before": "986.31",
        "after": "1183.57",
        "difference": "197.26",
        "closed": False,
        "depends_on_usage": False,
    }
    assert data["summary"]["revenue_difference"] == {"EUR": "598.36"}
    assert data["summary"]["revenue_earlier_difference"] == {"EUR": "591.78"}
    assert "revenue +EUR 598.36 over 3 months (+EUR 591.78 in earlier months) in 1 contract" in data["summary"]["text"]


def test_a_change_of_the_seller_policy_moves_the_contracts_that_take_it(tmp_path: Path) -> None:
    """The seller's policy becomes `invoiced`: M-1, which takes it, moves from IFRS 15 (ratably daily) to
    its monthly invoice lines; OWN-1, which says `revenue_policy ifrs15` itself, does not move.
    M-1, April to June: 986.31 + 1,019.17 + 986.30 = 2,991.78 -> 3,000.00 (+8.22); January to March
    2,958.90 -> 3,000.00 (+41.10)."""
    own = MONTHLY.format(policy="  revenue_policy ifrs15\n").replace("M-1", "OWN-1")
    git = GitRepo(tmp_path / "repo")
    git.commit(
        "The workspace",
        {
            "seller.avt": SELLER,
            "customers.avt": CUSTOMERS,
            "avtale.toml": "",
            "contracts/contract.avt": MONTHLY.format(policy=""),
            "contracts/own.avt": own,
        },
        date="2025-12-20T10:00:00+01:00",
    )
    git.write({"seller.avt": SELLER.replace("  mva\n", "  mva\n  revenue_policy invoiced\n")})
    data = diff_json(git.path, "--as-of", "2026-04-10", "--months", "3")
    contracts = {c["contract"]: c for c in data["contracts"]}
    assert contracts["M-1"]["revenue_policy"] == {"before": "ifrs15", "after": "invoiced"}
    assert contracts["M-1"]["revenue"][0]["total"] == {"before": "2991.78", "after": "3000.00", "difference": "8.22"}
    assert "OWN-1" not in contracts or contracts["OWN-1"]["revenue_differs"] is False
    assert data["summary"]["revenue_difference"] == {"NOK": "8.22"}
    assert data["summary"]["revenue_earlier_difference"] == {"NOK": "41.10"}
