"""Diagnostics rendered for people (rustc style) and for programs (JSON)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from dsl.diagnostics import Diagnostic, Severity
from dsl.span import Span

_COLORS = {
    "error": "\x1b[1;31m",
    "warning": "\x1b[1;33m",
    "note": "\x1b[1;36m",
    "help": "\x1b[1;32m",
    "dim": "\x1b[1;34m",
}
_RESET = "\x1b[0m"

MAX_LINE_SHOWN = 200
"""A source line is quoted up to this many characters: a minified or generated file can hold a
megabyte on one line, and the place in it is given by line and column anyway."""
MAX_QUOTE = 60
"""A `quoted` piece of source inside a message, label or help is cut to this many characters."""
MAX_TEXT = 600
"""And a message, label or help as a whole, whatever it holds."""

SourceLines = Callable[[str], list[str] | None]
"""Given a file name, its lines (or None when the text is not available)."""


def lines_from(sources: Mapping[str, str]) -> SourceLines:
    cache: dict[str, list[str]] = {}

    def get(file: str) -> list[str] | None:
        if file not in sources:
            return None
        if file not in cache:
            cache[file] = sources[file].split("\n")
        return cache[file]

    return get


def _shorten(text: str) -> str:
    """`text` with every overlong `quote` cut short, so a message echoing a huge token stays a line."""
    if len(text) <= MAX_QUOTE:
        return text
    parts = text.split("`")
    # Backticks pair up from the start, so the prose between two quotes is not a quote. A quoted token may hold
    # backticks itself, which shifts the pairs: a long run between two backticks with no space in it is a piece
    # of such a token, never prose, and is cut too.
    quoted = set(range(1, len(parts) - 1, 2)) if len(parts) % 2 else set()
    for i in range(1, len(parts) - 1):
        if len(parts[i]) > MAX_QUOTE and (i in quoted or not any(c.isspace() for c in parts[i])):
            parts[i] = parts[i][:MAX_QUOTE] + "…"
    text = "`".join(parts)
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "…"


def _paint(text: str, style: str, color: bool) -> str:
    return f"{_COLORS[style]}{text}{_RESET}" if color else text


def _snippet(
    span: Span, mark: str, label: str, lines: list[str] | None, gutter: int, style: str, color: bool
) -> list[str]:
    bar = _paint(" " * gutter + " |", "dim", color)
    if lines is None or not 1 <= span.line <= len(lines):
        return []
    line = lines[span.line - 1]
    text = line[: MAX_LINE_SHOWN + 1].rstrip("\r").expandtabs(1)  # tabs become one space: columns stay
    start = max(span.column, 1)
    end = span.end_column if span.end_line == span.line else len(line.rstrip("\r")) + 1
    if len(text) > MAX_LINE_SHOWN:
        text = text[:MAX_LINE_SHOWN] + "…"
        # the carets stop at the ellipsis; a place beyond it is marked on the ellipsis
        start = min(start, MAX_LINE_SHOWN + 1)
        end = min(end, MAX_LINE_SHOWN + 2)
    width = max(1, end - start)
    number = _paint(str(span.line).rjust(gutter) + " |", "dim", color)
    underline = " " * (start - 1) + mark * width + (f" {_shorten(label)}" if label else "")
    return [f"{number} {text}", f"{bar} {_paint(underline, style, color)}"]


def render_text(diagnostic: Diagnostic, source_lines: SourceLines, *, color: bool = False) -> str:
    severity = diagnostic.severity.value
    span = diagnostic.span
    gutter = len(str(max([span.line, *(lab.span.line for lab in diagnostic.labels)])))
    head = _paint(f"{severity}[{diagnostic.code}]", severity, color)
    where = str(span) if span.line else span.file  # line 0: the file as a whole
    out = [f"{head}: {_shorten(diagnostic.message)}", f"{' ' * gutter}{_paint('-->', 'dim', color)} {where}"]
    bar = _paint(" " * gutter + " |", "dim", color)
    shown: list[tuple[Span, str, str, str]] = [(span, "^", diagnostic.label, severity)]
    shown += [(lab.span, "-", lab.message, "dim") for lab in diagnostic.labels]
    body: list[str] = []
    for item_span, mark, label, style in sorted(shown, key=lambda x: (x[0].file != span.file, x[0].line, x[0].column)):
        if item_span.file != span.file:
            body.append(f"{' ' * gutter}{_paint(':::', 'dim', color)} {item_span}")
        body += _snippet(item_span, mark, label, source_lines(item_span.file), gutter, style, color)
    if body:
        out += [bar, *body]
    if diagnostic.help:
        help = _shorten(diagnostic.help)
        out += [bar, f"{' ' * gutter} {_paint('=', 'dim', color)} {_paint('help', 'help', color)}: {help}"]
    return "\n".join(out)


def _span_json(span: Span) -> dict[str, Any]:
    return {
        "file": span.file,
        "line": span.line,
        "column": span.column,
        "end_line": span.end_line,
        "end_column": span.end_column,
    }


def to_json(diagnostic: Diagnostic) -> dict[str, Any]:
    return {
        "code": diagnostic.code,
        "severity": diagnostic.severity.value,
        "message": _shorten(diagnostic.message),
        "span": _span_json(diagnostic.span),
        "label": _shorten(diagnostic.label),
        "help": _shorten(diagnostic.help),
        "labels": [{"span": _span_json(lab.span), "message": _shorten(lab.message)} for lab in diagnostic.labels],
    }


def render_json(diagnostics: Iterable[Diagnostic], **summary: Any) -> str:
    items = [to_json(d) for d in diagnostics]
    counts = {s.value + "s": sum(1 for d in items if d["severity"] == s.value) for s in Severity}
    return json.dumps({"diagnostics": items, "summary": {**counts, **summary}}, ensure_ascii=False, indent=2)


def summary_line(diagnostics: Iterable[Diagnostic]) -> str:
    errors = warnings = 0
    for d in diagnostics:
        errors += d.severity is Severity.ERROR
        warnings += d.severity is Severity.WARNING
    parts = []
    if errors:
        parts.append(f"{errors} error{'s' if errors != 1 else ''}")
    if warnings:
        parts.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
    return ", ".join(parts)
