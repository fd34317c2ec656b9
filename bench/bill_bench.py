"""Benchmark a monthly bill run: plan, then apply, for N contracts and M usage events.

    python bench/bill_bench.py [--sizes 10000:1000000] [--runs 3] [--as-of 2026-07-01] [--reuse] [--history MONTHS]

For each size CONTRACTS:EVENTS it generates the workspace with bench/generate.py
(seed 1) and one month of usage events before the as-of date (CSV, seeded, every
contract id real, `api.call` counted and `storage.snapshot` maxed), then bills
every month up to the month before the as-of date, untimed, so that the ledger
holds the history a monthly run finds. It then times, RUNS times each, as
subprocesses of `avtale --workspace DIR bill --as-of D`:

- plan:  without --apply (reads the ledger, issues nothing);
- apply: with --apply.

Every timed run, plan or apply, starts from a fresh copy of the ledger holding
the history (flushed to disk before the run starts), so that each one finds the
month's work still to do, also with --reuse; the table says how many invoices
and credit notes each run drafted, so a run that found nothing to do shows.

With --history MONTHS the contracts are all signed within SIGNED_WINDOW days,
from MONTHS + 1 months before the as-of date, so that the oldest contracts have
MONTHS months billed before the as-of date (the folder is bill-N-M-hMONTHS); the
fifth of contracts that start in the month they are signed have one more. The
plans take effect on 2024-01-01, so the first signing day must not be earlier. Two
such runs, say --history 7 and --history 25, bill the same contracts in the same
calendar month, behind a short or a long history; each prints what it drafted,
since the month's work moves a little with where the contracts are in their terms.

--reuse keeps a prepared workspace only when the same code billed its history
(prepared.json records the billing code's version): a history billed by other
code would make every contract plan whole, so it is billed again, with a line
saying so.

One untimed plan runs first, so that every timed run finds the workspace's
parse, check and model caches filled, as a monthly run after any earlier
command does.

Medians go in a table on stdout and all samples in bench/out/bill.json (bill-hMONTHS.json). Peak
memory is given twice: ru_maxrss, the largest single process, and the peak of
the summed PSS of the CLI process and its workers, sampled every second
(bench/treemem.py), which is what the run occupies.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
OUT = BENCH / "out"
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(REPO))

import generate  # noqa: E402
from treemem import PeakSampler  # noqa: E402

from runtime.billing.settled import billing_code_version  # noqa: E402
from runtime.loader import CODE_VERSION  # noqa: E402

AVTALE = [sys.executable, "-c", "from runtime.cli.main import main; main()"]


SIGNED_WINDOW = 60
"""Days over which the contracts of a --history run are signed."""
PLANS_FROM = date(2024, 1, 1)
"""The day the generated workspace's plans take effect: no contract can be signed before it."""


def month_before(day: date) -> date:
    first = day.replace(day=1)
    return (first - timedelta(days=1)).replace(day=1)


def write_events(folder: Path, contracts: int, events: int, start: date, end: date, seed: int = 1) -> None:
    """`events` rows over [start, end), spread over all contracts; one CSV file."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    base = datetime.combine(start, datetime.min.time())
    seconds = int((datetime.combine(end, datetime.min.time()) - base).total_seconds())
    with (folder / "events.csv").open("w", encoding="utf-8") as handle:
        handle.write("id,contract,event,timestamp,value\n")
        for n in range(events):
            cid = f"SKY-{rng.randrange(contracts) + 1:06d}"
            moment = base + timedelta(seconds=rng.randrange(seconds))
            if n % 10 == 0:
                handle.write(f"e{n},{cid},storage.snapshot,{moment.isoformat()}+00:00,{rng.randrange(1, 900)}\n")
            else:
                handle.write(f"e{n},{cid},api.call,{moment.isoformat()}+00:00,1\n")


Sample = tuple[float, float, float, str]
"""Wall seconds, peak RSS MB of the largest process, peak PSS MB of the process tree, the run's summary."""


def run(root: Path, *args: str) -> Sample:
    """One CLI run, which must exit 0: its wall seconds, peak RSS MB of the largest process, peak PSS MB
    of the whole process tree (workers included), and the summary line it printed last."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    started = time.perf_counter()
    with (OUT / "last-run.txt").open("w") as out:
        process = subprocess.Popen([*AVTALE, "--workspace", str(root), "bill", *args], stdout=out, env=env)
        sampler = PeakSampler(process.pid)
        _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    tree = sampler.stop()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"`avtale bill {' '.join(args)}` failed in {root}")
    lines = (OUT / "last-run.txt").read_text(encoding="utf-8").splitlines()
    return wall, usage.ru_maxrss / 1024, tree, lines[-1] if lines else ""


def drafted(summary: str) -> str:
    """`81,676 + 12` from `Plan: 81676 invoices to issue, 12 credit notes, ...`."""
    words = summary.split()
    try:
        invoices = int(words[1])
        credits = int(words[words.index("credit") - 1])
    except (ValueError, IndexError):
        return "?"
    return f"{invoices:,} + {credits:,}"


def restore(root: Path) -> None:
    """The ledger as it was after the history: every timed run has the same month to bill."""
    for suffix in ("-wal", "-shm"):
        (root / f"ledger.sqlite{suffix}").unlink(missing_ok=True)
    shutil.copyfile(root / "ledger.history", root / "ledger.sqlite")
    os.sync()  # the copy goes to disk now, not in the timed run's first fsync


def signed_from(as_of: date, history: int) -> date:
    """The first signing day that gives the oldest contracts `history` months billed before `as_of`: most
    contracts start on the first of the month after they are signed."""
    first = as_of.replace(day=1)
    for _ in range(history + 1):
        first = month_before(first)
    return first


def prepare(contracts: int, events: int, as_of: date, reuse: bool, history: int | None = None) -> Path:
    root = OUT / (f"bill-{contracts}-{events}" + (f"-h{history}" if history is not None else ""))
    marker = root / "prepared.json"
    wanted: dict[str, object] = {"contracts": contracts, "events": events, "as_of": as_of.isoformat(), "seed": 1}
    if history is not None:
        wanted["history"] = history
    # A history billed by other code records settlements that name that code: every contract would plan
    # whole, and the figures would be of another run than the one the table says. Bill it again instead.
    wanted["code"] = billing_code_version(CODE_VERSION)
    if reuse and marker.exists() and (root / "ledger.history").exists():
        found = json.loads(marker.read_text())
        if found == wanted:
            print(f"{contracts} contracts, {events} events: reusing {root}", flush=True)
            return root
        if {k: v for k, v in found.items() if k != "code"} == {k: v for k, v in wanted.items() if k != "code"}:
            print(f"  {root}: its history was billed by other code; billing it again", flush=True)
    if history is None:
        files, lines, _ = generate.generate(root, contracts, seed=1)
    else:
        first = signed_from(as_of, history)
        if history < 1:
            raise SystemExit(f"--history {history}: give the months billed before the as-of date, 1 or more")
        if first < PLANS_FROM:
            most = max((n for n in range(1, 1000) if signed_from(as_of, n) >= PLANS_FROM), default=0)
            raise SystemExit(
                f"--history {history}: contracts would be signed from {first}, but the generated plans take "
                f"effect on {PLANS_FROM}; give 1 to {most} months for --as-of {as_of}"
            )
        files, lines, _ = generate.generate(root, contracts, seed=1, signed_from=first, signed_days=SIGNED_WINDOW)
    write_events(root / "usage", contracts, events, month_before(as_of), as_of)
    print(f"{contracts} contracts ({files} files, {lines} lines), {events} events in {root}", flush=True)
    billed = month_before(as_of)
    (root / "ledger.sqlite").unlink(missing_ok=True)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    subprocess.run(
        [*AVTALE, "--workspace", str(root), "ledger", "init"], check=True, env=env, stdout=subprocess.DEVNULL
    )
    started = time.perf_counter()
    run(root, "--as-of", billed.isoformat(), "--apply")
    print(f"  history billed up to {billed} in {time.perf_counter() - started:.1f} s", flush=True)
    shutil.copyfile(root / "ledger.sqlite", root / "ledger.history")
    marker.write_text(json.dumps(wanted))
    return root


def measure(root: Path, as_of: date, runs: int) -> dict[str, list[Sample]]:
    samples: dict[str, list[Sample]] = {"plan": [], "apply": []}
    restore(root)
    run(root, "--as-of", as_of.isoformat())  # untimed: fills the parse, check and model caches
    for step, flags in (("plan", ()), ("apply", ("--apply",))):
        for i in range(runs):
            restore(root)
            samples[step].append(run(root, "--as-of", as_of.isoformat(), *flags))
            wall, summary = samples[step][-1][0], samples[step][-1][3]
            print(f"  {step} {i + 1}/{runs}: {wall:.2f} s, drafted {drafted(summary)}", flush=True)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000:100000,10000:1000000", help="CONTRACTS:EVENTS, comma-separated")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--as-of", default="2026-07-01")
    parser.add_argument(
        "--reuse", action="store_true", help="keep a workspace and history prepared earlier with the same size and date"
    )
    parser.add_argument(
        "--history", type=int, help="sign every contract about this many months before the as-of date (see above)"
    )
    args = parser.parse_args()
    as_of = date.fromisoformat(args.as_of)
    results = []
    for size in args.sizes.split(","):
        contracts, events = (int(x) for x in size.split(":"))
        root = prepare(contracts, events, as_of, args.reuse, args.history)
        samples = measure(root, as_of, args.runs)
        results.append({"contracts": contracts, "events": events, "history": args.history, "samples": samples})
    print(
        "\n| contracts | events | as of | step | drafted (invoices + credit notes) | median s | min-max s "
        "| peak RSS MB, largest process | peak PSS MB, all |"
    )
    print("| ---: | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: |")
    when = args.as_of if args.history is None else f"{args.as_of}, {args.history} months of history"
    for result in results:
        for step, values in result["samples"].items():  # type: ignore[attr-defined]
            walls = [w for w, _, _, _ in values]
            rss = max(m for _, m, _, _ in values)
            pss = max(t for _, _, t, _ in values)
            counts = sorted({drafted(s) for *_, s in values})
            print(
                f"| {result['contracts']:,} | {result['events']:,} | {when} | {step} | {', '.join(counts)} "
                f"| {statistics.median(walls):.2f} | {min(walls):.2f}-{max(walls):.2f} | {rss:.0f} | {pss:.0f} |"
            )
    machine = {"nproc": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}
    OUT.mkdir(exist_ok=True)
    name = "bill.json" if args.history is None else f"bill-h{args.history}.json"
    (OUT / name).write_text(json.dumps({"machine": machine, "as_of": args.as_of, "results": results}, indent=1))


if __name__ == "__main__":
    main()
