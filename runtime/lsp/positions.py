"""Spans (1-based lines, columns in characters) to LSP ranges (0-based, columns in the negotiated unit), and back.

LSP counts columns in UTF-16 code units unless client and server agree on UTF-8 or UTF-32 at
`initialize`: `æøå` are one unit in UTF-16 but two bytes in UTF-8, and an emoji is two UTF-16
units. A span's column counts characters (code points), as the parser does.
"""

from __future__ import annotations

from collections.abc import Sequence

from lsprotocol import types

from dsl.span import Span

UTF8 = "utf-8"
UTF16 = "utf-16"
UTF32 = "utf-32"


def _units(text: str, encoding: str) -> int:
    if encoding == UTF32 or text.isascii():
        return len(text)
    if encoding == UTF8:
        return len(text.encode("utf-8"))
    return len(text.encode("utf-16-le")) // 2


class Lines:
    """A text's lines, for converting columns on them."""

    def __init__(self, text: str, encoding: str = UTF16) -> None:
        self.lines: Sequence[str] = text.split("\n")
        self.encoding = encoding

    def line(self, number: int) -> str:
        """The 1-based line `number`, without its end of line; empty past the end."""
        if 1 <= number <= len(self.lines):
            return self.lines[number - 1].rstrip("\r")
        return ""

    def to_units(self, line: int, column: int) -> int:
        """The 1-based character column on 1-based `line` as a 0-based LSP column."""
        return _units(self.line(line)[: max(column - 1, 0)], self.encoding)

    def to_column(self, position: types.Position) -> tuple[int, int]:
        """An LSP position as a 1-based (line, character column)."""
        text = self.line(position.line + 1)
        if self.encoding == UTF32 or text.isascii():
            return position.line + 1, min(position.character, len(text)) + 1
        count = 0
        for index, char in enumerate(text):
            if count >= position.character:
                return position.line + 1, index + 1
            count += _units(char, self.encoding)
        return position.line + 1, len(text) + 1

    def range(self, span: Span) -> types.Range:
        """A span as an LSP range; a span of the whole file (line 0) as the file's start."""
        if span.line <= 0:
            return types.Range(types.Position(0, 0), types.Position(0, 0))
        start = types.Position(span.line - 1, self.to_units(span.line, span.column))
        end = types.Position(span.end_line - 1, self.to_units(span.end_line, span.end_column))
        return types.Range(start, end)

    def end(self) -> types.Position:
        """The position after the text's last character."""
        last = len(self.lines)
        return types.Position(last - 1, _units(self.lines[-1], self.encoding))


def contains(span: Span, line: int, column: int) -> bool:
    """Whether the 1-based position lies in the span (the end column counted, so that a cursor just
    after a name still finds it)."""
    if span.line <= 0:
        return False
    return (span.line, span.column) <= (line, column) <= (span.end_line, span.end_column)
