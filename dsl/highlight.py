"""A Pygments lexer for `.avt`, so `pygmentize -l avt`, Sphinx/MkDocs and `rich` colour contracts.

The token rules copy the terminals of `grammar/avt.lark` (same regexes, same order of
precedence: a date before a month before a day of year before a percentage before a
number). The keyword lists are written out here rather than read from the grammar, so that
tests/editor/test_highlighting.py can hold them, the Lark grammar and the TextMate grammar
in editors/vscode/ against each other.
"""

from __future__ import annotations

from typing import ClassVar

from pygments.lexer import RegexLexer, bygroups, words  # type: ignore[import-untyped]
from pygments.token import (  # type: ignore[import-untyped]
    Comment,
    Error,
    Keyword,
    Literal,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Whitespace,
)

__all__ = ["DECLARATION_KEYWORDS", "STATEMENT_KEYWORDS", "AvtLexer"]

# The words that open a declaration (and a charge or amendment inside one).
DECLARATION_KEYWORDS: tuple[str, ...] = (
    "amendment",
    "charge",
    "contract",
    "customer",
    "index",
    "metric",
    "plan",
    "seller",
)

# Every other word literal of the grammar: statement keywords and the fixed words after them.
STATEMENT_KEYWORDS: tuple[str, ...] = (
    "above",
    "account",
    "accounting",
    "accounts",
    "address",
    "advance",
    "allowed",
    "anchor",
    "arrears",
    "as",
    "at",
    "bank",
    "billed",
    "billed_through",
    "billing",
    "bills",
    "cap",
    "catch_up",
    "compare",
    "consumed",
    "consumer",
    "count",
    "counting",
    "credit_note_numbers",
    "currency",
    "daily",
    "daily_average",
    "day",
    "days",
    "discount",
    "due",
    "effective",
    "email",
    "event",
    "events",
    "evergreen",
    "every",
    "exempt",
    "flat",
    "floor",
    "for",
    "foretaksregisteret",
    "from",
    "graduated",
    "ifrs15",
    "in",
    "included",
    "indexation",
    "invoice_numbers",
    "invoiced",
    "kid",
    "language",
    "latest",
    "length",
    "low",
    "max",
    "medium",
    "milestones",
    "min",
    "minimum",
    "mod10",
    "mod11",
    "month",
    "monthly",
    "months",
    "mva",
    "name",
    "negative",
    "no",
    "none",
    "nothing",
    "notice",
    "on",
    "one_time",
    "orgnr",
    "outside",
    "over",
    "package",
    "peak",
    "peppol",
    "per",
    "per_unit",
    "percentage",
    "period",
    "prepaid",
    "price",
    "prorate",
    "prospective",
    "purchase_order",
    "quantity",
    "quarter",
    "quarterly",
    "ratably",
    "reference",
    "remove",
    "renew",
    "renewal",
    "revenue",
    "revenue_policy",
    "reverse_charge",
    "rollover",
    "separate",
    "signed",
    "ssp",
    "standard",
    "start",
    "sum",
    "term",
    "terminate",
    "time_weighted",
    "to",
    "toward",
    "trial",
    "unique",
    "unit",
    "until",
    "unused",
    "up",
    "usage",
    "vat",
    "version",
    "volume",
    "year",
    "yearly",
    "years",
    "zero",
)

# An id is letters, digits, `_` and `-`; a keyword is only a keyword when no id character
# touches it (`per` is not the start of `per_unit`, `plan` not the end of `my-plan`).
_IDENT = r"[A-Za-z][A-Za-z0-9_\-]*"
_NOT_IDENT_BEFORE = r"(?<![A-Za-z0-9_\-])"
_NOT_IDENT_AFTER = r"(?![A-Za-z0-9_\-])"


def _keyword(word: str) -> str:
    return _NOT_IDENT_BEFORE + word + _NOT_IDENT_AFTER


class AvtLexer(RegexLexer):  # type: ignore[misc]
    """Lexer for Avtale contracts and price plans (`.avt`)."""

    name = "Avtale"
    aliases: ClassVar[list[str]] = ["avt", "avtale"]
    filenames: ClassVar[list[str]] = ["*.avt"]
    mimetypes: ClassVar[list[str]] = ["text/x-avtale"]

    tokens: ClassVar[dict[str, list[object]]] = {
        "root": [
            (r"[ \t\r\n\f\ufeff]+", Whitespace),
            (r"#[^\n]*", Comment.Single),
            (r'"', String.Double, "string"),
            (r"\d{4}-\d{2}-\d{2}", Literal.Date),
            (r"\d{4}-\d{2}", Literal.Date),
            (r"\d{2}-\d{2}(?![\d-])", Literal.Date),
            (r"-?\d[\d_]*(\.\d[\d_]*)?%", Number),
            (r"-?\d[\d_]*\.\d[\d_]*", Number.Float),
            (r"-?\d[\d_]*", Number.Integer),
            # The id after a declaration keyword is the name it declares (or, for `customer` and
            # `plan` inside a contract, the one it refers to). `contract` is also a word of
            # `minimum ... per contract year`, hence the brace it must be followed by.
            (
                _keyword("(seller|customer|metric|index|plan|charge)") + rf"(\s+)({_IDENT})",
                bygroups(Keyword.Declaration, Whitespace, Name.Class),
            ),
            (
                _keyword("(contract)") + rf"(\s+)({_IDENT})(?=\s*\{{)",
                bygroups(Keyword.Declaration, Whitespace, Name.Class),
            ),
            # In `accounts { receivable 1500 revenue 3020 }` the ids may be keywords elsewhere.
            (_keyword("(accounts)") + r"(\s*)(\{)", bygroups(Keyword, Whitespace, Punctuation), "accounts"),
            (words(DECLARATION_KEYWORDS, prefix=_NOT_IDENT_BEFORE, suffix=_NOT_IDENT_AFTER), Keyword.Declaration),
            (words(STATEMENT_KEYWORDS, prefix=_NOT_IDENT_BEFORE, suffix=_NOT_IDENT_AFTER), Keyword),
            (_IDENT, Name),
            (r"[{},]", Punctuation),
            (r"\+", Operator),
        ],
        "string": [
            (r'[^"\\\n]+', String.Double),
            (r"\\.", String.Escape),
            (r'"', String.Double, "#pop"),
            # A string ends on its line; the parser reports the missing quote.
            (r"\\?\n", Error, "#pop"),
        ],
        "accounts": [
            (r"[ \t\r\n\f\ufeff]+", Whitespace),
            (r"#[^\n]*", Comment.Single),
            (_IDENT, Name.Attribute),
            (r"-?\d[\d_]*(\.\d[\d_]*)?", Number.Integer),
            (r"\}", Punctuation, "#pop"),
        ],
    }
