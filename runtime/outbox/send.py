"""Handing issued documents over to their channels: plan, write into the outbox, record in the ledger.

A run, in this order (docs/sending.md):
1. plan: every document the ledger has not recorded as handed over, on its channel (channels.py);
2. write each document's file into `<outbox>/<channel>/`, atomically;
3. add a row per document to the channel's `manifest.jsonl` (the list an adapter delivers from);
4. record all the run's handovers in the ledger in one call.

A run stopped between 3 and 4 left rows in a manifest for documents the ledger does not know
as handed over; the next run finds them ("pending") and records them as they were, without
writing or listing them again. A run stopped before 3 left files no manifest lists, which no
adapter touches; the next run writes them again, to the same bytes. So re-running never hands
a document over twice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import attrs

from runtime.ledger.documents import DOCUMENT_NAMES, IssuedDocument, Kind, document_name, file_stem
from runtime.ledger.errors import LedgerError
from runtime.ledger.handovers import CHANNELS, Channel, Handover
from runtime.outbox import manifest, sbdh
from runtime.outbox.channels import channel_for, recipient
from runtime.outbox.errors import OutboxError
from runtime.outbox.files import locked, sha256, write_atomically
from runtime.outbox.manifest import ManifestRow

Renderer = Callable[[IssuedDocument, Mapping[int, IssuedDocument]], bytes]
"""A document and the invoices it may correct (by number) in, the file's bytes out."""
Clock = Callable[[], datetime]
Progress = Callable[[int, int], None]
"""Told (documents done, documents in all) as the run goes."""
SERIES_ORDER: dict[Kind, int] = {"invoice": 0, "credit_note": 1}


@attrs.frozen
class Renderers:
    """How documents become files: EHF (UBL 2.1) for PEPPOL, PDF for e-mail and print.

    A renderer raises OutboxError for a document the user must fix; the CLI wires the real ones."""

    ehf: Renderer
    pdf: Renderer


class HandoverLog(Protocol):
    """What sending needs of the ledger."""

    def handovers(self) -> list[Handover]: ...

    def record_handovers(self, items: Sequence[Handover]) -> None: ...


@attrs.frozen(kw_only=True)
class Delivery:
    """One document to hand over in this run."""

    document: IssuedDocument
    channel: Channel
    file: str
    """Relative to the outbox folder, with forward slashes."""
    recipient: str
    pending: ManifestRow | None = None
    """The manifest row a stopped run left for it: then it is recorded as listed, not written again."""


@attrs.frozen(kw_only=True)
class SendPlan:
    deliveries: tuple[Delivery, ...]
    before: Mapping[Channel, int]
    """Documents handed over by earlier runs, per channel asked for."""
    elsewhere: int
    """Documents not handed over yet that go by a channel not asked for."""


def file_name(doc: IssuedDocument, channel: Channel) -> str:
    """`peppol/250001.sbd.xml`, `email/250001.pdf`, `print/250001.pdf`. Credit notes carry `credit-note-` in
    front, since the two series may use the same numbers."""
    stem = file_stem(doc)
    return f"{channel}/{stem}.sbd.xml" if channel == "peppol" else f"{channel}/{stem}.pdf"


def read_pending(outbox: Path) -> dict[tuple[Kind, int], tuple[Channel, ManifestRow]]:
    """Every document some channel's manifest lists, with its channel and row."""
    listed: dict[tuple[Kind, int], tuple[Channel, ManifestRow]] = {}
    for channel in CHANNELS:
        path = manifest.manifest_path(outbox, channel)
        for row in manifest.read(path):
            key = (row.series, row.number)
            if key in listed:
                raise OutboxError(
                    f"{DOCUMENT_NAMES[row.series]} {row.number} is listed twice in the outbox manifests ({path})",
                    "the manifests are written by `avtale send` only; remove the copy that was added by hand",
                )
            listed[key] = (channel, row)
    return listed


def plan_sends(
    documents: Iterable[IssuedDocument],
    handovers: Iterable[Handover],
    channels: Sequence[Channel] = CHANNELS,
    pending: Mapping[tuple[Kind, int], tuple[Channel, ManifestRow]] | None = None,
) -> SendPlan:
    """Which documents go where in this run: those the ledger has not recorded, on the channels asked for."""
    pending = pending or {}
    handovers = list(handovers)
    done = {(h.series, h.number) for h in handovers}
    waiting = [
        d
        for d in sorted(documents, key=lambda d: (SERIES_ORDER[d.series], d.number))
        if (d.series, d.number) not in done
    ]
    _refuse_without_parties(waiting)
    deliveries = []
    elsewhere = 0
    for doc in waiting:
        channel = channel_for(doc)
        if channel not in channels:
            elsewhere += 1
            continue
        listed = pending.get((doc.series, doc.number))
        if listed is not None and listed[0] != channel:
            raise OutboxError(
                f"{document_name(doc)} goes by {channel}, but the {listed[0]} manifest lists it",
                "the manifests are written by `avtale send` only; restore them as they were (docs/sending.md)",
            )
        row = listed[1] if listed is not None else None
        deliveries.append(
            Delivery(
                document=doc,
                channel=channel,
                file=row.file if row is not None else file_name(doc, channel),
                recipient=row.recipient if row is not None else recipient(doc, channel),
                pending=row,
            )
        )
    counts = Counter(h.channel for h in handovers)
    return SendPlan(deliveries=tuple(deliveries), before={c: counts[c] for c in channels}, elsewhere=elsewhere)


def _refuse_without_parties(documents: Sequence[IssuedDocument]) -> None:
    """All documents issued before the ledger kept parties, in one message, before anything is written."""
    unknown = [doc for doc in documents if doc.parties is None]
    if len(unknown) > 1:
        named = ", ".join(f"{document_name(doc)}" for doc in unknown[:5])
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        raise OutboxError(
            f"{len(unknown)} documents were issued before the ledger kept the parties of each document ({named}"
            f"{more}), so it is not known where they go",
            "run `avtale ledger backfill` to record them from the workspace, then send again",
        )
    for doc in unknown:
        channel_for(doc)  # raises, naming the one


def render(delivery: Delivery, renderers: Renderers, corrected: Mapping[int, IssuedDocument]) -> bytes:
    """The bytes the channel hands over: an EHF in its SBDH envelope for PEPPOL, a PDF otherwise."""
    doc = delivery.document
    if delivery.channel == "peppol":
        return sbdh.wrap(renderers.ehf(doc, corrected), doc)
    return renderers.pdf(doc, corrected)


def _whole_seconds(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("the clock must give an aware datetime")
    return moment.astimezone(UTC).replace(microsecond=0)


def _adopt(
    delivery: Delivery, row: ManifestRow, outbox: Path, renderers: Renderers, corrected: Mapping[int, IssuedDocument]
) -> Handover:
    """The handover a stopped run listed: only if the row is this document's (its file, its recipient, and the
    bytes it renders to, which are the same every time), and its file is as listed or an adapter has already
    taken it away. A row of another ledger's document with the same number (an outbox kept while the ledger
    was replaced) is refused, never recorded as sent."""
    doc = delivery.document
    expected = (file_name(doc, delivery.channel), recipient(doc, delivery.channel))
    if (row.file, row.recipient) != expected or row.sha256 != sha256(render(delivery, renderers, corrected)):
        raise OutboxError(
            f"the {delivery.channel} manifest lists {document_name(doc)} ({row.file}, to {row.recipient}) as written "
            "by an earlier run, but that is not this document as the ledger holds it",
            "the outbox belongs to another ledger or was edited: move the outbox folder away (keep it: it says "
            "what was sent) and run `avtale send` again",
        )
    path = outbox / row.file
    try:
        data: bytes | None = path.read_bytes()
    except FileNotFoundError:  # delivered and moved away, even while we looked
        data = None
    if data is not None and sha256(data) != row.sha256:
        raise OutboxError(
            f"{path} was changed after it was listed in the {delivery.channel} manifest",
            "restore the file as `avtale send` wrote it (its sha256 is in the manifest), or move it away if it was "
            "delivered",
        )
    return row.handover(delivery.channel)


def deliver(
    plan: SendPlan,
    outbox: Path,
    renderers: Renderers,
    corrected: Mapping[int, IssuedDocument],
    clock: Clock,
    progress: Progress | None = None,
) -> tuple[Handover, ...]:
    """Write the plan's files, then list them in the manifests; the handovers to record, in plan order."""
    handovers: list[Handover] = []
    rows: dict[Channel, list[ManifestRow]] = {channel: [] for channel in CHANNELS}
    total = len(plan.deliveries)
    for done, delivery in enumerate(plan.deliveries, start=1):
        if delivery.pending is not None:
            handovers.append(_adopt(delivery, delivery.pending, outbox, renderers, corrected))
        else:
            data = render(delivery, renderers, corrected)
            write_atomically(outbox / delivery.file, data)
            doc = delivery.document
            row = ManifestRow(
                series=doc.series,
                number=doc.number,
                file=delivery.file,
                sha256=sha256(data),
                recipient=delivery.recipient,
                handed_over_at=_whole_seconds(clock()),
            )
            rows[delivery.channel].append(row)
            handovers.append(row.handover(delivery.channel))
        if progress is not None:
            progress(done, total)
    for channel, added in rows.items():
        manifest.append(manifest.manifest_path(outbox, channel), added)
    return tuple(handovers)


@attrs.frozen(kw_only=True)
class SendResult:
    plan: SendPlan
    handovers: tuple[Handover, ...]


def corrected_invoices(documents: Iterable[IssuedDocument]) -> dict[int, IssuedDocument]:
    """The invoices by number, for the credit notes that reference them."""
    return {doc.number: doc for doc in documents if doc.series == "invoice"}


def send(
    documents: Sequence[IssuedDocument],
    log: HandoverLog,
    outbox: Path,
    renderers: Renderers,
    clock: Clock,
    channels: Sequence[Channel] = CHANNELS,
    progress: Progress | None = None,
) -> SendResult:
    """Hand over every document not handed over yet on `channels`, and record it in `log` (the ledger)."""
    with locked(outbox):
        plan = plan_sends(documents, log.handovers(), channels, read_pending(outbox))
        handovers = deliver(plan, outbox, renderers, corrected_invoices(documents), clock, progress)
        if handovers:
            try:
                log.record_handovers(handovers)
            except LedgerError as exc:
                raise OutboxError(
                    f"the documents were put in the outbox, but the ledger did not record them: {exc.message}",
                    f"{exc.help}; then run `avtale send` again: it records what the manifests list, and writes "
                    "nothing twice",
                ) from None
    return SendResult(plan=plan, handovers=handovers)
