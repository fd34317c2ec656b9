"""What a check can keep from the previous one across processes: each declaration's result keyed by content.

compiler/memo.py's `Memo` compares declarations by identity, which only holds inside one process (the
editor server). `ContentMemo` keys them by content instead, so that what a check found can be written to
disk and trusted by the next `avtale check`, or by the second revision `avtale diff` loads:

- a declaration's *token* is `(path, digest, index)`: its file's path and content digest, and its place
  in the file. Parsing is deterministic, so two declarations with one token are the same tree, spans
  included; a file that changes gives all its declarations new tokens.
- a file that did not change need not be parsed or unpickled at all: a `FileStub` stands in for it,
  holding each declaration's kind, id and token (`DeclStub`), which is all that registering names and
  reporting duplicates reads. When a declaration that is checked again looks one up (a contract's
  customer), or a pass needs every declaration of a kind (the seller, metrics, indices), `resolve`
  fetches the real declaration from the caller's parse cache.
- an entry records the tokens of the declarations it was built from, the settings it was checked under,
  and for each name table the names it looked up and whether it read them all (a did-you-mean). Plans,
  which are results rather than declarations, are known by a token made of everything their check read.
- the check also keeps each table as it saw it: every name's token, and a digest of all the names.

The next check compares each table with the kept one once, and reuses an entry when its tokens and
settings are the same and none of the names it looked up changed token (nor, if it read them all, did
the set of names change). That is the `Memo`'s rule with identity replaced by content, so the result
equals a check from scratch (tests/test_check_cache.py holds them equal over random edits).
"""

from __future__ import annotations

import enum
import hashlib
import pickle
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

import attrs

from compiler.memo import Reads
from dsl import ast
from dsl.diagnostics import Diagnostic
from dsl.span import Span

Token = tuple[str, str, int]
"""A declaration by content: its file's path and digest, and its place among the file's declarations."""


class Kept(enum.Enum):
    """The result of a customer or contract whose check found one, not kept (a check that only reports
    diagnostics needs to know that there is one, for the counts, but not what it is)."""

    KEPT = "kept"


KEPT = Kept.KEPT


class DeclStub:
    """A declaration of a file that was not loaded: its kind, where it is, and its id, which is all that
    registering its name reads. It is its own `id`: `name`, and `span`, made when a diagnostic needs it
    (a check reads every declaration's name, and a span is rarely wanted)."""

    __slots__ = ("kind", "name", "token", "where")

    def __init__(self, kind: type, name: str, where: tuple[int, int, int, int], token: Token) -> None:
        self.kind = kind
        self.name = name
        self.where = where
        self.token = token

    @property
    def id(self) -> DeclStub:
        return self

    @property
    def span(self) -> Span:
        return Span(self.token[0], *self.where)


Shape = tuple[type, str, int, int, int, int]
"""A declaration as a stub stores it: kind, id, and the id's span (lines and columns)."""


class FileStub:
    """A file that was not loaded, standing in for its `ast.SourceFile` in `check_workspace`; pickled as
    plain tuples, which load several times faster than objects."""

    __slots__ = ("decls", "digest", "path", "shapes")

    def __init__(self, path: str, digest: str, shapes: tuple[Shape, ...]) -> None:
        self.path = path
        self.digest = digest
        self.shapes = shapes
        self.decls = tuple(
            [
                DeclStub(kind, name, (line, column, end_line, end_column), (path, digest, i))
                for i, (kind, name, line, column, end_line, end_column) in enumerate(shapes)
            ]
        )

    def __reduce__(self) -> tuple[type, tuple[str, str, tuple[Shape, ...]]]:
        return (FileStub, (self.path, self.digest, self.shapes))


def stub(path: str, digest: str, file: ast.SourceFile) -> FileStub:
    """The stand-in of a parsed file, for the next check."""
    shapes = []
    for decl in file.decls:
        span = decl.id.span
        shapes.append((type(decl), decl.id.name, span.line, span.column, span.end_line, span.end_column))
    return FileStub(path, digest, tuple(shapes))


class Saved(NamedTuple):
    """One declaration's result and what it was found from, by content. A tuple: ten thousand of them
    are read and written by every `avtale check`, and tuples pickle several times faster than objects."""

    decls: tuple[Token, ...]
    context: tuple[object, ...]
    reads: bytes
    """For each table the declaration read, the names it looked up and whether it read them all, pickled:
    only looked at when a table changed (`ContentMemo`), so most checks never unpickle them."""
    result: Any
    diagnostics: tuple[Diagnostic, ...]
    token: str
    """A plan's: a digest of `decls`, `context` and what it read, what its result is known by ("" for others)."""


_as_saved = tuple.__new__
"""A plain tuple as a `Saved`, without a Python-level constructor call."""

TableState = tuple[str, dict[str, object]]
"""A name table as a check saw it: a digest of its names, and each name's token."""
_ABSENT = object()


def _names_digest(table: Mapping[str, Any]) -> str:
    return hashlib.sha256("\0".join(sorted(table)).encode()).hexdigest()


class _Resolving(Mapping[str, Any]):
    """A name table whose stubs become real declarations as they are looked up."""

    def __init__(self, table: Mapping[str, Any], real: Callable[[Any], Any]) -> None:
        self.table = table
        self.real = real

    def __getitem__(self, key: str) -> Any:
        return self.real(self.table[key])

    def __contains__(self, key: object) -> bool:
        return key in self.table  # without resolving: most lookups only ask whether a name exists

    def __iter__(self) -> Iterator[str]:
        return iter(self.table)

    def __len__(self) -> int:
        return len(self.table)


@attrs.frozen
class _Changed:
    """How one name table differs from the previous check's."""

    names: frozenset[str]
    """The names whose token is another (or that are new, or gone)."""
    all_names: bool
    """Whether the set of names is another."""

    @property
    def quiet(self) -> bool:
        return not self.names and not self.all_names


class ContentMemo:
    """The entries a check may reuse, by content, and the entries it made (`saved`, for the next one).

    `previous` and `tables` are what the last check saved (`saved`, as plain tuples; `tables()`);
    `add_file` tells it the loaded files with their stubs; `resolve(path, digest)` returns the parsed file
    a stub stands for (it must be the very content of that digest). With `keep_results` false the results of
    customers and contracts are saved as `KEPT`, and a check reusing them gives a model that holds `KEPT`
    in their place (`partial`): good for counting and diagnostics, not for billing.

    An entry holds when its declarations' tokens and its settings are the same, and none of the names it
    looked up has another token than in the last check (nor, if it read every name, is the set of names
    another). Every entry saved was valid in the check that saved it, against the tables that check
    saved; so comparing the tables once per check, and an entry's names with what changed, is the same
    as comparing each token it read.
    """

    def __init__(
        self,
        previous: Mapping[tuple[str, str], tuple[Any, ...]],
        resolve: Callable[[str, str], ast.SourceFile],
        *,
        keep_results: bool,
        tables: Mapping[str, TableState] | None = None,
    ) -> None:
        self.previous = previous
        self.before = tables or {}
        self.saved: dict[tuple[str, str], Saved] = {}
        self.resolve_file = resolve
        self.keep_results = keep_results
        self.partial = False
        self.fresh: set[tuple[str, str]] = set()
        """The keys of the entries checked now."""
        self.reused = 0
        self.checked = 0
        self._loaded: dict[tuple[str, str], ast.SourceFile] = {}
        self._tokens: dict[int, Token] = {}
        self._plan_tokens: dict[str, str] = {}
        self._now: dict[str, TableState] = {}
        self._changed: dict[str, _Changed] = {}
        self._quiet: dict[tuple[str, ...], bool] = {}

    def add_file(self, stand_in: FileStub, file: ast.SourceFile) -> None:
        """A loaded file of the check, with its stub (`stub`): its declarations' tokens are the stub's."""
        for decl, shape in zip(file.decls, stand_in.decls, strict=True):
            self._tokens[id(decl)] = shape.token

    def token_of(self, decl: Any) -> Token:
        if type(decl) is DeclStub:
            return decl.token
        return self._tokens[id(decl)]

    def real(self, decl: Any) -> Any:
        """The declaration itself: `decl`, or the one its stub stands for, loaded now."""
        if type(decl) is not DeclStub:
            return decl
        path, digest, index = decl.token
        file = self._loaded.get((path, digest))
        if file is None:
            file = self._loaded[(path, digest)] = self.resolve_file(path, digest)
        return file.decls[index]

    def tables(self) -> dict[str, TableState]:
        """The tables as this check saw them, for the next (with those no declaration read this time)."""
        return {**self.before, **self._now}

    def _state(self, role: str, table: Mapping[str, Any]) -> TableState:
        """The table `role` now; taken once per check, when first read (every table is complete by then)."""
        state = self._now.get(role)
        if state is None:
            if role == "plans":
                tokens: dict[str, object] = {name: self._plan_tokens.get(name) for name in table}
            else:
                tokens = {name: self.token_of(value) for name, value in table.items()}
            state = self._now[role] = (_names_digest(table), tokens)
        return state

    def _change(self, role: str, table: Mapping[str, Any]) -> _Changed:
        found = self._changed.get(role)
        if found is None:
            digest, now = self._state(role, table)
            before = self.before.get(role)
            if before is None:
                found = _Changed(frozenset(now), True)
            else:
                old = before[1]
                names = {n for n, t in now.items() if old.get(n, _ABSENT) != t} | {n for n in old if n not in now}
                found = _Changed(frozenset(names), before[0] != digest)
            self._changed[role] = found
        return found

    def _still(self, saved: Saved, tokens: tuple[Token, ...], context: tuple[object, ...], tables: Tables) -> bool:
        if saved.decls != tokens or saved.context != context:
            return False
        if self.keep_results and saved.result is KEPT:
            return False
        quiet = self._quiet.get(tables.roles)
        if quiet is None:
            changes = [self._change(role, table) for role, table in zip(tables.roles, tables.tables, strict=True)]
            quiet = self._quiet[tables.roles] = all(c.quiet for c in changes)
        if quiet:
            return True
        reads = pickle.loads(saved.reads)
        if len(reads) != len(tables.roles):
            return False
        for (names, all_names), role, table in zip(reads, tables.roles, tables.tables, strict=True):
            change = self._change(role, table)
            if (all_names and change.all_names) or any(name in change.names for name in names):
                return False
        return True

    def remember(
        self,
        key: tuple[str, str],
        decls: tuple[Any, ...],
        context: tuple[object, ...],
        tables: Tables,
        build: Callable[[list[Diagnostic], tuple[Mapping[str, Any], ...]], Any],
        sink: list[Diagnostic],
    ) -> Any:
        """`build`'s result for one declaration: from the previous check's entry when nothing it read changed."""
        tokens = tuple(self.token_of(d) for d in decls)
        entry = self.previous.get(key)
        saved = _as_saved(Saved, entry) if entry is not None else None
        if saved is not None and self._still(saved, tokens, context, tables):
            self.reused += 1
            if saved.result is KEPT:
                self.partial = True
            # with the tokens of now, which the files' stubs share: pickled once, not once per entry
            saved = Saved(tokens, saved.context, saved.reads, saved.result, saved.diagnostics, saved.token)
        else:  # checked now: the entry kept for the next check holds KEPT for the result, unless `keep_results`
            own: list[Diagnostic] = []
            views = tuple(Reads(_Resolving(table, self.real)) for table in tables.tables)
            result = build(own, views)
            for role, table in zip(tables.roles, tables.tables, strict=True):
                self._state(role, table)  # as the table was read, should it be read first by this entry
            reads = tuple((tuple(view.seen), view.all_names is not None) for view in views)
            digest = ""
            if key[0] == "plan":  # what the plan's result is known by: everything it was made from
                tokens_read = tuple(
                    tuple(self._state(role, table)[1].get(name) for name in view.seen)
                    for view, role, table in zip(views, tables.roles, tables.tables, strict=True)
                )
                made_of = (key, tokens, context, reads, tokens_read)
                digest = hashlib.sha256(pickle.dumps(made_of, protocol=4)).hexdigest()
            kept = result if self.keep_results or result is None or key[0] == "plan" else KEPT
            blob = pickle.dumps(reads, protocol=pickle.HIGHEST_PROTOCOL)
            self.saved[key] = Saved(tokens, context, blob, kept, tuple(own), digest)
            if key[0] == "plan":
                self._plan_tokens[key[1]] = digest
            self.checked += 1
            self.fresh.add(key)
            sink.extend(own)
            return result
        self.saved[key] = saved
        if key[0] == "plan":
            self._plan_tokens[key[1]] = saved.token
        sink.extend(saved.diagnostics)
        return saved.result


@attrs.frozen
class Tables:
    """The name tables one kind of declaration reads, each with its role (what its values are)."""

    roles: tuple[str, ...]
    tables: tuple[Mapping[str, Any], ...]
