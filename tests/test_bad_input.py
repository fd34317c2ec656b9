"""Hostile input gives diagnostics, never tracebacks."""

from __future__ import annotations

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
