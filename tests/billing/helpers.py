"""Build a checked workspace from text, for hand-computed schedule and billing cases."""

from __future__ import annotations

from datetime import date

from compiler import model
from compiler.billing.lower import BillingSchedule, lower
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


def workspace(text: str) -> model.Workspace:
    files = []
    for name, source in (("prelude.avt", PRELUDE), ("case.avt", text)):
        result = parse(source, name)
        assert result.file is not None, result.diagnostics
        files.append(result.file)
    checked = check_workspace(files)
    errors = [d for d in checked.diagnostics if d.is_error]
    assert not errors, errors
    return checked.workspace


def schedule(text: str, until: date, contract: str = "C-1") -> BillingSchedule:
    ws = workspace(text)
    return lower(ws.contracts[contract], ws.indices, until)


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
