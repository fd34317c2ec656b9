"""The ledger: issued invoices and credit notes in one SQLite file (WAL mode).

Numbers, KIDs, totals and the hash chain are assigned inside the one transaction
that stores a bill run's documents, so a run is stored whole or not at all, and a
number is never used by a document that was not stored.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import Any

import attrs

from compiler.money import round_money
from runtime.ledger import rows
from runtime.ledger.chain import GENESIS, document_hash
from runtime.ledger.documents import (
    KINDS,
    DraftDocument,
    DraftLine,
    IssuedDocument,
    IssuedLine,
    Kind,
    Settlement,
)
from runtime.ledger.errors import InvalidDraft, LedgerError, LedgerLocked, LedgerSchemaError, NumberingError
from runtime.ledger.kid import KidScheme, check_kid_settings, make_kid
from runtime.ledger.schema import APPLICATION_ID, SCHEMA_VERSION, TRIGGERS, statements
from runtime.ledger.totals import compute_totals
from runtime.ledger.validation import check_draft

DEFAULT_TIMEOUT = 2.0  # seconds to wait for another writer before reporting the ledger locked
LOCKED_HELP = "another bill run is applying; try again when it finishes"
SETTING = {"invoice": "invoice_numbers", "credit_note": "credit_note_numbers"}
LABEL = {"invoice": "invoice", "credit_note": "credit note"}
SERIES_ORDER = "CASE series WHEN 'invoice' THEN 0 ELSE 1 END"


@attrs.frozen(kw_only=True)
class BillRun:
    id: int
    as_of: date


def _is_busy(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:
        return "locked" in str(exc) or "busy" in str(exc)
    return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def _at_minor_unit(line: DraftLine, currency: str) -> DraftLine:
    """The line with its (validated, already rounded) net amount written with exactly the currency's decimals."""
    rounded = round_money(line.net_amount, currency)
    return line if rounded.as_tuple() == line.net_amount.as_tuple() else attrs.evolve(line, net_amount=rounded)


def damaged(path: Path, exc: Exception) -> LedgerError:
    return LedgerError(
        f"the ledger at {path} is damaged: {exc}",
        "run the ledger verification to see what was changed, and restore the file from a backup",
    )


def _contract_range(low: str | None, high: str | None) -> tuple[list[str], tuple[str, ...]]:
    """SQL conditions and parameters for contract ids in [low, high), None leaving a side open."""
    where = [*(["contract >= ?"] if low is not None else []), *(["contract < ?"] if high is not None else [])]
    return where, tuple(bound for bound in (low, high) if bound is not None)


def issued_lines_from(found: Sequence[rows.Row], path: Path) -> list[IssuedLine]:
    """Issued lines, for reconciliation, from rows read by `Ledger.issued_rows_between` from `path`."""
    try:
        return [rows.issued_line(row) for row in found]
    except (ValueError, ArithmeticError) as exc:
        raise damaged(path, exc) from None


class Ledger:
    """One open ledger file. Open it with `Ledger.open(path)`; use it as a context manager to close it."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self.path = path

    @classmethod
    def open(cls, path: Path, *, create: bool = True, timeout: float = DEFAULT_TIMEOUT) -> Ledger:
        """Open the ledger at `path`, creating it (and its folder) when `create` and it does not exist."""
        if not create and not path.exists():
            raise LedgerError(
                f"there is no ledger at {path} yet",
                "it is created by the first `avtale bill --as-of DATE --apply`",
            )
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(path, timeout=timeout, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise LedgerError(
                f"cannot open the ledger at {path}: {exc}", "check the path and its permissions"
            ) from None
        ledger = cls(db, path)
        try:
            ledger._prepare()
        except BaseException:
            db.close()
            raise
        return ledger

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    # -- schema -------------------------------------------------------------------------------

    def _prepare(self) -> None:
        try:
            self._db.execute("PRAGMA foreign_keys = ON")
            version, application = self._versions()
            if version == 0:
                with self._transaction():
                    self._create()
            else:
                self._check_version(version, application)
            # Only now, so that a file that is not a ledger is left exactly as it was.
            self._db.execute("PRAGMA journal_mode = WAL")
            # WAL with synchronous=FULL: an applied bill run survives a power cut, not just a crash.
            self._db.execute("PRAGMA synchronous = FULL")
        except sqlite3.Error as exc:
            if _is_busy(exc):
                raise LedgerLocked(f"the ledger at {self.path} is locked", LOCKED_HELP) from None
            if getattr(exc, "sqlite_errorcode", 0) & 0xFF == sqlite3.SQLITE_NOTADB:
                raise LedgerSchemaError(
                    f"{self.path} is not an Avtale ledger: {exc}",
                    "point the `ledger` setting in avtale.toml at another file, or move this one away",
                ) from None
            raise LedgerError(
                f"cannot open the ledger at {self.path}: {exc}", "check the file and its permissions"
            ) from None

    def _versions(self) -> tuple[int, int]:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        application = self._db.execute("PRAGMA application_id").fetchone()[0]
        return int(version), int(application)

    def _create(self) -> None:
        version, application = self._versions()  # again, under the write lock: another process may have won
        if version:
            self._check_version(version, application)
            return
        if self._db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            raise LedgerSchemaError(
                f"{self.path} is an SQLite database but not an Avtale ledger",
                "point the `ledger` setting in avtale.toml at a new file",
            )
        for statement in statements():
            self._db.execute(statement)
        self._db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _check_version(self, version: int, application: int) -> None:
        if application != APPLICATION_ID:
            raise LedgerSchemaError(
                f"{self.path} is an SQLite database but not an Avtale ledger",
                "point the `ledger` setting in avtale.toml at another file",
            )
        if version < SCHEMA_VERSION:
            raise LedgerSchemaError(
                f"the ledger at {self.path} has schema version {version}, written by an earlier Avtale whose lines "
                f"carry no billing-period identity; this Avtale reads version {SCHEMA_VERSION}",
                "keep billing it with the Avtale that wrote it; reconciling it here could credit or bill lines "
                "twice, so nothing is read or issued",
            )
        if version > SCHEMA_VERSION:
            raise LedgerSchemaError(
                f"the ledger at {self.path} has schema version {version}; this Avtale reads up to {SCHEMA_VERSION}",
                "it was written by a newer Avtale: upgrade Avtale to read it",
            )

    # -- transactions ---------------------------------------------------------------------------

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception: all or nothing."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if _is_busy(exc):
                raise LedgerLocked(f"the ledger at {self.path} is locked by another process", LOCKED_HELP) from None
            raise
        try:
            yield
            self._db.execute("COMMIT")
        except BaseException:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """A read transaction: every read in the block sees one state, even while another run commits (WAL)."""
        if self._db.in_transaction:  # inside locked(): already one state
            yield
            return
        self._db.execute("BEGIN")
        try:
            yield
        finally:
            self._db.execute("COMMIT")

    @contextmanager
    def _savepoint(self) -> Iterator[None]:
        """All or nothing inside locked(), even if the caller catches the exception and carries on."""
        self._db.execute("SAVEPOINT issue")
        try:
            yield
        except BaseException:
            if self._db.in_transaction:  # SQLite may already have rolled everything back (disk full, I/O)
                self._db.execute("ROLLBACK TO issue")
                self._db.execute("RELEASE issue")
            raise
        self._db.execute("RELEASE issue")

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the write lock from reading to issuing, so that a run issues exactly what it planned
        against the ledger as it stands: no other run can issue in between.

            with ledger.locked():
                drafts = plan(workspace, ledger, ...)
                ledger.issue(drafts, ...)

        Everything issued inside is committed when the block ends, and rolled back if it raises.
        """
        if self._db.in_transaction:
            raise RuntimeError("Ledger.locked() is already held")
        with self._transaction():
            yield

    # -- issuing --------------------------------------------------------------------------------

    def issue(
        self,
        drafts: Sequence[DraftDocument],
        *,
        as_of: date,
        invoice_start: int,
        credit_note_start: int,
        kid_scheme: KidScheme,
        kid_length: int,
    ) -> list[IssuedDocument]:
        """Issue `drafts` as one bill run: numbered in draft order, each series gapless, all or nothing.

        An empty list issues nothing and records no run.
        """
        for index, draft in enumerate(drafts):
            check_draft(index, draft, as_of)
        starts: dict[Kind, int] = {"invoice": invoice_start, "credit_note": credit_note_start}
        for series, start in starts.items():
            if isinstance(start, bool) or not isinstance(start, int) or start < 1:
                raise NumberingError(
                    f"{LABEL[series]} numbers cannot start from {start}",
                    f"write `{SETTING[series]} from 1` or another positive number in the seller declaration",
                )
        check_kid_settings(kid_scheme, kid_length)
        if not drafts:
            return []
        try:
            with self._savepoint() if self._db.in_transaction else self._transaction():
                return self._issue(drafts, as_of, starts, kid_scheme, kid_length)
        except sqlite3.OperationalError as exc:
            if _is_busy(exc):
                raise LedgerLocked(f"the ledger at {self.path} is locked by another process", LOCKED_HELP) from None
            raise LedgerError(
                f"the ledger at {self.path} could not be written: {exc}",
                "nothing was issued; check the disk space and permissions, then run the bill run again",
            ) from None

    def _issue(
        self,
        drafts: Sequence[DraftDocument],
        as_of: date,
        starts: dict[Kind, int],
        kid_scheme: KidScheme,
        kid_length: int,
    ) -> list[IssuedDocument]:
        run = self._db.execute("SELECT coalesce(max(id), 0) + 1 FROM bill_runs").fetchone()[0]
        self._db.execute("INSERT INTO bill_runs (id, as_of) VALUES (?, ?)", (run, as_of.isoformat()))
        numbers: dict[Kind, int] = {}
        previous: dict[Kind, str] = {}
        for series in sorted({d.kind for d in drafts}, key=KINDS.index):
            numbers[series] = self._series_next(series, starts[series])
            previous[series] = self._last_hash(series)
        self._check_references(drafts)
        issued = []
        for draft in drafts:
            series = draft.kind
            number = numbers[series]
            lines = tuple(_at_minor_unit(line, draft.currency) for line in draft.lines)
            doc = IssuedDocument(
                kind=draft.kind,
                contract=draft.contract,
                customer=draft.customer,
                currency=draft.currency,
                issue_date=draft.issue_date,
                due_date=draft.due_date,
                buyer_reference=draft.buyer_reference,
                purchase_order=draft.purchase_order,
                lines=lines,
                corrects=draft.corrects,
                number=number,
                series=series,
                kid=make_kid(number, scheme=kid_scheme, length=kid_length) if series == "invoice" else "",
                totals=compute_totals(lines, draft.currency),
                previous_hash=previous[series],
                hash="",
                issued_at_run=run,
            )
            doc = attrs.evolve(doc, hash=document_hash(doc))
            self._insert(doc)
            numbers[series] = number + 1
            previous[series] = doc.hash
            issued.append(doc)
        return issued

    def _series_next(self, series: Kind, start: int) -> int:
        row = self._db.execute("SELECT first, next FROM series WHERE series = ?", (series,)).fetchone()
        if row is None:
            self._db.execute("INSERT INTO series (series, first, next) VALUES (?, ?, ?)", (series, start, start))
            return start
        first, next_number = row
        if first != start:
            raise NumberingError(
                f"the seller numbers {LABEL[series]}s from {start}, but this ledger's {LABEL[series]} series "
                f"started at {first} and its next number is {next_number}",
                f"a gapless series cannot start again; write `{SETTING[series]} from {first}` "
                "in the seller declaration",
            )
        return int(next_number)

    def _last_hash(self, series: Kind) -> str:
        row = self._db.execute(
            "SELECT hash FROM documents WHERE series = ? ORDER BY number DESC LIMIT 1", (series,)
        ).fetchone()
        return GENESIS if row is None else str(row[0])

    def _check_references(self, drafts: Sequence[DraftDocument]) -> None:
        """Credit notes may only reference invoices already issued to the same customer in the same currency."""
        for index, draft in enumerate(drafts):
            for invoice in draft.corrects:
                row = self._db.execute(
                    "SELECT customer, currency FROM documents WHERE series = 'invoice' AND number = ?", (invoice,)
                ).fetchone()
                where = f"draft {index + 1} (credit_note for contract {draft.contract})"
                if row is None:
                    problem = f"it references invoice {invoice}, which has not been issued"
                elif row[0] != draft.customer:
                    problem = f"it references invoice {invoice}, which was issued to customer {row[0]}"
                elif row[1] != draft.currency:
                    problem = f"it is in {draft.currency}, but invoice {invoice} is in {row[1]}"
                else:
                    continue
                raise InvalidDraft(f"{where}: {problem}", "nothing was issued; this is a bug in the bill run")

    def _insert(self, doc: IssuedDocument) -> None:
        self._db.execute(
            f"INSERT INTO documents ({rows.DOCUMENT_COLUMNS}) VALUES ({', '.join('?' * 17)})", rows.document_row(doc)
        )
        self._db.executemany(f"INSERT INTO document_refs ({rows.REF_COLUMNS}) VALUES (?, ?, ?, ?)", rows.ref_rows(doc))
        self._db.executemany(
            f"INSERT INTO document_lines ({rows.LINE_COLUMNS}) VALUES ({', '.join('?' * 19)})", rows.line_rows(doc)
        )
        self._db.executemany(
            f"INSERT INTO document_vat ({rows.VAT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)", rows.vat_rows(doc)
        )

    # -- settlements ----------------------------------------------------------------------------

    def record_settlements(self, settled: Sequence[Settlement]) -> None:
        """Replace the settlements of these contracts; inside `locked()`, with the run that settled them."""
        if not self._db.in_transaction:
            raise RuntimeError("settlements are recorded inside Ledger.locked(), with the run")
        try:
            self._db.executemany(
                "INSERT INTO settlements (contract, as_of, terms, usage) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (contract) DO UPDATE SET as_of = excluded.as_of, terms = excluded.terms, "
                "usage = excluded.usage",
                [(s.contract, s.as_of.isoformat(), s.terms, s.usage) for s in settled],
            )
        except sqlite3.OperationalError as exc:
            raise LedgerError(
                f"the ledger at {self.path} could not be written: {exc}",
                "nothing was issued; check the disk space and permissions, then run the bill run again",
            ) from None

    def settlements_between(self, low: str | None, high: str | None) -> dict[str, Settlement]:
        """The settlements of the contracts whose ids sort in [low, high) (None: unbounded)."""
        where, params = _contract_range(low, high)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        found = self._db.execute(f"SELECT contract, as_of, terms, usage FROM settlements {clause}", params).fetchall()
        try:
            return {c: Settlement(contract=c, as_of=rows.day(d), terms=t, usage=u) for c, d, t, u in found}
        except (ValueError, TypeError) as exc:
            raise self._damaged(exc) from None

    def contracts_between(self, low: str | None, high: str | None) -> list[str]:
        """The contracts with issued lines whose ids sort in [low, high)."""
        where, params = _contract_range(low, high)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        return [c for (c,) in self._db.execute(f"SELECT DISTINCT contract FROM document_lines {clause}", params)]

    # -- reading --------------------------------------------------------------------------------

    def next_number(self, series: Kind, start: int) -> int:
        """The number the next document of `series` would get (for a plan), given the seller's first number."""
        row = self._db.execute("SELECT next FROM series WHERE series = ?", (series,)).fetchone()
        return start if row is None else int(row[0])

    def bill_runs(self) -> list[BillRun]:
        found = self._db.execute("SELECT id, as_of FROM bill_runs ORDER BY id").fetchall()
        return [BillRun(id=run, as_of=date.fromisoformat(as_of)) for run, as_of in found]

    def documents(self, series: Kind | None = None) -> list[IssuedDocument]:
        """Issued documents, invoices before credit notes, each series by number."""
        if series is None:
            return self._load("", ())
        return self._load("WHERE series = ?", (series,))

    def document(self, series: Kind, number: int) -> IssuedDocument | None:
        found = self._load("WHERE series = ? AND number = ?", (series, number))
        return found[0] if found else None

    def issued_lines(self, contract: str | None = None) -> list[IssuedLine]:
        """Every issued line (of one contract, if given) for reconciliation; credit-note amounts negative."""
        if contract is None:
            return self._issued_lines("", ())
        return self._issued_lines("WHERE contract = ?", (contract,))

    def issued_lines_between(
        self, low: str | None, high: str | None, after: date | None = None, whole: Sequence[str] = ()
    ) -> list[IssuedLine]:
        """The issued lines of the contracts whose ids sort from `low` up to, not including, `high`
        (None: unbounded on that side).

        Bill runs read the ledger a range of contracts at a time, so that no process
        ever holds every line issued.
        """
        return issued_lines_from(self.issued_rows_between(low, high, after, whole), self.path)

    def issued_rows_between(
        self, low: str | None, high: str | None, after: date | None = None, whole: Sequence[str] = ()
    ) -> list[rows.Row]:
        """The same lines as rows of text and numbers: cheap to send to another process, which
        turns them into lines with `issued_lines_from`.

        With `after`, only the lines of billing periods ending after it, except for the contracts in
        `whole`, whose every line is read (a run that knows the others settled up to `after`)."""
        where, params = _contract_range(low, high)
        if after is not None:
            where.append("(billing_end > ? OR contract IN (SELECT value FROM json_each(?)))")
            params += (after.isoformat(), json.dumps(list(whole)))
        return self._issued_rows(f"WHERE {' AND '.join(where)}" if where else "", params)

    def _issued_lines(self, where: str, params: tuple[str, ...]) -> list[IssuedLine]:
        return issued_lines_from(self._issued_rows(where, params), self.path)

    def _issued_rows(self, where: str, params: tuple[str, ...]) -> list[rows.Row]:
        return self._db.execute(
            f"SELECT {rows.ISSUED_LINE_COLUMNS} FROM document_lines {where} ORDER BY {SERIES_ORDER}, number, line",
            params,
        ).fetchall()

    def _damaged(self, exc: Exception) -> LedgerError:
        return damaged(self.path, exc)

    def _raw(self, where: str, params: tuple[Any, ...]) -> list[rows.Raw]:
        """Document rows with their line, VAT group and reference rows, in document order."""
        docs = self._db.execute(
            f"SELECT {rows.DOCUMENT_COLUMNS} FROM documents {where} ORDER BY {SERIES_ORDER}, number", params
        ).fetchall()
        lines: dict[tuple[str, int], list[rows.Row]] = defaultdict(list)
        groups: dict[tuple[str, int], list[rows.Row]] = defaultdict(list)
        refs: dict[tuple[str, int], list[int]] = defaultdict(list)
        for row in self._db.execute(f"SELECT {rows.LINE_COLUMNS} FROM document_lines {where} ORDER BY line", params):
            lines[row[0], row[1]].append(row[3:])
        for row in self._db.execute(f"SELECT {rows.VAT_COLUMNS} FROM document_vat {where} ORDER BY position", params):
            groups[row[0], row[1]].append(row[3:])
        for row in self._db.execute(f"SELECT {rows.REF_COLUMNS} FROM document_refs {where} ORDER BY position", params):
            refs[row[0], row[1]].append(row[3])
        return [(doc, lines[doc[0], doc[1]], groups[doc[0], doc[1]], refs[doc[0], doc[1]]) for doc in docs]

    def _load(self, where: str, params: tuple[Any, ...]) -> list[IssuedDocument]:
        with self.snapshot():
            found = self._raw(where, params)
        try:
            return [rows.decode_document(*raw) for raw in found]
        except (ValueError, ArithmeticError) as exc:
            raise self._damaged(exc) from None

    # -- verification ---------------------------------------------------------------------------

    def verify(self) -> list[str]:
        """Every sign of tampering or damage: missing triggers, broken links, gaps, changed content."""
        with self.snapshot():
            return self._verify()

    def _verify(self) -> list[str]:
        present = {name for (name,) in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        problems = [
            f"trigger {name} is missing: the schema no longer enforces what it guarded"
            for name in TRIGGERS
            if name not in present
        ]
        problems += [
            f"a row of {table} (rowid {rowid}) refers to a missing row of {parent}"
            for table, rowid, parent, _ in self._db.execute("PRAGMA foreign_key_check")
        ]
        counters = {s: (first, nxt) for s, first, nxt in self._db.execute("SELECT series, first, next FROM series")}
        by_series: dict[str, list[rows.Raw]] = defaultdict(list)
        for found in self._raw("", ()):
            by_series[found[0][0]].append(found)
        for series in sorted(
            set(by_series) | set(counters), key=lambda s: (KINDS.index(s) if s in KINDS else len(KINDS), s)
        ):
            problems += self._verify_series(series, counters.get(series), by_series[series])
        return problems

    def _verify_series(
        self,
        series: str,
        counter: tuple[int, int] | None,
        found: list[rows.Raw],
    ) -> list[str]:
        label = LABEL.get(series, series)
        if counter is None:
            return [f"{label}s are stored but there is no {label} number series"]
        first, next_number = counter
        problems = []
        expected, previous = first, GENESIS
        for raw in found:
            number, stored_previous, stored_hash = raw[0][1], raw[0][14], raw[0][15]
            if number > expected:
                missing = str(expected) if number == expected + 1 else f"{expected}..{number - 1}"
                problems.append(f"{label} numbers are not gapless: {missing} missing before {label} {number}")
            elif number < expected:
                problems.append(f"{label} {number} is out of order (expected {expected})")
            if stored_previous != previous:
                problems.append(
                    f"{label} {number}: the chain is broken; its previous_hash is not the hash of the document "
                    "before it (a document was removed, inserted or re-hashed)"
                )
            try:
                doc = rows.decode_document(*raw)
            except (ValueError, ArithmeticError, TypeError) as exc:
                problems.append(f"{label} {number}: a stored value cannot be read ({exc})")
            else:
                if document_hash(doc) != stored_hash:
                    problems.append(f"{label} {number}: its content does not match its hash (changed after issue)")
                if compute_totals(doc.lines, doc.currency) != doc.totals:
                    problems.append(f"{label} {number}: its totals do not add up from its lines")
            expected, previous = number + 1, stored_hash
        if next_number != expected:
            problems.append(f"the {label} series' next number is {next_number}, but the last issued is {expected - 1}")
        return problems
