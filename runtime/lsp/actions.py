"""Quick fixes for diagnostics whose help names the fix: "did you mean `x`?" replaces the unknown name with `x`."""

from __future__ import annotations

import re
from collections.abc import Sequence

from lsprotocol import types

from runtime.lsp.diagnostics import SOURCE
from runtime.lsp.positions import Lines

_DID_YOU_MEAN = re.compile(r"did you mean `([^`]+)`\?")
_NAME = re.compile(r"[A-Za-z0-9_.-]+\Z")


def _text_in(lines: Lines, rng: types.Range) -> str | None:
    """The text a one-line range covers, or None."""
    if rng.start.line != rng.end.line:
        return None
    line, start = lines.to_column(rng.start)
    _, end = lines.to_column(rng.end)
    return lines.line(line)[start - 1 : end - 1]


def quick_fixes(uri: str, lines: Lines, diagnostics: Sequence[types.Diagnostic]) -> list[types.CodeAction]:
    """One action per diagnostic of ours whose help suggests a name for the one under its range.

    The fix is offered only when the range holds exactly the name the message quotes, so that a
    diagnostic spanning a whole statement is never rewritten."""
    actions: list[types.CodeAction] = []
    for diagnostic in diagnostics:
        if diagnostic.source != SOURCE:
            continue
        found = _DID_YOU_MEAN.search(diagnostic.message)
        if found is None:
            continue
        wrong = _text_in(lines, diagnostic.range)
        if wrong is None or not _NAME.match(wrong) or f"`{wrong}`" not in diagnostic.message.split("\n")[0]:
            continue
        meant = found.group(1)
        edit = types.TextEdit(range=diagnostic.range, new_text=meant)
        actions.append(
            types.CodeAction(
                title=f"Change `{wrong}` to `{meant}`",
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[diagnostic],
                is_preferred=True,
                edit=types.WorkspaceEdit(changes={uri: [edit]}),
            )
        )
    return actions
