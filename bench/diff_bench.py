"""Benchmark `avtale diff REV1 REV2` on a 10,000-contract workspace where 50 contracts changed.

    python bench/diff_bench.py [--contracts 10000] [--changed 50] [--runs 3] [--as-of 2026-07-01]

It generates the workspace with bench/generate.py (seed 1) in bench/out/diff-N/ws,
commits it to a fresh git repository there (fixed author, committer and dates, so
the commit ids are the same on every machine), then raises the quantity in the plan
block of CHANGED contracts spread evenly over the ids (every N/CHANGED-th) and
commits that. It times, RUNS times each, as subprocesses of
`avtale --workspace ws diff REV1 REV2 --as-of D` (12 months of billing):

- cold: the caches deleted before each run (`XDG_CACHE_HOME` points into
  bench/out/diff-N/cache), so both revisions are parsed and checked in full;
- warm: the caches left as the previous run left them, as on a machine where
  Avtale ran before;
- working tree: HEAD moved back to REV1 (`git reset --soft`), so that the
  working tree holds the 50 changes uncommitted, and `avtale diff` (HEAD against
  the working tree: the review before a commit) timed after one untimed run, so
  that both sides' caches are filled.

Each run must exit 2 (changes found) and report CHANGED contracts changed. Then,
once, in this process with warm caches, where the time of a run goes: loading
each side (`load_revision`), one side again while its model is in the cache
(what each side would cost if the cache kept both revisions' models), the semantic diff (`compiler.changes.compare`) and
the money impact (`compiler.impact.money_impact`, the changed contracts lowered
and priced twice). Medians go in a table on stdout, every sample in
bench/out/diff.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
OUT = BENCH / "out"
sys.path.insert(0, str(BENCH))

import generate  # noqa: E402

AVTALE = [sys.executable, "-c", "from runtime.cli.main import main; main()"]
GIT_ENV = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.no",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.no",
    "LC_ALL": "C",
}


def git(root: Path, *args: str, date: str = "2026-06-01T12:00:00+02:00") -> str:
    env = {**os.environ, **GIT_ENV, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    return subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True, text=True).stdout


def change_contracts(root: Path, contracts: int, changed: int) -> list[str]:
    """Raise by 5 the first `quantity` of every (contracts / changed)-th contract; the ids changed."""
    step = max(1, contracts // changed)
    wanted = {f"SKY-{i:06d}" for i in range(1, contracts + 1, step)}
    done: list[str] = []
    for path in sorted(root.rglob("*.avt")):
        text = path.read_text(encoding="utf-8")
        if "contract SKY-" not in text:
            continue
        out: list[str] = []
        current: str | None = None
        for line in text.split("\n"):
            found = re.match(r"contract (SKY-\d{6}) \{", line)
            if found:
                current = found.group(1) if found.group(1) in wanted else None
            quantity = re.match(r"(\s+\w+ quantity )(\d+)$", line)
            if current is not None and quantity:
                line = f"{quantity.group(1)}{int(quantity.group(2)) + 5}"
                done.append(current)
                current = None
            out.append(line)
        path.write_text("\n".join(out), encoding="utf-8")
    return sorted(done)


def prepare(contracts: int, changed: int) -> tuple[Path, str, str, list[str]]:
    base = OUT / f"diff-{contracts}"
    root = base / "ws"
    shutil.rmtree(base, ignore_errors=True)
    files, lines, _ = generate.generate(root, contracts, seed=1)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "--no-gpg-sign", "-m", "10,000 contracts")
    first = git(root, "rev-parse", "HEAD").strip()
    ids = change_contracts(root, contracts, changed)
    git(root, "add", "-A")
    git(root, "commit", "-q", "--no-gpg-sign", "-m", f"{len(ids)} quantities raised", date="2026-06-02T12:00:00+02:00")
    second = git(root, "rev-parse", "HEAD").strip()
    print(f"{contracts} contracts ({files} files, {lines} lines) in {root}; {len(ids)} changed", flush=True)
    return root, first, second, ids


def run(root: Path, cache: Path, revs: list[str], as_of: str) -> tuple[float, str]:
    env = dict(os.environ, PYTHONPATH=str(REPO), XDG_CACHE_HOME=str(cache))
    started = time.perf_counter()
    done = subprocess.run(
        [*AVTALE, "--workspace", str(root), "diff", *revs, "--as-of", as_of],
        env=env,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    if done.returncode != 2:
        raise SystemExit(f"avtale diff exited {done.returncode}, not 2:\n{done.stderr}")
    return wall, done.stdout.rstrip("\n").split("\n")[-1]


def phases(root: Path, cache: Path, old: str, new: str, as_of: str) -> dict[str, float]:
    """Seconds per step of one diff, in this process (caches as the runs left them)."""
    os.environ["XDG_CACHE_HOME"] = str(cache)
    sys.path.insert(0, str(REPO))
    from datetime import date

    from compiler.changes import compare
    from compiler.impact import Horizon, money_impact
    from runtime.loader import load_revision
    from runtime.memory import no_cyclic_gc

    took: dict[str, float] = {}
    with no_cyclic_gc():
        started = time.perf_counter()
        before = load_revision(root, old)
        took["load old side"] = time.perf_counter() - started
        started = time.perf_counter()
        after = load_revision(root, new)
        took["load new side"] = time.perf_counter() - started
        started = time.perf_counter()
        again = load_revision(root, new)
        took["load new side again, its model cached"] = time.perf_counter() - started
        assert again.cached, "the revision just loaded should come from the model cache"
        assert before.result is not None and after.result is not None
        started = time.perf_counter()
        changes = compare(before.result.workspace, after.result.workspace)
        took["compare (semantic diff)"] = time.perf_counter() - started
        started = time.perf_counter()
        horizon = Horizon.starting(date.fromisoformat(as_of), 12)
        contracts = [a.contract for a in changes.affected]
        money_impact(before.result.workspace, after.result.workspace, contracts, horizon)
        took[f"money impact ({len(contracts)} contracts lowered twice)"] = time.perf_counter() - started
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contracts", type=int, default=10_000)
    parser.add_argument("--changed", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--as-of", default="2026-07-01")
    args = parser.parse_args()
    root, old, new, ids = prepare(args.contracts, args.changed)
    cache = root.parent / "cache"
    samples: dict[str, list[float]] = {"cold": [], "warm": [], "working tree": []}
    expected = f"{len(ids)} contracts changed"
    last = ""
    for scenario in samples:
        revs = [old, new]
        if scenario == "working tree":
            git(root, "reset", "-q", "--soft", old)  # HEAD at REV1, the changes in the working tree
            revs = []
            run(root, cache, revs, args.as_of)  # untimed: the working tree's caches
        for i in range(args.runs):
            if scenario == "cold":
                shutil.rmtree(cache, ignore_errors=True)
            wall, last = run(root, cache, revs, args.as_of)
            samples[scenario].append(wall)
            print(f"  {scenario} {i + 1}/{args.runs}: {wall:.2f} s", flush=True)
            if not last.startswith(expected):
                raise SystemExit(f"the summary should start with `{expected}`: {last}")
    print(f"  summary: {last}")
    print("\n| contracts | changed | scenario | median s | min-max s |")
    print("| ---: | ---: | --- | ---: | ---: |")
    for scenario, walls in samples.items():
        print(
            f"| {args.contracts:,} | {len(ids)} | {scenario} | {statistics.median(walls):.2f} "
            f"| {min(walls):.2f}-{max(walls):.2f} |"
        )
    took = phases(root, cache, old, new, args.as_of)
    print("\n| step (in process, after the runs) | s |\n| --- | ---: |")
    for step, seconds in took.items():
        print(f"| {step} | {seconds:.2f} |")
    machine = {
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor(),
    }
    OUT.mkdir(exist_ok=True)
    (OUT / "diff.json").write_text(
        json.dumps(
            {"machine": machine, "as_of": args.as_of, "summary": last, "samples": samples, "phases": took}, indent=1
        )
    )


if __name__ == "__main__":
    main()
