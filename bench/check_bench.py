"""Benchmark `avtale check` on synthetic workspaces, and its peers on a ledger of the same size.

    python bench/check_bench.py [--sizes 1000,10000] [--runs 5] [--seed 1] [--snapshot] [--no-peers]

For each size N (contracts) it generates the workspace with bench/generate.py
(or reuses bench/out/ws-N-sS when the generator and arguments are unchanged)
and runs `avtale --workspace DIR check` as a subprocess, RUNS times each:

- cold:      the cache folder DIR/.avtale deleted first (everything parsed and checked);
- unchanged: nothing changed since the previous run (answered from the check cache);
- one file:  one contract's `quantity` changed before each run (one file parsed,
             the whole workspace checked again).

For every run it records wall time, CPU time (user + system, children included)
and peak memory: ru_maxrss from os.wait4, which on Linux is the peak resident
set of the largest single process in the tree (the CLI or one of its parser
workers). One extra cold run per size samples /proc every 20 ms to find the
peak of the whole tree's PSS (proportional set size: shared copy-on-write pages
counted once), the memory the machine really needs. Medians go in a table on
stdout and all samples in bench/out/check.json. Unless --no-peers, bench/peers.py
then times `hledger check` and `bean-check` on a 200,000-line ledger.

--snapshot copies dsl/, compiler/ and runtime/ into bench/out/snapshot/ first
and runs that copy (`python -c 'from runtime.cli.main import main; main()'`),
so that edits made to the checkout while the benchmark runs cannot change the
code measured or invalidate the cache (the cache key includes a hash of the
code).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
OUT = BENCH / "out"
sys.path.insert(0, str(BENCH))

import generate  # noqa: E402
import peers  # noqa: E402

TARGETS = {"cold": 8.0, "unchanged": 1.0}
"""Seconds, for the largest size (10,000 contracts, about 200,000 lines) on the 2-core reference machine."""
MEMORY_TARGET_MB = 1024.0
SCENARIOS = ("cold", "unchanged", "one file")


@dataclass
class Sample:
    wall: float
    cpu: float
    """User plus system seconds of the process and every child it waited for."""
    maxrss_mb: float
    """Peak resident set of the largest single process in the tree."""
    exit: int


@dataclass
class Scenario:
    samples: list[Sample] = field(default_factory=list)

    def median(self, attr: str) -> float:
        return float(statistics.median(float(getattr(s, attr)) for s in self.samples))


@dataclass
class SizeResult:
    contracts: int
    files: int
    lines: int
    megabytes: float
    scenarios: dict[str, Scenario] = field(default_factory=dict)
    tree_pss_peak_mb: float = 0.0
    tree_rss_peak_mb: float = 0.0


class TreeSampler(threading.Thread):
    """Polls /proc for a process and its descendants; keeps the peak of their summed PSS and RSS."""

    def __init__(self, pid: int, interval: float = 0.02) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.stop = threading.Event()
        self.peak_pss_kb = 0
        self.peak_rss_kb = 0

    def _tree(self) -> list[int]:
        pids, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            pids.append(pid)
            try:
                for task in os.listdir(f"/proc/{pid}/task"):
                    with open(f"/proc/{pid}/task/{task}/children") as handle:
                        todo.extend(int(c) for c in handle.read().split())
            except OSError:
                continue
        return pids

    @staticmethod
    def _memory(pid: int) -> tuple[int, int]:
        pss = rss = 0
        try:
            with open(f"/proc/{pid}/smaps_rollup") as handle:
                for line in handle:
                    if line.startswith("Pss:"):
                        pss = int(line.split()[1])
                    elif line.startswith("Rss:"):
                        rss = int(line.split()[1])
        except OSError:
            pass
        return pss, rss

    def run(self) -> None:
        while not self.stop.is_set():
            pss = rss = 0
            for pid in self._tree():
                p, r = self._memory(pid)
                pss += p
                rss += r
            self.peak_pss_kb = max(self.peak_pss_kb, pss)
            self.peak_rss_kb = max(self.peak_rss_kb, rss)
            self.stop.wait(self.interval)


class Runner:
    """Runs `avtale --workspace DIR check` and measures it."""

    def __init__(self, snapshot: bool) -> None:
        self.env = dict(os.environ)
        self.env.pop("AVTALE_DEBUG", None)
        # A user's Python caches bytecode; some sandboxes turn that off, which would add compiling to every run.
        self.env.pop("PYTHONDONTWRITEBYTECODE", None)
        self.env["NO_COLOR"] = "1"
        if snapshot:
            code = OUT / "snapshot"
            if code.exists():
                shutil.rmtree(code)
            for package in ("dsl", "compiler", "runtime"):
                shutil.copytree(REPO / package, code / package, ignore=shutil.ignore_patterns("__pycache__"))
            subprocess.run([sys.executable, "-m", "compileall", "-q", str(code)], check=True)
            self.env["PYTHONPATH"] = str(code)
            self.prefix = [sys.executable, "-c", "import sys; from runtime.cli.main import main; main()"]
            self.code = code
        else:
            self.prefix = [str(Path(sys.executable).with_name("avtale"))]
            self.code = REPO
        self.code_hash = code_hash(self.code)

    def command(self, workspace: Path) -> list[str]:
        return [*self.prefix, "--workspace", str(workspace), "check"]

    def run(self, workspace: Path, *, sample_tree: bool = False) -> tuple[Sample, TreeSampler | None, str]:
        with tempfile.TemporaryFile() as out:
            start = time.perf_counter()
            # The caches live in the user's cache folder: one per workspace, under it, so "cold" can delete them.
            env = dict(self.env, XDG_CACHE_HOME=str(workspace / ".avtale"))
            process = subprocess.Popen(self.command(workspace), stdout=out, stderr=subprocess.STDOUT, env=env)
            sampler = TreeSampler(process.pid) if sample_tree else None
            if sampler:
                sampler.start()
            _, status, usage = os.wait4(process.pid, 0)
            wall = time.perf_counter() - start
            process.returncode = os.waitstatus_to_exitcode(status)
            if sampler:
                sampler.stop.set()
                sampler.join()
            out.seek(0)
            text = out.read().decode("utf-8", errors="replace")
        sample = Sample(
            wall=wall,
            cpu=usage.ru_utime + usage.ru_stime,
            maxrss_mb=usage.ru_maxrss / 1024,
            exit=process.returncode,
        )
        return sample, sampler, text


def code_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for package in ("dsl", "compiler", "runtime"):
        for path in sorted((folder / package).rglob("*")):
            if path.suffix in (".py", ".lark"):
                digest.update(path.relative_to(folder).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def workspace_for(contracts: int, seed: int) -> tuple[Path, int, int, int]:
    """The generated workspace for N contracts, reused when generate.py and its arguments are unchanged."""
    folder = OUT / f"ws-{contracts}-s{seed}"
    stamp_file = OUT / f"ws-{contracts}-s{seed}.json"
    generator = hashlib.sha256((BENCH / "generate.py").read_bytes()).hexdigest()
    if stamp_file.is_file() and folder.is_dir():
        stamp = json.loads(stamp_file.read_text())
        if stamp.get("generator") == generator:
            return folder, stamp["files"], stamp["lines"], stamp["bytes"]
    files, lines, size = generate.generate(folder, contracts, seed)
    stamp_file.write_text(json.dumps({"generator": generator, "files": files, "lines": lines, "bytes": size}))
    return folder, files, lines, size


def touch_target(workspace: Path) -> Path:
    """A file holding a single contract: the first under contracts/000/."""
    return sorted((workspace / "contracts" / "000").glob("*.avt"))[0]


QUANTITY = re.compile(r"(quantity )(\d+)")


def set_quantity(path: Path, original: str, bump: int) -> None:
    def change(match: re.Match[str]) -> str:
        return f"{match.group(1)}{int(match.group(2)) + bump}"

    path.write_text(QUANTITY.sub(change, original, count=1), "utf-8")


def clean_output(sample: Sample, text: str, what: str) -> None:
    """Stop on errors; say so (once) when a change to the checks made the generated workspace warn."""
    if sample.exit != 0:
        raise SystemExit(f"{what}: avtale check failed (exit {sample.exit}):\n{text[-2000:]}")
    last = text.strip().splitlines()[-1] if text.strip() else ""
    if "no problems" not in last and last not in _warned:
        _warned.add(last)
        print(f"  note: the generated workspace is not clean any more ({last}); fix bench/generate.py", flush=True)


_warned: set[str] = set()


def bench_size(runner: Runner, contracts: int, seed: int, runs: int) -> SizeResult:
    workspace, files, lines, size = workspace_for(contracts, seed)
    result = SizeResult(contracts, files, lines, round(size / 1e6, 2))
    print(f"\n{contracts} contracts: {files} files, {lines} lines, {size / 1e6:.1f} MB in {workspace}", flush=True)
    cache = workspace / ".avtale"

    cold = result.scenarios.setdefault("cold", Scenario())
    for i in range(runs):
        shutil.rmtree(cache, ignore_errors=True)
        sample, _, text = runner.run(workspace)
        clean_output(sample, text, "cold")
        cold.samples.append(sample)
        print(f"  cold {i + 1}/{runs}: {sample.wall:.2f} s", flush=True)

    unchanged = result.scenarios.setdefault("unchanged", Scenario())
    for _ in range(runs):
        sample, _, text = runner.run(workspace)
        clean_output(sample, text, "unchanged")
        unchanged.samples.append(sample)
    print(f"  unchanged: {unchanged.median('wall'):.2f} s", flush=True)

    target = touch_target(workspace)
    original = target.read_text("utf-8")
    touched = result.scenarios.setdefault("one file", Scenario())
    try:
        for i in range(runs):
            set_quantity(target, original, i + 1)
            sample, _, text = runner.run(workspace)
            clean_output(sample, text, "one file")
            touched.samples.append(sample)
    finally:
        target.write_text(original, "utf-8")
    print(f"  one file changed ({target.relative_to(workspace)}): {touched.median('wall'):.2f} s", flush=True)

    shutil.rmtree(cache, ignore_errors=True)
    sample, sampler, text = runner.run(workspace, sample_tree=True)
    clean_output(sample, text, "cold (memory)")
    assert sampler is not None
    result.tree_pss_peak_mb = round(sampler.peak_pss_kb / 1024, 1)
    result.tree_rss_peak_mb = round(sampler.peak_rss_kb / 1024, 1)
    print(f"  cold, whole tree sampled: PSS peak {result.tree_pss_peak_mb:.0f} MB", flush=True)
    return result


def machine() -> dict[str, object]:
    info: dict[str, object] = {
        "nproc": os.cpu_count(),
        "loadavg_at_end": os.getloadavg(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["memory_gb"] = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return info


def git_revision() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "dsl", "compiler", "runtime"],
            cwd=REPO,
            capture_output=True,
            text=True,
        )
    except OSError:
        return "unknown"
    return head.stdout.strip() + ("+modified" if dirty.stdout.strip() else "")


def table(results: list[SizeResult]) -> str:
    rows = [
        "| contracts | lines | files | scenario | wall s (median) | min–max | CPU s | peak RSS, largest process MB |",
        "| ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        for name in SCENARIOS:
            s = r.scenarios[name]
            rows.append(
                f"| {r.contracts:,} | {r.lines:,} | {r.files:,} | {name} | {s.median('wall'):.2f} "
                f"| {min(x.wall for x in s.samples):.2f}–{max(x.wall for x in s.samples):.2f} "
                f"| {s.median('cpu'):.2f} | {s.median('maxrss_mb'):.0f} |"
            )
    return "\n".join(rows)


def verdicts(results: list[SizeResult]) -> list[str]:
    largest = max(results, key=lambda r: r.contracts)
    out = []
    for name, limit in TARGETS.items():
        got = largest.scenarios[name].median("wall")
        word = "met" if got <= limit else f"MISSED by {got - limit:.2f} s ({got / limit - 1:.0%})"
        out.append(f"{name} check, {largest.contracts:,} contracts: {got:.2f} s (target <= {limit:g} s): {word}")
    peak = max(largest.tree_pss_peak_mb, max(s.maxrss_mb for s in largest.scenarios["cold"].samples))
    word = "met" if peak < MEMORY_TARGET_MB else "MISSED"
    out.append(f"peak memory, {largest.contracts:,} contracts: {peak:.0f} MB (target < 1 GiB): {word}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000", help="contract counts, comma-separated (default 1000,10000)")
    parser.add_argument("--runs", type=int, default=5, help="runs per scenario; medians are reported (default 5)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--snapshot", action="store_true", help="measure a copy of the code taken at the start")
    parser.add_argument("--no-peers", action="store_true", help="skip hledger and bean-check")
    parser.add_argument("--peer-lines", type=int, default=200_000, help="ledger size for the peers (default 200000)")
    parser.add_argument("--json", type=Path, default=OUT / "check.json", help="where to write the results")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    OUT.mkdir(parents=True, exist_ok=True)

    load_at_start = os.getloadavg()
    runner = Runner(args.snapshot)
    print(f"measuring {' '.join(runner.command(Path('DIR')))} (code {runner.code_hash}, git {git_revision()})")
    results = [bench_size(runner, n, args.seed, args.runs) for n in sizes]
    peer_results = None if args.no_peers else peers.run_all(OUT / "peers", args.peer_lines, runs=3)

    print("\n" + table(results))
    print()
    for line in verdicts(results):
        print(line)
    for r in results:
        print(
            f"{r.contracts:,} contracts, cold, whole tree: PSS peak {r.tree_pss_peak_mb:.0f} MB, "
            f"RSS sum peak {r.tree_rss_peak_mb:.0f} MB"
        )
    if peer_results is not None:
        largest = max(results, key=lambda r: r.contracts)
        print()
        print(
            peers.comparison(
                peer_results,
                largest.scenarios["cold"].median("wall"),
                largest.scenarios["unchanged"].median("wall"),
                largest.lines,
            )
        )

    report = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {**machine(), "loadavg_at_start": load_at_start},
        "command": runner.command(Path("DIR")),
        "code": {"hash": runner.code_hash, "git": git_revision(), "snapshot": args.snapshot},
        "runs": args.runs,
        "seed": args.seed,
        "targets": {"cold_s": TARGETS["cold"], "unchanged_s": TARGETS["unchanged"], "memory_mb": MEMORY_TARGET_MB},
        "sizes": [
            {
                **{k: v for k, v in asdict(r).items() if k != "scenarios"},
                "scenarios": {
                    name: {
                        "median_wall_s": round(s.median("wall"), 3),
                        "median_cpu_s": round(s.median("cpu"), 3),
                        "median_maxrss_mb": round(s.median("maxrss_mb"), 1),
                        "samples": [asdict(x) for x in s.samples],
                    }
                    for name, s in r.scenarios.items()
                },
            }
            for r in results
        ],
        "verdicts": verdicts(results),
        "peers": peer_results,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
