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
_NOT_BLANK = re.compile(r"[^ \t]")


class _Lines:
    """The indentation and first word of the line a brace sits on, each looked up
    once per line: looking them up afresh for every brace is quadratic on a line
    that holds thousands of braces. Braces must be asked about in order."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._start = -1
        self._indent = 0
        self._word: re.Match[str] | None = None
        self._searched_to = 0

    def _move_to(self, line_start: int) -> None:
        if line_start != self._start:
            blank_to = _NOT_BLANK.search(self._text, line_start)
            self._indent = (blank_to.start() if blank_to else len(self._text)) - line_start
            self._start, self._word, self._searched_to = line_start, None, line_start

    def indent(self, line_start: int) -> int:
        self._move_to(line_start)
        return self._indent

    def header(self, line_start: int, offset: int) -> str:
        """The first word between `line_start` and the brace at `offset`."""
        self._move_to(line_start)
        if self._word is None and self._searched_to < offset:
            # Nothing up to `searched_to`, and no word runs through the brace
            # there, so resuming finds what a search from `line_start` would.
            self._word = _WORD.search(self._text, self._searched_to, offset)
            self._searched_to = offset
        return self._word.group(0) if self._word else ""


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
    lines = _Lines(text)
    for ch, i, line, line_start in _braces(text, len(text)):
        if ch == "{":
            brace = Brace(i, line, i - line_start + 1, lines.header(line_start, i))
            stack.append((brace, lines.indent(line_start)))
        elif stack:
            brace, indent = stack.pop()
            pairs.append((brace, indent, lines.indent(line_start)))
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
    lines = _Lines(text)
    for ch, i, _line, line_start in _braces(text, offset):
        if ch == "{":
            stack.append(lines.header(line_start, i))
        elif stack:
            stack.pop()
    return stack[-1] if stack else ""
