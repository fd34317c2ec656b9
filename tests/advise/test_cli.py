"""`avtale advise` on a small workspace whose every figure is worked out by hand in the comments."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.factories.cli import run

PLANS = """
seller vendor {
  name "Prøve AS"
  orgnr "976240391"
  mva
}

customer buyer {
  name "Kjøper AS"
  orgnr "922152799"
}

metric calls "API-kall" { events "api.call"  sum value }

metric gb "Lagring" { events "storage.snapshot"  max value }

plan basic "Basic" effective 2025-01-01 {
  currency NOK
  charge platform "Plattform" {
    flat 500.00 per month
    billed monthly in advance
  }
  charge seats "Brukere" {
    per_unit 100.00 per seat per month
    billed monthly in advance
  }
  charge api "API" {
    usage calls
    per_unit 1.00 per call
    billed monthly in arrears
  }
  charge setup "Oppstart" {
    one_time 1_000.00 on start
  }
}

plan basic "Basic" effective 2026-02-01 {
  currency NOK
  charge platform "Plattform" {
    flat 9_999.00 per month
    billed monthly in advance
  }
}

plan growth "Growth" effective 2025-01-01 {
  currency NOK
  charge platform "Plattform" {
    flat 1_000.00 per month
    billed monthly in advance
  }
  charge users "Brukere" {
    per_unit 50.00 per seat per month
    billed monthly in advance
  }
  charge api "API" {
    usage calls
    graduated {
      up to 100  0.00
      above      0.50
    }
    billed monthly in arrears
  }
}

plan growth "Growth" effective 2025-06-01 {
  currency NOK
  charge platform "Plattform" {
    flat 800.00 per month
    billed monthly in advance
  }
  charge users "Brukere" {
    per_unit 50.00 per seat per month
    billed monthly in advance
  }
  charge api "API" {
    usage calls
    graduated {
      up to 100  0.00
      above      0.50
    }
    billed monthly in arrears
  }
}

plan euro "Euro" effective 2025-01-01 {
  currency EUR
  charge platform "Platform" {
    flat 100.00 per month
    billed monthly in advance
  }
}

plan lagring "Lagring" effective 2025-01-01 {
  currency NOK
  charge platform "Plattform" {
    flat 100.00 per month
    billed monthly in advance
  }
  charge storage "Lagring" {
    usage gb
    per_unit 1.00 per gb
    billed monthly in arrears
  }
}
"""

CONTRACTS = """
contract C-1 {
  customer buyer
  signed 2025-01-01
  start 2025-01-01
  term 24 months
  plan basic {
    seats quantity 10
  }
  discount "Rabatt" 10% on platform
  amendment 1 "Flere brukere" signed 2025-06-20 effective 2025-07-01 {
    seats quantity 20
  }
}

contract C-2 {
  customer buyer
  signed 2025-01-01
  start 2025-01-01
  term 24 months
  plan growth {
    users quantity 5
  }
}

contract C-3 {
  customer buyer
  signed 2025-01-01
  start 2025-01-01
  term 24 months
  plan basic {
    seats quantity 1
  }
  discount "Halv pris" 50% on platform
}

contract C-4 {
  customer buyer
  signed 2025-01-01
  start 2025-01-01
  term 24 months
  plan basic {
    seats quantity 1
  }
  discount "Stor rabatt" 60% on platform
}
"""

AS_OF = "2026-01-15"
"""The window: the 12 whole months before January 2026, [2025-01-01, 2026-01-01)."""


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    (root / "usage").mkdir(parents=True)
    (root / "avtale.toml").write_text("")
    (root / "plans.avt").write_text(PLANS)
    (root / "contracts.avt").write_text(CONTRACTS)
    # C-1 calls 50 x m in month m of 2025: 50, 100, ..., 600; 3,900 in the year
    rows = [f"ev-{m:02d},C-1,api.call,2025-{m:02d}-15T12:00:00+01:00,{50 * m}" for m in range(1, 13)]
    (root / "usage" / "events.csv").write_text("id,contract,event,timestamp,value\n" + "\n".join(rows) + "\n")
    return root


def advise_json(root: Path, *args: str) -> dict:
    code, out, err = run(root, "advise", *args, "--as-of", AS_OF, "--json")
    assert code == 0, out + err
    return json.loads(out)


def test_every_plan_offered_priced_on_the_customers_year_cheapest_first(ws: Path) -> None:
    data = advise_json(ws, "C-1")
    assert data["window"] == {"start": "2025-01-01", "end": "2026-01-01", "months": 12}
    assert data["months_in_force"] == "12"
    rows = {(r["plan"], r["version"], r["current"]): r for r in data["candidates"]}
    # basic 2026-02-01 is not offered yet on 15 January 2026; growth 2025-06-01 replaced growth 2025-01-01
    assert [(r["plan"], r["version"], r["current"]) for r in data["candidates"]] == [
        ("growth", "2025-06-01", False),
        ("basic", "2025-01-01", True),
        ("basic", "2025-01-01", False),
        ("euro", "2025-01-01", False),
        ("lagring", "2025-01-01", False),
    ]
    # current: platform 500 x 12 = 6,000 less 10% = 5,400; seats 10 x 100 x 6 + 20 x 100 x 6 = 18,000;
    # calls 3,900 x 1.00 = 3,900; the setup fee (one-time) not counted: 27,300.00, 2,275.00 a month
    current = rows["basic", "2025-01-01", True]
    assert (current["total"], current["per_month"], current["difference_per_month"]) == ("27300.00", "2275.00", "0.00")
    # basic at list price: 6,000 + 18,000 + 3,900 = 27,900.00; 2,325.00 a month, 50.00 more than now
    listed = rows["basic", "2025-01-01", False]
    assert (listed["total"], listed["per_month"], listed["difference_per_month"]) == ("27900.00", "2325.00", "50.00")
    assert listed["assumptions"] == ["`seats` 10, 20 from 2025-07-01, as the contract's `seats`"]
    # growth: platform 800 x 12 = 9,600; users (per seat, from `seats`) 10 x 50 x 6 + 20 x 50 x 6 = 9,000;
    # calls graduated, the first 100 a month free: months 1-2 nothing, months 3-12 (50m - 100) x 0.50,
    # (50 x (3 + ... + 12) - 100 x 10) x 0.50 = (3,750 - 1,000) x 0.50 = 1,375: 19,975.00;
    # a month 19,975 / 12 = 1,664.583 -> 1,664.58, against 2,275.00: -610.42 (2,275 - 1,664.583 = 610.417)
    growth = rows["growth", "2025-06-01", False]
    assert (growth["total"], growth["per_month"], growth["difference_per_month"]) == ("19975.00", "1664.58", "-610.42")
    assert growth["assumptions"] == ["`users` 10, 20 from 2025-07-01, as the contract's `seats` (per seat)"]
    euro = rows["euro", "2025-01-01", False]
    assert not euro["comparable"] and euro["total"] is None
    assert euro["reason"] == "priced in EUR; the contract is in NOK"
    storage = rows["lagring", "2025-01-01", False]
    assert not storage["comparable"] and "metric `gb`, which the contract does not bill" in storage["reason"]


def test_the_table_says_the_window_and_each_assumption(ws: Path) -> None:
    code, out, err = run(ws, "advise", "C-1", "--as-of", AS_OF)
    assert code == 0, out + err
    assert "window 2025-01-01 – 2025-12-31 (12 whole months before 2026-01, as of 2026-01-15)" in out
    lines = [line for line in out.splitlines() if "│" in line]
    assert lines[0].startswith(" growth 2025-06-01") and "19 975.00" in lines[0] and "-610.42" in lines[0]
    assert lines[1].startswith(" basic 2025-01-01 (current)") and "27 300.00" in lines[1]
    assert lines[2].startswith(" basic 2025-01-01 (list price)") and "+50.00" in lines[2]
    assert "not comparable: priced in EUR; the contract is in NOK" in out


def test_json_is_the_same_every_run(ws: Path) -> None:
    first = run(ws, "advise", "C-1", "--as-of", AS_OF, "--json")
    assert first == run(ws, "advise", "C-1", "--as-of", AS_OF, "--json")
    every = run(ws, "advise", "--all", "--as-of", AS_OF, "--json")
    assert every == run(ws, "advise", "--all", "--as-of", AS_OF, "--json")


def test_all_lists_the_largest_saving_first_then_the_largest_extra_cost(ws: Path) -> None:
    data = advise_json(ws, "--all")
    found = [(c["contract"], c["best"]["plan"], c["best"]["version"], c["saving_per_month"]) for c in data["contracts"]]
    # C-1: 2,275.00 now, growth 1,664.58 (above): saves 610.42
    # C-2 (growth 2025-01-01, 5 users, no calls): now 1,000 x 12 + 5 x 50 x 12 = 15,000, 1,250.00 a month;
    #   basic: 500 x 12 + 5 seats (per seat, from `users`) x 100 x 12 = 12,000, 1,000.00: saves 250.00
    #   (growth 2025-06-01: 800 x 12 + 3,000 = 12,600, 1,050.00)
    # C-3 (basic, 1 seat, half-price platform): now 3,000 + 1,200 = 4,200, 350.00; cheapest other: basic at
    #   list price 6,000 + 1,200 = 7,200, 600.00 (growth: 9,600 + 600 = 10,200): 250.00 more
    # C-4 (60% off the platform): now 2,400 + 1,200 = 3,600, 300.00; basic at list price 600.00: 300.00 more
    assert found == [
        ("C-1", "growth", "2025-06-01", "610.42"),
        ("C-2", "basic", "2025-01-01", "250.00"),
        ("C-4", "basic", "2025-01-01", "-300.00"),
        ("C-3", "basic", "2025-01-01", "-250.00"),
    ]
    assert data["considered"] == 4
    top = advise_json(ws, "--all", "--top", "2")
    assert [c["contract"] for c in top["contracts"]] == ["C-1", "C-2"]
    code, out, err = run(ws, "advise", "--all", "--as-of", AS_OF, "--top", "2")
    assert code == 0, err
    assert "610.42 NOK" in out and "C-3" not in out and "2 of 4 contracts" in out


@pytest.mark.parametrize(
    ("args", "message", "help"),
    [
        (("C1",), "error: no contract `C1` in the workspace", "help: did you mean `C-1`?"),
        (("C-1", "--months", "0"), "error: --months `0` is not a whole number from 1 to 120", "help: give it as"),
        (("C-1", "--months", "twelve"), "error: --months `twelve`", "help: give it as --months 12"),
        (("C-1", "--as-of", "2026-02-30"), "error: --as-of `2026-02-30` is not a date", "help: write it YYYY-MM-DD"),
        (("--all", "--top", "-1"), "error: --top `-1`", "help: give it as --top 20"),
        ((), "error: name one contract, or pass --all", "help: avtale advise CONTRACT"),
        (("C-1", "--all"), "error: name one contract, or pass --all", "help: avtale advise CONTRACT"),
        (("C-1", "--bogus"), "error: No such option", "help: avtale advise CONTRACT"),
        (("C-1", "--as-of", "2025-01-20"), "error: C-1 was not in force in the window", "help: choose an --as-of"),
    ],
)
def test_mistakes_on_the_command_line_exit_2(ws: Path, args: tuple[str, ...], message: str, help: str) -> None:
    code, out, err = run(ws, "advise", *args)
    assert code == 2, out + err
    assert message in err and help in err and out == ""
    assert "Traceback" not in err


def test_usage_that_cannot_all_be_counted_gives_no_advice(ws: Path) -> None:
    with (ws / "usage" / "events.csv").open("a") as events:
        events.write("ev-99,C-99,api.call,2025-03-15T12:00:00+01:00,5\n")
    code, out, err = run(ws, "advise", "C-1", "--as-of", AS_OF)
    assert code == 1 and out == ""
    assert "C-99" in err and "error: usage has problems" in err and "help: prices of incomplete usage mislead" in err


USAGE_PLANS = """
seller vendor {
  name "Prøve AS"
  orgnr "976240391"
  mva
}

customer buyer {
  name "Kjøper AS"
  orgnr "922152799"
}

metric api "API-kall" { events "api"  sum calls }

plan basic "Basic" effective 2026-01-01 {
  currency NOK
  charge platform "Plattform" {
    flat 100.00 per month
    billed monthly in advance
  }
  charge calls "API" {
    usage api
    per_unit 0.10 per call
    billed monthly in arrears
  }
}

contract Y-1 {
  customer buyer
  signed 2026-01-01
  start 2026-02-01
  term 24 months
  charge calls "API" {
    usage api
    per_unit 0.10 per call
    billed quarterly in arrears
  }
}
"""


def test_usage_after_the_window_is_not_counted_and_usage_inside_it_is_counted_whole(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    (root / "usage").mkdir(parents=True)
    (root / "avtale.toml").write_text("")
    (root / "plans.avt").write_text(USAGE_PLANS)
    rows = [
        "y1,Y-1,api,2026-02-10T12:00:00+01:00,1000",
        "y2,Y-1,api,2026-05-10T12:00:00+02:00,1000",
        "y3,Y-1,api,2026-06-10T12:00:00+02:00,1000",
        "y4,Y-1,api,2026-07-20T12:00:00+02:00,9000",  # after the window, and after --as-of
    ]
    (root / "usage" / "events.csv").write_text("id,contract,event,timestamp,calls\n" + "\n".join(rows) + "\n")
    code, out, err = run(root, "advise", "Y-1", "--as-of", "2026-07-01", "--months", "6", "--json")
    assert code == 0, out + err
    data = json.loads(out)
    assert data["months_in_force"] == "5"  # February to June
    rows_by_plan = {r["plan"]: r for r in data["candidates"]}
    # own terms, quarters from 1 February: February-April 1,000 calls, May-July metered to 30 June: 2,000 calls;
    # 3,000 x 0.10 = 300.00, 60.00 a month over 5 months; the 9,000 calls of 20 July not counted
    own = rows_by_plan[None]
    assert (own["total"], own["per_month"]) == ("300.00", "60.00")
    assert own["assumptions"] == [
        "`calls` 2026-05-01 – 2026-07-31 is not over: its usage 2026-05-01 – 2026-06-30 counted, "
        "priced as a period of its own"
    ]
    # basic, monthly: 5 x 100.00 + 3,000 x 0.10 = 800.00, 160.00 a month, 100.00 more
    basic = rows_by_plan["basic"]
    assert (basic["total"], basic["per_month"], basic["difference_per_month"]) == ("800.00", "160.00", "100.00")
