"""The parser's fast path (dsl/fastparse.py) against Lark's own parser, which is the oracle.

The fast path either builds exactly what Lark builds (declarations, spans, comments, the builder's
diagnostics) or hands the text back. These tests run Lark directly, without the fast path, on every
file the project has, on generated files, and on damaged ones, where the fast path must never
accept what Lark rejects, nor read what Lark accepts differently.
"""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lark import Token, UnexpectedInput

from dsl.parser import _parser
from dsl.printer import format_source
from tests.strategies import source_files

ROOT = Path(__file__).resolve().parent.parent


def _utf8(path: Path) -> bool:
    try:
        path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return False  # the decoder reports these before any parser runs
    return True


FILES = sorted(
    p
    for p in [
        *ROOT.glob("contracts_examples/**/*.avt"),
        *ROOT.glob("tests/cases/**/*.avt"),
        *ROOT.glob("tests/**/fixtures/**/*.avt"),
    ]
    if _utf8(p)
)


def _deep(value: Any) -> Any:
    """`value` with every attrs field compared, spans too (the AST's `==` leaves them out on purpose)."""
    if attrs.has(type(value)):
        return (type(value).__name__, *(_deep(getattr(value, f.name)) for f in attrs.fields(type(value))))
    if isinstance(value, (list, tuple)):
        return tuple(_deep(v) for v in value)
    if isinstance(value, Decimal):
        return ("Decimal", str(value))  # 1.0 and 1.00 are equal Decimals, but print differently
    return value


def _comments(tokens: list[Token]) -> list[tuple[str, int, int, int, int]]:
    return [(str(t), t.line, t.column, t.end_line, t.end_column) for t in tokens]  # type: ignore[misc]


def _lark(text: str) -> tuple[Any, ...] | None:
    """Lark alone: the declarations, comments and the builder's diagnostics, or None on a syntax error."""
    parser = _parser()
    parser.builder.reset("t.avt")
    parser.comments.clear()
    try:
        decls = parser.lark.parse(text)
    except UnexpectedInput:
        return None
    return _deep(decls), _comments(parser.comments), _deep(list(parser.builder.diagnostics))


def _fast_raw(text: str) -> tuple[Any, list[Token], list[Any]] | None:
    """The fast path alone, or None where it hands the text back."""
    from dsl.fastparse import NotFast

    parser = _parser()
    assert parser.fast is not None
    parser.builder.reset("t.avt")
    parser.comments.clear()
    try:
        decls = parser.fast.parse(text)
    except NotFast:
        return None
    return decls, list(parser.comments), list(parser.builder.diagnostics)


def _fast(text: str) -> tuple[Any, ...] | None:
    raw = _fast_raw(text)
    if raw is None:
        return None
    decls, comments, diagnostics = raw
    return _deep(decls), _comments(comments), _deep(diagnostics)


def _agree(text: str) -> bool:
    """Whether the fast path read `text` (True) or handed it back (False); fails if it read it wrongly."""
    fast = _fast(text)
    if fast is None:
        return False
    assert fast == _lark(text)
    return True


def test_the_fast_path_is_on() -> None:
    assert _parser().fast is not None


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_file_of_the_project_parses_as_lark_parses_it(path: Path) -> None:
    text = path.read_text("utf-8").removeprefix("\ufeff")
    read = _agree(text)
    if "/bad/" not in path.as_posix():
        # mistakes may be handed back (`2026-02-119.2` in an index lexes as a date first), valid files never
        assert read, "the fast path handed back a valid file: it should take the fast path"


def test_the_files_cover_good_and_bad_input() -> None:
    # the parametrised test above must see both kinds, or it proves half of what it claims
    valid = [p for p in FILES if p.suffix == ".avt" and "/bad/" not in p.as_posix()]
    broken = [p for p in FILES if "/bad/" in p.as_posix()]
    assert len(valid) > 20 and len(broken) > 50


CORNERS = [
    "",
    "\n\n  \t\n",
    "# only a comment",
    '# a comment\r\ncustomer acme {\r\n  name "Acme" # trailing\r\n}\r\n',
    'customer start { name "a keyword as an id" }',
    'customer acme { name "x" }   ',
    'customer acme { name "x" } @',
    'customer acme { name "x" ',
    'customer acme } name "x" {',
    'plan p "P" effective 2026-01-01 { charge per "x" { flat 1.00 per month } }',
    'plan p "P" effective 2026-01-01 { charge c "x" { flat 1.00 per monthly } }',
    'plan p "P" effective 2026-01-01 { charge c "x" { flat 1.00 permonth } }',
    'plan p "P" effective 2026-13-45 { }',
    'index kpi "K" { 2026-01 100.0 2026-1 1 }',
]


@pytest.mark.parametrize("text", CORNERS)
def test_corner_cases_agree_with_lark(text: str) -> None:
    fast = _fast(text)
    lark = _lark(text)
    if fast is not None:
        assert fast == lark
    elif lark is not None:
        # the one kind of text the fast path may hand back although Lark reads it: a keyword glued
        # to the word after it, which Lark's contextual lexer splits where no name may stand
        assert "permonth" in text


def test_a_keyword_where_a_name_stands_is_a_name() -> None:
    fast = _fast_raw('customer start { name "x" }')
    assert fast is not None
    (customer,) = fast[0]
    assert customer.id.name == "start"


def test_positions_count_lines_and_columns_as_lark_does() -> None:
    text = '\n\n   customer   acme {\n\tname "x"   # note\n}\n'
    fast = _fast_raw(text)
    assert fast is not None
    (customer,) = fast[0]
    # line 3, column 4 (three spaces), to the closing brace on line 5, column 2
    assert (customer.span.line, customer.span.column, customer.span.end_line, customer.span.end_column) == (3, 4, 5, 2)
    # the comment: a tab and `name "x"   ` are 12 characters, so `#` is column 13, and 6 long
    assert _comments(fast[1]) == [("# note", 4, 13, 4, 19)]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source_files)
def test_generated_files_parse_as_lark_parses_them(file: Any) -> None:
    text = format_source(file)
    assert _agree(text)


@st.composite
def respaced(draw: st.DrawFn) -> str:
    """A generated file with its spaces and line breaks replaced by other whitespace, and comments at line ends
    (outside strings: the printer's lines hold at most their quoted text)."""
    text = format_source(draw(source_files))
    out: list[str] = []
    for line in text.split("\n"):
        pieces = line.split('"')
        for i in range(0, len(pieces), 2):  # even pieces lie outside quotes
            pieces[i] = pieces[i].replace(" ", draw(st.sampled_from([" ", "\t", "  ", " \f", "\ufeff "])))
        comment = draw(st.sampled_from(["", "", " # note", "\t#"]))
        out.append('"'.join(pieces) + comment)
    return draw(st.sampled_from(["\n", "\r\n", "\n\n"])).join(out)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(respaced())
def test_generated_files_with_other_whitespace_and_comments_parse_as_lark_parses_them(text: str) -> None:
    assert _agree(text)


_EXAMPLES = [p.read_text("utf-8") for p in ROOT.glob("contracts_examples/**/*.avt")]
_WORDS = ["per", "month", "monthly", "charge", "plan", "start", "{", "}", ",", "+", "1", "-1", "2026-01-01", '"x"', "#"]


@st.composite
def damaged(draw: st.DrawFn) -> str:
    """An example file with a few pieces cut out, doubled, or replaced by keywords and literals."""
    text = draw(st.sampled_from(_EXAMPLES))
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 12))
        insert = draw(st.sampled_from(["", " ", "\n", *_WORDS, text[at : at + cut]]))
        text = text[:at] + insert + text[at + cut :]
    return text


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged())
def test_damaged_files_are_read_as_lark_reads_them_or_handed_back(text: str) -> None:
    _agree(text)


def test_long_runs_of_whitespace_cost_what_they_are_long() -> None:
    # Whitespace before nothing (a file's end, or a character no token starts with) once made the token pattern
    # try every split of the run: 22 characters took seconds, 40 would take days. A child process, so that a
    # regression fails on the timeout instead of hanging the suite.
    code = (
        "from dsl.parser import parse\n"
        "r = parse('customer a { name \"x\" }' + ' ' * 10_000 + '\\r\\n' * 5_000)\n"
        "assert r.file is not None\n"
        "r = parse('customer a {\\n' + ' ' * 10_000 + '\u00f8\\n}\\n')\n"
        "assert r.file is None\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=60)
