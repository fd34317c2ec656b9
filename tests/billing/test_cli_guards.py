"""The mistakes that once moved money with exit 0, tried as a user would on the example workspace."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.factories.cli import bill, copy_examples
from tests.factories.cli import run_output as run


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return copy_examples(tmp_path / "ws")


def documents(root: Path, name: str = "ledger.sqlite") -> int:
    db = sqlite3.connect(root / name)
    try:
        return int(db.execute("SELECT count(*) FROM documents").fetchone()[0])
    finally:
        db.close()


@pytest.fixture
def billed(ws: Path) -> Path:
    """The example workspace with its ledger initialised and billed as of 1 July 2026."""
    return bill(ws, "2026-07-01")


def test_the_first_apply_needs_an_initialised_ledger(ws: Path) -> None:
    code, output = run(ws, "bill", "--as-of", "2026-07-01", "--apply")
    assert code == 1
    assert "there is no ledger at" in output and "avtale ledger init" in output
    assert not (ws / "ledger.sqlite").exists()
    assert run(ws, "bill", "--as-of", "2026-07-01")[0] == 0  # a plan needs no ledger


def test_an_apply_prints_the_anchor_of_the_ledger(billed: Path) -> None:
    code, anchor = run(billed, "ledger", "anchor")
    assert code == 0
    code, output = run(billed, "bill", "--as-of", "2026-07-01", "--apply")  # nothing new: the same anchor
    assert code == 0 and anchor.strip() in output


def test_a_moved_ledger_path_is_refused(billed: Path) -> None:
    settings = billed / "avtale.toml"
    settings.write_text(settings.read_text(encoding="utf-8") + '\nledger = "books/ledger.sqlite"\n', encoding="utf-8")
    code, output = run(billed, "bill", "--as-of", "2026-08-01", "--apply")
    assert code == 1 and "there is no ledger at" in output and "point the `ledger` setting" in output
    assert not (billed / "books").exists()


def test_a_ledger_of_another_seller_is_refused(billed: Path) -> None:
    seller = billed / "seller.avt"
    seller.write_text(seller.read_text(encoding="utf-8").replace('"925792403"', '"974760673"'), encoding="utf-8")
    before = documents(billed)
    code, output = run(billed, "bill", "--as-of", "2026-08-01", "--apply")
    assert code == 1 and "925792403" in output and "974760673" in output
    assert documents(billed) == before


def test_an_earlier_as_of_is_refused_and_credits_nothing(billed: Path) -> None:
    before = documents(billed)
    code, output = run(billed, "bill", "--as-of", "2025-01-01", "--apply")
    assert code == 1
    assert "before the latest applied bill run's as-of date, 2026-07-01" in output and "--backdate" in output
    assert documents(billed) == before
    code, output = run(billed, "bill", "--as-of", "2025-01-01", "--json")
    assert code == 0 and json.loads(output[: output.rindex("}") + 1])["documents"] == []
    code, output = run(billed, "bill", "--as-of", "2025-01-01", "--apply", "--backdate")
    assert code == 0 and documents(billed) == before


def test_a_missing_usage_folder_is_an_error_not_zero_usage(billed: Path) -> None:
    shutil.rmtree(billed / "usage")
    before = documents(billed)
    code, output = run(billed, "bill", "--as-of", "2026-07-01", "--apply")
    assert code == 1
    assert "usage billed before is gone" in output and "nothing was issued" in output
    assert "--accept-removed-usage" in output
    assert documents(billed) == before


def test_credits_above_the_threshold_ask_for_yes(billed: Path) -> None:
    shutil.rmtree(billed / "usage")
    before = documents(billed)
    code, output = run(billed, "bill", "--as-of", "2026-07-01", "--apply", "--accept-removed-usage")
    assert code == 1
    assert "credits more than 10% of what it invoices" in output and "--yes" in output
    assert "why: no longer billed" in output or "why: now 0.00" in output
    assert documents(billed) == before
    code, output = run(billed, "bill", "--as-of", "2026-07-01", "--apply", "--accept-removed-usage", "--yes")
    assert code == 0 and documents(billed) > before


def test_a_source_file_that_cannot_be_read_stops_the_run(ws: Path) -> None:
    import os

    os.mkfifo(ws / "contracts" / "pipe.avt")
    code, output = run(ws, "bill", "--as-of", "2026-07-01")
    assert code == 1
    assert "warning[W0102]: contracts/pipe.avt is a named pipe (FIFO)" in output
    assert "1 source file(s) were not read; nothing is billed without them" in output


def test_fmt_never_opens_a_pipe(ws: Path) -> None:
    import os
    import subprocess
    import sys

    os.mkfifo(ws / "contracts" / "pipe.avt")
    done = subprocess.run(
        [sys.executable, "-c", "from runtime.cli.main import main; main()", "fmt", "--check", str(ws)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "pipe.avt is a named pipe (FIFO), not a regular file, so it is not formatted" in done.stderr
