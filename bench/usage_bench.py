"""Benchmark usage metering: read + check + deduplicate, then monthly totals for every contract.

    python bench/usage_bench.py [--sizes 1000000:10000,10000000:100000] [--runs 3] [--formats csv,parquet]

For each size (EVENTS:CONTRACTS) it generates one month (January 2026) of events,
deterministically, as one CSV and one Parquet file under bench/out/usage-EVENTS/
(reused when present), with five metrics (count, sum, max, unique, latest) and
one exact duplicate per 1,000 events and three rows without a contract, whose
row numbers the report must give exactly. Each (size, format) runs RUNS times,
each run in a fresh process:

- read:  read_usage (DuckDB reads the file, checks every row, drops duplicates,
         dates events in Europe/Oslo, builds the measures table);
- meter: one meter() call for every contract x metric for January (5 x CONTRACTS
         periods), returning Decimals;
- consumption: one meter() call for every contract's January under the three
         gauges (`time_weighted`, `daily_average`, `peak` of storage.snapshot's
         value, with the level carried in from before) and a price per event on
         payment.captured (1.4% + 2.00, min 3.00, max 50.00 per event): 4 x
         CONTRACTS requests.

Medians go in a table on stdout, all samples in bench/out/usage.json. Peak memory
is the largest high-water resident set (VmHWM) of a run's process.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
OUT = BENCH / "out"
sys.path.insert(0, str(REPO))

from compiler.billing.pricing.base import PerEvent  # noqa: E402
from compiler.model import Metric  # noqa: E402
from dsl.span import Span  # noqa: E402
from runtime.usage import read_usage  # noqa: E402
from runtime.usage.database import connect  # noqa: E402

EVENTS = ("api.request", "payment.captured", "storage.snapshot", "login", "seats.set")
SPAN = Span("bench.avt", 1, 1, 1, 2)
METRICS = (
    Metric(id="calls", label="calls", events=("api.request",), function="count", field=None, span=SPAN),
    Metric(id="volume", label="volume", events=("payment.captured",), function="sum", field="amount", span=SPAN),
    Metric(id="storage", label="storage", events=("storage.snapshot",), function="max", field="value", span=SPAN),
    Metric(id="users", label="users", events=("login",), function="unique", field="user_id", span=SPAN),
    Metric(id="seats", label="seats", events=("seats.set",), function="latest", field="value", span=SPAN),
)
GAUGES = tuple(
    Metric(id=f"storage_{f}", label=f, events=("storage.snapshot",), function=f, field="value", span=SPAN)  # type: ignore[arg-type]
    for f in ("time_weighted", "daily_average", "peak")
)
CARD = PerEvent(percent=Decimal("1.4"), fee=Decimal("2.00"), minimum=Decimal("3.00"), maximum=Decimal("50.00"))
JANUARY = (date(2026, 1, 1), date(2026, 2, 1))


def contract_ids(contracts: int) -> list[str]:
    return [f"C-{n:06d}" for n in range(contracts)]


def bad_rows(events: int) -> list[int]:
    """Rows (1-based) generated without a contract: the report must name exactly these."""
    return [17, events // 2 + 1, events - 2]


def generate(events: int, contracts: int) -> Path:
    """One CSV and one Parquet file of the same events; every 1,000th row repeats the one before."""
    bad = ", ".join(str(row - 1) for row in bad_rows(events))
    folder = OUT / f"usage-{events}-{contracts}"
    done = folder / "done"
    if done.exists():
        return folder
    (folder / "csv").mkdir(parents=True, exist_ok=True)
    (folder / "parquet").mkdir(parents=True, exist_ok=True)
    con = connect(folder)
    # k is the event's identity: row i repeats row i - 1 when i % 1000 == 999
    con.execute(
        f"""
        CREATE TABLE ev AS
        WITH k AS (SELECT i, CASE WHEN i % 1000 = 999 THEN i - 1 ELSE i END AS k FROM range({events}) r(i))
        SELECT
            'ev-' || lpad(k::VARCHAR, 9, '0') AS id,
            CASE WHEN i IN ({bad}) THEN ''
                 ELSE 'C-' || lpad(((k * 7919) % {contracts})::VARCHAR, 6, '0') END AS contract,
            ['api.request', 'payment.captured', 'storage.snapshot', 'login', 'seats.set'][k % 5 + 1] AS event,
            strftime(TIMESTAMPTZ '2025-12-31 23:00:00+00' + to_seconds((k * 2678399) // {events}),
                     '%Y-%m-%dT%H:%M:%SZ') AS timestamp,
            CASE WHEN k % 5 IN (2, 4) THEN ((k * 31) % 100000 / 100)::DECIMAL(18, 2)::VARCHAR END AS value,
            CASE WHEN k % 5 = 1 THEN ((k * 17) % 1000000 / 100)::DECIMAL(18, 2)::VARCHAR END AS amount,
            CASE WHEN k % 5 = 3 THEN 'u' || (k * 13) % 50 END AS user_id
        FROM k ORDER BY i
        """
    )
    con.execute(f"COPY ev TO '{folder / 'csv' / 'events.csv'}' (HEADER, DELIMITER ',')")
    con.execute(
        f"""COPY (SELECT id, contract, event, timestamp::TIMESTAMPTZ AS timestamp, value::DECIMAL(18, 2) AS value,
                  amount::DECIMAL(18, 2) AS amount, user_id FROM ev)
            TO '{folder / "parquet" / "events.parquet"}' (FORMAT parquet)"""
    )
    con.close()
    done.touch()
    return folder


def peak_mib() -> float:
    """This process's peak resident memory. Not ru_maxrss: Linux carries that over from the
    parent at fork, and the parent may just have generated gigabytes of events."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(folder: Path, events: int, contracts: int) -> dict[str, object]:
    """One run in a fresh process, so that its peak memory is its own."""
    known = contract_ids(contracts)
    periods = [(c, m.id, *JANUARY) for c in known for m in METRICS]
    consumption: list[tuple[object, ...]] = [(c, g.id, *JANUARY) for c in known for g in GAUGES]
    consumption += [(c, "volume", *JANUARY, CARD) for c in known]
    started = time.perf_counter()
    with read_usage(folder, METRICS, known) as usage:
        read = time.perf_counter() - started
        started = time.perf_counter()
        totals = usage.meter(periods)
        meter = time.perf_counter() - started
        report = usage.report
    assert len(totals) == len(periods)
    # the consumption prices read the same file again, with their own metrics, so that `read` stays comparable
    volume = next(m for m in METRICS if m.id == "volume")
    with read_usage(folder, (volume, *GAUGES), known) as usage:
        started = time.perf_counter()
        found = usage.meter(consumption)  # type: ignore[arg-type]
        consumed = time.perf_counter() - started
    assert len(found) == len(consumption)
    # large files are read in parallel: the rows named must still be the file's own
    assert [p.row for p in report.problems] == bad_rows(events), report.problems[:5]
    assert report.rejected == 3
    return {
        "read": read,
        "meter": meter,
        "consumption": consumed,
        "events": report.events,
        "duplicates": report.duplicates,
        "periods": len(periods),
        "peak_mib": peak_mib(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000000:10000,10000000:100000", help="EVENTS:CONTRACTS,...")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--formats", default="csv,parquet")
    parser.add_argument("--child", nargs=3, metavar=("FOLDER", "EVENTS", "CONTRACTS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        folder, events, contracts = args.child
        print(json.dumps(child(Path(folder), int(events), int(contracts))))
        return
    results = []
    for size in args.sizes.split(","):
        events, contracts = (int(x) for x in size.split(":"))
        folder = generate(events, contracts)
        for fmt in args.formats.split(","):
            files = list((folder / fmt).iterdir())
            command = [sys.executable, __file__, "--child", str(folder / fmt), str(events), str(contracts)]
            runs = [
                json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
                for _ in range(args.runs)
            ]
            sample: dict[str, object] = {
                "read": [r["read"] for r in runs],
                "meter": [r["meter"] for r in runs],
                "consumption": [r["consumption"] for r in runs],
                "peak_mib": max(r["peak_mib"] for r in runs),
                "events": runs[0]["events"],
                "duplicates": runs[0]["duplicates"],
                "periods": runs[0]["periods"],
            }
            sample.update(
                format=fmt,
                events_generated=events,
                contracts=contracts,
                mib_on_disk=sum(f.stat().st_size for f in files) / 2**20,
            )
            results.append(sample)
            print(_row(sample), flush=True)
    machine = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "duckdb": __import__("duckdb").__version__,
    }
    (OUT / "usage.json").write_text(json.dumps({"machine": machine, "results": results}, indent=2))
    print(f"\n{machine}; medians of {args.runs} runs; samples in {OUT / 'usage.json'}")


def _row(sample: dict[str, object]) -> str:
    read = statistics.median(sample["read"])  # type: ignore[arg-type]
    meter = statistics.median(sample["meter"])  # type: ignore[arg-type]
    consumed = statistics.median(sample["consumption"])  # type: ignore[arg-type]
    return (
        f"{sample['events_generated']:>12,} events {sample['contracts']:>8,} contracts {sample['format']:<8}"
        f" {sample['mib_on_disk']:>8.0f} MiB  read {read:6.2f} s  meter {meter:6.2f} s"
        f" ({sample['periods']:,} periods)  gauges and per event {consumed:6.2f} s"
        f"  total {read + meter:6.2f} s  peak {sample['peak_mib']:,.0f} MiB"
    )


if __name__ == "__main__":
    main()
