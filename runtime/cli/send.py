"""`avtale send [--channel C] [--dry-run] [--out DIR]`: hand issued documents over to their channels' outboxes."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn

import click

from runtime.cli.bill import KIND_NAMES, ledger_path, progress_bar
from runtime.cli.options import Context, workspace_root
from runtime.einvoice.content import bokforing_problems
from runtime.ledger.checks import warning
from runtime.ledger.documents import IssuedDocument
from runtime.ledger.errors import LedgerError
from runtime.ledger.handovers import CHANNELS, Channel
from runtime.ledger.store import Ledger
from runtime.loader import Workspace, WorkspaceError, load, read_settings
from runtime.outbox.errors import OutboxError
from runtime.outbox.send import Renderers, SendPlan, SendResult, plan_sends, read_pending
from runtime.outbox.send import send as send_documents

WHAT = {"peppol": "EHF in an SBDH envelope", "email": "PDF", "print": "PDF"}
SHOWN = 50  # documents a dry run lists one by one before it only counts


def _fail(message: str, help: str) -> NoReturn:
    click.echo(f"error: {message}\n  = help: {help}", err=True)
    sys.exit(1)


def _clock() -> datetime:
    """The one clock a send reads: when each document was handed over."""
    return datetime.now(UTC)


def _renderers(workspace: Workspace) -> Renderers:
    """The real EHF and PDF renderers, their user errors turned into the outbox's.

    Imported here, not at the top, so that commands other than `send` never load lxml's UBL writer or Typst."""
    from runtime.einvoice.errors import EinvoiceError
    from runtime.einvoice.ubl import render_ubl
    from runtime.pdf.errors import PdfError
    from runtime.pdf.render import PdfRenderer

    template = workspace.settings.pdf_template
    try:
        pdf = PdfRenderer(workspace.root / Path(template).expanduser() if template else None)
    except PdfError as exc:
        raise OutboxError(exc.message, exc.help) from None

    def ehf(doc: IssuedDocument, corrected: Mapping[int, IssuedDocument]) -> bytes:
        try:
            return render_ubl(doc, corrected)
        except EinvoiceError as exc:
            raise OutboxError(f"{KIND_NAMES[doc.series]} {doc.number}: {exc.message}", exc.help) from None

    def render_pdf(doc: IssuedDocument, corrected: Mapping[int, IssuedDocument]) -> bytes:
        try:
            return pdf.render(doc, corrected)
        except PdfError as exc:
            raise OutboxError(f"{KIND_NAMES[doc.series]} {doc.number}: {exc.message}", exc.help) from None

    return Renderers(ehf=ehf, pdf=render_pdf)


def _refuse_unsendable(plan: SendPlan) -> None:
    """Never hand over a document that no longer matches its hash, whose totals do not add up, or that lacks
    what a sales document must show (bokføringsforskriften § 5-1-1, runtime/einvoice/content.py)."""
    to_write = [d.document for d in plan.deliveries if d.pending is None]
    changed = [p for p in (warning(doc) for doc in to_write) if p is not None]
    if changed:
        for problem in changed:
            click.echo(f"error: {problem}", err=True)
        _fail(
            f"{len(changed)} document(s) differ from what was issued, so nothing was handed over",
            "run `avtale ledger verify` to see what was changed, and restore the ledger from a backup",
        )
    lacking = [(doc, problems) for doc in to_write if (problems := bokforing_problems(doc))]
    if lacking:
        for doc, problems in lacking:
            click.echo(f"error: {KIND_NAMES[doc.series]} {doc.number} lacks what a sales document must show:", err=True)
            for problem in problems:
                click.echo(f"  - {problem}", err=True)
        _fail(
            f"{len(lacking)} document(s) do not meet bokføringsforskriften § 5-1-1, so nothing was handed over",
            "fix the workspace for documents to come, and correct these with a credit note (docs/einvoice.md)",
        )


def _show_plan(plan: SendPlan, outbox: Path) -> None:
    click.echo(f"Dry run: nothing is written to {outbox} or recorded in the ledger.")
    shown = plan.deliveries[:SHOWN]
    width = max((len(d.file) for d in shown), default=0)
    for delivery in shown:
        doc = delivery.document
        note = "  (listed by a run that stopped: would be recorded)" if delivery.pending is not None else ""
        click.echo(
            f"  {delivery.channel:<6}  {KIND_NAMES[doc.series]:<11} {doc.number:>8}  {delivery.file:<{width}}  "
            f"-> {delivery.recipient}{note}"
        )
    if len(plan.deliveries) > SHOWN:
        click.echo(f"  ... and {len(plan.deliveries) - SHOWN} more")
    _summary(plan, outbox, [d.channel for d in plan.deliveries], "would hand over")


def _summary(plan: SendPlan, outbox: Path, sent: Sequence[Channel], verb: str) -> None:
    for channel in plan.before:
        count = sum(1 for c in sent if c == channel)
        click.echo(
            f"{channel:<6}  {verb} {count} ({WHAT[channel]}) to {outbox / channel}; "
            f"{plan.before[channel]} handed over before"
        )
    if plan.elsewhere:
        click.echo(f"{plan.elsewhere} document(s) wait for another channel (run without --channel to send them)")


def _open(workspace: Workspace, read_only: bool) -> Ledger:
    path = ledger_path(workspace.root, workspace.settings.ledger)
    if not path.exists():
        _fail(
            f"no ledger at {path}: nothing has been issued yet",
            "`avtale ledger init` creates it, and `avtale bill --as-of DATE --apply` issues the first documents",
        )
    try:
        return Ledger.open(path, create=False, read_only=read_only)
    except LedgerError as exc:
        _fail(exc.message, exc.help)


@click.command()
@click.option("--channel", type=click.Choice(CHANNELS), help="Only this channel (default: all three).")
@click.option("--dry-run", is_flag=True, help="Show what would be handed over; write and record nothing.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="The outbox folder (default: `outbox` in the workspace's output folder, out/outbox).",
)
@click.pass_obj
def send(ctx: Context, channel: Channel | None, dry_run: bool, out: Path | None) -> None:
    """Hand every issued document not handed over yet to its channel's outbox.

    \b
    peppol  a business with a PEPPOL id: EHF in an SBDH envelope, <outbox>/peppol/<number>.sbd.xml
    email   anyone else with an e-mail address: PDF, <outbox>/email/<number>.pdf
    print   everyone else: PDF, <outbox>/print/<number>.pdf

    Each channel's manifest.jsonl lists what was handed over, one JSON object a
    line, for the adapter that delivers from the folder; the ledger records each
    handover, so a second run hands nothing over twice (docs/sending.md).
    """
    try:
        workspace = load(workspace_root(ctx), need_model=False)
        _, _, problems = read_settings(workspace.root)
    except WorkspaceError as exc:
        _fail(str(exc), exc.help)
    for problem in (p for p in problems if p.is_error):  # a handover cannot be undone: never on a guess
        _fail(f"avtale.toml: {problem.message}", problem.help or "`avtale check` shows the settings' problems")
    outbox = (out if out is not None else workspace.root / workspace.settings.output / "outbox").absolute()
    channels: tuple[Channel, ...] = (channel,) if channel is not None else CHANNELS
    try:
        with _open(workspace, read_only=dry_run) as ledger:
            documents = ledger.documents()
            if dry_run:
                plan = plan_sends(documents, ledger.handovers(), channels, read_pending(outbox))
                _refuse_unsendable(plan)
                _show_plan(plan, outbox)
                return
            _refuse_unsendable(plan_sends(documents, ledger.handovers(), channels))
            result = _send(documents, ledger, outbox, _renderers(workspace), channels)
    except (OutboxError, LedgerError) as exc:
        _fail(exc.message, exc.help)
    except OSError as exc:
        _fail(
            f"cannot write to the outbox {outbox}: {exc}",
            "check the folder, its permissions and free space, then run `avtale send` again: what was not "
            "recorded in the ledger is handed over then, and nothing twice",
        )
    _report(result, outbox)


def _send(
    documents: list[IssuedDocument], ledger: Ledger, outbox: Path, renderers: Renderers, channels: Sequence[Channel]
) -> SendResult:
    with progress_bar(True) as update:

        def progress(done: int, total: int) -> None:
            if update is not None and total >= 20:  # a bar only where there is something to watch
                update("handing over", done, total)

        return send_documents(documents, ledger, outbox, renderers, _clock, channels, progress)


def _report(result: SendResult, outbox: Path) -> None:
    sent = [h.channel for h in result.handovers]
    if not sent:
        click.echo(f"Nothing to hand over: {sum(result.plan.before.values())} document(s) were handed over before.")
    else:
        click.echo(f"Handed over {len(sent)} document(s) to {outbox}:")
    _summary(result.plan, outbox, sent, "handed over")
