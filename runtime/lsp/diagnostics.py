"""Avtale's diagnostics as LSP diagnostics: the same code, place, message, label and help as `avtale check`."""

from __future__ import annotations

from collections.abc import Callable

from lsprotocol import types

from dsl.diagnostics import Diagnostic, Severity
from runtime.lsp.positions import Lines

SOURCE = "avtale"

# Notes (the plan version a contract follows, a pass skipped) are hints: shown in the editor at the
# place, kept out of the problems list, which 10,000 contracts' notes would drown.
SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.NOTE: types.DiagnosticSeverity.Hint,
}


def message(diagnostic: Diagnostic) -> str:
    """The message, then the label under the carets, then the help line, as `avtale check` prints them."""
    parts = [diagnostic.message]
    if diagnostic.label:
        parts.append(diagnostic.label)
    if diagnostic.help:
        parts.append(f"help: {diagnostic.help}")
    return "\n".join(parts)


def to_lsp(diagnostic: Diagnostic, lines: Callable[[str], Lines], uri: Callable[[str], str]) -> types.Diagnostic:
    """`lines(path)` gives a file's lines for column conversion, `uri(path)` its URI (for the labels)."""
    span = diagnostic.span
    related = [
        types.DiagnosticRelatedInformation(
            location=types.Location(uri(label.span.file), lines(label.span.file).range(label.span)),
            message=label.message,
        )
        for label in diagnostic.labels
    ]
    return types.Diagnostic(
        range=lines(span.file).range(span),
        message=message(diagnostic),
        severity=SEVERITY[diagnostic.severity],
        code=diagnostic.code,
        source=SOURCE,
        related_information=related or None,
        data={"help": diagnostic.help} if diagnostic.help else None,
    )
