"""Many more trials of the fault suite's attacks (tests/faults) than CI can afford, with counts.

    python bench/faults.py --kills 50 --pairs 20 --seed 1 [--contracts 300] [--pages] [--full-disk]

Two scenarios, each prepared once with its undisturbed reference (tests/faults/attacks.py):

- `examples`: contracts_examples billed up to 2026-04-01, then late usage; the attacked run,
  `avtale bill --as-of 2026-07-01 --apply --yes`, issues 10 invoices and a credit note;
- `generated-N`: N contracts from bench/generate.py billed up to 2026-04-01; the attacked run bills
  up to 2026-07-01 (some 250 invoices for 300 contracts). Skipped with --contracts 0.

--kills N: N kill -9 trials, half on each scenario. Each delay is drawn (seeded, jittered) from one
equal slice of a span counted from the start of the run (its whole duration, measured first), from
when it takes the write lock (planning, issuing, committing, closing), or, on the generated
workspace, from its first INSERT of a document (issuing, committing, closing): on `examples` half
each of the first two, on the generated workspace a third each. After each kill the ledger must
verify and hold the run whole or not at all (nothing when killed before the COMMIT began,
everything when killed after it returned); a rerun must issue exactly the missing documents; the
ledger must then verify and equal the reference row for row.

--pairs N: N trials of two applies of the same run at once, half on each scenario: both end (one
may be told the ledger is locked), the run is issued once, the ledger verifies and equals the
reference, and a rerun issues nothing. The second starts up to as long after the first as an
undisturbed apply holds the write lock (seeded), so that it usually asks for the lock while the
first holds it; the trace says whether it did.

--pages: destroy each page of the examples ledger in turn (before and after the attacked run), and
count how often `ledger verify` reports it and an apply refuses to extend it.

--full-disk: the attacked run with the ledger on a real, too small filesystem (a tmpfs mounted in a
user namespace with `unshare`, which needs no root where the kernel allows it); then the filesystem
is enlarged and the run rerun.

Every trial has its own seed (printed with it); `--only SEED` with the same other arguments replays
one. Workspaces and logs are kept in bench/out/faults. The exit status is 1 if any trial failed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO))

from tests.faults import attacks  # noqa: E402

OUT = BENCH / "out" / "faults"
LATER = "2026-10-01"


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({model}), Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"


def report(trial: attacks.Trial, scenario: attacks.Scenario, tally: Counter[tuple[str, str, str]]) -> None:
    tally[(trial.kind, scenario.name, attacks.PHASES.get(trial.phase, trial.phase))] += 1
    print(f"  {scenario.name}: {trial.describe()}", flush=True)


def kills(scenarios: list[attacks.Scenario], count: int, seed: int, only: int | None) -> list[attacks.Trial]:
    trials = []
    tally: Counter[tuple[str, str, str]] = Counter()
    shares = split(count, len(scenarios))
    for number, (scenario, share) in enumerate(zip(scenarios, shares, strict=True)):
        # examples: half from the start, half from the write lock; a generated workspace: a third each from
        # the start, the write lock and the first INSERT of a document.
        marks = ("", "B") if scenario.name == "examples" else ("", "B", "D")
        groups = dict(zip(marks, split(share, len(marks)), strict=True))
        slots = [(after, slot, n) for after, n in groups.items() for slot in range(n)]
        for i, (after, slot, n) in enumerate(slots):
            trial_seed = seed * 100_000 + number * 10_000 + i
            if only is not None and trial_seed != only:
                continue
            rng = random.Random(trial_seed)
            delay = attacks.delays(scenario, n, rng, after)[slot]
            trial = attacks.kill_trial(scenario, trial_seed, delay, after)
            report(trial, scenario, tally)
            trials.append(trial)
    summary("kill -9", tally)
    return trials


def pairs(scenarios: list[attacks.Scenario], count: int, seed: int, only: int | None) -> list[attacks.Trial]:
    trials = []
    tally: Counter[tuple[str, str, str]] = Counter()
    for number, (scenario, share) in enumerate(zip(scenarios, split(count, len(scenarios)), strict=True)):
        for i in range(share):
            trial_seed = seed * 100_000 + 50_000 + number * 10_000 + i
            if only is not None and trial_seed != only:
                continue
            stagger = 0.0 if i == 0 else random.Random(trial_seed).uniform(0, attacks.lock_window(scenario))
            trial = attacks.pair_trial(scenario, trial_seed, stagger)
            report(trial, scenario, tally)
            trials.append(trial)
    summary("two applies at once", tally)
    return trials


def split(count: int, parts: int) -> list[int]:
    return [count // parts + (1 if i < count % parts else 0) for i in range(parts)]


def summary(title: str, tally: Counter[tuple[str, str, str]]) -> None:
    if not tally:
        return
    print(f"\n{title}: where the trials landed")
    for (_, scenario, phase), n in sorted(tally.items()):
        print(f"  {scenario:15} {phase:35} {n:4}")
    print()


# -- --pages ---------------------------------------------------------------------------------------


def page_owners(ledger: Path) -> dict[int, str]:
    db = sqlite3.connect(ledger)
    try:
        return {int(page): str(name) for name, page in db.execute("SELECT name, pageno FROM dbstat")}
    except sqlite3.Error:
        return {}
    finally:
        db.close()


def sweep_pages(scenario: attacks.Scenario, seed: int) -> list[attacks.Trial]:
    """Destroy every page in turn: `ledger verify` must exit 1; an apply must exit 1 and leave the file as it is."""
    trials = []
    cases = [
        ("pre", attacks.AS_OF, True),  # ten invoices; the run issues invoices only (the original usage)
        ("after", LATER, False),  # after the attacked run: invoices and a credit note
    ]
    for state, as_of, original_usage in cases:
        scenario.fresh(state)
        pristine = scenario.ledger.read_bytes()
        owners = page_owners(scenario.ledger)
        db = sqlite3.connect(scenario.ledger)
        size = db.execute("PRAGMA page_size").fetchone()[0]
        db.close()
        count = len(pristine) // size
        caught = refused = 0
        for page in range(2, count + 1):  # page 1 holds the header and the schema
            root = scenario.fresh(state)
            if original_usage:
                shutil.copyfile(attacks.EXAMPLES / "usage" / "events.csv", root / "usage" / "events.csv")
            trial_seed = seed * 100_000 + 90_000 + (0 if state == "pre" else 5_000) + page
            data = bytearray(pristine)
            data[(page - 1) * size : page * size] = random.Random(trial_seed).randbytes(size)
            scenario.ledger.write_bytes(bytes(data))
            owner = owners.get(page, "?")
            trial = attacks.Trial("page", trial_seed, phase=owner, detail=f"{state}: page {page} of {count} ({owner})")
            verify = attacks.cli(root, scenario.cache, "ledger", "verify")
            trial.problems += attacks.problems_of(verify, "ledger verify", codes=(1,))
            caught += verify.code == 1
            apply = attacks.cli(root, scenario.cache, "bill", "--as-of", as_of, "--apply", "--yes")
            trial.problems += attacks.problems_of(apply, "apply", codes=(1,))
            if scenario.ledger.read_bytes() != bytes(data):
                trial.problems.append("the apply changed the damaged file")
            refused += apply.code == 1
            if trial.problems:
                print(f"  {trial.describe()}", flush=True)
            trials.append(trial)
        print(
            f"pages ({state}, apply as of {as_of}): {count - 1} destroyed one at a time; ledger verify reported "
            f"{caught}; the apply refused {refused}",
            flush=True,
        )
    return trials


# -- --full-disk -----------------------------------------------------------------------------------

SMALL = "300k"
"""The tmpfs: the ledger before the run (200 KB) and its -shm fit, the run's WAL (some 130 KB) does not."""


def full_disk(scenario: attacks.Scenario) -> list[attacks.Trial]:
    trial = attacks.Trial("full-disk", 0, phase="", detail=f"ledger on a tmpfs of {SMALL}")
    root = scenario.fresh()
    (root / "books").mkdir()
    settings = root / "avtale.toml"
    settings.write_text(settings.read_text(encoding="utf-8") + '\nledger = "books/ledger.sqlite"\n', encoding="utf-8")
    shutil.move(root / "ledger.sqlite", root / "ledger.pre")
    results = scenario.base / "full-disk"
    shutil.rmtree(results, ignore_errors=True)
    results.mkdir()
    inside = [sys.executable, str(Path(__file__).resolve()), "--inside-full-disk", str(root), str(results)]
    command = ["unshare", "--user", "--map-root-user", "--mount", *inside]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=600, env=dict(os.environ))
        why = (done.stderr or done.stdout).strip()[-400:]
    except OSError as exc:  # no `unshare` here
        done, why = None, str(exc)
    except subprocess.TimeoutExpired:
        trial.problems.append("the run on a small filesystem did not end within 600 s")
        return [trial]
    if done is None or done.returncode != 0 or not (results / "outcomes.json").exists():
        print(f"  full disk: not possible here (no tmpfs in a user namespace): {why}", flush=True)
        return []
    outcomes = json.loads((results / "outcomes.json").read_text())
    full, verify, rerun, verify_after = (attacks.Outcome(**o) for o in outcomes)
    trial.problems += attacks.problems_of(full, "the apply on a full disk", codes=(1,))
    if "is full" not in full.stderr or "nothing was issued" not in full.stderr:
        trial.problems.append(f"the apply on a full disk did not say so: {attacks.tail(full)}")
    trial.problems += attacks.problems_of(verify, "ledger verify on the full disk")
    if attacks.dump(results / "after-full" / "ledger.sqlite") != scenario.before:
        trial.problems.append("the full disk left the ledger changed")
    trial.problems += attacks.problems_of(rerun, "the rerun on the enlarged disk")
    if attacks.issued(rerun) != attacks.documents(scenario.reference) - attacks.documents(scenario.before):
        trial.problems.append(f"the rerun issued {attacks.issued(rerun)}")
    trial.problems += attacks.problems_of(verify_after, "ledger verify after the rerun")
    diff = attacks.difference(attacks.dump(results / "after-rerun" / "ledger.sqlite"), scenario.reference)
    if diff:
        trial.problems.append(f"after the rerun the ledger differs from the reference: {diff}")
    trial.phase = "tmpfs"
    print(f"  full disk: {trial.describe()}; the apply said: {full.stderr.strip().splitlines()[0]}", flush=True)
    return [trial]


def inside_full_disk(root: Path, results: Path) -> None:
    """In the user namespace: a small tmpfs under the workspace's books/, the run, then a larger tmpfs."""
    books = root / "books"
    cache = root.parent / "xdg-cache"
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={SMALL}", "tmpfs", str(books)], check=True)
    shutil.copyfile(root / "ledger.pre", books / "ledger.sqlite")
    args = ("bill", "--as-of", attacks.AS_OF, "--apply", "--yes")
    logs = results / "logs"
    full = attacks.run(root, cache, args, logs, "full")
    verify = attacks.run(root, cache, ("ledger", "verify"), logs, "verify")
    keep(books, results / "after-full")
    subprocess.run(["mount", "-o", "remount,size=64m", str(books)], check=True)
    rerun = attacks.run(root, cache, args, logs, "rerun")
    verify_after = attacks.run(root, cache, ("ledger", "verify"), logs, "verify-after")
    keep(books, results / "after-rerun")
    outcomes = [o.__dict__ for o in (full, verify, rerun, verify_after)]
    (results / "outcomes.json").write_text(json.dumps(outcomes))


def keep(books: Path, target: Path) -> None:
    target.mkdir(parents=True)
    for file in books.glob("ledger.sqlite*"):
        shutil.copyfile(file, target / file.name)


# -- main ------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=50, help="kill -9 trials (default 50)")
    parser.add_argument("--pairs", type=int, default=20, help="trials of two applies at once (default 20)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--contracts", type=int, default=300, help="generated workspace size; 0: examples only")
    parser.add_argument("--pages", action="store_true", help="also destroy each page of the examples ledger")
    parser.add_argument("--full-disk", action="store_true", help="also fill a real (tmpfs) filesystem")
    parser.add_argument("--only", type=int, help="replay the one trial with this seed")
    parser.add_argument("--work", type=Path, default=OUT, help=f"folder for workspaces and logs (default {OUT})")
    parser.add_argument("--inside-full-disk", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside_full_disk:
        inside_full_disk(*args.inside_full_disk)
        return 0

    started = time.monotonic()
    print(f"machine: {machine()}")
    print(f"command: python bench/faults.py {' '.join(sys.argv[1:])}", flush=True)
    shutil.rmtree(args.work, ignore_errors=True)
    scenarios = [attacks.examples(args.work / "examples")]
    if args.contracts:
        scenarios.append(attacks.generated(args.work / "generated", args.contracts))
    for s in scenarios:
        new = attacks.documents(s.reference) - attacks.documents(s.before)
        marks = ", ".join(f"{attacks.PHASES[m].split(' (')[0]} {at:.2f}" for m, at in s.phases.items())
        print(f"{s.name}: the attacked apply issues {new} documents in {s.seconds:.2f} s ({marks})", flush=True)

    trials: list[attacks.Trial] = []
    if args.kills:
        print(f"\nkill -9 ({args.kills})", flush=True)
        trials += kills(scenarios, args.kills, args.seed, args.only)
    if args.pairs:
        print(f"two applies at once ({args.pairs})", flush=True)
        trials += pairs(scenarios, args.pairs, args.seed, args.only)
    if args.pages:
        print("destroyed pages", flush=True)
        trials += sweep_pages(scenarios[0], args.seed)
    if args.full_disk:
        print("full disk", flush=True)
        trials += full_disk(scenarios[0])

    print("\n| attack | tried | survived | failed |\n| --- | ---: | ---: | ---: |")
    for kind in dict.fromkeys(t.kind for t in trials):
        mine = [t for t in trials if t.kind == kind]
        good = sum(t.survived for t in mine)
        print(f"| {kind} | {len(mine)} | {good} | {len(mine) - good} |")
    failed = [t for t in trials if not t.survived]
    for trial in failed:
        print(f"FAILED {trial.describe()}")
    print(
        f"\n{len(trials)} cases tried, {len(trials) - len(failed)} survived, {len(failed)} failed "
        f"({time.monotonic() - started:.0f} s)"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
