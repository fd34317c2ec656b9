"""Columns between spans (characters) and LSP positions (UTF-16 units by default), counted by hand."""

from __future__ import annotations

from lsprotocol import types

from dsl.highlight import DECLARATION_KEYWORDS, STATEMENT_KEYWORDS
from dsl.span import Span
from runtime.lsp.completion import BLOCK_KEYWORDS, blocks_at
from runtime.lsp.positions import UTF8, UTF32, Lines

TEXT = 'customer ørn {\n  name "🦅 Ørn AS" # 😀\n}\n'


def test_spans_become_ranges_in_each_encoding() -> None:
    # `AS` on line 2: characters 15-16 (1-based 15, end 17); before it `  name "` (8), 🦅 (1 char, 2 units,
    # 4 bytes), ` Ørn ` (5 chars, Ø two bytes)
    span = Span("f.avt", 2, 15, 2, 17)
    assert Lines(TEXT).range(span) == types.Range(types.Position(1, 15), types.Position(1, 17))
    assert Lines(TEXT, UTF8).range(span) == types.Range(types.Position(1, 18), types.Position(1, 20))
    assert Lines(TEXT, UTF32).range(span) == types.Range(types.Position(1, 14), types.Position(1, 16))
    # `ørn` on line 1: after 9 ASCII characters in every encoding, ø two bytes in UTF-8
    assert Lines(TEXT, UTF8).range(Span("f.avt", 1, 10, 1, 13)) == types.Range(
        types.Position(0, 9), types.Position(0, 13)
    )


def test_positions_become_columns() -> None:
    assert Lines(TEXT).to_column(types.Position(1, 15)) == (2, 15)
    assert Lines(TEXT, UTF8).to_column(types.Position(1, 18)) == (2, 15)
    assert Lines(TEXT).to_column(types.Position(0, 10)) == (1, 11)
    assert Lines(TEXT).to_column(types.Position(1, 99)) == (2, 22)  # past the end: after its 21 characters


def test_a_whole_file_span_is_the_start_and_the_end_is_after_the_last_character() -> None:
    assert Lines(TEXT).range(Span("f.avt", 0, 0, 0, 0)) == types.Range(types.Position(0, 0), types.Position(0, 0))
    assert Lines("a\nbø").end() == types.Position(1, 2)
    assert Lines("a\nbø", UTF8).end() == types.Position(1, 3)


def test_blocks_at_the_cursor_skip_strings_and_comments() -> None:
    text = 'contract C-1 { # {\n  plan team {\n    seats quantity 2\n  charge x "a { b" {\n    usage '
    found = blocks_at(text, len(text))
    assert found is not None
    assert [(b.keyword, b.words[:1]) for b in found] == [
        ("contract", ("C-1",)),
        ("plan", ("team",)),
        ("charge", ("x",)),
    ]
    assert blocks_at('contract C-1 {\n  name "half', len('contract C-1 {\n  name "half')) is None
    assert blocks_at("contract C-1 {\n  # a comment", len("contract C-1 {\n  # a comment")) is None


def test_block_keywords_are_keywords_of_the_language() -> None:
    known = set(DECLARATION_KEYWORDS) | set(STATEMENT_KEYWORDS)
    assert {word for words in BLOCK_KEYWORDS.values() for word in words} - known == set()
