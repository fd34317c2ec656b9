"""Schema version 6: the line kinds of a prepaid credit (`prepaid`, `drawdown`) in `document_lines.line_kind`.

The version-5 fixture was written by the Avtale before version 6 (fixtures/README.md), with a snapshot of every
document's parties and lines; tests open copies. SQLite changes a CHECK only by copying the table, so these tests
check that the copy keeps every row, hash, snapshot, trigger and reference, and that it is one transaction.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest

from runtime.ledger import Ledger, LedgerError
from runtime.ledger.schema import LINE_KINDS_V6, MIGRATIONS, TRIGGERS_V6
from tests.ledger.factories import dump, invoice, issue, line, pragma, schema_of

FIXTURE_V5 = Path(__file__).parent / "fixtures" / "ledger-v5.sqlite"
FIXTURE_V5_SHA256 = "287fd62d3f1ffbe857180314b46fe4b42a76438133bb4ee01e61376fbea4c8d9"
NUMBERS = [*range(250001, 250011), 950001, 950002, 950003]
SETTINGS = {"invoice_start": 250001, "credit_note_start": 950001, "kid_scheme": "mod11", "kid_length": 12}


@pytest.fixture
def v5(tmp_path: Path) -> Path:
    copy = tmp_path / "ledger-v5.sqlite"
    shutil.copyfile(FIXTURE_V5, copy)
    return copy


def _triggers(path: Path) -> set[str]:
    db = sqlite3.connect(path)
    try:
        return {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    finally:
        db.close()


def test_the_version_5_fixture_is_what_it_was_made_as() -> None:
    assert hashlib.sha256(FIXTURE_V5.read_bytes()).hexdigest() == FIXTURE_V5_SHA256
    assert pragma(FIXTURE_V5, "user_version") == 5


def test_opening_version_5_migrates_to_6_and_keeps_every_document_and_snapshot(v5: Path) -> None:
    with Ledger.open(v5, create=False, read_only=True) as before:
        documents, runs, info = before.documents(), before.bill_runs(), before.info()
    assert [d.number for d in documents] == NUMBERS
    assert all(d.parties is not None and all(x.details is not None for x in d.lines) for d in documents)
    with Ledger.open(v5) as ledger:
        assert ledger.version == 6
        assert ledger.documents() == documents  # every line, snapshot, hash and chain link as it was
        assert (ledger.bill_runs(), ledger.info()) == (runs, info)
        assert ledger.verify() == []
        assert ledger.verify_tail() == []
    assert pragma(v5, "user_version") == 6
    assert _triggers(v5) == set(TRIGGERS_V6)


def test_a_migrated_version_5_ledger_has_the_schema_of_a_new_one(v5: Path, tmp_path: Path) -> None:
    Ledger.open(v5).close()
    Ledger.open(tmp_path / "new.sqlite").close()
    assert schema_of(v5) == schema_of(tmp_path / "new.sqlite")


def test_version_5_to_6_is_one_transaction(v5: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = dump(v5)
    # the copy is made and the old tables dropped before the statement that fails: all of it must roll back
    monkeypatch.setitem(MIGRATIONS, 5, LINE_KINDS_V6 + "\nSELECT no_such_column FROM document_lines;\n")
    with pytest.raises(LedgerError):
        Ledger.open(v5)
    assert pragma(v5, "user_version") == 5
    assert dump(v5) == before


def test_a_migrated_ledger_takes_prepaid_and_drawdown_lines_and_refuses_unknown_kinds(v5: Path) -> None:
    prepaid = line("100000.00", charge="prepaid", contract="SKT-2025-003", kind="prepaid")
    drawdown = line("-1200.00", charge="api", contract="SKT-2025-003", kind="drawdown")
    with Ledger.open(v5) as ledger:
        draft = invoice(prepaid, drawdown, contract="SKT-2025-003", customer="lofoten_rorbu")
        [issued] = issue(ledger, [draft], **SETTINGS)
        assert issued.number == 250011
        assert [x.kind for x in ledger.document("invoice", 250011).lines] == ["prepaid", "drawdown"]  # type: ignore[union-attr]
        assert ledger.verify() == []
    db = sqlite3.connect(v5, isolation_level=None)  # autocommit: the pragma below takes effect
    db.execute("PRAGMA foreign_keys = ON")
    try:
        with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
            db.execute(
                "INSERT INTO document_lines SELECT series, number, 99, contract, charge, description, period_start, "
                "period_end, quantity, unit_price, net_amount, vat_category, vat_rate, provenance, corrects, "
                "'refund', discount, billing_start, billing_end FROM document_lines LIMIT 1"
            )
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute("UPDATE document_lines SET net_amount = '0.00' WHERE number = 250011")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute("DELETE FROM document_line_details")
        # the details still reference the lines: a detail for a line that does not exist is refused
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            db.execute("INSERT INTO document_line_details VALUES ('invoice', 250011, 99, 'C62', NULL)")
    finally:
        db.close()
