"""`avtale`: contracts and price plans as code."""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path

import click

from runtime.cli.lazy import LazyGroup
from runtime.cli.options import Context

COMMANDS = {
    "check": "runtime.cli.check:check",
    "fmt": "runtime.cli.fmt:fmt",
    "init": "runtime.cli.init:init",
    "schedule": "runtime.cli.schedule:schedule",
    "bill": "runtime.cli.bill:bill",
    "invoice": "runtime.cli.invoice:invoice",
    "export": "runtime.cli.invoice:export",
    "usage": "runtime.cli.usage:usage",
    "ledger": "runtime.cli.ledger:ledger",
    "log": "runtime.cli.history:log",
    "blame": "runtime.cli.history:blame_command",
    "show": "runtime.cli.history:show",
    "git": "runtime.cli.history:git",
    "diff": "runtime.cli.diff:diff",
    "revenue": "runtime.cli.revenue:revenue",
    "close": "runtime.cli.close:close",
    "send": "runtime.cli.send:send",
    "ehf": "runtime.cli.ehf:ehf",
    "import": "runtime.cli.importing:import_group",
    "lsp": "runtime.cli.lsp:lsp",
    "advise": "runtime.cli.advise:advise",
}
"""Every command, imported when used (runtime/cli/lazy.py)."""


@click.group(
    cls=LazyGroup,
    lazy=COMMANDS,
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
      avtale init my-company --from-spreadsheet kunder.xlsx --billed-through 2026-02-28
                                   start one from the spreadsheets you keep, after the old billing
      avtale import contracts avtaler.xlsx     add contracts from a spreadsheet
      avtale schedule ACME-1       the billing schedule of one contract
      avtale usage summary         usage totals, and what is wrong with the event files
      avtale bill --as-of 2026-07-01           plan a bill run (changes nothing)
      avtale ledger init           create the ledger, once, before the first --apply
      avtale bill --as-of 2026-07-01 --apply   issue it
      avtale ledger verify         check the whole ledger: pages, hash chain, numbers, totals
      avtale diff                  what the uncommitted changes do to terms and money
      avtale log ACME-1            every commit that changed a contract, in words
      avtale invoice explain 10001 why each number on an invoice is what it is
      avtale export xlsx           documents, lines, the schedule ahead and usage, as one workbook
      avtale advise ACME-1         what the last 12 months would have cost on each plan offered now
      avtale lsp                   the language server your editor starts (docs/editor.md)
    """
    use_color = color == "always" or (color == "auto" and sys.stdout.isatty() and "NO_COLOR" not in os.environ)
    ctx.obj = Context(workspace=workspace, color=use_color)


def _is(exc: BaseException, module: str, *names: str) -> bool:
    """Whether `exc` is one of the named classes of `module`; never imports it: an exception of a module that
    was not imported cannot have been raised (and commands are imported lazily)."""
    found = sys.modules.get(module)
    return found is not None and isinstance(exc, tuple(getattr(found, name) for name in names))


def _user_error(exc: BaseException) -> bool:
    return (
        _is(exc, "runtime.loader", "WorkspaceError")
        or _is(exc, "runtime.ledger.errors", "LedgerError")
        or _is(exc, "runtime.usage", "UsageError")
        or _is(exc, "runtime.billing.parallel", "WorkerLost")
    )


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
    except Exception as exc:
        if _user_error(exc):  # the user's files or machine, not a bug
            click.echo(f"error: {exc}\n  = help: {getattr(exc, 'help', '')}", err=True)
            sys.exit(1)
        if os.environ.get("AVTALE_DEBUG"):
            traceback.print_exc()
        click.echo(f"error[internal]: {type(exc).__name__}: {exc}", err=True)
        if _is(exc, "runtime.billing.parallel", "WorkerFailed"):  # where it happened: the parent's traceback cannot say
            worker = str(getattr(exc, "worker_traceback", ""))
            click.echo(_indented("the worker's traceback:\n" + worker.rstrip("\n")), err=True)
        click.echo(
            "  = help: this is a bug in avtale, not in your files; run with AVTALE_DEBUG=1 and report the output",
            err=True,
        )
        sys.exit(70)
