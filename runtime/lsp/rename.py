"""Renaming a customer, metric or charge id everywhere it is written, unless issued documents hold it.

Issued documents keep the ids they were issued with: a document names its customer, each line its charge,
and a usage line's trace its metric. Renaming such an id in the sources would leave the ledger speaking of
an id the workspace no longer has (the next bill run would credit those lines and invoice them again under
the new id), so the rename is refused, with the documents that hold it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from compiler.names import LOWER_ID
from dsl.highlight import DECLARATION_KEYWORDS, STATEMENT_KEYWORDS
from dsl.parser import parse
from dsl.span import Span
from runtime.ledger.documents import IssuedLine
from runtime.ledger.errors import LedgerError
from runtime.ledger.store import Ledger
from runtime.lsp.index import Occurrence, Symbol, WorkspaceIndex

KEYWORDS = frozenset(DECLARATION_KEYWORDS) | frozenset(STATEMENT_KEYWORDS)
"""The language's words (from the grammar, kept in step by tests/editor): never a new id."""

RENAMABLE = ("customer", "metric", "charge")


class Refused(Exception):
    """A rename that cannot be done; the message says why and what to do instead."""


def target(index: WorkspaceIndex, path: str, line: int, column: int) -> Occurrence:
    """The renamable name under the position, or Refused."""
    found = index.at(path, line, column)
    if found is None:
        raise Refused("there is no customer, metric or charge id here to rename")
    if found.symbol.kind not in RENAMABLE:
        raise Refused(
            f"{found.symbol.kind} ids are not renamed by the editor: only customer, metric and charge ids are"
        )
    return found


def _contracts_touched(index: WorkspaceIndex, symbol: Symbol) -> list[str]:
    """The contracts whose issued lines could hold the id."""
    if symbol.kind == "customer":
        return sorted(c for c, info in index.contracts.items() if info.customer == symbol.name)
    if symbol.kind == "charge" and symbol.owner is not None:
        kind, owner = symbol.owner
        if kind == "contract":
            return [owner]
        return sorted(c for c, info in index.contracts.items() if info.plan == owner)
    return sorted(index.contracts)


def _holds(line: IssuedLine, symbol: Symbol) -> bool:
    if symbol.kind == "charge":
        return line.charge == symbol.name
    # a usage line's trace names its metric (compact JSON, compiler/billing/provenance.py)
    return line.kind == "usage" and f'"metric":"{symbol.name}"' in line.provenance


def issued_holders(ledger_file: Path, index: WorkspaceIndex, symbol: Symbol) -> list[str]:
    """The issued documents that hold the id, as `invoice 10001`; none when there is no ledger yet.
    Raises Refused when the ledger exists but cannot be read (the rename could not be checked)."""
    if not ledger_file.exists():
        return []
    try:
        ledger = Ledger.open(ledger_file, create=False, read_only=True)
    except LedgerError as exc:
        raise Refused(f"cannot read the ledger at {ledger_file} to check the rename: {exc}") from None
    holders: set[tuple[str, int]] = set()
    try:
        if symbol.kind == "customer":
            holders = {(d.series, d.number) for d in ledger.documents() if d.customer == symbol.name}
        else:
            for contract in _contracts_touched(index, symbol):
                for line in ledger.issued_lines(contract):
                    if _holds(line, symbol):
                        holders.add((line.series, line.number))
    except LedgerError as exc:
        raise Refused(f"cannot read the ledger at {ledger_file} to check the rename: {exc}") from None
    finally:
        ledger.close()
    return [f"{series.replace('_', ' ')} {number}" for series, number in sorted(holders)]


def _taken(index: WorkspaceIndex, symbol: Symbol, name: str) -> bool:
    if symbol.owner is None:
        return name in index.names(symbol.kind)
    kind, owner = symbol.owner
    if kind == "contract":
        return name in index.charges_of(owner)
    followers = [c for c, info in index.contracts.items() if info.plan == owner]
    return any(name in v.charges for v in index.versions.get(owner, [])) or any(
        name in index.contracts[c].own for c in followers
    )


def edits(index: WorkspaceIndex, occurrence: Occurrence, new_name: str, ledger_file: Path) -> list[Occurrence]:
    """Every occurrence to rewrite, or Refused with the reason."""
    symbol = occurrence.symbol
    if not LOWER_ID.match(new_name):
        raise Refused(f"`{new_name}` is not a valid {symbol.kind} id: use lower-case letters, digits and `_`")
    if new_name in KEYWORDS:
        raise Refused(f"`{new_name}` is a word of the language: where the id is written, it would read as that")
    if new_name == symbol.name:
        raise Refused(f"the {symbol.kind} is already called `{new_name}`")
    if _taken(index, symbol, new_name):
        raise Refused(f"`{new_name}` is already a {symbol.kind} id here: pick another name")
    refuse_if_issued(ledger_file, index, symbol)
    return index.references(symbol)


def refuse_unparsable(occurrences: list[Occurrence], new_name: str, text_of: Callable[[str], str | None]) -> None:
    """Refused when a file with the new name written in would no longer parse (a name the grammar reads as
    something else where it stands): checked on the rewritten texts, not guessed."""
    by_file: dict[str, list[Span]] = {}
    for occurrence in occurrences:
        by_file.setdefault(occurrence.span.file, []).append(occurrence.span)
    for path, spans in sorted(by_file.items()):
        text = text_of(path)
        if text is None:
            continue
        lines = text.split("\n")
        for span in sorted(spans, key=lambda s: (s.line, s.column), reverse=True):  # from the end: offsets hold
            line = lines[span.line - 1]
            lines[span.line - 1] = line[: span.column - 1] + new_name + line[span.end_column - 1 :]
        result = parse("\n".join(lines), path)
        if result.file is None:
            first = next(d for d in result.diagnostics if d.is_error)
            raise Refused(f"with `{new_name}` written in, {path} would not parse ({first.span}: {first.message})")


def refuse_if_issued(ledger_file: Path, index: WorkspaceIndex, symbol: Symbol) -> None:
    """Refused when issued documents hold the id."""
    holders = issued_holders(ledger_file, index, symbol)
    if holders:
        shown = ", ".join(holders[:5]) + (f" and {len(holders) - 5} more" if len(holders) > 5 else "")
        raise Refused(
            f"{symbol.describe()} is held by issued documents ({shown}); renaming it would make the next bill "
            f"run credit those lines and invoice them again under the new id. Keep the id (change its name "
            f"or label instead)"
        )
