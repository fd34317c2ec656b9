"""Hostile files in the workspace and its usage folder, against `check`, `usage summary` and `bill --apply`.

Each command runs in a process of its own with a timeout (a FIFO or /dev/zero read would never end), and
must end with exit 0 or 1, never 70 (a bug) and never with a Python traceback. An apply that exits 1 has
issued nothing; an output that exits 1 names the hostile file; the ledger verifies afterwards.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.faults import attacks
from tests.faults.conftest import SEED

pytestmark = pytest.mark.faults

HOSTILE_TIMEOUT = 60
COMMANDS = {
    "check": ("check",),
    "usage summary": ("usage", "summary"),
    "bill": ("bill", "--as-of", attacks.AS_OF, "--apply"),
}
EVENT = "SKT-2025-005,payment.captured,2026-05-03T10:00:00+01:00"
"""A contract, metric and day that bill: `payment_volume` sums the `amount` column."""
STORAGE = "SKT-2025-002,storage.snapshot,2026-05-03T10:00:00+01:00"
"""`storage_gb` takes the largest `value`."""


def rows(*lines: str) -> Callable[[Path], str]:
    def add(root: Path) -> str:
        with (root / "usage" / "events.csv").open("a", encoding="utf-8") as events:
            events.write("".join(f"{line}\n" for line in lines))
        return "events.csv"

    return add


def fifo(name: str) -> Callable[[Path], str]:
    def add(root: Path) -> str:
        os.mkfifo(root / "usage" / name)
        return name

    return add


def zero(name: str) -> Callable[[Path], str]:
    def add(root: Path) -> str:
        (root / "usage" / name).symlink_to("/dev/zero")
        return name

    return add


def written(name: str, data: bytes) -> Callable[[Path], str]:
    def add(root: Path) -> str:
        (root / name).write_bytes(data)
        return Path(name).name

    return add


GARBAGE = random.Random(SEED).randbytes(64 * 1024)

HOSTILE: dict[str, Callable[[Path], str]] = {
    "fifo-avt": fifo("pipe.avt"),
    "fifo-csv": fifo("pipe.csv"),
    "dev-zero-avt": zero("zero.avt"),
    "dev-zero-csv": zero("zero.csv"),
    "5-mb-single-line-avt": written("huge.avt", b"contract " + b"x" * 5_000_000),
    "binary-garbage-avt": written("garbage.avt", GARBAGE),
    "binary-garbage-csv": written("usage/garbage.csv", GARBAGE),
    "5-mb-single-line-csv": written("usage/huge.csv", b"id,contract,event,timestamp,value," + b"9" * 5_000_000),
    "negative-amount": rows(f"ev-neg,{EVENT},1,-99999999"),
    "30-digit-amount": rows(f"ev-big,{EVENT},1,{'9' * 30}"),
    "30-digit-value": rows(f"ev-huge,{STORAGE},{'1' * 30},"),
    "same-id-two-values": rows(f"ev-twice,{EVENT},1,100.00", f"ev-twice,{EVENT},1,200.00"),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_files_end_in_a_clear_outcome(case: str, tmp_path: Path) -> None:
    root = tmp_path / "ws"
    cache = tmp_path / "xdg-cache"
    shutil.copytree(attacks.EXAMPLES, root, ignore=shutil.ignore_patterns(".avtale", "ledger.sqlite*", "out"))
    assert attacks.cli(root, cache, "ledger", "init").code == 0
    name = HOSTILE[case](root)
    logs = tmp_path / "logs"
    # The three commands at once: they only read, but for the apply, which writes only the ledger.
    started = {what: attacks.start(root, cache, args, logs, what) for what, args in COMMANDS.items()}
    hung = []
    try:
        for what, process in started.items():
            try:
                process.wait(timeout=HOSTILE_TIMEOUT)
            except subprocess.TimeoutExpired:
                hung.append(what)
    finally:
        for process in started.values():
            if process.poll() is None:
                attacks.kill(process)
                process.wait()
    assert not hung, f"with {case}, these did not end within {HOSTILE_TIMEOUT} s: {', '.join(hung)}"
    for what in COMMANDS:
        outcome = attacks.finish(started[what], logs, what)
        assert attacks.problems_of(outcome, f"`avtale {what}` with {case}", codes=(0, 1)) == []
        if outcome.code == 1:
            assert name in outcome.output, f"`avtale {what}` exits 1 without naming {name}: {attacks.tail(outcome)}"
    bill = attacks.finish(started["bill"], logs, "bill")
    count = attacks.documents(attacks.dump(root / "ledger.sqlite"))
    assert count == (attacks.issued(bill) if bill.code == 0 else 0)
    assert attacks.verify_problems(root, cache, case) == []
