"""`avtale schedule CONTRACT`: the billing schedule a contract compiles to, and its revenue plan."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import attrs
import click
from rich.console import Console
from rich.table import Table

from compiler.billing.lines import (
    BillableLine,
    DiscountLine,
    DrawdownLine,
    MinimumLine,
    OneTimeLine,
    PrepaidLine,
    RecurringLine,
    UsageLine,
)
from compiler.billing.lower import BillingSchedule, lower
from compiler.billing.price import PricedLine, UsageKey, price_schedule, usage_requests
from compiler.billing.provenance import trace_to_json
from compiler.calendar import add_months
from compiler.model import Workspace as Checked
from compiler.money import minor_unit, round_money
from compiler.names import did_you_mean
from compiler.revenue.plan import revenue_plan
from runtime.cli.check import REV_HELP, at_revision, load_checked_at
from runtime.cli.options import Context
from runtime.cli.workspace import load_checked
from runtime.loader import Workspace
from runtime.revenue.show import plan_json, print_plan
from runtime.usage import UsageError, read_usage


def money(value: Decimal | None, currency: str = "NOK") -> str:
    """An amount rounded to the currency's minor unit, thousands separated by a space."""
    if value is None:
        return ""
    return f"{round_money(value, currency):,.{minor_unit(currency)}f}".replace(",", " ")


def unit_price(value: Decimal, currency: str = "NOK") -> str:
    """A unit price as money, or with every decimal it has when it is finer than the currency's
    minor unit (0.004 per API call is not 0.00)."""
    if round_money(value, currency) == value:
        return money(value, currency)
    return f"{value.normalize():f}"


def _priced(
    schedule: BillingSchedule, elsewhere: bool = False, usage: Mapping[UsageKey, Decimal] | None = None
) -> dict[tuple[object, ...], PricedLine]:
    """The fixed lines priced (usage counted as none, or as `usage` says): what the schedule can say before
    usage is known. With `elsewhere`, the lines billed before the cut-over instead."""
    lines = schedule.billed_elsewhere if elsewhere else schedule.lines
    priced = price_schedule(attrs.evolve(schedule, lines=lines), usage or {}, schedule.horizon)
    return {(p.id, p.tax): p for p in priced.lines}


def _metered(workspace: Workspace, checked: Checked, schedule: BillingSchedule) -> Mapping[UsageKey, Decimal] | None:
    """The usage metered so far for a contract with a prepaid credit, so that its drawdowns and the balance left
    after each can be shown; None for any other contract, or when the usage cannot be read (said on stderr)."""
    if checked.contracts[schedule.contract].prepaid is None:
        return None
    wanted = usage_requests(schedule, schedule.horizon)
    folder = workspace.root / workspace.settings.usage
    try:
        usage = read_usage(folder, checked.metrics.values(), checked.contracts, relative_to=workspace.root)
    except UsageError as exc:
        click.echo(f"error: {exc}\n  = help: {exc.help}", err=True)
        return None
    with usage:
        report = usage.report
        if report.blocking:
            # a read-only view: nothing is billed, so say what is left out and where to see why
            click.echo(
                f"warning: the usage has problems ({report.summary_line()}), so the drawdowns' balances are not "
                "shown\n  = help: `avtale usage summary` lists the problems; fix or remove the rows it names",
                err=True,
            )
            return None
        return usage.meter(wanted)


def _balance(line: BillableLine, priced: PricedLine | None) -> str | None:
    """What is left of the year's prepaid credit after a drawdown, as metered so far, exact."""
    if not isinstance(line, DrawdownLine) or priced is None:
        return None
    trace = priced.trace().drawdown
    return f"{trace.after:f}" if trace is not None else None


def _line_json(line: BillableLine, priced: PricedLine | None) -> dict[str, Any]:
    fixed = priced is not None and not isinstance(line, UsageLine | MinimumLine | DrawdownLine)
    return {
        "id": {
            "contract": line.id.contract,
            "kind": line.id.kind,
            "charge": line.id.charge,
            "discount": line.id.discount,
            "period_start": line.id.period_start.isoformat(),
            "period_end": line.id.period_end.isoformat(),
        },
        "label": line.label,
        "billing_date": line.billing_date.isoformat(),
        "vat_category": line.tax.category,
        "vat_rate": f"{line.tax.rate:f}",
        "amount": f"{priced.amount:f}" if fixed and priced is not None else None,
        "trace": json.loads(trace_to_json(priced.trace())) if fixed and priced is not None else None,
        "blocked": line.blocked if isinstance(line, RecurringLine) else None,
        **({"balance_after": _balance(line, priced)} if isinstance(line, DrawdownLine) else {}),
    }


def _json(
    schedule: BillingSchedule,
    start: date,
    revision: str | None = None,
    revenue: Any = None,
    usage: Mapping[UsageKey, Decimal] | None = None,
) -> str:
    priced = _priced(schedule, usage=usage)
    before = _priced(schedule, elsewhere=True, usage=usage)
    return json.dumps(
        {
            **({"revision": revision} if revision is not None else {}),
            "contract": schedule.contract,
            "currency": schedule.currency,
            "start": schedule.start.isoformat(),
            "end": schedule.end.isoformat() if schedule.end else None,
            "term_ends": [d.isoformat() for d in schedule.term_ends],
            "notice_deadlines": [d.isoformat() for d in schedule.notice_deadlines],
            "from": start.isoformat(),
            "to": schedule.horizon.isoformat(),
            "lines": [
                _line_json(line, priced.get((line.id, line.tax)))
                for line in schedule.lines
                if line.id.period_end > start
            ],
            "billed_through": schedule.cutover.isoformat() if schedule.cutover else None,
            "billed_elsewhere": [
                _line_json(line, before.get((line.id, line.tax)))
                for line in schedule.billed_elsewhere
                if line.id.period_end > start
            ],
            **({"revenue": revenue} if revenue is not None else {}),
        },
        indent=2,
        ensure_ascii=False,
    )


def _what(line: BillableLine, currency: str) -> str:
    if isinstance(line, UsageLine):
        return "usage: " + ", ".join(sorted({p.metric for p in line.pieces}))
    if isinstance(line, MinimumLine):
        return f"minimum {money(line.minimum, currency)}"
    if isinstance(line, PrepaidLine):
        return f"credit {money(line.amount, currency)}"
    if isinstance(line, DrawdownLine):
        return f"drawn by {line.base.charge}"
    if isinstance(line, DiscountLine):
        return f"-{line.percent:g}%"
    if isinstance(line, OneTimeLine):
        return "once"
    return " + ".join(
        f"{p.quantity:g} x {money(p.price, currency)}/{p.per} x {p.proration.describe()}" for p in line.pieces
    )


@click.command()
@click.argument("contract")
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), help="First day shown (default: the start).")
@click.option(
    "--to",
    "end",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Horizon, exclusive (default: the contract's end, or a year after --from for open contracts).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the schedule as JSON, amounts exact.")
@click.option("--rev", "rev", metavar="REV", help=REV_HELP)
@click.pass_obj
def schedule(ctx: Context, contract: str, start: Any, end: Any, as_json: bool, rev: str | None) -> None:
    """Show CONTRACT's billing schedule and revenue plan: every line, its period, billing date and
    arithmetic; then the revenue: each obligation with its SSP, allocated price, method and months,
    and each modification with its accounting and why.

    Each line is one billing period of one charge (its pieces when an
    amendment or indexation splits the period), shown with its last day, as on
    invoices; amounts rounded as they will be billed. `--json` gives exact
    amounts, exclusive period ends and each line's identity and trace. Usage and
    minimum true-ups are priced by the bill run, once usage and earlier invoices
    are known. A prepaid credit's drawdowns are shown as metered so far, with the
    balance left after each. With --rev, the schedule CONTRACT had as committed at REV.
    """
    if start and end and end.date() <= start.date():
        click.echo(f"error: --to {end.date()} is not after --from {start.date()}: nothing to show", err=True)
        click.echo("  = help: give --from the first day to show and --to the day after the last", err=True)
        sys.exit(1)
    workspace, model = load_checked(ctx) if rev is None else load_checked_at(ctx, rev)
    found = model.contracts.get(contract)
    if found is None:
        where = "the workspace" if rev is None else f"the workspace at revision {rev} ({at_revision(workspace)})"
        click.echo(f"error: no contract `{contract}` in {where}", err=True)
        click.echo(f"  = help: {did_you_mean(contract, model.contracts)}", err=True)
        sys.exit(1)
    first = start.date() if start else found.start
    horizon = end.date() if end else None
    if horizon is None:
        probe = lower(found, model.indices, add_months(first, 12))
        horizon = probe.end if probe.end and probe.end > first else add_months(first, 12)
    result = lower(found, model.indices, horizon)
    revenue = revenue_plan(found, model, max(horizon, found.start))
    metered = _metered(workspace, model, result)
    if as_json:
        click.echo(_json(result, first, workspace.revision, plan_json(revenue), metered))
        return
    customer = model.customers[found.customer]
    plan = f"{found.plan.plan} version {found.plan.version}" if found.plan else "no plan"
    console = Console(highlight=False, width=160, color_system="auto" if ctx.color else None)
    if rev is not None:
        console.print(f"as committed at revision {rev} ({at_revision(workspace)})", markup=False)
    console.print(f"[bold]{found.id}[/bold]  {customer.name}  ({plan})")
    ends = ", ".join(str(d) for d in result.term_ends) or "none"
    notice = ", ".join(str(d) for d in result.notice_deadlines) or "none"
    console.print(f"start {found.start}  end {result.end or 'open'}  term ends {ends}  notice deadlines {notice}")
    table = Table(show_edge=False, header_style="bold")
    for name, justify in (
        ("billed", "left"),
        ("period", "left"),
        ("charge", "left"),
        ("how", "right"),
        ("amount", "right"),
        ("VAT", "right"),
        ("why", "left"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    total = Decimal(0)
    currency = result.currency
    priced = _priced(result, usage=metered)
    before = _priced(result, elsewhere=True, usage=metered)
    rows = sorted(
        [(line, False) for line in result.lines] + [(line, True) for line in result.billed_elsewhere],
        key=lambda row: (row[0].billing_date, row[0].id.period_start, not row[1]),
    )
    cutover = found.cutover
    for line, elsewhere in rows:
        if line.id.period_end <= first:
            continue
        why = [f"{line.span.file}:{line.span.line}"]
        if elsewhere:
            why.insert(0, "billed elsewhere")
        amendments = sorted(
            {p.amendment for p in getattr(line, "pieces", ()) if p.amendment is not None}
            | ({line.amendment} if isinstance(line, OneTimeLine | DiscountLine) and line.amendment else set())
        )
        if amendments:
            why.append("amendment " + ", ".join(str(a) for a in amendments))
        if isinstance(line, RecurringLine):
            why += [p.note for p in line.pieces if p.note]
            if line.blocked:
                why.append(f"BLOCKED: {line.blocked}")
        done = (before if elsewhere else priced).get((line.id, line.tax))
        fixed = done is not None and not isinstance(line, UsageLine | MinimumLine | DrawdownLine)
        left = _balance(line, done) if metered is not None else None
        if left is not None and done is not None:
            why.insert(0, f"drawn {money(-done.amount, currency)}, balance left {money(Decimal(left), currency)}")
        days = f"{done.start} – {done.end - timedelta(days=1)}" if done else ""
        table.add_row(
            str(line.billing_date),
            days or f"{line.id.period_start} – {line.id.period_end - timedelta(days=1)}",
            line.label if not isinstance(line, UsageLine) else f"{line.label} ({line.id.charge})",
            _what(line, currency),
            money(done.amount, currency) if fixed and done else "",
            f"{line.tax.rate:g}%",
            "; ".join(why),
        )
        if fixed and done and not elsewhere:
            total += done.amount
    console.print(table)
    console.print(f"fixed amounts before VAT, {first} to {result.horizon}: {money(total, currency)} {currency}")
    if cutover is not None and any(line.id.period_end > first for line in result.billed_elsewhere):
        where = "avtale.toml" if cutover.from_settings else f"{cutover.span.file}:{cutover.span.line}"
        console.print(
            f"lines `billed elsewhere` were invoiced before the cut-over (billed_through {cutover.through}, {where}): "
            "shown, not in the total, never billed by Avtale"
        )
    print_plan(console, revenue, first, result.horizon)
