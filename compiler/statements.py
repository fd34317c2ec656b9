"""Reading a declaration's statements: each at most once, required ones present."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from dsl.diagnostics import Diagnostic, Label, error
from dsl.printer import statement_text
from dsl.span import Span

T = TypeVar("T")


def keyword(node: Any) -> str:
    """The keyword a statement starts with, for messages (`billed`, `vat`)."""
    try:
        return statement_text(node).split(" ", 1)[0]
    except TypeError:
        return type(node).__name__.removesuffix("Stmt").lower()


_LEAF: dict[object, bool] = {}
"""Whether a kind asked for is a class without subclasses, by kind."""


class Statements:
    """The statements of one block, looked up by kind."""

    def __init__(self, owner: str, body: Sequence[Any], sink: list[Diagnostic]) -> None:
        self.owner = owner
        self.body = body
        self.sink = sink
        self._by_type: dict[type, list[Any]] | None = None

    def all(self, kind: type[T] | tuple[type[T], ...]) -> list[T]:
        """The statements of `kind`, in the order written. A contract's check asks for some thirty kinds,
        so the body is sorted by type once; a kind that is a class of its own (AST classes have no
        subclasses) is then one lookup."""
        by_type = self._by_type
        if by_type is None:
            by_type = self._by_type = {}
            for statement in self.body:
                by_type.setdefault(type(statement), []).append(statement)
        leaf = _LEAF.get(kind)
        if leaf is None:
            leaf = _LEAF[kind] = type(kind) is type and not kind.__subclasses__()
        if leaf:
            return list(by_type.get(kind, ()))  # type: ignore[arg-type]
        return [s for s in self.body if isinstance(s, kind)]

    def one(self, kind: type[T] | tuple[type[T], ...], what: str = "", code: str = "E0304") -> T | None:
        """The statement of this kind; a second one is an error pointing at both."""
        found = self.all(kind)
        if not found:
            return None
        first = found[0]
        for extra in found[1:]:
            name = what or f"`{keyword(extra)}`"
            self.sink.append(
                error(
                    code,
                    f"{self.owner} has more than one {name}",
                    extra.span,  # type: ignore[attr-defined]
                    label="second one here",
                    help=f"keep one {name} and delete the other",
                    labels=(Label(first.span, "first one here"),),  # type: ignore[attr-defined]
                )
            )
        return first

    def require(self, kind: type[T], what: str, span: Span, example: str) -> T | None:
        found = self.one(kind)
        if found is None:
            self.sink.append(
                error(
                    "E0305",
                    f"{self.owner} has no {what}",
                    span,
                    label=f"{what} missing",
                    help=f"add a line such as `{example}`",
                )
            )
        return found
