"""`avtale close YYYY-MM` and `avtale close --list`: lock a month's recognised revenue in the ledger."""

from __future__ import annotations

import getpass
import json
import subprocess
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from runtime.cli.bill import ledger_path
from runtime.cli.options import Context, parse_month, workspace_root
from runtime.cli.revenue import DAY, books, day_or_today, fail, open_ledger
from runtime.ledger.closes import ClosedMonth
from runtime.ledger.errors import LedgerError
from runtime.loader import load
from runtime.revenue.close import (
    CloseRefused,
    check_close,
    close_month,
    month_name,
    next_month,
    open_months_until,
    with_closes,
)
from runtime.revenue.reports_render import fixed, money


def _git_config(root: Path, key: str) -> str:
    try:
        done = subprocess.run(
            ["git", "config", "--get", key], cwd=root, capture_output=True, text=True, check=False, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def who(root: Path) -> str:
    """Who is closing: `git config user.name <user.email>` as the workspace sees it, else the OS user."""
    name, email = _git_config(root, "user.name"), _git_config(root, "user.email")
    if name and email:
        return f"{name} <{email}>"
    if name or email:
        return name or email
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


def totals(closed: ClosedMonth) -> dict[str, Decimal]:
    """The closed figures summed per currency (never across currencies)."""
    out: dict[str, Decimal] = defaultdict(Decimal)
    for figure in closed.figures:
        out[figure.currency] += figure.amount
    return dict(sorted(out.items()))


def _totals_text(closed: ClosedMonth) -> str:
    return " + ".join(f"{code} {money(total, code)}" for code, total in totals(closed).items()) or "nothing"


def _month_json(closed: ClosedMonth) -> dict[str, Any]:
    return {
        "month": month_name(closed.month),
        "closed_at": closed.closed_at.isoformat(),
        "closed_by": closed.closed_by,
        "totals": {code: fixed(total, code) for code, total in totals(closed).items()},
        "figures": [
            {
                "contract": f.contract,
                "obligation": f.obligation,
                "account": f.account,
                "currency": f.currency,
                "amount": fixed(f.amount, f.currency),
            }
            for f in closed.figures
        ],
    }


def _list(ctx: Context, as_json: bool) -> None:
    root = workspace_root(ctx)
    path = ledger_path(root, load(root, need_model=False).settings.ledger)
    closed: list[ClosedMonth] = []
    if path.exists():
        with open_ledger(path, writable=False) as ledger:
            try:
                closed = ledger.closed_months()
            except LedgerError as exc:
                fail(str(exc), exc.help)
    if as_json:
        click.echo(json.dumps({"closed": [_month_json(c) for c in closed]}, indent=2, ensure_ascii=False))
        return
    if not closed:
        click.echo("No month is closed yet: `avtale close YYYY-MM` closes one.")
        return
    table = Table(show_edge=False, header_style="bold")
    for name in ("month", "closed at (UTC)", "closed by", "figures", "recognised"):
        table.add_column(name, justify="right" if name in ("figures", "recognised") else "left")
    for month in closed:
        table.add_row(
            month_name(month.month),
            month.closed_at.strftime("%Y-%m-%d %H:%M:%S"),
            month.closed_by,
            str(len(month.figures)),
            _totals_text(month),
        )
    Console(highlight=False, width=140, color_system="auto" if ctx.color else None).print(table)
    click.echo(f"First open month: {month_name(next_month(closed[-1].month))}")


def _catch_ups_text(lines: Sequence[str]) -> str:
    return "".join(f"\n  {line}" for line in lines)


@click.command()
@click.argument("month", metavar="[YYYY-MM]", required=False)
@click.option("--list", "show", is_flag=True, help="Show every closed month: when, by whom, and what it holds.")
@click.option("--as-of", "as_of", type=DAY, metavar="YYYY-MM-DD", help="Today's date for the checks (default: today).")
@click.option("--allow-unbilled", is_flag=True, help="Close even though no applied bill run covers the whole month.")
@click.option(
    "--with-earlier", is_flag=True, help="Also close every earlier open month, in order, each with its own figures."
)
@click.option("--json", "as_json", is_flag=True, help="Print what was closed (or the list) as JSON.")
@click.pass_obj
def close(
    ctx: Context, month: str | None, show: bool, as_of: Any, allow_unbilled: bool, with_earlier: bool, as_json: bool
) -> None:
    """Close a month: lock the revenue recognised in it, per contract and obligation, in the ledger.

    \b
      avtale close 2026-01           close January 2026
      avtale close --list            what is closed, when and by whom

    A closed month is never rewritten: when a later change (a back-dated amendment, late
    usage) would alter it, the difference is posted as a catch-up in the first open month,
    with its reason, and the reports show it there. Months are closed in order, each after
    it has ended (by --as-of, default today) and after the bill run covering it was applied
    (or with --allow-unbilled); --with-earlier closes the earlier open months too, in one
    go (when nothing is closed yet, from the first month with revenue). Who closed it is
    taken from `git config user.name` and `user.email`, else the login name.
    """
    if show:
        if month is not None:
            fail("--list takes no month", "run `avtale close --list` alone, or `avtale close YYYY-MM` to close one")
        _list(ctx, as_json)
        return
    if month is None:
        fail("which month? `avtale close` needs one", "run `avtale close YYYY-MM`, such as `avtale close 2026-01`")
    closing = parse_month(month)
    if closing is None:
        fail(f"`{month}` is not a month", "write the month as YYYY-MM, such as `avtale close 2026-01`")
    day = day_or_today(as_of)
    by = who(workspace_root(ctx))
    at = datetime.now(UTC).replace(microsecond=0)
    if next_month(closing) > at.date():  # --as-of may say anything; a month still to come is never locked
        fail(
            f"nothing was closed: {month_name(closing)} has not ended yet (today is {at.date()})",
            f"close it from {next_month(closing)} on, once its invoices are issued",
        )
    done: list[ClosedMonth] = []
    try:
        with books(ctx, day, writable=True, quiet=as_json) as (ledger, read):
            assert ledger is not None, "a close opens the ledger for writing"
            # an empty list means `closing` is closed already: check_close says so
            months = (open_months_until(closing, read.closed, read.engine) if with_earlier else []) or [closing]
            for month_ in months:
                before = [*read.closed, *done]
                check_close(month_, day, before, read.engine, read.billed_through, allow_unbilled)
                done.append(close_month(read.engine, before, month_, at, by))
            for closed in done:  # in the one transaction books() holds: all of them, or none
                ledger.close_month(closed)
    except CloseRefused as refused:
        fail(f"nothing was closed: {refused.message}", refused.help)
    except LedgerError as exc:
        fail(f"nothing was closed: {exc}", exc.help)
    if as_json:
        click.echo(json.dumps({"closed": [_month_json(c) for c in done]}, indent=2, ensure_ascii=False))
        return
    engine = set(read.engine)
    for closed in done:
        figures = len(closed.figures)
        click.echo(
            f"Closed {month_name(closed.month)}: {figures} figure{'s' if figures != 1 else ''}, "
            f"recognised {_totals_text(closed)}, by {by} at {at:%Y-%m-%d %H:%M:%S} UTC."
        )
        caught_up = [
            f"{r.contract} {r.obligation}: {money(r.amount, r.currency)} {r.currency}, {r.reason}"
            for r in with_closes(read.engine, [c for c in [*read.closed, *done] if c.month < closed.month])
            if r.month == closed.month and r.kind == "catch_up" and r not in engine
        ]
        if caught_up:
            click.echo("  It includes catch-ups for changes to earlier closed months:" + _catch_ups_text(caught_up))
    last = done[-1].month
    click.echo(f"First open month: {month_name(next_month(last))}; later changes to closed months post there.")
