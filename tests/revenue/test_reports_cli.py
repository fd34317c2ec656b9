"""The revenue reports and `avtale close` end to end: the real engine on a billed copy of the example workspace.

Oracles: the same workspace with no month closed (what the engine says), `avtale export csv` (what
was billed), and the reconciliation identities; never the report code itself.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from tests.factories.cli import copy_examples, run

D = Decimal
AMENDMENT = """
  amendment 1 "Ny lisenspris" signed 2026-06-10 effective 2026-02-01 {
    licence price 30_000.00
    accounting catch_up
  }
}
"""


def ok(root: Path, *args: str) -> str:
    code, out, err = run(root, *args)
    assert code == 0, out + err
    return out


@pytest.fixture(scope="module")
def billed_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The examples with everything due by 1 June 2026 issued (so May is billed and may be closed)."""
    root = copy_examples(tmp_path_factory.mktemp("reports") / "ws")
    ok(root, "ledger", "init")
    ok(root, "bill", "--as-of", "2026-06-01", "--apply")
    return root


@pytest.fixture
def ws(billed_once: Path, tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    shutil.copytree(billed_once, root)
    return root


def amend(root: Path) -> None:
    """A back-dated amendment signed in June: SKT-2026-007's licence costs more from 1 February."""
    path = root / "contracts" / "SKT-2026-007-fjallstugan.avt"
    text = path.read_text(encoding="utf-8").rstrip()
    assert text.endswith("}")
    path.write_text(text[:-1].rstrip() + "\n" + AMENDMENT, encoding="utf-8")


def waterfall(root: Path) -> dict[tuple[str, str, str], tuple[Decimal, Decimal]]:
    out = ok(root, "revenue", "waterfall", "--from", "2025-01", "--to", "2026-07", "--as-of", "2026-06-30", "--csv")
    return {
        (row["month"], row["contract"], row["obligation"]): (D(row["amount"]), D(row["catch_up"]))
        for row in csv.DictReader(io.StringIO(out))
    }


def test_close_then_back_dated_amendment_end_to_end(ws: Path, tmp_path: Path) -> None:
    unclosed = tmp_path / "unclosed"
    shutil.copytree(ws, unclosed)
    out = ok(ws, "close", "2026-05", "--as-of", "2026-06-02", "--with-earlier")
    assert out.startswith("Closed 2025-02: ") and "Closed 2026-05: " in out
    before = waterfall(ws)

    amend(ws)
    amend(unclosed)
    after = waterfall(ws)
    engine = waterfall(unclosed)  # what the engine says now, with nothing closed

    closed_months = {month for month, _, _ in before if month <= "2026-05"}
    for key, value in before.items():
        if key[0] in closed_months:
            assert after.get(key) == value, key  # a closed month never changes
    licence = [(m, engine[m, c, o][0]) for m, c, o in engine if (c, o) == ("SKT-2026-007", "licence")]
    changed = sum((a for m, a in licence if m <= "2026-05"), D(0)) - sum(
        (before[m, c, o][0] for m, c, o in before if (c, o) == ("SKT-2026-007", "licence") and m <= "2026-05"), D(0)
    )
    assert changed > 0
    june = after["2026-06", "SKT-2026-007", "licence"]
    assert june == (engine["2026-06", "SKT-2026-007", "licence"][0] + changed, changed)
    # Over all months, the catch-ups move revenue without adding or losing any.
    for contract, obligation in {(c, o) for _, c, o in engine}:
        assert sum((v[0] for (_, c, o), v in after.items() if (c, o) == (contract, obligation)), D(0)) == sum(
            (v[0] for (_, c, o), v in engine.items() if (c, o) == (contract, obligation)), D(0)
        )

    out = ok(ws, "revenue", "waterfall", "--from", "2026-06", "--to", "2026-06", "--as-of", "2026-06-30", "--json")
    catch_ups = json.loads(out)["catch_ups"]
    reasons = [c["reason"] for c in catch_ups if (c["contract"], c["obligation"]) == ("SKT-2026-007", "licence")]
    assert len(reasons) == 1 and "2026-02 +" in reasons[0] and "posted in 2026-06" in reasons[0]


def billed_by_month(root: Path) -> dict[str, Decimal]:
    """Net billed per issue month, from the issued lines (credit notes negative there)."""
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for row in csv.DictReader(io.StringIO(ok(root, "export", "csv"))):
        sums[row["issue_date"][:7]] += D(row["net_amount"])
    return sums


def test_rollforward_and_balances_reconcile(ws: Path) -> None:
    out = ok(ws, "revenue", "rollforward", "--from", "2025-01", "--to", "2026-06", "--as-of", "2026-06-30", "--json")
    rows = json.loads(out)["rows"]
    assert [r["month"] for r in rows] == [f"2025-{m:02d}" for m in range(1, 13)] + [
        f"2026-{m:02d}" for m in range(1, 7)
    ]
    billed = billed_by_month(ws)
    previous = None
    for row in rows:
        n = {k: D(v) for k, v in row.items() if k not in ("month", "currency")}
        assert n["deferred_opening"] + n["deferred_billed"] - n["deferred_recognised"] == n["deferred_closing"]
        assert n["asset_opening"] + n["asset_recognised"] - n["asset_billed"] == n["asset_closing"]
        assert n["billed"] == billed.get(row["month"], D(0))
        if previous is not None:
            assert (n["deferred_opening"], n["asset_opening"]) == (
                previous["deferred_closing"],
                previous["asset_closing"],
            )
        previous = n
    assert previous is not None and previous["billed"] > 0 and previous["deferred_closing"] > 0

    balances = json.loads(ok(ws, "revenue", "balances", "--at", "2026-06-30", "--json"))
    (total,) = balances["totals"]
    assert (D(total["liability"]), D(total["asset"])) == (previous["deferred_closing"], previous["asset_closing"])
    for row in balances["rows"]:
        assert D(row["billed"]) - D(row["recognised"]) == D(row["liability"]) - D(row["asset"])
    assert D(total["billed"]) == sum(billed.values(), D(0))


def test_the_remaining_schedule_is_what_the_waterfall_schedules(ws: Path) -> None:
    """Remaining obligations at 30 June within 12 months are July 2026 to June 2027 in the waterfall."""
    balances = json.loads(ok(ws, "revenue", "balances", "--at", "2026-06-30", "--json"))
    out = ok(ws, "revenue", "waterfall", "--from", "2026-07", "--to", "2027-06", "--as-of", "2026-06-30", "--json")
    report = json.loads(out)
    assert {m["status"] for m in report["months"]} == {"scheduled"}
    assert balances["totals"][0]["within_12_months"] == report["totals"][0]["total"]


def test_reports_are_deterministic_and_plain(ws: Path) -> None:
    args = ("revenue", "waterfall", "--from", "2026-01", "--to", "2026-12", "--as-of", "2026-06-30")
    assert ok(ws, *args, "--json") == ok(ws, *args, "--json")
    text = ok(ws, *args)
    assert "2026-07 ›" in text and "total NOK" in text and "holds a catch-up" in text
    assert ok(ws, "revenue", "rollforward", "--as-of", "2026-06-30", "--csv").startswith(
        "month,currency,deferred_opening"
    )


def test_reports_without_a_ledger(tmp_path: Path) -> None:
    root = copy_examples(tmp_path / "ws")
    rows = json.loads(ok(root, "revenue", "balances", "--at", "2026-03-31", "--json"))["rows"]
    assert rows and all(r["billed"] == "0.00" for r in rows)
    assert ok(root, "close", "--list") == "No month is closed yet: `avtale close YYYY-MM` closes one.\n"


def test_the_journal_is_part_of_the_group(ws: Path) -> None:
    assert "journal" in ok(ws, "revenue", "--help")
