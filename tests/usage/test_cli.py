"""`avtale usage summary`: the report, the table, JSON, and exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from runtime.cli.options import Context
from runtime.cli.usage import usage

EXAMPLES = Path(__file__).parents[2] / "contracts_examples"


def run(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(usage, ["summary", *args], obj=Context(workspace=root, color=False))
    return result.exit_code, result.output


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    shutil.copytree(EXAMPLES, root, ignore=shutil.ignore_patterns(".avtale"))
    return root


def test_the_example_workspace_adds_up(workspace: Path) -> None:
    code, output = run(workspace)
    assert code == 0, output
    lines = output.splitlines()
    assert lines[-1] == "477 events in 1 file, 1 duplicate dropped, 0 rejected"
    header = next(line for line in lines if "contract" in line and "metric" in line)
    assert [c.strip() for c in header.split("┃")] == [
        "contract",
        "metric",
        "events",
        "2026-01",
        "2026-02",
        "2026-03",
        "2026-04",
        "2026-05",
        "2026-06",
        "total",
    ]
    row = next(line for line in lines if "SKT-2025-005" in line and "payment_volume" in line)
    assert [c.strip() for c in row.split("│")][-1] == "9 081 991.4"
    storage = next(line for line in lines if "SKT-2025-002" in line and "storage_gb" in line)
    assert [c.strip() for c in storage.split("│")][2:] == ["24", "84", "88", "90", "99", "103", "114", "114"]


def test_json_is_complete_and_deterministic(workspace: Path) -> None:
    code, first = run(workspace, "--json")
    assert code == 0
    assert run(workspace, "--json")[1] == first
    data = json.loads(first)
    assert (data["rows"], data["events"], data["duplicates"], data["conflicts"], data["rejected"]) == (
        477,
        476,
        1,
        0,
        0,
    )
    assert data["files"] == ["usage/events.csv"] and data["problems"] == []
    totals = {(t["contract"], t["metric"], t["month"]): t for t in data["totals"]}
    assert totals[("SKT-2025-005", "payment_volume", None)]["total"] == "9081991.4"
    january = totals[("SKT-2025-005", "payment_volume", "2026-01")]
    assert (january["events"], january["total"]) == (7, "1973912.9")  # 382005 + 199479 + ... + 395436.50


def test_a_date_range_limits_the_months(workspace: Path) -> None:
    code, output = run(workspace, "--json", "--from", "2026-02-01", "--to", "2026-04-01")
    assert code == 0
    data = json.loads(output)
    assert (data["from"], data["to"]) == ("2026-02-01", "2026-04-01")
    assert {t["month"] for t in data["totals"]} == {"2026-02", "2026-03", None}
    code, output = run(workspace, "--from", "2026-04-01", "--to", "2026-04-01")
    assert code == 2 and "is not after --from" in output


def test_bad_rows_and_unknown_contracts_are_listed_and_exit_1(workspace: Path) -> None:
    with (workspace / "usage" / "events.csv").open("a", encoding="utf-8") as handle:
        handle.write("bad-1,SKT-2025-001,sms.sent,2026-03-01 10:00,1,\n")
        handle.write("bad-2,SKT-2099-001,sms.sent,2026-03-01T10:00:00Z,1,\n")
    code, output = run(workspace)
    assert code == 1
    assert (
        "error: usage/events.csv row 478, column `timestamp`: timestamp `2026-03-01 10:00` has no UTC offset" in output
    )
    assert (
        "error: usage/events.csv row 479, column `contract`: contract `SKT-2099-001` is not in the workspace" in output
    )
    assert output.splitlines()[-1] == "479 events in 1 file, 1 duplicate dropped, 2 rejected (1 unknown contract)"
    data = json.loads(run(workspace, "--json")[1])
    assert data["unknown_contracts"] == ["SKT-2099-001"]
    assert [p["kind"] for p in data["problems"]] == ["malformed", "unknown_contract"]


def test_no_usage_folder_is_no_usage(workspace: Path) -> None:
    shutil.rmtree(workspace / "usage")
    code, output = run(workspace)
    assert code == 0
    assert "no usage files in usage/" in output
    assert output.splitlines()[-1] == "0 events in 0 files, 0 duplicates dropped, 0 rejected"


def test_a_workspace_with_errors_is_not_metered(workspace: Path) -> None:
    metrics = workspace / "catalog" / "metrics.avt"
    metrics.write_text(metrics.read_text(encoding="utf-8").replace("count }", "cuont }", 1), encoding="utf-8")
    code, output = run(workspace)
    assert code == 1
    assert "avtale check" in output


def test_values_from_the_files_are_printed_as_they_are(workspace: Path) -> None:
    with (workspace / "usage" / "events.csv").open("a", encoding="utf-8") as handle:
        handle.write("bad-1,SKT-2025-001,sms.sent,[bold]not a time[/bold],1,\n")
    code, output = run(workspace)
    assert code == 1
    assert "timestamp `[bold]not a time[/bold]` is not an ISO 8601 date and time" in output
