"""The server's session against the files on disk: what it publishes stays what `avtale check` reports."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from compiler.incremental import Checker
from runtime.loader import load
from runtime.lsp.session import Session
from tests.lsp.workspace import write


def codes(session: Session, path: str) -> list[str]:
    return sorted(d.code for d in session.diagnostics().get(path, ()))


def test_a_file_that_becomes_readable_loses_its_reading_warning(tmp_path: Path) -> None:
    root = write(tmp_path)
    pipe = root / "contracts" / "pipe.avt"
    os.mkfifo(pipe)
    session = Session(root)
    assert codes(session, "contracts/pipe.avt") == ["W0102"]
    pipe.unlink()
    pipe.write_text("# a comment, nothing else\n", encoding="utf-8")
    session.file_changed_on_disk("contracts/pipe.avt")
    assert codes(session, "contracts/pipe.avt") == []


def test_closing_a_file_that_is_not_utf8_keeps_it_in_the_check(tmp_path: Path) -> None:
    root = write(tmp_path)
    latin = root / "latin.avt"
    latin.write_bytes('customer bjorn {\n  name "Bjørn AS"\n}\n'.encode("latin-1"))
    session = Session(root)
    assert "E0101" in codes(session, "latin.avt")
    session.set_buffer("latin.avt", 'customer bjorn {\n  name "Bjørn AS"\n}\n')  # as the editor decoded it
    session.close_buffer("latin.avt")
    assert "E0101" in codes(session, "latin.avt")
    assert any(d.code == "N0101" for found in session.diagnostics().values() for d in found)


def test_the_first_load_takes_parses_from_the_cache_and_checks_as_a_fresh_checker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = write(tmp_path / "ws")
    load(root)  # fills the parse cache, as `avtale check` does
    session = Session(root)
    texts = {path: (root / path).read_text(encoding="utf-8") for path in session.checker.paths}
    fresh = Checker((root / "avtale.toml").read_text(encoding="utf-8"), texts).check()
    assert session.snapshot().diagnostics == fresh.diagnostics
    # and an edit after it is checked like any other
    session.set_buffer("contracts/c1.avt", texts["contracts/c1.avt"].replace("customer buyer", "customer nobody"))
    assert "E0302" in codes(session, "contracts/c1.avt")


def test_a_source_folder_outside_the_workspace_is_read_again_when_a_file_there_changes(tmp_path: Path) -> None:
    root = write(tmp_path / "ws")
    shared = tmp_path / "shared"
    shared.mkdir()
    (root / "avtale.toml").write_text('sources = [".", "../shared"]\n', encoding="utf-8")
    moved = shared / "c1.avt"
    (root / "contracts" / "c1.avt").rename(moved)
    session = Session(root)
    path = session.relative(moved)
    assert path == "../shared/c1.avt" and codes(session, path) == ["N0301"]
    moved.write_text(moved.read_text(encoding="utf-8").replace("customer buyer", "customer nobody"), encoding="utf-8")
    session.file_changed_on_disk(path)
    assert "E0302" in codes(session, path)
