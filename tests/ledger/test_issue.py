"""Issuing a bill run: numbers, KIDs, totals and hashes assigned in one transaction, and read back exactly."""

from __future__ import annotations

import hashlib
import itertools
import sqlite3
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest

from runtime.ledger import InvalidDraft, Ledger, LedgerError, NumberingError, store
from runtime.ledger.chain import GENESIS, canonical
from tests.ledger.factories import AS_OF, credit_note, dump, invoice, issue, line


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    return Ledger.open(tmp_path / "ledger.sqlite")


def test_numbers_are_gapless_per_series_across_runs(ledger: Ledger) -> None:
    first = issue(ledger, [invoice(), invoice()])
    second = issue(ledger, [invoice(), credit_note(1001), invoice(), credit_note(1002)])
    third = issue(ledger, [credit_note(1003)])
    assert [(d.series, d.number, d.issued_at_run) for d in first + second + third] == [
        ("invoice", 1001, 1),
        ("invoice", 1002, 1),
        ("invoice", 1003, 2),
        ("credit_note", 1, 2),
        ("invoice", 1004, 2),
        ("credit_note", 2, 2),
        ("credit_note", 3, 3),
    ]
    assert [(r.id, r.as_of) for r in ledger.bill_runs()] == [(1, AS_OF), (2, AS_OF), (3, AS_OF)]
    assert ledger.next_number("invoice", 1001) == 1005
    assert ledger.next_number("credit_note", 1) == 4
    assert ledger.verify() == []


def test_each_series_chains_its_own_hashes(ledger: Ledger) -> None:
    docs = issue(ledger, [invoice(), invoice()])
    docs += issue(ledger, [credit_note(1001), invoice(), credit_note(1002)])
    invoices = [d for d in docs if d.series == "invoice"]
    notes = [d for d in docs if d.series == "credit_note"]
    for chain in (invoices, notes):
        assert chain[0].previous_hash == GENESIS
        for before, after in itertools.pairwise(chain):
            assert after.previous_hash == before.hash
        for doc in chain:
            assert doc.hash == hashlib.sha256(doc.previous_hash.encode() + canonical(doc)).hexdigest()


def test_kid_totals_and_line_amounts(ledger: Ledger) -> None:
    [doc] = issue(ledger, [invoice(line("1000"), line("99.99", category="medium", rate="15"))], kid_scheme="mod11")
    assert doc.kid == "0000010014"
    assert [str(x.net_amount) for x in doc.lines] == ["1000.00", "99.99"]  # stored at 2 decimals
    assert (doc.totals.net, doc.totals.vat, doc.totals.gross) == (
        Decimal("1099.99"),
        Decimal("265.00"),
        Decimal("1364.99"),
    )
    assert ledger.document("invoice", 1001) == doc
    assert ledger.document("invoice", 1002) is None
    assert ledger.document("credit_note", 1001) is None


def test_credit_notes_have_no_kid_and_read_back_negative(ledger: Ledger) -> None:
    issue(ledger, [invoice(line("500.00", charge="platform"), line("1490.00"))])
    [note] = issue(ledger, [credit_note(1001, net="149.00")])
    assert note.kid == ""
    assert note.corrects == (1001,)
    assert note.totals.gross == Decimal("186.25")  # credits are positive on the document
    lines = ledger.issued_lines()
    assert [(x.series, x.number, x.line, x.charge, x.net_amount) for x in lines] == [
        ("invoice", 1001, 1, "platform", Decimal("500.00")),
        ("invoice", 1001, 2, "seats", Decimal("1490.00")),
        ("credit_note", 1, 1, "seats", Decimal("-149.00")),
    ]
    assert lines[0].period_start == date(2026, 3, 1) and lines[0].period_end == date(2026, 4, 1)
    assert lines[0].provenance == '{"span": "contracts/nordlys.avt:8:5"}'
    assert ledger.issued_lines("OTHER-1") == []
    assert len(ledger.issued_lines("NORD-2026-001")) == 3


def test_issued_lines_are_read_a_range_of_contracts_at_a_time(ledger: Ledger) -> None:
    drafts = [
        invoice(line(contract=cid), contract=cid, buyer_reference=cid) for cid in ("A-1", "A-2", "B-1", "B-10", "C-1")
    ]
    issue(ledger, drafts)
    assert len(ledger.bill_runs()) == 1
    # half-open ranges [low, high), open at either end with None: chunks of a run cover every id
    assert [x.contract for x in ledger.issued_lines_between("A-2", "C-1")] == ["A-2", "B-1", "B-10"]
    assert [x.contract for x in ledger.issued_lines_between("A-1", "A-2")] == ["A-1"]
    assert [x.contract for x in ledger.issued_lines_between(None, "A-2")] == ["A-1"]
    assert [x.contract for x in ledger.issued_lines_between("B-10", None)] == ["B-10", "C-1"]
    assert len(ledger.issued_lines_between(None, None)) == 5
    assert ledger.issued_lines_between("D-1", "E-1") == []
    issue(
        ledger,
        [
            credit_note(
                1001, contract="A-1", buyer_reference="A-1", lines=(line("10.00", contract="A-1", corrects=1001),)
            )
        ],
    )
    assert len(ledger.bill_runs()) == 2
    assert [(x.series, x.net_amount) for x in ledger.issued_lines_between("A-1", "A-2")] == [
        ("invoice", Decimal("1490.00")),
        ("credit_note", Decimal("-10.00")),
    ]


def test_a_snapshot_does_not_see_a_run_committed_during_it(ledger: Ledger, tmp_path: Path) -> None:
    issue(ledger, [invoice()])
    with Ledger.open(tmp_path / "ledger.sqlite") as other, other.snapshot():
        before = other.issued_lines()
        issue(ledger, [invoice()])
        assert other.issued_lines() == before and len(other.bill_runs()) == 1
    assert len(ledger.issued_lines()) == 2 and len(ledger.bill_runs()) == 2


def test_documents_read_back_equal_and_in_order(ledger: Ledger) -> None:
    issued = issue(ledger, [invoice(purchase_order="PO-7", buyer_reference=None), invoice()])
    issued += issue(
        ledger, [credit_note(1002), invoice(line("12.50", quantity=Decimal("0.5"), unit_price=Decimal("25")))]
    )
    by_order = sorted(issued, key=lambda d: (d.series != "invoice", d.number))
    assert ledger.documents() == by_order
    assert ledger.documents("credit_note") == [d for d in by_order if d.series == "credit_note"]
    assert ledger.documents("invoice")[0].purchase_order == "PO-7"
    assert str(ledger.documents("invoice")[2].lines[0].quantity) == "0.5"


def test_same_drafts_give_identical_documents_and_files(tmp_path: Path) -> None:
    runs = [[invoice(), invoice(line("10.01"))], [credit_note(1001), invoice()]]
    dumps, results = [], []
    for name in ("a.sqlite", "b.sqlite"):
        with Ledger.open(tmp_path / name) as ledger:
            results.append([doc for drafts in runs for doc in issue(ledger, drafts)])
        dumps.append(dump(tmp_path / name))
    assert results[0] == results[1]
    assert dumps[0] == dumps[1]


def test_the_canonical_form_is_pinned(ledger: Ledger) -> None:
    # Changing the canonical form would make every existing ledger fail verification. A document issued
    # before schema version 5 carries no snapshot: its form is this one, to the byte.
    [issued] = issue(ledger, [invoice()])
    doc = attrs.evolve(issued, parties=None, lines=tuple(attrs.evolve(x, details=None) for x in issued.lines))
    assert canonical(doc) == (
        b'{"buyer_reference":"NORD-2026-001","contract":"NORD-2026-001","corrects":[],"currency":"NOK",'
        b'"customer":"nordlys","due_date":"2026-03-15","gross":"1862.50","issue_date":"2026-03-01",'
        b'"kid":"0000010017","kind":"invoice","lines":[{"billing_end":"2026-04-01","billing_start":"2026-03-01",'
        b'"charge":"seats","contract":"NORD-2026-001","corrects":null,"description":"Brukerlisenser",'
        b'"discount":"","line_kind":"recurring","net_amount":"1490.00","period_end":"2026-04-01",'
        b'"period_start":"2026-03-01","provenance":"{\\"span\\": \\"contracts/nordlys.avt:8:5\\"}",'
        b'"quantity":"10","unit_price":"149.00","vat_category":"standard","vat_rate":"25"}],"net":"1490.00",'
        b'"number":1001,"purchase_order":null,"run":1,"series":"invoice","vat":"372.50",'
        b'"vat_groups":[{"category":"standard","rate":"25","taxable":"1490.00","vat":"372.50"}]}'
    )
    assert hashlib.sha256(GENESIS.encode() + canonical(doc)).hexdigest() != issued.hash  # the snapshot counts


def test_the_canonical_form_with_snapshots_is_pinned(ledger: Ledger) -> None:
    # Schema version 5: the old form plus "format":2, each line's details and both parties, keys sorted.
    [doc] = issue(ledger, [invoice()])
    assert canonical(doc) == (
        b'{"buyer_reference":"NORD-2026-001","contract":"NORD-2026-001","corrects":[],"currency":"NOK",'
        b'"customer":"nordlys","due_date":"2026-03-15","format":2,"gross":"1862.50","issue_date":"2026-03-01",'
        b'"kid":"0000010017","kind":"invoice","lines":[{"billing_end":"2026-04-01","billing_start":"2026-03-01",'
        b'"charge":"seats","contract":"NORD-2026-001","corrects":null,"description":"Brukerlisenser",'
        b'"details":{"unit_code":"C62","vat_reason":null},'
        b'"discount":"","line_kind":"recurring","net_amount":"1490.00","period_end":"2026-04-01",'
        b'"period_start":"2026-03-01","provenance":"{\\"span\\": \\"contracts/nordlys.avt:8:5\\"}",'
        b'"quantity":"10","unit_price":"149.00","vat_category":"standard","vat_rate":"25"}],"net":"1490.00",'
        b'"number":1001,"parties":{"buyer":{"address":{"city":"Bergen","country":"NO","postcode":"5068",'
        b'"street":"Kanalveien 54"},"bank_account":null,"consumer":false,"email":null,"foretaksregisteret":false,'
        b'"id":"nordlys","language":"nn","name":"Nordlys Klatreklubb","orgnr":"976240391",'
        b'"peppol":"0192:976240391","vat_number":null},"seller":{"address":{"city":"Troms\xc3\xb8","country":"NO",'
        b'"postcode":"9008","street":"Storgata 1"},"bank_account":"1503.12.34568","consumer":false,'
        b'"email":"faktura@nordlys.example","foretaksregisteret":true,"id":"nordlys_software","language":"nb",'
        b'"name":"Nordlys Software AS","orgnr":"914778271","peppol":"0192:914778271",'
        b'"vat_number":"NO914778271MVA"}},"purchase_order":null,"run":1,"series":"invoice","vat":"372.50",'
        b'"vat_groups":[{"category":"standard","rate":"25","taxable":"1490.00","vat":"372.50"}]}'
    )
    assert doc.hash == hashlib.sha256(GENESIS.encode() + canonical(doc)).hexdigest()


def test_nothing_to_issue_records_nothing(ledger: Ledger, tmp_path: Path) -> None:
    before = dump(tmp_path / "ledger.sqlite")
    assert issue(ledger, []) == []
    assert ledger.bill_runs() == []
    assert dump(tmp_path / "ledger.sqlite") == before


def test_the_first_numbers_are_fixed_once_a_series_has_begun(ledger: Ledger) -> None:
    issue(ledger, [invoice()])
    with pytest.raises(NumberingError) as caught:
        issue(ledger, [invoice()], invoice_start=5001)
    assert "started at 1001 and its next number is 1002" in str(caught.value)
    assert "`invoice_numbers from 1001`" in caught.value.help
    # the credit-note series has not begun, so its first number may still change
    [note] = issue(ledger, [credit_note(1001)], credit_note_start=9001)
    assert note.number == 9001


@pytest.mark.parametrize("start", [0, -5])
def test_a_first_number_below_one_is_refused(ledger: Ledger, start: int) -> None:
    with pytest.raises(NumberingError, match="cannot start from"):
        issue(ledger, [invoice()], credit_note_start=start)


BAD_DRAFTS: list[tuple[str, Any, str]] = [
    ("float money", invoice(line(net_amount=1490.0)), "net_amount 1490.0 is not a finite Decimal"),
    ("unrounded line", invoice(line("10.005")), "net amount 10.005 is not rounded to 2 decimals"),
    ("NaN", invoice(line(quantity=Decimal("NaN"))), "quantity Decimal('NaN') is not a finite Decimal"),
    ("empty period", invoice(line(period_end=date(2026, 3, 1))), "is empty (the end is exclusive)"),
    ("unknown category", invoice(line(category="high")), "unknown VAT category `high`"),
    ("standard at zero", invoice(line(rate="0")), "VAT category standard needs a rate above zero"),
    ("zero with a rate", invoice(line(category="zero", rate="25")), "VAT category zero has rate 0, not 25"),
    ("no provenance", invoice(line(provenance=" ")), "the line has no provenance"),
    ("provenance not JSON", invoice(line(provenance="span 8:5")), "the provenance is not JSON text"),
    ("no charge", invoice(line(charge="")), "the line has no charge"),
    ("invoice line corrects", invoice(line(corrects=1001)), "an invoice line cannot correct another invoice"),
    ("invoice references", invoice(corrects=(1001,)), "an invoice cannot reference invoices"),
    ("credit note without references", invoice(kind="credit_note"), "must reference the invoices it corrects"),
    ("line corrects unreferenced", credit_note(1001, lines=(line(corrects=7),)), "which its credit note does not"),
    ("duplicate references", credit_note(1001, 1001), "references the same invoice twice"),
    ("wrong issue date", invoice(issue_date=date(2026, 3, 2)), "is not the bill run's as-of date 2026-03-01"),
    ("due before issue", invoice(due_date=date(2026, 2, 28)), "is before the issue date"),
    ("no references", invoice(buyer_reference=None, purchase_order=" "), "neither buyer reference nor purchase"),
    ("no lines", invoice(lines=()), "the document has no lines"),
    ("currency", invoice(currency="kr"), "currency `kr` is not an ISO 4217 code"),
    ("kind", invoice(kind="receipt"), "unknown document kind `receipt`"),
    ("no customer", invoice(customer=""), "the document has no customer"),
]


@pytest.mark.parametrize(("draft", "message"), [b[1:] for b in BAD_DRAFTS], ids=[b[0] for b in BAD_DRAFTS])
def test_bad_drafts_are_clear_errors_and_issue_nothing(
    ledger: Ledger, tmp_path: Path, draft: Any, message: str
) -> None:
    issue(ledger, [invoice()])
    before = dump(tmp_path / "ledger.sqlite")
    with pytest.raises(InvalidDraft) as caught:
        issue(ledger, [invoice(), draft, invoice()])
    assert str(caught.value).startswith("draft 2 (")
    assert message in str(caught.value)
    assert caught.value.help
    assert dump(tmp_path / "ledger.sqlite") == before


@pytest.mark.parametrize(
    ("note", "message"),
    [
        (credit_note(1002), "it references invoice 1002, which has not been issued"),
        (credit_note(1001, customer="fjord"), "it references invoice 1001, which was issued to customer nordlys"),
        (credit_note(1001, currency="EUR"), "it is in EUR, but invoice 1001 is in NOK"),
    ],
)
def test_credit_notes_reference_issued_invoices_of_their_customer(
    ledger: Ledger, tmp_path: Path, note: Any, message: str
) -> None:
    issue(ledger, [invoice()])
    before = dump(tmp_path / "ledger.sqlite")
    with pytest.raises(InvalidDraft, match=message):
        issue(ledger, [invoice(), note])
    assert dump(tmp_path / "ledger.sqlite") == before


def test_issued_documents_are_values(ledger: Ledger) -> None:
    [doc] = issue(ledger, [invoice()])
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        doc.number = 5  # type: ignore[misc]


@pytest.mark.parametrize("size", range(1, 8))
def test_runs_across_insert_batches_are_stored_whole_and_in_order(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    """Rows go in a batch of documents at a time (store.INSERT_BATCH, here 3): runs of 1 to 7 documents, exact
    multiples of the batch included, with a credit note of an earlier run's invoice in the longer ones, are
    inserted in batches of 3 and read back as issued, gapless and chained."""
    earlier = issue(ledger, [invoice(), invoice()])
    monkeypatch.setattr(store, "INSERT_BATCH", 3)
    batches: list[int] = []
    real = Ledger._insert

    def counted(self: Ledger, docs: Any) -> None:
        batches.append(len(docs))
        real(self, docs)

    monkeypatch.setattr(Ledger, "_insert", counted)
    drafts = [invoice(line(f"{n}.00"), line("1.50", category="medium", rate="15")) for n in range(1, size + 1)]
    if size > 3:
        drafts[size // 2] = credit_note(earlier[0].number)
    issued = issue(ledger, drafts)
    assert batches == [3] * (size // 3) + ([size % 3] if size % 3 else [])
    invoices = size - (1 if size > 3 else 0)
    assert [d.number for d in issued if d.series == "invoice"] == list(range(1003, 1003 + invoices))
    assert [d.number for d in issued if d.series == "credit_note"] == ([1] if size > 3 else [])
    assert ledger.documents() == sorted(earlier + issued, key=lambda d: (d.series != "invoice", d.number))
    assert ledger.verify() == []


class FullOnThird:
    """The ledger's connection, whose third batch insert into `table` fails as on a full disk."""

    def __init__(self, db: sqlite3.Connection, table: str) -> None:
        self._db = db
        self._table = table
        self.seen = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._db, name)

    def executemany(self, sql: str, rows: Any) -> sqlite3.Cursor:
        if sql.startswith(f"INSERT INTO {self._table} "):
            self.seen += 1
            if self.seen == 3:
                error = sqlite3.OperationalError("database or disk is full")
                error.sqlite_errorcode = sqlite3.SQLITE_FULL
                raise error
        return self._db.executemany(sql, rows)


@pytest.mark.parametrize("table", ["documents", "document_lines", "document_line_details"])
def test_a_full_disk_in_a_later_batch_issues_nothing(
    ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, table: str
) -> None:
    """The disk fills at the third batch's insert into `table`, two batches (4 documents) being in: the run is
    all or nothing, the ledger is as it was, and the error says the disk is full."""
    issue(ledger, [invoice()])
    before = dump(tmp_path / "ledger.sqlite")
    monkeypatch.setattr(store, "INSERT_BATCH", 2)
    proxy = FullOnThird(ledger._db, table)
    monkeypatch.setattr(ledger, "_db", proxy)
    with pytest.raises(LedgerError, match="is full"):
        issue(ledger, [invoice() for _ in range(6)])
    assert proxy.seen == 3
    monkeypatch.setattr(ledger, "_db", proxy._db)
    assert dump(tmp_path / "ledger.sqlite") == before
    assert ledger.next_number("invoice", 1001) == 1002
    assert ledger.verify() == []
