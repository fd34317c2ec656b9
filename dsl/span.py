"""Source positions carried by every AST node, schedule line and diagnostic."""

from __future__ import annotations

import attrs

from dsl.pickling import pickle_as_tuples


@attrs.frozen(order=True)
class Span:
    """A region of a source file: 1-based lines and columns, end column exclusive.
    Line 0 stands for the file as a whole (a missing seller, a skipped pass)."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


NO_SPAN = Span("<generated>", 0, 0, 0, 0)
"""The span of nodes built by code rather than parsed (tests, generators)."""


pickle_as_tuples(globals())
