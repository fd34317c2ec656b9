"""Completion of keywords and of the names in scope at the cursor.

Read from the text, not the AST: while a statement is being typed the file rarely parses. The blocks
around the cursor come from a scan of braces (strings and comments skipped), each named by the first
words of the line that opens it; the words before the cursor on its line say what comes next.
"""

from __future__ import annotations

import re

import attrs
from lsprotocol import types

from dsl.highlight import DECLARATION_KEYWORDS, STATEMENT_KEYWORDS
from runtime.lsp.index import WorkspaceIndex

# The words that start a statement in each block (dsl/grammar/avt.lark); tests hold them to the
# highlighter's keyword lists, which tests/editor hold to the grammar.
BLOCK_KEYWORDS: dict[str, tuple[str, ...]] = {
    "": ("seller", "customer", "metric", "index", "plan", "contract"),
    "seller": (
        "name",
        "orgnr",
        "mva",
        "foretaksregisteret",
        "address",
        "bank",
        "email",
        "peppol",
        "invoice_numbers",
        "credit_note_numbers",
        "kid",
        "due",
        "revenue_policy",
        "accounts",
        "currency",
    ),
    "customer": ("name", "orgnr", "consumer", "peppol", "address", "email", "reference", "language"),
    "metric": ("events", "count", "sum", "max", "unique", "latest", "negative"),
    "plan": ("currency", "charge"),
    "charge": (
        "flat",
        "per_unit",
        "one_time",
        "usage",
        "graduated",
        "volume",
        "package",
        "percentage",
        "billed",
        "trial",
        "revenue",
        "vat",
        "ssp",
        "unit",
        "account",
        "quantity",
    ),
    "contract": (
        "customer",
        "signed",
        "start",
        "term",
        "renew",
        "evergreen",
        "no",
        "billing",
        "due",
        "purchase_order",
        "reference",
        "currency",
        "plan",
        "charge",
        "discount",
        "minimum",
        "indexation",
        "ssp",
        "revenue_policy",
        "billed_through",
        "amendment",
    ),
    "amendment": (
        "charge",
        "remove",
        "discount",
        "term",
        "renew",
        "evergreen",
        "no",
        "terminate",
        "prorate",
        "accounting",
    ),
    "graduated": ("up", "above"),
    "volume": ("up", "above"),
}

_TOKENS = re.compile(r'"(?:[^"\\\n]|\\.)*"|#[^\n]*|[{}]')
_WORD = re.compile(r"[A-Za-z0-9_\-]+")


@attrs.frozen
class Block:
    """A block the cursor is in: its keyword (`contract`, `plan`, ...) and the words after it."""

    keyword: str
    words: tuple[str, ...]


def blocks_at(text: str, offset: int) -> list[Block] | None:
    """The blocks around `offset`, outermost first; None inside a string or comment."""
    stack: list[Block] = []
    for token in _TOKENS.finditer(text, 0, offset):
        piece = token.group()
        if piece == "{":
            head = text[text.rfind("\n", 0, token.start()) + 1 : token.start()]
            head = head.split("#")[0]
            words = tuple(_WORD.findall(head.split("}")[-1]))
            stack.append(Block(words[0] if words else "", words[1:]))
        elif piece == "}":
            if stack:
                stack.pop()
        elif token.end() >= offset and (piece.startswith("#") or not piece.endswith('"') or len(piece) == 1):
            return None  # the cursor is in this comment or unterminated string
    line_start = text.rfind("\n", 0, offset) + 1
    prefix = text[line_start:offset]
    if prefix.count('"') % 2 == 1:  # an unterminated string (strings never span lines)
        return None
    return stack


def _items(names: list[str], kind: types.CompletionItemKind, detail: str) -> list[types.CompletionItem]:
    return [types.CompletionItem(label=n, kind=kind, detail=detail, sort_text=f"0{n}") for n in names]


def _keywords(words: tuple[str, ...]) -> list[types.CompletionItem]:
    return [
        types.CompletionItem(label=w, kind=types.CompletionItemKind.Keyword, sort_text=f"1{w}") for w in sorted(words)
    ]


def _contract_id(stack: list[Block]) -> str | None:
    for block in stack:
        if block.keyword == "contract" and block.words:
            return block.words[0]
    return None


def _plan_charges(index: WorkspaceIndex, plan: str, contract: str | None) -> list[str]:
    """The charges of the plan version the contract follows; every version's while that is unknown."""
    if contract is not None:
        version = index.version_of(contract)
        if version is not None and version.name == plan:
            return sorted(version.charges)
    return sorted({c for v in index.versions.get(plan, []) for c in v.charges})


def _contract_charges(index: WorkspaceIndex, stack: list[Block]) -> list[str]:
    contract = _contract_id(stack)
    if contract is None:
        return []
    return index.charges_of(contract)


def complete(index: WorkspaceIndex, text: str, offset: int) -> list[types.CompletionItem]:
    """What may be written at `offset` (a character offset into `text`)."""
    stack = blocks_at(text, offset)
    if stack is None:
        return []
    line_start = text.rfind("\n", 0, offset) + 1
    before = text[line_start:offset]
    words = _WORD.findall(before)
    if before and not before[-1].isspace() and words:
        words = words[:-1]  # the word being typed
    block = stack[-1].keyword if stack else ""
    parent = stack[-2].keyword if len(stack) > 1 else ""
    K = types.CompletionItemKind
    last = words[-1] if words else None

    if block == "contract" and last == "customer" and len(words) == 1:
        return _items(index.names("customer"), K.Class, "customer")
    if block == "contract" and last == "plan" and len(words) == 1:
        return _items(index.names("plan"), K.Class, "plan")
    if block == "contract" and len(words) == 3 and words[0] == "plan" and last == "version":
        dates = [str(v.effective) for v in index.versions.get(words[1], [])]
        return _items(dates, K.Value, f"version of plan {words[1]}")
    if block == "charge" and last == "usage" and len(words) == 1:
        return _items(index.names("metric"), K.Variable, "metric")
    if block == "contract" and last == "indexation" and len(words) == 1:
        return _items(index.names("index"), K.Variable, "index")
    in_contract = _contract_id(stack) is not None
    if in_contract and words and words[0] in ("discount", "indexation") and "on" in words[2:]:
        after_on = len(words) - 1 - words[::-1].index("on")
        if after_on >= 2 and (before.rstrip().endswith((",", " on")) or last == "on"):
            return _items(_contract_charges(index, stack), K.Field, "charge")
    if in_contract and len(words) == 1 and words[0] in ("remove", "ssp") and block in ("amendment", "contract"):
        return _items(_contract_charges(index, stack), K.Field, "charge")
    if words:
        return []
    # the start of a statement
    if block == "plan" and parent == "contract":
        plan = stack[-1].words[0] if stack[-1].words else ""
        return _items(_plan_charges(index, plan, _contract_id(stack)), K.Field, f"charge of plan {plan}")
    keywords = BLOCK_KEYWORDS.get(block)
    if keywords is None:
        keywords = (*DECLARATION_KEYWORDS, *STATEMENT_KEYWORDS)
    items = _keywords(keywords)
    if block == "amendment":
        items = _items(_contract_charges(index, stack), K.Field, "charge") + items
    return items
