"""Schema version 5: snapshots of both parties and every line, kept with each document, covered by its hash
when recorded at issue; backfilled snapshots for older documents; append-only tables.

The version-4 fixture was written by the Avtale before version 5 (fixtures/README.md); tests open copies.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import attrs
import pytest

from runtime.ledger import (
    ClosedFigure,
    ClosedMonth,
    Handover,
    InvalidDraft,
    Ledger,
    LedgerError,
    LineDetails,
    Parties,
    store,
)
from runtime.ledger.chain import document_hash
from runtime.ledger.schema import SNAPSHOTS, TRIGGERS_V6
from tests.ledger.factories import BUYER, SELLER, credit_note, dump, invoice, issue, line, parties, pragma, schema_of

FIXTURE_V4 = Path(__file__).parent / "fixtures" / "ledger-v4.sqlite"
FIXTURE_V4_SHA256 = "820af0754fd9ab625fc8f1aedbb9bda8a2ce07885cbe1d585db51d5baec91966"
SETTINGS = {"invoice_start": 250001, "credit_note_start": 950001, "kid_scheme": "mod11", "kid_length": 12}
# The last hashes of the version-2 fixture's runs: the version-4 fixture holds the same documents.
LAST_INVOICE_HASH = "22b50c71b6de0f8cc30483354f2361425e0f96e3627a2d3ab2b9892d81072689"
LAST_CREDIT_NOTE_HASH = "2901b04a445d845c0d889f0d1ce4849c2daced60e0a0a55553864d6dec60b2e7"
AT = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
NUMBERS = [*range(250001, 250011), 950001, 950002, 950003]


@pytest.fixture
def v4(tmp_path: Path) -> Path:
    """A copy of the version-4 fixture: the fixture itself is never opened for writing."""
    copy = tmp_path / "ledger-v4.sqlite"
    shutil.copyfile(FIXTURE_V4, copy)
    return copy


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    return Ledger.open(tmp_path / "ledger.sqlite")


def raw(path: Path) -> sqlite3.Connection:
    """A connection as a tamperer would use one, outside Avtale."""
    return sqlite3.connect(path, isolation_level=None)


# -- migration from version 4 --------------------------------------------------------------------------


def test_the_version_4_fixture_is_what_it_was_made_as() -> None:
    assert hashlib.sha256(FIXTURE_V4.read_bytes()).hexdigest() == FIXTURE_V4_SHA256
    assert pragma(FIXTURE_V4, "user_version") == 4


def test_opening_version_4_migrates_to_5_and_keeps_every_hash(v4: Path) -> None:
    with Ledger.open(v4, create=False, read_only=True) as before:
        documents = before.documents()
        runs, info = before.bill_runs(), before.info()
    assert [d.number for d in documents] == NUMBERS
    assert documents[9].hash == LAST_INVOICE_HASH and documents[-1].hash == LAST_CREDIT_NOTE_HASH
    with Ledger.open(v4) as ledger:
        assert ledger.version == 6
        after = ledger.documents()
        assert after == documents  # every field, hash and chain link as it was
        assert all(d.parties is None and all(x.details is None for x in d.lines) for d in after)
        assert (ledger.bill_runs(), ledger.info()) == (runs, info)
        assert ledger.handovers() == [] and ledger.closed_months() == [] and ledger.backfilled() == {}
        assert ledger.verify() == []
        assert ledger.verify_tail() == []
    assert pragma(v4, "user_version") == 6
    db = sqlite3.connect(v4)
    try:
        triggers = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    finally:
        db.close()
    assert triggers == set(TRIGGERS_V6)


def test_a_migrated_version_4_ledger_has_the_schema_of_a_new_one(v4: Path, tmp_path: Path) -> None:
    Ledger.open(v4).close()
    Ledger.open(tmp_path / "new.sqlite").close()
    assert schema_of(v4) == schema_of(tmp_path / "new.sqlite")


def test_version_4_to_5_is_one_transaction(v4: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = dump(v4)
    monkeypatch.setitem(store.MIGRATIONS, 4, SNAPSHOTS + SNAPSHOTS)  # the tables exist the second time
    with pytest.raises(LedgerError, match="already exists"):
        Ledger.open(v4)
    assert pragma(v4, "user_version") == 4
    assert dump(v4) == before


def test_reading_a_version_4_ledger_does_not_migrate_it(v4: Path) -> None:
    before = v4.read_bytes()
    with Ledger.open(v4, create=False, read_only=True) as ledger:
        assert ledger.version == 4
        assert [d.parties for d in ledger.documents()] == [None] * 13
        assert ledger.handovers() == [] and ledger.closed_months() == []
        assert ledger.verify() == []
    assert v4.read_bytes() == before


def test_a_run_on_a_migrated_ledger_continues_the_chain_with_snapshots(v4: Path) -> None:
    drafts = [
        invoice(line(contract="SKT-2025-003"), contract="SKT-2025-003", customer="lofoten_rorbu"),
        credit_note(250003, contract="SKT-2025-003", customer="lofoten_rorbu"),
    ]
    with Ledger.open(v4) as ledger:
        more, note = issue(ledger, drafts, **SETTINGS)
        assert (more.number, more.previous_hash) == (250011, LAST_INVOICE_HASH)
        assert (note.number, note.previous_hash) == (950004, LAST_CREDIT_NOTE_HASH)
        assert ledger.document("invoice", 250011) == more and more.parties == parties("lofoten_rorbu")
        assert ledger.document("invoice", 250010).parties is None  # type: ignore[union-attr]
        assert ledger.verify() == []


# -- issuing at version 5 ------------------------------------------------------------------------------


def test_issuing_stores_both_parties_and_every_lines_details(ledger: Ledger) -> None:
    exempt = LineDetails(unit_code="E34", vat_reason="Finansiell tjeneste, unntatt etter mval. § 3-6")
    consumer = attrs.evolve(BUYER, id="kari", consumer=True, orgnr=None, address=None, peppol=None)
    draft = invoice(
        line(),
        line("9.00", category="exempt", rate="0", details=exempt),
        customer="kari",
        parties=Parties(seller=SELLER, buyer=consumer, source="issue"),
    )
    [doc] = issue(ledger, [draft])
    assert doc.parties == draft.parties
    assert [x.details for x in doc.lines] == [LineDetails(unit_code="C62", vat_reason=None), exempt]
    assert ledger.document("invoice", doc.number) == doc
    assert ledger.documents() == [doc]
    assert ledger.verify() == []


def test_a_draft_without_parties_or_line_details_is_refused(ledger: Ledger, tmp_path: Path) -> None:
    before = dump(tmp_path / "ledger.sqlite")
    with pytest.raises(InvalidDraft) as caught:
        issue(ledger, [invoice(), invoice(parties=None)])
    assert caught.value.message == (
        "draft 2 (invoice for contract NORD-2026-001): the document has no snapshot of its parties (seller and buyer)"
    )
    assert "runtime/billing/parties.py" in caught.value.help and "nothing was issued" in caught.value.help
    with pytest.raises(InvalidDraft, match=r"line 2: the line has no details \(unit code and VAT reason\)"):
        issue(ledger, [invoice(line(), line(details=None))])
    with pytest.raises(InvalidDraft, match="its buyer is `someone`, but the document is for `nordlys`"):
        issue(ledger, [invoice(parties=parties("someone"))])
    with pytest.raises(InvalidDraft, match="source `backfill`, not `issue`"):
        issue(ledger, [invoice(parties=attrs.evolve(parties(), source="backfill"))])
    with pytest.raises(InvalidDraft, match="the unit code is empty"):
        issue(ledger, [invoice(line(details=LineDetails(unit_code=" ", vat_reason=None)))])
    with pytest.raises(InvalidDraft, match="the seller's name is empty"):
        issue(ledger, [invoice(parties=Parties(seller=attrs.evolve(SELLER, name=""), buyer=BUYER, source="issue"))])
    assert dump(tmp_path / "ledger.sqlite") == before


def test_the_hash_covers_the_snapshot(ledger: Ledger) -> None:
    [doc] = issue(ledger, [invoice()])
    other = attrs.evolve(doc, parties=parties(name="Someone Else AS"))
    assert document_hash(other) != doc.hash
    other_unit = attrs.evolve(
        doc, lines=(attrs.evolve(doc.lines[0], details=LineDetails(unit_code="MON", vat_reason=None)),)
    )
    assert document_hash(other_unit) != doc.hash
    stripped = attrs.evolve(doc, parties=None, lines=tuple(attrs.evolve(x, details=None) for x in doc.lines))
    assert document_hash(stripped) != doc.hash
    relabelled = attrs.evolve(doc, parties=attrs.evolve(doc.parties, source="backfill"))
    assert document_hash(relabelled) == document_hash(stripped) != doc.hash


TAMPERING = [
    ("UPDATE document_parties SET name = 'Someone Else AS' WHERE role = 'buyer'", "does not match its hash"),
    ("UPDATE document_parties SET bank_account = '1234.56.78903' WHERE role = 'seller'", "does not match its hash"),
    ("UPDATE document_line_details SET unit_code = 'MON'", "does not match its hash"),
    ("UPDATE document_line_details SET vat_reason = 'unntatt'", "does not match its hash"),
    (
        "UPDATE document_parties SET source = 'backfill', recorded_at = '2026-03-02T08:30:00Z'",
        "does not match its hash",
    ),
    ("DELETE FROM document_parties", "does not match its hash"),
    ("DELETE FROM document_line_details", "its snapshot is incomplete: line 1 has no details"),
    ("DELETE FROM document_parties WHERE role = 'buyer'", "not one seller and one buyer"),
]


@pytest.mark.parametrize(("sql", "found"), TAMPERING)
def test_verify_finds_a_changed_snapshot(tmp_path: Path, sql: str, found: str) -> None:
    path = tmp_path / "ledger.sqlite"
    with Ledger.open(path) as ledger:
        issue(ledger, [invoice()])
    db = raw(path)
    for table in ("document_parties", "document_line_details"):
        for verb in ("update", "delete"):
            db.execute(f"DROP TRIGGER {table}_no_{verb}")
    db.execute(sql)
    db.close()
    with Ledger.open(path, create=False, read_only=True) as ledger:
        problems = ledger.verify()
        tail = ledger.verify_tail()
    located = [p for p in problems if not p.startswith("trigger ")]
    assert located and all(p.startswith("invoice 1001: ") for p in located), problems
    assert any(found in p for p in located), problems
    assert any(found in p for p in tail), tail  # a run would refuse to extend it


@pytest.mark.parametrize(
    "table", ["document_parties", "document_line_details", "handovers", "closed_months", "closed_figures"]
)
def test_the_new_tables_are_append_only(tmp_path: Path, table: str) -> None:
    path = tmp_path / "ledger.sqlite"
    with Ledger.open(path) as ledger:
        [doc] = issue(ledger, [invoice()])
        ledger.record_handovers([handover(doc.number)])
        ledger.close_month(closed("2026-02-01", figure()))
    db = raw(path)
    try:
        assert db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] >= 1
        for sql in (f"UPDATE {table} SET rowid = rowid", f"DELETE FROM {table}"):
            with pytest.raises(sqlite3.IntegrityError, match=f"{table} is append-only"):
                db.execute(sql)
    finally:
        db.close()


def test_a_document_gets_one_snapshot_from_one_source(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    with Ledger.open(path) as ledger:
        issue(ledger, [invoice()])
    db = raw(path)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="UNIQUE constraint failed"):
            db.execute(
                "INSERT INTO document_parties SELECT series, number, role, id, 'X', orgnr, vat_number, "
                "foretaksregisteret, consumer, street, postcode, city, country, peppol, email, bank_account, "
                "language, source, recorded_at FROM document_parties WHERE role = 'buyer'"
            )
        insert = (
            "INSERT INTO document_parties (series, number, role, id, name, foretaksregisteret, consumer, language, "
            "source, recorded_at) VALUES ('invoice', 1001, 'seller', 'x', 'x', 0, 0, 'nb', ?, ?)"
        )
        with pytest.raises(sqlite3.IntegrityError, match="both parties of a document are snapshotted together"):
            db.execute(insert, ("backfill", "2026-03-02T08:30:00Z"))
        with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):  # only a backfill says when
            db.execute(insert, ("issue", "2026-03-02T08:30:00Z"))
    finally:
        db.close()


# -- handovers -----------------------------------------------------------------------------------------


def handover(number: int, series: str = "invoice", channel: str = "peppol", minute: int = 0) -> Handover:
    return Handover(
        series=series,  # type: ignore[arg-type]
        number=number,
        channel=channel,  # type: ignore[arg-type]
        file=f"{channel}/{number}.xml",
        sha256=hashlib.sha256(str(number).encode()).hexdigest(),
        handed_over_at=datetime(2026, 3, 2, 9, minute, tzinfo=UTC),
    )


def test_handovers_are_recorded_once_in_order(ledger: Ledger, tmp_path: Path) -> None:
    issue(ledger, [invoice(), invoice()])
    issue(ledger, [credit_note(1001)])
    batch = [handover(1002, channel="email"), handover(1, "credit_note", "print", 1)]
    ledger.record_handovers(batch)
    ledger.record_handovers([handover(1001, minute=2)])
    assert ledger.handovers() == [*batch, handover(1001, minute=2)]
    with pytest.raises(LedgerError) as caught:
        ledger.record_handovers([handover(1, "credit_note", "email", 3)])
    assert caught.value.message == "credit note 1 was already handed over (print, 2026-03-02T09:01:00Z)"
    assert caught.value.help.startswith("nothing was recorded; a document is handed over once")
    issue(ledger, [invoice()])
    before = dump(tmp_path / "ledger.sqlite")
    with pytest.raises(LedgerError, match="invoice 1002 was already handed over"):  # 1003 alone would do
        ledger.record_handovers([handover(1003), handover(1002, channel="peppol")])
    with pytest.raises(LedgerError, match=r"cannot record the handover of invoice 1999: it is not in the ledger"):
        ledger.record_handovers([handover(1003), handover(1999)])
    with pytest.raises(LedgerError, match="invoice 1003 is handed over twice in one batch"):
        ledger.record_handovers([handover(1003), handover(1003, channel="email")])
    with pytest.raises(LedgerError, match="unknown channel `fax`"):
        ledger.record_handovers([handover(1003, channel="fax")])
    with pytest.raises(LedgerError, match="is not a SHA-256"):
        ledger.record_handovers([attrs.evolve(handover(1003), sha256="ABC")])
    assert dump(tmp_path / "ledger.sqlite") == before
    assert ledger.verify() == []


# -- closed months -------------------------------------------------------------------------------------


def figure(contract: str = "C-1", amount: str = "1000.00", obligation: str = "platform") -> ClosedFigure:
    return ClosedFigure(contract=contract, obligation=obligation, account=3020, currency="NOK", amount=Decimal(amount))


def closed(month: str, *figures: ClosedFigure) -> ClosedMonth:
    return ClosedMonth(
        month=date.fromisoformat(month), closed_at=AT, closed_by="Kari Nordmann <kari@example.no>", figures=figures
    )


def test_months_are_closed_once_and_in_order(ledger: Ledger, tmp_path: Path) -> None:
    january = closed("2026-01-01", figure(), figure("C-2", "-12.50"), figure("C-1", "3.10", "minimum"))
    ledger.close_month(january)
    ledger.close_month(closed("2026-03-01"))  # a month without figures closes too; February stays open
    assert ledger.closed_months() == [january, closed("2026-03-01")]
    before = dump(tmp_path / "ledger.sqlite")
    with pytest.raises(LedgerError) as caught:
        ledger.close_month(closed("2026-03-01", figure()))
    assert caught.value.message == "cannot close 2026-03: it is already closed"
    assert "catch-up in the first open month (after 2026-03)" in caught.value.help
    with pytest.raises(LedgerError, match="cannot close 2026-02: it is before the latest closed month, 2026-03"):
        ledger.close_month(closed("2026-02-01", figure()))
    with pytest.raises(LedgerError, match="a month is given as its first day"):
        ledger.close_month(closed("2026-04-02"))
    with pytest.raises(LedgerError, match="two figures for C-1 platform 3020 NOK"):
        ledger.close_month(closed("2026-04-01", figure(), figure(amount="1.00")))
    assert dump(tmp_path / "ledger.sqlite") == before
    ledger.close_month(closed("2026-04-01", figure()))
    assert [m.month.month for m in ledger.closed_months()] == [1, 3, 4]
    assert ledger.verify() == []


def test_figures_cannot_be_added_to_an_earlier_closed_month(ledger: Ledger, tmp_path: Path) -> None:
    ledger.close_month(closed("2026-01-01", figure()))
    ledger.close_month(closed("2026-02-01", figure()))
    db = raw(tmp_path / "ledger.sqlite")
    try:
        with pytest.raises(sqlite3.IntegrityError, match="never added to an earlier closed month"):
            db.execute("INSERT INTO closed_figures VALUES ('2026-01-01', 2, 'C-9', 'platform', 3020, 'NOK', '1.00')")
        with pytest.raises(sqlite3.IntegrityError, match="months are closed in order"):
            db.execute("INSERT INTO closed_months VALUES ('2025-12-01', '2026-01-01T00:00:00Z', 'x')")
    finally:
        db.close()


# -- backfill ------------------------------------------------------------------------------------------


def snapshot(customer: str, lines: int) -> tuple[Parties, tuple[LineDetails, ...]]:
    return attrs.evolve(parties(customer), source="backfill"), (LineDetails(unit_code="C62", vat_reason=None),) * lines


def test_backfill_records_snapshots_for_old_documents_once(v4: Path) -> None:
    with Ledger.open(v4, create=False, read_only=True) as before:
        documents = before.documents()
    wanted = {(d.series, d.number): snapshot(d.customer, len(d.lines)) for d in documents}
    with Ledger.open(v4) as ledger:
        assert ledger.backfill_parties(wanted, recorded_at=AT) == 13
        assert ledger.backfill_parties(wanted, recorded_at=AT) == 0  # idempotent: never overwritten
        after = ledger.documents()
        assert [(d.number, d.hash, d.previous_hash) for d in after] == [
            (d.number, d.hash, d.previous_hash) for d in documents
        ]
        assert all(d.parties == wanted[d.series, d.number][0] for d in after)
        assert all(x.details == LineDetails(unit_code="C62", vat_reason=None) for d in after for x in d.lines)
        assert ledger.backfilled() == {key: AT for key in wanted}
        assert ledger.verify() == []  # a backfill is not covered by the hash, and changes none


def test_backfill_never_overwrites_an_issued_snapshot(ledger: Ledger) -> None:
    [doc] = issue(ledger, [invoice()])
    assert ledger.backfill_parties({("invoice", doc.number): snapshot("nordlys", 1)}, recorded_at=AT) == 0
    assert ledger.document("invoice", doc.number) == doc
    assert ledger.backfilled() == {}


def test_a_backfill_that_cannot_be_recorded_records_nothing(v4: Path) -> None:
    with Ledger.open(v4) as ledger:
        before = dump(v4)
        with pytest.raises(LedgerError, match="cannot backfill invoice 250099: it is not in the ledger"):
            ledger.backfill_parties(
                {("invoice", 250001): snapshot("sogndal_turlag", 26), ("invoice", 250099): snapshot("x", 1)}
            )
        with pytest.raises(LedgerError, match="cannot backfill invoice 250001: 1 line details given for its 26 lines"):
            ledger.backfill_parties({("invoice", 250001): snapshot("sogndal_turlag", 1)})
        assert dump(v4) == before


def test_verify_finds_a_damaged_handover_or_closed_month(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    with Ledger.open(path) as ledger:
        issue(ledger, [invoice()])
        ledger.record_handovers([handover(1001)])
        ledger.close_month(closed("2026-02-01", figure()))
        assert ledger.verify() == []
    db = raw(path)
    for table in ("handovers", "closed_figures"):
        db.execute(f"DROP TRIGGER {table}_no_update")
    db.execute("UPDATE handovers SET handed_over_at = 'yesterday'")
    db.execute("UPDATE closed_figures SET amount = 'lots'")
    db.close()
    with Ledger.open(path, create=False, read_only=True) as ledger:
        problems = [p for p in ledger.verify() if not p.startswith("trigger ")]
        with pytest.raises(LedgerError, match="is damaged"):
            ledger.handovers()
    assert len(problems) == 2, problems
    assert problems[0] == (
        "handover 1 (invoice 1001): a stored value cannot be read (timestamp 'yesterday' is not UTC ISO text)"
    )
    assert problems[1].startswith("closed month 2026-02-01, figure 1: a stored value cannot be read")
