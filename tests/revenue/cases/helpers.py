"""Checked workspaces from text (tests/factories/workspaces.py), and revenue plans of them, for hand-computed
revenue cases."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from compiler.revenue.plan import revenue_plan
from compiler.revenue.records import Obligation, RevenuePlan
from tests.factories.workspaces import PRELUDE, contract, workspace

__all__ = ["PRELUDE", "D", "contract", "months", "obligation", "plan_of", "workspace"]


def plan_of(text: str, horizon: date = date(2030, 1, 1), contract_id: str = "C-1") -> RevenuePlan:
    ws = workspace(text)
    return revenue_plan(ws.contracts[contract_id], ws, horizon)


def months(obligation: Obligation) -> dict[str, Decimal]:
    """Revenue per month as {"2026-01": amount}."""
    return {f"{m.month:%Y-%m}": m.amount for m in obligation.months}


def obligation(plan: RevenuePlan, charge: str, part: str = "") -> Obligation:
    return next(o for o in plan.obligations if o.charge == charge and o.part == part)


def D(text: str) -> Decimal:
    return Decimal(text)
