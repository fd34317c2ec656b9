"""The `avtale` command line: exit codes, output forms, workspace discovery."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from runtime.cli.main import cli

EXAMPLES = Path(__file__).parent.parent / "contracts_examples"


def run(*args: str, cwd: Path | None = None) -> tuple[int, str]:
    runner = CliRunner()
    if cwd is None:
        result = runner.invoke(cli, list(args))
    else:
        with runner.isolated_filesystem(temp_dir=cwd.parent):
            import os

            os.chdir(cwd)
            result = runner.invoke(cli, list(args))
    return result.exit_code, result.output


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    code, output = run("init", str(root))
    assert code == 0, output
    return root


def test_init_creates_a_workspace_that_checks_clean(workspace: Path) -> None:
    code, output = run("--workspace", str(workspace), "check")
    assert code == 0, output
    assert output.strip().endswith("no problems")
    code, output = run("fmt", "--check", str(workspace))
    assert code == 0, output


def test_init_refuses_an_existing_workspace(workspace: Path) -> None:
    code, output = run("init", str(workspace))
    assert code == 1 and "already a workspace" in output


def test_check_reports_errors_with_exit_1(workspace: Path) -> None:
    contract = workspace / "contracts" / "first-customer.avt"
    contract.write_text(contract.read_text().replace("customer first_customer", "customer first_custmer"))
    code, output = run("check", str(workspace))
    assert code == 1
    assert "error[E0302]: unknown customer `first_custmer`" in output
    assert "did you mean `first_customer`?" in output
    assert "1 error" in output


def test_warnings_do_not_fail(workspace: Path) -> None:
    (workspace / "empty.avt").write_text("")
    code, output = run("check", str(workspace))
    assert code == 0 and "warning[W0101]" in output


def test_json_output(workspace: Path) -> None:
    (workspace / "broken.avt").write_text('customer x {\n  name "X"\n')
    code, output = run("check", "--json", str(workspace))
    assert code == 1
    data = json.loads(output)
    (first,) = [d for d in data["diagnostics"] if d["severity"] == "error"]
    assert first["code"] == "E0107"
    assert first["span"] == {"file": "broken.avt", "line": 1, "column": 12, "end_line": 1, "end_column": 13}
    assert first["help"]
    assert data["summary"]["errors"] == 1


def test_paths_limit_the_report(workspace: Path) -> None:
    (workspace / "a.avt").write_text('customer a {\n  name "A"\n}\n')
    (workspace / "b.avt").write_text('customer b {\n  name "B"\n}\n')
    code, output = run("check", str(workspace / "a.avt"))
    assert code == 1 and "a.avt" in output and "b.avt" not in output


def test_verbose_shows_plan_versions(workspace: Path) -> None:
    code, output = run("check", "-v", str(workspace))
    assert code == 0
    assert "note[N0301]: contract `FIRST-2026-001` follows plan `standard` version 2026-01-01" in output


def test_unchanged_workspace_is_served_from_cache(workspace: Path) -> None:
    first = run("check", str(workspace))
    assert not (workspace / ".avtale").exists()  # caches live in the user's cache folder
    assert run("check", str(workspace)) == first
    (workspace / "customers.avt").write_text("customer broken {\n")
    code, output = run("check", str(workspace))
    assert code == 1 and "E0107" in output


def test_fmt_rewrites_and_check_mode_fails(workspace: Path) -> None:
    messy = workspace / "messy.avt"
    messy.write_text('customer m { name "M"  orgnr "999906087" }\n')
    code, output = run("fmt", "--check", str(workspace))
    assert code == 1 and "would reformat" in output
    assert messy.read_text() == 'customer m { name "M"  orgnr "999906087" }\n'
    code, output = run("fmt", str(workspace))
    assert code == 0 and "reformatted" in output
    assert messy.read_text() == 'customer m {\n  name "M"\n  orgnr "999906087"\n}\n'
    assert run("fmt", "--check", str(workspace))[0] == 0


def test_fmt_leaves_broken_files_alone(workspace: Path) -> None:
    broken = workspace / "broken.avt"
    broken.write_text("customer b {\n")
    code, output = run("fmt", str(broken))
    assert code == 1 and "E0107" in output
    assert broken.read_text() == "customer b {\n"


def test_missing_workspace_is_a_usage_error(tmp_path: Path) -> None:
    code, output = run("--workspace", str(tmp_path), "check")
    assert code == 2 and "no avtale.toml" in output


def test_bad_settings_are_diagnostics(workspace: Path) -> None:
    (workspace / "avtale.toml").write_text("jobs = [\n")
    code, output = run("check", str(workspace))
    assert code == 1 and "E0703" in output


def test_help_is_worth_reading() -> None:
    code, output = run("--help")
    assert code == 0
    for command in ("check", "fmt", "init"):
        assert command in output
    code, output = run("check", "--help")
    assert "Exit status" in output


def test_examples_check_clean(tmp_path: Path) -> None:
    copy = tmp_path / "examples"
    shutil.copytree(EXAMPLES, copy, ignore=shutil.ignore_patterns(".avtale"))
    code, output = run("check", str(copy))
    assert code == 0, output
    assert output.strip().endswith("no problems")
    assert run("fmt", "--check", str(copy))[0] == 0


def test_a_schedule_range_that_ends_before_it_starts_is_a_mistake() -> None:
    code, out = run(
        "--workspace", str(EXAMPLES), "schedule", "SKT-2026-009", "--from", "2026-08-01", "--to", "2026-02-01"
    )
    assert code == 1
    assert "error: --to 2026-02-01 is not after --from 2026-08-01: nothing to show" in out
    assert "= help: give --from the first day to show and --to the day after the last" in out
