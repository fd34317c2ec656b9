"""A revenue plan shown: as JSON (exact figures, ISO dates) and as the tables `avtale schedule` prints."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.table import Table

from compiler.money import minor_unit, round_money
from compiler.revenue.records import Obligation, RevenuePlan

METHODS = {
    "ratably_daily": "ratably daily",
    "ratably_monthly": "ratably monthly",
    "at_start": "at start",
    "on_date": "on a date",
    "as_consumed": "as consumed",
    "over_term": "over term",
    "milestones": "milestones",
}


def _money(value: Decimal | None, currency: str) -> str:
    if value is None:
        return ""
    return f"{round_money(value, currency):,.{minor_unit(currency)}f}".replace(",", " ")


def _name(obligation: Obligation) -> str:
    return obligation.charge if not obligation.part else f"{obligation.charge} ({obligation.part})"


def _method(obligation: Obligation) -> str:
    return METHODS.get(obligation.method, obligation.method)


def plan_json(plan: RevenuePlan) -> dict[str, Any]:
    def amount(value: Decimal | None) -> str | None:
        return None if value is None else f"{value:f}"

    return {
        "policy": plan.policy,
        "policy_source": plan.policy_source,
        "currency": plan.currency,
        "transaction_price": amount(plan.transaction_price),
        "horizon": plan.horizon.isoformat(),
        "obligations": [
            {
                "charge": o.charge,
                "part": o.part,
                "label": o.label,
                "method": o.method,
                "ssp": amount(o.ssp),
                "ssp_source": o.ssp_source,
                "allocated": amount(o.allocated),
                "start": o.start.isoformat(),
                "end": o.end.isoformat(),
                "account": o.account,
                "stages": [
                    {
                        "since": None if s.since == date.min else s.since.isoformat(),
                        "base": amount(s.base),
                        "amount": amount(s.amount),
                        "start": s.start.isoformat(),
                        "end": s.end.isoformat(),
                        "ssp": amount(s.ssp),
                        "why": s.why,
                    }
                    for s in o.stages
                ],
                "months": [{"month": f"{m.month:%Y-%m}", "amount": amount(m.amount)} for m in o.months],
            }
            for o in plan.obligations
        ],
        "modifications": [
            {
                "effective": m.effective.isoformat(),
                "amendment": m.amendment,
                "accounting": m.accounting,
                "written": m.written,
                "price_before": amount(m.price_before),
                "price_after": amount(m.price_after),
                "catch_up": [{"obligation": name, "amount": amount(value)} for name, value in m.catch_up],
                "why": m.why,
            }
            for m in plan.modifications
        ],
    }


def print_plan(console: Console, plan: RevenuePlan, first: date, horizon: date) -> None:
    """The plan's obligations, its modifications and its months from `first` to `horizon`."""
    currency = plan.currency
    policy = "IFRS 15" if plan.policy == "ifrs15" else "invoiced (each invoice line over its own period)"
    source = {"contract": "set in the contract", "seller": "the seller's", "default": "the default"}[plan.policy_source]
    console.print()
    console.print(f"[bold]Revenue[/bold]  policy {policy} ({source})", highlight=False)
    console.print(f"transaction price {_money(plan.transaction_price, currency)} {currency}", highlight=False)
    table = Table(show_edge=False, header_style="bold")
    for name, justify in (
        ("obligation", "left"),
        ("method", "left"),
        ("SSP", "right"),
        ("SSP from", "left"),
        ("allocated", "right"),
        ("service", "left"),
        ("why", "left"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for o in plan.obligations:
        why = o.stages[-1].why if o.stages else ("variable: recognised in the month of use" if o.variable else "")
        service = f"{o.start} – {o.end - timedelta(days=1)}" if o.end > o.start else str(o.start)
        table.add_row(
            f"{o.label} ({_name(o)})",
            _method(o),
            _money(o.ssp, currency),
            o.ssp_source,
            _money(o.allocated, currency) if o.allocated is not None else "usage",
            service,
            why,
        )
    console.print(table)
    for m in plan.modifications:
        console.print(f"modification {m.effective}: {m.why}", highlight=False, markup=False)
    fixed = [o for o in plan.obligations if not o.variable]
    if not fixed:
        return
    months = Table(show_edge=False, header_style="bold")
    months.add_column("month")
    for o in fixed:
        months.add_column(_name(o), justify="right")
    months.add_column("total", justify="right")
    shown = sorted({m.month for o in fixed for m in o.months if first.replace(day=1) <= m.month < horizon})
    for month in shown:
        amounts = [next((m.amount for m in o.months if m.month == month), Decimal(0)) for o in fixed]
        months.add_row(
            f"{month:%Y-%m}", *(_money(a, currency) for a in amounts), _money(sum(amounts, Decimal(0)), currency)
        )
    console.print(months)
