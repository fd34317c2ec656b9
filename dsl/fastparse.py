"""The parser's fast path: Lark's own LALR tables and callbacks, driven by a tighter loop.

Lark's LALR runtime spends most of a cold check's parse on per-token bookkeeping (a lexer object
per parser state, a line counter fed every token, a method call per shift). This module runs the
same grammar with the same tables and the same AST callbacks, and differs only in how it gets
there: the whole text is cut into tokens by one regular expression, in Lark's own order of
terminals, and a word is a keyword exactly when the parser state it arrives in accepts that keyword
(what Lark's contextual lexer decides, with IDENT's keyword check). Line and column are counted
only where a newline can be (whitespace).

It never reports an error itself: at the first token it cannot take it raises `NotFast`, and the
caller parses again with Lark, whose errors the diagnostics are made from. A file either parses
here to the same AST Lark would build (tests/test_fastparse.py holds them equal, also on damaged
files), or is handed back.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, cast

from lark import Lark, Token
from lark.parsers.lalr_analysis import Shift


class NotFast(Exception):
    """The fast path cannot take this text; parse it with Lark."""


class FastParser:
    """Built once per Lark parser (it reads the parser's tables and callbacks)."""

    def __init__(self, lark: Lark, comments: Callable[[Token], object]) -> None:
        frontend = lark.parser
        table = frontend.parser.parser.parse_table
        callbacks = frontend.parser.parser.callbacks
        self.start = table.start_states["start"]
        self.end = table.end_states["start"]
        self.comments = comments
        if set(lark.lexer_conf.ignore) != {"WS", "COMMENT"}:
            raise NotImplementedError("the fast path knows whitespace and comments as the only ignored terminals")
        terminals = sorted(
            lark.terminals,
            key=lambda t: (-t.priority, -t.pattern.max_width, -len(t.pattern.value), t.name),
        )
        regexps = {t.name: re.compile(t.pattern.to_regexp()) for t in terminals if t.pattern.type == "re"}
        self.keywords: dict[str, str] = {}
        alternatives = []
        for t in terminals:
            if t.name == "WS":
                continue  # taken in front of every token
            if t.pattern.type == "str":
                matched = {name for name, rx in regexps.items() if rx.fullmatch(t.pattern.value)}
                if matched == {"IDENT"}:
                    self.keywords[t.pattern.value] = t.name  # lexed as a word, typed by the parser state
                    continue
                if matched:
                    raise NotImplementedError(f"the literal {t.pattern.value!r} is also a {sorted(matched)}")
            alternatives.append(f"(?P<{t.name}>{t.pattern.to_regexp()})")
        space = lark.get_terminal("WS").pattern.to_regexp()
        # Possessive (`*+`): whitespace is taken whole or not at all. A plain `*` around WS's own `+` lets the
        # engine try every split of a run when no token follows it (a file's end), which doubles per character.
        self.space = re.compile(f"(?:{space})*+")
        self.pattern = re.compile(f"(?:{space})*+(?:{'|'.join(alternatives)})")
        term_callbacks = {k: v for k, v in callbacks.items() if isinstance(k, str)}
        # Per state: token type -> (shift target, the terminal's callback or None) or (None, (size, the
        # rule's callback or None, origin)) to reduce.
        self.actions: list[dict[str, tuple[Any, Any]]] = [{} for _ in range(max(table.states) + 1)]
        for state, row in table.states.items():
            out = self.actions[state]
            for name, (action, arg) in row.items():
                if action is Shift:
                    out[name] = (arg, term_callbacks.get(name))
                else:
                    inline = arg.origin.name.startswith("_")  # spliced into its parent's children
                    out[name] = (None, (len(arg.expansion), None if inline else callbacks[arg], arg.origin.name))

    def parse(self, text: str) -> list[Any]:
        """The declarations of `text`, built by the AST callbacks; `NotFast` at anything unusual."""
        actions = self.actions
        keywords = self.keywords
        comments = self.comments
        match = self.pattern.match  # anchored where the last token ended: nothing can be skipped
        states = [self.start]
        values: list[Any] = []
        line = 1
        line_start = 0
        pos = 0
        new = str.__new__
        while (m := match(text, pos)) is not None:
            kind = cast(str, m.lastgroup)  # the alternative that matched: every one is named
            start, pos = m.span(kind)
            front = m.start()
            if front != start:  # whitespace in front
                newlines = text.count("\n", front, start)
                if newlines:
                    line += newlines
                    line_start = text.rindex("\n", front, start) + 1
            value = text[start:pos]
            if kind == "COMMENT":
                comments(_token(new, kind, value, start, line, start - line_start + 1))
                continue
            row = actions[states[-1]]
            if kind == "IDENT":
                keyword = keywords.get(value)
                if keyword is not None and keyword in row:
                    kind = keyword
            # `_token`, written out: this runs for every token
            token = new(Token, value)
            token.type = kind
            token.value = value
            token.start_pos = start
            token.line = token.end_line = line
            token.column = column = start - line_start + 1
            token.end_column = column + len(value)
            token.end_pos = pos
            while True:
                step = row.get(kind)
                if step is None:
                    raise NotFast
                target, then = step
                if target is not None:
                    states.append(target)
                    values.append(token if then is None else then(token))
                    break
                size, callback, origin = then
                if size:
                    children = values[-size:]
                    del states[-size:]
                    del values[-size:]
                else:
                    children = []
                values.append(_Spliced(children) if callback is None else callback(children))
                states.append(actions[states[-1]][origin][0])
                row = actions[states[-1]]
        if self.space.match(text, pos).end() != len(text):  # type: ignore[union-attr]
            raise NotFast  # a character no terminal matches
        while True:  # the end of input: the loop's reductions again (written out there, where speed counts)
            step = actions[states[-1]].get("$END")
            if step is None or step[0] is not None:
                raise NotFast
            size, callback, origin = step[1]
            if size:
                children = values[-size:]
                del states[-size:]
                del values[-size:]
            else:
                children = []
            values.append(_Spliced(children) if callback is None else callback(children))
            states.append(actions[states[-1]][origin][0])
            if states[-1] == self.end:
                return values[-1]  # type: ignore[no-any-return]


class _Spliced:
    """What an inlined rule (`_name`) reduces to: its children, which its parent's callback splices in
    by reading `.children` (as it would from Lark's Tree, without building one)."""

    __slots__ = ("children",)
    children: list[Any]

    def __init__(self, children: list[Any]) -> None:
        flat: list[Any] | None = None
        for child in children:
            if type(child) is _Spliced:
                if flat is None:
                    flat = child.children  # a repetition grows its own list: linear, as Lark's is
                else:
                    flat += child.children
            elif flat is None:
                flat = [child]
            else:
                flat.append(child)
        self.children = [] if flat is None else flat


def _token(new: Any, kind: str, value: str, start: int, line: int, column: int) -> Token:
    token = new(Token, value)
    token.type = kind
    token.value = value
    token.start_pos = start
    token.line = line
    token.column = column
    token.end_line = line
    token.end_column = column + len(value)
    token.end_pos = start + len(value)
    return token  # type: ignore[no-any-return]
