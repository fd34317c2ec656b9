"""Where an import writes: only where the workspace reads, never through links, never over a file it did not read."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from tests.importing.conftest import avtale
from tests.importing.test_errors import CONTRACTS, CUSTOMERS, GOOD_CONTRACT, GOOD_CUSTOMER, write


def test_files_go_into_the_first_source_folder(workspace: Path, tmp_path: Path) -> None:
    (workspace / "avtale.toml").write_text('sources = ["src"]\n', encoding="utf-8")
    (workspace / "src").mkdir()
    (workspace / "seller.avt").rename(workspace / "src" / "seller.avt")
    code, out, err = avtale(workspace, "import", "customers", str(write(tmp_path / "k.csv", CUSTOMERS + GOOD_CUSTOMER)))
    assert code == 0, err
    assert (workspace / "src" / "customers" / "k.avt").exists()
    code, _, err = avtale(workspace, "import", "contracts", str(write(tmp_path / "a.csv", CONTRACTS + GOOD_CONTRACT)))
    assert code == 0, err
    assert (workspace / "src" / "contracts" / "A-1-fjellsport.avt").exists()
    code, out, _ = avtale(workspace, "check")
    assert code == 0 and "1 contract" in out and "1 customer" in out


def test_a_linked_folder_is_refused(workspace: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (workspace / "customers").symlink_to(outside, target_is_directory=True)
    code, _, err = avtale(workspace, "import", "customers", str(write(tmp_path / "k.csv", CUSTOMERS + GOOD_CUSTOMER)))
    assert code == 1
    assert "through the link customers" in err
    assert list(outside.iterdir()) == []


def test_a_file_the_workspace_does_not_read_is_never_overwritten(workspace: Path, tmp_path: Path) -> None:
    # a named pipe where the customers file would go: the loader skips it with a warning (W0102), so it is
    # not a source, and the import must not replace it
    customers = workspace / "customers"
    customers.mkdir()
    os.mkfifo(customers / "k.avt")
    code, _, err = avtale(workspace, "import", "customers", str(write(tmp_path / "k.csv", CUSTOMERS + GOOD_CUSTOMER)))
    assert code == 1
    assert "customers/k.avt, which exists but is not one of the workspace's sources" in err
    assert stat.S_ISFIFO(os.lstat(customers / "k.avt").st_mode)
