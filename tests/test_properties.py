"""Properties of the parser and formatter, over generated ASTs and mangled text."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compiler.workspace import check_workspace
from dsl import ast
from dsl.parser import ParseResult, parse, parse_bytes
from dsl.printer import format_source
from tests.strategies import source_files

EXAMPLES = sorted(Path(__file__).parent.parent.joinpath("contracts_examples").rglob("*.avt")) + sorted(
    Path(__file__).parent.joinpath("cases", "good").glob("*.avt")
)
SEED_TEXTS = [p.read_text(encoding="utf-8") for p in EXAMPLES]
FRAGMENTS = [
    "{",
    "}",
    '"',
    "#",
    "plan",
    "charge",
    "up to",
    "-",
    "2026-02-30",
    "%",
    "\n",
    "amendment",
    "99999999999999999999",
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source_files)
def test_parse_of_format_is_the_ast(source: ast.SourceFile) -> None:
    text = format_source(source)
    result = parse(text, source.path)
    assert result.file is not None, (text, result.diagnostics)
    assert result.file == source


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source_files)
def test_format_is_idempotent(source: ast.SourceFile) -> None:
    once = format_source(source)
    reparsed = parse(once, source.path).file
    assert reparsed is not None
    assert format_source(reparsed) == once


def _never_raises(result: ParseResult) -> None:
    assert isinstance(result, ParseResult)
    if result.file is not None:
        check_workspace([result.file])  # must not raise either
    for d in result.diagnostics:
        assert d.code and d.message and d.span.file


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(SEED_TEXTS))
    for _ in range(draw(st.integers(1, 4))):
        if not text:
            break
        i = draw(st.integers(0, len(text)))
        j = draw(st.integers(i, min(len(text), i + 40)))
        how = draw(st.sampled_from(["delete", "insert", "duplicate", "truncate"]))
        if how == "delete":
            text = text[:i] + text[j:]
        elif how == "insert":
            text = text[:i] + draw(st.sampled_from(FRAGMENTS) | st.text(max_size=5)) + text[i:]
        elif how == "duplicate":
            text = text[:j] + text[i:j] + text[j:]
        else:
            text = text[:i]
    return text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_input_gives_diagnostics_not_exceptions(text: str) -> None:
    _never_raises(parse(text, "mutated.avt"))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_random_text_gives_diagnostics_not_exceptions(text: str) -> None:
    _never_raises(parse(text, "random.avt"))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_give_diagnostics_not_exceptions(data: bytes) -> None:
    _never_raises(parse_bytes(data, "random.avt"))


def test_examples_are_seeds() -> None:
    assert len(SEED_TEXTS) >= 3
