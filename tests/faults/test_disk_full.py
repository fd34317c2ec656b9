"""A full disk, or a write the system refuses, in the middle of an apply.

Each apply must exit 1 with help that says nothing was issued, never with a traceback; the ledger must be
exactly as before and verify; and a rerun with the disk freed must issue the whole run, equal to the
reference.

Four ways in, from the most artificial to the most real that needs no root:
- the error SQLite gives for a full disk, injected while the documents are inserted, and at the COMMIT;
- SQLite's own SQLITE_FULL: the connection may not grow the file (`PRAGMA max_page_count`);
- the system's own write error: a file size limit (RLIMIT_FSIZE) stops the WAL from growing, so writing
  the run's pages fails part-way, exactly as writes fail on a full disk (SQLite reports it as an I/O error
  rather than SQLITE_FULL, because the system says EFBIG rather than ENOSPC).
A real full filesystem (a small tmpfs) needs a mount, so it is in bench/faults.py --full-disk.
"""

from __future__ import annotations

import resource
import sqlite3
from collections.abc import Callable
from typing import Any

import pytest

from runtime.ledger import connect
from tests.faults import attacks

pytestmark = pytest.mark.faults

FULL = "database or disk is full"


def full() -> sqlite3.OperationalError:
    error = sqlite3.OperationalError(FULL)
    error.sqlite_errorcode = sqlite3.SQLITE_FULL
    error.sqlite_errorname = "SQLITE_FULL"
    return error


def recovers(scenario: attacks.Scenario, outcome: attacks.Outcome, *help_words: str) -> None:
    """The failed apply said so, issued nothing, and a rerun issues the whole run."""
    assert attacks.problems_of(outcome, "the apply on a full disk", codes=(1,)) == []
    for words in ("nothing was issued", *help_words):
        assert words in outcome.stderr, outcome.stderr
    assert attacks.dump(scenario.ledger) == scenario.before
    assert attacks.verify_problems(scenario.root, scenario.cache, "after the full disk") == []
    rerun = attacks.cli(scenario.root, scenario.cache, *scenario.args)
    assert attacks.problems_of(rerun, "the rerun") == []
    assert attacks.issued(rerun) == attacks.documents(scenario.reference) - attacks.documents(scenario.before)
    assert attacks.difference(attacks.dump(scenario.ledger), scenario.reference) == ""
    assert attacks.verify_problems(scenario.root, scenario.cache, "after the rerun") == []


def test_a_full_disk_while_documents_are_inserted(examples: attacks.Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk fills once the run's document rows are in and its lines are being written (rows go in a batch of
    documents at a time, table by table: store.INSERT_BATCH)."""
    root = examples.fresh()
    real: Callable[..., sqlite3.Connection] = connect.read_write
    seen: list[str] = []
    done: list[str] = []
    with monkeypatch.context() as patched:
        patched.setattr(
            connect, "read_write", lambda *args: FullAt(real(*args), "INSERT INTO DOCUMENT_LINES", seen, done)
        )
        outcome = attacks.cli(root, examples.cache, *examples.args)
    assert len(seen) == 1 and seen[0].startswith("INSERT INTO document_lines")
    assert any(sql.startswith("INSERT INTO documents ") for sql in done)  # the documents' rows were in
    recovers(examples, outcome, f"the disk holding the ledger at {examples.ledger} is full ({FULL})", "disk space")


class FullAt:
    """A connection whose statements starting with `statement` fail as on a full disk."""

    def __init__(self, db: sqlite3.Connection, statement: str, seen: list[str], done: list[str] | None = None) -> None:
        self._db = db
        self._statement = statement
        self._seen = seen
        self._done = done if done is not None else []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._db, name)

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        if sql.lstrip().upper().startswith(self._statement):
            self._seen.append(sql)
            raise full()
        return self._db.execute(sql, *args)

    def executemany(self, sql: str, *args: Any) -> sqlite3.Cursor:
        if sql.lstrip().upper().startswith(self._statement):
            self._seen.append(sql)
            raise full()
        self._done.append(sql)
        return self._db.executemany(sql, *args)


def test_a_full_disk_at_the_commit(examples: attacks.Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    root = examples.fresh()
    real: Callable[..., sqlite3.Connection] = connect.read_write
    seen: list[str] = []
    with monkeypatch.context() as patched:
        patched.setattr(connect, "read_write", lambda *args: FullAt(real(*args), "COMMIT", seen))
        outcome = attacks.cli(root, examples.cache, *examples.args)
    assert seen == ["COMMIT"]
    recovers(examples, outcome, f"is full ({FULL})", "disk space")


def test_sqlite_itself_finds_the_disk_full(examples: attacks.Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    root = examples.fresh()
    real: Callable[..., sqlite3.Connection] = connect.read_write

    def capped(*args: Any) -> sqlite3.Connection:
        db = real(*args)
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        db.execute(f"PRAGMA max_page_count = {pages + 2}")  # the run needs dozens of new pages
        return db

    with monkeypatch.context() as patched:
        patched.setattr(connect, "read_write", capped)
        outcome = attacks.cli(root, examples.cache, *examples.args)
    recovers(examples, outcome, f"is full ({FULL})", "disk space")


@pytest.mark.parametrize("limit", [64 * 1024, 100 * 1024])
def test_the_system_refuses_a_write_part_way_through_the_wal(examples: attacks.Scenario, limit: int) -> None:
    # The run writes some 130 KB of WAL: the limit stops it part-way, in a real `avtale` process.
    root = examples.fresh()

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    process = attacks.start(root, examples.cache, examples.args, examples.logs, f"fsize-{limit}", limit=cap)
    outcome = attacks.finish(process, examples.logs, f"fsize-{limit}")
    recovers(examples, outcome, f"the ledger at {examples.ledger} could not be written: disk I/O error")
