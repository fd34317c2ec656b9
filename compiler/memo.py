"""What a check can keep from the previous one: each declaration's result, with what it read to get it.

`check_workspace` builds customers, plans and contracts one declaration at a time. Given a `Memo`, it
keeps each result together with the declaration it came from and every name it looked up on the way
(a contract's customer, plan, indices and metrics, or the whole list of names when it suggested one).
On the next check a declaration whose AST is the same object (its file was not parsed again) and whose
lookups all give the same objects as before is not checked again: its result and diagnostics are
reused. Declarations are compared by identity, not content: the editor server and `avtale check` keep
the ASTs of unchanged files, and a re-parsed file's declarations are new objects, checked again.

The memo is an optimisation only: a check with a memo gives the same result as one without
(tests/test_incremental.py holds them equal over random edits).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Generic, TypeVar

import attrs

from dsl.diagnostics import Diagnostic

V = TypeVar("V")
_MISSING = object()


class Reads(Mapping[str, V], Generic[V]):
    """A read-only view of a table that remembers what was looked up in it."""

    def __init__(self, table: Mapping[str, V]) -> None:
        self.table = table
        self.seen: dict[str, object] = {}
        self.all_names: frozenset[str] | None = None

    def __getitem__(self, key: str) -> V:
        value = self.table.get(key, _MISSING)
        self.seen[key] = value
        if value is _MISSING:
            raise KeyError(key)
        return value  # type: ignore[return-value]

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        self.seen[key] = self.table.get(key, _MISSING)
        return self.seen[key] is not _MISSING

    def __iter__(self) -> Iterator[str]:
        self.all_names = frozenset(self.table)
        return iter(self.table)

    def __len__(self) -> int:
        self.all_names = frozenset(self.table)
        return len(self.table)

    def reading(self) -> Read:
        return Read(seen=tuple(self.seen.items()), all_names=self.all_names)


@attrs.frozen
class Read:
    """What one declaration's check read from one table."""

    seen: tuple[tuple[str, object], ...]
    all_names: frozenset[str] | None

    def still(self, change: Change) -> bool:
        """Whether the table gives the same answers now, given how it changed since the last check."""
        if change.keys is None:
            return False
        if self.all_names is not None and change.names:
            return False
        return not change.keys or not any(key in change.keys for key, _ in self.seen)


@attrs.frozen
class Change:
    """How a table changed between two checks: the names whose value is another object (or is new, or
    gone), and whether the set of names changed. `keys` None: there was no earlier table."""

    keys: frozenset[str] | None
    names: bool

    @property
    def quiet(self) -> bool:
        return self.keys is not None and not self.keys and not self.names

    @staticmethod
    def none() -> Change:
        """No change at all."""
        return Change(keys=frozenset(), names=False)

    @staticmethod
    def between(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> Change:
        if old is None:
            return Change(keys=None, names=True)
        changed = {key for key, value in new.items() if old.get(key, _MISSING) is not value}
        gone = {key for key in old if key not in new}
        added = any(key not in old for key in changed)
        return Change(keys=frozenset(changed | gone), names=bool(gone) or added)


@attrs.frozen
class Entry:
    """One declaration's result, what its check read and found, and the settings it was checked under."""

    decl: tuple[object, ...]
    """The declarations checked (a plan's versions together), compared by identity."""
    context: tuple[object, ...]
    reads: tuple[Read, ...]
    result: Any
    diagnostics: tuple[Diagnostic, ...]

    def valid(self, decls: tuple[object, ...], context: tuple[object, ...], changes: tuple[Change, ...] | None) -> bool:
        """Whether this entry still holds for `decls` checked under `context`; `changes` None when no table
        changed at all (the common case, checked once per check rather than per entry)."""
        mine = self.decl
        if len(mine) == 1:  # most entries: one declaration, checked here without a generator
            if len(decls) != 1 or mine[0] is not decls[0]:
                return False
        elif len(mine) != len(decls) or not all(a is b for a, b in zip(mine, decls, strict=True)):
            return False
        if self.context is not context and self.context != context:
            return False
        return changes is None or all(read.still(change) for read, change in zip(self.reads, changes, strict=True))


@attrs.define
class Memo:
    """The entries of the last check, per kind and name; replaced wholesale by each check."""

    entries: dict[tuple[str, str], Entry] = attrs.Factory(dict)
    tables: dict[str, Mapping[str, Any]] = attrs.Factory(dict)
    """The name tables of the last check (customers, plans, indices, metrics), to see what changed."""
    contexts: dict[str, tuple[object, ...]] = attrs.Factory(dict)
    """The settings each kind of declaration was last checked under."""
    reused: int = 0
    """How many declarations the last check took from the memo (for tests and benchmarks)."""
    checked: int = 0
    """How many it checked."""

    def change(self, role: str, table: Mapping[str, Any]) -> Change:
        """How the table `role` changed since the last check; remembers it for the next."""
        found = Change.between(self.tables.get(role), table)
        self.tables[role] = table
        return found

    def same(self, role: str, context: tuple[object, ...]) -> tuple[object, ...]:
        """`context`, or the equal tuple the last check used: then entries compare it by identity, not by value."""
        before = self.contexts.get(role)
        if before is not None and before == context:
            return before
        self.contexts[role] = context
        return context

    def begin(self) -> dict[tuple[str, str], Entry]:
        """Start a check: the entries it may reuse; the check records the ones it keeps."""
        previous, self.entries = self.entries, {}
        self.reused = self.checked = 0
        return previous
