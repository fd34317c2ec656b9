"""Faults of the disk, the file and hand edits are LedgerErrors that say what happened; nothing is issued."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from runtime.ledger import Ledger, LedgerDamaged, LedgerError
from tests.ledger.factories import credit_note, dump, invoice, issue, line


@pytest.fixture
def path(tmp_path: Path) -> Path:
    """A ledger holding invoices 1001..1003 and credit note 1, closed (so its WAL is in the file)."""
    path = tmp_path / "ledger.sqlite"
    with Ledger.open(path) as ledger:
        issue(ledger, [invoice(), invoice(line("100.00"), line("50.00", category="low", rate="12"))])
        issue(ledger, [credit_note(1001), invoice()])
    assert not path.with_name("ledger.sqlite-wal").exists()
    return path


def test_a_full_disk_during_issue(path: Path) -> None:
    before = dump(path)
    with Ledger.open(path) as ledger:
        pages = ledger._db.execute("PRAGMA page_count").fetchone()[0]
        # SQLite answers SQLITE_FULL, as from a full disk, once the file would outgrow this many pages.
        ledger._db.execute(f"PRAGMA max_page_count = {pages}")
        long = "x" * 3000  # each line's description fills most of a page
        with pytest.raises(LedgerError) as caught:
            issue(ledger, [invoice(*(line(description=long) for _ in range(40)))])
        assert caught.value.message == f"the disk holding the ledger at {path} is full (database or disk is full)"
        assert caught.value.help == "nothing was issued; free some disk space, then run the command again"
        ledger._db.execute("PRAGMA max_page_count = 1073741823")
        assert [d.number for d in issue(ledger, [invoice()])] == [1004]  # no number was consumed
    assert dump(path) != before


class Failing:
    """A connection that fails one statement with the error SQLite gives for a full disk."""

    def __init__(self, db: sqlite3.Connection, statement: str) -> None:
        self._db = db
        self._statement = statement

    def __getattr__(self, name: str) -> Any:
        return getattr(self._db, name)

    def executemany(self, sql: str, params: Any) -> sqlite3.Cursor:
        if sql.startswith(self._statement):
            error = sqlite3.OperationalError("database or disk is full")
            error.sqlite_errorcode = sqlite3.SQLITE_FULL  # type: ignore[attr-defined]
            raise error
        return self._db.executemany(sql, params)


def test_a_full_disk_inside_a_locked_run_leaves_nothing(path: Path) -> None:
    before = dump(path)
    with Ledger.open(path) as ledger:
        real = ledger._db
        ledger._db = Failing(real, "INSERT INTO document_lines")  # type: ignore[assignment]
        with pytest.raises(LedgerError, match="is full") as caught, ledger.locked():
            issue(ledger, [invoice(), invoice()])
        assert caught.value.help.startswith("nothing was issued")
        ledger._db = real
    assert dump(path) == before


def test_a_ledger_below_a_file(tmp_path: Path) -> None:
    (tmp_path / "books").write_text("")
    target = tmp_path / "books" / "2026" / "ledger.sqlite"
    for read_only in (False, True):
        with pytest.raises(LedgerError) as caught:
            Ledger.open(target, read_only=read_only)
        assert "is a file, not a folder" in caught.value.message or "there is no ledger" in caught.value.message
    with pytest.raises(LedgerError) as caught:
        Ledger.open(target)
    assert caught.value.message == f"cannot open the ledger at {target}: {tmp_path / 'books'} is a file, not a folder"


def bump_counter(path: Path) -> None:
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("DROP TRIGGER series_only_advances")
    raw.execute("UPDATE series SET next = next + 5 WHERE series = 'invoice'")
    raw.close()


def test_a_counter_bumped_by_hand_stops_the_next_issue(path: Path) -> None:
    bump_counter(path)
    before = dump(path)
    with Ledger.open(path) as ledger:
        with pytest.raises(LedgerDamaged) as caught:
            issue(ledger, [credit_note(1002), invoice()])
        assert caught.value.message == (
            f"the invoice series of the ledger at {path} was changed outside Avtale: its invoice series' next "
            "number is 1009, but the last invoice issued is 1003"
        )
        assert caught.value.help.startswith("nothing was issued; run `avtale ledger verify`")
        assert ledger.verify_tail() == [
            "trigger series_only_advances is missing: the schema no longer enforces what it guarded",
            "the invoice series' next number is 1009, but the last issued is 1003",
        ]
    assert dump(path) == before


def test_the_schema_refusing_an_edited_series_is_reported_not_raised(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without Avtale's own check of the counter, the schema's triggers refuse the insert.
    monkeypatch.setattr(Ledger, "_check_counter", lambda *args: None)
    bump_counter(path)
    before = dump(path)
    with Ledger.open(path) as ledger, pytest.raises(LedgerDamaged) as caught:
        issue(ledger, [invoice()])
    assert "refused the documents (previous_hash must be the hash of the document before it" in caught.value.message
    assert caught.value.message.endswith("a number series or the hash chain was changed outside Avtale")
    assert "run `avtale ledger verify`" in caught.value.help
    assert dump(path) == before


def documents_page(path: Path) -> tuple[int, int]:
    """The offset of the documents table's root page in the file, and the page size."""
    raw = sqlite3.connect(path)
    [root] = raw.execute("SELECT rootpage FROM sqlite_master WHERE name = 'documents'").fetchone()
    [size] = raw.execute("PRAGMA page_size").fetchone()
    [leaf] = raw.execute("SELECT count(*) FROM documents").fetchone()
    raw.close()
    assert leaf == 4  # four small documents: the root page is the only page, a leaf
    return (root - 1) * size, size


def overwrite(path: Path, offset: int, data: bytes) -> None:
    with path.open("r+b") as file:
        file.seek(offset)
        file.write(data)


def test_a_damaged_page_is_an_error_when_reading_and_issuing(path: Path) -> None:
    page, _ = documents_page(path)
    overwrite(path, page, b"\xff" * 8)  # the page header: no longer a b-tree page
    with Ledger.open(path) as ledger:
        with pytest.raises(LedgerDamaged) as caught:
            ledger.documents()
        assert caught.value.message == f"the ledger at {path} is damaged: database disk image is malformed"
        assert "run `avtale ledger verify`" in caught.value.help and "restore the file from a backup" in (
            caught.value.help
        )
        with pytest.raises(LedgerDamaged) as caught:
            issue(ledger, [invoice()])
        assert caught.value.help.startswith("nothing was issued")
        assert ledger.verify_tail() == [  # what an apply checks first: it reports, never raises
            "the file is damaged (SQLite integrity check): database disk image is malformed"
        ]
        found = ledger.verify()  # reports, never raises
    assert found == [
        "the file is damaged (SQLite integrity check): database disk image is malformed",
        "references cannot be read: the file is damaged (database disk image is malformed)",
        "the documents cannot be read: the file is damaged (database disk image is malformed)",
    ]


def test_verify_reports_a_damaged_documents_b_tree(path: Path) -> None:
    page, size = documents_page(path)
    # The first cell pointer now points into the page header: invoice 1001's row is lost. (A pointer
    # past the end of the page would make SQLite's findings depend on memory outside the page.)
    overwrite(path, page + 8, b"\x00\x10")
    with Ledger.open(path, read_only=True) as ledger:
        found = ledger.verify()
    damaged = [p for p in found if p.startswith("the file is damaged (SQLite integrity check): ")]
    # SQLite words its findings differently from version to version; the page and the table are what matter.
    assert damaged[0].endswith("(the b-tree of table documents)")
    assert f"page {page // size + 1}" in damaged[0]
    assert "the file is damaged (SQLite integrity check): NULL value in documents.number" in damaged
    assert found[len(damaged) :] == [
        "invoice numbers are not gapless: 1001 missing before invoice 1002",
        "invoice 1002: the chain is broken; its previous_hash is not the hash of the document before it "
        "(a document was removed, inserted or re-hashed)",
        "a document is stored in no known series (series None, number None): its row is damaged",
    ]


def test_text_garbled_by_a_damaged_page_is_located(path: Path) -> None:
    raw = sqlite3.connect(path)
    [root] = raw.execute("SELECT rootpage FROM sqlite_master WHERE name = 'documents'").fetchone()
    [size] = raw.execute("PRAGMA page_size").fetchone()
    raw.close()
    data = path.read_bytes()
    start = (root - 1) * size
    # Invoice 1002's gross, "181.00" (net 100 + 50, VAT 25 + 6), stored once on the page.
    at = data.index(b"181.00", start, start + size)
    overwrite(path, at, b"\xff\xfe")
    with Ledger.open(path, read_only=True) as ledger:
        found = ledger.verify()
        with pytest.raises(LedgerDamaged, match="Could not decode to UTF-8"):
            ledger.documents()
    [problem] = found
    assert problem.startswith("invoice 1002: a stored value cannot be read")


def test_a_file_that_is_not_a_database_when_read(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    path.write_bytes(b"\x00" * 4096 * 3)
    with pytest.raises(LedgerError, match="is not an Avtale ledger"):
        Ledger.open(path, read_only=True)
