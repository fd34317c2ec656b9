"""Runs that bill only what fell due since the last apply (runtime/billing/settled.py): they must issue
exactly what a run planning every contract whole issues, and what the reference biller says."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, note, settings

from compiler import model
from runtime.billing.run import RunOptions, apply, plan
from runtime.billing.settled import Inputs, settled_since, terms_digests
from runtime.ledger.store import Ledger
from tests.billing.helpers import PRELUDE, contract, workspace
from tests.billing.test_reference import Scenario, check_ledger, no_usage, scenarios

CODE = "test-code-version"


def inputs(text: str, usage: Mapping[str, str] | None = None) -> Inputs:
    """Digests as the CLI makes them, from the two files the test workspace is built from."""
    ws = workspace(text)
    sources = {"prelude.avt": PRELUDE.encode(), "case.avt": text.encode()}

    def digests(pairs: Sequence[tuple[str, date]]) -> dict[str, str]:
        return {cid: (usage or {}).get(cid, "no events") for cid, _ in pairs}

    return Inputs(terms=terms_digests(ws, sources, CODE), usage=digests)


def incremental(text: str) -> RunOptions:
    return RunOptions(inputs=inputs(text))


@settings(max_examples=40, deadline=None)
@given(scenarios())
def test_incremental_runs_issue_what_whole_runs_issue(scenario: Scenario) -> None:
    with (
        tempfile.TemporaryDirectory() as tmp,
        Ledger.open(Path(tmp) / "fast.sqlite") as fast,
        Ledger.open(Path(tmp) / "whole.sqlite") as whole,
    ):
        for run in scenario.runs:
            text = scenario.text(run)
            note(f"run as of {run.as_of} on:\n{text}")
            ws = workspace(text)
            planned = plan(ws, fast, no_usage, run.as_of, options=incremental(text))
            assert planned == plan(ws, whole, no_usage, run.as_of)
            apply(ws, fast, no_usage, run.as_of, options=incremental(text))
            apply(ws, whole, no_usage, run.as_of)
            assert fast.documents() == whole.documents()
            check_ledger(fast, ws, run.as_of)
            again = plan(ws, fast, no_usage, run.as_of, options=incremental(text))
            assert again.documents == ()


SEATS = '  charge seats "Brukerlisenser" {\n    per_unit 250.00 per seat per month\n    quantity 8\n  }'


def settled(ws: model.Workspace, ledger: Ledger, found: Inputs, as_of: date) -> dict[str, date]:
    return settled_since(ws, sorted(ws.contracts), ledger.settlements_between(None, None), found, as_of)


def test_an_applied_contract_is_settled_until_its_inputs_change(tmp_path: Path) -> None:
    text = contract(SEATS)
    ws = workspace(text)
    with Ledger.open(tmp_path / "ledger.sqlite") as ledger:
        apply(ws, ledger, no_usage, date(2026, 3, 1), options=incremental(text))
        assert settled(ws, ledger, inputs(text), date(2026, 4, 1)) == {"C-1": date(2026, 3, 1)}
        # a later plan lowers only April: the months before are known settled
        april = plan(ws, ledger, no_usage, date(2026, 4, 1), options=incremental(text))
        assert [ln.billing_start for d in april.documents for ln in d.draft.lines] == [date(2026, 4, 1)]
        # an edited contract, a late event for a billed month, a run dated before the last: planned whole
        edited = contract(SEATS.replace("quantity 8", "quantity 9"))
        assert settled(workspace(edited), ledger, inputs(edited), date(2026, 4, 1)) == {}
        assert settled(ws, ledger, inputs(text, {"C-1": "1 late event"}), date(2026, 4, 1)) == {}
        assert settled(ws, ledger, inputs(text), date(2026, 2, 1)) == {}
        # the edit is billed as a whole run would: March corrected, April at 9 seats
        _, issued = apply(workspace(edited), ledger, no_usage, date(2026, 4, 1), options=incremental(edited))
        assert sorted((d.kind, [ln.net_amount for ln in d.lines]) for d in issued) == [
            ("invoice", [250, 250, 250, 2250])  # type: ignore[list-item]
        ]


def test_a_contract_with_a_minimum_is_always_planned_whole(tmp_path: Path) -> None:
    text = contract(SEATS + "\n  minimum 30_000.00 per contract year")
    ws = workspace(text)
    with Ledger.open(tmp_path / "ledger.sqlite") as ledger:
        apply(ws, ledger, no_usage, date(2026, 3, 1), options=incremental(text))
        assert settled(ws, ledger, inputs(text), date(2026, 4, 1)) == {}


def test_a_new_contract_beside_settled_ones_is_billed_from_its_start(tmp_path: Path) -> None:
    one = contract(SEATS)
    two = one + contract(SEATS, start="2026-01-01").replace("contract C-1", "contract C-2")
    with Ledger.open(tmp_path / "ledger.sqlite") as ledger:
        apply(workspace(one), ledger, no_usage, date(2026, 3, 1), options=incremental(one))
        _, issued = apply(workspace(two), ledger, no_usage, date(2026, 4, 1), options=incremental(two))
        by_contract = {d.contract: [ln.billing_start.month for ln in d.lines] for d in issued}
        assert by_contract == {"C-1": [4], "C-2": [1, 2, 3, 4]}  # the forgotten contract is found whole


def test_incremental_planning_in_chunks_and_workers_reads_what_it_needs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.billing.test_bill_run import two_workers

    five = "".join(contract(SEATS).replace("contract C-1", f"contract C-{i}") for i in range(1, 6))
    four = "".join(contract(SEATS).replace("contract C-1", f"contract C-{i}") for i in (1, 2, 4, 5))
    edited = four.replace("quantity 8", "quantity 9", 1)  # C-1 changed: planned whole
    with Ledger.open(tmp_path / "ledger.sqlite") as ledger:
        apply(workspace(five), ledger, no_usage, date(2026, 3, 1), options=incremental(five))
        whole = plan(workspace(edited), ledger, no_usage, date(2026, 4, 1))
        serial = plan(workspace(edited), ledger, no_usage, date(2026, 4, 1), options=incremental(edited))
        monkeypatch.setattr("runtime.billing.chunks.MIN_CHUNK", 1)
        monkeypatch.setattr("runtime.billing.chunks.MAX_CHUNK", 2)
        monkeypatch.setattr("runtime.billing.chunks.CHUNKS_PER_WORKER", 1)
        forks = two_workers(monkeypatch)
        forked = plan(workspace(edited), ledger, no_usage, date(2026, 4, 1), options=incremental(edited))
        assert forks == [1]
        assert whole == serial == forked
        # C-3 is gone from the workspace: found among the lines of settled neighbours, and reported
        assert [o.contract for o in forked.orphans] == ["C-3"]


def test_a_new_version_of_the_compiler_or_the_billing_code_changes_every_digest() -> None:
    from runtime.billing.settled import billing_code_version

    assert billing_code_version("a") == billing_code_version("a") != billing_code_version("b")
    text = contract(SEATS)
    ws = workspace(text)
    sources = {"prelude.avt": PRELUDE.encode(), "case.avt": text.encode()}
    assert terms_digests(ws, sources, "one") != terms_digests(ws, sources, "two")
