"""Parse every .avt file of a workspace with Lark's own LALR loop and with the fast path, side by side.

    python bench/parse_bench.py [WORKSPACE] [--runs 3]

The files are read first; each run times `dsl.parser.parse` over all of them in this process, with the
cyclic garbage collector off (as the loader runs), alternating Lark's loop (the fast path switched
off) and the fast path (dsl/fastparse.py). Prints each run's CPU seconds and the medians.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from pathlib import Path

from dsl.parser import _parser, parse


def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("workspace", nargs="?", default="bench/out/revenue-10000-s1")
    args.add_argument("--runs", type=int, default=3)
    options = args.parse_args()
    texts = [(str(p), p.read_text("utf-8")) for p in sorted(Path(options.workspace).rglob("*.avt"))]
    gc.disable()
    fast = _parser().fast
    times: dict[str, list[float]] = {"lark": [], "fast": []}
    for _ in range(options.runs):
        for label in times:
            _parser().fast = fast if label == "fast" else None
            start = time.process_time()
            for path, text in texts:
                parse(text, path)
            times[label].append(time.process_time() - start)
            print(f"{label}: {times[label][-1]:.2f} s")
    _parser().fast = fast
    print(
        f"{len(texts)} files; medians: Lark's loop {statistics.median(times['lark']):.2f} s, "
        f"fast path {statistics.median(times['fast']):.2f} s of CPU"
    )


if __name__ == "__main__":
    main()
