"""The anchor: the latest number and hash of each series, kept outside the ledger, catches a rewritten tail."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import attrs
import pytest

from runtime.ledger import Anchor, AnchorTail, Ledger, LedgerError, LedgerIdentity, format_anchor, parse_anchor
from runtime.ledger.chain import document_hash
from tests.ledger.factories import credit_note, invoice, issue

A = "a" * 64
B = "0123456789abcdef" * 4
SELLER = LedgerIdentity(seller_orgnr="923609016", seller_name="Nordlys AS", invoice_first=1001, credit_note_first=1)
AT = datetime(2026, 3, 1, tzinfo=UTC)


def test_the_text_form() -> None:
    anchor = Anchor(
        seller_orgnr="923609016",
        tails=(AnchorTail(series="invoice", number=1003, hash=A), AnchorTail(series="credit_note", number=1, hash=B)),
    )
    text = format_anchor(anchor)
    assert text == f"avtale ledger anchor 1\nseller 923609016\ninvoice 1003 {A}\ncredit_note 1 {B}\n"
    assert parse_anchor(text) == anchor
    assert parse_anchor(f"# after the March run\n\n{text}\n# mailed to the accountant\n") == anchor
    empty = Anchor(seller_orgnr=None, tails=())
    assert format_anchor(empty) == "avtale ledger anchor 1\nseller -\n"
    assert parse_anchor(format_anchor(empty)) == empty


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "the text is empty"),
        ("invoice 1003 " + A, "line 1: expected `avtale ledger anchor 1`"),
        ("avtale ledger anchor 1\ninvoice 1003 " + A, "line 1: there is no `seller` line"),
        ("avtale ledger anchor 1\nseller 1\nseller 2", "line 3: expected `seller ORGNR` once"),
        ("avtale ledger anchor 1\nseller 1\ninvoice 1003 " + A.upper(), "line 3: the hash is not 64 lowercase hex"),
        ("avtale ledger anchor 1\nseller 1\ninvoice 1003 abc", "line 3: the hash is not 64 lowercase hex"),
        ("avtale ledger anchor 1\nseller 1\ninvoice 0 " + A, "line 3: `0` is not a document number"),
        ("avtale ledger anchor 1\nseller 1\nreceipt 1 " + A, "line 3: expected `seller ORGNR` once or `SERIES"),
        ("avtale ledger anchor 1\nseller 1\ninvoice 1 " + A + "\ninvoice 2 " + A, "line 4: the invoice series appears"),
    ],
)
def test_a_malformed_anchor_is_an_error_naming_the_line(text: str, problem: str) -> None:
    with pytest.raises(LedgerError) as caught:
        parse_anchor(text)
    assert problem in caught.value.message
    assert "`avtale ledger anchor`" in caught.value.help


def test_a_newer_format_is_refused() -> None:
    with pytest.raises(LedgerError, match="format version 2; this Avtale reads version 1") as caught:
        parse_anchor("avtale ledger anchor 2\nseller -\n")
    assert "upgrade Avtale" in caught.value.help


@pytest.fixture
def path(tmp_path: Path) -> Path:
    path = tmp_path / "ledger.sqlite"
    with Ledger.init(path, SELLER, AT) as ledger:
        issue(ledger, [invoice(), invoice()])
        issue(ledger, [credit_note(1001)])
    return path


def test_the_anchor_is_the_latest_of_each_series(path: Path) -> None:
    with Ledger.open(path, read_only=True) as ledger:
        anchor = ledger.anchor()
        last_invoice, note = ledger.document("invoice", 1002), ledger.document("credit_note", 1)
    assert last_invoice is not None and note is not None
    assert anchor == Anchor(
        seller_orgnr="923609016",
        tails=(
            AnchorTail(series="invoice", number=1002, hash=last_invoice.hash),
            AnchorTail(series="credit_note", number=1, hash=note.hash),
        ),
    )


def test_an_anchor_still_verifies_after_more_is_issued(path: Path) -> None:
    with Ledger.open(path) as ledger:
        anchor = ledger.anchor()
        issue(ledger, [invoice(), credit_note(1002)])
        assert ledger.verify(anchor) == []
        assert ledger.anchor() != anchor


def test_a_rewritten_last_document_passes_verify_but_not_the_anchor(path: Path) -> None:
    with Ledger.open(path) as ledger:
        anchor = ledger.anchor()
        doc = ledger.document("invoice", 1002)
    assert doc is not None
    forged = attrs.evolve(doc, buyer_reference="someone else")
    raw = sqlite3.connect(path, isolation_level=None)
    [trigger] = raw.execute("SELECT sql FROM sqlite_master WHERE name = 'documents_no_update'").fetchone()
    raw.execute("DROP TRIGGER documents_no_update")
    raw.execute(
        "UPDATE documents SET buyer_reference = ?, hash = ? WHERE series = 'invoice' AND number = 1002",
        (forged.buyer_reference, document_hash(forged)),
    )
    raw.execute(trigger)  # a careful forger puts the trigger back
    raw.close()
    with Ledger.open(path, read_only=True) as ledger:
        assert ledger.verify() == []  # nothing inside the file can tell
        assert ledger.verify(anchor) == [
            f"invoice 1002: its hash is {document_hash(forged)[:12]}…, but the anchor records {doc.hash[:12]}… "
            "(it, or a document before it, was rewritten)"
        ]


def test_a_truncated_ledger_fails_the_anchor(path: Path, tmp_path: Path) -> None:
    older = tmp_path / "older.sqlite"
    shutil.copyfile(path, older)  # a copy from before the last run, put back in its place
    with Ledger.open(path) as ledger:
        issue(ledger, [invoice()])
        anchor = ledger.anchor()
    with Ledger.open(older, read_only=True) as ledger:
        assert ledger.verify() == []
        assert ledger.verify(anchor) == [
            "invoice 1003: in the anchor but not in the ledger (the ledger was truncated or replaced)"
        ]


def test_an_anchor_of_another_seller(path: Path) -> None:
    with Ledger.open(path, read_only=True) as ledger:
        anchor = attrs.evolve(ledger.anchor(), seller_orgnr="914778271")
        assert ledger.verify(anchor) == [
            "the anchor is for organisation number 914778271, but this ledger records 923609016"
        ]
