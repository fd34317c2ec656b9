"""Turn Lark's parse errors into diagnostics written in plain words."""

from __future__ import annotations

import re

from lark import Lark, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from dsl.blocks import enclosing_header
from dsl.diagnostics import Diagnostic, error
from dsl.span import Span

NAMED_TERMINALS = {
    "IDENT": "a name",
    "NUMBER": "a number",
    "STRING": "a string in double quotes",
    "DATE": "a date (YYYY-MM-DD)",
    "YEAR_MONTH": "a month (YYYY-MM)",
    "MONTHDAY": "a day of the year (MM-DD)",
    "PERCENT": "a percentage such as `10%`",
    "$END": "the end of the file",
}

# Known mistakes, matched by parser state: label -> (message, help, examples).
EXAMPLES: dict[str, tuple[str, str, list[str]]] = {
    "plan_effective": (
        "a plan needs `effective DATE` after its label",
        'write the date this version takes effect: `plan team "Team" effective 2026-01-01 {`',
        ['plan p "P" {', 'plan p "P" 2026-01-01'],
    ),
    "charge_label": (
        "a charge needs a label in double quotes after its id",
        'the label is what the customer sees on the invoice: `charge seats "Brukerlisenser" {`',
        [
            'plan p "P" effective 2026-01-01 { charge c {',
            'plan p "P" effective 2026-01-01 { currency NOK charge c {',
            "contract x { charge c {",
            "contract x { start 2026-01-01 charge c {",
        ],
    ),
    "metric_label": (
        "a metric needs a label in double quotes after its id",
        'write `metric api_calls "API-kall" { events "api.call" count }`',
        ["metric m {"],
    ),
    "discount_percent": (
        "a discount needs a percentage such as `10%`",
        'write `discount "Lanseringsrabatt" 10% on platform`',
        [
            'contract x { discount "d" 10 ',
            'contract x { amendment 1 "r" signed 2026-01-01 effective 2026-01-01 { discount "d" 10 ',
        ],
    ),
    "tier_start": (
        "a tier starts with `up to N` or `above`",
        "write each tier as `up to 1_000 0.50` and end with `above 0.25`",
        [
            f'plan p "P" effective 2026-01-01 {{ charge c "C" {{ {before}{kind} {{ {tier}1 '
            for kind in ("graduated", "volume")
            for before in ("", "usage m ")
            for tier in ("", "up to 1 1 ")
        ],
    ),
    "amendment_number": (
        "an amendment starts with its number",
        'write `amendment 1 "Reason" signed 2026-02-10 effective 2026-03-01 {`',
        ['contract x { amendment "r"', 'contract x { start 2026-01-01 amendment "r"'],
    ),
}

_PREV_TOKEN = re.compile(r'("(?:[^"\\\n]|\\.)*"|[^\s{}",]+|[{},])\s*$')


def _strip_comment(line: str) -> str:
    in_string = False
    for i, ch in enumerate(line):
        if ch == '"':
            in_string = not in_string
        elif ch == "#" and not in_string:
            return line[:i]
    return line


class SyntaxErrorTranslator:
    def __init__(self, lark: Lark) -> None:
        self.lark = lark
        self.descriptions: dict[str, str] = {}
        for term in lark.terminals:
            if term.name in NAMED_TERMINALS:
                self.descriptions[term.name] = NAMED_TERMINALS[term.name]
            elif term.pattern.type == "str":
                self.descriptions[term.name] = f"`{term.pattern.value}`"

    def describe(self, terminal: str) -> str:
        return self.descriptions.get(terminal, NAMED_TERMINALS.get(terminal, terminal.lower()))

    def translate(self, exc: UnexpectedInput, full_text: str, path: str, line_offset: int) -> Diagnostic:
        lines = full_text.split("\n")
        line = (exc.line if isinstance(exc.line, int) and exc.line > 0 else 0) + line_offset
        column = exc.column if isinstance(exc.column, int) and exc.column > 0 else 0
        if line <= line_offset:  # no position: the end of the chunk
            line, column = self._end_of(lines, line_offset, exc)
        if isinstance(exc, UnexpectedCharacters):
            return self._characters(exc, lines, path, line, column)
        return self._token(exc, full_text, lines, path, line, column)

    @staticmethod
    def _end_of(lines: list[str], line_offset: int, exc: UnexpectedInput) -> tuple[int, int]:
        last = len(lines)
        while last > 1 and not lines[last - 1].strip():
            last -= 1
        return last, len(lines[last - 1]) + 1

    def _characters(self, exc: UnexpectedCharacters, lines: list[str], path: str, line: int, column: int) -> Diagnostic:
        text = lines[line - 1] if line - 1 < len(lines) else ""
        char = text[column - 1] if 0 < column <= len(text) else "?"
        if char == '"':
            return error(
                "E0103",
                "this string is never closed",
                Span(path, line, column, line, len(text) + 1),
                label="the string starts here and runs to the end of the line",
                help='close the string with `"` on the same line; write `\\"` for a quote inside it',
            )
        return error(
            "E0102",
            f"`{char}` cannot appear here",
            Span(path, line, column, line, column + 1),
            label="unexpected character",
            help="names are letters, digits, `_` and `-`; text belongs in double quotes; `#` starts a comment",
        )

    def _token(
        self, exc: UnexpectedInput, full_text: str, lines: list[str], path: str, line: int, column: int
    ) -> Diagnostic:
        token = getattr(exc, "token", None)
        at_end = isinstance(exc, UnexpectedEOF) or (token is not None and token.type == "$END")
        if at_end:
            line, column = self._end_of(lines, 0, exc)
            found_text, width = "the end of the file", 1
        else:
            value = str(token) if token is not None else ""
            found_text, width = f"`{value}`", max(1, len(value))
        span = Span(path, line, column, line, column + width)
        offset = sum(len(x) + 1 for x in lines[: line - 1]) + column - 1
        expected = sorted(getattr(exc, "expected", set()) or getattr(exc, "accepts", set()) or set())

        matched = self._match_example(exc)
        if matched is not None:
            message, help_text = matched
            return error("E0100", message, span, label=f"found {found_text}", help=help_text)

        prev = self._previous_token(lines, line, column)
        words = [self.describe(t) for t in expected if t != "$END"]
        if 0 < len(words) <= 5:
            wanted = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]
            after = f" after `{prev}`" if prev else ""
            return error(
                "E0100",
                f"expected {wanted}{after}",
                span,
                label=f"found {found_text}",
                help=f"write {wanted} here",
            )
        header = enclosing_header(full_text, offset)
        keywords = [w for w in words if w.startswith("`") and w != "`}`"]
        if header:
            message = f"{found_text} cannot start a statement in a `{header}` block"
            help_text = f"a `{header}` block holds statements starting with {', '.join(keywords)}"
        else:
            message = f"{found_text} cannot start a declaration"
            help_text = f"a file holds declarations starting with {', '.join(keywords)}"
        return error("E0100", message, span, label="unexpected here", help=help_text)

    def _match_example(self, exc: UnexpectedInput) -> tuple[str, str] | None:
        if not isinstance(exc, (UnexpectedToken, UnexpectedCharacters)):
            return None
        examples = {label: snippets for label, (_, _, snippets) in EXAMPLES.items()}
        try:
            label = exc.match_examples(self.lark.parse, examples, use_accepts=True)
        except Exception:
            return None
        if label is None:
            return None
        message, help_text, _ = EXAMPLES[str(label)]
        return message, help_text

    @staticmethod
    def _previous_token(lines: list[str], line: int, column: int) -> str:
        prefix = [_strip_comment(x) for x in lines[max(0, line - 4) : line - 1]]
        prefix.append(_strip_comment(lines[line - 1][: column - 1]) if line - 1 < len(lines) else "")
        match = _PREV_TOKEN.search("\n".join(prefix))
        return match.group(1) if match else ""
