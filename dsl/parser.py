"""Parse .avt text into an AST, or into diagnostics that say what is wrong."""

from __future__ import annotations

import importlib.resources
import threading
from typing import Any, cast

import attrs
from lark import Lark, Token, UnexpectedEOF, UnexpectedInput

from dsl import ast
from dsl.blocks import scan
from dsl.builder import AstBuilder
from dsl.diagnostics import Diagnostic, error, warning
from dsl.fastparse import FastParser, NotFast
from dsl.span import Span
from dsl.syntax_errors import SyntaxErrorTranslator


@attrs.frozen
class ParseResult:
    file: ast.SourceFile | None
    """None when the file has syntax errors."""
    diagnostics: tuple[Diagnostic, ...]


class _Parser:
    """A Lark LALR parser that builds the AST as it parses (no parse tree). Text goes through
    dsl/fastparse.py's loop over the same tables first; Lark itself parses what that hands back."""

    def __init__(self) -> None:
        self.builder = AstBuilder()
        self.comments: list[Token] = []
        grammar = importlib.resources.files("dsl").joinpath("grammar/avt.lark").read_text("utf-8")
        self.lark = Lark(
            grammar,
            parser="lalr",
            lexer="contextual",
            strict=True,
            propagate_positions=False,
            keep_all_tokens=True,
            maybe_placeholders=False,
            transformer=self.builder,
            lexer_callbacks={"COMMENT": self.comments.append},
            cache=True,
        )
        self.errors = SyntaxErrorTranslator(self.lark)
        self.fast: FastParser | None = FastParser(self.lark, self.comments.append)

    def run(self, text: str, path: str, line_offset: int = 0) -> tuple[list[Any], list[Token]]:
        if self.fast is not None:
            self.builder.reset(path, line_offset)
            self.comments.clear()
            try:
                return self.fast.parse(text), list(self.comments)
            except NotFast:
                pass  # Lark parses it again and says what is wrong
        self.builder.reset(path, line_offset)
        self.comments.clear()
        decls = cast(list[Any], self.lark.parse(text))
        return decls, list(self.comments)


_local = threading.local()


def _parser() -> _Parser:
    parser: _Parser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = _Parser()
        _local.parser = parser
    return parser


def parse(text: str, path: str = "<input>") -> ParseResult:
    """Parse one file's text. Never raises for bad input: mistakes come back as diagnostics."""
    parser = _parser()
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        decls, comment_tokens = parser.run(text, path)
    except UnexpectedInput:
        return ParseResult(None, tuple(_recover(parser, text, path)))
    diagnostics = list(parser.builder.diagnostics)
    comments = tuple(ast.Comment(text=str(t).rstrip(), span=parser.builder.tspan(t)) for t in comment_tokens)
    if not decls and not text.strip():
        diagnostics.append(
            warning(
                "W0101",
                "this file is empty",
                Span(path, 1, 1, 1, 1),
                help="add a declaration (seller, customer, metric, index, plan or contract) or delete the file",
            )
        )
    source = ast.SourceFile(path=path, decls=tuple(decls), comments=comments)
    if any(d.is_error for d in diagnostics):
        return ParseResult(None, tuple(diagnostics))
    return ParseResult(source, tuple(diagnostics))


def parse_bytes(data: bytes, path: str) -> ParseResult:
    """Decode UTF-8 (reporting where it is not) and parse."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        return ParseResult(
            None,
            (
                error(
                    "E0101",
                    "this file is not valid UTF-8",
                    Span(path, line, column, line, column + 1),
                    label=f"byte 0x{data[exc.start]:02x} cannot start or continue a UTF-8 character",
                    help="save the file as UTF-8 (most editors have an 'encoding' menu); æ, ø and å are fine in UTF-8",
                ),
            ),
        )
    return parse(text, path)


def _recover(parser: _Parser, text: str, path: str) -> list[Diagnostic]:
    """After a failed parse: parse each top-level declaration on its own, so that
    one run reports the first error in every broken declaration."""
    braces = scan(text)
    diagnostics: list[Diagnostic] = []
    if braces.unclosed is not None:
        b = braces.unclosed
        what = f"`{b.header}` block" if b.header else "block"
        diagnostics.append(
            error(
                "E0107",
                "this `{` is never closed",
                Span(path, b.line, b.column, b.line, b.column + 1),
                label=f"this {what} has no matching `}}`",
                help="add a `}` where the block ends; the formatter's indentation shows where that is",
            )
        )
    for line, column in braces.unmatched:
        diagnostics.append(
            error(
                "E0108",
                "this `}` closes nothing",
                Span(path, line, column, line, column + 1),
                label="no `{` is open here",
                help="delete this `}` or add the `{` it should close",
            )
        )
    lines = text.split("\n")
    for chunk in braces.chunks:
        chunk_text = "\n".join(lines[chunk.first_line - 1 : chunk.end_line - 1])
        try:
            parser.run(chunk_text, path, chunk.first_line - 1)
        except UnexpectedInput as exc:
            at_eof = isinstance(exc, UnexpectedEOF) or getattr(getattr(exc, "token", None), "type", "") == "$END"
            found = parser.errors.translate(exc, text, path, chunk.first_line - 1)
            at_stray_brace = (found.span.line, found.span.column) in braces.unmatched
            if not (at_eof and braces.unclosed) and not at_stray_brace:
                diagnostics.append(found)
        else:
            diagnostics.extend(parser.builder.diagnostics)
    if not diagnostics:  # pragma: no cover - a whole-file error always shows in some chunk
        try:
            parser.run(text, path)
        except UnexpectedInput as exc:
            diagnostics.append(parser.errors.translate(exc, text, path, 0))
    return diagnostics
