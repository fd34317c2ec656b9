"""Benchmark revenue recognition: revenue plans and a 36-month waterfall for N contracts.

    python bench/revenue_bench.py [--contracts 10000] [--runs 3] [--seed 1] [--from 2026-01-01]

It generates the workspace with bench/generate.py into bench/out/revenue-N-sS (reused when it
exists), loads and checks it once (untimed, from the check cache after the first time), then
times, RUNS times each, in this process:

- plans:     `revenue_plan` for every contract (horizon 36 months after --from);
- waterfall: `recognise` through the last day of the 36th month: every contract's revenue per
             obligation and month (plans again, usage priced with no events, minimum true-ups).

Medians go in a table on stdout and all samples in bench/out/revenue.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
OUT = BENCH / "out"
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(REPO))

import generate  # noqa: E402

from compiler.calendar import add_months  # noqa: E402
from compiler.revenue.plan import revenue_plan  # noqa: E402
from runtime.loader import load  # noqa: E402
from runtime.revenue.recognition import recognise  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contracts", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--from", dest="first", type=date.fromisoformat, default=date(2026, 1, 1))
    args = parser.parse_args(argv)
    root = OUT / f"revenue-{args.contracts}-s{args.seed}"
    if not (root / "avtale.toml").exists():
        generate.generate(root, args.contracts, args.seed)
    loaded = load(root)
    assert loaded.result is not None, "the generated workspace must check clean"
    workspace = loaded.result.workspace
    horizon = add_months(args.first, 36)
    through = horizon - timedelta(days=1)
    samples: dict[str, list[float]] = {"plans": [], "waterfall": []}
    cpu: dict[str, list[float]] = {"plans": [], "waterfall": []}
    records = 0
    for _ in range(args.runs):
        began, began_cpu = time.perf_counter(), time.process_time()
        for contract in workspace.contracts.values():
            revenue_plan(contract, workspace, horizon)
        samples["plans"].append(time.perf_counter() - began)
        cpu["plans"].append(time.process_time() - began_cpu)
        began, began_cpu = time.perf_counter(), time.process_time()
        records = len(recognise(workspace, [], {}, through))
        samples["waterfall"].append(time.perf_counter() - began)
        cpu["waterfall"].append(time.process_time() - began_cpu)
    print(f"{len(workspace.contracts)} contracts, 36 months from {args.first}, {records} recognised records")
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (CPU time is what the process used)")
    print(f"{'step':<10} {'median s':>9} {'min s':>7} {'CPU s':>7}")
    for step, times in samples.items():
        print(f"{step:<10} {statistics.median(times):>9.2f} {min(times):>7.2f} {statistics.median(cpu[step]):>7.2f}")
    OUT.mkdir(exist_ok=True)
    (OUT / "revenue.json").write_text(
        json.dumps(
            {
                "contracts": len(workspace.contracts),
                "from": args.first.isoformat(),
                "months": 36,
                "records": records,
                "samples": samples,
                "cpu": cpu,
                "python": platform.python_version(),
                "machine": platform.machine(),
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
