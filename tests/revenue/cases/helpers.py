"""Checked workspaces from text, and revenue plans of them, for hand-computed revenue cases."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from compiler import model
from compiler.revenue.plan import revenue_plan
from compiler.revenue.records import Obligation, RevenuePlan
from compiler.workspace import check_workspace
from dsl.parser import parse

PRELUDE = """
seller vendor {
  name "Prøve AS"
  orgnr "976240391"
  mva
}

customer buyer {
  name "Kjøper AS"
  orgnr "922152799"
}

metric calls "API-kall" { events "api.call"  count }
"""


def workspace(text: str, prelude: str = PRELUDE) -> model.Workspace:
    files = []
    for name, source in (("prelude.avt", prelude), ("case.avt", text)):
        result = parse(source, name)
        assert result.file is not None, result.diagnostics
        files.append(result.file)
    checked = check_workspace(files)
    errors = [d for d in checked.diagnostics if d.is_error]
    assert not errors, errors
    return checked.workspace


def contract(body: str, *, start: str = "2026-01-01", term: str = "term 12 months", extra: str = "") -> str:
    return f"""{extra}
contract C-1 {{
  customer buyer
  signed {start}
  start {start}
  {term}
{body}
}}
"""


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
