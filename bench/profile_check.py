"""Break a cold `avtale check` into its phases, in one process, to see where the time goes.

    python bench/profile_check.py WORKSPACE [--cprofile N]

Runs each phase of runtime/loader.py's `load` on its own, serially, and times it:
interpreter start and imports, finding and reading the files, hashing them,
parsing (the CPU time the worker processes share between them), pickling the
parse results in the workers and unpickling them in the parent (what
ProcessPoolExecutor does to send them back), the semantic checks, and writing
the two cache files. Then the warm path (reading the check cache) and the
path after one file changed (reading the parse cache, checking everything,
rewriting both caches). With --cprofile N it also profiles a whole serial cold
load with cProfile and prints the N most expensive functions.

Uses the loader's own functions, so it measures the code in this checkout (or,
with AVTALE_BENCH_CODE=DIR, the copy of dsl/, compiler/ and runtime/ in DIR).
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import io
import os
import pickle
import pstats
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
REPO = Path(__file__).resolve().parent.parent
CODE = Path(os.environ.get("AVTALE_BENCH_CODE", REPO))
"""The code measured: this checkout, or a snapshot of it (see check_bench.py --snapshot)."""
sys.path.insert(0, str(CODE))

from compiler.settings import SETTINGS_FILE, parse_settings  # noqa: E402
from compiler.workspace import check_workspace  # noqa: E402
from dsl.parser import ParseResult, parse_bytes  # noqa: E402
from runtime import loader  # noqa: E402


def timed(what: str, rows: list[tuple[str, float, str]], fn: Callable[[], T], note: str = "") -> T:
    start = time.perf_counter()
    value = fn()
    rows.append((what, time.perf_counter() - start, note))
    return value


def startup_seconds(runs: int = 5) -> float:
    """Median wall time of `python -c 'import runtime.cli.main'` (interpreter start plus imports)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        env = {**os.environ, "PYTHONPATH": str(CODE)}
        subprocess.run([sys.executable, "-c", "import runtime.cli.main"], check=True, cwd=CODE, env=env)
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def phases(root: Path) -> list[tuple[str, float, str]]:
    rows: list[tuple[str, float, str]] = []
    rows.append(("interpreter start + imports (subprocess)", startup_seconds(), ""))
    settings, _ = parse_settings((root / SETTINGS_FILE).read_text("utf-8"))
    paths = timed("discover .avt files (os.walk)", rows, lambda: loader.discover(root, settings))
    sources = timed("read files", rows, lambda: {p: (root / p).read_bytes() for p in paths})
    total = sum(len(v) for v in sources.values())
    timed(
        "sha256 of every file",
        rows,
        lambda: {p: hashlib.sha256(d).hexdigest() for p, d in sources.items()},
        f"{len(paths)} files, {total / 1e6:.1f} MB",
    )
    parsed: list[ParseResult] = timed(
        "parse, serial (CPU the workers share)",
        rows,
        lambda: [parse_bytes(sources[p], p) for p in paths],
    )
    workers = os.cpu_count() or 1
    stride = workers * 4
    batches = [parsed[i::stride] for i in range(stride)]
    blobs: list[bytes] = timed(
        f"pickle results in workers ({stride} batches)",
        rows,
        lambda: [pickle.dumps(b, protocol=pickle.HIGHEST_PROTOCOL) for b in batches],
    )
    size = sum(len(b) for b in blobs)
    timed("unpickle results in the parent", rows, lambda: [pickle.loads(b) for b in blobs], f"{size / 1e6:.1f} MB")
    result = timed(
        "semantic checks (check_workspace)", rows, lambda: check_workspace([r.file for r in parsed if r.file])
    )
    digests = {p: hashlib.sha256(d).hexdigest() for p, d in sources.items()}
    parse_cache = {p: (digests[p], r) for p, r in zip(paths, parsed, strict=True)}
    check_cache = ("key", tuple(result.diagnostics), {"files": len(paths)})
    with tempfile.TemporaryDirectory() as folder:
        parse_file = Path(folder, "parse.pickle")
        check_file = Path(folder, "check.pickle")

        def write(path: Path, value: object) -> None:
            with path.open("wb") as handle:
                pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)

        timed("write parse cache (pickle.dump)", rows, lambda: write(parse_file, parse_cache))
        rows[-1] = (*rows[-1][:2], f"{parse_file.stat().st_size / 1e6:.1f} MB")
        timed("write check cache (pickle.dump)", rows, lambda: write(check_file, check_cache))
        rows[-1] = (*rows[-1][:2], f"{check_file.stat().st_size / 1e6:.1f} MB")
        timed("warm: read check cache (pickle.load)", rows, lambda: pickle.loads(check_file.read_bytes()))
        timed("one file changed: read parse cache (pickle.load)", rows, lambda: pickle.loads(parse_file.read_bytes()))
    return rows


def profile(root: Path, top: int) -> str:
    """cProfile of a whole serial cold load (no cache), most expensive functions by own time."""
    loader.PARALLEL_MIN_BYTES = 1 << 62
    profiler = cProfile.Profile()
    with tempfile.TemporaryDirectory():
        profiler.enable()
        loader.load(root, need_model=False, use_cache=False)
        profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("workspace", type=Path)
    parser.add_argument("--cprofile", type=int, default=0, metavar="N", help="also print the N costliest functions")
    args = parser.parse_args(argv)
    root = args.workspace.resolve()
    rows = phases(root)
    width = max(len(r[0]) for r in rows)
    print(f"{'phase':<{width}}  {'seconds':>8}  note")
    for what, seconds, note in rows:
        print(f"{what:<{width}}  {seconds:8.3f}  {note}")
    if args.cprofile:
        print(profile(root, args.cprofile))
    return 0


if __name__ == "__main__":
    sys.exit(main())
