"""A ledger that keeps handovers in a list, renderers that count their calls, and a clock that ticks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

from runtime.ledger.documents import IssuedDocument
from runtime.ledger.errors import LedgerError
from runtime.ledger.handovers import Handover
from runtime.outbox.send import Renderers

START = datetime(2026, 3, 2, 8, 0, 0, tzinfo=UTC)


class FakeLedger:
    """`Ledger.handovers` and `Ledger.record_handovers` as their contract says; `crash` makes recording fail
    the way a killed process would, after the outbox was written."""

    def __init__(self, crash: bool = False) -> None:
        self.recorded: list[Handover] = []
        self.calls = 0
        self.crash = crash

    def handovers(self) -> list[Handover]:
        return list(self.recorded)

    def record_handovers(self, items: Sequence[Handover]) -> None:
        self.calls += 1
        if self.crash:
            raise KeyboardInterrupt  # stands for the process dying here
        done = {(h.series, h.number) for h in self.recorded}
        if any((h.series, h.number) in done for h in items):
            raise LedgerError("a document was handed over before", "nothing was recorded")
        self.recorded.extend(items)


def ubl(doc: IssuedDocument) -> bytes:
    root = "CreditNote" if doc.kind == "credit_note" else "Invoice"
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<{root} xmlns="urn:oasis:names:specification:ubl:schema:xsd:{root}-2" '
        f'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">'
        f"<cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
        f"</cbc:CustomizationID><cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</cbc:ProfileID>"
        f"<cbc:ID>{doc.number}</cbc:ID></{root}>"
    ).encode()


def pdf(doc: IssuedDocument) -> bytes:
    return f"%PDF-1.7 fake {doc.series} {doc.number}\n".encode()


class FakeRenderers:
    def __init__(self, fail_at: int | None = None) -> None:
        self.rendered: list[tuple[str, int]] = []
        self.corrected: list[Mapping[int, IssuedDocument]] = []
        self.fail_at = fail_at

    def _count(self, kind: str, doc: IssuedDocument, corrected: Mapping[int, IssuedDocument]) -> None:
        if self.fail_at is not None and len(self.rendered) == self.fail_at:
            raise KeyboardInterrupt  # the process dies while writing files
        self.rendered.append((kind, doc.number))
        self.corrected.append(corrected)

    def renderers(self) -> Renderers:
        def ehf(doc: IssuedDocument, corrected: Mapping[int, IssuedDocument]) -> bytes:
            self._count("ehf", doc, corrected)
            return ubl(doc)

        def render_pdf(doc: IssuedDocument, corrected: Mapping[int, IssuedDocument]) -> bytes:
            self._count("pdf", doc, corrected)
            return pdf(doc)

        return Renderers(ehf=ehf, pdf=render_pdf)


class Clock:
    """Each reading a minute after the last, from START, with microseconds a real clock would have."""

    def __init__(self) -> None:
        self.readings = 0

    def __call__(self) -> datetime:
        self.readings += 1
        return START + timedelta(minutes=self.readings - 1, microseconds=123456)
