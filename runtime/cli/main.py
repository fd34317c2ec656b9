"""`avtale`: contracts and price plans as code."""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path

import click

from runtime.billing.parallel import WorkerFailed, WorkerLost
from runtime.cli.bill import bill
from runtime.cli.check import check
from runtime.cli.close import close
from runtime.cli.diff import diff
from runtime.cli.ehf import ehf
from runtime.cli.ehf_export import ehf_export
from runtime.cli.fmt import fmt
from runtime.cli.history import blame_command, git, log, show
from runtime.cli.importing import import_group
from runtime.cli.init import init
from runtime.cli.invoice import export, invoice
from runtime.cli.ledger import ledger
from runtime.cli.options import Context
from runtime.cli.pdf_export import pdf_export
from runtime.cli.revenue import revenue
from runtime.cli.saft_export import saft_export
from runtime.cli.schedule import schedule
from runtime.cli.send import send
from runtime.cli.usage import usage
from runtime.ledger.errors import LedgerError
from runtime.loader import WorkspaceError
from runtime.usage import UsageError


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="Run `avtale COMMAND --help` for a command's options. Docs: docs/language.md, docs/errors.md.",
)
@click.option(
    "--workspace",
    "-w",
    type=click.Path(file_okay=False, path_type=Path),
    help="The workspace folder (holding avtale.toml). Default: searched upward from the current folder.",
)
@click.option(
    "--color",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="Colour in terminal output.",
)
@click.version_option(package_name="avtale")
@click.pass_context
def cli(ctx: click.Context, workspace: Path | None, color: str) -> None:
    """Avtale checks, formats, schedules and bills contracts written in .avt files.

    \b
    Typical use:
      avtale check                 check the workspace you are in
      avtale check --json          the same, as JSON for editors and CI
      avtale fmt                   rewrite files in canonical form
      avtale fmt --check           fail (exit 1) if any file is not formatted
      avtale init my-company       start a new workspace
      avtale schedule ACME-1       the billing schedule of one contract
      avtale usage summary         usage totals, and what is wrong with the event files
      avtale bill --as-of 2026-07-01           plan a bill run (changes nothing)
      avtale ledger init           create the ledger, once, before the first --apply
      avtale bill --as-of 2026-07-01 --apply   issue it
      avtale ledger verify         check the whole ledger: pages, hash chain, numbers, totals
      avtale diff                  what the uncommitted changes do to terms and money
      avtale log ACME-1            every commit that changed a contract, in words
      avtale invoice explain 10001 why each number on an invoice is what it is
    """
    use_color = color == "always" or (color == "auto" and sys.stdout.isatty() and "NO_COLOR" not in os.environ)
    ctx.obj = Context(workspace=workspace, color=use_color)


cli.add_command(check)
cli.add_command(fmt)
cli.add_command(init)
cli.add_command(schedule)
cli.add_command(bill)
cli.add_command(invoice)
cli.add_command(export)
export.add_command(ehf_export)
export.add_command(pdf_export)
export.add_command(saft_export)
cli.add_command(usage)
cli.add_command(ledger)
cli.add_command(log)
cli.add_command(blame_command)
cli.add_command(show)
cli.add_command(git)
cli.add_command(diff)
cli.add_command(revenue)
cli.add_command(close)
cli.add_command(send)
cli.add_command(ehf)
cli.add_command(import_group)


def _indented(text: str) -> str:
    return "\n".join(f"  | {line}" for line in text.split("\n"))


def main() -> None:
    """Entry point: user mistakes are diagnostics; anything else is reported as a bug, briefly."""
    try:
        cli.main(standalone_mode=True)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except (WorkspaceError, LedgerError, UsageError, WorkerLost) as exc:  # the user's files or machine, not a bug
        click.echo(f"error: {exc}\n  = help: {exc.help}", err=True)
        sys.exit(1)
    except Exception as exc:
        if os.environ.get("AVTALE_DEBUG"):
            traceback.print_exc()
        click.echo(f"error[internal]: {type(exc).__name__}: {exc}", err=True)
        if isinstance(exc, WorkerFailed):  # where it happened, which the parent's traceback cannot show
            click.echo(_indented("the worker's traceback:\n" + exc.worker_traceback.rstrip("\n")), err=True)
        click.echo(
            "  = help: this is a bug in avtale, not in your files; run with AVTALE_DEBUG=1 and report the output",
            err=True,
        )
        sys.exit(70)
