"""`avtale ehf validate FILE...`: check EHF documents, ours or anyone's, against the official rules."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from runtime.cli.options import Context, workspace_root
from runtime.einvoice.validation import RULES_ENV, Finding, RulesError, Validator, rules_folder
from runtime.loader import find_root, read_settings

_COLOURS = {"fatal": "red", "warning": "yellow"}
EXIT_INVALID = 1
EXIT_CANNOT_VALIDATE = 2


@click.group()
def ehf() -> None:
    """EHF (PEPPOL BIS Billing 3.0) documents: validate them against the official rules."""


def _rules(ctx: Context, given: Path | None) -> Path:
    """--rules, else $AVTALE_EINVOICE_RULES, else the workspace's `einvoice_rules` setting."""
    if given is not None:
        return given
    if os.environ.get(RULES_ENV):  # wins over the workspace, whatever its avtale.toml says
        return rules_folder(None, None)
    root = workspace_root(ctx) if ctx.workspace is not None else find_root(Path.cwd())
    if root is None:
        return rules_folder(None, None)
    _, settings, diagnostics = read_settings(root)
    for problem in diagnostics:  # a wrong value would otherwise read as "not set"
        if problem.is_error and "einvoice_rules" in problem.message:
            raise RulesError(f"{root / 'avtale.toml'}:{problem.span.line}: {problem.message}", problem.help)
    return rules_folder(settings.einvoice_rules, root)


def _line(path: str, finding: Finding, color: bool) -> str:
    where = f"{path}:{finding.line}" if finding.line is not None else path
    flag = click.style(finding.flag, fg=_COLOURS.get(finding.flag), bold=True) if color else finding.flag
    return f"{where}: {flag}[{finding.rule}]: {finding.text}"


def _count(findings: list[Finding], flag: str) -> int:
    return sum(1 for f in findings if f.flag == flag)


def _verdict(findings: list[Finding]) -> str:
    fatal, warnings = _count(findings, "fatal"), _count(findings, "warning")
    counts = [f"{fatal} fatal"] if fatal else []
    counts += [f"{warnings} warning{'s' * (warnings != 1)}"] if warnings else []
    return ("invalid" if fatal else "valid") + (f" ({', '.join(counts)})" if counts else "")


@ehf.command(short_help="Validate EHF invoices and credit notes: XML Schema and the PEPPOL Schematron.")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--rules",
    type=click.Path(file_okay=False, path_type=Path),
    help="The folder holding ubl-2.1/ and peppol-bis-billing-3.0.19/ (default: $AVTALE_EINVOICE_RULES, "
    "else the workspace setting einvoice_rules).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@click.pass_obj
def validate(ctx: Context | None, files: tuple[Path, ...], rules: Path | None, as_json: bool) -> None:
    """Validate each FILE (a UBL Invoice or CreditNote) against the UBL 2.1 XML Schema and both
    Schematron files of PEPPOL BIS Billing 3.0 (EN 16931 and PEPPOL, with the Norwegian rules).

    \b
    Each finding is printed as  FILE:LINE: FLAG[RULE]: TEXT  and each file gets a verdict.
    Exit status: 1 when any file has a fatal finding (or is not well-formed XML), 2 when the
    rules cannot be loaded, else 0. Warnings are shown but do not fail.

    \b
      avtale ehf validate out/*.xml
      avtale ehf validate --rules ../shared/einvoice received/invoice.xml --json
    """
    ctx = ctx or Context(workspace=None, color=False)
    try:
        validator = Validator.load(_rules(ctx, rules))
    except RulesError as exc:
        more = "" if rules is not None else "; or pass --rules DIR"
        click.echo(f"error: {exc}\n  = help: {exc.help}{more}", err=True)
        sys.exit(EXIT_CANNOT_VALIDATE)
    documents: list[tuple[str, bytes]] = []
    for path in files:
        try:
            documents.append((str(path), path.read_bytes()))
        except OSError as exc:
            click.echo(f"error: cannot read {path}: {exc.strerror or exc}", err=True)
            click.echo("  = help: check that the file exists and that you may read it", err=True)
            sys.exit(EXIT_CANNOT_VALIDATE)
    results = validator.validate_many(documents)
    invalid = [name for name, findings in results.items() if any(f.fatal for f in findings)]
    if as_json:
        shown = [
            {
                "path": name,
                "valid": name not in invalid,
                "findings": [
                    {
                        "rule": f.rule,
                        "flag": f.flag,
                        "line": f.line,
                        "location": f.location,
                        "text": f.text,
                        "source": f.source,
                    }
                    for f in findings
                ],
            }
            for name, findings in results.items()
        ]
        report = {"documents": shown, "valid": len(results) - len(invalid), "invalid": len(invalid)}
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        for name, findings in results.items():
            for finding in findings:
                click.echo(_line(name, finding, ctx.color))
            click.echo(f"{name}: {_verdict(findings)}")
        count = len(results)
        click.echo(f"{count} document{'s' * (count != 1)}: {count - len(invalid)} valid, {len(invalid)} invalid")
    sys.exit(EXIT_INVALID if invalid else 0)
