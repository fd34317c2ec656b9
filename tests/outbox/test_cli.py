"""`avtale send` over the CLI on a copy of the example workspace: bill, send, send again."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from lxml import etree

from runtime.einvoice.validation import Validator
from runtime.ledger.identity import timestamp
from runtime.ledger.store import Ledger
from tests.factories.cli import bill, copy_examples, run

FIXTURE_V4 = Path(__file__).resolve().parents[1] / "ledger" / "fixtures" / "ledger-v4.sqlite"
SBDH = {"s": "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"}
# Invoices 250001-250009 of the example workspace as of 2026-03-01, by the customers' declarations:
# the four businesses with a PEPPOL id get EHF, the others (two with e-mail, one consumer) PDF by e-mail.
PEPPOL = ["250001", "250002", "250005", "250006", "250008", "250009"]
EMAIL = ["250003", "250004", "250007"]


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return copy_examples(tmp_path / "ws")


@pytest.fixture
def billed(ws: Path) -> Path:
    return bill(ws, "2026-03-01")


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def manifest(outbox: Path, channel: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in (outbox / channel / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]


def test_dry_run_lists_and_writes_nothing(billed: Path) -> None:
    code, out, err = run(billed, "send", "--dry-run")
    assert code == 0, err
    assert "Dry run: nothing is written" in out
    assert [line.split()[2] for line in out.splitlines() if line.startswith("  ")] == sorted(PEPPOL + EMAIL)
    assert "peppol  would hand over 6" in out and "email   would hand over 3" in out
    assert not (billed / "out").exists()
    with Ledger.open(billed / "ledger.sqlite", create=False, read_only=True) as ledger:
        assert ledger.handovers() == []


def test_send_then_send_again(billed: Path, ehf_validator: Validator) -> None:
    code, out, err = run(billed, "send")
    assert code == 0, err
    assert out.splitlines()[0] == f"Handed over 9 document(s) to {billed / 'out' / 'outbox'}:"
    outbox = billed / "out" / "outbox"
    files = tree(outbox)
    assert sorted(files) == sorted(
        [".lock", "email/manifest.jsonl", "peppol/manifest.jsonl"]
        + [f"peppol/{n}.sbd.xml" for n in PEPPOL]
        + [f"email/{n}.pdf" for n in EMAIL]
    )
    for number in EMAIL:
        assert files[f"email/{number}.pdf"].startswith(b"%PDF-")
    for number in PEPPOL:
        envelope = etree.fromstring(files[f"peppol/{number}.sbd.xml"])
        assert envelope.xpath("string(//s:Sender/s:Identifier)", namespaces=SBDH) == "0192:925792403"
        payload = etree.tostring(envelope[-1])
        assert [f for f in ehf_validator.validate(payload) if f.flag == "fatal"] == []
        assert envelope[-1].findtext("{*}ID") == number

    rows = manifest(outbox, "peppol") + manifest(outbox, "email")
    assert [str(row["number"]) for row in rows] == PEPPOL + EMAIL
    for row in rows:
        assert list(row) == ["series", "number", "file", "sha256", "recipient", "handed_over_at"]
        assert row["sha256"] == hashlib.sha256(files[str(row["file"])]).hexdigest()
    peppol_rows = manifest(outbox, "peppol")
    for row in peppol_rows:
        envelope = etree.fromstring(files[str(row["file"])])
        assert envelope.xpath("string(//s:Receiver/s:Identifier)", namespaces=SBDH) == row["recipient"]
    assert {row["recipient"] for row in manifest(outbox, "email")} == {
        "post@lofotenrorbu.example",
        "ingrid.haugen@example.no",
        "ekonomi@fjallstugan.example",
    }
    with Ledger.open(billed / "ledger.sqlite", create=False, read_only=True) as ledger:
        recorded = [
            {
                "series": h.series,
                "number": h.number,
                "file": h.file,
                "sha256": h.sha256,
                "handed_over_at": timestamp(h.handed_over_at),
                "channel": h.channel,
            }
            for h in ledger.handovers()
        ]
    listed = [
        {**{k: v for k, v in row.items() if k != "recipient"}, "channel": str(row["file"]).split("/")[0]}
        for row in rows
    ]
    assert recorded == sorted(listed, key=lambda row: int(str(row["number"])))  # the ledger in plan order

    code, out, err = run(billed, "send")
    assert code == 0, err
    assert out.splitlines()[0] == "Nothing to hand over: 9 document(s) were handed over before."
    assert tree(outbox) == files


def test_credit_notes_go_by_their_buyers_channel(billed: Path, ehf_validator: Validator) -> None:
    assert run(billed, "send")[0] == 0
    plan = billed / "plans" / "start.avt"
    plan.write_text(plan.read_text(encoding="utf-8").replace("flat 349.00 per month", "flat 299.00 per month"))
    code, out, err = run(billed, "bill", "--as-of", "2026-03-01", "--apply", "--yes")
    assert code == 0, out + err
    code, out, err = run(billed, "send")
    assert code == 0, err
    outbox = billed / "out" / "outbox"
    assert [row["file"] for row in manifest(outbox, "peppol")][-1] == "peppol/credit-note-950001.sbd.xml"
    assert [row["file"] for row in manifest(outbox, "email")][-3:] == [
        "email/250010.pdf",
        "email/credit-note-950002.pdf",
        "email/credit-note-950003.pdf",
    ]
    envelope = etree.parse(outbox / "peppol" / "credit-note-950001.sbd.xml").getroot()
    assert envelope.xpath("string(//s:DocumentIdentification/s:Type)", namespaces=SBDH) == "CreditNote"
    payload = etree.tostring(envelope[-1])
    assert [f for f in ehf_validator.validate(payload) if f.flag == "fatal"] == []


def test_one_channel_at_a_time(billed: Path) -> None:
    code, out, err = run(billed, "send", "--channel", "email", "--out", str(billed / "box"))
    assert code == 0, err
    assert "6 document(s) wait for another channel" in out
    assert sorted(tree(billed / "box")) == [".lock", *[f"email/{n}.pdf" for n in EMAIL], "email/manifest.jsonl"]
    code, out, err = run(billed, "send", "--out", str(billed / "box"))
    assert code == 0, err
    assert "peppol  handed over 6" in out and "email   handed over 0" in out and "3 handed over before" in out


def test_without_a_ledger(ws: Path) -> None:
    code, _, err = run(ws, "send")
    assert code == 1
    assert "error: no ledger at" in err and "help: `avtale ledger init`" in err


def test_documents_issued_before_snapshots_are_refused_with_the_backfill_hint(ws: Path) -> None:
    shutil.copyfile(FIXTURE_V4, ws / "ledger.sqlite")
    for args in (("send", "--dry-run"), ("send",)):
        code, _, err = run(ws, *args)
        assert code == 1
        assert "13 documents were issued before the ledger kept the parties" in err
        assert "help: run `avtale ledger backfill`" in err
    assert not (ws / "out").exists()


def test_a_document_changed_after_issue_is_not_sent(billed: Path) -> None:
    raw = sqlite3.connect(billed / "ledger.sqlite", isolation_level=None)
    raw.execute("DROP TRIGGER document_lines_no_update")
    raw.execute("UPDATE document_lines SET net_amount = '1.00' WHERE series = 'invoice' AND number = 250003")
    raw.close()
    code, _, err = run(billed, "send")
    assert code == 1
    assert "invoice 250003 does not match its hash" in err
    assert "help: run `avtale ledger verify`" in err
    assert not (billed / "out" / "outbox" / "email").exists()
