"""`avtale diff [REV] [REV]`: what changed in the terms, and what it does to billing and revenue."""

from __future__ import annotations

import sys
from datetime import date
from typing import Any, NoReturn

import click

from runtime.cli.options import Context, as_of_option, workspace_root
from runtime.history.diff import diff as build_diff
from runtime.history.diff import render_json, render_text
from runtime.history.git import HistoryError

NO_CHANGES, CHANGES, FAILED = 0, 2, 1
USAGE_HELP = "avtale diff [REV] [REV] [--months N] [--as-of YYYY-MM-DD] [--json]; `avtale diff --help` explains them"


def _fail(message: str, help: str) -> NoReturn:
    click.echo(f"error: {message}\n  = help: {help}", err=True)
    sys.exit(FAILED)


class _DiffCommand(click.Command):
    """Mistakes on the command line exit 1 like every other error, since 2 means "changes found"."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            _fail(exc.format_message(), USAGE_HELP)


def _as_of(value: str | None) -> date:
    return as_of_option(value, _fail)


def _months(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 1200:
        _fail(f"`{value}` is not a number of months", "give --months a whole number from 1 to 1200, such as 12")
    return int(value)


@click.command(cls=_DiffCommand)
@click.argument("revs", nargs=-1, metavar="[REV] [REV]")
@click.option(
    "--months", "months", default="12", metavar="N", show_default=True, help="Months of billing and revenue compared."
)
@click.option(
    "--as-of", "as_of", metavar="YYYY-MM-DD", help="The horizon starts at this date's month (default: today)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the same report as JSON.")
@click.pass_obj
def diff(ctx: Context, revs: tuple[str, ...], months: str, as_of: str | None, as_json: bool) -> Any:
    """Show what changed between two revisions of the workspace: each contract, plan version,
    customer, metric, index and the seller that changed, what changed in its terms, and what it
    does to billing and revenue month by month.

    \b
      avtale diff                  HEAD against the working tree
      avtale diff REV              REV against the working tree
      avtale diff OLD NEW          two revisions (commits, branches, tags)

    Only contracts whose inputs changed are lowered and priced on both sides, with the bill run's
    own rules, and their revenue plans made; usage is not priced (its months are marked `depends
    on usage`). With a ledger, months whose changed lines were already invoiced are flagged (the
    next bill run corrects them), and so are months closed for revenue whose revenue changes (a
    catch-up in the first open month; revenue is compared up to it, also past the horizon).
    Exit status: 0 no change, 2 changes, 1 error.
    """
    horizon = _months(months)
    day = _as_of(as_of)
    try:
        root = workspace_root(ctx)
    except click.UsageError as exc:
        _fail(exc.format_message(), "run avtale inside a workspace, or pass --workspace DIR")
    try:
        report, warnings = build_diff(root, revs, day, horizon)
    except HistoryError as exc:
        _fail(str(exc), exc.help)
    for warning in warnings:
        click.echo(warning, err=True)
    click.echo(render_json(report) if as_json else render_text(report), nl=False)
    sys.exit(CHANGES if report.changed else NO_CHANGES)
