"""`avtale usage summary`: check the usage files and show totals per contract and metric."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from runtime.cli.options import Context
from runtime.cli.workspace import load_checked
from runtime.usage import Problem, UsageError, UsageReport, UsageSummary, read_usage

MONTH_COLUMNS = 12
"""Beyond this many months the table shows only totals (narrow the range with --from/--to)."""

_STYLE = {"error": "red", "warning": "yellow", "note": "cyan"}


def quantity(value: Decimal) -> str:
    return f"{value:,f}".replace(",", " ")


@click.group()
def usage() -> None:
    """Usage events: check the files in the usage folder and see what they add up to."""


@usage.command(short_help="Check the usage files; totals per contract, metric and month.")
@click.option("--json", "as_json", is_flag=True, help="Print the report and totals as JSON.")
@click.option(
    "--from",
    "start",
    type=click.DateTime(["%Y-%m-%d"]),
    metavar="DATE",
    help="First local date included (default: all).",
)
@click.option(
    "--to",
    "end",
    type=click.DateTime(["%Y-%m-%d"]),
    metavar="DATE",
    help="First local date not included (default: all).",
)
@click.pass_obj
def summary(ctx: Context, as_json: bool, start: datetime | None, end: datetime | None) -> None:
    """Check the usage files and total each metric per contract and month.

    Events are read from the folder the `usage` setting names (default usage/),
    dated in Europe/Oslo local time, deduplicated by id. Rows that cannot be
    counted are listed with their file and row. Exit status: 1 when rows were
    rejected (malformed, negative where the metric does not allow it, or for a
    contract the workspace does not have), an id was used for two different
    events, or a total is too large; else 0.
    """
    first = start.date() if start else None
    stop = end.date() if end else None
    if first and stop and stop <= first:
        raise click.BadParameter(f"--to {stop} is not after --from {first}; the range is [from, to)", param_hint="--to")
    workspace, model = load_checked(ctx)
    folder = workspace.root / workspace.settings.usage
    try:
        with read_usage(folder, model.metrics.values(), model.contracts, relative_to=workspace.root) as events:
            report = events.report
            try:
                totals = events.summary(first, stop)
            except UsageError:
                if not as_json:  # the rows named may well be the cause: show them before the error
                    console = _console(ctx.color)
                    for problem in report.problems:
                        _print_problem(console, problem)
                raise
    except UsageError as exc:
        click.echo(f"error: {exc}\n  = help: {exc.help}", err=True)
        sys.exit(1)
    if as_json:
        click.echo(json.dumps(_json(report, totals), indent=2, ensure_ascii=False))
    else:
        _print(report, totals, workspace.settings.usage, ctx.color)
    sys.exit(1 if report.blocking else 0)


def _json(report: UsageReport, totals: UsageSummary) -> dict[str, Any]:
    return {
        "files": list(report.files),
        "rows": report.rows,
        "events": report.events,
        "duplicates": report.duplicates,
        "conflicts": report.conflicts,
        "rejected": report.rejected,
        "unknown_contracts": list(report.unknown_contracts),
        "from": _day(totals.start),
        "to": _day(totals.end),
        "problems": [p.as_json() for p in report.problems],
        "totals": [
            {
                "contract": t.contract,
                "metric": t.metric,
                "month": t.month,
                "events": t.events,
                "total": f"{t.total:f}",
            }
            for t in totals.totals
        ],
    }


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _console(color: bool) -> Console:
    return Console(highlight=False, width=160, color_system="auto" if color else None)


def _print(report: UsageReport, totals: UsageSummary, setting: str, color: bool) -> None:
    console = _console(color)
    for problem in report.problems:
        _print_problem(console, problem)
    if not report.files:
        console.print(f"no usage files in {setting}/ (the `usage` setting in avtale.toml): nothing to total")
    elif totals.totals:
        console.print(_table(totals))
    else:
        console.print("no counted events in this range")
    line = report.summary_line()
    if report.unknown_contracts:
        n = len(report.unknown_contracts)
        line += f" ({n} unknown contract{'s' if n != 1 else ''})"
    console.print(line)


def _print_problem(console: Console, problem: Problem) -> None:
    style = _STYLE[problem.severity]
    # values from the files go through escape(): `[1, 2]` in a row is text, not markup
    # never wrapped: a problem stays one line to read, grep and copy
    console.print(
        f"[bold {style}]{problem.severity}[/]: {escape(problem.location)}: {escape(problem.message)}", soft_wrap=True
    )
    console.print(f"  = [bold green]help[/]: {escape(problem.help)}", soft_wrap=True)
    console.print()


def _table(totals: UsageSummary) -> Table:
    months = totals.months if len(totals.months) <= MONTH_COLUMNS else ()
    table = Table(show_edge=False, header_style="bold")
    table.add_column("contract")
    table.add_column("metric")
    table.add_column("events", justify="right")
    for month in months:
        table.add_column(month, justify="right")
    table.add_column("total" if months else f"total ({len(totals.months)} months)", justify="right")
    rows: dict[tuple[str, str], dict[str | None, str]] = {}
    counts: dict[tuple[str, str], int] = {}
    for total in totals.totals:
        key = (total.contract, total.metric)
        rows.setdefault(key, {})[total.month] = quantity(total.total)
        if total.month is None:
            counts[key] = total.events
    for (contract, metric), cells in rows.items():
        table.add_row(
            escape(contract),
            escape(metric),
            f"{counts[(contract, metric)]:,}".replace(",", " "),
            *(cells.get(month, "–") for month in months),
            cells[None],
        )
    return table
