"""Planning, writing and recording a send, with a fake ledger and fake renderers."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import attrs
import pytest
from lxml import etree

from runtime.ledger.errors import LedgerError
from runtime.ledger.handovers import Handover
from runtime.outbox.errors import OutboxError
from runtime.outbox.files import locked
from runtime.outbox.send import plan_sends, read_pending, send
from tests.outbox.documents import CONSUMER, PAPER, document, without_parties
from tests.outbox.fakes import Clock, FakeLedger, FakeRenderers

PEPPOL, EMAIL, PRINT = document(250001), document(250002, CONSUMER), document(250003, PAPER)
CREDIT = document(950001, kind="credit_note", corrects=(250001,))
DOCUMENTS = [CREDIT, PRINT, EMAIL, PEPPOL]  # out of order on purpose: a run goes by series, then number


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _row(outbox: Path, series: str, number: int, file: str, recipient: str, at: str) -> str:
    return (
        f'{{"series": "{series}", "number": {number}, "file": "{file}", "sha256": "{_sha(outbox / file)}", '
        f'"recipient": "{recipient}", "handed_over_at": "{at}"}}\n'
    )


def _tree(outbox: Path) -> dict[str, bytes]:
    return {str(p.relative_to(outbox)): p.read_bytes() for p in sorted(outbox.rglob("*")) if p.is_file()}


def test_the_plan_puts_each_document_on_its_channel_and_skips_what_was_handed_over() -> None:
    before = Handover(
        series="invoice",
        number=250000,
        channel="email",
        file="email/250000.pdf",
        sha256="0" * 64,
        handed_over_at=datetime(2026, 2, 1, tzinfo=UTC),
    )
    plan = plan_sends([*DOCUMENTS, document(250000, CONSUMER)], [before])
    assert [(d.document.number, d.channel, d.file, d.recipient) for d in plan.deliveries] == [
        (250001, "peppol", "peppol/250001.sbd.xml", "0192:976240391"),
        (250002, "email", "email/250002.pdf", "ingrid.haugen@example.no"),
        (250003, "print", "print/250003.pdf", "Hytteutleie Fjell AS, Sjøgata 1, 8006 Bodø, NO"),
        (950001, "peppol", "peppol/credit-note-950001.sbd.xml", "0192:976240391"),
    ]
    assert plan.before == {"peppol": 0, "email": 1, "print": 0}
    assert plan.elsewhere == 0


def test_a_send_writes_files_and_manifests_then_records_once(tmp_path: Path) -> None:
    ledger, fakes = FakeLedger(), FakeRenderers()
    result = send(DOCUMENTS, ledger, tmp_path, fakes.renderers(), Clock())

    assert sorted(_tree(tmp_path)) == [
        ".lock",
        "email/250002.pdf",
        "email/manifest.jsonl",
        "peppol/250001.sbd.xml",
        "peppol/credit-note-950001.sbd.xml",
        "peppol/manifest.jsonl",
        "print/250003.pdf",
        "print/manifest.jsonl",
    ]
    assert (tmp_path / "email/250002.pdf").read_bytes() == b"%PDF-1.7 fake invoice 250002\n"
    envelope = etree.parse(tmp_path / "peppol/250001.sbd.xml").getroot()
    assert etree.QName(envelope).localname == "StandardBusinessDocument"
    assert envelope[-1].findtext("{*}ID") == "250001"
    assert (tmp_path / "peppol/manifest.jsonl").read_text(encoding="utf-8") == _row(
        tmp_path, "invoice", 250001, "peppol/250001.sbd.xml", "0192:976240391", "2026-03-02T08:00:00Z"
    ) + _row(
        tmp_path,
        "credit_note",
        950001,
        "peppol/credit-note-950001.sbd.xml",
        "0192:976240391",
        "2026-03-02T08:03:00Z",
    )
    assert (tmp_path / "email/manifest.jsonl").read_text(encoding="utf-8") == _row(
        tmp_path, "invoice", 250002, "email/250002.pdf", "ingrid.haugen@example.no", "2026-03-02T08:01:00Z"
    )
    assert (tmp_path / "print/manifest.jsonl").read_text(encoding="utf-8") == _row(
        tmp_path,
        "invoice",
        250003,
        "print/250003.pdf",
        "Hytteutleie Fjell AS, Sjøgata 1, 8006 Bodø, NO",
        "2026-03-02T08:02:00Z",
    )
    assert ledger.calls == 1
    assert ledger.recorded == list(result.handovers)
    assert [(h.series, h.number, h.channel, h.file, h.handed_over_at.minute) for h in ledger.recorded] == [
        ("invoice", 250001, "peppol", "peppol/250001.sbd.xml", 0),
        ("invoice", 250002, "email", "email/250002.pdf", 1),
        ("invoice", 250003, "print", "print/250003.pdf", 2),
        ("credit_note", 950001, "peppol", "peppol/credit-note-950001.sbd.xml", 3),
    ]
    assert all(h.sha256 == _sha(tmp_path / h.file) for h in ledger.recorded)
    assert all(h.handed_over_at.microsecond == 0 and h.handed_over_at.tzinfo == UTC for h in ledger.recorded)
    assert [number for _, number in fakes.rendered] == [250001, 250002, 250003, 950001]
    assert fakes.corrected[-1][250001] == PEPPOL  # the credit note's renderer sees the invoice it corrects


def test_a_second_run_hands_nothing_over(tmp_path: Path) -> None:
    ledger = FakeLedger()
    send(DOCUMENTS, ledger, tmp_path, FakeRenderers().renderers(), Clock())
    written = _tree(tmp_path)
    again = FakeRenderers()
    result = send(DOCUMENTS, ledger, tmp_path, again.renderers(), Clock())
    assert result.handovers == ()
    assert result.plan.before == {"peppol": 2, "email": 1, "print": 1}
    assert again.rendered == []
    assert ledger.calls == 1  # nothing to record, so not even an empty call
    assert _tree(tmp_path) == written


def test_only_the_channel_asked_for_and_the_rest_later(tmp_path: Path) -> None:
    ledger = FakeLedger()
    first = send(DOCUMENTS, ledger, tmp_path, FakeRenderers().renderers(), Clock(), channels=("email",))
    assert [h.number for h in first.handovers] == [250002]
    assert first.plan.elsewhere == 3
    assert not (tmp_path / "peppol").exists() and not (tmp_path / "print").exists()
    rest = send(DOCUMENTS, ledger, tmp_path, FakeRenderers().renderers(), Clock())
    assert [h.number for h in rest.handovers] == [250001, 250003, 950001]
    assert rest.plan.before == {"peppol": 0, "email": 1, "print": 0}
    assert (tmp_path / "email/manifest.jsonl").read_text(encoding="utf-8").count("\n") == 1


def test_planning_writes_nothing(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    plan = plan_sends(DOCUMENTS, [], ("peppol", "email", "print"), read_pending(outbox))
    assert len(plan.deliveries) == 4
    assert not outbox.exists()


def test_a_crash_after_listing_and_before_recording_is_recorded_next_time_and_not_sent_twice(tmp_path: Path) -> None:
    with pytest.raises(KeyboardInterrupt):
        send(DOCUMENTS, FakeLedger(crash=True), tmp_path, FakeRenderers().renderers(), Clock())
    left = _tree(tmp_path)
    assert "peppol/manifest.jsonl" in left  # handed over to the adapter, but not recorded

    ledger, again = FakeLedger(), FakeRenderers()
    result = send(DOCUMENTS, ledger, tmp_path, again.renderers(), Clock())
    assert len(again.rendered) == 4  # rendered only to prove each listed row is this document's ...
    assert _tree(tmp_path) == left  # ... nothing written or listed again
    assert [(h.number, h.handed_over_at.minute) for h in ledger.recorded] == [
        (250001, 0),
        (250002, 1),
        (250003, 2),
        (950001, 3),
    ]  # as the first run listed them
    assert list(result.handovers) == ledger.recorded


def test_an_adapter_may_have_taken_a_listed_file_away_before_the_recording(tmp_path: Path) -> None:
    with pytest.raises(KeyboardInterrupt):
        send(DOCUMENTS, FakeLedger(crash=True), tmp_path, FakeRenderers().renderers(), Clock())
    (tmp_path / "email/sent").mkdir()
    (tmp_path / "email/250002.pdf").rename(tmp_path / "email/sent/250002.pdf")
    ledger = FakeLedger()
    send(DOCUMENTS, ledger, tmp_path, FakeRenderers().renderers(), Clock())
    assert [h.number for h in ledger.recorded] == [250001, 250002, 250003, 950001]
    assert not (tmp_path / "email/250002.pdf").exists()


def test_a_crash_while_writing_files_leaves_nothing_listed_and_the_next_run_writes_the_same_bytes(
    tmp_path: Path,
) -> None:
    ledger = FakeLedger()
    with pytest.raises(KeyboardInterrupt):
        send(DOCUMENTS, ledger, tmp_path, FakeRenderers(fail_at=2).renderers(), Clock())
    assert sorted(_tree(tmp_path)) == [".lock", "email/250002.pdf", "peppol/250001.sbd.xml"]
    first = _tree(tmp_path)
    assert ledger.recorded == []

    send(DOCUMENTS, ledger, tmp_path, FakeRenderers().renderers(), Clock())
    after = _tree(tmp_path)
    assert after["email/250002.pdf"] == first["email/250002.pdf"]
    assert after["peppol/250001.sbd.xml"] == first["peppol/250001.sbd.xml"]
    assert [h.number for h in ledger.recorded] == [250001, 250002, 250003, 950001]
    rows = [json.loads(line) for line in after["peppol/manifest.jsonl"].decode().splitlines()]
    assert [row["number"] for row in rows] == [250001, 950001]


def test_a_listed_file_changed_since_is_refused(tmp_path: Path) -> None:
    with pytest.raises(KeyboardInterrupt):
        send(DOCUMENTS, FakeLedger(crash=True), tmp_path, FakeRenderers().renderers(), Clock())
    (tmp_path / "print/250003.pdf").write_bytes(b"edited")
    ledger = FakeLedger()
    with pytest.raises(OutboxError, match="changed after it was listed"):
        send(DOCUMENTS, ledger, tmp_path, FakeRenderers().renderers(), Clock())
    assert ledger.recorded == []


def test_a_document_without_parties_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    ledger = FakeLedger()
    with pytest.raises(OutboxError) as refused:
        send([PEPPOL, without_parties(EMAIL)], ledger, tmp_path, FakeRenderers().renderers(), Clock())
    assert "avtale ledger backfill" in refused.value.help
    assert sorted(_tree(tmp_path)) == [".lock"]


def test_a_document_without_parties_handed_over_before_is_no_obstacle(tmp_path: Path) -> None:
    ledger = FakeLedger()
    send([EMAIL], ledger, tmp_path, FakeRenderers().renderers(), Clock())
    result = send([PEPPOL, without_parties(EMAIL)], ledger, tmp_path, FakeRenderers().renderers(), Clock())
    assert [h.number for h in result.handovers] == [250001]


def test_a_hand_edited_manifest_line_is_refused_with_its_place(tmp_path: Path) -> None:
    (tmp_path / "email").mkdir()
    (tmp_path / "email/manifest.jsonl").write_text('{"series": "invoice"}\n', encoding="utf-8")
    with pytest.raises(OutboxError, match=r"manifest.jsonl:1 is not a manifest row"):
        send(DOCUMENTS, FakeLedger(), tmp_path, FakeRenderers().renderers(), Clock())


def test_two_sends_at_once_are_refused(tmp_path: Path) -> None:
    with locked(tmp_path), pytest.raises(OutboxError, match="another `avtale send`"):
        send(DOCUMENTS, FakeLedger(), tmp_path, FakeRenderers().renderers(), Clock())


class LockedLedger(FakeLedger):
    def record_handovers(self, items: Sequence[Handover]) -> None:
        raise LedgerError("the ledger is locked by another bill run", "wait for it to finish")


def test_a_ledger_that_cannot_record_leaves_the_run_for_the_next_one(tmp_path: Path) -> None:
    with pytest.raises(OutboxError) as refused:
        send(DOCUMENTS, LockedLedger(), tmp_path, FakeRenderers().renderers(), Clock())
    assert "the ledger did not record them: the ledger is locked" in refused.value.message
    assert refused.value.help.startswith("wait for it to finish; then run `avtale send` again")
    ledger, again = FakeLedger(), FakeRenderers()
    before = _tree(tmp_path)
    send(DOCUMENTS, ledger, tmp_path, again.renderers(), Clock())
    assert _tree(tmp_path) == before and [h.number for h in ledger.recorded] == [250001, 250002, 250003, 950001]


def test_a_listed_row_of_another_ledgers_document_is_refused_not_recorded(tmp_path: Path) -> None:
    """An outbox kept while the ledger was replaced lists 250001 as written; the new 250001 is another
    document (to another buyer), so the row is not taken as its handover."""
    with pytest.raises(KeyboardInterrupt):
        send(DOCUMENTS, FakeLedger(crash=True), tmp_path, FakeRenderers().renderers(), Clock())
    first = DOCUMENTS[0]
    assert first.parties is not None and first.parties.buyer.peppol is not None  # it goes by PEPPOL
    buyer = attrs.evolve(first.parties.buyer, peppol="0192:922152799")
    other = [attrs.evolve(first, parties=attrs.evolve(first.parties, buyer=buyer)), *DOCUMENTS[1:]]
    ledger = FakeLedger()
    with pytest.raises(OutboxError) as refused:
        send(other, ledger, tmp_path, FakeRenderers().renderers(), Clock())
    assert "is not this document as the ledger holds it" in refused.value.message
    assert refused.value.help.startswith("the outbox belongs to another ledger or was edited")
    assert ledger.recorded == []
