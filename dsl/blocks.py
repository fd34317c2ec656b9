"""A lexical scan of braces, strings and comments, independent of the grammar.

Used after a parse fails: to split a file into top-level declarations that can
be parsed on their own (so one run reports an error in each broken
declaration), to say which `{` is never closed, and to name the block an error
sits in.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import attrs


@attrs.frozen
class Brace:
    offset: int
    line: int
    column: int
    header: str
    """The first word of the line that opens the block (`charge`, `contract`)."""


@attrs.frozen
class Chunk:
    """Lines [first_line, end_line) of a file, holding whole top-level declarations."""

    first_line: int
    end_line: int


@attrs.frozen
class BraceScan:
    chunks: tuple[Chunk, ...]
    unclosed: Brace | None
    """The `{` most likely missing its `}`, if any brace is unbalanced."""
    unmatched: tuple[tuple[int, int], ...]
    """(line, column) of each `}` that closes nothing."""


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")


def _indent(text: str, line_start: int) -> int:
    i = line_start
    while i < len(text) and text[i] in " \t":
        i += 1
    return i - line_start


def _header(text: str, line_start: int, offset: int) -> str:
    match = _WORD.search(text, line_start, offset)
    return match.group(0) if match else ""


def _braces(text: str, end: int) -> Iterator[tuple[str, int, int, int]]:
    """Yield (brace, offset, line, line_start) for each `{` and `}` before `end`
    that is not inside a string or a comment."""
    line, line_start = 1, 0
    i = 0
    while i < end:
        ch = text[i]
        if ch == "\n":
            line += 1
            line_start = i + 1
        elif ch == "#":
            nl = text.find("\n", i, end)
            i = end if nl < 0 else nl
            continue
        elif ch == '"':
            i += 1
            while i < end and text[i] not in '"\n':
                i += 2 if text[i] == "\\" else 1
            if i < end and text[i] == '"':
                i += 1
            continue
        elif ch in "{}":
            yield ch, i, line, line_start
        i += 1


def scan(text: str) -> BraceScan:
    chunks: list[Chunk] = []
    stack: list[tuple[Brace, int]] = []  # the brace and its line's indentation
    pairs: list[tuple[Brace, int, int]] = []  # opening brace, its indent, indent of the closing line
    unmatched: list[tuple[int, int]] = []
    chunk_first = 1
    for ch, i, line, line_start in _braces(text, len(text)):
        if ch == "{":
            brace = Brace(i, line, i - line_start + 1, _header(text, line_start, i))
            stack.append((brace, _indent(text, line_start)))
        elif stack:
            brace, indent = stack.pop()
            pairs.append((brace, indent, _indent(text, line_start)))
            if not stack:
                chunks.append(Chunk(chunk_first, line + 1))
                chunk_first = line + 1
        else:
            unmatched.append((line, i - line_start + 1))
    last_line = text.count("\n") + 1
    unclosed = None
    if stack:
        chunks.append(Chunk(chunk_first, last_line + 1))
        # A block whose `}` sits at another indentation than its opening line
        # most likely lost its own `}` and borrowed its parent's.
        outermost = stack[0][0]
        suspects = [b for b, open_indent, close_indent in pairs if open_indent != close_indent]
        suspects = [b for b in suspects if b.offset > outermost.offset]
        unclosed = min(suspects, key=lambda b: b.offset) if suspects else outermost
    elif chunk_first <= last_line:
        chunks.append(Chunk(chunk_first, last_line + 1))
    return BraceScan(tuple(chunks), unclosed, tuple(unmatched))


def enclosing_header(text: str, offset: int) -> str:
    """The header word of the innermost block open at `offset` ('' at top level)."""
    stack: list[str] = []
    for ch, i, _line, line_start in _braces(text, offset):
        if ch == "{":
            stack.append(_header(text, line_start, i))
        elif stack:
            stack.pop()
    return stack[-1] if stack else ""
