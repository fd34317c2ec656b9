"""Diagnostics: user mistakes as values, collected and reported together."""

from __future__ import annotations

import enum

import attrs

from dsl.span import Span


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@attrs.frozen
class Label:
    """A secondary place that explains the diagnostic ("first defined here")."""

    span: Span
    message: str


@attrs.frozen(cache_hash=True)  # sorted and deduplicated by every check, thousands at a time
class Diagnostic:
    code: str
    severity: Severity
    message: str
    span: Span
    label: str = ""
    """Text printed under the carets of the primary span."""
    help: str = ""
    labels: tuple[Label, ...] = ()

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.span.file, self.span.line, self.span.column, self.code, self.message)


def error(
    code: str,
    message: str,
    span: Span,
    *,
    label: str = "",
    help: str = "",
    labels: tuple[Label, ...] = (),
) -> Diagnostic:
    return Diagnostic(code, Severity.ERROR, message, span, label, help, labels)


def warning(code: str, message: str, span: Span, **details: str | tuple[Label, ...]) -> Diagnostic:
    """Like `error`, at warning severity."""
    return attrs.evolve(error(code, message, span, **details), severity=Severity.WARNING)  # type: ignore[arg-type]


def note(code: str, message: str, span: Span, *, label: str = "", help: str = "") -> Diagnostic:
    return Diagnostic(code, Severity.NOTE, message, span, label, help)


def has_errors(diagnostics: list[Diagnostic] | tuple[Diagnostic, ...]) -> bool:
    return any(d.is_error for d in diagnostics)


def sorted_diagnostics(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Sorted by file and position, exact duplicates removed."""
    return sorted(set(diagnostics), key=Diagnostic.sort_key)
