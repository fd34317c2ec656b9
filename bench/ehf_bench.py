"""EHF rendering throughput: N invoices and credit notes written as EHF 3.0 (UBL) with `render_ubl`.

    python bench/ehf_bench.py [--documents 10000] [--runs 3] [--workers 2] [--validate 1000] [--min-lines 1]

The documents are the example workspace's own: a copy of contracts_examples/ is billed month by
month from 2025-02-01 through 2029-01-01, with the price changes and KPI figures of
tests/einvoice/test_examples_whole_life.py (credit notes, discounts, 25 % and 12 %, exempt and
reverse-charge lines). The ~200 documents to PEPPOL buyers (1.7 lines on average; with
--min-lines N only those with N lines or more) are then replicated with new numbers (and their
KIDs) up to --documents. Each run renders every document to bytes, as `avtale export ehf` does
before it writes a file: on one core in this process, then with a process pool of --workers over
chunks of 250 (pool start-up included; the workers are forked and inherit the documents). The
pool's output is checked against one core's, byte for byte (a digest per document). With
--validate N, the first N documents are also validated (XML Schema and both Schematron files,
the validator's loading included) on one core and in the pool. Medians of --runs runs, with the
load average before each run and the CPU time per document, are printed and written to
bench/out/ehf_bench.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import platform
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from datetime import date
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO))

import attrs  # noqa: E402
from click.testing import CliRunner  # noqa: E402
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn  # noqa: E402

from runtime.cli.main import cli  # noqa: E402
from runtime.einvoice.ubl import render_ubl, wants_ehf  # noqa: E402
from runtime.einvoice.validation import Validator  # noqa: E402
from runtime.ledger.documents import IssuedDocument  # noqa: E402
from runtime.ledger.kid import make_kid  # noqa: E402
from runtime.ledger.store import Ledger  # noqa: E402

OUT = BENCH / "out"
EXAMPLES = REPO / "contracts_examples"
RULES = Path(os.environ.get("AVTALE_SHARED", REPO.parent / "shared")) / "einvoice"
CHUNK = 250  # documents per pool task: large enough that sending them costs little, small for the progress bar
KPI_OCTOBER = {2027: "146.0", 2028: "149.4"}


# --- the documents ------------------------------------------------------------------------------


def _run(root: Path, *args: str) -> None:
    result = CliRunner().invoke(cli, ["--workspace", str(root), *args])
    if result.exit_code != 0:
        sys.exit(f"avtale {' '.join(args)} failed:\n{result.output}")


def _edit(path: Path, old: str, new: str) -> None:
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")


def example_life() -> list[IssuedDocument]:
    """Every document the example workspace issues from 2025-02-01 through 2029-01-01."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ws"
        shutil.copytree(EXAMPLES, root, ignore=shutil.ignore_patterns(".avtale", "ledger.sqlite*", "out"))
        _run(root, "ledger", "init")
        as_of = date(2025, 2, 1)
        while as_of <= date(2029, 1, 1):
            if as_of.month == 11 and as_of.year in KPI_OCTOBER:
                _edit(root / "catalog" / "indices.avt", "\n}", f"\n  {as_of.year}-10 {KPI_OCTOBER[as_of.year]}\n}}")
            _run(root, "bill", "--as-of", as_of.isoformat(), "--apply")
            changes = {
                date(2026, 3, 1): ("plans/start.avt", "flat 349.00 per month", "flat 299.00 per month"),
                date(2026, 9, 1): (
                    "contracts/SKT-2026-013-vestkyst-feriehuse.avt",
                    "flat 3_200.00 per month",
                    "flat 2_950.00 per month",
                ),
            }
            if as_of in changes:
                path, old, new = changes[as_of]
                _edit(root / path, old, new)
                _run(root, "bill", "--as-of", as_of.isoformat(), "--apply", "--yes")
            as_of = date(as_of.year + as_of.month // 12, as_of.month % 12 + 1, 1)
        with Ledger.open(root / "ledger.sqlite", create=False, read_only=True) as ledger:
            return ledger.documents()


@attrs.frozen
class Batch:
    documents: list[IssuedDocument]
    corrected: dict[int, IssuedDocument]  # the originals' invoices, by number, for the credit notes' references


def replicate(issued: list[IssuedDocument], count: int, min_lines: int = 1) -> Batch:
    """`count` documents: the EHF ones of `issued` with at least `min_lines` lines, over and over, each copy
    with a number (and KID) of its own."""
    ehf = [d for d in issued if wants_ehf(d) and len(d.lines) >= min_lines]
    if not ehf:
        sys.exit(f"no EHF document has {min_lines} lines or more")
    made = []
    for i in range(count):
        doc = ehf[i % len(ehf)]
        number = (950_001 if doc.kind == "credit_note" else 250_001) + i
        kid = make_kid(number, scheme="mod11", length=12) if doc.kind == "invoice" else ""
        made.append(attrs.evolve(doc, number=number, kid=kid))
    return Batch(made, {d.number: d for d in issued if d.kind == "invoice"})


# --- rendering ----------------------------------------------------------------------------------


def _render(doc: IssuedDocument, corrected: dict[int, IssuedDocument]) -> bytes:
    return render_ubl(doc, {n: corrected[n] for n in doc.corrects if n in corrected})


def render_digests(batch: Batch) -> tuple[int, list[str]]:
    """(bytes written, SHA-256 of each document): what one core or one pool task produced."""
    size, digests = 0, []
    for doc in batch.documents:
        xml = _render(doc, batch.corrected)
        size += len(xml)
        digests.append(hashlib.sha256(xml).hexdigest())
    return size, digests


_VALIDATOR: Validator | None = None


def _load_validator() -> None:
    global _VALIDATOR
    _VALIDATOR = Validator.load(RULES)


def validate_chunk(batch: Batch) -> int:
    """The number of documents in `batch` with a fatal finding (there should be none)."""
    if _VALIDATOR is None:
        _load_validator()
    assert _VALIDATOR is not None
    return sum(any(f.fatal for f in _VALIDATOR.validate(_render(d, batch.corrected))) for d in batch.documents)


# The documents of the run, set before the pool is forked: its workers inherit them and are sent only
# ranges, as `export ehf` would hold the documents it read from the ledger (pickling 250 documents per
# task cost more than rendering them).
_SHARED: Batch | None = None


def _part(start: int) -> Batch:
    assert _SHARED is not None
    return Batch(_SHARED.documents[start : start + CHUNK], _SHARED.corrected)


def render_part(start: int) -> list[str]:
    return render_digests(_part(start))[1]


def validate_part(start: int) -> int:
    return validate_chunk(_part(start))


def _pool(batch: Batch, workers: int, initializer: Callable[[], None] | None = None) -> ProcessPoolExecutor:
    global _SHARED
    _SHARED = batch
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"), initializer=initializer)


def _chunks(batch: Batch) -> Iterator[Batch]:
    for start in range(0, len(batch.documents), CHUNK):
        yield Batch(batch.documents[start : start + CHUNK], batch.corrected)


def _progress(label: str, total: int) -> tuple[Progress, Callable[[int], None]]:
    bar = Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), transient=True)
    task = bar.add_task(label, total=total)
    return bar, lambda done: bar.update(task, completed=done)


def render_run(batch: Batch, workers: int, label: str) -> tuple[float, list[str]]:
    """Seconds to render every document, and their digests in order."""
    bar, advance = _progress(label, len(batch.documents))
    digests: list[str] = []
    with bar:
        started = time.perf_counter()
        if workers == 1:
            for chunk in _chunks(batch):
                digests += render_digests(chunk)[1]
                advance(len(digests))
        else:
            starts = range(0, len(batch.documents), CHUNK)
            found: dict[int, list[str]] = {}
            with _pool(batch, workers) as pool:
                futures = {pool.submit(render_part, start): start for start in starts}
                for future in as_completed(futures):
                    found[futures[future]] = future.result()
                    advance(sum(len(d) for d in found.values()))
            digests = [digest for start in starts for digest in found[start]]
        seconds = time.perf_counter() - started
    return seconds, digests


def validate_run(batch: Batch, workers: int, label: str) -> tuple[float, int]:
    """Seconds to validate every document (validator loading included), and how many had a fatal finding."""
    bar, advance = _progress(label, len(batch.documents))
    invalid = done = 0
    with bar:
        started = time.perf_counter()
        if workers == 1:
            _load_validator()  # each run loads it, as each pool worker does
            for chunk in _chunks(batch):
                invalid += validate_chunk(chunk)
                done += len(chunk.documents)
                advance(done)
        else:
            with _pool(batch, workers, initializer=_load_validator) as pool:
                starts = range(0, len(batch.documents), CHUNK)
                futures = {
                    pool.submit(validate_part, start): min(CHUNK, len(batch.documents) - start) for start in starts
                }
                for future in as_completed(futures):
                    invalid += future.result()
                    done += futures[future]
                    advance(done)
        seconds = time.perf_counter() - started
    return seconds, invalid


# --- the report ---------------------------------------------------------------------------------


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (the pool): what the work cost, whatever else the
    machine was doing."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measure(
    name: str, count: int, runs: int, one: Callable[[int, str], float], worker_counts: Sequence[int]
) -> list[dict[str, object]]:
    results = []
    for workers in worker_counts:
        walls, cpus, loads = [], [], []
        for run in range(runs):
            load = os.getloadavg()[0]
            cpu = cpu_seconds()
            wall = one(workers, f"{name}, {workers} core(s), run {run + 1}")
            cpu = cpu_seconds() - cpu
            walls.append(wall)
            cpus.append(cpu)
            loads.append(load)
            print(
                f"  {name}, {workers} core(s), run {run + 1}: {wall:.2f} s, {count / wall:,.0f} documents/s, "
                f"{1000 * cpu / count:.2f} ms CPU per document (load average before: {load:.2f})",
                flush=True,
            )
        median = statistics.median(walls)
        results.append(
            {
                "what": name,
                "workers": workers,
                "documents": count,
                "median_s": round(median, 3),
                "documents_per_s": round(count / median, 1),
                "median_cpu_ms_per_document": round(1000 * statistics.median(cpus) / count, 3),
                "load_before": [round(x, 2) for x in loads],
            }
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=10_000, help="documents per run (default 10,000)")
    parser.add_argument("--runs", type=int, default=3, help="runs per core count; medians are reported (default 3)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="the pool's size (default: cores)")
    parser.add_argument("--validate", type=int, default=0, help="also validate this many documents (default 0)")
    parser.add_argument("--min-lines", type=int, default=1, help="replicate only documents with this many lines")
    args = parser.parse_args()
    started = time.perf_counter()
    issued = example_life()
    batch = replicate(issued, args.documents, args.min_lines)
    lines = sum(len(d.lines) for d in batch.documents)
    kinds = {kind: sum(d.kind == kind for d in batch.documents) for kind in ("invoice", "credit_note")}
    print(
        f"{len(batch.documents):,} documents ({kinds['invoice']:,} invoices, {kinds['credit_note']:,} credit notes, "
        f"{lines / len(batch.documents):.1f} lines on average) "
        f"from {sum(wants_ehf(d) for d in issued)} EHF documents of the example workspace's life "
        f"(billed in {time.perf_counter() - started:.1f} s); {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}",
        flush=True,
    )
    counts = sorted({1, args.workers})
    reference: list[str] = []

    def render(workers: int, label: str) -> float:
        nonlocal reference
        seconds, digests = render_run(batch, workers, label)
        if not reference:
            reference = digests
        if digests != reference:
            sys.exit(f"{workers} core(s) rendered other bytes than one core")
        return seconds

    results = measure("render", len(batch.documents), args.runs, render, counts)
    size = render_digests(Batch(batch.documents[:CHUNK], batch.corrected))[0] / min(CHUNK, len(batch.documents))
    print(f"  mean EHF size {size / 1024:.1f} KiB")
    if args.validate:
        subset = Batch(batch.documents[: args.validate], batch.corrected)

        def validate(workers: int, label: str) -> float:
            seconds, invalid = validate_run(subset, workers, label)
            if invalid:
                sys.exit(f"{invalid} document(s) had a fatal finding")
            return seconds

        results += measure("validate", len(subset.documents), args.runs, validate, counts)
    OUT.mkdir(exist_ok=True)
    report = {
        "date": date.today().isoformat(),
        "cores": os.cpu_count(),
        "lines_per_document": round(lines / len(batch.documents), 2),
        "results": results,
    }
    (OUT / "ehf_bench.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print()
    print("what      cores  documents  median s  documents/s  CPU ms/document")
    for r in results:
        what, workers, count, median, rate, cpu = (
            r[k] for k in ("what", "workers", "documents", "median_s", "documents_per_s", "median_cpu_ms_per_document")
        )
        print(f"{what:<9} {workers:>5}  {count:>9,}  {median:>8.2f}  {rate:>11,.0f}  {cpu:>15.3f}")


if __name__ == "__main__":
    main()
