"""Pickling the AST and the checked model as tuples of their fields.

attrs gives a slotted class a `__getstate__` that builds a dict of field names per object; the ASTs
of a 10,000-contract workspace are 600,000 objects, pickled by the parse workers, read back by the
loader, and the checked model goes through the cache the same way. A tuple of the fields in
declaration order is a third smaller and about a quarter faster to write (bench/profile_check.py).
`__setstate__` takes that tuple back field by field, as attrs' own does for a frozen class (through
`object.__setattr__`, which a frozen class's `__setattr__` refuses).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Any

import attrs

_SET = object.__setattr__


def _state_functions(names: tuple[str, ...]) -> tuple[Callable[[Any], tuple[Any, ...]], Callable[[Any, Any], None]]:
    if not names:

        def getstate(self: Any) -> tuple[Any, ...]:
            return ()

    elif len(names) == 1:
        (name,) = names

        def getstate(self: Any) -> tuple[Any, ...]:
            return (getattr(self, name),)

    else:
        fields = operator.attrgetter(*names)

        def getstate(self: Any) -> tuple[Any, ...]:
            return fields(self)

    return getstate, _setstate_maker(len(names))(*names)


_MAKERS: dict[int, Callable[..., Callable[[Any, Any], None]]] = {}


def _setstate_maker(count: int) -> Callable[..., Callable[[Any, Any], None]]:
    """A function that makes `__setstate__` for classes of `count` fields: one assignment per field, written
    out (a loop over the names cost a third more per object), compiled once per count rather than per class
    (compiling one per class added a tenth of a second to every command's start)."""
    maker = _MAKERS.get(count)
    if maker is None:
        params = ", ".join(f"f{i}" for i in range(count))
        body = "".join(f"        _SET(self, f{i}, state[{i}])\n" for i in range(count)) or "        pass\n"
        scope: dict[str, Any] = {"_SET": _SET}
        exec(f"def make({params}):\n    def setstate(self, state):\n{body}    return setstate\n", scope)
        maker = _MAKERS[count] = scope["make"]
    return maker


def pickle_as_tuples(namespace: Mapping[str, Any]) -> None:
    """Give every slotted attrs class defined in the module of `namespace` (its `globals()`) tuple state."""
    module = namespace["__name__"]
    for value in list(namespace.values()):
        if not (isinstance(value, type) and value.__module__ == module and attrs.has(value)):
            continue
        if "__slots__" not in value.__dict__ or "__attrs_cached_hash" in getattr(value, "__slots__", ()):
            continue  # a dict class pickles its __dict__; a cached hash needs attrs' own reset on load
        names = tuple(a.name for a in attrs.fields(value))
        cls: Any = value  # a class of this module, given two methods
        cls.__getstate__, cls.__setstate__ = _state_functions(names)
