"""`usage_lines` lowers only the metered charges: its lines must be the whole lowering's usage lines, in order.

Oracle: `lower` itself over the whole contract (tested on its own against hand figures and the reference biller),
on every contract of a generated workspace (amendments, indexation, discounts, minimums, renewals) and of the
examples (a cut-over, a prepaid credit, per-event prices, gauges), at several horizons.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest

from compiler import model
from compiler.billing.lines import UsageLine
from compiler.billing.lower import lower, usage_lines
from runtime.loader import load

REPO = Path(__file__).resolve().parents[2]
HORIZONS = [date(2025, 3, 1), date(2026, 7, 1), date(2029, 1, 1)]


def _generated(root: Path) -> model.Workspace:
    sys.path.insert(0, str(REPO / "bench"))
    try:
        import generate
    finally:
        sys.path.remove(str(REPO / "bench"))
    generate.generate(root, 120, seed=3)
    loaded = load(root)
    assert loaded.result is not None
    return loaded.result.workspace


@pytest.fixture(scope="module")
def workspaces(tmp_path_factory: pytest.TempPathFactory) -> list[model.Workspace]:
    examples = load(REPO / "contracts_examples")
    assert examples.result is not None
    return [_generated(tmp_path_factory.mktemp("usage-lines") / "ws"), examples.result.workspace]


def test_the_metered_charges_alone_give_the_whole_lowerings_usage_lines(workspaces: list[model.Workspace]) -> None:
    compared = 0
    for ws in workspaces:
        for contract in ws.contracts.values():
            for until in HORIZONS:
                whole = [ln for ln in lower(contract, ws.indices, until).lines if isinstance(ln, UsageLine)]
                assert usage_lines(contract, ws.indices, until) == whole, (contract.id, until)
                compared += len(whole)
    assert compared > 1000  # a comparison that can fail: most generated contracts are metered


def test_a_contract_without_metered_charges_has_none(workspaces: list[model.Workspace]) -> None:
    unmetered = [
        (c, ws)
        for ws in workspaces
        for c in ws.contracts.values()
        if c.terms is not None
        and not any(
            v.charge is not None and isinstance(v.charge.pricing, model.UsageFee)
            for _, h in c.terms.versions
            for v in h
        )
    ]
    assert unmetered
    for contract, ws in unmetered:
        assert usage_lines(contract, ws.indices, HORIZONS[-1]) == []
