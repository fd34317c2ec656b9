"""`avtale advise CONTRACT` / `advise --all`: what the customer's actual usage and quantities would have cost
under each plan version offered now, and under the contract's own terms (docs/advise.md)."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from datetime import date
from fractions import Fraction
from typing import Any, NoReturn

import click
from rich.console import Console
from rich.table import Table

from compiler import model
from compiler.money import round_exact
from compiler.names import did_you_mean
from runtime.advise import (
    Advice,
    Window,
    advice_json,
    conclude,
    months_in_force,
    months_text,
    prepare,
    ranked,
    saving,
    summary_json,
    window_before,
    window_json,
)
from runtime.cli.options import Context, as_of_option
from runtime.cli.schedule import money
from runtime.cli.workspace import load_checked
from runtime.loader import Workspace
from runtime.usage import Usage, UsageError, read_usage

MISTAKE = 2
"""A mistake on the command line, as click reports its own."""
MAX_MONTHS = 120
USAGE_HELP = "avtale advise CONTRACT [--months N] [--as-of YYYY-MM-DD] [--json], or avtale advise --all [--top N]"


def _mistake(message: str, help: str) -> NoReturn:
    click.echo(f"error: {message}\n  = help: {help}", err=True)
    sys.exit(MISTAKE)


class _AdviseCommand(click.Command):
    """Click's own mistakes (an unknown option, a missing value) in the same `error:`/`help:` form."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            _mistake(exc.format_message(), USAGE_HELP)


def _count(text: str, option: str, most: int, example: str) -> int:
    if not re.fullmatch(r"[0-9]{1,4}", text) or not 1 <= int(text) <= most:  # isdigit() takes `²`
        _mistake(f"{option} `{text}` is not a whole number from 1 to {most}", f"give it as {option} {example}")
    return int(text)


def _as_of(text: str | None) -> date:
    return as_of_option(text, _mistake, "2026-11-01")


def _usage(workspace: Workspace, checked: model.Workspace) -> Usage:
    """The checked usage events; problems are printed, and usage that cannot all be counted stops the advice."""
    folder = workspace.root / workspace.settings.usage
    try:
        usage = read_usage(folder, checked.metrics.values(), checked.contracts, relative_to=workspace.root)
    except UsageError as exc:
        click.echo(f"error: {exc}\n  = help: {exc.help}", err=True)
        sys.exit(1)
    for problem in usage.report.problems:
        click.echo(problem.render(), err=True)
    if usage.report.blocking:
        usage.close()
        click.echo(f"error: usage has problems ({usage.report.summary_line()}); no advice", err=True)
        click.echo("  = help: prices of incomplete usage mislead; fix the rows named above and run again", err=True)
        sys.exit(1)
    return usage


def _header(window: Window, as_of: date) -> str:
    return (
        f"window {window.start} – {window.last_day} ({window.months} whole month{'s' if window.months != 1 else ''} "
        f"before {as_of:%Y-%m}, as of {as_of}); net of VAT, one-time charges not counted"
    )


def _show(value: Fraction | None, currency: str, signed: bool = False) -> str:
    if value is None:
        return "–"
    text = money(round_exact(value, currency), currency)
    return f"+{text}" if signed and value > 0 else text


def _print_one(found: Advice, color: bool) -> None:
    console = Console(highlight=False, width=160, color_system="auto" if color else None)
    console.print(f"[bold]{found.contract}[/bold]  {found.customer}  ({found.currency})")
    months = months_text(found.months)
    console.print(_header(found.window, found.as_of) + f"; in force {months} of them", markup=False)
    table = Table(show_edge=False, header_style="bold")
    for name, justify in (
        ("plan", "left"),
        ("total", "right"),
        ("per month", "right"),
        ("vs current / month", "right"),
        ("assumed", "left"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    code = found.currency
    for row in found.rows:
        notes = [f"not comparable: {row.reason}"] if row.reason else list(row.assumptions)
        table.add_row(
            row.name,
            _show(row.total, code),
            _show(row.per_month, code),
            "" if row.current else _show(row.difference, code, signed=True),
            "\n".join(notes),
        )
    console.print(table)


def _print_all(found: list[Advice], considered: int, window: Window, as_of: date, color: bool) -> None:
    console = Console(highlight=False, width=160, color_system="auto" if color else None)
    console.print(_header(window, as_of), markup=False)
    table = Table(show_edge=False, header_style="bold")
    for name, justify in (
        ("contract", "left"),
        ("customer", "left"),
        ("current", "left"),
        ("per month", "right"),
        ("cheapest alternative", "left"),
        ("per month", "right"),
        ("saving / month", "right"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for one in found:
        best, mine = one.best, one.current
        table.add_row(
            one.contract,
            one.customer,
            mine.name.removesuffix(" (current)"),
            _show(mine.per_month, one.currency),
            best.name if best is not None else "none comparable",
            _show(best.per_month if best is not None else None, one.currency),
            f"{_show(saving(one), one.currency)} {one.currency}",
        )
    console.print(table)
    console.print(f"{len(found)} of {considered} contracts billed in the window shown", markup=False)


@click.command(cls=_AdviseCommand)
@click.argument("contract", required=False)
@click.option("--all", "every", is_flag=True, help="Every contract: its cheapest alternative, largest saving first.")
@click.option("--months", default="12", metavar="N", show_default=True, help="Whole months before --as-of's month.")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="Plans offered on this day (default: today).")
@click.option("--top", default="20", metavar="N", show_default=True, help="With --all: how many contracts to show.")
@click.option("--json", "as_json", is_flag=True, help="Print the same as JSON.")
@click.pass_obj
def advise(
    ctx: Context, contract: str | None, every: bool, months: str, as_of: str | None, top: str, as_json: bool
) -> None:
    """Price the customer's actual usage and quantities of the last N whole months under every plan
    version offered at --as-of, and under the contract's own terms; cheapest first, with the
    difference per month. With --all, each contract's cheapest alternative, largest saving first.

    \b
      avtale advise SKT-2026-009                  the last 12 whole months, as of today
      avtale advise SKT-2026-009 --months 6 --as-of 2026-07-01
      avtale advise --all --top 10

    A plan priced in another currency, or charging for a metric the contract does not bill (its
    usage is unknown), is shown as not comparable. Exit status: 0 advice given, 1 the workspace or
    its usage has errors, 2 a mistake on the command line.
    """
    if every == (contract is not None):
        _mistake("name one contract, or pass --all", USAGE_HELP)
    count = _count(months, "--months", MAX_MONTHS, "12")
    shown = _count(top, "--top", 9999, "20")
    day = _as_of(as_of)
    window = window_before(day, count)
    workspace, checked = load_checked(ctx)
    if contract is not None:
        found = checked.contracts.get(contract)
        if found is None:
            _mistake(f"no contract `{contract}` in the workspace", did_you_mean(contract, checked.contracts))
        prepared = prepare(found, checked, day, window)
        if not prepared.months:
            _mistake(
                f"{contract} was not in force in the window {window.start} – {window.last_day}",
                f"choose an --as-of after the contract's start ({found.start}), or fewer --months",
            )
        with _usage(workspace, checked) as usage:
            result = conclude(prepared, usage.meter(prepared.requests))
        if as_json:
            click.echo(json.dumps(advice_json(result), indent=2, ensure_ascii=False))
        else:
            _print_one(result, ctx.color)
        return
    results = _advise_all(workspace, checked, day, window)
    best = ranked(results)[:shown]
    if as_json:
        data = {**window_json(window, day), "considered": len(results), "contracts": [summary_json(a) for a in best]}
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        _print_all(best, len(results), window, day, ctx.color)


def _advise_all(workspace: Workspace, checked: model.Workspace, day: date, window: Window) -> list[Advice]:
    """Every contract that its own terms bill for usage or recurring charges in the window, its candidates
    metered in one query."""
    from runtime.cli.bill import progress_bar  # the bill run's, on stderr while a person watches

    chosen = [
        c
        for _, c in sorted(checked.contracts.items())
        if c.start < window.end and months_in_force(window, c.start, None) > 0
    ]
    with _usage(workspace, checked) as usage, progress_bar(True) as progress:
        tell: Callable[[str, int, int], None] = progress or (lambda message, done, total: None)
        prepared = []
        for done, found in enumerate(chosen):
            tell("lowering candidates", done, len(chosen))
            one = prepare(found, checked, day, window)
            if one.months and one.billed:
                prepared.append(one)
        tell("metering usage", 0, 0)
        totals = usage.meter(sorted({key for one in prepared for key in one.requests}, key=_key_order))
        results = []
        for done, one in enumerate(prepared):
            tell("pricing", done, len(prepared))
            results.append(conclude(one, totals))
    return results


def _key_order(key: tuple[Any, ...]) -> tuple[Any, ...]:
    """Requests with and without a per-event fifth element, in one deterministic order."""
    return (*key[:4], len(key), repr(key[4:]))
