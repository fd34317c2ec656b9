"""`Ledger.open(path, read_only=True)`: for commands that only read. It never writes, and works in a
folder the user may not write.

chmod does not restrict root, so when the tests run as root the reading happens in a forked child
that has dropped to the `nobody` user: the folder is then really read-only for it.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from runtime.ledger import Ledger, LedgerError, connect
from tests.ledger.factories import credit_note, dump, invoice, issue

NOBODY = 65534


def make_ledger(folder: Path) -> Path:
    path = folder / "ledger.sqlite"
    with Ledger.open(path) as ledger:
        issue(ledger, [invoice(), invoice()])
        issue(ledger, [credit_note(1001)])
    return path


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture
def shared() -> Iterator[Path]:
    """A folder any user can enter (pytest's own are root's alone), removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="avtale-ro-"))
    folder.chmod(0o755)
    yield folder
    for path in (folder, *folder.rglob("*")):
        if path.is_dir():
            path.chmod(stat.S_IRWXU)
    shutil.rmtree(folder)


def as_reader(read: Callable[[], Any]) -> Any:
    """`read()` run by a user the read-only folder really binds: this process, or as root a forked
    child that became `nobody`. Its result comes back as JSON; an exception as its text."""
    if os.geteuid() != 0:
        return read()
    into, out = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover (the child reports through the pipe)
        os.close(into)
        try:
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            result: Any = {"value": read()}
        except BaseException as exc:  # anything, so that the child always reports and exits
            result = {"error": f"{type(exc).__name__}: {exc}"}
        with os.fdopen(out, "w") as pipe:
            json.dump(result, pipe)
        os._exit(0)
    os.close(out)
    with os.fdopen(into) as pipe:
        data = pipe.read()
    os.waitpid(child, 0)
    found = json.loads(data)
    if "error" in found:
        raise AssertionError(f"the reader failed: {found['error']}")
    return found["value"]


def summary(path: Path) -> dict[str, Any]:
    with Ledger.open(path, read_only=True) as ledger:
        return {
            "numbers": [d.number for d in ledger.documents()],
            "problems": ledger.verify(),
            "tail": ledger.verify_tail(),
            "anchor": [t.number for t in ledger.anchor().tails],
            "writable": connect.folder_writable(path.parent),
        }


def test_reading_in_a_read_only_folder(shared: Path) -> None:
    folder = shared / "ws"
    folder.mkdir()
    path = make_ledger(folder)
    path.chmod(0o644)
    before = dump(path)
    folder.chmod(0o555)
    found = as_reader(lambda: summary(path))
    assert found == {
        "numbers": [1001, 1002, 1],
        "problems": [],
        "tail": [],
        "anchor": [1002, 1],
        "writable": False,
    }
    assert listing(folder) == ["ledger.sqlite"]  # no -wal or -shm file was made
    folder.chmod(0o755)
    assert dump(path) == before


def test_a_read_only_folder_with_changes_only_in_the_wal(shared: Path) -> None:
    # A run committed into the -wal file, and the folder was made read-only before anyone checkpointed it.
    source = shared / "source"
    source.mkdir()
    path = make_ledger(source)
    writer = Ledger.open(path)
    writer._db.execute("PRAGMA wal_autocheckpoint = 0")
    issue(writer, [invoice()])
    folder = shared / "ws"
    folder.mkdir()
    for name in ("ledger.sqlite", "ledger.sqlite-wal"):
        shutil.copyfile(source / name, folder / name)
        (folder / name).chmod(0o644)
    writer.close()
    folder.chmod(0o555)

    def attempt() -> str:
        try:
            Ledger.open(folder / "ledger.sqlite", read_only=True).close()
        except LedgerError as exc:
            return f"{exc.message} | {exc.help}"
        return "opened"

    found = as_reader(attempt)
    assert "ledger.sqlite-wal holds changes not yet written into ledger.sqlite" in found
    assert "run the command once where you may write the folder" in found


def test_reading_in_a_writable_folder_leaves_nothing_behind(tmp_path: Path) -> None:
    path = make_ledger(tmp_path)
    before = dump(path)
    with Ledger.open(path, read_only=True) as ledger:
        assert [d.number for d in ledger.documents()] == [1001, 1002, 1]
        with pytest.raises(RuntimeError, match="opened read-only"):
            issue(ledger, [invoice()])
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            ledger._db.execute("DELETE FROM settlements")  # SQLite itself refuses any change
    assert listing(tmp_path) == ["ledger.sqlite"]
    assert dump(path) == before


def test_a_read_only_folder_is_opened_by_uri(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The URI taken when the folder is not writable, whoever runs the tests.
    path = make_ledger(tmp_path)
    opened: list[str] = []
    real = sqlite3.connect

    def spy(database: Any, *args: Any, **kwargs: Any) -> sqlite3.Connection:
        opened.append(str(database))
        return real(database, *args, **kwargs)

    monkeypatch.setattr(connect, "folder_writable", lambda folder: False)
    monkeypatch.setattr(connect.sqlite3, "connect", spy)
    with Ledger.open(path, read_only=True) as ledger:
        assert len(ledger.documents()) == 3
    assert opened[0] == f"{path.resolve().as_uri()}?mode=ro"


def test_read_only_never_creates(tmp_path: Path) -> None:
    with pytest.raises(LedgerError, match="there is no ledger at"):
        Ledger.open(tmp_path / "ledger.sqlite", read_only=True)
    empty = tmp_path / "empty.sqlite"
    empty.write_bytes(b"")
    with pytest.raises(LedgerError, match="is not an Avtale ledger"):
        Ledger.open(empty, read_only=True)
    assert listing(tmp_path) == ["empty.sqlite"]


def test_a_file_that_is_not_a_ledger_in_a_read_only_folder(shared: Path) -> None:
    folder = shared / "ws"
    folder.mkdir()
    (folder / "ledger.sqlite").write_text("invoices, but in a spreadsheet\n" * 200)
    (folder / "ledger.sqlite").chmod(0o644)
    folder.chmod(0o555)

    def attempt() -> str:
        try:
            Ledger.open(folder / "ledger.sqlite", read_only=True).close()
        except LedgerError as exc:
            return f"{type(exc).__name__}: {exc.message}"
        return "opened"

    assert (
        as_reader(attempt)
        == f"LedgerSchemaError: {folder / 'ledger.sqlite'} is not an Avtale ledger: file is not a database"
    )
