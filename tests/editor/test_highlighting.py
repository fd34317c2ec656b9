"""Highlighting of `.avt`: the Pygments lexer (dsl/highlight.py), the TextMate grammar of the VS
Code extension (editors/vscode/) and the Lark grammar must not drift apart.

The oracle is Lark itself: the keyword set is read from dsl/grammar/avt.lark at test time, and every
example file and ```avt block is lexed by Lark's own contextual lexer, token by token, to say what
each piece of text is. The lexer and the TextMate grammar must agree with it. The TextMate grammar
is run by a small engine written here (its regexes are plain enough for Python `re`); the engine
VS Code itself uses runs in editors/vscode/test/tokenize.js (`npm test`).
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterator
from functools import cache
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from lark import Lark, Token
from lark.lexer import PatternStr
from pygments.lexers import get_lexer_by_name, get_lexer_for_filename  # type: ignore[import-untyped]
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
from rich.syntax import Syntax

from dsl.highlight import DECLARATION_KEYWORDS, STATEMENT_KEYWORDS, AvtLexer

ROOT = Path(__file__).parent.parent.parent
GRAMMAR = ROOT / "dsl" / "grammar" / "avt.lark"
VSCODE = ROOT / "editors" / "vscode"
TM_GRAMMAR = VSCODE / "syntaxes" / "avt.tmLanguage.json"

# Written down here, not taken from the lexer: the words that open a declaration.
DECLARATIONS = {"seller", "customer", "metric", "index", "plan", "contract", "charge", "amendment"}

# Deliberate differences between the grammar's keywords and the highlighters' (word -> why).
# There are none: both highlight exactly the word literals of avt.lark.
DELIBERATE_DIFFERENCES: dict[str, str] = {}


# Comments are ignored by the parser; its lexer hands each one to this list on the way.
COMMENTS: list[Token] = []


@cache
def lark() -> Lark:
    return Lark(
        GRAMMAR.read_text(encoding="utf-8"),
        parser="lalr",
        lexer="contextual",
        keep_all_tokens=True,
        lexer_callbacks={"COMMENT": COMMENTS.append},
    )


@cache
def grammar_keywords() -> frozenset[str]:
    """Every quoted literal of avt.lark that is a word."""
    literals = (t.pattern.value for t in lark().terminals if isinstance(t.pattern, PatternStr))
    return frozenset(word for word in literals if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", word))


def tm_grammar() -> dict[str, Any]:
    return dict(json.loads(TM_GRAMMAR.read_text(encoding="utf-8")))


def tm_keywords() -> dict[str, set[str]]:
    """The words of each keyword rule of the TextMate grammar, by scope."""
    found: dict[str, set[str]] = {}
    for rule in tm_grammar()["repository"]["keyword"]["patterns"]:
        alternation = re.search(r"\(\?:([^()]*)\)", rule["match"])
        assert alternation, rule
        found.setdefault(rule["name"], set()).update(alternation.group(1).split("|"))
    return found


# ------------------------------------------------------------------------- the keyword sets


def test_the_grammar_has_keywords() -> None:
    # A broken extraction would make every comparison below pass on two empty sets.
    assert {"seller", "per_unit", "billed", "ifrs15", "reverse_charge"} <= grammar_keywords()
    assert len(grammar_keywords()) > 100


def test_lexer_knows_exactly_the_grammar_keywords() -> None:
    declared, statements = set(DECLARATION_KEYWORDS), set(STATEMENT_KEYWORDS)
    assert declared == DECLARATIONS
    assert not declared & statements
    assert len(STATEMENT_KEYWORDS) == len(statements)
    expected = grammar_keywords() - DELIBERATE_DIFFERENCES.keys()
    assert sorted(expected - (declared | statements)) == [], "keywords of avt.lark missing from dsl/highlight.py"
    assert sorted((declared | statements) - expected) == [], "keywords in dsl/highlight.py that avt.lark lacks"


def test_textmate_grammar_knows_exactly_the_grammar_keywords() -> None:
    rules = tm_keywords()
    assert set(rules) == {"keyword.declaration.avt", "keyword.control.avt"}
    declared, statements = rules["keyword.declaration.avt"], rules["keyword.control.avt"]
    assert declared == DECLARATIONS
    assert not declared & statements
    expected = grammar_keywords() - DELIBERATE_DIFFERENCES.keys()
    assert sorted(expected - (declared | statements)) == [], "keywords of avt.lark missing from the TextMate grammar"
    assert sorted((declared | statements) - expected) == [], "keywords in the TextMate grammar that avt.lark lacks"


@pytest.mark.parametrize("word", sorted(grammar_keywords()))
def test_each_keyword_lexes_as_one_keyword(word: str) -> None:
    tokens = [(t, v) for t, v in AvtLexer().get_tokens(word) if v.strip()]
    assert tokens == [(Keyword.Declaration if word in DECLARATIONS else Keyword, word)]
    # The same word inside an id is part of the id.
    assert [(t, v) for t, v in AvtLexer().get_tokens(f"x_{word} {word}-y") if v.strip()] == [
        (Name, f"x_{word}"),
        (Name, f"{word}-y"),
    ]


# ------------------------------------------------------------- the examples, against Lark


def examples() -> list[tuple[str, str]]:
    """Every .avt file of the example and `init` workspaces, and every ```avt block of the docs."""
    found = []
    for folder in (ROOT / "contracts_examples", ROOT / "runtime" / "templates" / "init"):
        for path in sorted(folder.rglob("*.avt")):
            found.append((str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")))
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        if doc.name == "errors.md":  # reproducers of mistakes, on purpose
            continue
        blocks = re.findall(r"```avt\n(.*?)```", doc.read_text(encoding="utf-8"), re.DOTALL)
        found.extend((f"{doc.relative_to(ROOT)}#{i + 1}", text) for i, text in enumerate(blocks))
    return found


EXAMPLES = examples()
IDS = [name for name, _ in EXAMPLES]


def test_there_are_examples() -> None:
    assert len([n for n in IDS if n.endswith(".avt")]) >= 26
    assert len([n for n in IDS if "#" in n]) >= 8


class Lexeme(NamedTuple):
    type: str  # the Lark terminal: IDENT, DATE, ... or the anonymous one of a literal
    value: str
    start_pos: int
    end_pos: int
    line: int
    column: int


def lark_tokens(text: str) -> list[Lexeme]:
    """Every token of `text` as the parser's lexer reads it in context, comments included."""
    COMMENTS.clear()
    tree = lark().parse(text)
    tokens = [*tree.scan_values(lambda v: isinstance(v, Token)), *COMMENTS]
    found = [Lexeme(t.type, str(t), t.start_pos or 0, t.end_pos or 0, t.line or 0, t.column or 0) for t in tokens]
    return sorted(found, key=lambda t: t.start_pos)


def kind(token: Lexeme, keywords: frozenset[str]) -> str:
    if token.value in keywords and token.type != "IDENT":
        return "keyword"
    return {"{": "punctuation", "}": "punctuation", ",": "punctuation", "+": "operator"}.get(token.value, token.type)


PYGMENTS_KIND = {
    "keyword": Keyword,
    "IDENT": Name,
    "DATE": Literal.Date,
    "YEAR_MONTH": Literal.Date,
    "MONTHDAY": Literal.Date,
    "PERCENT": Number,
    "NUMBER": Number,
    "STRING": String,
    "COMMENT": Comment,
    "punctuation": Punctuation,
    "operator": Operator,
}


@pytest.mark.parametrize(("name", "text"), EXAMPLES, ids=IDS)
def test_lexer_has_no_error_token(name: str, text: str) -> None:
    errors = [(i, v) for i, t, v in AvtLexer().get_tokens_unprocessed(text) if t in Error]
    assert errors == []


@pytest.mark.parametrize(("name", "text"), EXAMPLES, ids=IDS)
def test_lexer_reads_each_token_as_the_parser_does(name: str, text: str) -> None:
    keywords = grammar_keywords()
    ours = {start: (ttype, value) for start, ttype, value in AvtLexer().get_tokens_unprocessed(text)}
    covered = [Whitespace] * len(text)
    for start, (ttype, value) in ours.items():
        covered[start : start + len(value)] = [ttype] * len(value)
    for token in lark_tokens(text):
        expected = PYGMENTS_KIND[kind(token, keywords)]
        where = f"{name}:{token.line}:{token.column} {token.value!r}"
        assert token.start_pos in ours, f"{where}: the lexer splits it elsewhere"
        if token.type == "STRING":  # quotes, text and escapes are tokens of their own
            assert all(t in String for t in covered[token.start_pos : token.end_pos]), where
        else:
            assert ours[token.start_pos][1] == token.value, where
            assert ours[token.start_pos][0] in expected, f"{where}: {ours[token.start_pos][0]}"
    assert sum(1 for t in covered if t in Keyword) > 0


def test_declared_names_and_accounts_are_names() -> None:
    text = (
        "seller s { accounts { revenue 3020 vat 2700 } }\n"
        'plan team "Team" effective 2026-01-01 { charge start "S" { flat 1 per month } }\n'
        "contract A-1 { minimum 10 per contract year }\n"
    )
    names = [(t, v) for t, v in AvtLexer().get_tokens(text) if t in Name]
    assert names == [
        (Name.Class, "s"),
        (Name.Attribute, "revenue"),
        (Name.Attribute, "vat"),
        (Name.Class, "team"),
        (Name.Class, "start"),
        (Name.Class, "A-1"),
    ]
    kinds = {v: t for t, v in AvtLexer().get_tokens(text)}
    assert kinds["contract"] is Keyword.Declaration and kinds["year"] is Keyword


def test_literals() -> None:
    text = 'x 2026-01-01 2026-10 01-01 12.5% 4_990.00 -5 "a \\"b\\" c" # note\n'
    assert [(t, v) for t, v in AvtLexer().get_tokens(text) if v.strip()] == [
        (Name, "x"),
        (Literal.Date, "2026-01-01"),
        (Literal.Date, "2026-10"),
        (Literal.Date, "01-01"),
        (Number, "12.5%"),
        (Number.Float, "4_990.00"),
        (Number.Integer, "-5"),
        (String.Double, '"'),
        (String.Double, "a "),
        (String.Escape, '\\"'),
        (String.Double, "b"),
        (String.Escape, '\\"'),
        (String.Double, " c"),
        (String.Double, '"'),
        (Comment.Single, "# note"),
    ]


def test_an_unterminated_string_is_an_error() -> None:
    assert Error in [t for t, _ in AvtLexer().get_tokens('name "Nordlys\nmva\n')]


# ------------------------------------------------------------------ the TextMate grammar


def tm_rules(patterns: list[dict[str, Any]], repository: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for rule in patterns:
        if "include" in rule:
            yield from tm_rules([repository[rule["include"].removeprefix("#")]], repository)
        elif "match" in rule or "begin" in rule:
            yield rule
        else:
            yield from tm_rules(rule["patterns"], repository)


def tm_tokenize(text: str) -> list[list[str]]:
    """The scope stack (below source.avt) of each character of `text`, by the TextMate rules: line by
    line, the earliest match wins, the first rule on a tie, and an open block's end before its rules."""
    grammar = tm_grammar()
    scopes: list[list[str]] = []
    stack: list[dict[str, Any]] = []  # the begin/end rules open at this point
    for line in text.split("\n"):
        line_scopes: list[list[str]] = []
        pos = 0
        while pos <= len(line):
            base = [rule["name"] for rule in stack if "name" in rule]
            candidates = [("end", stack[-1], stack[-1]["end"])] if stack else []
            for rule in tm_rules(stack[-1]["patterns"] if stack else grammar["patterns"], grammar["repository"]):
                candidates.append(("begin" if "begin" in rule else "match", rule, rule.get("begin", rule.get("match"))))
            found = [
                (m.start(), i, what, rule, m)
                for i, (what, rule, regex) in enumerate(candidates)
                if (m := re.compile(regex).search(line, pos))
            ]
            if not found:
                break
            _, _, what, rule, match = min(found, key=lambda f: f[:2])
            line_scopes.extend(list(base) for _ in range(pos, match.start()))
            own = [rule["name"]] if what != "end" and "name" in rule else []
            piece = [[*base, *own] for _ in range(match.start(), match.end())]
            captures = {"end": "endCaptures", "begin": "beginCaptures", "match": "captures"}[what]
            for group, capture in rule.get(captures, {}).items():
                for i in range(match.start(int(group)), match.end(int(group))):
                    piece[i - match.start()] = [*base, *own, capture["name"]]
            line_scopes.extend(piece)
            if what == "end":
                stack.pop()
            elif what == "begin":
                stack.append(rule)
            if match.end() == match.start():  # only `$` (a string left open) matches empty, at the end of a line
                line_scopes.extend([list(base)] if match.end() < len(line) else [])
                pos = match.end() + 1
            else:
                pos = match.end()
        base = [rule["name"] for rule in stack if "name" in rule]
        line_scopes.extend(list(base) for _ in range(len(line_scopes), len(line)))
        scopes.extend([*line_scopes[: len(line)], []])  # [] for the newline
    return scopes[: len(text)]


TM_KIND = {
    "keyword": ("keyword.declaration.avt", "keyword.control.avt"),
    "IDENT": ("entity.name.type.avt", "variable.other.avt", "variable.other.property.avt"),
    "DATE": ("constant.numeric.date.avt",),
    "YEAR_MONTH": ("constant.numeric.date.year-month.avt",),
    "MONTHDAY": ("constant.numeric.date.month-day.avt",),
    "PERCENT": ("constant.numeric.percentage.avt",),
    "NUMBER": ("constant.numeric.integer.avt", "constant.numeric.decimal.avt"),
    "STRING": ("string.quoted.double.avt",),
    "COMMENT": ("comment.line.number-sign.avt",),
    "punctuation": (
        "punctuation.section.block.begin.avt",
        "punctuation.section.block.end.avt",
        "punctuation.separator.comma.avt",
    ),
    "operator": ("keyword.operator.arithmetic.avt",),
}


def test_textmate_grammar_is_valid_and_uses_the_scopes_themes_colour() -> None:
    grammar = tm_grammar()
    assert grammar["scopeName"] == "source.avt"
    for rule in tm_rules(grammar["patterns"], grammar["repository"]):
        for key in ("match", "begin", "end"):
            if key in rule:
                re.compile(rule[key])
    scopes = set(re.findall(r'"name": "([^"]+)"', json.dumps(grammar["repository"])))
    families = (
        "keyword.control",
        "constant.numeric",
        "string.quoted.double",
        "comment.line.number-sign",
        "entity.name",
    )
    for family in families:
        assert any(s.startswith(family + ".") for s in scopes), family
    assert all(s.endswith(".avt") for s in scopes)


@pytest.mark.parametrize(("name", "text"), EXAMPLES, ids=IDS)
def test_textmate_grammar_reads_each_token_as_the_parser_does(name: str, text: str) -> None:
    keywords = grammar_keywords()
    scopes = tm_tokenize(text)
    tokens = lark_tokens(text)
    for token in tokens:
        where = f"{name}:{token.line}:{token.column} {token.value!r}"
        expected = TM_KIND[kind(token, keywords)]
        inner = [stack[-1] if stack else None for stack in scopes[token.start_pos : token.end_pos]]
        if token.type in ("STRING", "COMMENT"):  # the quotes and `#` have their own punctuation scope
            assert all(expected[0] in stack for stack in scopes[token.start_pos : token.end_pos]), where
        else:
            assert len(set(inner)) == 1 and inner[0] in expected, f"{where}: {inner[0]}"
        # One token of the grammar is one token of the TextMate grammar, not a run of two.
        before = scopes[token.start_pos - 1] if token.start_pos else []
        after = scopes[token.end_pos] if token.end_pos < len(text) else []
        assert not (text[token.start_pos - 1 : token.start_pos].strip() and before == scopes[token.start_pos]), where
        assert not (text[token.end_pos : token.end_pos + 1].strip() and after == scopes[token.end_pos - 1]), where
    # Nothing else on the page is coloured: between tokens there is only space.
    inside: set[int] = set()
    for token in tokens:
        inside.update(range(token.start_pos, token.end_pos))
    assert [i for i, stack in enumerate(scopes) if i not in inside and stack and text[i].strip()] == []


# ------------------------------------------------------------------ the VS Code extension


def test_extension_manifest() -> None:
    manifest = json.loads((VSCODE / "package.json").read_text(encoding="utf-8"))
    (language,) = manifest["contributes"]["languages"]
    assert language["id"] == "avt" and language["extensions"] == [".avt"]
    (grammar,) = manifest["contributes"]["grammars"]
    assert grammar["language"] == "avt" and grammar["scopeName"] == "source.avt"
    assert (VSCODE / grammar["path"]).resolve() == TM_GRAMMAR.resolve()
    assert "onLanguage:avt" in manifest["activationEvents"]
    assert (VSCODE / manifest["main"]).is_file()
    assert "vscode-languageclient" in manifest["dependencies"]
    assert manifest["contributes"]["configuration"]["properties"]["avtale.server.path"]["default"] == "avtale"
    configuration = json.loads((VSCODE / language["configuration"]).read_text(encoding="utf-8"))
    assert configuration["comments"] == {"lineComment": "#"}
    assert ["{", "}"] in configuration["brackets"]
    assert {"open": '"', "close": '"', "notIn": ["string", "comment"]} in configuration["autoClosingPairs"]
    extension = (VSCODE / "extension.js").read_text(encoding="utf-8")
    assert 'args: ["lsp"]' in extension and "TransportKind.stdio" in extension


# ------------------------------------------------------------------ Pygments registration and rich


def entry_point() -> str:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return str(project.get("entry-points", {}).get("pygments.lexers", {}).get("avt", ""))


def test_the_lexer_is_declared_as_a_pygments_plugin() -> None:
    assert entry_point() == "dsl.highlight:AvtLexer"
    assert EntryPoint("avt", entry_point(), "pygments.lexers").load() is AvtLexer


def test_pygments_and_rich_find_the_installed_lexer() -> None:
    # Needs the package installed with the entry point (`pip install -e .`).
    assert type(get_lexer_by_name("avt")) is AvtLexer
    assert type(get_lexer_for_filename("contracts/acme.avt")) is AvtLexer
    assert type(Syntax("", "avt").lexer) is AvtLexer


def test_rich_colours_avt() -> None:
    code = 'plan team "T" effective 2026-01-01 {\n  charge seats "S" { per_unit 149.00 per seat per month }\n}\n'
    text = Syntax(code, AvtLexer(), theme="monokai").highlight(code)
    colours = {code[s.start : s.end]: str(s.style).split(" on ")[0].split()[-1] for s in text.spans}
    # Monokai's colours: keywords #66d9ef, class names #a6e22e, strings #e6db74, numbers #ae81ff, text #f8f8f2.
    assert [colours[w] for w in ("plan", "effective", "per_unit", "month")] == ["#66d9ef"] * 4
    assert [colours[w] for w in ("team", "seats")] == ["#a6e22e"] * 2
    assert [colours[w] for w in ("T", "2026-01-01", "149.00", "seat")] == ["#e6db74", "#e6db74", "#ae81ff", "#f8f8f2"]
