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


def test_an_invoiced_contract_revenue_follows_its_price(tmp_path: Path) -> None:
    """Under `invoiced`, 1,000.00 a month raised to 1,200.00 from 1 March by an amendment: each monthly
    invoice line is revenue over its own month, so revenue moves exactly as billing does, +200.00 a month."""
    amended = MONTHLY.format(policy="  revenue_policy invoiced\n").replace(
        "  }\n}\n",
        '  }\n  amendment 1 "Ny pris" signed 2026-02-20 effective 2026-03-01 {\n    service price 1_200.00\n  }\n}\n',
    )
    git = repo(tmp_path, MONTHLY.format(policy="  revenue_policy invoiced\n"))
    git.write({"contracts/contract.avt": amended})
    result = avtale(git.path, "diff", "--as-of", "2026-02-01", "--months", "3")
    assert result.exit_code == 2, result.output
    lines = result.stdout.splitlines()
    assert "    2026-03   1,000.00  1,200.00     +200.00    1,000.00  1,200.00     +200.00" in lines
    assert "    2026-04   1,000.00  1,200.00     +200.00    1,000.00  1,200.00     +200.00" in lines
    assert "    3 months  3,000.00  3,400.00     +400.00    3,000.00  3,400.00     +400.00  2026-02 to 2026-04" in lines


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
