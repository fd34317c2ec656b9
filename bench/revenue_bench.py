"""Benchmark revenue recognition: revenue plans and a 36-month waterfall for N contracts.

    python bench/revenue_bench.py [--contracts 10000] [--runs 3] [--seed 1] [--from 2026-01-01]
                                  [--workers N] [--before]

It generates the workspace with bench/generate.py into bench/out/revenue-N-sS (reused when it
exists) and loads and checks it once, untimed, so that every timed run finds the check cache
filled. Each timed run is a subprocess of this script (so that the peak memory of its process
tree can be sampled), which loads the workspace from the cache, untimed, then times:

- waterfall: what the issue states: every contract's revenue plan and the 36-month waterfall,
             as `avtale revenue waterfall --from M1 --to M36 --as-of <last day of M36>` computes
             it: the usage requests (each usage contract lowered to find the metered totals it
             needs; none are recorded, so they meter as zero), `recognise_with_schedule` (plans,
             recognised months, the remaining schedule when the report reaches past the as-of
             date, here not), then the `waterfall` report; in worker processes from 2,000
             contracts on (`--workers` sets how many);
- before:    with --before, the same figures the way commit a55433c computed them:
             `revenue_plan` for every contract (the old bench's "plans"), then `recognise`,
             which planned every contract again, in one process (the old bench left out the
             usage requests; so does this step).

Wall and CPU time (of the process and its workers) are medians over RUNS; peak memory is the
largest summed PSS of the run's process tree, sampled every 0.2 s (bench/treemem.py). Medians go
in a table on stdout and all samples in bench/out/revenue.json.
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
from datetime import date, timedelta
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
OUT = BENCH / "out"
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(REPO))

import generate  # noqa: E402
from treemem import PeakSampler  # noqa: E402

from compiler.calendar import add_months  # noqa: E402
from runtime.loader import load  # noqa: E402


def _cpu() -> float:
    """CPU seconds of this process and of its children that have ended (the workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def child(root: Path, first: date, step: str, workers: int | None) -> dict[str, float | int]:
    """One timed run, in this (sub)process."""
    from compiler.revenue.plan import revenue_plan
    from runtime.revenue.recognition import recognise
    from runtime.revenue.reports import waterfall
    from runtime.revenue.workers import recognise_with_schedule, usage_requests_in_workers

    loaded = load(root)
    assert loaded.result is not None, "the generated workspace must check clean"
    workspace = loaded.result.workspace
    horizon = add_months(first, 36)
    through = horizon - timedelta(days=1)
    last = add_months(first, 35)
    began, began_cpu = time.perf_counter(), _cpu()
    if step == "before":
        for contract in workspace.contracts.values():
            revenue_plan(contract, workspace, horizon)
        records = recognise(workspace, [], {}, through)
    else:
        wanted = usage_requests_in_workers(workspace, through, workers=workers)  # metered: none recorded
        assert wanted, "the generated workspace has usage"
        records, _ = recognise_with_schedule(workspace, [], {}, through, schedule=False, workers=workers)
    report = waterfall(records, first, last, through, None)
    return {
        "wall": time.perf_counter() - began,
        "cpu": _cpu() - began_cpu,
        "records": len(records),
        "rows": len(report.rows),
        "contracts": len(workspace.contracts),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contracts", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--from", dest="first", type=date.fromisoformat, default=date(2026, 1, 1))
    parser.add_argument("--workers", type=int, default=None, help="worker processes (default: as the CLI chooses)")
    parser.add_argument("--before", action="store_true", help="also time the way it was done before")
    parser.add_argument("--child", choices=["waterfall", "before"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    root = OUT / f"revenue-{args.contracts}-s{args.seed}"
    if args.child:
        print(json.dumps(child(root, args.first, args.child, args.workers)))
        return 0
    if not (root / "avtale.toml").exists():
        generate.generate(root, args.contracts, args.seed)
    assert load(root).result is not None, "the generated workspace must check clean"
    steps = ["waterfall", *(["before"] if args.before else [])]
    samples: dict[str, list[dict[str, float | int]]] = {step: [] for step in steps}
    load_before = os.getloadavg()[0]
    for _ in range(args.runs):
        for step in steps:
            command = [sys.executable, __file__, "--child", step, "--contracts", str(args.contracts)]
            command += ["--seed", str(args.seed), "--from", args.first.isoformat()]
            command += ["--workers", str(args.workers)] if args.workers is not None else []
            process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
            sampler = PeakSampler(process.pid, interval=0.2)
            out, _ = process.communicate()
            peak = sampler.stop()
            if process.returncode != 0:
                print(f"{step}: the run failed (exit status {process.returncode})", file=sys.stderr)
                return 1
            found = json.loads(out)
            found["peak_mb"] = peak
            samples[step].append(found)
    first = samples["waterfall"][0]
    print(
        f"{first['contracts']} contracts, 36 months from {args.first}, {first['records']} recognised records, "
        f"{first['rows']} waterfall rows"
    )
    print(f"load average before: {load_before:.1f} on {os.cpu_count()} CPUs; {args.runs} runs each")
    print(f"{'step':<10} {'median s':>9} {'min s':>7} {'CPU s':>7} {'peak MB':>8}")
    for step, runs in samples.items():
        wall = [float(r["wall"]) for r in runs]
        cpu = statistics.median(float(r["cpu"]) for r in runs)
        peak = max(float(r["peak_mb"]) for r in runs)
        print(f"{step:<10} {statistics.median(wall):>9.2f} {min(wall):>7.2f} {cpu:>7.2f} {peak:>8.0f}")
    OUT.mkdir(exist_ok=True)
    (OUT / "revenue.json").write_text(
        json.dumps(
            {
                "contracts": first["contracts"],
                "from": args.first.isoformat(),
                "months": 36,
                "records": first["records"],
                "workers": args.workers,
                "samples": samples,
                "cpus": os.cpu_count(),
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
