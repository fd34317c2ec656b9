"""`avtale revenue waterfall|rollforward|balances`: recognised revenue and contract balances, as reports."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn

import attrs
import click

from compiler.billing.price import UsageKey
from compiler.calendar import add_months
from compiler.model import Workspace as Model
from runtime.billing.parallel import usage_single_threaded
from runtime.cli.bill import ledger_path
from runtime.cli.options import YEARS, Context, parse_month
from runtime.cli.revenue_journal import journal_command
from runtime.cli.usage_source import workspace_usage
from runtime.cli.workspace import load_checked
from runtime.ledger.closes import ClosedMonth
from runtime.ledger.documents import IssuedDocument
from runtime.ledger.errors import LedgerError
from runtime.ledger.store import Ledger
from runtime.revenue import reports_render as render
from runtime.revenue.close import latest_closed, month_of, next_month, with_closes
from runtime.revenue.cutover import all_billed_before
from runtime.revenue.recognition import cutoff
from runtime.revenue.records import Recognised
from runtime.revenue.reports import Billed, balances, billed_elsewhere, billed_from, rollforward, waterfall
from runtime.revenue.reports_schedule import remaining_schedule
from runtime.revenue.workers import recognise_with_schedule, usage_requests_in_workers
from runtime.usage import Usage


def fail(message: str, help: str) -> NoReturn:
    click.echo(f"error: {message}\n  = help: {help}", err=True)
    sys.exit(1)


def _month_option(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    month = parse_month(value)
    if month is None:
        raise click.BadParameter(f"`{value}` is not a month; write it YYYY-MM, such as 2026-01")
    return month


DAY = click.DateTime(["%Y-%m-%d"])


def day_or_today(value: Any) -> date:
    """--as-of or --at as a date; today when not given (the CLI owns the one clock)."""
    if value is not None and value.year not in YEARS:
        fail(f"{value.date()} is out of range", f"give a date from {YEARS[0]} to {YEARS[-1]}")
    return value.date() if value is not None else date.today()


@attrs.frozen(kw_only=True)
class Books:
    """What the reports and closing read: the engine's records, the closed months and what was billed."""

    through: date
    """The engine recognised every month ended by this day (the as-of date, or the end of the latest
    closed month if that is later, so that every closed month is compared whole)."""
    engine: tuple[Recognised, ...]
    """Recognised revenue as the engine computes it now, closes not applied."""
    schedule: tuple[Recognised, ...]
    """The remaining schedule after `through` (empty unless asked for)."""
    closed: tuple[ClosedMonth, ...]
    billed: tuple[Billed, ...]
    billed_through: date | None
    """The latest applied bill run's as-of date."""

    @property
    def recognised(self) -> list[Recognised]:
        """The engine's records with closed months as closed and catch-ups in the first open month."""
        return with_closes(self.engine, self.closed)

    @property
    def with_schedule(self) -> list[Recognised]:
        """`recognised`, then the remaining schedule."""
        return with_closes([*self.engine, *self.schedule], self.closed)


def _engine(
    model_: Model,
    usage: Usage,
    documents: list[IssuedDocument],
    through: date,
    schedule_into: list[Recognised] | None = None,
) -> list[Recognised]:
    """Recognised revenue per contract, obligation and month ended by `through`, from the revenue plans,
    the ledger and usage. With `schedule_into`, the remaining schedule (`_schedule`) is read from the
    same plans and put there, so that no contract is planned twice. Large workspaces are planned in
    worker processes, forked while the usage database runs no thread of its own."""
    with usage_single_threaded(usage.meter):
        wanted = usage_requests_in_workers(model_, through)
    totals: Mapping[UsageKey, Decimal] = usage.meter(wanted)
    with usage_single_threaded(usage.meter):
        engine, later = recognise_with_schedule(model_, documents, totals, through, schedule_into is not None)
    if schedule_into is not None:
        schedule_into += later
    return engine


def _schedule(model_: Model, through: date, made: list[Recognised] | None = None) -> list[Recognised]:
    """What the contracts as they stand will recognise in the months after `through`'s last ended one
    (`made`: as `_engine` found it)."""
    return made if made is not None else remaining_schedule(model_, cutoff(through), known=through)


def _through(as_of: date, closed: Sequence[ClosedMonth]) -> date:
    latest = latest_closed(closed)
    return as_of if latest is None else max(as_of, next_month(latest) - timedelta(days=1))


@contextlib.contextmanager
def books(
    ctx: Context, as_of: date, *, writable: bool = False, quiet: bool = False, schedule_until: date | None = None
) -> Iterator[tuple[Ledger | None, Books]]:
    """The workspace's books, and its ledger (None when there is none and `writable` is false).

    With `writable`, the ledger's write lock is held while the books are read and the block runs,
    so that no bill run issues in between: a close locks exactly the figures it read. With
    `schedule_until` (a month), the books also hold the remaining schedule when it starts by then.
    """
    workspace, model_ = load_checked(ctx)
    path = ledger_path(workspace.root, workspace.settings.ledger)
    if writable and not path.exists():
        fail(
            f"there is no ledger at {path}: closing a month records it in the ledger",
            "create it with `avtale ledger init`, and issue with `avtale bill --as-of DATE --apply`, first",
        )
    with workspace_usage(workspace, model_, quiet=quiet) as usage:
        if usage is None:
            sys.exit(1)
        if not path.exists():
            yield None, _read(None, model_, usage, as_of, schedule_until)
            return
        with open_ledger(path, writable) as ledger, ledger.locked() if writable else contextlib.nullcontext():
            try:
                read = _read(ledger, model_, usage, as_of, schedule_until)
            except LedgerError as exc:
                fail(str(exc), exc.help)
            yield ledger, read


def _read(ledger: Ledger | None, model_: Model, usage: Usage, as_of: date, schedule_until: date | None) -> Books:
    documents = ledger.documents() if ledger is not None else []
    closed = ledger.closed_months() if ledger is not None else []
    runs = ledger.bill_runs() if ledger is not None else []
    through = _through(as_of, closed)
    # the schedule costs a plan per contract the engine does not plan: only when the report reaches past `through`
    wanted = bool(schedule_until and schedule_until >= cutoff(through))
    later: list[Recognised] | None = [] if wanted else None
    engine = _engine(model_, usage, documents, through, later)
    return Books(
        through=through,
        engine=tuple(engine),
        schedule=tuple(_schedule(model_, through, later)) if wanted else (),
        closed=tuple(closed),
        billed=tuple(billed_from(documents) + billed_elsewhere(all_billed_before(model_))),
        billed_through=max((run.as_of for run in runs), default=None),
    )


def open_ledger(path: Path, writable: bool) -> Ledger:
    try:
        return Ledger.open(path, create=False, read_only=not writable)
    except LedgerError as exc:
        fail(str(exc), exc.help)


def read_books(ctx: Context, as_of: date, quiet: bool, schedule_until: date | None) -> Books:
    with books(ctx, as_of, quiet=quiet, schedule_until=schedule_until) as (_, read):
        return read


def _output(text: str) -> None:
    click.echo(text, nl=False)


def _formats(function: Any) -> Any:
    function = click.option("--csv", "as_csv", is_flag=True, help="Print the report as CSV.")(function)
    return click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")(function)


def _one_format(as_json: bool, as_csv: bool) -> None:
    if as_json and as_csv:
        fail("--json and --csv cannot be used together", "choose one: --json for the structure, --csv for a table")


@click.group()
def revenue() -> None:
    """Recognised revenue: the waterfall, the roll-forward of contract balances, balances on a day.

    \b
      avtale revenue waterfall --from 2026-01 --to 2026-12
      avtale revenue rollforward --from 2026-01 --to 2026-06
      avtale revenue balances --at 2026-06-30

    Closed months (`avtale close`) read exactly as they were closed; a later change to
    one shows as a catch-up in the first open month. Each report prints a table, or
    JSON with --json, or CSV with --csv. Amounts are never summed across currencies.
    """


@revenue.command("waterfall")
@click.option(
    "--from",
    "first",
    callback=_month_option,
    metavar="YYYY-MM",
    help="The first month (default: January of the --as-of year).",
)
@click.option(
    "--to",
    "last",
    callback=_month_option,
    metavar="YYYY-MM",
    help="The last month (default: December of the --as-of year).",
)
@click.option(
    "--as-of",
    "as_of",
    type=DAY,
    metavar="YYYY-MM-DD",
    help="Months not ended by this date are the remaining schedule (default: today).",
)
@_formats
@click.pass_obj
def waterfall_command(
    ctx: Context, first: date | None, last: date | None, as_of: Any, as_json: bool, as_csv: bool
) -> None:
    """Revenue recognised per month by contract and obligation; months not ended by --as-of are the
    remaining schedule as the contracts stand (marked ›), closed months are marked ●.

    The catch-ups in the months shown are listed under the table with their reasons. Usage is
    not scheduled: it is revenue once it has been used."""
    _one_format(as_json, as_csv)
    day = day_or_today(as_of)
    first = first or date(day.year, 1, 1)
    last = last or date(day.year, 12, 1)
    _check_range(first, last)
    read = read_books(ctx, day, quiet=as_json or as_csv, schedule_until=last)
    recognised = read.with_schedule
    report = waterfall(recognised, first, last, day, latest_closed(read.closed))
    catch_ups = render.catch_ups_in(recognised, report.months)
    if as_json:
        _output(render.waterfall_json(report, catch_ups, day))
    elif as_csv:
        _output(render.waterfall_csv(report))
    else:
        _output(render.waterfall_text(report, catch_ups, ctx.color))


@revenue.command("rollforward")
@click.option(
    "--from",
    "first",
    callback=_month_option,
    metavar="YYYY-MM",
    help="The first month (default: January of the --as-of year).",
)
@click.option(
    "--to",
    "last",
    callback=_month_option,
    metavar="YYYY-MM",
    help="The last month (default: the --as-of date's month).",
)
@click.option("--as-of", "as_of", type=DAY, metavar="YYYY-MM-DD", help="Sets the default months (default: today).")
@_formats
@click.pass_obj
def rollforward_command(
    ctx: Context, first: date | None, last: date | None, as_of: Any, as_json: bool, as_csv: bool
) -> None:
    """Deferred revenue and contract assets per month and currency: opening + billed - recognised = closing.

    Per contract, billed less recognised is a liability (deferred revenue) when positive and a
    contract asset when negative. Within a month billing comes first: it settles a contract asset
    before it adds to deferred revenue; recognition then uses up deferred revenue before it adds
    to a contract asset. Billed is net of VAT by issue date, credit notes subtracted.
    """
    _one_format(as_json, as_csv)
    day = day_or_today(as_of)
    first = first or date(day.year, 1, 1)
    last = last or month_of(day)
    _check_range(first, last)
    read = read_books(ctx, day, quiet=as_json or as_csv, schedule_until=None)
    rows = rollforward(read.recognised, read.billed, first, last)
    if as_json:
        _output(render.rollforward_json(rows, first, last))
    elif as_csv:
        _output(render.rollforward_csv(rows))
    else:
        _output(render.rollforward_text(rows, ctx.color))


@revenue.command("balances")
@click.option("--at", "at", type=DAY, metavar="YYYY-MM-DD", help="The day, counted to its end (default: today).")
@_formats
@click.pass_obj
def balances_command(ctx: Context, at: Any, as_json: bool, as_csv: bool) -> None:
    """Per contract at the end of --at: the contract liability or asset, and the remaining performance
    obligations (contracted, not yet recognised) due within 12 months and later.

    Revenue is recognised by calendar month: a month counts as recognised once it has ended by
    --at. Remaining obligations include usage only as far as it has been recorded.
    """
    _one_format(as_json, as_csv)
    day = day_or_today(at)
    read = read_books(ctx, day, quiet=as_json or as_csv, schedule_until=date.max)
    rows, totals = balances(read.with_schedule, read.billed, day)
    if as_json:
        _output(render.balances_json(rows, totals, day))
    elif as_csv:
        _output(render.balances_csv(rows))
    else:
        _output(render.balances_text(rows, totals, day, ctx.color))


MAX_MONTHS = 240


def _check_range(first: date, last: date) -> None:
    if last < first:
        fail(
            f"--to {last:%Y-%m} is before --from {first:%Y-%m}",
            "give --from the first month and --to the last, such as --from 2026-01 --to 2026-12",
        )
    if add_months(first, MAX_MONTHS) <= last:
        fail(
            f"{first:%Y-%m} to {last:%Y-%m} is more than {MAX_MONTHS} months",
            f"report at most {MAX_MONTHS} months at a time",
        )


revenue.add_command(journal_command)
