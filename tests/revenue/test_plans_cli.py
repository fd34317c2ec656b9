"""`avtale schedule` shows the revenue plan after the billing schedule, and in `--json`."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from tests.factories.cli import copy_examples
from tests.factories.cli import run_output as run


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return copy_examples(tmp_path / "ws")


def test_schedule_shows_the_revenue_plan(ws: Path) -> None:
    code, output = run(ws, "schedule", "SKT-2025-002", "--from", "2025-08-01", "--to", "2025-12-01")
    assert code == 0, output
    billing, revenue = output.split("Revenue  policy", 1)
    assert "Brukerlisenser" in billing
    assert "IFRS 15" in revenue and "transaction price" in revenue
    assert "SSP from" in revenue and "as consumed" in revenue
    assert "amendment 1" in revenue and "prospective" in revenue
    assert "2025-09" in revenue and "2025-12" not in revenue.split("modification", 1)[1]


def test_schedule_json_has_the_plan(ws: Path) -> None:
    code, output = run(ws, "schedule", "SKT-2025-002", "--json")
    assert code == 0, output
    revenue = json.loads(output)["revenue"]
    assert revenue["policy"] == "ifrs15"
    fixed = [o for o in revenue["obligations"] if o["allocated"] is not None]
    assert sum(Decimal(o["allocated"]) for o in fixed) == Decimal(revenue["transaction_price"])
    for obligation in fixed:
        assert sum(Decimal(m["amount"]) for m in obligation["months"]) == Decimal(obligation["allocated"])
    assert revenue["modifications"][0]["accounting"] == "prospective"
    assert revenue["modifications"][0]["written"] is False


def test_same_bytes_twice(ws: Path) -> None:
    assert run(ws, "schedule", "SKT-2025-002", "--json") == run(ws, "schedule", "SKT-2025-002", "--json")
