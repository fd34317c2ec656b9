"""PDF rendering throughput: N invoices and credit notes written as PDF files, on one core and on all.

    python bench/pdf_bench.py [--documents 10000] [--runs 3] [--workers 2] [--parallel-only] [--lines 6]

The documents are made up here (seeded): business and consumer buyers in bokmål, nynorsk and
English, a credit note in every ten, 1 to 2 x --lines lines each (average --lines), with the
ledger's snapshot of both parties, as `avtale export pdf` reads them. Each run renders every
document with the built-in template and writes it to a fresh folder under bench/out/pdf, through
runtime/pdf/batch.py as the command does: in this process for one worker, else in a pool of
worker processes (their start-up included in the time). Medians of --runs runs are reported, in
a table and in bench/out/pdf_bench.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import statistics
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO))

import attrs  # noqa: E402
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn  # noqa: E402

from runtime.ledger.documents import IssuedDocument  # noqa: E402
from runtime.ledger.parties import Parties  # noqa: E402
from runtime.ledger.totals import compute_totals  # noqa: E402
from runtime.pdf.batch import Job, write_in_workers  # noqa: E402
from runtime.pdf.render import PdfRenderer  # noqa: E402
from tests.pdf.documents import BERGEN, FJALLSTUGAN, INGRID, SELLER, SOGNDAL, document, line  # noqa: E402

OUT = BENCH / "out" / "pdf"
CHARGES = [
    ("Plattformavgift", "MON", "4990.00"),
    ("Brukerlisenser", "C62", "149.00"),
    ("Lagring over kvote", "E34", "2.00"),
    ("API-kall", "C62", "0.004"),
    ("Driftsovervåking og beredskap 24/7", "MON", "3500.00"),
    ("SMS-varsler", "C62", "0.85"),
]


def make_documents(count: int, lines: int, seed: int) -> list[IssuedDocument]:
    rng = random.Random(seed)
    buyers = [BERGEN, SOGNDAL, FJALLSTUGAN, INGRID]
    made = []
    for i in range(count):
        buyer = attrs.evolve(rng.choice(buyers), name=f"Kunde {i:05d} AS")
        start = date(2026, 1 + i % 12, 1)
        end = (start + timedelta(days=32)).replace(day=1)
        drafted = []
        for _ in range(rng.randint(1, 2 * lines - 1)):
            description, unit, price = rng.choice(CHARGES)
            quantity = Decimal(rng.randint(1, 400))
            net = (quantity * Decimal(price)).quantize(Decimal("0.01"))
            drafted.append(line(description, str(quantity), price, str(net), unit=unit, period=(start, end)))
        credit = i % 10 == 9
        made.append(
            document(
                buyer,
                tuple(drafted),
                compute_totals(drafted, "NOK"),
                number=(950001 if credit else 250001) + i,
                kind="credit_note" if credit else "invoice",
                series="credit_note" if credit else "invoice",
                kid="" if credit else f"{250001 + i:011d}0",
                corrects=(250001 + i - 1,) if credit else (),
                issue_date=start,
                due_date=start + timedelta(days=14),
                parties=Parties(seller=SELLER, buyer=buyer, source="issue"),
            )
        )
    return made


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the workers): what the rendering cost,
    whatever else the machine was doing."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def one_run(docs: list[IssuedDocument], workers: int, folder: Path, label: str) -> tuple[float, float]:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    jobs = [Job(doc=d, corrected=(), target=folder / f"{d.number}.pdf") for d in docs]
    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task(label, total=len(jobs))
        started, cpu = time.perf_counter(), cpu_seconds()
        result = write_in_workers(PdfRenderer(), jobs, workers, lambda done: bar.update(task, completed=done))
        seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    assert result.written == len(jobs), result
    return seconds, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=10_000, help="documents per run (default 10,000)")
    parser.add_argument("--runs", type=int, default=3, help="runs per worker count; medians are reported (default 3)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="the parallel worker count")
    parser.add_argument("--parallel-only", action="store_true", help="measure only --workers, not one worker too")
    parser.add_argument("--lines", type=int, default=6, help="average lines per document (default 6)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    docs = make_documents(args.documents, args.lines, args.seed)
    total_lines = sum(len(d.lines) for d in docs)
    print(
        f"{len(docs):,} documents, {total_lines:,} lines; {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}",
        flush=True,
    )
    results = []
    for workers in [args.workers] if args.parallel_only else sorted({1, args.workers}):
        walls, cpus = [], []
        for run in range(args.runs):
            load = os.getloadavg()[0]
            wall, cpu = one_run(docs, workers, OUT / f"w{workers}", f"{workers} worker(s), run {run + 1}")
            walls.append(wall)
            cpus.append(cpu)
            print(
                f"  {workers} worker(s), run {run + 1}: {wall:.1f} s, {len(docs) / wall:.0f} documents/s, "
                f"{1000 * cpu / len(docs):.1f} ms CPU per document (load average before: {load:.2f})",
                flush=True,
            )
        size = sum(p.stat().st_size for p in (OUT / f"w{workers}").iterdir())
        results.append(
            {
                "workers": workers,
                "documents": len(docs),
                "median_s": round(statistics.median(walls), 2),
                "min_s": round(min(walls), 2),
                "max_s": round(max(walls), 2),
                "documents_per_s": round(len(docs) / statistics.median(walls), 1),
                "median_cpu_ms_per_document": round(1000 * statistics.median(cpus) / len(docs), 2),
                "mean_pdf_kb": round(size / len(docs) / 1024, 1),
            }
        )
    print("\n| workers | documents | median s | min-max s | documents/s | CPU ms per document | mean PDF KB |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for r in results:
        print(
            f"| {r['workers']} | {r['documents']:,} | {r['median_s']:.1f} | {r['min_s']:.1f}-{r['max_s']:.1f} "
            f"| {r['documents_per_s']:.0f} | {r['median_cpu_ms_per_document']} | {r['mean_pdf_kb']} |"
        )
    (BENCH / "out").mkdir(exist_ok=True)
    (BENCH / "out" / "pdf_bench.json").write_text(
        json.dumps({"lines": total_lines, "seed": args.seed, "results": results}, indent=2) + "\n"
    )


if __name__ == "__main__":
    main()
