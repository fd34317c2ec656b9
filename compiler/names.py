"""Names: declaring them once, finding them again, and suggesting the one meant."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from typing import Any

from dsl.ast import Ref
from dsl.diagnostics import Diagnostic, Label, error

LOWER_ID = re.compile(r"[a-z][a-z0-9_]*\Z")

# Invoice lines that are not a charge's own (the prepaid credit, the minimum true-up) are keyed by these
# words where a charge's id would be; a charge may not take them.
RESERVED_CHARGE_IDS = ("prepaid", "minimum")


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """A `help:` line naming the closest candidate, or listing the few there are."""
    pool = sorted(set(candidates))
    close = difflib.get_close_matches(name, pool, n=1, cutoff=0.6)
    if not close:
        close = [c for c in pool if c.lower() == name.lower()]
    if close:
        return f"did you mean `{close[0]}`?"
    if not pool:
        return "none is declared yet"
    if len(pool) <= 6:
        return "known: " + ", ".join(f"`{c}`" for c in pool)
    return f"there are {len(pool)} of them; check the spelling"


def unknown(kind: str, ref: Ref, candidates: Iterable[str], *, where: str = "") -> Diagnostic:
    return error(
        "E0302",
        f"unknown {kind} `{ref.name}`{where}",
        ref.span,
        label=f"no {kind} has this id",
        help=did_you_mean(ref.name, candidates),
    )


def duplicate(kind: str, ref: Ref, first: Ref) -> Diagnostic:
    return error(
        "E0301",
        f"{kind} `{ref.name}` is declared twice",
        ref.span,
        label="second declaration",
        help=f"give one of them another id, or delete one; {kind} ids must be unique",
        labels=(Label(first.span, "first declared here"),),
    )


def check_lower_id(kind: str, ref: Ref, sink: list[Diagnostic]) -> None:
    if not LOWER_ID.match(ref.name):
        suggestion = re.sub(r"[^a-z0-9_]", "_", ref.name.lower())
        sink.append(
            error(
                "E0303",
                f"{kind} ids are lower-case letters, digits and `_`",
                ref.span,
                label=f"`{ref.name}` does not fit",
                help=f"write `{suggestion}`",
            )
        )


def check_charge_id(ref: Ref, sink: list[Diagnostic]) -> None:
    """A charge id: lower case, and not one of the words the credit's and true-up's lines are keyed by."""
    check_lower_id("charge", ref, sink)
    if ref.name in RESERVED_CHARGE_IDS:
        what = "the prepaid credit" if ref.name == "prepaid" else "the minimum commitment's true-up"
        sink.append(
            error(
                "E0310",
                f"`{ref.name}` is reserved: a charge cannot be called that",
                ref.span,
                label="reserved charge id",
                help=f"invoice lines of {what} are keyed by `{ref.name}`; give the charge another id, "
                f"such as `{ref.name}_fee`",
            )
        )


def register(kind: str, decls: Iterable[Any], sink: list[Diagnostic], *, lower: bool = True) -> dict[str, Any]:
    """Index declarations by id, reporting duplicates (the first one wins)."""
    table: dict[str, Any] = {}
    for decl in decls:
        ref: Ref = decl.id
        if lower:
            check_lower_id(kind, ref, sink)
        if ref.name in table:
            sink.append(duplicate(kind, ref, table[ref.name].id))
        else:
            table[ref.name] = decl
    return table


def resolve(kind: str, ref: Ref, table: Mapping[str, Any], sink: list[Diagnostic], where: str = "") -> Any:
    if ref.name in table:
        return table[ref.name]
    sink.append(unknown(kind, ref, table.keys(), where=where))
    return None
