"""`avtale export pdf [--out DIR] [NUMBER...]`: issued documents as PDF files, one per document.

Rendered with Typst from the ledger's snapshot of each document (docs/pdf.md), over every core
for many documents. As with EHF, a file that exists with other bytes is never overwritten
(documents are written once); one with the same bytes is left alone.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from runtime.cli.bill import ledger_path
from runtime.cli.documents import fail, refuse_incomplete, refuse_unsound, select
from runtime.cli.options import Context, workspace_root
from runtime.ledger.documents import file_stem
from runtime.ledger.errors import LedgerError
from runtime.ledger.store import Ledger
from runtime.loader import WorkspaceError, read_settings
from runtime.pdf.batch import Job, default_workers, write_in_workers
from runtime.pdf.errors import PdfError
from runtime.pdf.render import PdfRenderer

PROGRESS_FROM = 50
"""Documents from which a progress bar is worth showing."""


def _read(path: Path, names: tuple[str, ...], folder: Path) -> list[Job]:
    """The jobs, read in one go: the ledger is closed again before any worker starts."""
    try:
        with Ledger.open(path, create=False, read_only=True) as ledger:
            documents = select(ledger, names) if names else ledger.documents()
            refuse_unsound(documents, "exported")
            for doc in documents:
                refuse_incomplete(doc)
            invoices = {n: ledger.document("invoice", n) for doc in documents for n in doc.corrects}
    except LedgerError as exc:
        fail(exc.message, exc.help)
    return [
        Job(
            doc=doc,
            corrected=tuple(found for n in doc.corrects if (found := invoices.get(n)) is not None),
            target=folder / f"{file_stem(doc)}.pdf",
        )
        for doc in documents
    ]


@contextmanager
def _progress(total: int) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr for many documents while a person watches."""
    show = total >= PROGRESS_FROM and sys.stderr.isatty()
    columns = (TextColumn("rendering PDFs"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    bar = Progress(*columns, console=Console(stderr=True), transient=True, disable=not show)
    task = bar.add_task("pdf", total=total)
    with bar:
        yield lambda done: bar.update(task, completed=done)


@click.command("pdf")
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write to (default: out/pdf/ in the workspace, under its `output` setting).",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=0),
    help="Worker processes; 0 is one per core (default: the `jobs` setting).",
)
@click.argument("names", nargs=-1, metavar="[NUMBER]...")
@click.pass_obj
def pdf_export(ctx: Context, out: Path | None, jobs: int | None, names: tuple[str, ...]) -> None:
    """Issued documents as PDF in the buyer's language: 250001.pdf, credit-note-950001.pdf.

    Without NUMBERs, every issued document; each NUMBER is an invoice or a credit
    note (invoice-N or credit-note-N when both exist). The template is the built-in
    one, or the Typst file the `pdf_template` setting names (docs/pdf.md). Existing
    files with the same bytes are left alone; files with other bytes are never
    overwritten.
    """
    started = time.perf_counter()
    root = workspace_root(ctx)
    try:
        _, settings, problems = read_settings(root)
    except WorkspaceError as exc:
        fail(str(exc), exc.help)
    for problem in (p for p in problems if p.is_error):
        fail(f"avtale.toml: {problem.message}", problem.help or "`avtale check` shows the settings' problems")
    path = ledger_path(root, settings.ledger)
    if not path.exists():
        fail(
            f"no ledger at {path}: nothing has been issued yet",
            "`avtale ledger init` creates it, and `avtale bill --as-of DATE --apply` issues the first documents",
        )
    template = (root / Path(settings.pdf_template).expanduser()) if settings.pdf_template else None
    folder = out if out is not None else root / settings.output / "pdf"
    found = _read(path, names, folder)
    if not found:
        click.echo("no documents to export: nothing has been issued yet")
        return
    try:
        renderer = PdfRenderer(template)
        renderer.render(found[0].doc, {d.number: d for d in found[0].corrected})  # a broken template fails here, once
        folder.mkdir(parents=True, exist_ok=True)
        with _progress(len(found)) as update:
            result = write_in_workers(renderer, found, default_workers(settings.jobs if jobs is None else jobs), update)
    except PdfError as exc:
        fail(exc.message, exc.help)
    except OSError as exc:
        fail(f"cannot write to {folder}: {exc.strerror or exc}", "check that the folder is writable, or pass --out")
    kinds = [job.doc.kind for job in found]
    counts = f"{kinds.count('invoice')} invoice(s), {kinds.count('credit_note')} credit note(s)"
    seconds = time.perf_counter() - started
    click.echo(f"wrote {result.written} PDF(s) to {folder} ({counts}; {result.unchanged} unchanged) in {seconds:.1f} s")
    if result.clashes:
        clashes = sorted(result.clashes)
        more = f" (and {len(clashes) - 1} more)" if len(clashes) > 1 else ""
        fail(
            f"{clashes[0]} exists with other content{more}; an issued document's file is never overwritten",
            "move the old files away, or export to another folder with --out",
        )
