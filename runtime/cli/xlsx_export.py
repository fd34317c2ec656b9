"""`avtale export xlsx [--out FILE] [--as-of DATE] [--months N] [--force]`: one workbook for accountants and
managers: issued documents, their lines, the schedule ahead and usage totals (docs/spreadsheets.md)."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from datetime import date, datetime, time, timedelta
from pathlib import Path

import click

from compiler import model
from compiler.calendar import add_months
from runtime.cli.bill import ledger_path
from runtime.cli.documents import fail, refuse_unsound
from runtime.cli.options import Context, as_of_option
from runtime.cli.workspace import load_checked
from runtime.ledger.documents import IssuedDocument
from runtime.ledger.errors import LedgerError
from runtime.ledger.store import Ledger
from runtime.loader import Workspace
from runtime.usage import UsageError, UsageSummary, read_usage
from runtime.workbook import (
    document_records,
    invoiced_lines,
    line_records,
    schedule_records,
    usage_records,
    workbook_bytes,
    workbook_sheets,
)
from runtime.workbook.write import WorkbookTooLarge

MAX_MONTHS = 120


def _as_of(text: str | None) -> date:
    return as_of_option(text, fail)


def _months(text: str) -> int:
    if not re.fullmatch(r"[0-9]{1,3}", text) or not 1 <= int(text) <= MAX_MONTHS:  # isdigit() takes `²`
        fail(
            f"--months `{text}` is not a number of months from 1 to {MAX_MONTHS}",
            "give the months of schedule to list, such as --months 12",
        )
    return int(text)


def _target(workspace: Workspace, out: Path | None, as_of: date) -> Path:
    target = out if out is not None else workspace.root / workspace.settings.output / f"avtale-{as_of}.xlsx"
    if target.is_dir():
        fail(f"--out {target} is a folder", f"name a file, such as --out {target / f'avtale-{as_of}.xlsx'}")
    if target.suffix.lower() != ".xlsx":
        fail(
            f"--out {target} does not end in .xlsx",
            f"name the file {target.stem}.xlsx: spreadsheet programs tell how to open a file by its ending",
        )
    return target


def _issued(path: Path) -> list[IssuedDocument]:
    """Every issued document in the ledger at `path`, each checked; none when there is no ledger yet."""
    if not path.exists():
        return []
    try:
        with Ledger.open(path, create=False, read_only=True) as ledger:
            documents = ledger.documents()
    except LedgerError as exc:
        fail(exc.message, exc.help)
    refuse_unsound(documents, "exported")
    return documents


def _usage(workspace: Workspace, checked: model.Workspace) -> UsageSummary:
    """Usage totals as `avtale usage summary` counts them; problems with the files are warnings here."""
    folder = workspace.root / workspace.settings.usage
    try:
        with read_usage(folder, checked.metrics.values(), checked.contracts, relative_to=workspace.root) as usage:
            report = usage.report
            summary = usage.summary()
    except UsageError as exc:
        fail(str(exc), exc.help)
    for problem in report.problems:
        click.echo(problem.render(), err=True)
    if report.blocking:
        click.echo(
            f"warning: the usage sheet counts only the events that could be counted ({report.summary_line()})",
            err=True,
        )
        click.echo("  = help: `avtale usage summary` lists the rows; fix them and export again", err=True)
    return summary


def _write(target: Path, data: bytes, force: bool) -> str:
    """Write `data` to `target` unless a file with other bytes is there (and not --force); how it went."""
    existed = target.exists()
    if existed:
        if target.read_bytes() == data:
            return "unchanged"
        if not force:
            fail(
                f"{target} exists with other content",
                "pass --force to replace it (changes made to it in a spreadsheet are lost), or choose --out",
            )
    # a crash never leaves half a workbook; a name of its own, so that two exports never share one
    partial = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.partial")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(data)
        partial.replace(target)
    except OSError as exc:
        with contextlib.suppress(OSError):  # fails the same way when there was nothing to remove
            partial.unlink(missing_ok=True)
        fail(
            f"cannot write {target}: {exc.strerror or exc}",
            "check that the folder is writable and the file is not open in a spreadsheet program, or pass --out",
        )
    return "replaced" if existed else "wrote"


@click.command("xlsx")
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path),
    help="File to write (default: avtale-<as-of>.xlsx in the `output` folder, out/).",
)
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="The schedule starts on this day (default: today).")
@click.option("--months", "months", metavar="N", default="12", help="Months of schedule from --as-of (default: 12).")
@click.option("--force", is_flag=True, help="Replace an existing file with other content.")
@click.pass_obj
def xlsx_export(ctx: Context, out: Path | None, as_of: str | None, months: str, force: bool) -> None:
    """Issued documents, their lines, the schedule ahead and usage totals as one .xlsx workbook.

    Four sheets, each with a frozen header and a filter: Documents and Lines (credit notes
    negative, so columns sum), Schedule (every line billed from --as-of for --months, with
    its amount where the terms alone fix it) and Usage (totals per contract, metric and
    month). Amounts are numbers and dates are dates. The same ledger, workspace, usage and
    --as-of give the same bytes. An existing file with other content is kept unless --force.
    """
    day = _as_of(as_of)
    count = _months(months)
    workspace, checked = load_checked(ctx)
    target = _target(workspace, out, day)
    ledger = ledger_path(workspace.root, workspace.settings.ledger)
    documents = _issued(ledger)
    summary = _usage(workspace, checked)
    end = add_months(day, count)
    sheets = workbook_sheets(
        document_records(documents),
        line_records(documents),
        schedule_records(checked, day, end, invoiced_lines(documents)),
        usage_records(summary, checked),
    )
    try:
        data = workbook_bytes(sheets, datetime.combine(day, time()), title=f"Avtale as of {day}")
    except WorkbookTooLarge as exc:
        fail(
            str(exc),
            "fewer --months shorten the Schedule sheet; `avtale export csv` writes every issued line, "
            "with no limit on rows",
        )
    how = _write(target, data, force)
    last = end - timedelta(days=1)
    counts = ", ".join(f"{sheet.title} {len(sheet.rows)}" for sheet in sheets)
    click.echo(f"{how} {target}: rows per sheet {counts}; the schedule runs {day} to {last}")
    if not ledger.exists():
        click.echo(f"note: no ledger at {ledger} yet", err=True)
    for sheet in sheets:
        if not sheet.rows:
            click.echo(f"note: the {sheet.title} sheet has its header only: {sheet.empty}", err=True)
