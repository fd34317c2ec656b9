"""`avtale ehf validate`: exit codes, the output format, malformed XML, where the rules come from."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from runtime.cli.main import cli
from runtime.einvoice.validation import rules_folder
from runtime.loader import read_settings

R041 = "Norwegian organization number MUST be stated in the correct format."


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AVTALE_EINVOICE_RULES", raising=False)


@pytest.fixture
def with_env(monkeypatch: pytest.MonkeyPatch, einvoice_rules: Path) -> None:
    monkeypatch.setenv("AVTALE_EINVOICE_RULES", str(einvoice_rules))


@pytest.fixture
def bad_line(einvoice_examples: Path) -> int:
    """The line of the seller's EndpointID in the Norwegian example, by a plain text search."""
    text = (einvoice_examples / "Norwegian-example-1.xml").read_text(encoding="utf-8")
    (line,) = [n for n, t in enumerate(text.splitlines(), start=1) if '<cbc:EndpointID schemeID="0192">123456785' in t]
    return line


@pytest.fixture
def documents(tmp_path: Path, einvoice_examples: Path) -> dict[str, Path]:
    """A valid invoice, the Norwegian example (one warning), a copy with a bad orgnr check digit, and a file
    that is not well-formed XML (a mismatched end tag on line 3)."""
    source = (einvoice_examples / "Norwegian-example-1.xml").read_bytes()
    good = tmp_path / "good.xml"
    good.write_bytes((einvoice_examples / "base-example.xml").read_bytes())
    norwegian = tmp_path / "norwegian.xml"
    norwegian.write_bytes(source)
    wrong = b'<cbc:EndpointID schemeID="0192">123456785</cbc:EndpointID>'
    assert source.count(wrong) == 1
    bad = tmp_path / "bad.xml"
    bad.write_bytes(source.replace(wrong, wrong.replace(b"123456785", b"123456784")))
    broken = tmp_path / "broken.xml"
    broken.write_bytes(b'<?xml version="1.0"?>\n<Invoice>\n  <ID>1</Id>\n</Invoice>\n')
    return {"good": good, "norwegian": norwegian, "bad": bad, "broken": broken}


def test_a_valid_document_exits_0(with_env: None, documents: dict[str, Path]) -> None:
    code, out, err = run("ehf", "validate", str(documents["good"]))
    assert (code, err) == (0, "")
    assert out == f"{documents['good']}: valid\n1 document: 1 valid, 0 invalid\n"


def test_warnings_are_shown_and_do_not_fail(with_env: None, documents: dict[str, Path]) -> None:
    code, out, _ = run("ehf", "validate", str(documents["norwegian"]))
    assert code == 0
    path = documents["norwegian"]
    assert out.splitlines() == [
        f"{path}:4: warning[UBL-CR-679]: A UBL invoice should not include the ClassifiedTaxCategory/ID schemeID",
        f"{path}: valid (1 warning)",
        "1 document: 1 valid, 0 invalid",
    ]


def test_a_fatal_finding_exits_1_with_file_line_flag_and_rule(
    with_env: None, documents: dict[str, Path], bad_line: int
) -> None:
    code, out, _ = run("ehf", "validate", str(documents["good"]), str(documents["bad"]))
    assert code == 1
    bad = documents["bad"]
    lines = out.splitlines()
    assert f"{bad}:{bad_line}: fatal[PEPPOL-COMMON-R041]: {R041}" in lines
    assert f"{bad}: invalid (1 fatal, 1 warning)" in lines
    assert lines[0] == f"{documents['good']}: valid"
    assert lines[-1] == "2 documents: 1 valid, 1 invalid"


def test_malformed_xml_is_reported_with_its_line(with_env: None, documents: dict[str, Path]) -> None:
    code, out, err = run("ehf", "validate", str(documents["broken"]))
    assert code == 1
    first, verdict, _ = out.splitlines()
    assert first.startswith(f"{documents['broken']}:3: fatal[XML]: ") and "mismatch" in first
    assert "Traceback" not in out + err
    assert verdict == f"{documents['broken']}: invalid (1 fatal)"


def test_json_output(with_env: None, documents: dict[str, Path], bad_line: int) -> None:
    code, out, _ = run("ehf", "validate", "--json", str(documents["bad"]), str(documents["good"]))
    assert code == 1
    report = json.loads(out)
    assert (report["valid"], report["invalid"]) == (1, 1)
    bad, good = report["documents"]
    assert (bad["path"], bad["valid"], good["valid"], good["findings"]) == (str(documents["bad"]), False, True, [])
    fatal = [f for f in bad["findings"] if f["flag"] == "fatal"]
    assert fatal == [
        {
            "rule": "PEPPOL-COMMON-R041",
            "flag": "fatal",
            "line": bad_line,
            "location": fatal[0]["location"],
            "text": R041,
            "source": "peppol",
        }
    ]
    assert fatal[0]["location"].endswith(
        "Q{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}EndpointID[1]"
    )


def test_rules_from_the_option(
    no_env: None, documents: dict[str, Path], einvoice_rules: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No workspace and no environment: --rules alone is enough."""
    monkeypatch.chdir(tmp_path)
    code, out, _ = run("ehf", "validate", "--rules", str(einvoice_rules), str(documents["good"]))
    assert code == 0 and out.endswith("1 valid, 0 invalid\n")


def test_rules_from_the_workspace_setting(
    no_env: None, documents: dict[str, Path], einvoice_rules: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    relative = os.path.relpath(einvoice_rules, workspace)
    (workspace / "avtale.toml").write_text(f'einvoice_rules = "{relative}"\n', encoding="utf-8")
    code, out, _ = run("--workspace", str(workspace), "ehf", "validate", str(documents["bad"]))
    assert code == 1 and "fatal[PEPPOL-COMMON-R041]" in out
    (workspace / "sub").mkdir()
    monkeypatch.chdir(workspace / "sub")
    code, out, _ = run("ehf", "validate", str(documents["good"]))  # the workspace found upward from here
    assert code == 0


def test_no_rules_is_an_error_with_help_not_a_finding(
    no_env: None, documents: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run("ehf", "validate", str(documents["good"]))
    assert code == 2 and out == ""
    assert err.startswith("error: no e-invoice rules folder is set\n  = help: point einvoice_rules at a folder")
    assert "--rules DIR" in err


def test_a_wrong_rules_folder_is_an_error_with_help(no_env: None, documents: dict[str, Path], tmp_path: Path) -> None:
    code, _, err = run("ehf", "validate", "--rules", str(tmp_path / "nope"), str(documents["good"]))
    assert code == 2
    assert f"error: the e-invoice rules folder {tmp_path / 'nope'} does not exist" in err and "help:" in err


def test_the_example_workspace_points_at_the_shared_rules(no_env: None) -> None:
    """contracts_examples/avtale.toml names ../../shared/einvoice: the repository's neighbour `shared/einvoice`."""
    repo = Path(__file__).resolve().parents[2]
    examples = repo / "contracts_examples"
    setting = read_settings(examples)[1].einvoice_rules
    assert rules_folder(setting, examples).resolve() == (repo.parent / "shared" / "einvoice").resolve()


def test_the_installed_command(documents: dict[str, Path], einvoice_rules: Path, bad_line: int) -> None:
    """The real entry point, in a process of its own."""
    avtale = Path(sys.executable).parent / "avtale"
    env = {**os.environ, "AVTALE_EINVOICE_RULES": str(einvoice_rules)}
    done = subprocess.run(
        [str(avtale), "ehf", "validate", str(documents["bad"])], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 1, done.stderr
    assert f"{documents['bad']}:{bad_line}: fatal[PEPPOL-COMMON-R041]: {R041}" in done.stdout.splitlines()


def test_a_wrong_setting_is_named_not_taken_for_no_setting(
    no_env: None, documents: dict[str, Path], tmp_path: Path
) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "avtale.toml").write_text("einvoice_rules = 5\n", encoding="utf-8")
    code, out, err = run("--workspace", str(workspace), "ehf", "validate", str(documents["good"]))
    assert (code, out) == (2, "")
    assert err.startswith(f"error: {workspace / 'avtale.toml'}:1: the setting `einvoice_rules` must be a string\n")
    assert '= help: for example `einvoice_rules = "../shared/einvoice"`' in err
