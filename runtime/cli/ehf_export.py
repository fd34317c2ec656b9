"""`avtale export ehf [--out DIR] [NUMBER...]`: issued documents as EHF 3.0 files, one per document.

Every document is checked and rendered before anything is written, so a refusal leaves the
folder as it was. A file that exists with other bytes is never overwritten (documents are
written once, docs/einvoice.md); one with the same bytes is left alone.
"""

from __future__ import annotations

from pathlib import Path

import click

from runtime.cli.bill import ledger_path
from runtime.cli.documents import fail, refuse_incomplete, refuse_unsound, select
from runtime.cli.options import Context, workspace_root
from runtime.einvoice.errors import EinvoiceError
from runtime.einvoice.ubl import render_ubl, wants_ehf
from runtime.ledger.documents import IssuedDocument, document_name, file_stem
from runtime.ledger.errors import LedgerError
from runtime.ledger.store import Ledger
from runtime.loader import load


def _select(ledger: Ledger, names: tuple[str, ...]) -> list[IssuedDocument]:
    """The documents asked for, or every one that goes as EHF; each checked and with its parties known."""
    chosen = select(ledger, names) if names else ledger.documents()
    refuse_unsound(chosen, "exported")
    if not names:
        return [doc for doc in chosen if wants_ehf(doc)]
    for doc in chosen:
        if not wants_ehf(doc):
            buyer = doc.parties.buyer  # type: ignore[union-attr]  # refuse_unsound: every document has parties
            why = "is a consumer" if buyer.consumer else "has no PEPPOL id"
            fail(
                f"{document_name(doc)} is not sent as EHF: its buyer `{buyer.id}` {why}",
                f"it goes to the customer as PDF (`avtale export pdf {file_stem(doc)}`); a business customer gets "
                'EHF once it has `peppol "0192:<orgnr>"` (documents issued from then on)',
            )
    return chosen


def _render(ledger: Ledger, doc: IssuedDocument) -> bytes:
    """The document's EHF, after its hash and § 5-1-1 checks; exits on the first problem."""
    refuse_incomplete(doc)
    corrected = {number: ledger.document("invoice", number) for number in doc.corrects}
    try:
        return render_ubl(doc, {n: d for n, d in corrected.items() if d is not None})
    except EinvoiceError as exc:
        fail(exc.message, exc.help)


@click.command("ehf")
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write to (default: out/ehf/ in the workspace, under its `output` setting).",
)
@click.argument("names", nargs=-1, metavar="[NUMBER]...")
@click.pass_obj
def ehf_export(ctx: Context, out: Path | None, names: tuple[str, ...]) -> None:
    """Issued documents as EHF 3.0 (PEPPOL BIS Billing 3.0 UBL): 250001.xml, credit-note-950001.xml.

    Without NUMBERs, every document whose buyer has a PEPPOL id (and is not a consumer);
    each NUMBER is an invoice or a credit note (invoice-N or credit-note-N when both
    exist). Documents are checked against what bokføringsforskriften § 5-1-1 requires
    before anything is written.
    """
    root = workspace_root(ctx)
    workspace = load(root, need_model=False)
    path = ledger_path(root, workspace.settings.ledger)
    if not path.exists():
        fail(
            f"no ledger at {path}: nothing has been issued yet",
            "`avtale ledger init` creates it, and `avtale bill --as-of DATE --apply` issues the first documents",
        )
    folder = out if out is not None else root / workspace.settings.output / "ehf"
    try:
        with Ledger.open(path, create=False, read_only=True) as ledger:
            rendered = [(doc, _render(ledger, doc)) for doc in _select(ledger, names)]
    except LedgerError as exc:
        fail(exc.message, exc.help)
    targets = [(doc, folder / f"{file_stem(doc)}.xml", xml) for doc, xml in rendered]
    clashes = [target for _, target, xml in targets if target.exists() and target.read_bytes() != xml]
    if clashes:
        fail(
            f"{clashes[0]} exists with other content{f' (and {len(clashes) - 1} more)' if len(clashes) > 1 else ''}; "
            "an issued document's file is never overwritten",
            "move the old files away, or export to another folder with --out",
        )
    written = unchanged = 0
    try:
        for _, target, xml in targets:
            if target.exists():
                unchanged += 1
                continue
            folder.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(f".{target.name}.partial")  # a crash leaves no half-written NUMBER.xml
            partial.write_bytes(xml)
            partial.replace(target)
            written += 1
    except OSError as exc:
        fail(f"cannot write to {folder}: {exc.strerror or exc}", "check that the folder is writable, or pass --out")
    kinds = [doc.kind for doc, _ in rendered]
    counts = f"{kinds.count('invoice')} invoice(s), {kinds.count('credit_note')} credit note(s)"
    click.echo(f"wrote {written} EHF document(s) to {folder} ({counts}; {unchanged} already there, unchanged)")
