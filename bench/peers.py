"""The peers `avtale check` is measured against: `hledger check` and `bean-check` on a 200,000-line ledger.

    python bench/peers.py [--lines 200000] [--runs 3] [--install]

Writes a deterministic journal (bench/out/peers/ledger.journal) and the same
transactions as a Beancount ledger (ledger.beancount): invoices with three
postings (receivable, revenue, output VAT) and payments with two, spread over
500 customers and three years. Then times, median of RUNS:

- `hledger -f ledger.journal check` (hledger has no cache);
- `bean-check ledger.beancount` cold, its pickle cache (.ledger.beancount.picklecache) deleted first;
- `bean-check ledger.beancount` warm, with that cache in place.

A peer that is not installed is reported as such and skipped. --install tries
`apt-get install -y hledger` and `pip install beancount` (into this Python's
environment; beancount is a benchmark tool, never a dependency of avtale) first.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
CUSTOMERS = 500


@dataclass
class Txn:
    day: date
    payee: str
    memo: str
    postings: list[tuple[str, str]]
    """(account, amount with two decimals)"""


def transactions(seed: int = 1) -> Iterator[Txn]:
    """An endless, deterministic stream of invoices and payments, in date order."""
    rng = random.Random(seed)
    day = date(2024, 1, 1)
    number = 10001
    open_invoices: list[tuple[str, int]] = []
    while True:
        if rng.random() < 0.03:
            day += timedelta(days=1)
        customer = f"K{rng.randrange(CUSTOMERS):06d}"
        if open_invoices and rng.random() < 0.4:
            paid, total = open_invoices.pop(rng.randrange(len(open_invoices)))
            yield Txn(
                day,
                paid,
                "Innbetaling",
                [("Assets:Bank:Driftskonto", cents(total)), (f"Assets:Receivable:{paid}", cents(-total))],
            )
            continue
        net = rng.randint(100, 50_000) * 100
        vat = net // 4
        total = net + vat
        open_invoices.append((customer, total))
        account = rng.choice(["Income:Subscriptions", "Income:Usage", "Income:Setup"])
        yield Txn(
            day,
            customer,
            f"Faktura {number}",
            [
                (f"Assets:Receivable:{customer}", cents(total)),
                (account, cents(-net)),
                ("Liabilities:VAT:Output", cents(-vat)),
            ],
        )
        number += 1


def cents(value: int) -> str:
    sign = "-" if value < 0 else ""
    value = abs(value)
    return f"{sign}{value // 100}.{value % 100:02d}"


ACCOUNTS = [
    "Assets:Bank:Driftskonto",
    "Income:Subscriptions",
    "Income:Usage",
    "Income:Setup",
    "Liabilities:VAT:Output",
    *(f"Assets:Receivable:K{i:06d}" for i in range(CUSTOMERS)),
]


def write_ledgers(folder: Path, lines: int, seed: int = 1) -> tuple[Path, int, Path, int]:
    """Write both ledgers with at least `lines` lines each; return their paths and line counts."""
    folder.mkdir(parents=True, exist_ok=True)
    journal = ["; Synthetic benchmark journal for hledger.", ""]
    bean = ['option "title" "Synthetic benchmark ledger"', 'option "operating_currency" "NOK"', ""]
    bean += [f"2024-01-01 open {a} NOK" for a in ACCOUNTS] + [""]
    stream = transactions(seed)
    while len(journal) < lines or len(bean) < lines:
        t = next(stream)
        if len(journal) < lines:
            journal.append(f"{t.day} * {t.payee} | {t.memo}")
            journal += [f"    {a:<32}  {amount} NOK" for a, amount in t.postings]
            journal.append("")
        if len(bean) < lines:
            bean.append(f'{t.day} * "{t.payee}" "{t.memo}"')
            bean += [f"  {a:<32}  {amount} NOK" for a, amount in t.postings]
            bean.append("")
    journal_path = folder / "ledger.journal"
    bean_path = folder / "ledger.beancount"
    journal_path.write_text("\n".join(journal) + "\n", "utf-8")
    bean_path.write_text("\n".join(bean) + "\n", "utf-8")
    return journal_path, len(journal), bean_path, len(bean)


def timed(command: list[str]) -> tuple[float, float, int, str]:
    """Wall seconds, peak RSS (MB) of the largest process, exit code and output of one run."""
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode("utf-8", errors="replace")
    return wall, usage.ru_maxrss / 1024, process.returncode, text


def median_run(command: list[str], runs: int, before: Any = None) -> dict[str, Any]:
    walls, rss = [], []
    for _ in range(runs):
        if before is not None:
            before()
        wall, peak, code, text = timed(command)
        if code != 0:
            return {"command": command, "error": f"exit {code}: {text[-500:]}"}
        walls.append(wall)
        rss.append(peak)
    return {
        "command": command,
        "median_wall_s": round(statistics.median(walls), 3),
        "walls_s": [round(w, 3) for w in walls],
        "median_maxrss_mb": round(statistics.median(rss), 1),
    }


def bean_check_path() -> str | None:
    beside = Path(sys.executable).with_name("bean-check")
    return str(beside) if beside.is_file() else shutil.which("bean-check")


def install() -> None:
    if shutil.which("hledger") is None:
        print("installing hledger: apt-get update && apt-get install -y hledger", flush=True)
        subprocess.run(["apt-get", "update", "-qq"], check=False)
        subprocess.run(["apt-get", "install", "-y", "-qq", "hledger"], check=False)
    if bean_check_path() is None:
        print("installing beancount: pip install beancount", flush=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "beancount"], check=False)


def version(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return (done.stdout or done.stderr).strip().splitlines()[0] if (done.stdout or done.stderr) else "unknown"


def run_all(folder: Path, lines: int = 200_000, runs: int = 3) -> dict[str, Any]:
    journal, journal_lines, bean, bean_lines = write_ledgers(folder, lines)
    print(f"\npeers: {journal} ({journal_lines} lines), {bean} ({bean_lines} lines)", flush=True)
    results: dict[str, Any] = {"journal_lines": journal_lines, "beancount_lines": bean_lines}

    hledger = shutil.which("hledger")
    if hledger is None:
        print("  hledger is not installed (apt-get install -y hledger); skipped", flush=True)
        results["hledger"] = {"error": "not installed"}
    else:
        results["hledger"] = {
            "version": version([hledger, "--version"]),
            **median_run([hledger, "-f", str(journal), "check"], runs),
        }
        print(
            f"  hledger check: {results['hledger'].get('median_wall_s', results['hledger'].get('error'))}", flush=True
        )

    bean_check = bean_check_path()
    if bean_check is None:
        print("  bean-check is not installed (pip install beancount); skipped", flush=True)
        results["bean-check cold"] = results["bean-check cached"] = {"error": "not installed"}
    else:
        cache = bean.with_name(f".{bean.name}.picklecache")
        env_note = "BEANCOUNT_DISABLE_LOAD_CACHE is set" if os.environ.get("BEANCOUNT_DISABLE_LOAD_CACHE") else ""
        command = [bean_check, str(bean)]
        ver = version([bean_check, "--version"])
        results["bean-check cold"] = {
            "version": ver,
            **median_run(command, runs, lambda: cache.unlink(missing_ok=True)),
        }
        timed(command)  # leaves the cache in place (beancount writes it when a load takes over a second)
        results["bean-check cached"] = {
            "version": ver,
            "cache_present": cache.is_file(),
            "note": env_note,
            **median_run(command, runs),
        }
        for key in ("bean-check cold", "bean-check cached"):
            print(f"  {key}: {results[key].get('median_wall_s', results[key].get('error'))}", flush=True)
    return results


def comparison(peers: dict[str, Any], cold: float, unchanged: float, our_lines: int) -> str:
    """A markdown table: each peer's median against avtale's cold and unchanged checks, per 100,000 lines too."""
    rows = [
        "| tool | lines | median s | s per 100k lines | avtale / peer |",
        "| --- | ---: | ---: | ---: | ---: |",
        f"| avtale check, cold | {our_lines:,} | {cold:.2f} | {cold / our_lines * 1e5:.2f} | |",
        f"| avtale check, unchanged | {our_lines:,} | {unchanged:.2f} | {unchanged / our_lines * 1e5:.2f} | |",
    ]
    for key, lines_key, ours, label in (
        ("hledger", "journal_lines", cold, "cold"),
        ("bean-check cold", "beancount_lines", cold, "cold"),
        ("bean-check cached", "beancount_lines", unchanged, "unchanged"),
    ):
        peer = peers.get(key, {})
        if "median_wall_s" not in peer:
            rows.append(f"| {key} | | {peer.get('error', 'not run')} | | |")
            continue
        lines = peers[lines_key]
        theirs = peer["median_wall_s"]
        ratio = (ours / our_lines) / (theirs / lines)
        rows.append(
            f"| {key} | {lines:,} | {theirs:.2f} | {theirs / lines * 1e5:.2f} | {ratio:.2f}x (avtale {label}) |"
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--install", action="store_true", help="try to install missing peers first")
    parser.add_argument("--out", type=Path, default=BENCH / "out" / "peers")
    args = parser.parse_args(argv)
    if args.install:
        install()
    results = run_all(args.out, args.lines, args.runs)
    for key in ("hledger", "bean-check cold", "bean-check cached"):
        peer = results[key]
        print(f"{key}: {peer.get('median_wall_s', peer.get('error'))} s  (peak RSS {peer.get('median_maxrss_mb')} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
