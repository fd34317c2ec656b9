"""Many documents to PDF files, over every core: a pool of worker processes, each with its own renderer.

Typst's compiler is not shared between processes, so each worker builds one when it starts and
reuses it for every document it is handed. Documents go out in chunks (a worker that finishes
early takes the next) and each worker writes its own files, so only documents and a count cross
between processes, never the PDFs.

Workers are started fresh (`spawn`), not forked as the bill run's are: Typst lays pages out on a
pool of threads, and a process forked after it has rendered once waits forever for threads that
were not copied into it. Starting a worker costs a fraction of a second, once.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import attrs

from runtime.ledger.documents import IssuedDocument
from runtime.pdf.errors import PdfError
from runtime.pdf.render import PdfRenderer

CHUNK = 64
"""Documents per task at most: large enough that handing out tasks costs nothing, small enough to balance the cores."""
PARALLEL_FROM = 40
"""Documents from which workers are worth their start (some tenths of a second): fewer are rendered here."""


@attrs.frozen
class Job:
    """One document to write, with the invoices it corrects (credit notes) and where its PDF goes."""

    doc: IssuedDocument
    corrected: tuple[IssuedDocument, ...]
    target: Path


@attrs.frozen
class Written:
    written: int
    unchanged: int
    """Files that were there already with the same bytes: left alone."""
    clashes: tuple[Path, ...]
    """Files that were there with other bytes: never overwritten (documents are written once)."""

    def __add__(self, other: Written) -> Written:
        return Written(self.written + other.written, self.unchanged + other.unchanged, self.clashes + other.clashes)


NOTHING = Written(0, 0, ())


def write_pdfs(renderer: PdfRenderer, jobs: Sequence[Job]) -> Written:
    """Render and write each job's PDF; a file that exists with other bytes is left as it is and reported."""
    written = unchanged = 0
    clashes: list[Path] = []
    for job in jobs:
        pdf = renderer.render(job.doc, {d.number: d for d in job.corrected})
        if job.target.exists():
            if job.target.read_bytes() == pdf:
                unchanged += 1
            else:
                clashes.append(job.target)
            continue
        partial = job.target.with_name(f".{job.target.name}.partial")  # a crash leaves no half-written file
        partial.write_bytes(pdf)
        partial.replace(job.target)
        written += 1
    return Written(written, unchanged, tuple(clashes))


_renderer: PdfRenderer | None = None


def _start(template: Path | None, root: Path | None) -> None:
    global _renderer
    # Ctrl-C is the parent's to handle: it stops handing out chunks and says `interrupted`, once.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _renderer = PdfRenderer(template, root)


def _work(jobs: Sequence[Job]) -> Written:
    assert _renderer is not None, "the worker's initializer builds the renderer"
    return write_pdfs(_renderer, jobs)


def write_in_workers(
    renderer: PdfRenderer,
    jobs: Sequence[Job],
    workers: int,
    progress: Callable[[int], None] | None = None,
) -> Written:
    """Every job written, by `workers` processes (in this one when 1). `progress` gets documents done."""
    if len(jobs) < PARALLEL_FROM:
        workers = 1
    size = max(1, min(CHUNK, -(-len(jobs) // (4 * workers))))  # some four chunks per worker at least
    chunks = [jobs[i : i + size] for i in range(0, len(jobs), size)]
    workers = max(1, min(workers, len(chunks)))
    if workers == 1:
        total = NOTHING
        for chunk in chunks:
            total += write_pdfs(renderer, chunk)
            if progress is not None:
                progress(total.written + total.unchanged + len(total.clashes))
        return total
    context = multiprocessing.get_context("spawn")
    total = NOTHING
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_start, initargs=(renderer.template, renderer.root)
    ) as pool:
        pending = {pool.submit(_work, chunk) for chunk in chunks}
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                error = future.exception()
                if error is not None:
                    for other in pending:
                        other.cancel()
                    if isinstance(error, BrokenProcessPool):
                        raise PdfError(
                            "a PDF worker process ended without a word (killed, or the machine ran out of memory)",
                            "run the export again: files already written are kept; `--jobs 1` renders in one process",
                        ) from None
                    raise error
                total += future.result()
            if progress is not None:
                progress(total.written + total.unchanged + len(total.clashes))
    return total


def default_workers(jobs_setting: int) -> int:
    """The `jobs` setting, where 0 means one per core."""
    return jobs_setting or os.cpu_count() or 1
