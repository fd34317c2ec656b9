"""Checked workspaces from text: one seller, one buyer and a metric (PRELUDE) and a contract C-1 around a body,
for cases whose schedules, bills and revenue are worked out by hand."""

from __future__ import annotations

from collections.abc import Mapping

from compiler import model
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


def checked(files: Mapping[str, str]) -> model.Workspace:
    """The checked workspace of `files` ({name: text}, in that order); any error fails the test."""
    parsed = []
    for name, text in files.items():
        result = parse(text, name)
        assert result.file is not None, result.diagnostics
        parsed.append(result.file)
    outcome = check_workspace(parsed)
    errors = [d for d in outcome.diagnostics if d.is_error]
    assert not errors, errors
    return outcome.workspace


def workspace(text: str, prelude: str = PRELUDE) -> model.Workspace:
    """The checked workspace of `prelude` and `text` (case.avt)."""
    return checked({"prelude.avt": prelude, "case.avt": text})


def contract(body: str, *, start: str = "2026-01-01", term: str = "term 12 months", extra: str = "") -> str:
    """Contract C-1 with the prelude's buyer, signed and starting on `start`, around `body` (after `extra`)."""
    return f"""{extra}
contract C-1 {{
  customer buyer
  signed {start}
  start {start}
  {term}
{body}
}}
"""
