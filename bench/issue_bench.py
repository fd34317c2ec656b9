"""Benchmark issuing: the ledger's part of an apply (checks, numbers, KIDs, totals, the hash chain, the inserts).

    python bench/issue_bench.py [--ledger bench/out/bill-100000-10000000/ledger.history] [--documents 40000]
                                [--lines 4] [--runs 3]

Reads the last DOCUMENTS invoices of a ledger a bill benchmark prepared (bench/bill_bench.py; the 100,000-contract
history by default), keeps at most LINES lines of each (a month's invoice has a few; the history's first ones
bill many months), and issues them again as one bill run into a fresh copy of that ledger, RUNS times: the
ledger's size, indexes and snapshot rows are a real run's. Only `Ledger.issue` is timed. Prints each run and
the median.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

from runtime.ledger.documents import DraftDocument  # noqa: E402
from runtime.ledger.store import Ledger  # noqa: E402


def drafts_from(ledger: Path, documents: int, lines: int) -> list[DraftDocument]:
    """The last `documents` invoices as drafts again (credit-note corrections left out), `lines` lines each."""
    with Ledger.open(ledger, create=False, read_only=True) as source:
        info = source.info()
        first = info.identity.invoice_first if info is not None else 1
        last = source.next_number("invoice", first) - 1
        found = [source.document("invoice", n) for n in range(max(first, last - documents + 1), last + 1)]
    return [
        DraftDocument(
            kind=doc.kind,
            contract=doc.contract,
            customer=doc.customer,
            currency=doc.currency,
            issue_date=doc.issue_date,
            due_date=doc.due_date,
            buyer_reference=doc.buyer_reference,
            purchase_order=doc.purchase_order,
            lines=doc.lines[:lines],
            corrects=doc.corrects,
            parties=doc.parties,
        )
        for doc in found
        if doc is not None
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ledger", type=Path, default=BENCH / "out" / "bill-100000-10000000" / "ledger.history")
    parser.add_argument("--documents", type=int, default=40_000)
    parser.add_argument("--lines", type=int, default=4)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not args.ledger.exists():
        sys.exit(f"no ledger at {args.ledger}: prepare one with bench/bill_bench.py --sizes 100000:10000000 --runs 1")
    began = time.perf_counter()
    drafts = drafts_from(args.ledger, args.documents, args.lines)
    if not drafts:
        sys.exit(f"the ledger at {args.ledger} holds no invoices to issue again")
    as_of = drafts[-1].issue_date
    drafts = [d for d in drafts if d.issue_date == as_of]  # a run issues on its as-of date
    lines = sum(len(d.lines) for d in drafts)
    print(f"{len(drafts):,} invoices, {lines:,} lines, read in {time.perf_counter() - began:.1f} s", flush=True)
    with Ledger.open(args.ledger, create=False, read_only=True) as source:
        info = source.info()
    assert info is not None, "a bill benchmark's ledger was initialised"
    times: list[float] = []
    with tempfile.TemporaryDirectory(dir=BENCH / "out") as scratch:
        copy = Path(scratch) / "ledger.sqlite"
        for run in range(1, args.runs + 1):
            shutil.copyfile(args.ledger, copy)
            os.sync()  # the copy's writes are not the run's
            with Ledger.open(copy, create=False) as ledger:
                start = time.perf_counter()
                ledger.issue(
                    drafts,
                    as_of=as_of,
                    invoice_start=info.identity.invoice_first,
                    credit_note_start=info.identity.credit_note_first,
                    kid_scheme="mod10",
                    kid_length=10,
                )
                times.append(time.perf_counter() - start)
            print(f"  run {run}/{args.runs}: issued in {times[-1]:.2f} s", flush=True)
            copy.unlink()
    median = statistics.median(times)
    print(f"median {median:.2f} s ({median / len(drafts) * 1e6:.0f} us per document), min {min(times):.2f} s")


if __name__ == "__main__":
    main()
