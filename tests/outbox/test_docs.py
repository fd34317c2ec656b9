"""The adapter in docs/sending.md, run as written against an outbox `send` wrote."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from runtime.outbox.send import send
from tests.outbox.documents import CONSUMER, PAPER, document
from tests.outbox.fakes import Clock, FakeLedger, FakeRenderers

DOC = Path(__file__).resolve().parents[2] / "docs" / "sending.md"


def adapter(tmp_path: Path) -> Path:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    assert len(blocks) == 1, "docs/sending.md has one Python example: the adapter"
    script = tmp_path / "deliver.py"
    script.write_text(blocks[0], encoding="utf-8")
    return script


def deliver(script: Path, outbox: Path, channel: str, pickup: Path) -> list[str]:
    done = subprocess.run(
        [sys.executable, str(script), str(outbox), channel, str(pickup)], capture_output=True, text=True, check=True
    )
    return done.stdout.splitlines()


def test_the_documented_adapter_delivers_each_listed_file_once(tmp_path: Path) -> None:
    script, outbox, pickup = adapter(tmp_path), tmp_path / "outbox", tmp_path / "pickup"
    pickup.mkdir()
    ledger = FakeLedger()
    first = [document(250001), document(250002, CONSUMER), document(250003, PAPER)]
    send(first, ledger, outbox, FakeRenderers().renderers(), Clock())

    assert deliver(script, outbox, "peppol", pickup) == ["delivered invoice 250001 to 0192:976240391"]
    assert sorted(p.name for p in pickup.iterdir()) == ["250001.sbd.xml"]
    assert (outbox / "peppol/sent/250001.sbd.xml").read_bytes() == (pickup / "250001.sbd.xml").read_bytes()
    assert not (outbox / "peppol/250001.sbd.xml").exists()
    assert deliver(script, outbox, "peppol", pickup) == []  # nothing twice

    later = document(950001, kind="credit_note", corrects=(250001,))
    send([*first, later], ledger, outbox, FakeRenderers().renderers(), Clock())
    assert deliver(script, outbox, "peppol", pickup) == ["delivered credit_note 950001 to 0192:976240391"]
    assert deliver(script, outbox, "email", pickup) == ["delivered invoice 250002 to ingrid.haugen@example.no"]
    assert sorted(p.name for p in pickup.iterdir()) == ["250001.sbd.xml", "250002.pdf", "credit-note-950001.sbd.xml"]


def test_the_documented_adapter_refuses_a_changed_file(tmp_path: Path) -> None:
    script, outbox, pickup = adapter(tmp_path), tmp_path / "outbox", tmp_path / "pickup"
    pickup.mkdir()
    send([document(250003, PAPER)], FakeLedger(), outbox, FakeRenderers().renderers(), Clock())
    (outbox / "print/250003.pdf").write_bytes(b"not what was listed")
    done = subprocess.run(
        [sys.executable, str(script), str(outbox), "print", str(pickup)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 1 and "is not the file Avtale listed" in done.stderr
    assert list(pickup.iterdir()) == []
