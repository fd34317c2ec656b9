"""The canonical form: layout rules and comments that survive formatting."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dsl.parser import parse
from dsl.printer import format_decimal, format_source


def fmt(text: str) -> str:
    result = parse(text, "f.avt")
    assert result.file is not None, result.diagnostics
    return format_source(result.file)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("4990.00", "4_990.00"),
        ("100", "100"),
        ("1000000", "1_000_000"),
        ("-12345.5", "-12_345.5"),
        ("0.012", "0.012"),
        ("1E+3", "1_000"),
        ("999", "999"),
    ],
)
def test_numbers_group_thousands(value: str, text: str) -> None:
    assert format_decimal(Decimal(value)) == text


def test_layout_is_canonical() -> None:
    messy = (
        'plan team "Team"   effective 2026-01-01 { currency NOK charge a "A" { flat 4990.00 per month '
        'billed monthly in advance } }\n\n\n\nmetric m "M" {\n events "e"\n count\n}\n'
    )
    assert fmt(messy) == (
        'plan team "Team" effective 2026-01-01 {\n'
        "  currency NOK\n"
        '  charge a "A" {\n'
        "    flat 4_990.00 per month\n"
        "    billed monthly in advance\n"
        "  }\n"
        "}\n"
        "\n"
        'metric m "M" { events "e"  count }\n'
    )


def test_tier_tables_are_aligned() -> None:
    text = fmt(
        'plan p "P" effective 2026-01-01 { charge c "C" { usage m volume { up to 10 1 up to 1000 0.5 above 0.1 } } }'
    )
    assert "      up to 10     1\n      up to 1_000  0.5\n      above        0.1\n" in text


def test_comments_are_kept_in_place() -> None:
    text = (
        "# Header comment\n"
        "\n"
        "# About the customer\n"
        "customer c {  # trailing on the header\n"
        '  name "C"   # trailing on a statement\n'
        "\n"
        "  # leading a statement\n"
        '  orgnr "922152799"\n'
        "  # before the closing brace\n"
        "}\n"
        "# at the end\n"
    )
    formatted = fmt(text)
    assert formatted == (
        "# Header comment\n"
        "\n"
        "# About the customer\n"
        "customer c {  # trailing on the header\n"
        '  name "C"  # trailing on a statement\n'
        "\n"
        "  # leading a statement\n"
        '  orgnr "922152799"\n'
        "  # before the closing brace\n"
        "}\n"
        "# at the end\n"
    )
    assert fmt(formatted) == formatted


def test_metric_with_inner_comment_is_multi_line() -> None:
    text = fmt('metric m "M" {\n  events "e"  # which events\n  count\n}\n')
    assert text == 'metric m "M" {\n  events "e"  # which events\n  count\n}\n'


def test_metric_negative_allowed_stays_on_the_metric_line() -> None:
    text = fmt('metric net "Netto" {\n  negative allowed\n  events "p.c", "p.r"\n  sum amount\n}\n')
    assert text == 'metric net "Netto" { negative allowed  events "p.c", "p.r"  sum amount }\n'
    assert fmt(text) == text
    canonical = 'metric net "Netto" { events "p.c"  sum amount  negative allowed }\n'
    assert fmt(canonical) == canonical
    commented = 'metric net "Netto" {\n  events "p.c"\n  sum amount\n  negative allowed  # refunds\n}\n'
    assert fmt(commented) == commented


def test_singular_and_plural_units() -> None:
    text = fmt("contract X { term 1 years  due 1 days  evergreen notice 2 month }")
    assert "term 1 year\n" in text and "due 1 day\n" in text and "evergreen notice 2 months\n" in text


def test_blank_lines_inside_blocks_are_kept_once() -> None:
    text = fmt('customer c {\n\n\n  name "C"\n\n\n\n  consumer\n}\n')
    assert text == 'customer c {\n  name "C"\n\n  consumer\n}\n'


def test_minimum_vat_stays_on_the_minimum_line() -> None:
    text = fmt('contract X {\n  minimum 60000 per contract year\n    vat exempt "Unntatt"  # courses only\n}\n')
    assert text == 'contract X {\n  minimum 60_000 per contract year vat exempt "Unntatt"  # courses only\n}\n'
