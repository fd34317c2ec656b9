"""End to end: a time-weighted storage metric priced per GB-month and a card charge priced per event,
metered from a usage file and billed by `avtale bill`, every amount worked out by hand."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.factories.cli import run
from tests.factories.workspaces import PRELUDE

D = Decimal
METRICS = """
metric storage "Lagring (GB)" { events "storage.level"  time_weighted gb }

metric payments "Betalinger" { events "payment.captured"  sum amount }
"""
CONTRACT = """
contract C-1 {
  customer buyer
  signed 2026-01-01
  start 2026-01-01
  term 12 months
  charge storage "Lagring" {
    usage storage
    per_unit 0.25
    billed monthly in arrears
  }
  charge card "Kortbetaling" {
    usage payments
    percentage 1.4% + 2.00 per event min 3.00 per event max 50.00 per event
    billed monthly in arrears
  }
}
"""
EVENTS = """id,contract,event,timestamp,gb,amount
s1,C-1,storage.level,2025-12-20T09:00:00+01:00,1000,
s2,C-1,storage.level,2026-01-11T00:00:00+01:00,4100,
p1,C-1,payment.captured,2026-01-05T10:00:00+01:00,,100.00
p2,C-1,payment.captured,2026-01-06T10:00:00+01:00,,10.00
p3,C-1,payment.captured,2026-01-31T23:30:00+01:00,,10000.00
p4,C-1,payment.captured,2026-01-31T23:30:00Z,,500.00
"""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "avtale.toml").write_text("", encoding="utf-8")
    (tmp_path / "prelude.avt").write_text(PRELUDE + METRICS, encoding="utf-8")
    (tmp_path / "case.avt").write_text(CONTRACT, encoding="utf-8")
    (tmp_path / "usage").mkdir()
    (tmp_path / "usage" / "events.csv").write_text(EVENTS, encoding="utf-8")
    code, out, err = run(tmp_path, "ledger", "init")
    assert code == 0, out + err
    return tmp_path


def lines(document: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    return [
        (ln["charge"], ln["period_start"], ln["quantity"], ln["unit_price"], ln["net_amount"])
        for ln in document["lines"]
    ]


def test_storage_by_gb_month_and_card_fees_per_event(root: Path) -> None:
    code, out, err = run(root, "bill", "--as-of", "2026-03-01", "--apply", "--json")
    assert code == 0, out + err
    (invoice,) = json.loads(out)["documents"]  # one invoice for both months
    # January's storage: 1 000 GB carried in from December for 10 days, 4 100 GB for 21 days:
    #   (1 000 x 10 + 4 100 x 21) / 31 = 96 100 / 31 = 3 100 GB-months, x 0.25 = 775.00
    # January's card: 100.00 -> 1.40 + 2.00 = 3.40; 10.00 -> 0.14 + 2.00 = 2.14, raised to 3.00;
    #   10 000.00 -> 140.00 + 2.00 = 142.00, capped at 50.00: 56.40 (p4 is 00:30 on 1 February in Oslo)
    # February: 4 100 GB all month, x 0.25 = 1 025.00; p4: 500.00 -> 7.00 + 2.00 = 9.00
    assert lines(invoice) == [
        ("card", "2026-01-01", "1", "56.40", "56.40"),
        ("storage", "2026-01-01", "3100", "0.25", "775.00"),
        ("card", "2026-02-01", "1", "9.00", "9.00"),
        ("storage", "2026-02-01", "4100", "0.25", "1025.00"),
    ]
    code, out, err = run(root, "bill", "--as-of", "2026-03-01", "--json")
    assert code == 0 and json.loads(out)["documents"] == [], out + err  # all billed


def test_the_plan_shows_the_arithmetic_and_the_totals(root: Path) -> None:
    code, out, err = run(root, "bill", "--as-of", "2026-02-01")
    assert code == 0, out + err
    # 56.40 + 775.00 = 831.40; VAT 25% = 207.85; 1 039.25 in all
    assert "net 831.40  VAT 25% of 831.40: 207.85  total 1 039.25 NOK" in out
    code, out, err = run(root, "bill", "--as-of", "2026-02-01", "--json")
    usage = {u["metric"]: u for ln in json.loads(out)["documents"][0]["lines"] for u in ln["provenance"]["usage"]}
    # 100.00 + 10.00 + 10 000.00 = 10 110 in all
    assert usage["payments"]["arithmetic"] == "per event (1.4% + 2.00, min 3.00, max 50.00) on 10110 in all: 56.4"
    storage = (usage["storage"]["total"], usage["storage"]["arithmetic"])
    assert storage == ("3100", "level 3100 x 1 month = 3100: 3100 x 0.25")
