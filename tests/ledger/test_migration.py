"""Older ledgers are migrated to the current schema (version 6) when opened for writing, in one transaction.

Version 2 (before identities) goes through versions 3, 4 and 5 to 6; version 3 (before run revisions) through 4 and 5;
version 4 (before snapshots, handovers and closed months) to 5 and 6 (tests/ledger/test_snapshots.py has more of
that step). The fixtures were written by the Avtale of their time (fixtures/README.md)."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from runtime.ledger import BillRun, Ledger, LedgerError, LedgerIdentity, LedgerNotInitialised, RunRevision, store
from runtime.ledger.schema import IDENTITY, REVISIONS, TRIGGERS, TRIGGERS_V2, TRIGGERS_V6
from tests.ledger.factories import credit_note, dump, invoice, issue, line, pragma, schema_of

FIXTURE = Path(__file__).parent / "fixtures" / "ledger-v2.sqlite"
FIXTURE_SHA256 = "8b2f917ac2f11d6ad71a9077a9b8725a454bebf801b83c1bdf54b5cf9be9125f"
FIXTURE_V3 = Path(__file__).parent / "fixtures" / "ledger-v3.sqlite"
FIXTURE_V3_SHA256 = "063bc2cb1c96116b19f8d593be4840e50a8e10a51fa65205e5c0992de99f0ffa"
COMMIT = "0123456789abcdef0123456789abcdef01234567"
SELLER = LedgerIdentity(
    seller_orgnr="925792403", seller_name="Skarvtind Software AS", invoice_first=250001, credit_note_first=950001
)
# The example seller's settings (seller.avt): the series the fixture was issued in.
SETTINGS = {"invoice_start": 250001, "credit_note_start": 950001, "kid_scheme": "mod11", "kid_length": 12}
AT = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
LAST_INVOICE_HASH = "22b50c71b6de0f8cc30483354f2361425e0f96e3627a2d3ab2b9892d81072689"
LAST_CREDIT_NOTE_HASH = "2901b04a445d845c0d889f0d1ce4849c2daced60e0a0a55553864d6dec60b2e7"


@pytest.fixture
def path(tmp_path: Path) -> Path:
    """A copy of the version-2 fixture: the fixture itself is never opened."""
    copy = tmp_path / "ledger.sqlite"
    shutil.copyfile(FIXTURE, copy)
    return copy


def test_the_fixture_is_the_version_2_ledger_it_was_made_as() -> None:
    assert hashlib.sha256(FIXTURE.read_bytes()).hexdigest() == FIXTURE_SHA256
    assert pragma(FIXTURE, "user_version") == 2


@pytest.fixture
def path_v3(tmp_path: Path) -> Path:
    """A copy of the version-3 fixture."""
    copy = tmp_path / "ledger-v3.sqlite"
    shutil.copyfile(FIXTURE_V3, copy)
    return copy


def test_opening_migrates_to_version_6_and_keeps_every_document(path: Path) -> None:
    with Ledger.open(path) as ledger:
        assert ledger.version == 6
        docs = ledger.documents()
        assert [d.number for d in docs] == [*range(250001, 250011), 950001, 950002, 950003]
        assert [r.id for r in ledger.bill_runs()] == [1, 2]
        note = ledger.document("credit_note", 950002)
        assert note is not None
        assert (note.customer, note.corrects, note.totals.net, note.totals.gross) == (
            "lofoten_rorbu",
            (250003,),
            Decimal("550.00"),
            Decimal("687.50"),
        )
        big = ledger.document("invoice", 250002)
        assert big is not None and big.totals.gross == Decimal("109873.65")
        assert ledger.verify() == []
        assert ledger.verify_tail() == []
        assert ledger.identity() is None  # absent until `avtale ledger init` adopts the ledger
        assert ledger.bill_runs() == [  # runs stored before version 4 record no revision
            BillRun(id=1, as_of=date(2026, 3, 1), revision=None),
            BillRun(id=2, as_of=date(2026, 3, 1), revision=None),
        ]
    assert pragma(path, "user_version") == 6
    db = sqlite3.connect(path)
    triggers = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert db.execute("SELECT count(*) FROM ledger_info").fetchone()[0] == 0
    db.close()
    assert triggers == set(TRIGGERS_V6)


def test_a_migrated_ledger_has_the_schema_of_a_new_one(path: Path, tmp_path: Path) -> None:
    Ledger.open(path).close()
    Ledger.open(tmp_path / "new.sqlite").close()
    assert schema_of(path) == schema_of(tmp_path / "new.sqlite")


def test_a_new_issue_continues_the_numbers_and_the_chain(path: Path) -> None:
    with Ledger.init(path, SELLER, AT) as ledger:
        [more, note] = issue(
            ledger,
            [
                invoice(line(contract="SKT-2025-003"), contract="SKT-2025-003", customer="lofoten_rorbu"),
                credit_note(250003, contract="SKT-2025-003", customer="lofoten_rorbu"),
            ],
            as_of=date(2026, 3, 1),
            **SETTINGS,
        )
        assert (more.number, more.previous_hash, more.issued_at_run) == (250011, LAST_INVOICE_HASH, 3)
        assert (note.number, note.previous_hash) == (950004, LAST_CREDIT_NOTE_HASH)
        assert more.kid == "000002500116"  # MOD11 of 00000250011: 1×2 + 1×3 + 5×6 + 2×7 = 49; 49 mod 11 = 5; 11 - 5 = 6
        assert ledger.verify() == []
        assert ledger.verify_tail() == []


def test_the_migration_is_one_transaction(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = dump(path)
    # The second half fails (the table exists by then): nothing of the first half may stay.
    monkeypatch.setitem(store.MIGRATIONS, 2, IDENTITY + IDENTITY)
    with pytest.raises(LedgerError, match="already exists"):
        Ledger.open(path)
    assert pragma(path, "user_version") == 2
    assert dump(path) == before


def test_version_2_to_4_is_one_transaction(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = dump(path)
    # 2 -> 3 succeeds, then 3 -> 4 fails on its second column: not even version 3 may stay.
    monkeypatch.setitem(store.MIGRATIONS, 3, REVISIONS + REVISIONS)
    with pytest.raises(LedgerError, match="duplicate column name: revision"):
        Ledger.open(path)
    assert pragma(path, "user_version") == 2
    assert dump(path) == before


def test_reading_a_version_2_ledger_does_not_migrate_it(path: Path) -> None:
    before = path.read_bytes()
    with Ledger.open(path, create=False, read_only=True) as ledger:
        assert ledger.version == 2
        assert len(ledger.documents()) == 13
        assert ledger.identity() is None
        assert ledger.verify() == []  # the version-2 triggers are all there is to expect
        assert ledger.verify_tail() == []
    assert path.read_bytes() == before
    assert pragma(path, "user_version") == 2
    assert set(TRIGGERS) - set(TRIGGERS_V2) == {
        "ledger_info_matches_series",
        "series_starts_as_recorded",
        "ledger_info_no_update",
        "ledger_info_no_delete",
    }


def test_billing_a_migrated_ledger_needs_ledger_init(path: Path) -> None:
    with Ledger.open(path) as ledger, pytest.raises(LedgerNotInitialised) as caught:
        ledger.check_identity(SELLER)
    assert "records no seller and number series" in caught.value.message
    assert "`avtale ledger init`" in caught.value.help
    assert "point the `ledger` setting" in caught.value.help
    assert "numbers already used must never be issued again" in caught.value.help


# -- version 3 (identities, no run revisions) to version 4 ------------------------------------------


def test_the_version_3_fixture_is_what_it_was_made_as() -> None:
    assert hashlib.sha256(FIXTURE_V3.read_bytes()).hexdigest() == FIXTURE_V3_SHA256
    assert pragma(FIXTURE_V3, "user_version") == 3


def test_the_version_3_fixture_holds_the_documents_of_the_version_2_one() -> None:
    with (
        Ledger.open(FIXTURE, create=False, read_only=True) as v2,
        Ledger.open(FIXTURE_V3, create=False, read_only=True) as v3,
    ):
        assert v3.documents() == v2.documents()


def test_opening_version_3_migrates_to_6_and_keeps_everything(path_v3: Path) -> None:
    with Ledger.open(path_v3, create=False, read_only=True) as before:
        documents, info = before.documents(), before.info()
    assert [d.number for d in documents] == [*range(250001, 250011), 950001, 950002, 950003]
    with Ledger.open(path_v3) as ledger:
        assert ledger.version == 6
        assert ledger.documents() == documents  # every field, hash and chain link as it was
        assert ledger.info() == info
        assert ledger.identity() == SELLER
        assert ledger.bill_runs() == [
            BillRun(id=1, as_of=date(2026, 3, 1), revision=None),
            BillRun(id=2, as_of=date(2026, 3, 1), revision=None),
        ]
        assert ledger.documents_by_run() == {1: {"invoice": 9}, 2: {"invoice": 1, "credit_note": 3}}
        assert ledger.verify() == []
        assert ledger.verify_tail() == []
    assert pragma(path_v3, "user_version") == 6
    db = sqlite3.connect(path_v3)
    try:
        columns = [row[1] for row in db.execute("PRAGMA table_info(bill_runs)")]
        stored = db.execute("SELECT id, as_of, revision, dirty FROM bill_runs ORDER BY id").fetchall()
    finally:
        db.close()
    assert columns == ["id", "as_of", "revision", "dirty"]
    assert stored == [(1, "2026-03-01", None, None), (2, "2026-03-01", None, None)]


def test_a_migrated_version_3_ledger_has_the_schema_of_a_new_one(path_v3: Path, path: Path, tmp_path: Path) -> None:
    Ledger.open(path_v3).close()
    Ledger.open(path).close()
    Ledger.open(tmp_path / "new.sqlite").close()
    assert schema_of(path_v3) == schema_of(tmp_path / "new.sqlite") == schema_of(path)


def test_version_3_to_4_is_one_transaction(path_v3: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = dump(path_v3)
    monkeypatch.setitem(store.MIGRATIONS, 3, REVISIONS + REVISIONS)  # the first column is added, then it fails
    with pytest.raises(LedgerError, match="duplicate column name: revision"):
        Ledger.open(path_v3)
    assert pragma(path_v3, "user_version") == 3
    assert dump(path_v3) == before


def test_reading_a_version_3_ledger_does_not_migrate_it(path_v3: Path) -> None:
    before = path_v3.read_bytes()
    with Ledger.open(path_v3, create=False, read_only=True) as ledger:
        assert ledger.version == 3
        assert [(r.id, r.revision) for r in ledger.bill_runs()] == [(1, None), (2, None)]
        assert ledger.verify() == []
    assert path_v3.read_bytes() == before


def test_a_run_on_a_migrated_ledger_records_its_revision(path_v3: Path) -> None:
    with Ledger.open(path_v3) as ledger:
        [more] = issue(
            ledger,
            [invoice(line(contract="SKT-2025-003"), contract="SKT-2025-003", customer="lofoten_rorbu")],
            as_of=date(2026, 3, 1),
            revision=RunRevision(commit=COMMIT, dirty=True),
            **SETTINGS,
        )
        assert (more.number, more.previous_hash, more.issued_at_run) == (250011, LAST_INVOICE_HASH, 3)
        assert ledger.bill_runs()[-1] == BillRun(
            id=3, as_of=date(2026, 3, 1), revision=RunRevision(commit=COMMIT, dirty=True)
        )
        assert ledger.documents_by_run()[3] == {"invoice": 1}
        assert ledger.verify() == []


def test_a_runs_revision_is_not_part_of_any_document(tmp_path: Path) -> None:
    """The same drafts issued with another revision, or none, give the same documents and hashes."""
    drafts = [invoice(), invoice(line("990.00"))]
    issued = []
    for name, revision in [
        ("none", None),
        ("clean", RunRevision(commit=COMMIT, dirty=False)),
        ("dirty", RunRevision(commit="f" * 64, dirty=True)),
        ("unborn", RunRevision(commit=None, dirty=True)),
    ]:
        with Ledger.open(tmp_path / f"{name}.sqlite") as ledger:
            issued.append(issue(ledger, drafts, revision=revision))
            assert ledger.bill_runs()[0].revision == revision
    assert issued[0] == issued[1] == issued[2] == issued[3]
    assert [d.hash for d in issued[0]] == [d.hash for d in issued[3]]


def test_a_revision_is_a_full_lowercase_commit_id() -> None:
    for bad in ("0123456", "0123456789ABCDEF0123456789ABCDEF01234567", "g" * 40, COMMIT + "0"):
        with pytest.raises(ValueError, match="not a full commit id"):
            RunRevision(commit=bad, dirty=False)
    assert RunRevision(commit=COMMIT, dirty=True).describe() == "0123456789ab+dirty"
    assert RunRevision(commit=COMMIT, dirty=False).describe() == "0123456789ab"
    assert RunRevision(commit=None, dirty=True).describe() == "no commit+dirty"


def test_the_schema_refuses_a_revision_that_is_not_a_commit_id(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    Ledger.open(path).close()
    db = sqlite3.connect(path)
    try:
        for values in [("HEAD", 0), ("ABCDEF" + "0" * 34, 0), (COMMIT, 2)]:
            with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
                db.execute("INSERT INTO bill_runs (id, as_of, revision, dirty) VALUES (1, '2026-03-01', ?, ?)", values)
        db.execute("INSERT INTO bill_runs (id, as_of, revision, dirty) VALUES (1, '2026-03-01', ?, 1)", (COMMIT,))
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute("UPDATE bill_runs SET dirty = 0")
    finally:
        db.close()


def test_a_damaged_revision_is_reported_as_damage(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    Ledger.open(path).close()
    db = sqlite3.connect(path)
    db.execute("DROP TRIGGER bill_runs_no_update")
    db.execute("INSERT INTO bill_runs (id, as_of, revision, dirty) VALUES (1, '2026-03-01', NULL, 0)")
    db.execute("PRAGMA ignore_check_constraints = ON")
    db.execute("UPDATE bill_runs SET revision = 'not a commit'")
    db.commit()
    db.close()
    with Ledger.open(path, create=False, read_only=True) as ledger, pytest.raises(LedgerError, match="is damaged"):
        ledger.bill_runs()
