"""The example workspace billed twice (invoices and credit notes), and `avtale export xlsx` run on it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.factories.cli import bill, copy_examples, run


@pytest.fixture(scope="session")
def billed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Billed as of 2026-03-01 (invoices 250001-250009); then the Start plan's 349.00 a month becomes
    299.00 and a second run corrects it: invoice 250010 and credit notes 950001-950003."""
    root = bill(copy_examples(tmp_path_factory.mktemp("xlsx") / "ws"), "2026-03-01")
    start = root / "plans" / "start.avt"
    start.write_text(start.read_text().replace("flat 349.00 per month", "flat 299.00 per month"))
    code, out, err = run(root, "bill", "--as-of", "2026-03-01", "--apply", "--yes")
    assert code == 0, out + err
    return root


@pytest.fixture
def ws(billed: Path, tmp_path: Path) -> Path:
    """A copy of the billed workspace, for a test that writes into it."""
    return Path(shutil.copytree(billed, tmp_path / "ws", ignore=shutil.ignore_patterns("out")))


@pytest.fixture(scope="session")
def exported(billed: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The workbook of the billed workspace as of 2026-03-01, 12 months of schedule."""
    out = tmp_path_factory.mktemp("book") / "book.xlsx"
    code, stdout, stderr = run(billed, "export", "xlsx", "--as-of", "2026-03-01", "--out", str(out))
    assert code == 0, stdout + stderr
    return out
