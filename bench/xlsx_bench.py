"""Benchmark `avtale export xlsx` on a generated workspace with a billed ledger.

    python bench/xlsx_bench.py [--contracts 1000,10000] [--runs 3] [--as-of 2026-07-01]

For each size N it generates the workspace with bench/generate.py (seed 1) into
bench/out/xlsx-N/, with no usage files, creates its ledger and applies one bill run as of
--as-of (untimed; kept and reused by later runs of this script). It then times, RUNS times,
`avtale --workspace DIR export xlsx --as-of D --out FILE --force` as a subprocess, after one
untimed run that fills the workspace's caches, and checks that every run wrote the same
bytes. Medians, with the rows per sheet and the file's size, go to stdout and
bench/out/xlsx.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
OUT = BENCH / "out"
AVTALE = [sys.executable, "-c", "from runtime.cli.main import main; main()"]
ROWS = re.compile(r"rows per sheet (.*?);")


def avtale(root: Path, *args: str) -> str:
    done = subprocess.run([*AVTALE, "--workspace", str(root), *args], cwd=REPO, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"avtale {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def prepare(contracts: int, as_of: str) -> Path:
    """The workspace of `contracts` contracts billed once as of `as_of` (made once, then reused)."""
    root = OUT / f"xlsx-{contracts}"
    if (root / "ledger.sqlite").exists():
        return root
    subprocess.run([sys.executable, str(BENCH / "generate.py"), str(root), "--contracts", str(contracts)], check=True)
    avtale(root, "ledger", "init")
    avtale(root, "bill", "--as-of", as_of, "--apply")
    return root


def measure(contracts: int, runs: int, as_of: str) -> dict[str, object]:
    root = prepare(contracts, as_of)
    target = OUT / f"xlsx-{contracts}.xlsx"
    args = ("export", "xlsx", "--as-of", as_of, "--out", str(target), "--force")
    out = avtale(root, *args)  # fills the parse, check and model caches
    seconds, digests = [], set()
    for _ in range(runs):
        started = time.perf_counter()
        out = avtale(root, *args)
        seconds.append(time.perf_counter() - started)
        digests.add(hashlib.sha256(target.read_bytes()).hexdigest())
    found = ROWS.search(out)
    return {
        "contracts": contracts,
        "seconds": seconds,
        "median_s": statistics.median(seconds),
        "rows": found.group(1) if found else out.strip(),
        "bytes": target.stat().st_size,
        "identical": len(digests) == 1,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contracts", default="1000,10000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--as-of", default="2026-07-01")
    opts = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    results = [measure(int(n), opts.runs, opts.as_of) for n in opts.contracts.split(",")]
    print(f"{'contracts':>9}  {'median s':>8}  {'MB':>6}  same bytes  rows")
    for r in results:
        size = int(str(r["bytes"])) / 1e6
        print(
            f"{r['contracts']:>9}  {float(str(r['median_s'])):>8.2f}  {size:>6.1f}  {r['identical']!s:>10}  {r['rows']}"
        )
    (OUT / "xlsx.json").write_text(
        json.dumps({"machine": platform.platform(), "python": platform.python_version(), "results": results}, indent=2)
    )


if __name__ == "__main__":
    main()
