"""A 1,000-file workspace: the server checks it, then keeps up with typing in a contract and in a plan."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from lsprotocol import types

from tests.lsp.harness import open_file, replace, serving, until, uri

BENCH = str(Path(__file__).resolve().parents[2] / "bench")

pytestmark = pytest.mark.asyncio

CONTRACT = "contracts/000/SKY-000002.avt"
"""Its second line is `  customer k000001` in the generator's workspace of seed 1."""
PLAN = "plans/team-2025.avt"
"""Line 9 (1-based) declares `charge seats` of the plan version most team contracts follow."""


def errors(found: list[types.Diagnostic]) -> list[str]:
    return [d.message.split("\n")[0] for d in found if d.severity == types.DiagnosticSeverity.Error]


async def test_a_thousand_files_and_typing(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    sys.path.insert(0, BENCH)
    try:
        import generate
    finally:
        sys.path.remove(BENCH)
    files, _, _ = generate.generate(root, 1130, 1)
    assert files == 1009  # 1,008 .avt files and avtale.toml
    contract, plan = root / CONTRACT, root / PLAN
    assert contract.read_text("utf-8").split("\n")[1] == "  customer k000001"
    assert plan.read_text("utf-8").split("\n")[8] == '  charge seats "Brukerlisenser" {'
    async with serving(root) as client:
        c = uri(contract)
        await until(lambda: c in client.diagnostics, timeout=30)
        assert errors(client.diagnostics[c]) == []
        open_file(client, contract)
        # type `x` after the customer id, one key at a time in a burst, then take it back
        version = 1
        for column, typed in ((18, "x"), (19, "y"), (20, "z")):
            version += 1
            replace(client, c, version, (1, column), (1, column), typed)
        await until(lambda: errors(client.diagnostics[c]) == ["unknown customer `k000001xyz`"])
        [error] = [d for d in client.diagnostics[c] if d.severity == types.DiagnosticSeverity.Error]
        assert error.message.endswith("help: did you mean `k000001`?")
        for column in (20, 19, 18):  # backspace, three times
            version += 1
            replace(client, c, version, (1, column), (1, column + 1), "")
        await until(lambda: errors(client.diagnostics[c]) == [])
        found = await client.text_document_definition_async(
            types.DefinitionParams(text_document=types.TextDocumentIdentifier(uri=c), position=types.Position(1, 12))
        )
        assert isinstance(found, list) and [Path(f.uri).name for f in found] == ["000.avt"]

        # rename the plan's `seats` by typing: every contract that sets seats' quantity now fails, unopened
        p = open_file(client, plan)
        replace(client, p, 2, (8, 9), (8, 14), "sea")
        replace(client, p, 3, (8, 12), (8, 12), "ts2")
        failing = lambda: [u for u, found in client.diagnostics.items() if errors(found)]  # noqa: E731
        await until(lambda: len(failing()) > 100, timeout=30)
        sample = client.diagnostics[failing()[0]]
        assert any(message.endswith("has no charge `seats`") for message in errors(sample))
        replace(client, p, 4, (8, 12), (8, 15), "ts")
        await until(lambda: failing() == [], timeout=30)
