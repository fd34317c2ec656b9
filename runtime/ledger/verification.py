"""The checks behind `Ledger.verify`, `verify_tail` and `check_documents`, each a list of problems in words.

Every problem is located: `invoice 250003: ...`, `the credit note series' ...`,
`trigger X ...`, `the file is damaged ...`. A check that cannot read what it
looks at reports that as its problem instead of raising.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterable
from typing import Any

from runtime.ledger import rows
from runtime.ledger.anchor import Anchor
from runtime.ledger.chain import GENESIS
from runtime.ledger.checks import LABEL, label, raw_problems
from runtime.ledger.documents import KINDS
from runtime.ledger.faults import is_bug
from runtime.ledger.identity import LedgerInfo, parse_timestamp

INTEGRITY_LIMIT = 50  # integrity_check lines reported; a badly damaged file has thousands
PAGE = re.compile(r"[Tt]ree (?:page )?(\d+)")

Counters = dict[str, tuple[int, int]]


def guarded(what: str, check: Callable[[], list[str]]) -> list[str]:
    """The check's problems, or the read error that stopped it, as a problem."""
    try:
        return check()
    except sqlite3.Error as exc:
        if is_bug(exc):
            raise
        return [f"{what} cannot be read: the file is damaged ({exc})"]


def integrity(db: sqlite3.Connection, pragma: str = "integrity_check") -> list[str]:
    """SQLite's own check of every page and index (a damaged page, a b-tree out of order).
    `quick_check` skips the comparison of indexes with their tables: several times faster, and it
    still reads every page.

    SQLite may report what it found row by row and then fail on a page it cannot read: the
    rows found so far are kept, and the failure is one more problem.
    """
    tables = {int(root): name for name, root in db.execute("SELECT name, rootpage FROM sqlite_master WHERE rootpage")}
    found: list[str] = []
    cursor = db.execute(f"PRAGMA {pragma}({INTEGRITY_LIMIT})")
    try:
        for (row,) in cursor:
            found += [line for line in str(row).splitlines() if line != "ok" and not line.startswith("***")]
    except sqlite3.DatabaseError as exc:
        if is_bug(exc):
            raise
        found.append(str(exc))
    return [f"the file is damaged (SQLite integrity check): {line}{_table_of(line, tables)}" for line in found]


def _table_of(line: str, tables: dict[int, str]) -> str:
    match = PAGE.search(line)
    if match is None or int(match.group(1)) not in tables:
        return ""
    return f" (the b-tree of table {tables[int(match.group(1))]})"


def missing_triggers(db: sqlite3.Connection, expected: Iterable[str]) -> list[str]:
    present = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    return [
        f"trigger {name} is missing: the schema no longer enforces what it guarded"
        for name in expected
        if name not in present
    ]


def broken_references(db: sqlite3.Connection) -> list[str]:
    return [
        f"a row of {table} (rowid {rowid}) refers to a missing row of {parent}"
        for table, rowid, parent, _ in db.execute("PRAGMA foreign_key_check")
    ]


def counters(db: sqlite3.Connection) -> Counters:
    return {s: (first, nxt) for s, first, nxt in db.execute("SELECT series, first, next FROM series")}


def in_order(names: Iterable[object]) -> list[str]:
    """The series' names, invoices first, then any other text a tamperer wrote (a damaged row's is left out)."""
    return sorted(
        {s for s in names if isinstance(s, str)}, key=lambda s: (KINDS.index(s) if s in KINDS else len(KINDS), s)
    )


def unknown_series(by_series: dict[Any, list[rows.Raw]]) -> list[str]:
    """Document rows a damaged page left without a series name to check them in."""
    return [
        f"a document is stored in no known series (series {raw[0][0]!r}, number {raw[0][1]!r}): its row is damaged"
        for series, found in by_series.items()
        if not isinstance(series, str)
        for raw in found
    ]


def identity_problems(info: LedgerInfo | None, found: Counters) -> list[str]:
    """A series that does not start where the identity says it does."""
    if info is None:
        return []
    firsts = {"invoice": info.identity.invoice_first, "credit_note": info.identity.credit_note_first}
    return [
        f"the {LABEL[series]} series starts at {found[series][0]}, but the ledger was initialised with "
        f"{LABEL[series]}s from {first}"
        for series, first in firsts.items()
        if series in found and found[series][0] != first
    ]


def series_problems(series: str, counter: tuple[int, int] | None, found: list[rows.Raw]) -> list[str]:
    """Every document of one series: gapless from its first number, chained, as issued; its counter."""
    name = LABEL.get(series, series)
    if counter is None:
        return [f"{name}s are stored but there is no {name} number series"]
    first, next_number = counter
    problems = []
    expected, previous = first, GENESIS
    for raw in found:
        number, stored_previous, stored_hash = raw[0][1], raw[0][14], raw[0][15]
        if number > expected:
            missing = str(expected) if number == expected + 1 else f"{expected}..{number - 1}"
            problems.append(f"{name} numbers are not gapless: {missing} missing before {name} {number}")
        elif number < expected:
            problems.append(f"{name} {number} is out of order (expected {expected})")
        if stored_previous != previous:
            problems.append(
                f"{name} {number}: the chain is broken; its previous_hash is not the hash of the document "
                "before it (a document was removed, inserted or re-hashed)"
            )
        problems += raw_problems(raw)
        expected, previous = number + 1, stored_hash
    if next_number != expected:
        problems.append(f"the {name} series' next number is {next_number}, but the last issued is {expected - 1}")
    return problems


def tail_problems(db: sqlite3.Connection, series: str, counter: tuple[int, int] | None) -> list[str]:
    """What an apply would extend: the counter, the last document's content, and its link to the one before."""
    name = LABEL.get(series, series)
    count, last = db.execute("SELECT count(*), max(number) FROM documents WHERE series = ?", (series,)).fetchone()
    if counter is None:
        return [f"{name}s are stored but there is no {name} number series"] if count else []
    first, next_number = counter
    if last is None:
        if next_number == first:
            return []
        return [f"the {name} series' next number is {next_number}, but no {name} was issued (it starts at {first})"]
    problems = []
    if count != last - first + 1:
        problems.append(f"{name} numbers are not gapless: {count} documents from {first} to {last}")
    if next_number != last + 1:
        problems.append(f"the {name} series' next number is {next_number}, but the last issued is {last}")
    [raw] = rows.read_raw(db, "WHERE series = ? AND number = ?", (series, last))
    problems += raw_problems(raw)
    problems += _link_problems(db, series, first, raw)
    return problems


def _link_problems(db: sqlite3.Connection, series: str, first: int, raw: rows.Raw) -> list[str]:
    number, stored_previous = raw[0][1], raw[0][14]
    if number == first:
        previous = GENESIS
    else:
        row = db.execute("SELECT hash FROM documents WHERE series = ? AND number = ?", (series, number - 1)).fetchone()
        if row is None:
            return [f"{label(series, number - 1)} is missing before {label(series, number)}"]
        previous = row[0]
    if stored_previous == previous:
        return []
    before = "the start of the series" if number == first else label(series, number - 1)
    return [f"{label(series, number)}: the chain is broken; its previous_hash does not link to {before}"]


def document_problems(db: sqlite3.Connection, refs: Iterable[tuple[str, int]]) -> list[str]:
    """The content, hash and totals check of each document named, once each, in the order given."""
    problems: list[str] = []
    seen: set[tuple[str, int]] = set()
    for series, number in refs:
        if (series, number) in seen:
            continue
        seen.add((series, number))
        found = rows.read_raw(db, "WHERE series = ? AND number = ?", (series, number))
        problems += raw_problems(found[0]) if found else [f"{label(series, number)}: it is not in the ledger"]
    return problems


def anchor_problems(db: sqlite3.Connection, anchor: Anchor, orgnr: str | None) -> list[str]:
    """Each series must still hold the anchored number with the anchored hash; the seller must be the same."""
    problems = []
    if anchor.seller_orgnr is not None and anchor.seller_orgnr != orgnr:
        recorded = f"records {orgnr}" if orgnr is not None else "records none"
        problems.append(f"the anchor is for organisation number {anchor.seller_orgnr}, but this ledger {recorded}")
    for tail in anchor.tails:
        where = label(tail.series, tail.number)
        row = db.execute(
            "SELECT hash FROM documents WHERE series = ? AND number = ?", (tail.series, tail.number)
        ).fetchone()
        if row is None:
            problems.append(f"{where}: in the anchor but not in the ledger (the ledger was truncated or replaced)")
        elif row[0] != tail.hash:
            problems.append(
                f"{where}: its hash is {str(row[0])[:12]}…, but the anchor records {tail.hash[:12]}… "
                "(it, or a document before it, was rewritten)"
            )
    return problems


def handover_problems(db: sqlite3.Connection) -> list[str]:
    """Handovers that cannot be read back (the schema's checks keep the rest; foreign keys are checked apart)."""
    problems = []
    found = db.execute("SELECT id, series, number, channel, file, sha256, handed_over_at FROM handovers ORDER BY id")
    for row in found:
        try:
            rows.decode_handover(row[1:])
        except (ValueError, TypeError) as exc:
            problems.append(f"handover {row[0]} ({label(str(row[1]), row[2])}): a stored value cannot be read ({exc})")
    return problems


def closed_month_problems(db: sqlite3.Connection) -> list[str]:
    """Closed months and figures that cannot be read back; figures of a month that was never closed."""
    problems = []
    for month, at in db.execute("SELECT month, closed_at FROM closed_months ORDER BY month"):
        try:
            rows.day(month)
            parse_timestamp(at)
        except (ValueError, TypeError) as exc:
            problems.append(f"closed month {month}: a stored value cannot be read ({exc})")
    for month, position, *figure in db.execute(
        "SELECT month, position, contract, obligation, account, currency, amount FROM closed_figures "
        "ORDER BY month, position"
    ):
        try:
            rows.decode_figure(figure)
        except (ValueError, TypeError, ArithmeticError) as exc:
            problems.append(f"closed month {month}, figure {position}: a stored value cannot be read ({exc})")
    return problems
