"""Opening a ledger: created on first use with a versioned schema, reopened as it was, foreign files refused."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from runtime.ledger import Ledger, LedgerError, LedgerSchemaError
from runtime.ledger.schema import APPLICATION_ID, SCHEMA_VERSION, TRIGGERS_V6
from tests.ledger.factories import invoice, issue, pragma


def test_created_on_first_use_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / ".avtale" / "ledger.sqlite"  # the folder is created too
    with Ledger.open(path) as ledger:
        assert ledger.documents() == []
        assert ledger.verify() == []
        assert ledger._db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert pragma(path, "journal_mode") == "wal"
    assert pragma(path, "user_version") == SCHEMA_VERSION == 6
    assert pragma(path, "application_id") == APPLICATION_ID
    db = sqlite3.connect(path)
    names = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    db.close()
    assert names == set(TRIGGERS_V6)


def test_reopening_keeps_documents_and_numbering(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    with Ledger.open(path) as ledger:
        first = issue(ledger, [invoice(), invoice()])
    with Ledger.open(path) as ledger:
        assert ledger.documents() == first
        [third] = issue(ledger, [invoice()])
        assert third.number == 1003
        assert third.previous_hash == first[-1].hash
        assert third.issued_at_run == 2
        assert ledger.verify() == []


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    Ledger.open(path).close()
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 7")
    db.close()
    with pytest.raises(LedgerSchemaError) as caught:
        Ledger.open(path)
    assert "schema version 7; this Avtale reads up to 6" in str(caught.value)
    assert "upgrade Avtale" in caught.value.help


def test_a_ledger_of_schema_1_is_refused_not_reconciled_by_label(tmp_path: Path) -> None:
    # Schema 1 matched lines by their label; reading it as if it had identities could bill twice.
    path = tmp_path / "ledger.sqlite"
    Ledger.open(path).close()
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 1")
    db.close()
    with pytest.raises(LedgerSchemaError) as caught:
        Ledger.open(path)
    assert "schema version 1" in str(caught.value) and "no billing-period identity" in str(caught.value)
    assert "nothing is read or issued" in caught.value.help


def test_another_sqlite_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE notes (text TEXT)")
    db.commit()
    db.close()
    with pytest.raises(LedgerSchemaError, match="not an Avtale ledger"):
        Ledger.open(path)
    assert pragma(path, "user_version") == 0
    assert pragma(path, "journal_mode") == "delete"


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    path.write_text("invoices, but in a spreadsheet\n" * 100)
    with pytest.raises(LedgerSchemaError, match="is not an Avtale ledger"):
        Ledger.open(path)


def test_open_without_create(tmp_path: Path) -> None:
    with pytest.raises(LedgerError, match="there is no ledger at") as caught:
        Ledger.open(tmp_path / "missing.sqlite", create=False)
    assert "`avtale ledger init` creates it" in caught.value.help
    assert not (tmp_path / "missing.sqlite").exists()


def test_an_unopenable_path_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(LedgerError, match="cannot open the ledger"):
        Ledger.open(blocker / "ledger.sqlite")
