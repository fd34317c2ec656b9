"""The server's session against the files on disk: what it publishes stays what `avtale check` reports."""

from __future__ import annotations

import os
from pathlib import Path

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
