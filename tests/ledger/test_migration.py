"""A ledger of schema version 2, written by the Avtale before identities, is migrated to version 3 on open."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from runtime.ledger import Ledger, LedgerError, LedgerIdentity, LedgerNotInitialised, store
from runtime.ledger.schema import IDENTITY, TRIGGERS, TRIGGERS_V2
from tests.ledger.factories import credit_note, dump, invoice, issue, line

FIXTURE = Path(__file__).parent / "fixtures" / "ledger-v2.sqlite"
FIXTURE_SHA256 = "8b2f917ac2f11d6ad71a9077a9b8725a454bebf801b83c1bdf54b5cf9be9125f"
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


def pragma(path: Path, name: str) -> object:
    db = sqlite3.connect(path)
    try:
        return db.execute(f"PRAGMA {name}").fetchone()[0]
    finally:
        db.close()


def schema_of(path: Path) -> set[tuple[str, str]]:
    db = sqlite3.connect(path)
    try:
        return {(name, sql) for name, sql in db.execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL")}
    finally:
        db.close()


def test_the_fixture_is_the_version_2_ledger_it_was_made_as() -> None:
    assert hashlib.sha256(FIXTURE.read_bytes()).hexdigest() == FIXTURE_SHA256
    assert pragma(FIXTURE, "user_version") == 2


def test_opening_migrates_to_version_3_and_keeps_every_document(path: Path) -> None:
    with Ledger.open(path) as ledger:
        assert ledger.version == 3
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
    assert pragma(path, "user_version") == 3
    db = sqlite3.connect(path)
    triggers = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert db.execute("SELECT count(*) FROM ledger_info").fetchone()[0] == 0
    db.close()
    assert triggers == set(TRIGGERS)


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
