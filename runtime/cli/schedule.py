"""`avtale schedule CONTRACT`: the billing schedule a contract compiles to."""

from __future__ import annotations

import json
import sys
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from compiler.calendar import add_months
from compiler.names import did_you_mean
from compiler.schedule import BillingSchedule, ScheduleLine, lower
from runtime.cli.options import Context
from runtime.cli.workspace import load_checked

CENT = Decimal("0.01")


def money(value: Decimal | None) -> str:
    if value is None:
        return ""
    return f"{value.quantize(CENT, rounding=ROUND_HALF_UP):,.2f}".replace(",", " ")


def _line_json(line: ScheduleLine) -> dict[str, Any]:
    return {
        "billing_date": line.billing_date.isoformat(),
        "period_start": line.period_start.isoformat(),
        "period_end": line.period_end.isoformat(),
        "charge": line.charge,
        "label": line.label,
        "kind": line.kind,
        "quantity": None if line.quantity is None else str(line.quantity),
        "unit_price": None if line.unit_price is None else str(line.unit_price),
        "days": line.days,
        "cycle_days": line.cycle_days,
        "amount": None if line.amount is None else str(line.amount),
        "metric": line.metric,
        "percent": None if line.percent is None else str(line.percent),
        "vat_category": line.vat_category,
        "vat_rate": str(line.vat_rate),
        "amendment": line.amendment,
        "source": f"{line.span.file}:{line.span.line}",
        "note": line.note,
        "blocked": line.blocked,
    }


def _json(schedule: BillingSchedule, start: date) -> str:
    return json.dumps(
        {
            "contract": schedule.contract,
            "start": schedule.start.isoformat(),
            "end": schedule.end.isoformat() if schedule.end else None,
            "term_ends": [d.isoformat() for d in schedule.term_ends],
            "notice_deadlines": [d.isoformat() for d in schedule.notice_deadlines],
            "from": start.isoformat(),
            "to": schedule.horizon.isoformat(),
            "lines": [_line_json(line) for line in schedule.lines if line.period_end > start],
        },
        indent=2,
        ensure_ascii=False,
    )


def _what(line: ScheduleLine) -> str:
    if line.kind == "usage":
        return f"usage: {line.metric}"
    if line.kind == "minimum":
        return f"minimum {money(line.unit_price)}"
    if line.kind == "discount":
        share = f" x {line.days}/{line.cycle_days}" if line.days != line.cycle_days else ""
        return f"-{line.percent}%{share}"
    parts = [f"{line.quantity:g} x {money(line.unit_price)}"]
    if line.days is not None and line.days != line.cycle_days:
        parts.append(f"x {line.days}/{line.cycle_days} days")
    return " ".join(parts)


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
@click.pass_obj
def schedule(ctx: Context, contract: str, start: Any, end: Any, as_json: bool) -> None:
    """Show CONTRACT's billing schedule: every line, its period, billing date and arithmetic.

    Periods are shown with their last day, as on invoices; amounts rounded to
    øre as they will be billed. `--json` gives exact amounts and exclusive
    period ends. Usage and minimum true-ups are priced by the bill run, once
    usage and earlier invoices are known.
    """
    _, model = load_checked(ctx)
    found = model.contracts.get(contract)
    if found is None:
        click.echo(f"error: no contract `{contract}` in the workspace", err=True)
        click.echo(f"  = help: {did_you_mean(contract, model.contracts)}", err=True)
        sys.exit(1)
    first = start.date() if start else found.start
    horizon = end.date() if end else None
    if horizon is None:
        probe = lower(found, model.indices, add_months(first, 12))
        horizon = probe.end if probe.end and probe.end > first else add_months(first, 12)
    result = lower(found, model.indices, horizon)
    if as_json:
        click.echo(_json(result, first))
        return
    customer = model.customers[found.customer]
    plan = f"{found.plan.plan} version {found.plan.version}" if found.plan else "no plan"
    console = Console(highlight=False, width=160, color_system="auto" if ctx.color else None)
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
    for line in result.lines:
        if line.period_end <= first:
            continue
        why = [f"{line.span.file}:{line.span.line}"]
        if line.amendment is not None:
            why.append(f"amendment {line.amendment}")
        if line.note and line.kind != "discount":
            why.append(line.note)
        if line.blocked:
            why.append(f"BLOCKED: {line.blocked}")
        period = f"{line.period_start} – {line.period_end - timedelta(days=1)}"  # shown inclusive, as on invoices
        table.add_row(
            str(line.billing_date),
            period,
            line.label if line.kind != "usage" else f"{line.label} ({line.charge})",
            _what(line),
            money(line.amount),
            f"{line.vat_rate:g}%",
            "; ".join(why),
        )
        total += line.amount or 0
    console.print(table)
    console.print(f"fixed amounts before VAT, {first} to {result.horizon}: {money(total)} {found.currency}")
