"""Break `avtale check` into its phases, in one process, to see where the time goes.

    python bench/profile_check.py WORKSPACE [--cprofile N]

Runs each phase of runtime/loader.py's `load` on its own, serially, and times it:
finding, reading and hashing the files, parsing (the CPU time the worker
processes share between them), pickling the parse results in the workers and
unpickling them in the parent (what ProcessPoolExecutor does to send them
back), the semantic checks, and writing the two cache files; then what the
unchanged and one-file-changed runs read; then the alternative of pickling each
file's result on its own (what the loader does: the workers' bytes are the
cache). Then, on a copy of the workspace in a temporary folder, the phases of
`avtale check` after one contract changed, answered from the last check's
summary (runtime/check_cache.py). Every phase runs twice, with Python's cyclic garbage
collector on (as the loader runs today) and off, since the collector's full
passes over millions of live AST objects are a large share of the time. The
interpreter start and imports are timed in a subprocess. With --cprofile N it
also profiles a whole serial cold load and prints the N costliest functions.

Uses the loader's own functions, so it measures the code in this checkout (or,
with AVTALE_BENCH_CODE=DIR, the copy of dsl/, compiler/ and runtime/ in DIR).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
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

Row = tuple[str, float, str]


def timed(what: str, rows: list[Row], fn: Callable[[], T], note: str = "") -> T:
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


def _write(path: Path, value: object) -> int:
    with path.open("wb") as handle:
        pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
    return path.stat().st_size


def phases(root: Path) -> list[Row]:
    """Each phase of a cold load, then of the unchanged and one-file-changed loads, timed on its own."""
    rows: list[Row] = []
    settings, _ = parse_settings((root / SETTINGS_FILE).read_text("utf-8"))
    paths = timed("discover .avt files (os.walk)", rows, lambda: loader.discover(root, settings))
    sources = timed("read files", rows, lambda: {p: (root / p).read_bytes() for p in paths})
    total = sum(len(v) for v in sources.values())
    digests = timed(
        "sha256 of every file",
        rows,
        lambda: {p: hashlib.sha256(d).hexdigest() for p, d in sources.items()},
        f"{len(paths)} files, {total / 1e6:.1f} MB",
    )
    parsed: list[ParseResult] = timed(
        "parse, serial (CPU the workers share)", rows, lambda: [parse_bytes(sources[p], p) for p in paths]
    )
    stride = (os.cpu_count() or 1) * 4
    batches = [parsed[i::stride] for i in range(stride)]
    blobs: list[bytes] = timed(
        f"pickle results in the workers ({stride} batches)",
        rows,
        lambda: [pickle.dumps(b, protocol=pickle.HIGHEST_PROTOCOL) for b in batches],
    )
    size = sum(len(b) for b in blobs)
    timed("unpickle results in the parent", rows, lambda: [pickle.loads(b) for b in blobs], f"{size / 1e6:.1f} MB")
    result = timed(
        "semantic checks (check_workspace)", rows, lambda: check_workspace([r.file for r in parsed if r.file])
    )
    parse_cache = {p: (digests[p], r) for p, r in zip(paths, parsed, strict=True)}
    check_cache = ("key", tuple(result.diagnostics), {"files": len(paths)})
    with tempfile.TemporaryDirectory() as folder:
        parse_file, check_file, blob_file = (Path(folder, n) for n in ("parse", "check", "blobs"))
        written = timed("write parse cache (pickle.dump)", rows, lambda: _write(parse_file, parse_cache))
        rows[-1] = (*rows[-1][:2], f"{written / 1e6:.1f} MB")
        written = timed("write check cache (pickle.dump)", rows, lambda: _write(check_file, check_cache))
        rows[-1] = (*rows[-1][:2], f"{written / 1e6:.1f} MB")
        timed("unchanged: read check cache (pickle.load)", rows, lambda: pickle.loads(check_file.read_bytes()))
        timed("one file changed: read parse cache (pickle.load)", rows, lambda: pickle.loads(parse_file.read_bytes()))
        # The alternative: each file's result pickled on its own (in the worker that parsed it), and the
        # cache a dict of those bytes, so that the parent never pickles an AST.
        per_file = timed(
            "alternative: pickle each file's result alone",
            rows,
            lambda: {
                p: (digests[p], pickle.dumps(r, protocol=pickle.HIGHEST_PROTOCOL)) for p, r in parse_cache.items()
            },
        )
        written = timed("alternative: write those bytes as the parse cache", rows, lambda: _write(blob_file, per_file))
        rows[-1] = (*rows[-1][:2], f"{written / 1e6:.1f} MB")
        timed(
            "alternative: read the cache and unpickle every file",
            rows,
            lambda: [pickle.loads(b) for _, b in pickle.loads(blob_file.read_bytes()).values()],
        )
    return rows


def one_file_phases(root: Path) -> list[Row]:
    """The phases of a check after one contract changed, from the summary the check before it left, on a
    copy of the workspace (so that nothing is written to it) with a cache folder of its own."""
    import shutil

    from runtime import check_cache

    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder, "ws")
        shutil.copytree(root, copy)
        os.environ["XDG_CACHE_HOME"] = str(Path(folder, "cache"))
        loader.RACY_NS = 0  # the copy's files are seconds old: trust their stats at once, as after 2 s
        loader.load(copy, need_model=False)
        target = sorted((copy / "contracts").rglob("*.avt"))[0]
        target.write_text(target.read_text("utf-8").replace(" quantity ", " quantity 1", 1), encoding="utf-8")
        wrapped = {
            (check_cache, "read_files"): "read the settings, stat every file, read the changed one",
            (check_cache, "_read_summary"): "read the summary and its delta",
            (check_cache, "_parse"): "parse the changed file",
            (check_cache, "_write_summary"): "write the delta",
        }
        originals = {key: getattr(*key) for key in wrapped}
        for (module, name), what in wrapped.items():
            original = originals[(module, name)]

            def timed_call(*args: object, _f: Callable[..., object] = original, _w: str = what, **kw: object) -> object:
                return timed(_w, rows, lambda: _f(*args, **kw))

            setattr(module, name, timed_call)
        try:
            checked = timed("one file changed: the whole load", rows, lambda: loader.load(copy, need_model=False))
        finally:
            for (module, name), original in originals.items():
                setattr(module, name, original)
        rows[-1] = (*rows[-1][:2], f"{len(checked.diagnostics)} diagnostics")
    return rows


def both(root: Path) -> list[tuple[str, float, float, str]]:
    """The phases with Python's cyclic garbage collector on (as the loader runs today) and off."""
    on = phases(root) + one_file_phases(root)
    gc.collect()
    gc.disable()
    try:
        off = phases(root) + one_file_phases(root)
    finally:
        gc.enable()
    return [(a[0], a[1], b[1], a[2] or b[2]) for a, b in zip(on, off, strict=True)]


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
    print(f"interpreter start + imports (python -c 'import runtime.cli.main'): {startup_seconds():.3f} s")
    rows = both(root)
    width = max(len(r[0]) for r in rows)
    print(f"{'phase':<{width}}  {'gc on s':>8}  {'gc off s':>8}  note")
    for what, on, off, note in rows:
        print(f"{what:<{width}}  {on:8.3f}  {off:8.3f}  {note}")
    if args.cprofile:
        print(profile(root, args.cprofile))
    return 0


if __name__ == "__main__":
    sys.exit(main())
