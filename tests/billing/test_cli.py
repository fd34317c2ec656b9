"""`avtale schedule`, `bill`, `invoice` and `export` on a copy of the example workspace."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from runtime.cli.main import cli
from tests.factories.cli import copy_examples


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return copy_examples(tmp_path / "ws")


def run(root: Path, *args: str) -> tuple[int, str]:
    if "--apply" in args and not (root / "ledger.sqlite").exists():
        initialised = CliRunner().invoke(cli, ["--workspace", str(root), "ledger", "init"])
        assert initialised.exit_code == 0, initialised.output
    result = CliRunner().invoke(cli, ["--workspace", str(root), *args])
    return result.exit_code, result.output


def test_schedule_table_and_json(ws: Path) -> None:
    code, output = run(ws, "schedule", "SKT-2025-002", "--from", "2025-08-01", "--to", "2025-10-01")
    assert code == 0, output
    assert "Brukerlisenser" in output and "amendment 1" in output
    code, output = run(ws, "schedule", "SKT-2025-002", "--to", "2025-06-01", "--json")
    data = json.loads(output)
    assert data["contract"] == "SKT-2025-002"
    assert data["lines"][0]["billing_date"] == "2025-04-01"
    code, output = run(ws, "schedule", "SKT-2025-00")
    assert code == 1 and "did you mean" in output


def test_plan_changes_nothing_and_apply_issues_it(ws: Path) -> None:
    code, plan_text = run(ws, "bill", "--as-of", "2026-07-01")
    assert code == 0, plan_text
    assert "Plan: 11 invoices to issue" in plan_text
    assert not (ws / "ledger.sqlite").exists()
    code, plan_json = run(ws, "bill", "--as-of", "2026-07-01", "--json")
    planned = json.loads(plan_json)
    code, applied_text = run(ws, "bill", "--as-of", "2026-07-01", "--apply")
    assert code == 0 and "Issued: 11 invoices issued" in applied_text
    code, again = run(ws, "bill", "--as-of", "2026-07-01", "--apply", "--json")
    assert json.loads(again)["documents"] == []
    code, listing = run(ws, "invoice", "list")
    assert "250001" in listing and "250011" in listing
    # the plan's totals are what was issued
    code, shown = run(ws, "invoice", "show", "250001")
    gross = planned["documents"][0]["totals"]["gross"]
    assert f"{float(gross):,.2f}".replace(",", " ") in shown


def test_explain_traces_lines_to_their_source(ws: Path) -> None:
    run(ws, "bill", "--as-of", "2026-07-01", "--apply")
    code, output = run(ws, "invoice", "explain", "250002")
    assert code == 0
    assert "from plans/team.avt" in output
    assert "amendment 1" in output
    assert "of storage_gb, priced" in output


def test_export_csv(ws: Path, tmp_path: Path) -> None:
    run(ws, "bill", "--as-of", "2026-07-01", "--apply")
    code, output = run(ws, "export", "csv")
    rows = list(csv.DictReader(io.StringIO(output)))
    assert code == 0 and rows
    assert {r["series"] for r in rows} == {"invoice"}
    assert all(r["net_amount"].count(".") == 1 for r in rows)


def test_unknown_contract_in_usage_stops_the_run(ws: Path) -> None:
    events = ws / "usage" / "events.csv"
    with events.open("a", encoding="utf-8") as handle:
        handle.write("ev-x1,NOPE-1,api.request,2026-03-01T10:00:00+01:00,1,\n")
    code, output = run(ws, "bill", "--as-of", "2026-07-01", "--apply")
    assert code == 1
    assert "NOPE-1" in output and "nothing was issued" in output
    assert not (ws / "ledger.sqlite").exists() or run(ws, "invoice", "list")[1].count("250001") == 0


def test_invoice_commands_without_a_ledger(ws: Path) -> None:
    code, output = run(ws, "invoice", "list")
    assert code == 1 and "nothing has been issued yet" in output


def test_errors_in_the_users_state_are_not_reported_as_bugs(
    ws: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from runtime.cli.main import main
    from runtime.ledger.errors import LedgerError
    from runtime.ledger.store import Ledger

    run(ws, "bill", "--as-of", "2026-02-01", "--apply")

    def damaged(self: Ledger, series: object = None) -> None:
        raise LedgerError("the ledger is damaged", "restore it from a backup")

    monkeypatch.setattr(Ledger, "documents", damaged)
    monkeypatch.setattr("sys.argv", ["avtale", "--workspace", str(ws), "invoice", "list"])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert "error: the ledger is damaged" in err and "= help: restore it from a backup" in err
    assert "internal" not in err


def test_a_missing_index_value_stops_the_whole_run(ws: Path) -> None:
    indices = ws / "catalog" / "indices.avt"
    indices.write_text(indices.read_text(encoding="utf-8").replace("  2025-10 139.1\n", ""), encoding="utf-8")
    code, planned = run(ws, "bill", "--as-of", "2026-07-01")
    assert code == 1
    assert "blocked SKT-2025-002 `platform` from 2026-01-01" in planned
    assert "an apply would issue nothing" in planned
    code, applied = run(ws, "bill", "--as-of", "2026-07-01", "--apply")
    assert code == 1
    assert "nothing issued: some lines cannot be priced or reconciled" in applied
    assert "error: 10 lines due cannot be priced (listed above as blocked); nothing was issued" in applied
    assert "help: add the missing index values" in applied
    assert "Not issued: 11 invoices held back, 0 credit notes, 10 lines blocked" in applied
    code, listing = run(ws, "invoice", "list")
    assert code == 0 and "250001" not in listing  # not even the contracts that could be priced
    code, data = run(ws, "bill", "--as-of", "2026-07-01", "--apply", "--json")
    result = json.loads(data[: data.rindex("}") + 1])
    assert result["applied"] is False and len(result["blocked"]) == 10


def test_a_monthly_plan_from_the_settlements_equals_a_whole_plan(ws: Path) -> None:
    import sqlite3

    run(ws, "bill", "--as-of", "2026-07-01", "--apply")
    db = sqlite3.connect(ws / "ledger.sqlite")
    assert db.execute("SELECT count(*), min(as_of) FROM settlements").fetchone() == (13, "2026-07-01")
    db.close()
    code, incremental = run(ws, "bill", "--as-of", "2026-08-01", "--json")
    db = sqlite3.connect(ws / "ledger.sqlite")
    db.execute("DELETE FROM settlements")
    db.commit()
    db.close()
    code, whole = run(ws, "bill", "--as-of", "2026-08-01", "--json")
    assert code == 0 and json.loads(incremental)["documents"] and incremental == whole
