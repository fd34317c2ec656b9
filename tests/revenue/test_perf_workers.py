"""Revenue recognition in worker processes gives what one process gives, record for record and byte for byte.

Oracle: the one-process path, `recognise` then `remaining_schedule` (each contract planned twice),
tested on its own in test_recognition.py and test_reports_cli.py; here it is compared with the
chunked, forked path that plans each contract once, on a generated workspace of many contracts
(amendments, indexation, usage, discounts, minimums) and, over the command line, on the examples.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

import runtime.revenue.workers as workers_module
from compiler import model
from compiler.revenue.records import RevenuePlan
from runtime.billing.parallel import WorkerFailed
from runtime.cli.main import cli
from runtime.loader import load
from runtime.revenue.recognition import cutoff, recognise, usage_requests
from runtime.revenue.reports_schedule import remaining_schedule
from runtime.revenue.workers import map_in_workers, recognise_with_schedule, usage_requests_in_workers

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "contracts_examples"
CONTRACTS = 45


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> model.Workspace:
    sys.path.insert(0, str(REPO / "bench"))
    try:
        import generate
    finally:
        sys.path.remove(str(REPO / "bench"))
    root = tmp_path_factory.mktemp("revenue-perf") / "ws"
    generate.generate(root, CONTRACTS, seed=1)
    loaded = load(root)
    assert loaded.result is not None
    return loaded.result.workspace


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("through", [date(2026, 9, 30), date(2028, 12, 31)])
def test_workers_give_the_one_process_records(generated: model.Workspace, workers: int, through: date) -> None:
    engine = recognise(generated, [], {}, through)
    schedule = remaining_schedule(generated, cutoff(through))
    found, later = recognise_with_schedule(generated, [], {}, through, True, workers=workers, chunk_size=7)
    assert len(engine) > 1000 and (through.year == 2028 or len(schedule) > 100)  # a test that can fail
    assert found == engine
    assert later == schedule
    without, nothing = recognise_with_schedule(generated, [], {}, through, False, workers=workers, chunk_size=7)
    assert without == engine and nothing == []


def test_usage_requests_in_workers(generated: model.Workspace) -> None:
    through = date(2027, 3, 31)
    wanted = usage_requests(generated, through)
    assert len(wanted) > 100
    assert usage_requests_in_workers(generated, through, workers=2, chunk_size=5) == wanted
    assert usage_requests_in_workers(generated, through, workers=1) == wanted


def test_the_schedule_reads_the_engines_plans(generated: model.Workspace) -> None:
    through = date(2026, 6, 30)
    plans: dict[str, RevenuePlan] = {}
    engine = recognise(generated, [], {}, through, plans=plans)
    assert engine == recognise(generated, [], {}, through)
    assert len(plans) > CONTRACTS // 2
    assert all(plan.horizon == cutoff(through) for plan in plans.values())
    assert remaining_schedule(generated, cutoff(through), plans) == remaining_schedule(generated, cutoff(through))
    # a plan made to another horizon is not read: planned again
    other = {cid: plan for cid, plan in plans.items()}
    stale = recognise(generated, [], {}, date(2026, 3, 31), plans=other)
    assert stale and remaining_schedule(generated, cutoff(through), other) == remaining_schedule(
        generated, cutoff(through)
    )


def test_map_in_workers_keeps_the_order_and_reports_a_failure() -> None:
    parts = [[str(i)] * (i % 3 + 1) for i in range(9)]
    assert map_in_workers(lambda part: "".join(part), parts, 2) == [
        "0",
        "11",
        "222",
        "3",
        "44",
        "555",
        "6",
        "77",
        "888",
    ]

    def broken(part: Sequence[str]) -> str:
        if part[0] == "4":
            raise ValueError("chunk four")
        return part[0]

    with pytest.raises(WorkerFailed, match=r"^a revenue worker failed: ValueError: chunk four$") as failure:
        map_in_workers(broken, parts, 2)
    assert "raise ValueError" in failure.value.worker_traceback


def run(root: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--workspace", str(root), *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == 0, result.stderr
    return result.stdout


REPORTS = [
    ("revenue", "waterfall", "--from", "2026-01", "--to", "2027-12", "--as-of", "2026-08-31", "--csv"),
    ("revenue", "waterfall", "--from", "2026-01", "--to", "2026-12", "--as-of", "2026-12-31", "--json"),
    ("revenue", "balances", "--at", "2026-08-31", "--json"),
    ("revenue", "rollforward", "--from", "2026-01", "--to", "2026-08", "--as-of", "2026-08-31", "--csv"),
]


def test_reports_are_byte_identical_with_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "ws"
    shutil.copytree(EXAMPLES, root, ignore=shutil.ignore_patterns(".avtale", "ledger.sqlite*", "out"))
    run(root, "ledger", "init")
    run(root, "bill", "--as-of", "2026-08-01", "--apply", "--yes")
    monkeypatch.setattr(workers_module, "workers_for", lambda contracts: 1)
    alone = [run(root, *args) for args in REPORTS]
    monkeypatch.setattr(workers_module, "workers_for", lambda contracts: 2)
    monkeypatch.setattr(workers_module, "CHUNK", 3)
    forked = [run(root, *args) for args in REPORTS]
    assert all(len(text) > 200 for text in alone)
    assert forked == alone
