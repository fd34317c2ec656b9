"""The ledger: issued invoices and credit notes in one SQLite file (WAL mode).

Numbers, KIDs, totals and the hash chain are assigned inside the one transaction
that stores a bill run's documents, so a run is stored whole or not at all, and a
number is never used by a document that was not stored.

Every sqlite3 error a user's disk, lock or file can cause leaves as a LedgerError
(faults.py): the public methods are wrapped in `reading` or `writing`.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, date, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, NamedTuple

import attrs

from compiler.money import round_money
from runtime.ledger import connect, rows, verification
from runtime.ledger.anchor import Anchor, AnchorTail
from runtime.ledger.chain import GENESIS, document_hash
from runtime.ledger.checks import LABEL, label
from runtime.ledger.closes import ClosedFigure, ClosedMonth
from runtime.ledger.documents import (
    KINDS,
    DraftDocument,
    DraftLine,
    IssuedDocument,
    IssuedLine,
    Kind,
    Settlement,
)
from runtime.ledger.errors import InvalidDraft, LedgerDamaged, LedgerError, LedgerSchemaError, NumberingError
from runtime.ledger.faults import code, fault, is_bug, is_undecodable, reading, writing
from runtime.ledger.handovers import Handover
from runtime.ledger.identity import (
    LedgerIdentity,
    LedgerInfo,
    check_new,
    describe,
    mismatch,
    mismatches,
    not_initialised,
    parse_timestamp,
    timestamp,
)
from runtime.ledger.kid import KidScheme, check_kid_settings, make_kid
from runtime.ledger.parties import LineDetails, Parties
from runtime.ledger.schema import (
    APPLICATION_ID,
    MIGRATIONS,
    READABLE,
    SCHEMA_VERSION,
    TRIGGERS_BY_VERSION,
    statements,
)
from runtime.ledger.totals import compute_totals
from runtime.ledger.validation import check_closed_month, check_draft, check_handover, check_snapshot

DEFAULT_TIMEOUT = 2.0  # seconds to wait for another writer before reporting the ledger locked
SETTING = {"invoice": "invoice_numbers", "credit_note": "credit_note_numbers"}
SERIES_ORDER = rows.SERIES_ORDER
INSERT_BATCH = 1_000  # documents inserted per statement: few calls, and a bounded set of rows held at once


class Snapshot(NamedTuple):
    """What a document shows of its parties and lines, as `_insert_snapshots` records it."""

    series: Kind
    number: int
    parties: Parties
    details: Sequence[LineDetails | None]


@attrs.frozen(kw_only=True)
class RunRevision:
    """The state of the workspace a bill run billed: its git commit, and whether the files differed from it."""

    commit: str | None
    """The full commit id; None before the repository's first commit."""
    dirty: bool
    """Whether the workspace differed from `commit` (an edit, staged or not, or an untracked .avt file)."""

    def __attrs_post_init__(self) -> None:
        if self.commit is not None and not _is_commit_id(self.commit):
            raise ValueError(f"{self.commit!r} is not a full commit id (40 or 64 lowercase hex digits)")

    def describe(self, short: int = 12) -> str:
        """The commit abbreviated to `short` digits, with `+dirty` when the files differed from it."""
        shown = self.commit[:short] if self.commit is not None else "no commit"
        return shown + ("+dirty" if self.dirty else "")


def _is_commit_id(text: str) -> bool:
    return len(text) in (40, 64) and all(c in "0123456789abcdef" for c in text)


@attrs.frozen(kw_only=True)
class BillRun:
    id: int
    as_of: date
    revision: RunRevision | None = None
    """The workspace revision the run billed; None when none was recorded (the workspace was not in git,
    or the run was stored by an Avtale before ledger schema version 4)."""


@attrs.frozen(kw_only=True)
class SeriesState:
    """A number series that has begun: where it starts, how many documents, and its latest."""

    series: Kind
    first: int
    next: int
    documents: int
    last_hash: str | None  # None when no document was issued yet


def _revision(commit: object, dirty: object) -> RunRevision | None:
    """A run's revision as stored (rows.revision_row); None when nothing was recorded."""
    if commit is None and dirty is None:
        return None
    if dirty not in (0, 1) or not (commit is None or isinstance(commit, str)):
        raise ValueError(f"the run's revision ({commit!r}, {dirty!r}) is neither a commit id nor NULL with a flag")
    return RunRevision(commit=commit, dirty=bool(dirty))


def _at_minor_unit(line: DraftLine, currency: str) -> DraftLine:
    """The line with its (validated, already rounded) net amount written with exactly the currency's decimals."""
    rounded = round_money(line.net_amount, currency)
    return line if rounded.as_tuple() == line.net_amount.as_tuple() else attrs.evolve(line, net_amount=rounded)


def damaged(path: Path, exc: Exception) -> LedgerError:
    return LedgerDamaged(
        f"the ledger at {path} is damaged: {exc}",
        "run `avtale ledger verify` to see what was changed, and restore the file from a backup",
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


def _check_place(path: Path) -> None:
    """Refuse a ledger path that is a folder, or below a file, before SQLite gives a vaguer error."""
    if path.is_dir():
        raise LedgerError(
            f"cannot open the ledger at {path}: it is a folder",
            "point the `ledger` setting in avtale.toml at a file inside it, e.g. `ledger.sqlite`",
        )
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise LedgerError(
                    f"cannot open the ledger at {path}: {parent} is a file, not a folder",
                    f"point the `ledger` setting in avtale.toml at a path in a folder, or move {parent} away",
                )
            return


def _open_fault(path: Path, exc: sqlite3.Error) -> LedgerError:
    """What opening the file failed with: not a database at all, or any fault of the file or disk."""
    if code(exc) == sqlite3.SQLITE_NOTADB:
        return LedgerSchemaError(
            f"{path} is not an Avtale ledger: {exc}",
            "point the `ledger` setting in avtale.toml at another file, or move this one away",
        )
    return fault(path, exc, writing=False)


def _lenient(data: bytes) -> str:
    """Text as stored, with bytes that are not UTF-8 (a damaged page) replaced, so the hash check can name it."""
    return data.decode("utf-8", errors="replace")


class Ledger:
    """One open ledger file. Open it with `Ledger.open(path)`; use it as a context manager to close it."""

    def __init__(
        self, connection: sqlite3.Connection, path: Path, *, read_only: bool = False, version: int = SCHEMA_VERSION
    ) -> None:
        self._db = connection
        self.path = path
        self.read_only = read_only
        self.version = version

    @classmethod
    def open(
        cls, path: Path, *, create: bool = True, timeout: float = DEFAULT_TIMEOUT, read_only: bool = False
    ) -> Ledger:
        """Open the ledger at `path`, creating it (and its folder) when `create` and it does not exist.

        `read_only`: for commands that only read. Never creates, migrates or writes anything, and
        works in a folder the user may not write (connect.py).
        """
        if (read_only or not create) and not path.exists():
            raise LedgerError(
                f"there is no ledger at {path} yet",
                "`avtale ledger init` creates it; if the ledger was moved, point the `ledger` setting in "
                "avtale.toml at it",
            )
        _check_place(path)
        try:
            if read_only:
                db = connect.read_only(path, timeout)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                db = connect.read_write(path, timeout)
        except OSError as exc:
            raise LedgerError(
                f"cannot open the ledger at {path}: {exc}", "check the path and its permissions"
            ) from None
        except sqlite3.Error as exc:
            raise _open_fault(path, exc) from None
        ledger = cls(db, path, read_only=read_only)
        try:
            ledger._prepare()
        except BaseException:
            db.close()
            raise
        return ledger

    @classmethod
    def init(cls, path: Path, identity: LedgerIdentity, initialised_at: datetime) -> Ledger:
        """Create the ledger at `path` with its identity, or adopt a ledger that has none yet.

        A ledger is adopted only when each series it has begun starts at the identity's first number.
        Refuses a ledger that already records an identity: it is written once, never changed.
        """
        check_new(identity, initialised_at)
        ledger = cls.open(path, create=True)
        try:
            ledger._adopt(identity, initialised_at)
        except BaseException:
            ledger.close()
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
            if self.read_only:
                self._check_version(version, application)
            elif version == 0 or version in MIGRATIONS:
                with self._transaction():
                    self._create_or_migrate()
            else:
                self._check_version(version, application)
            self.version = self._versions()[0]
            if not self.read_only:
                # Only now, so that a file that is not a ledger is left exactly as it was.
                self._db.execute("PRAGMA journal_mode = WAL")
                # WAL with synchronous=FULL: an applied bill run survives a power cut, not just a crash.
                self._db.execute("PRAGMA synchronous = FULL")
        except sqlite3.Error as exc:
            if is_bug(exc):
                raise
            raise _open_fault(self.path, exc) from None

    def _versions(self) -> tuple[int, int]:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        application = self._db.execute("PRAGMA application_id").fetchone()[0]
        return int(version), int(application)

    def _create_or_migrate(self) -> None:
        """Under the write lock: create the schema in an empty file, or bring an older ledger up to date."""
        version, application = self._versions()  # again: another process may have won
        if version == 0:
            self._create()
            return
        self._check_version(version, application)
        while version in MIGRATIONS:
            for statement in statements(MIGRATIONS[version]):
                self._db.execute(statement)
            version += 1
            self._db.execute(f"PRAGMA user_version = {version}")

    def _create(self) -> None:
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
        if version == 0 and self.read_only:
            raise LedgerSchemaError(
                f"{self.path} is not an Avtale ledger (it holds no ledger schema)",
                "point the `ledger` setting in avtale.toml at the ledger file",
            )
        if application != APPLICATION_ID:
            raise LedgerSchemaError(
                f"{self.path} is an SQLite database but not an Avtale ledger",
                "point the `ledger` setting in avtale.toml at another file",
            )
        if version < min(READABLE):
            raise LedgerSchemaError(
                f"the ledger at {self.path} has schema version {version}, written by an earlier Avtale whose lines "
                f"carry no billing-period identity; this Avtale reads versions {READABLE[0]} to {READABLE[-1]}",
                "keep billing it with the Avtale that wrote it; reconciling it here could credit or bill lines "
                "twice, so nothing is read or issued",
            )
        if version > SCHEMA_VERSION:
            raise LedgerSchemaError(
                f"the ledger at {self.path} has schema version {version}; this Avtale reads up to {SCHEMA_VERSION}",
                "it was written by a newer Avtale: upgrade Avtale to read it",
            )

    # -- transactions ---------------------------------------------------------------------------

    def _writable(self) -> None:
        if self.read_only:
            raise RuntimeError(f"the ledger at {self.path} was opened read-only")

    def _finish(self, statement: str = "ROLLBACK") -> None:
        """End what is pending with `statement`; if even that fails, closing the connection rolls it back."""
        if self._db.in_transaction:
            with suppress(sqlite3.Error):
                self._db.execute(statement)

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception: all or nothing."""
        self._writable()
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise fault(self.path, exc, writing=True) from None
        try:
            yield
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            self._finish()
            if is_bug(exc):
                raise
            raise fault(self.path, exc, writing=True) from None
        except BaseException:
            self._finish()
            raise

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """A read transaction: every read in the block sees one state, even while another run commits (WAL)."""
        if self._db.in_transaction:  # inside locked(): already one state
            yield
            return
        try:
            self._db.execute("BEGIN")
        except sqlite3.Error as exc:
            raise fault(self.path, exc, writing=False) from None
        try:
            yield
        finally:
            self._finish("COMMIT")

    @contextmanager
    def _savepoint(self) -> Iterator[None]:
        """All or nothing inside locked(), even if the caller catches the exception and carries on."""
        self._db.execute("SAVEPOINT issue")
        try:
            yield
        except BaseException:
            # SQLite may already have rolled everything back (disk full, I/O): then there is nothing to undo.
            self._finish("ROLLBACK TO issue")
            self._finish("RELEASE issue")
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

    # -- identity -------------------------------------------------------------------------------

    @reading
    def info(self) -> LedgerInfo | None:
        """The identity `avtale ledger init` recorded, with when; None before (and in a version-2 ledger)."""
        if self.version < 3:
            return None
        row = self._db.execute(
            "SELECT seller_orgnr, seller_name, invoice_first, credit_note_first, initialised_at FROM ledger_info"
        ).fetchone()
        if row is None:
            return None
        try:
            return self._decode_info(row)
        except (ValueError, TypeError) as exc:
            raise damaged(self.path, exc) from None

    @staticmethod
    def _decode_info(row: Sequence[Any]) -> LedgerInfo:
        orgnr, name, invoice_first, credit_note_first, at = row
        if not all(isinstance(v, str) for v in (orgnr, name)) or not all(
            isinstance(v, int) for v in (invoice_first, credit_note_first)
        ):
            raise ValueError(f"the identity row {tuple(row)!r} does not hold text and whole numbers")
        identity = LedgerIdentity(
            seller_orgnr=orgnr, seller_name=name, invoice_first=invoice_first, credit_note_first=credit_note_first
        )
        return LedgerInfo(identity=identity, initialised_at=parse_timestamp(at))

    def identity(self) -> LedgerIdentity | None:
        info = self.info()
        return None if info is None else info.identity

    def check_identity(self, expected: LedgerIdentity) -> None:
        """Raise LedgerNotInitialised or LedgerMismatch unless the ledger was initialised for `expected`.

        A renamed seller is no mismatch: the name is recorded for people, the organisation number decides.
        """
        recorded = self.identity()
        if recorded is None:
            raise not_initialised(self.path)
        problem = mismatch(self.path, recorded, expected)
        if problem is not None:
            raise problem

    @writing
    def _adopt(self, identity: LedgerIdentity, initialised_at: datetime) -> None:
        with self._transaction():
            info = self.info()
            if info is not None:
                raise self._already(info, identity)
            self._check_adoptable(identity)
            self._db.execute(
                "INSERT INTO ledger_info (id, seller_orgnr, seller_name, invoice_first, credit_note_first, "
                "initialised_at) VALUES (1, ?, ?, ?, ?, ?)",
                (
                    identity.seller_orgnr,
                    identity.seller_name,
                    identity.invoice_first,
                    identity.credit_note_first,
                    timestamp(initialised_at),
                ),
            )

    def _already(self, info: LedgerInfo, identity: LedgerIdentity) -> LedgerError:
        differs = mismatches(info.identity, identity)
        note = f"; the workspace differs: {'; '.join(differs)}" if differs else ""
        return LedgerError(
            f"the ledger at {self.path} is already initialised: it records {describe(info.identity)}, since "
            f"{timestamp(info.initialised_at)}{note}",
            "nothing to do: bill into it with `avtale bill --as-of DATE --apply`; its identity never changes, "
            "so for another seller or numbering point the `ledger` setting in avtale.toml at a new file"
            if not differs
            else "its identity never changes: point the `ledger` setting in avtale.toml at this seller's own "
            "ledger, or write the recorded first numbers in the seller declaration",
        )

    def _check_adoptable(self, identity: LedgerIdentity) -> None:
        """An existing ledger is adopted only if each series it has begun starts at the identity's number."""
        wanted = {"invoice": identity.invoice_first, "credit_note": identity.credit_note_first}
        for series, (first, next_number) in verification.counters(self._db).items():
            if series in wanted and first != wanted[series]:
                name = LABEL[series]
                raise LedgerError(
                    f"the ledger at {self.path} cannot be adopted: its {name} series started at {first} (next "
                    f"{next_number}), but the seller numbers {name}s from {wanted[series]}",
                    f"write `{SETTING[series]} from {first}` in the seller declaration so that the series "
                    "continues, then run `avtale ledger init` again",
                )

    # -- issuing --------------------------------------------------------------------------------

    @writing
    def issue(
        self,
        drafts: Sequence[DraftDocument],
        *,
        as_of: date,
        invoice_start: int,
        credit_note_start: int,
        kid_scheme: KidScheme,
        kid_length: int,
        revision: RunRevision | None = None,
    ) -> list[IssuedDocument]:
        """Issue `drafts` as one bill run: numbered in draft order, each series gapless, all or nothing.

        `revision`: the workspace revision billed, stored with the run (not part of any document's hash).
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
        self._writable()
        if revision is not None and not isinstance(revision, RunRevision):
            raise TypeError(f"revision must be a RunRevision, not {type(revision).__name__}")
        with self._savepoint() if self._db.in_transaction else self._transaction():
            return self._issue(drafts, as_of, starts, kid_scheme, kid_length, revision)

    def _issue(
        self,
        drafts: Sequence[DraftDocument],
        as_of: date,
        starts: dict[Kind, int],
        kid_scheme: KidScheme,
        kid_length: int,
        revision: RunRevision | None,
    ) -> list[IssuedDocument]:
        run = self._db.execute("SELECT coalesce(max(id), 0) + 1 FROM bill_runs").fetchone()[0]
        self._db.execute(
            "INSERT INTO bill_runs (id, as_of, revision, dirty) VALUES (?, ?, ?, ?)",
            (run, as_of.isoformat(), *rows.revision_row(revision)),
        )
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
                parties=draft.parties,
            )
            doc = attrs.evolve(doc, hash=document_hash(doc))
            numbers[series] = number + 1
            previous[series] = doc.hash
            issued.append(doc)
        for first in range(0, len(issued), INSERT_BATCH):
            self._insert(issued[first : first + INSERT_BATCH])
        return issued

    def _series_next(self, series: Kind, start: int) -> int:
        row = self._db.execute("SELECT first, next FROM series WHERE series = ?", (series,)).fetchone()
        last = self._db.execute("SELECT max(number) FROM documents WHERE series = ?", (series,)).fetchone()[0]
        if row is None:
            self._check_counter(series, None, last)
            self._check_recorded_start(series, start)
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
        self._check_counter(series, (first, next_number), last)
        return int(next_number)

    def _check_counter(self, series: Kind, counter: tuple[int, int] | None, last: int | None) -> None:
        """The series' next number must follow its last document: anything else was edited by hand.

        The schema's triggers would refuse the insert anyway; this says what happened in words.
        """
        if counter is None and last is None:
            return
        name = LABEL[series]
        if counter is None:
            found = f"{name}s up to {last} are stored, but there is no {name} number series"
        elif counter[1] == (counter[0] if last is None else last + 1):
            return
        else:
            issued = f"the last {name} issued is {last}" if last is not None else f"no {name} was issued yet"
            found = f"its {name} series' next number is {counter[1]}, but {issued}"
        raise LedgerDamaged(
            f"the {name} series of the ledger at {self.path} was changed outside Avtale: {found}",
            "nothing was issued; run `avtale ledger verify` to see what was changed, and restore the ledger "
            "from a backup before billing again",
        )

    def _check_recorded_start(self, series: Kind, start: int) -> None:
        info = self.info()
        if info is None:
            return
        recorded = info.identity.invoice_first if series == "invoice" else info.identity.credit_note_first
        if recorded != start:
            raise NumberingError(
                f"the seller numbers {LABEL[series]}s from {start}, but the ledger was initialised with "
                f"{LABEL[series]}s from {recorded}",
                f"write `{SETTING[series]} from {recorded}` in the seller declaration",
            )

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

    def _insert(self, docs: Sequence[IssuedDocument]) -> None:
        """The documents' rows, table by table: one statement per table for a batch of documents rather than six
        per document. Each table after `documents` references rows of those before it, so every foreign key finds
        its row, and the triggers still see the documents one by one, in number order."""
        db = self._db
        db.executemany(
            f"INSERT INTO documents ({rows.DOCUMENT_COLUMNS}) VALUES ({', '.join('?' * 17)})",
            [rows.document_row(doc) for doc in docs],
        )
        db.executemany(
            f"INSERT INTO document_refs ({rows.REF_COLUMNS}) VALUES (?, ?, ?, ?)",
            [row for doc in docs for row in rows.ref_rows(doc)],
        )
        db.executemany(
            f"INSERT INTO document_lines ({rows.LINE_COLUMNS}) VALUES ({', '.join('?' * 19)})",
            [row for doc in docs for row in rows.line_rows(doc)],
        )
        db.executemany(
            f"INSERT INTO document_vat ({rows.VAT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [row for doc in docs for row in rows.vat_rows(doc)],
        )
        self._insert_snapshots(
            [
                Snapshot(doc.series, doc.number, doc.parties, [line.details for line in doc.lines])
                for doc in docs
                if doc.parties is not None
            ],
            None,
        )

    def _insert_snapshots(
        self,
        snapshots: Sequence[Snapshot],
        recorded_at: str | None,
    ) -> None:
        """Documents' party rows, and the details of each of their lines that has them."""
        self._db.executemany(
            f"INSERT INTO document_parties ({rows.PARTY_COLUMNS}) VALUES ({', '.join('?' * 19)})",
            [
                row
                for series, number, parties, _ in snapshots
                for row in rows.party_rows(series, number, parties, recorded_at)
            ],
        )
        self._db.executemany(
            f"INSERT INTO document_line_details ({rows.DETAIL_COLUMNS}) VALUES (?, ?, ?, ?, ?)",
            [row for series, number, _, details in snapshots for row in rows.detail_rows(series, number, details)],
        )

    # -- settlements ----------------------------------------------------------------------------

    @writing
    def record_settlements(self, settled: Sequence[Settlement]) -> None:
        """Replace the settlements of these contracts; inside `locked()`, with the run that settled them."""
        if not self._db.in_transaction:
            raise RuntimeError("settlements are recorded inside Ledger.locked(), with the run")
        self._db.executemany(
            "INSERT INTO settlements (contract, as_of, terms, usage) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (contract) DO UPDATE SET as_of = excluded.as_of, terms = excluded.terms, "
            "usage = excluded.usage",
            [(s.contract, s.as_of.isoformat(), s.terms, s.usage) for s in settled],
        )

    @reading
    def settlements_between(self, low: str | None, high: str | None) -> dict[str, Settlement]:
        """The settlements of the contracts whose ids sort in [low, high) (None: unbounded)."""
        where, params = _contract_range(low, high)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        found = self._db.execute(f"SELECT contract, as_of, terms, usage FROM settlements {clause}", params).fetchall()
        try:
            return {c: Settlement(contract=c, as_of=rows.day(d), terms=t, usage=u) for c, d, t, u in found}
        except (ValueError, TypeError) as exc:
            raise self._damaged(exc) from None

    # -- takeovers -------------------------------------------------------------------------------

    @writing
    def record_takeovers(self, first_days: Mapping[str, date], as_of: date) -> None:
        """Record the first day Avtale bills each contract from, as this run sees it, where no run recorded it as
        late or later; inside `locked()`, with the run. Rows are never changed: a later first day is a new row,
        an earlier one is not recorded. The caller decides which days are known (run.py `apply`)."""
        if not self._db.in_transaction:
            raise RuntimeError("takeovers are recorded inside Ledger.locked(), with the run")
        self._db.executemany(
            "INSERT INTO takeovers (contract, first_day, as_of) SELECT ?1, ?2, ?3 WHERE NOT EXISTS "
            "(SELECT 1 FROM takeovers WHERE contract = ?1 AND first_day >= ?2)",
            [(contract, day.isoformat(), as_of.isoformat()) for contract, day in sorted(first_days.items())],
        )

    @reading
    def takeovers_between(self, low: str | None, high: str | None) -> dict[str, date]:
        """Where Avtale took over each contract whose id sorts in [low, high) (None: unbounded): the latest first
        day recorded; none in a ledger from before version 6, read as it is (a run migrates it first)."""
        if self.version < 6:
            return {}
        where, params = _contract_range(low, high)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        found = self._db.execute(
            f"SELECT contract, max(first_day) FROM takeovers {clause} GROUP BY contract", params
        ).fetchall()
        try:
            return {contract: rows.day(day) for contract, day in found}
        except (ValueError, TypeError) as exc:
            raise self._damaged(exc) from None

    @reading
    def contracts_between(self, low: str | None, high: str | None) -> list[str]:
        """The contracts with issued lines whose ids sort in [low, high)."""
        where, params = _contract_range(low, high)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        return [c for (c,) in self._db.execute(f"SELECT DISTINCT contract FROM document_lines {clause}", params)]

    # -- snapshots backfilled ------------------------------------------------------------------

    @writing
    def backfill_parties(
        self,
        snapshots: Mapping[tuple[Kind, int], tuple[Parties, tuple[LineDetails, ...]]],
        *,
        recorded_at: datetime | None = None,
    ) -> int:
        """Record snapshots, taken from today's workspace, for documents issued before the ledger kept them.

        Each is recorded with source `backfill` (whatever its `Parties.source` says) and `recorded_at` (now
        when not given), and is not covered by the document's hash. A document that already has a snapshot
        keeps it: it is skipped, never overwritten. Returns how many documents got one. One transaction: a
        document that does not exist, or details that do not match its lines, records nothing at all.
        """
        if recorded_at is not None and recorded_at.tzinfo is None:
            raise ValueError("recorded_at must be timezone-aware (UTC)")
        at = timestamp(recorded_at if recorded_at is not None else datetime.now(UTC))
        self._writable()
        with self._savepoint() if self._db.in_transaction else self._transaction():
            done = 0
            for (series, number), (parties, details) in sorted(snapshots.items()):
                where = label(series, number)
                check_snapshot(where, parties, details)
                if not self._exists(series, number):
                    raise LedgerError(
                        f"cannot backfill {where}: it is not in the ledger at {self.path}",
                        "nothing was recorded; backfill only documents the ledger holds",
                    )
                if self._has_snapshot(series, number):
                    continue
                lines = self._db.execute(
                    "SELECT count(*) FROM document_lines WHERE series = ? AND number = ?", (series, number)
                ).fetchone()[0]
                if len(details) != lines:
                    raise LedgerError(
                        f"cannot backfill {where}: {len(details)} line details given for its {lines} lines",
                        "nothing was recorded; give one LineDetails per line, in line order",
                    )
                self._insert_snapshots(
                    [Snapshot(series, number, attrs.evolve(parties, source="backfill"), details)], at
                )
                done += 1
        return done

    def _exists(self, series: Kind, number: int) -> bool:
        found = self._db.execute("SELECT 1 FROM documents WHERE series = ? AND number = ?", (series, number))
        return found.fetchone() is not None

    def _has_snapshot(self, series: Kind, number: int) -> bool:
        found = self._db.execute(
            "SELECT 1 FROM document_parties WHERE series = ? AND number = ? UNION ALL "
            "SELECT 1 FROM document_line_details WHERE series = ? AND number = ?",
            (series, number, series, number),
        )
        return found.fetchone() is not None

    @reading
    def backfilled(self) -> dict[tuple[Kind, int], datetime]:
        """The documents whose snapshot was backfilled, with when it was recorded."""
        if not self._has_v5():
            return {}
        found = self._db.execute(
            "SELECT DISTINCT series, number, recorded_at FROM document_parties WHERE source = 'backfill' "
            f"ORDER BY {SERIES_ORDER}, number"
        ).fetchall()
        try:
            return {(rows.kind(series), int(number)): parse_timestamp(at) for series, number, at in found}
        except (ValueError, TypeError) as exc:
            raise self._damaged(exc) from None

    def _has_v5(self) -> bool:
        return self.version >= 5

    # -- handovers ------------------------------------------------------------------------------

    @reading
    def handovers(self) -> list[Handover]:
        """Every document handed over to a sending channel, in the order recorded."""
        if not self._has_v5():
            return []
        found = self._db.execute(
            "SELECT series, number, channel, file, sha256, handed_over_at FROM handovers ORDER BY id"
        ).fetchall()
        try:
            return [rows.decode_handover(row) for row in found]
        except (ValueError, TypeError) as exc:
            raise self._damaged(exc) from None

    @writing
    def record_handovers(self, items: Sequence[Handover]) -> None:
        """Record that these documents were handed over, in one transaction, in the order given.

        A document is handed over once, on one channel: one already handed over, one named twice, or one
        that is not in the ledger raises a LedgerError, and nothing is recorded.
        """
        for item in items:
            check_handover(item)
        seen: set[tuple[Kind, int]] = set()
        for item in items:
            key = (item.series, item.number)
            if key in seen:
                raise LedgerError(
                    f"{label(*key)} is handed over twice in one batch",
                    "nothing was recorded; a document is handed over once, on one channel",
                )
            seen.add(key)
        if not items:
            return
        self._writable()
        with self._savepoint() if self._db.in_transaction else self._transaction():
            for item in items:
                where = label(item.series, item.number)
                if not self._exists(item.series, item.number):
                    raise LedgerError(
                        f"cannot record the handover of {where}: it is not in the ledger at {self.path}",
                        "nothing was recorded; hand over only documents the ledger holds",
                    )
                done = self._db.execute(
                    "SELECT channel, handed_over_at FROM handovers WHERE series = ? AND number = ?",
                    (item.series, item.number),
                ).fetchone()
                if done is not None:
                    raise LedgerError(
                        f"{where} was already handed over ({done[0]}, {done[1]})",
                        "nothing was recorded; a document is handed over once: to send it again, resend "
                        "the file recorded then",
                    )
                self._db.execute(
                    "INSERT INTO handovers (id, series, number, channel, file, sha256, handed_over_at) "
                    "VALUES ((SELECT coalesce(max(id), 0) + 1 FROM handovers), ?, ?, ?, ?, ?, ?)",
                    (item.series, item.number, item.channel, item.file, item.sha256, timestamp(item.handed_over_at)),
                )

    # -- closed months --------------------------------------------------------------------------

    @reading
    def closed_months(self) -> list[ClosedMonth]:
        """Every closed month, by month, with its figures in the order they were recorded."""
        if not self._has_v5():
            return []
        with self.snapshot():
            months = self._db.execute("SELECT month, closed_at, closed_by FROM closed_months ORDER BY month").fetchall()
            figures: dict[str, list[ClosedFigure]] = defaultdict(list)
            found = self._db.execute(
                "SELECT month, contract, obligation, account, currency, amount FROM closed_figures "
                "ORDER BY month, position"
            ).fetchall()
        try:
            for row in found:
                figures[row[0]].append(rows.decode_figure(row[1:]))
            return [
                ClosedMonth(
                    month=rows.day(month), closed_at=parse_timestamp(at), closed_by=by, figures=tuple(figures[month])
                )
                for month, at, by in months
            ]
        except (ValueError, TypeError, ArithmeticError) as exc:
            raise self._damaged(exc) from None

    @writing
    def close_month(self, closed: ClosedMonth) -> None:
        """Record a closed month with its figures, in one transaction.

        A month is closed once, and months are closed in order: one that is not after the latest closed
        month raises a LedgerError, and nothing is recorded.
        """
        check_closed_month(closed)
        self._writable()
        with self._savepoint() if self._db.in_transaction else self._transaction():
            latest = self._db.execute("SELECT max(month) FROM closed_months").fetchone()[0]
            month = closed.month.isoformat()
            if latest is not None and month <= latest:
                shown, last = month[:7], str(latest)[:7]
                problem = "is already closed" if month == latest else f"is before the latest closed month, {last}"
                raise LedgerError(
                    f"cannot close {shown}: it {problem}",
                    "a closed month is never rewritten; a change to it is posted as a catch-up in the first "
                    f"open month (after {last})",
                )
            self._db.execute(
                "INSERT INTO closed_months (month, closed_at, closed_by) VALUES (?, ?, ?)",
                (month, timestamp(closed.closed_at), closed.closed_by),
            )
            self._db.executemany(
                "INSERT INTO closed_figures (month, position, contract, obligation, account, currency, amount) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (month, position, f.contract, f.obligation, f.account, f.currency, str(f.amount))
                    for position, f in enumerate(closed.figures, start=1)
                ],
            )

    # -- reading --------------------------------------------------------------------------------

    @reading
    def next_number(self, series: Kind, start: int) -> int:
        """The number the next document of `series` would get (for a plan), given the seller's first number."""
        row = self._db.execute("SELECT next FROM series WHERE series = ?", (series,)).fetchone()
        return start if row is None else int(row[0])

    @reading
    def bill_runs(self) -> list[BillRun]:
        """Every applied bill run, in order, with the workspace revision it billed where one was recorded."""
        columns = "id, as_of, revision, dirty" if self.version >= 4 else "id, as_of, NULL, NULL"
        found = self._db.execute(f"SELECT {columns} FROM bill_runs ORDER BY id").fetchall()
        try:
            return [
                BillRun(id=run, as_of=rows.day(as_of), revision=_revision(commit, dirty))
                for run, as_of, commit, dirty in found
            ]
        except (ValueError, TypeError) as exc:
            raise self._damaged(exc) from None

    @reading
    def documents_by_run(self) -> dict[int, dict[Kind, int]]:
        """How many documents of each kind every bill run issued (runs that issued none are left out)."""
        found = self._db.execute("SELECT run, series, count(*) FROM documents GROUP BY run, series").fetchall()
        counts: dict[int, dict[Kind, int]] = defaultdict(dict)
        try:
            for run, series, count in found:
                counts[int(run)][rows.kind(series)] = int(count)
        except (ValueError, TypeError) as exc:
            raise self._damaged(exc) from None
        return dict(counts)

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

    @reading
    def _issued_rows(self, where: str, params: tuple[str, ...]) -> list[rows.Row]:
        return self._db.execute(
            f"SELECT {rows.ISSUED_LINE_COLUMNS} FROM document_lines {where} ORDER BY {SERIES_ORDER}, number, line",
            params,
        ).fetchall()

    def _damaged(self, exc: Exception) -> LedgerError:
        return damaged(self.path, exc)

    def _raw(self, where: str, params: tuple[Any, ...]) -> list[rows.Raw]:
        """Document rows with their line, VAT group and reference rows, in document order."""
        return rows.read_raw(self._db, where, params)

    @reading
    def _load(self, where: str, params: tuple[Any, ...]) -> list[IssuedDocument]:
        with self.snapshot():
            found = self._raw(where, params)
        try:
            return [rows.decode_document(*raw) for raw in found]
        except (ValueError, ArithmeticError, TypeError) as exc:
            raise self._damaged(exc) from None

    @reading
    def series(self) -> list[SeriesState]:
        """Each number series that has begun, invoices first: for a summary of what the ledger holds."""
        states = []
        with self.snapshot():
            for name, (first, next_number) in verification.counters(self._db).items():
                if name not in KINDS:
                    continue
                kind: Kind = "invoice" if name == "invoice" else "credit_note"
                count = self._db.execute("SELECT count(*) FROM documents WHERE series = ?", (kind,)).fetchone()[0]
                last = self._last_hash(kind) if count else None
                states.append(SeriesState(series=kind, first=first, next=next_number, documents=count, last_hash=last))
        return sorted(states, key=lambda s: KINDS.index(s.series))

    # -- anchoring ------------------------------------------------------------------------------

    @reading
    def anchor(self) -> Anchor:
        """The latest number and hash of each series, and the seller: to keep outside the ledger (anchor.py)."""
        with self.snapshot():
            info = self.info()
            tails = []
            for series in KINDS:
                row = self._db.execute(
                    "SELECT number, hash FROM documents WHERE series = ? ORDER BY number DESC LIMIT 1", (series,)
                ).fetchone()
                if row is not None:
                    tails.append(AnchorTail(series=series, number=int(row[0]), hash=str(row[1])))
        return Anchor(seller_orgnr=info.identity.seller_orgnr if info else None, tails=tuple(tails))

    # -- verification ---------------------------------------------------------------------------

    def verify(self, anchor: Anchor | None = None) -> list[str]:
        """Every sign of tampering or damage, located; [] when all is well. Reports, never raises, damage.

        Checks the file's pages (SQLite's integrity check), the schema's triggers, references between
        rows, the identity, every document (gapless, chained, content as hashed, totals), the series
        counters, and, given an `anchor`, that each series still holds the anchored number and hash.
        """
        try:
            with self.snapshot():
                return self._verify(anchor)
        except LedgerError as exc:  # the snapshot itself could not begin: the file cannot be read at all
            return [exc.message]

    def _verify(self, anchor: Anchor | None) -> list[str]:
        db = self._db
        problems = verification.guarded("the file's pages", lambda: verification.integrity(db))
        expected = TRIGGERS_BY_VERSION.get(self.version, ())
        problems += verification.guarded("the schema", lambda: verification.missing_triggers(db, expected))
        problems += verification.guarded("references", lambda: verification.broken_references(db))
        problems += verification.guarded("the documents", self._verify_documents)
        if self.version >= 5:
            problems += verification.guarded("the handovers", lambda: verification.handover_problems(db))
            problems += verification.guarded("the closed months", lambda: verification.closed_month_problems(db))
        if anchor is not None:
            problems += verification.guarded("the anchored documents", lambda: self._verify_anchor(anchor))
        return problems

    def _verify_documents(self) -> list[str]:
        counters = verification.counters(self._db)
        problems = self._verify_identity(counters)
        by_series: dict[str, list[rows.Raw]] = defaultdict(list)
        for found in self._raw_leniently():
            by_series[found[0][0]].append(found)
        for series in verification.in_order([*by_series, *counters]):
            problems += verification.series_problems(series, counters.get(series), by_series[series])
        return problems + verification.unknown_series(by_series)

    def _verify_identity(self, counters: verification.Counters) -> list[str]:
        try:
            info = self.info()
        except LedgerError as exc:
            return [f"the ledger's identity cannot be read: {exc.message}"]
        return verification.identity_problems(info, counters)

    def _raw_leniently(self) -> list[rows.Raw]:
        """Every document; text a damaged page garbled is read with replacement characters, not refused."""
        try:
            return self._raw("", ())
        except sqlite3.OperationalError as exc:
            if not is_undecodable(exc):
                raise
        self._db.text_factory = _lenient
        try:
            return self._raw("", ())
        finally:
            self._db.text_factory = str

    def _verify_anchor(self, anchor: Anchor) -> list[str]:
        try:
            info = self.info()
        except LedgerError:
            info = None  # reported by the identity check
        return verification.anchor_problems(self._db, anchor, info.identity.seller_orgnr if info else None)

    @reading
    def verify_tail(self) -> list[str]:
        """The cheap check of what an apply is about to extend, located; [] when all is well.

        Every page of the file can be read (SQLite's quick check) and every trigger is in place, so a
        run never builds on a damaged file or on a schema someone disarmed to change issued rows. For
        each series: its counter follows its last document, the numbers up to it are all there, the
        last document matches its hash and its totals add up, and it links to the document before it.
        """
        db = self._db
        expected = TRIGGERS_BY_VERSION.get(self.version, ())
        with self.snapshot():
            problems = verification.guarded("the file's pages", lambda: verification.integrity(db, "quick_check"))
            if problems:  # the documents of a damaged file cannot be trusted to read back
                return problems
            problems += verification.guarded("the schema", lambda: verification.missing_triggers(db, expected))
            counters = verification.counters(self._db)
            stored = [s for (s,) in self._db.execute("SELECT DISTINCT series FROM documents")]
            for series in verification.in_order([*counters, *stored]):
                problems += verification.tail_problems(self._db, series, counters.get(series))
        return problems

    @reading
    def check_documents(self, refs: Iterable[tuple[Kind, int]]) -> list[str]:
        """The content, hash and totals check of each document named (those a correction builds on)."""
        with self.snapshot():
            return verification.document_problems(self._db, refs)
