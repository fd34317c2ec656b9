"""`avtale export ehf`: which documents it writes, where, and how it refuses (exit 1, a help line, no traceback)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import attrs
import pytest
from click.testing import CliRunner
from lxml import etree

from runtime.cli.main import cli
from runtime.einvoice.validation import Validator
from runtime.ledger import DraftDocument, IssuedDocument, Ledger
from tests.einvoice import documents as fixtures
from tests.factories.documents import draft

NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
LEDGER_V4 = Path(__file__).resolve().parents[1] / "ledger" / "fixtures" / "ledger-v4.sqlite"


def issue(root: Path, drafts: list[DraftDocument], as_of: date) -> list[IssuedDocument]:
    with Ledger.open(root / "ledger.sqlite") as ledger:
        return ledger.issue(
            drafts, as_of=as_of, invoice_start=10001, credit_note_start=5001, kid_scheme="mod10", kid_length=10
        )


def run(root: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--workspace", str(root), "export", "ehf", *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # a traceback is a failure of its own
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    """A workspace whose ledger holds invoices 10001-10004 (10003 to a consumer) and credit note 5001."""
    root = tmp_path / "ws"
    root.mkdir()
    (root / "avtale.toml").write_text("")
    march = date(2026, 3, 1)
    issue(
        root,
        [
            draft(fixtures.mixed_invoice()),
            draft(fixtures.reverse_charge_invoice()),
            draft(fixtures.consumer_invoice()),
            draft(fixtures.export_invoice()),
        ],
        march,
    )
    issue(root, [draft(fixtures.credit_note())], date(2026, 3, 20))
    return root


def test_all_documents_for_peppol_buyers(ws: Path, validator: Validator) -> None:
    code, out, err = run(ws)
    assert (code, err) == (0, "")
    folder = ws / "out" / "ehf"
    assert sorted(p.name for p in folder.iterdir()) == ["10001.xml", "10002.xml", "10004.xml", "credit-note-5001.xml"]
    assert out == f"wrote 4 EHF document(s) to {folder} (3 invoice(s), 1 credit note(s); 0 already there, unchanged)\n"
    for path in folder.iterdir():
        assert [f.rule for f in validator.validate(path.read_bytes()) if f.flag == "fatal"] == [], path.name
    credit = etree.parse(str(folder / "credit-note-5001.xml")).getroot()
    reference = credit.xpath("cac:BillingReference/cac:InvoiceDocumentReference", namespaces=NS)[0]
    assert [node.text for node in reference] == ["10001", "2026-03-01"]  # the corrected invoice's date, from the ledger


def test_numbers_and_out_folder(ws: Path, tmp_path: Path) -> None:
    code, out, _ = run(ws, "--out", str(tmp_path / "ehf"), "10002", "5001")
    assert code == 0
    assert sorted(p.name for p in (tmp_path / "ehf").iterdir()) == ["10002.xml", "credit-note-5001.xml"]
    assert "(1 invoice(s), 1 credit note(s)" in out
    assert b"<CreditNote " in (tmp_path / "ehf" / "credit-note-5001.xml").read_bytes()


def test_running_twice_writes_the_same_bytes_and_leaves_them(ws: Path) -> None:
    assert run(ws, "10001")[0] == 0
    first = (ws / "out" / "ehf" / "10001.xml").read_bytes()
    code, out, _ = run(ws, "10001")
    assert code == 0 and "wrote 0 EHF document(s)" in out and "1 already there, unchanged" in out
    assert (ws / "out" / "ehf" / "10001.xml").read_bytes() == first


def test_a_different_file_is_never_overwritten(ws: Path) -> None:
    target = ws / "out" / "ehf" / "10001.xml"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"<old/>")
    code, out, err = run(ws)
    assert code == 1 and out == ""
    assert "exists with other content" in err and "= help:" in err
    assert target.read_bytes() == b"<old/>"
    assert sorted(p.name for p in target.parent.iterdir()) == ["10001.xml"]  # nothing else written either


def test_a_consumer_document_goes_as_pdf(ws: Path) -> None:
    code, out, err = run(ws, "10003")
    assert code == 1 and out == ""
    assert "invoice 10003 is not sent as EHF: its buyer `ola` is a consumer" in err
    assert "= help: it goes to the customer as PDF" in err
    assert not (ws / "out").exists()


def test_a_buyer_without_peppol_id_goes_as_pdf(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    (root / "avtale.toml").write_text("")
    buyer = attrs.evolve(fixtures.BUYER, peppol=None)
    doc = fixtures.document(fixtures.line("Medlemskap", "500.00"), buyer=buyer)
    issue(root, [draft(doc)], date(2026, 3, 1))
    code, _, err = run(root, "10001")
    assert code == 1 and "has no PEPPOL id" in err and "PDF" in err
    code, out, _ = run(root)  # without NUMBERs it is simply not among the EHF documents
    assert code == 0 and out.startswith("wrote 0 EHF document(s)")


def test_unknown_number(ws: Path) -> None:
    code, _, err = run(ws, "777")
    assert code == 1
    assert (
        err
        == "error: no invoice or credit note number 777\n  = help: `avtale invoice list` shows the issued documents\n"
    )


def test_missing_ledger(tmp_path: Path) -> None:
    (tmp_path / "avtale.toml").write_text("")
    code, _, err = run(tmp_path)
    assert code == 1 and "no ledger at" in err and "`avtale ledger init`" in err


def test_a_document_without_party_snapshots(tmp_path: Path) -> None:
    """A ledger of schema version 4 (tests/ledger/fixtures): its documents were issued without snapshots."""
    root = tmp_path / "ws"
    root.mkdir()
    (root / "avtale.toml").write_text("")
    shutil.copyfile(LEDGER_V4, root / "ledger.sqlite")
    Ledger.open(root / "ledger.sqlite").close()  # migrated, as any command that writes would
    for args in ((), ("250001",)):
        code, out, err = run(root, *args)
        assert code == 1 and out == ""
        assert "before the ledger kept party snapshots" in err
        assert "= help: run `avtale ledger backfill`" in err
    assert not (root / "out").exists()


def test_a_document_missing_a_bokforing_requirement_is_refused(tmp_path: Path) -> None:
    """25% VAT on an invoice in EUR: § 5-1-1 wants the VAT in NOK, which Avtale cannot state."""
    root = tmp_path / "ws"
    root.mkdir()
    (root / "avtale.toml").write_text("")
    doc = fixtures.document(fixtures.line("Support", "100.00"), currency="EUR")
    issue(root, [draft(doc)], date(2026, 3, 1))
    code, out, err = run(root)
    assert code == 1 and out == ""
    assert "invoice 10001 lacks what a sales document must show (bokføringsforskriften § 5-1-1)" in err
    assert "no. 6 (VAT in NOK)" in err and "= help:" in err
    assert not (root / "out").exists()
