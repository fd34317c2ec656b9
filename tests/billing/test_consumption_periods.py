"""Free units and `unused bills flat` belong to a charge's billing period, not to each piece or line of it:
a period split by an amendment or a VAT change bills the flat once and shares its included units, and a
period metered below zero (`negative allowed`) takes no free units. The figures are worked out by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from compiler.billing.price import PricedLine
from runtime.ledger.store import Ledger
from tests.billing.test_consumption_pricing import APR, FEB, JAN, MAR, arithmetic, of, priced
from tests.factories.cli import run
from tests.factories.workspaces import PRELUDE, contract

D = Decimal
MID = date(2026, 3, 16)
TIERS = """graduated {
      up to 1_000  0.00 + 500.00 flat
      above        PRICE
    }
    unused bills flat"""
SPLIT = f"""  charge api "API" {{
    usage calls
    {TIERS.replace("PRICE", "0.10")}
  }}
  amendment 1 "Nye trinn" signed 2026-03-01 effective 2026-03-16 {{
    remove api
    charge api "API" {{
      usage calls
      {TIERS.replace("PRICE", "0.08").replace(chr(10) + "    ", chr(10) + "      ")}
    }}
  }}
"""


def test_an_unused_period_split_by_an_amendment_bills_the_flat_once() -> None:
    lines = priced(SPLIT, APR, {})
    march = of(lines, "usage", MAR)
    # nothing used all March: the first tier's 500.00 once, on the first piece (1-15 March), not 2 x 500.00
    assert march.net == D("500.00")
    assert arithmetic(march) == ["0 x 0.00 + 500.00 (0, 1000], unused bills flat", "0, unused bills flat once a period"]
    assert of(lines, "usage", FEB).net == D("500.00")  # a period in one piece: as before


def test_a_period_with_billable_units_in_one_piece_is_not_unused() -> None:
    lines = priced(SPLIT, APR, {(MID, APR): 1200})
    # 1-15 March nothing; 16-31 March 1 200: 1 000 x 0.00 + 500.00 + 200 x 0.08 = 516.00, and no unused flat
    assert of(lines, "usage", MAR).net == D("516.00")


def test_a_period_a_vat_change_splits_bills_no_unused_flat_when_its_later_line_had_usage() -> None:
    body = SPLIT.replace("\n    }\n  }\n", "\n      vat zero\n    }\n  }\n")
    lines = priced(body, APR, {(MID, APR): 200})
    # 1-15 March nothing (25 % line), 16-31 March 200 calls (0 % line): the period had usage, so the first line
    # bills no unused flat; the second bills its first tier: 200 x 0.00 + 500.00 = 500.00; 500.00 in all, as the
    # same split without the VAT change (not 2 x 500.00)
    assert sorted((ln.tax.category, ln.net) for ln in lines if ln.id.period_start == MAR) == [
        ("standard", D("0.00")),
        ("zero", D("500.00")),
    ]


VAT = """  charge sms "SMS" {
    usage calls
    per_unit 0.50
    included 1_000ROLL
  }
  amendment 1 "Ny mva" signed 2026-03-01 effective 2026-03-16 {
    remove sms
    charge sms "SMS" {
      usage calls
      per_unit 0.50
      included 1_000ROLL
      vat zero
    }
  }
"""


def _march(lines: list[PricedLine], category: str) -> PricedLine:
    (found,) = [ln for ln in lines if ln.id.period_start == MAR and ln.tax.category == category]
    return found


def test_a_vat_change_shares_the_periods_included_units_across_its_lines() -> None:
    lines = priced(VAT.replace("ROLL", ""), APR, {(MAR, MID): 1000, (MID, APR): 1000})
    # 2 000 used in March, 1 000 included for the month: the first 1 000 (1-15 March, 25 %) free, the
    # next 1 000 (16-31 March, zero rate) all billable: 1 000 x 0.50 = 500.00
    assert _march(lines, "standard").net == D("0.00")
    assert _march(lines, "zero").net == D("500.00")
    assert arithmetic(_march(lines, "zero")) == ["1000 used, 0 of 1000 included left: 1000 x 0.50"]


def test_a_vat_change_carries_the_periods_balance_once() -> None:
    usage = {(FEB, MAR): 0, (MAR, MID): 300, (MID, APR): 200, (APR, date(2026, 5, 1)): 2500}
    lines = priced(VAT.replace("ROLL", " rollover max 3_000"), date(2026, 5, 1), usage)
    # January and February use nothing: 1 000 + 1 000 carried into March (under the maximum 3 000).
    # March: 300 + 200 used of its 1 000 included, nothing billed; left 500 included + 2 000 carried = 2 500.
    # April: 2 500 used, 1 000 included + 2 500 carried in: nothing billed.
    assert arithmetic(_march(lines, "zero")) == ["200 used, 700 of 1000 included left, 2000 carried in: 0 x 0.50"]
    april = of(lines, "usage", APR)
    assert arithmetic(april) == ["2500 used, 1000 included, 2500 carried in: 0 x 0.50"]
    assert april.net == D("0.00")


NET = 'metric units "Enheter" { events "unit.net" sum qty negative allowed }'
SMS = """  charge sms "SMS" {
    usage units
    per_unit 0.50
    included 1_000 rollover max 3_000
  }
"""


def test_a_period_below_zero_takes_no_free_units() -> None:
    lines = priced(SMS, MAR, {(JAN, FEB): -500, (FEB, MAR): 2500}, extra=NET)
    # January: -500 is priced as without included units, -500 x 0.50 = -250.00, and 1 000 are left to carry
    # (not 1 500: a refund gives no free units back)
    assert of(lines, "usage", JAN).net == D("-250.00")
    assert arithmetic(of(lines, "usage", JAN)) == ["-500 used, 1000 included: -500 x 0.50"]
    # February: 2 500 - 1 000 included - 1 000 carried = 500 x 0.50 = 250.00
    assert arithmetic(of(lines, "usage", FEB)) == ["2500 used, 1000 included, 1000 carried in: 500 x 0.50"]
    assert of(lines, "usage", FEB).net == D("250.00")


def test_monthly_runs_share_the_free_units_of_a_period_a_vat_change_splits(tmp_path: Path) -> None:
    # A period from the 20th, split on 25 March by a VAT change: its first line is billed on the 25th, its second
    # at the period's end; monthly runs on the 1st bill them in different runs. 2,000 used, 1,000 free in the
    # period: the first line (1,000 on 22 March) is free, the second bills 1,000 x 0.50 = 500.00 at 0 %.
    root = tmp_path / "ws"
    (root / "usage").mkdir(parents=True)
    (root / "avtale.toml").write_text('ledger = "ledger.sqlite"\nusage = "usage"\n', encoding="utf-8")
    body = """  charge sms "SMS" {
    usage calls
    per_unit 0.50
    included 1_000
  }
  amendment 1 "Ny mva" signed 2026-03-01 effective 2026-03-25 {
    remove sms
    charge sms "SMS" {
      usage calls
      per_unit 0.50
      included 1_000
      vat zero
    }
  }"""
    (root / "case.avt").write_text(PRELUDE + contract(body, start="2026-01-20"), encoding="utf-8")
    rows = ["id,contract,event,timestamp"]
    rows += [f"a{i},C-1,api.call,2026-03-22T12:00:00+01:00" for i in range(1_000)]
    rows += [f"b{i},C-1,api.call,2026-04-10T12:00:00+02:00" for i in range(1_000)]
    (root / "usage" / "events.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert run(root, "ledger", "init")[0] == 0
    for as_of in ("2026-04-01", "2026-05-01"):
        code, out, err = run(root, "bill", "--as-of", as_of, "--apply", "--yes")
        assert code == 0, out + err
    with Ledger.open(root / "ledger.sqlite", read_only=True) as ledger:
        billed = [(ln.billing_start, ln.vat_category, ln.net_amount) for ln in ledger.issued_lines() if ln.net_amount]
    assert billed == [(date(2026, 3, 20), "zero", D("500.00"))]
