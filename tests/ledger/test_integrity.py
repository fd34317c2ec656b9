"""The ledger keeps its books honest: append-only, all-or-nothing, locked against a second writer,
and tampering shows up in verify()."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

from runtime.ledger import KidError, Ledger, LedgerError, LedgerLocked, kid, store
from runtime.ledger.chain import GENESIS, document_hash
from tests.ledger.factories import credit_note, dump, invoice, issue, line

ROOT = Path(__file__).parent.parent.parent


@pytest.fixture
def path(tmp_path: Path) -> Path:
    """A ledger holding invoices 1001..1003 and credit note 1, issued in two runs."""
    path = tmp_path / "ledger.sqlite"
    with Ledger.open(path) as ledger:
        issue(ledger, [invoice(), invoice(line("100.00"), line("50.00", category="low", rate="12"))])
        issue(ledger, [credit_note(1001), invoice()])
    return path


@pytest.fixture
def raw(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection that bypasses the Ledger class, as a tamperer would."""
    db = sqlite3.connect(path, isolation_level=None)
    yield db
    db.close()


def problems(path: Path) -> list[str]:
    with Ledger.open(path) as ledger:
        return ledger.verify()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE documents SET gross = '0.00' WHERE number = 1001",
        "DELETE FROM documents WHERE series = 'invoice' AND number = 1003",
        "UPDATE document_lines SET net_amount = '1.00'",
        "DELETE FROM document_lines",
        "UPDATE document_vat SET vat = '0.00'",
        "DELETE FROM document_vat",
        "UPDATE document_refs SET invoice = 1002",
        "DELETE FROM document_refs",
        "UPDATE bill_runs SET as_of = '2020-01-01'",
        "DELETE FROM bill_runs",
        "DELETE FROM series",
        "UPDATE series SET next = 1001 WHERE series = 'invoice'",
        "UPDATE series SET next = next + 5 WHERE series = 'invoice'",
        "UPDATE series SET first = 1 WHERE series = 'invoice'",
    ],
)
def test_issued_rows_cannot_be_changed_or_deleted(path: Path, raw: sqlite3.Connection, statement: str) -> None:
    before = dump(path)
    with pytest.raises(sqlite3.IntegrityError, match=r"append-only|never deleted|only advances"):
        raw.execute(statement)
    assert dump(path) == before


def test_the_schema_refuses_a_gap_or_a_broken_link(path: Path, raw: sqlite3.Connection) -> None:
    raw.execute("INSERT INTO bill_runs (id, as_of) VALUES (3, '2026-04-01')")
    columns = (
        "series, number, kind, contract, customer, currency, issue_date, due_date, kid, net, vat, gross, "
        "previous_hash, hash, run"
    )

    def insert(number: int, previous: str) -> None:
        raw.execute(
            f"INSERT INTO documents ({columns}) VALUES "
            "('invoice', ?, 'invoice', 'C', 'c', 'NOK', '2026-04-01', '2026-04-01', '', '0', '0', '0', ?, ?, 3)",
            (number, previous, "f" * 64),
        )

    with pytest.raises(sqlite3.IntegrityError, match="next number of its series"):
        insert(1005, GENESIS)
    with pytest.raises(sqlite3.IntegrityError, match="hash of the document before it"):
        insert(1004, GENESIS)
    with pytest.raises(sqlite3.IntegrityError, match="bill runs are numbered in order"):
        raw.execute("INSERT INTO bill_runs (id, as_of) VALUES (9, '2026-04-01')")


def test_a_clean_ledger_verifies(path: Path) -> None:
    assert problems(path) == []


def test_a_changed_line_is_detected(path: Path, raw: sqlite3.Connection) -> None:
    raw.execute("DROP TRIGGER document_lines_no_update")
    raw.execute(
        "UPDATE document_lines SET net_amount = '10.00' WHERE series = 'invoice' AND number = 1002 AND line = 1"
    )
    assert problems(path) == [
        "trigger document_lines_no_update is missing: the schema no longer enforces what it guarded",
        "invoice 1002: its content does not match its hash (changed after issue)",
        "invoice 1002: its totals do not add up from its lines",
    ]


def test_a_rehashed_document_breaks_the_link_from_the_next(path: Path, raw: sqlite3.Connection) -> None:
    # A careful forger changes a document and recomputes its hash; the next one still points at the old hash.
    with Ledger.open(path) as ledger:
        doc = ledger.document("invoice", 1001)
    assert doc is not None
    forged = attrs.evolve(doc, buyer_reference="someone else")
    raw.execute("DROP TRIGGER documents_no_update")
    raw.execute(
        "UPDATE documents SET buyer_reference = ?, hash = ? WHERE series = 'invoice' AND number = 1001",
        (forged.buyer_reference, document_hash(forged)),
    )
    assert problems(path) == [
        "trigger documents_no_update is missing: the schema no longer enforces what it guarded",
        "invoice 1002: the chain is broken; its previous_hash is not the hash of the document before it "
        "(a document was removed, inserted or re-hashed)",
    ]


def test_a_removed_document_is_a_gap(path: Path, raw: sqlite3.Connection) -> None:
    for table in ("document_lines", "document_vat", "documents"):
        raw.execute(f"DROP TRIGGER {table}_no_delete")
        raw.execute(f"DELETE FROM {table} WHERE series = 'invoice' AND number = 1002")
    found = problems(path)
    assert "invoice numbers are not gapless: 1002 missing before invoice 1003" in found
    assert any(p.startswith("invoice 1003: the chain is broken") for p in found)


def test_an_unreadable_value_is_reported_not_raised(path: Path, raw: sqlite3.Connection) -> None:
    raw.execute("DROP TRIGGER documents_no_update")
    raw.execute("UPDATE documents SET net = 'lots' WHERE series = 'credit_note'")
    found = problems(path)
    assert len(found) == 2 and found[1].startswith("credit note 1: a stored value cannot be read")
    with Ledger.open(path) as ledger, pytest.raises(LedgerError, match="is damaged"):
        ledger.documents()


def test_a_failure_mid_run_leaves_the_ledger_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    settings: dict[str, Any] = {"invoice_start": 9997, "kid_length": 5}
    with Ledger.open(path) as ledger:
        issue(ledger, [invoice()], **settings)
        before = dump(path)
        # 9998 and 9999 fit a KID of 5 digits and are written; 10000 does not, so the run fails at its third invoice.
        with pytest.raises(KidError, match="invoice number 10000 does not fit"):
            issue(ledger, [invoice(), credit_note(9997), invoice(), invoice(), invoice()], **settings)
        assert dump(path) == before
        [doc] = issue(ledger, [invoice()], **settings)
        assert (doc.number, doc.issued_at_run) == (9998, 2)  # no number or run was consumed
        assert ledger.verify() == []


def test_an_unexpected_exception_rolls_back(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = dump(path)
    real = kid.make_kid
    calls: list[int] = []

    def failing(number: int, **settings: Any) -> str:
        calls.append(number)
        if len(calls) == 3:
            raise RuntimeError("boom")
        return real(number, **settings)

    monkeypatch.setattr(store, "make_kid", failing)
    with Ledger.open(path) as ledger, pytest.raises(RuntimeError):
        issue(ledger, [invoice(), credit_note(1001), invoice(), invoice()])
    assert calls == [1004, 1005, 1006]
    assert dump(path) == before


CRASH = """
import os, sys
from pathlib import Path
from runtime.ledger import Ledger, store
from tests.ledger.factories import invoice, issue

real = store.make_kid
def dying(number, **settings):
    if number == 1006:
        os._exit(17)  # the process dies with two documents of this run written but not committed
    return real(number, **settings)

store.make_kid = dying
issue(Ledger.open(Path(sys.argv[1])), [invoice(), invoice(), invoice()])
"""


def test_a_crash_mid_run_leaves_the_ledger_unchanged(path: Path) -> None:
    before = dump(path)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", CRASH, str(path)], cwd=ROOT, env=env, capture_output=True, timeout=60)
    assert done.returncode == 17, done.stderr.decode()
    assert dump(path) == before
    with Ledger.open(path) as ledger:
        assert ledger.verify() == []
        assert [(d.number, d.issued_at_run) for d in issue(ledger, [invoice()])] == [(1004, 3)]


def test_a_second_writer_gets_a_clear_lock_error(path: Path, raw: sqlite3.Connection) -> None:
    raw.execute("BEGIN IMMEDIATE")  # another bill run is applying
    with Ledger.open(path, timeout=0.05) as ledger:
        assert len(ledger.documents()) == 4  # reading still works (WAL)
        with pytest.raises(LedgerLocked) as caught:
            issue(ledger, [invoice()])
        assert "is locked by another process" in str(caught.value)
        assert caught.value.help == "another bill run is applying; try again when it finishes"
        raw.execute("ROLLBACK")
        assert [d.number for d in issue(ledger, [invoice()])] == [1004]


def test_locked_holds_the_write_lock_from_reading_to_issuing(path: Path) -> None:
    with Ledger.open(path) as ledger, Ledger.open(path, timeout=0.05) as other:
        with ledger.locked():
            already = ledger.issued_lines()
            with pytest.raises(LedgerLocked):
                issue(other, [invoice()])  # a second run cannot slip in between planning and issuing
            [doc] = issue(ledger, [invoice(line(str(len(already)) + ".00"))])
            assert ledger.document("invoice", 1004) == doc  # visible inside the block
            assert other.document("invoice", 1004) is None  # and to no one else until it ends
        assert other.document("invoice", 1004) == doc
        assert other.verify() == []


def test_a_failed_issue_inside_locked_leaves_nothing_even_if_caught(path: Path) -> None:
    before = dump(path)
    with Ledger.open(path) as ledger:
        with ledger.locked(), pytest.raises(KidError):
            # credit note 2 is written, then invoice 1004 does not fit a KID of 4 digits
            issue(ledger, [credit_note(1001), invoice()], kid_length=4)
        assert dump(path) == before
        with pytest.raises(RuntimeError, match="planning failed"), ledger.locked():
            issue(ledger, [invoice()])
            raise RuntimeError("planning failed")
        assert dump(path) == before
        assert [d.number for d in issue(ledger, [invoice()])] == [1004]


def tail(path: Path) -> list[str]:
    with Ledger.open(path) as ledger:
        return ledger.verify_tail()


def test_the_tail_of_a_clean_ledger_verifies(path: Path) -> None:
    assert tail(path) == []
    with Ledger.open(path) as ledger:
        assert ledger.check_documents([("invoice", 1001), ("credit_note", 1)]) == []


def test_a_changed_last_document_fails_the_tail(path: Path, raw: sqlite3.Connection) -> None:
    raw.execute("DROP TRIGGER document_lines_no_update")
    raw.execute("UPDATE document_lines SET net_amount = '1.00' WHERE series = 'invoice' AND number = 1003")
    assert tail(path) == [
        "trigger document_lines_no_update is missing: the schema no longer enforces what it guarded",
        "invoice 1003: its content does not match its hash (changed after issue)",
        "invoice 1003: its totals do not add up from its lines",
    ]


def test_a_document_a_correction_builds_on_is_checked(path: Path, raw: sqlite3.Connection) -> None:
    raw.execute("DROP TRIGGER document_lines_no_update")
    raw.execute("UPDATE document_lines SET description = 'Andre lisenser' WHERE number = 1001")
    with Ledger.open(path) as ledger:
        # the cheap check looks at the schema and the last documents only
        assert ledger.verify_tail() == [
            "trigger document_lines_no_update is missing: the schema no longer enforces what it guarded"
        ]
        assert ledger.check_documents([("invoice", 1001), ("invoice", 1002), ("invoice", 1001), ("invoice", 1999)]) == [
            "invoice 1001: its content does not match its hash (changed after issue)",
            "invoice 1999: it is not in the ledger",
        ]


def test_a_rehashed_document_breaks_the_tail_link(path: Path, raw: sqlite3.Connection) -> None:
    with Ledger.open(path) as ledger:
        doc = ledger.document("invoice", 1002)
    assert doc is not None
    forged = attrs.evolve(doc, buyer_reference="someone else")
    raw.execute("DROP TRIGGER documents_no_update")
    raw.execute(
        "UPDATE documents SET buyer_reference = ?, hash = ? WHERE series = 'invoice' AND number = 1002",
        (forged.buyer_reference, document_hash(forged)),
    )
    assert tail(path) == [
        "trigger documents_no_update is missing: the schema no longer enforces what it guarded",
        "invoice 1003: the chain is broken; its previous_hash does not link to invoice 1002",
    ]


def test_a_removed_document_fails_the_tail(path: Path, raw: sqlite3.Connection) -> None:
    for table in ("document_lines", "document_vat", "documents"):
        raw.execute(f"DROP TRIGGER {table}_no_delete")
        raw.execute(f"DELETE FROM {table} WHERE series = 'invoice' AND number = 1002")
    assert tail(path) == [
        *(
            f"trigger {table}_no_delete is missing: the schema no longer enforces what it guarded"
            for table in ("documents", "document_lines", "document_vat")
        ),
        "invoice numbers are not gapless: 2 documents from 1001 to 1003",
        "invoice 1002 is missing before invoice 1003",
    ]


def test_verify_reports_a_changed_line_by_document(path: Path, raw: sqlite3.Connection) -> None:
    # The tamperer drops every *_no_update trigger first, then changes one line's net amount.
    names = raw.execute("SELECT name FROM sqlite_master WHERE name LIKE '%\\_no\\_update' ESCAPE '\\'").fetchall()
    # bill_runs, documents, document_refs, document_lines, document_vat, ledger_info, and since version 5
    # document_parties, document_line_details, handovers, closed_months, closed_figures, and since version 6
    # takeovers
    assert len(names) == 12
    for (name,) in names:
        raw.execute(f"DROP TRIGGER {name}")
    raw.execute("UPDATE document_lines SET net_amount = '99.00' WHERE series = 'credit_note' AND number = 1")
    found = problems(path)
    assert found[12:] == [
        "credit note 1: its content does not match its hash (changed after issue)",
        "credit note 1: its totals do not add up from its lines",
    ]
    assert all(p.startswith("trigger ") and p.endswith("no longer enforces what it guarded") for p in found[:12])
