"""Spans point at exactly the text a node came from."""

from __future__ import annotations

from dsl import ast
from dsl.parser import parse
from dsl.span import Span

TEXT = """\
plan team "Team" effective 2026-01-01 {
  charge seats "Seats" {
    per_unit 149.00 per seat per month
    graduated {
      up to 100 1.00
      above     0.50
    }
  }
}

contract ACME-1 {
  customer acme
  discount "D" 10% on seats, base
  amendment 1 "A" signed 2026-02-01 effective 2026-03-01 {
    seats quantity 40
  }
}
"""


def text_of(span: Span) -> str:
    lines = TEXT.split("\n")
    if span.line == span.end_line:
        return lines[span.line - 1][span.column - 1 : span.end_column - 1]
    first = lines[span.line - 1][span.column - 1 :]
    last = lines[span.end_line - 1][: span.end_column - 1]
    return "\n".join([first, *lines[span.line : span.end_line - 1], last])


def parsed() -> ast.SourceFile:
    result = parse(TEXT, "team.avt")
    assert result.file is not None
    return result.file


def test_declaration_spans_cover_keyword_to_closing_brace() -> None:
    plan, contract = parsed().decls
    assert plan.span == Span("team.avt", 1, 1, 9, 2)
    assert text_of(plan.span).startswith("plan team") and text_of(plan.span).endswith("}")
    assert contract.span.line == 11 and contract.span.end_line == 17


def test_statement_and_name_spans() -> None:
    plan, contract = parsed().decls
    assert isinstance(plan, ast.Plan) and isinstance(contract, ast.Contract)
    assert text_of(plan.id.span) == "team"
    charge = plan.body[0]
    assert isinstance(charge, ast.Charge)
    assert text_of(charge.id.span) == "seats"
    per_unit, graduated = charge.body
    assert text_of(per_unit.span) == "per_unit 149.00 per seat per month"
    assert isinstance(graduated, ast.GraduatedPrice)
    assert [text_of(t.span) for t in graduated.tiers] == ["up to 100 1.00", "above     0.50"]
    customer, discount, amendment = contract.body
    assert isinstance(customer, ast.CustomerRef)
    assert text_of(customer.customer.span) == "acme"
    assert isinstance(discount, ast.DiscountStmt)
    assert [text_of(r.span) for r in discount.charges] == ["seats", "base"]
    assert isinstance(amendment, ast.Amendment)
    change = amendment.body[0]
    assert isinstance(change, ast.ChargeSet)
    assert text_of(change.span) == "seats quantity 40"
    assert Span("team.avt", 15, 5, 15, 10) == change.charge.span


def test_comment_spans() -> None:
    result = parse('customer c { name "C" }  # note\n', "c.avt")
    assert result.file is not None
    assert result.file.comments[0].span == Span("c.avt", 1, 26, 1, 32)


def test_spans_after_recovery_are_absolute() -> None:
    text = 'customer a { name "A" }\n\ncontract X {\n  signed soon\n}\n\ncontract Y {\n  start\n}\n'
    result = parse(text, "r.avt")
    assert result.file is None
    assert [(d.span.line, d.span.column) for d in result.diagnostics] == [(4, 10), (9, 1)]
