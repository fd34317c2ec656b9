"""The outline of a file: its declarations, with the charges and amendments inside them."""

from __future__ import annotations

from lsprotocol import types

from dsl import ast
from dsl.span import Span
from runtime.lsp.positions import Lines

K = types.SymbolKind


def _symbol(
    lines: Lines,
    name: str,
    detail: str,
    kind: types.SymbolKind,
    node_span: Span,
    id_span: Span,
    children: list[types.DocumentSymbol] | None = None,
) -> types.DocumentSymbol:
    return types.DocumentSymbol(
        name=name,
        detail=detail or None,
        kind=kind,
        range=lines.range(node_span),
        selection_range=lines.range(id_span),
        children=children or None,
    )


def _charge(lines: Lines, charge: ast.Charge) -> types.DocumentSymbol:
    return _symbol(lines, charge.id.name, charge.label, K.Field, charge.span, charge.id.span)


def _amendment(lines: Lines, amendment: ast.Amendment) -> types.DocumentSymbol:
    charges = [_charge(lines, c) for c in amendment.body if isinstance(c, ast.Charge)]
    detail = f"{amendment.reason} (effective {amendment.effective})"
    # an amendment's number has no node of its own: its whole first line selects it
    start = amendment.span
    head = Span(start.file, start.line, start.column, start.line, len(lines.line(start.line)) + 1)
    return _symbol(lines, f"amendment {amendment.number}", detail, K.Event, amendment.span, head, charges)


def document_symbols(file: ast.SourceFile, lines: Lines) -> list[types.DocumentSymbol]:
    found: list[types.DocumentSymbol] = []
    for decl in file.decls:
        if isinstance(decl, ast.Seller):
            found.append(_symbol(lines, decl.id.name, "seller", K.Module, decl.span, decl.id.span))
        elif isinstance(decl, ast.Customer):
            found.append(_symbol(lines, decl.id.name, "customer", K.Object, decl.span, decl.id.span))
        elif isinstance(decl, ast.Metric):
            found.append(_symbol(lines, decl.id.name, f"metric: {decl.label}", K.Property, decl.span, decl.id.span))
        elif isinstance(decl, ast.Index):
            found.append(_symbol(lines, decl.id.name, f"index: {decl.label}", K.Constant, decl.span, decl.id.span))
        elif isinstance(decl, ast.Plan):
            charges = [_charge(lines, c) for c in decl.body if isinstance(c, ast.Charge)]
            detail = f"plan: {decl.label}, effective {decl.effective}"
            found.append(_symbol(lines, decl.id.name, detail, K.Class, decl.span, decl.id.span, charges))
        elif isinstance(decl, ast.Contract):
            inside: list[types.DocumentSymbol] = []
            for stmt in decl.body:
                if isinstance(stmt, ast.Charge):
                    inside.append(_charge(lines, stmt))
                elif isinstance(stmt, ast.Amendment):
                    inside.append(_amendment(lines, stmt))
            customer = next((s.customer.name for s in decl.body if isinstance(s, ast.CustomerRef)), "")
            detail = f"contract with {customer}" if customer else "contract"
            found.append(_symbol(lines, decl.id.name, detail, K.Struct, decl.span, decl.id.span, inside))
    return found
