"""Which AST nodes sit under a cursor: the lookup under hover, definition and references.

The walk is generic over the attrs classes of `dsl/ast.py`, so a node added to the grammar is found
without a change here. It descends only into nodes whose span holds the position, so a lookup costs
the depth of the tree times the width of each level, not the size of the file.
"""

from __future__ import annotations

import attrs

from dsl import ast
from dsl.span import Span


def node_path(file: ast.SourceFile, line: int, column: int) -> list[object]:
    """The nodes whose span holds the 1-based position (end column exclusive), outermost first:
    the declaration, its statement, then inner nodes down to a `Ref`."""
    path: list[object] = []
    level: tuple[object, ...] = file.decls
    while True:
        inner = next((n for n in level if _holds(_span_of(n), line, column)), None)
        if inner is None:
            return path
        path.append(inner)
        level = _children(inner)


def ref_at(file: ast.SourceFile, line: int, column: int) -> ast.Ref | None:
    """The innermost name at the position, if the cursor is on one."""
    for node in reversed(node_path(file, line, column)):
        if isinstance(node, ast.Ref):
            return node
    return None


def _holds(span: Span | None, line: int, column: int) -> bool:
    if span is None or span.line == 0:  # no span, or a node built by code
        return False
    return (span.line, span.column) <= (line, column) < (span.end_line, span.end_column)


def _span_of(node: object) -> Span | None:
    span = getattr(node, "span", None)
    return span if isinstance(span, Span) else None


def _children(node: object) -> tuple[object, ...]:
    """The nodes held in a node's fields, in field order; tuples of nodes are flattened."""
    found: list[object] = []
    for name in _node_fields(type(node)):
        value = getattr(node, name)
        if isinstance(value, tuple):
            found.extend(v for v in value if attrs.has(type(v)))
        elif attrs.has(type(value)):
            found.append(value)
    return tuple(found)


_FIELDS: dict[type, tuple[str, ...]] = {}


def _node_fields(cls: type) -> tuple[str, ...]:
    """The fields of an AST class that may hold nodes (not its span), looked up once per class."""
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(f.name for f in attrs.fields(cls) if f.name != "span")
    return names
