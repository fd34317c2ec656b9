"""Under `revenue_policy invoiced`, a line and the corrections a later bill run issues for it are one line:
what they add up to is revenue over the service period the latest of them bills (docs/revenue.md, "The
invoiced policy"). Worked out by hand, end to end through the command line.

The contract bills 1,000.00 a month quarterly in advance from 1 January 2026; the run of 1 April has billed
January to March (3,000.00 for [1 January, 1 April), 90 days) and April to June. An amendment signed 5 April is
then written into the contract, back-dated, and the run of 10 April corrects the first quarter.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path

from runtime.ledger import Ledger
from tests.factories.cli import bill, run
from tests.factories.workspaces import PRELUDE

D = Decimal
JAN = date(2026, 1, 1)


CONTRACT = """
contract C-1 {{
  customer buyer
  signed 2025-12-15
  start 2026-01-01
  term 12 months
  no renewal
  revenue_policy invoiced
  charge service "Drift" {{
    flat 1_000.00 per month
    billed quarterly in advance
  }}
{amendment}}}
"""


def billed_then_amended(root: Path, amendment: str) -> Path:
    """Billed to 1 April as the contract was signed, then `amendment` added and billed again on 10 April."""
    root.mkdir(parents=True)
    (root / "avtale.toml").write_text("", encoding="utf-8")
    (root / "seller.avt").write_text(PRELUDE, encoding="utf-8")
    (root / "c-1.avt").write_text(CONTRACT.format(amendment=""), encoding="utf-8")
    bill(root, "2026-04-01")
    (root / "c-1.avt").write_text(CONTRACT.format(amendment=amendment), encoding="utf-8")
    code, out, err = run(root, "bill", "--as-of", "2026-04-10", "--apply", "--yes")
    assert code == 0, out + err
    return root


def first_quarter(root: Path) -> dict[str, str]:
    code, out, err = run(
        root, "revenue", "waterfall", "--from", "2026-01", "--to", "2026-03", "--as-of", "2026-12-31", "--csv"
    )
    assert code == 0, out + err
    return {row["month"]: row["amount"] for row in csv.DictReader(io.StringIO(out)) if row["contract"] == "C-1"}


def test_a_back_dated_termination_credits_the_days_it_removes(tmp_path: Path) -> None:
    """Terminated from 15 February: the first quarter is now 1 January to 15 February, 1,500.00 (January
    1,000.00 and 14 of February's 28 days, 500.00), so the run of 10 April credits 1,500.00, and the credit
    line carries the period kept, [1 January, 15 February), 45 days.

    The first quarter's line and its credit are one line of 1,500.00 over those 45 days: January 1,500 x
    31/45 = 1,033.33, February 1,500.00 - 1,033.33 = 466.67, March nothing. (The credit spread over its own
    period made January 1,033.33 - 1,033.33 = 0.00, February 933.34 - 466.67 = 466.67 and March 1,033.33: no
    revenue in the month served and 1,033.33 in a month after the contract ended.)"""
    amendment = """  amendment 1 "Oppsigelse" signed 2026-04-05 effective 2026-02-15 {
    terminate
  }
"""
    root = billed_then_amended(tmp_path / "ws", amendment)
    with Ledger.open(root / "ledger.sqlite", read_only=True) as ledger:
        lines = [line for doc in ledger.documents("credit_note") for line in doc.lines]
    kept = [(line.period_start, line.period_end, line.net_amount) for line in lines if line.billing_start == JAN]
    assert kept == [(JAN, date(2026, 2, 15), D("1500.00"))]  # a credit line shows its amount positive
    assert first_quarter(root) == {"2026-01": "1033.33", "2026-02": "466.67", "2026-03": "0.00"}
    code, out, err = run(root, "revenue", "balances", "--at", "2026-12-31", "--csv")
    assert code == 0, out + err
    (row,) = [row for row in csv.DictReader(io.StringIO(out)) if row["contract"] == "C-1"]
    # billed 3,000.00 + 3,000.00 (April to June, credited whole) - 1,500.00 - 3,000.00 = 1,500.00, all recognised
    assert (row["billed"], row["recognised"], row["liability"], row["asset"]) == ("1500.00", "1500.00", "0.00", "0.00")


def test_a_back_dated_price_rise_is_one_line_to_the_ore(tmp_path: Path) -> None:
    """1,200.00 a month from 15 February: the first quarter is now January 1,000.00, February 14/28 x 1,000.00
    + 14/28 x 1,200.00 = 1,100.00 and March 1,200.00, 3,300.00; the run of 10 April invoices the 300.00 more
    for the same period, [1 January, 1 April).

    One line of 3,300.00 over 90 days: January 3,300 x 31/90 = 1,136.67 (1,136.666...), before March 3,300 x
    59/90 = 2,163.33, so February 1,026.66 and March 1,136.67. (The 3,000.00 and the 300.00 rounded apart gave
    1,033.33 + 103.33 = 1,136.66, 933.34 + 93.34 = 1,026.68 and 1,136.66: an øre off in every month.)"""
    amendment = """  amendment 1 "Ny pris" signed 2026-04-05 effective 2026-02-15 {
    service price 1_200.00
  }
"""
    root = billed_then_amended(tmp_path / "ws", amendment)
    assert first_quarter(root) == {"2026-01": "1136.67", "2026-02": "1026.66", "2026-03": "1136.67"}
