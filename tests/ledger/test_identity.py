"""The ledger's identity: recorded once by `ledger init`, compared by every bill run, never changed."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import attrs
import pytest

from runtime.ledger import Ledger, LedgerError, LedgerIdentity, LedgerMismatch, LedgerNotInitialised, NumberingError
from tests.ledger.factories import credit_note, dump, invoice, issue

SELLER = LedgerIdentity(seller_orgnr="923609016", seller_name="Nordlys AS", invoice_first=1001, credit_note_first=1)
AT = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)


def test_init_creates_a_ledger_with_its_identity(tmp_path: Path) -> None:
    path = tmp_path / "books" / "ledger.sqlite"
    with Ledger.init(path, SELLER, AT) as ledger:
        assert ledger.identity() == SELLER
        info = ledger.info()
        assert info is not None and info.initialised_at == datetime(2026, 3, 1, 9, 30, 15, tzinfo=UTC)
        ledger.check_identity(SELLER)
        assert ledger.verify() == []
    db = sqlite3.connect(path)
    assert db.execute("SELECT * FROM ledger_info").fetchall() == [
        (1, "923609016", "Nordlys AS", 1001, 1, "2026-03-01T09:30:15Z")
    ]
    db.close()


def test_the_time_is_recorded_in_utc(tmp_path: Path) -> None:
    oslo_winter = timezone(timedelta(hours=1))
    with Ledger.init(tmp_path / "ledger.sqlite", SELLER, datetime(2026, 1, 1, 0, 30, tzinfo=oslo_winter)) as ledger:
        info = ledger.info()
    assert info is not None and info.initialised_at == datetime(2025, 12, 31, 23, 30, tzinfo=UTC)


def test_a_naive_time_is_a_bug(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Ledger.init(tmp_path / "ledger.sqlite", SELLER, datetime(2026, 3, 1))
    assert not (tmp_path / "ledger.sqlite").exists()


def test_a_second_init_is_refused_and_says_what_is_recorded(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    Ledger.init(path, SELLER, AT).close()
    with pytest.raises(LedgerError) as caught:
        Ledger.init(path, SELLER, AT + timedelta(days=1))
    assert "is already initialised: it records Nordlys AS (organisation number 923609016), invoices from 1001, " in (
        caught.value.message
    )
    assert "credit notes from 1, since 2026-03-01T09:30:15Z" in caught.value.message
    assert "its identity never changes" in caught.value.help
    other = attrs.evolve(SELLER, seller_orgnr="914778271", invoice_first=5001)
    with pytest.raises(LedgerError) as caught:
        Ledger.init(path, other, AT)
    assert "the workspace differs: it belongs to organisation number 923609016 (Nordlys AS)" in caught.value.message
    assert "its invoice series starts at 1001, but the seller declares `invoice_numbers from 5001`" in (
        caught.value.message
    )
    with Ledger.open(path) as ledger:
        assert ledger.identity() == SELLER


def test_init_adopts_a_ledger_whose_series_start_at_the_seller_numbers(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    with Ledger.open(path) as ledger:  # no identity, as a migrated version-2 ledger
        issue(ledger, [invoice(), invoice()])
        issue(ledger, [credit_note(1001)])
    with Ledger.init(path, SELLER, AT) as ledger:
        assert ledger.identity() == SELLER
        assert [d.number for d in issue(ledger, [invoice()])] == [1003]
        assert ledger.verify() == []


def test_init_refuses_to_adopt_a_ledger_numbered_otherwise(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    with Ledger.open(path) as ledger:
        issue(ledger, [invoice()])
        issue(ledger, [credit_note(1001)], credit_note_start=7)
    before = dump(path)
    with pytest.raises(LedgerError) as caught:
        Ledger.init(path, SELLER, AT)  # credit notes from 1, but the ledger's began at 7
    assert caught.value.message.endswith(
        "cannot be adopted: its credit note series started at 7 (next 8), but the seller numbers credit notes from 1"
    )
    assert "write `credit_note_numbers from 7` in the seller declaration" in caught.value.help
    assert dump(path) == before


def test_check_identity_refuses_another_seller_or_numbering(tmp_path: Path) -> None:
    with Ledger.init(tmp_path / "ledger.sqlite", SELLER, AT) as ledger:
        ledger.check_identity(attrs.evolve(SELLER, seller_name="Nordlys Software AS"))  # renamed: same books
        with pytest.raises(LedgerMismatch) as caught:
            ledger.check_identity(attrs.evolve(SELLER, seller_orgnr="914778271"))
        assert "it belongs to organisation number 923609016 (Nordlys AS), but the workspace's seller has 914778271" in (
            caught.value.message
        )
        assert "this seller's own ledger" in caught.value.help
        with pytest.raises(LedgerMismatch) as caught:
            ledger.check_identity(attrs.evolve(SELLER, invoice_first=2001, credit_note_first=5))
        assert caught.value.message.endswith(
            "its invoice series starts at 1001, but the seller declares `invoice_numbers from 2001`; "
            "its credit note series starts at 1, but the seller declares `credit_note_numbers from 5`"
        )
        assert "a gapless series cannot start again" in caught.value.help


def test_check_identity_without_one(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "ledger.sqlite") as ledger, pytest.raises(LedgerNotInitialised) as caught:
        ledger.check_identity(SELLER)
    assert "run `avtale ledger init`" in caught.value.help
    assert "if you moved the ledger, point the `ledger` setting in avtale.toml at the old file" in caught.value.help


def test_a_series_begins_only_at_the_recorded_first_number(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    with Ledger.init(path, SELLER, AT) as ledger:
        with pytest.raises(NumberingError) as caught:
            issue(ledger, [invoice()], invoice_start=5001)
        assert "the ledger was initialised with invoices from 1001" in caught.value.message
        assert caught.value.help == "write `invoice_numbers from 1001` in the seller declaration"
        assert ledger.bill_runs() == []
    raw = sqlite3.connect(path)
    with pytest.raises(sqlite3.IntegrityError, match="must start at the first number the ledger was initialised"):
        raw.execute("INSERT INTO series (series, first, next) VALUES ('invoice', 5001, 5001)")
    raw.close()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_info SET seller_orgnr = '914778271'",
        "DELETE FROM ledger_info",
        "INSERT INTO ledger_info VALUES (2, '914778271', 'Other AS', 1, 1, '2026-03-01T00:00:00Z')",
        "INSERT INTO ledger_info VALUES (1, '914778271', 'Other AS', 1, 1, '2026-03-01T00:00:00Z')",
    ],
)
def test_the_identity_cannot_be_changed(tmp_path: Path, statement: str) -> None:
    path = tmp_path / "ledger.sqlite"
    Ledger.init(path, SELLER, AT).close()
    raw = sqlite3.connect(path)
    with pytest.raises(sqlite3.IntegrityError):
        raw.execute(statement)
    raw.close()
    with Ledger.open(path) as ledger:
        assert ledger.identity() == SELLER


def test_init_refuses_a_path_below_a_file_or_a_folder(tmp_path: Path) -> None:
    blocker = tmp_path / "books"
    blocker.write_text("not a folder")
    with pytest.raises(LedgerError) as caught:
        Ledger.init(blocker / "ledger.sqlite", SELLER, AT)
    assert (
        caught.value.message
        == f"cannot open the ledger at {blocker / 'ledger.sqlite'}: {blocker} is a file, not a folder"
    )
    assert "point the `ledger` setting in avtale.toml at a path in a folder" in caught.value.help
    with pytest.raises(LedgerError, match="it is a folder") as caught:
        Ledger.init(tmp_path, SELLER, AT)
    assert "`ledger.sqlite`" in caught.value.help


def test_verify_reports_a_series_that_does_not_start_where_the_identity_says(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    with Ledger.init(path, SELLER, AT) as ledger:
        issue(ledger, [invoice()])
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("DROP TRIGGER ledger_info_no_update")
    raw.execute("UPDATE ledger_info SET invoice_first = 1000")
    raw.close()
    with Ledger.open(path) as ledger:
        assert ledger.verify() == [
            "trigger ledger_info_no_update is missing: the schema no longer enforces what it guarded",
            "the invoice series starts at 1001, but the ledger was initialised with invoices from 1000",
        ]
