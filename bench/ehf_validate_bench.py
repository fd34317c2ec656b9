"""Benchmark EHF validation (XML Schema + both PEPPOL Schematron files) with the official examples.

    python bench/ehf_validate_bench.py [--rules ../shared/einvoice] [--runs 7] [--batch 100]

It measures, each as the median of RUNS:

- start-up, cold: a fresh process loading a Validator with an empty Schematron cache (SchXslt compiles
  both .sch files, Saxon compiles the result);
- start-up, warm: the same with the cache filled (only Saxon's compile of the cached XSLT);
- one document: `Validator.validate` of each official example in a loaded validator (after one untimed
  validation each, so the first-call costs of Saxon and lxml are not counted);
- many documents: one `validate_many` call over BATCH documents (the examples, repeated), per document;
- the command: `avtale ehf validate` on the ten examples, end to end, cache warm.

Medians go in a table on stdout and all samples in bench/out/ehf_validate.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from runtime.einvoice.validation import Validator  # noqa: E402

OUT = ROOT / "bench" / "out"
LOAD = "import sys, time; from pathlib import Path; t = time.perf_counter(); from runtime.einvoice.validation import \
Validator; Validator.load(Path(sys.argv[1]), cache=Path(sys.argv[2])); print(time.perf_counter() - t)"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def startup(rules: Path, runs: int, cold: bool) -> list[float]:
    """Seconds from importing the validator to a loaded one, each in a process of its own."""
    samples = []
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "XDG_CACHE_HOME": folder}
        cache = Path(folder) / "schematron"
        if not cold:  # fill the cache once, untimed
            subprocess.run(
                [sys.executable, "-c", LOAD, str(rules), str(cache)], check=True, env=env, cwd=ROOT, capture_output=True
            )
        for run in range(runs):
            target = Path(folder) / f"cold-{run}" if cold else cache
            done = subprocess.run(
                [sys.executable, "-c", LOAD, str(rules), str(target)],
                check=True,
                env=env,
                cwd=ROOT,
                capture_output=True,
                text=True,
            )
            samples.append(float(done.stdout))
    return samples


def command(rules: Path, files: list[Path], runs: int) -> list[float]:
    avtale = Path(sys.executable).parent / "avtale"
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "XDG_CACHE_HOME": folder, "AVTALE_EINVOICE_RULES": str(rules)}
        args = [str(avtale), "ehf", "validate", *map(str, files)]
        subprocess.run(args, env=env, capture_output=True, check=True)  # fills the cache
        samples = []
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run(args, env=env, capture_output=True, check=True)
            samples.append(time.perf_counter() - start)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rules", type=Path, default=ROOT.parent / "shared" / "einvoice")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args()
    rules: Path = args.rules.resolve()
    examples = sorted((rules / "peppol-bis-billing-3.0.19" / "examples").glob("*.xml"))
    documents = [(path.name, path.read_bytes()) for path in examples]

    results: dict[str, list[float]] = {
        "startup, cold cache": startup(rules, args.runs, cold=True),
        "startup, warm cache": startup(rules, args.runs, cold=False),
    }
    with tempfile.TemporaryDirectory() as folder:
        os.environ["XDG_CACHE_HOME"] = folder
        validator = Validator.load(rules, cache=Path(folder) / "schematron")
        for name, data in documents:
            fatal = [f for f in validator.validate(data) if f.fatal]  # untimed warm-up, and a sanity check
            assert not fatal, (name, fatal)
        for name, data in documents:
            samples = []
            for _ in range(args.runs):
                start = time.perf_counter()
                validator.validate(data)
                samples.append(time.perf_counter() - start)
            results[f"one document: {name} ({len(data) // 1024} KiB)"] = samples
        batch = [(f"{n}-{name}", data) for n in range(args.batch // len(documents) + 1) for name, data in documents]
        batch = batch[: args.batch]
        samples = []
        for _ in range(args.runs):
            start = time.perf_counter()
            validator.validate_many(batch)
            samples.append((time.perf_counter() - start) / len(batch))
        results[f"many documents: validate_many of {len(batch)}, per document"] = samples
    results[f"avtale ehf validate, {len(examples)} files, warm cache"] = command(rules, examples, args.runs)

    print(
        f"EHF validation, median of {args.runs} runs ({platform.python_implementation()} {platform.python_version()}, "
        f"{platform.machine()}, {os.cpu_count()} cores)"
    )
    width = max(map(len, results))
    for name, samples in results.items():
        print(f"  {name:<{width}}  {_ms(statistics.median(samples))}")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "ehf_validate.json").write_text(json.dumps({"runs": args.runs, "samples": results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
