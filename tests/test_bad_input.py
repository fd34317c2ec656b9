"""Hostile input gives diagnostics, never tracebacks."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable

import pytest

from dsl import blocks
from dsl.parser import parse, parse_bytes


def codes(text: str) -> list[str]:
    result = parse(text, "bad.avt")
    assert result.file is None or not any(d.is_error for d in result.diagnostics)
    return [d.code for d in result.diagnostics]


def test_non_utf8_file() -> None:
    result = parse_bytes(b'customer c { name "\xff\xfe" }', "latin.avt")
    assert [d.code for d in result.diagnostics] == ["E0101"]
    assert result.diagnostics[0].span.column == 20


def test_empty_and_blank_files_warn() -> None:
    assert codes("") == ["W0101"]
    assert codes("\n\n   \n") == ["W0101"]
    assert parse("# only a comment\n", "c.avt").file is not None


def test_huge_numbers() -> None:
    text = 'plan p "P" effective 2026-01-01 { charge c "C" { flat ' + "9" * 5000 + " per month } }"
    assert codes(text) == ["E0106"]
    assert codes("contract X { billing anchor " + "1" * 400 + " }") == ["E0106"]


def test_deep_nesting() -> None:
    found = codes("contract X " + "{" * 20_000 + "}" * 20_000)
    assert "E0100" in found
    found = codes("{" * 50_000)
    assert "E0107" in found


class _CountingPattern:
    """Stands in for a compiled pattern and adds up the characters its searches cover."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.chars = 0

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        match = self.pattern.search(text, pos, endpos)
        self.chars += (match.end() if match else min(endpos, len(text))) - pos
        return match


def _brace_scan_work(monkeypatch: pytest.MonkeyPatch, text: str) -> int:
    word, not_blank = _CountingPattern(blocks._WORD), _CountingPattern(blocks._NOT_BLANK)
    with monkeypatch.context() as patched:
        patched.setattr(blocks, "_WORD", word)
        patched.setattr(blocks, "_NOT_BLANK", not_blank)
        blocks.scan(text)
        blocks.enclosing_header(text, len(text))
    return word.chars + not_blank.chars


@pytest.mark.parametrize(
    "nested",
    [
        lambda n: "{" * n,  # no word to name the blocks: each search would run back to the line start
        lambda n: "contract X " + "{" * n + "}" * n,
        lambda n: " " * n + "x " + "{" * n + "}" * n,  # a deep indentation, looked up for each brace
        lambda n: "{\n" * n + "}\n" * n,
    ],
    ids=["no-words", "contract", "deep-indent", "one-per-line"],
)
def test_brace_scan_work_grows_linearly_with_depth(
    monkeypatch: pytest.MonkeyPatch, nested: Callable[[int], str]
) -> None:
    # Counting characters searched, not timing, keeps this exact on any machine.
    small, large = (_brace_scan_work(monkeypatch, nested(n)) for n in (2_000, 4_000))
    assert small > 0 and large <= 2 * small + 100


def test_unterminated_string_and_block() -> None:
    assert codes('customer c {\n  name "C\n}\n') == ["E0103"]
    assert "E0107" in codes('customer c {\n  name "C"\n')


def test_several_syntax_errors_in_one_run() -> None:
    text = (
        'contract A {\n  signed tomorrow\n}\n\ncontract B {\n  start 2026-13-01\n}\n\ncustomer c {\n  name "C" @\n}\n'
    )
    assert codes(text) == ["E0100", "E0104", "E0102"]


def test_very_long_line_and_many_declarations() -> None:
    text = "".join(f'customer c{i} {{ name "{"x" * 1000}" }}\n' for i in range(2000))
    result = parse(text, "many.avt")
    assert result.file is not None and len(result.file.decls) == 2000


def test_control_characters_and_nul() -> None:
    assert codes("customer c {\x00}") == ["E0102"]
    assert "E0102" in codes("\x1b[31mcustomer")
