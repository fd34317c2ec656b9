"""Bill runs end to end on a real ledger: due lines, reconciliation, idempotence, corrections."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from compiler import model
from runtime.billing.expected import UsageKey
from runtime.billing.run import apply, plan
from runtime.ledger.store import Ledger
from tests.billing.helpers import contract, workspace

D = Decimal


def no_usage(requests: Sequence[UsageKey]) -> Mapping[UsageKey, Decimal]:
    return {}


def meter_of(totals: dict[UsageKey, Decimal]):  # type: ignore[no-untyped-def]
    def meter(requests: Sequence[UsageKey]) -> Mapping[UsageKey, Decimal]:
        return {key: totals.get(key, D(0)) for key in requests}

    return meter


BASE = contract('  charge base "Base" {\n    flat 1_000.00 per month\n  }', term="term 12 months")


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    return Ledger.open(tmp_path / "ledger.sqlite")


def lines_of(ws: model.Workspace, ledger: Ledger, day: date) -> list[tuple[str, date, Decimal]]:
    result = plan(ws, ledger, no_usage, day)
    return [(d.draft.kind, ln.period_start, ln.net_amount) for d in result.documents for ln in d.draft.lines]


def test_in_advance_lines_due_by_the_as_of_date(ledger: Ledger) -> None:
    ws = workspace(BASE)
    assert lines_of(ws, ledger, date(2025, 12, 31)) == []
    assert lines_of(ws, ledger, date(2026, 1, 1)) == [("invoice", date(2026, 1, 1), D("1000.00"))]
    assert [p for _, p, _ in lines_of(ws, ledger, date(2026, 3, 15))] == [
        date(2026, 1, 1),
        date(2026, 2, 1),
        date(2026, 3, 1),
    ]


def test_running_twice_issues_nothing_the_second_time(ledger: Ledger) -> None:
    ws = workspace(BASE)
    _, issued = apply(ws, ledger, no_usage, date(2026, 2, 1))
    assert [d.number for d in issued] == [1]
    assert issued[0].totals.gross == D("2500.00")  # two months plus 25% VAT
    second, again = apply(ws, ledger, no_usage, date(2026, 2, 1))
    assert second.documents == () and again == []


def test_daily_and_monthly_runs_bill_the_same_lines(tmp_path: Path) -> None:
    ws = workspace(BASE)
    daily = Ledger.open(tmp_path / "daily.sqlite")
    monthly = Ledger.open(tmp_path / "monthly.sqlite")
    day = date(2026, 1, 1)
    while day <= date(2026, 4, 1):
        apply(ws, daily, no_usage, day)
        day = date.fromordinal(day.toordinal() + 1)
    apply(ws, monthly, no_usage, date(2026, 4, 1))

    def billed(led: Ledger) -> list[tuple[date, Decimal]]:
        return sorted((x.period_start, x.net_amount) for x in led.issued_lines())

    assert billed(daily) == billed(monthly)
    assert len(daily.documents()) == 4 and len(monthly.documents()) == 1


def test_forgotten_contract_is_found(ledger: Ledger) -> None:
    ws = workspace(BASE)
    # Nothing was run for months: the first run bills every period still due.
    _, issued = apply(ws, ledger, no_usage, date(2026, 6, 15))
    assert len(issued[0].lines) == 6


def test_back_dated_amendment_credits_and_rebills(tmp_path: Path) -> None:
    ledger = Ledger.open(tmp_path / "l.sqlite")
    before = workspace(
        contract('  charge seats "Seats" {\n    per_unit 100.00 per seat per month\n    quantity 10\n  }')
    )
    apply(before, ledger, no_usage, date(2026, 3, 1))  # January to March billed at 10 seats
    after = workspace(
        contract(
            '  charge seats "Seats" {\n    per_unit 100.00 per seat per month\n    quantity 10\n  }\n'
            '  amendment 1 "Nedskalert" signed 2026-03-05 effective 2026-02-15 {\n    seats quantity 4\n  }'
        )
    )
    result, issued = apply(after, ledger, no_usage, date(2026, 3, 5))
    assert [d.draft.kind for d in result.documents] == ["credit_note"]
    [credit] = issued
    assert credit.corrects == (1,)
    # February is still one line (its billing period), now 14 days at 10 seats and 14 at 4: 700.00, so
    # 300.00 is credited. March, now at 4 seats, has 600.00 credited. Nothing is billed anew.
    assert [(ln.billing_start, ln.net_amount) for ln in credit.lines] == [
        (date(2026, 2, 1), D("300.00")),
        (date(2026, 3, 1), D("600.00")),
    ]
    net_now = sum(x.net_amount for x in ledger.issued_lines())
    assert net_now == D("1000.00") + D("700.00") + D("400.00")
    assert apply(after, ledger, no_usage, date(2026, 3, 5))[1] == []


def test_termination_with_prorated_credit(ledger: Ledger) -> None:
    ws = workspace(BASE)
    apply(ws, ledger, no_usage, date(2026, 3, 1))
    ended = workspace(
        BASE.replace(
            "\n}\n",
            '\n  amendment 1 "Oppsagt" signed 2026-03-02 effective 2026-03-11 {\n    terminate\n  }\n}\n',
        )
    )
    _, issued = apply(ended, ledger, no_usage, date(2026, 3, 20))
    # March keeps 10 of its 31 days (322.58): one credit note for the rest, no new invoice
    assert [d.kind for d in issued] == ["credit_note"]
    assert [ln.net_amount for ln in issued[0].lines] == [D("677.42")]


def test_usage_in_arrears_and_late_usage(ledger: Ledger) -> None:
    ws = workspace(contract('  charge api "API" {\n    usage calls\n    per_unit 0.50\n  }', term="term 12 months"))
    key = ("C-1", "calls", date(2026, 1, 1), date(2026, 2, 1))
    _, issued = apply(ws, ledger, meter_of({key: D(100)}), date(2026, 2, 1))
    assert [ln.net_amount for ln in issued[0].lines] == [D("50.00")]
    _, issued = apply(ws, ledger, meter_of({key: D(120)}), date(2026, 2, 2))  # 20 late events
    assert [(d.kind, [ln.net_amount for ln in d.lines]) for d in issued] == [("invoice", [D("10.00")])]


def test_minimum_true_up(ledger: Ledger) -> None:
    ws = workspace(
        contract(
            '  charge base "Base" {\n    flat 1_000.00 per month\n  }\n  minimum 15_000.00 per contract year',
            term="term 12 months",
        )
    )
    _, issued = apply(ws, ledger, no_usage, date(2027, 1, 1))
    true_up = [ln for d in issued for ln in d.lines if ln.charge == "minimum"]
    assert [ln.net_amount for ln in true_up] == [D("3000.00")]


def test_numbers_gapless_and_chain_valid(ledger: Ledger) -> None:
    ws = workspace(BASE)
    for month in range(1, 7):
        apply(ws, ledger, no_usage, date(2026, month, 1))
    numbers = [d.number for d in ledger.documents("invoice")]
    assert numbers == list(range(1, 7))
    assert ledger.verify() == []


def five_contracts(first_price: str = "1001.00") -> model.Workspace:
    text = "\n".join(
        BASE.replace("C-1", f"C-{i}").replace("1_000.00", f"{1_000 + i}.00").split("\nmetric")[0] for i in range(1, 6)
    )
    return workspace(text.replace("1001.00", first_price, 1))


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of at most two contracts, so that five contracts make three chunks."""
    from runtime.billing import chunks

    monkeypatch.setattr(chunks, "MIN_CHUNK", 1)
    monkeypatch.setattr(chunks, "MAX_CHUNK", 2)
    monkeypatch.setattr(chunks, "CHUNKS_PER_WORKER", 1)


def two_workers(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Plan in two worker processes, whatever this machine's core count; returns the calls made."""
    from runtime.billing import parallel, run

    calls: list[int] = []
    real = parallel.plan_in_workers

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(run, "workers_for", lambda contracts: 2)
    monkeypatch.setattr(run, "plan_in_workers", counted)
    return calls


def test_planning_in_chunks_and_in_worker_processes_gives_the_same_drafts(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    from runtime.billing import chunks

    apply(five_contracts(), ledger, no_usage, date(2026, 2, 1))
    changed = five_contracts(first_price="900.00")  # back-dated: C-1's months already billed are credited
    whole = plan(changed, ledger, no_usage, date(2026, 5, 1))
    monkeypatch.setattr(chunks, "MIN_CHUNK", 1)
    monkeypatch.setattr(chunks, "MAX_CHUNK", 2)
    monkeypatch.setattr(chunks, "CHUNKS_PER_WORKER", 1)
    cut = chunks.chunks(sorted(changed.contracts), 1)
    assert [c.contracts for c in cut] == [("C-1", "C-2"), ("C-3", "C-4"), ("C-5",)]
    assert [(c.low, c.high) for c in cut] == [(None, "C-3"), ("C-3", "C-5"), ("C-5", None)]
    chunked = plan(changed, ledger, no_usage, date(2026, 5, 1))
    forks = two_workers(monkeypatch)
    forked = plan(changed, ledger, no_usage, date(2026, 5, 1))
    assert forks == [1]
    assert whole == chunked == forked
    assert [(d.draft.contract, d.draft.kind) for d in forked.documents] == [
        ("C-1", "invoice"),
        ("C-1", "credit_note"),
        *((f"C-{i}", "invoice") for i in range(2, 6)),
    ]
    applied, issued = apply(changed, ledger, no_usage, date(2026, 5, 1))  # planned under the write lock
    assert applied == forked and len(issued) == 6 and forks == [1, 1]
    assert apply(changed, ledger, no_usage, date(2026, 5, 1))[1] == []
    assert ledger.verify() == []


def test_usage_is_metered_for_workers_by_the_parent(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    ws = workspace(contract('  charge api "API" {\n    usage calls\n    per_unit 0.10\n  }', term="term 12 months"))
    key = ("C-1", "calls", date(2026, 1, 1), date(2026, 2, 1))
    serial = plan(ws, ledger, meter_of({key: D(1234)}), date(2026, 2, 1))
    forks = two_workers(monkeypatch)
    forked = plan(ws, ledger, meter_of({key: D(1234)}), date(2026, 2, 1))
    assert forks == [1] and forked == serial
    assert [ln.net_amount for d in forked.documents for ln in d.draft.lines] == [D("123.40")]


def in_the_worker_planning(contract: str, monkeypatch: pytest.MonkeyPatch, happening: Callable[[], None]) -> None:
    """Let `happening` befall the worker process that plans the chunk holding `contract`."""
    from runtime.billing import parallel

    real = parallel.plan_chunk

    def planning(ws: model.Workspace, chunk: Any, *args: Any, **kwargs: Any) -> Any:
        if contract in chunk.contracts:
            happening()
        return real(ws, chunk, *args, **kwargs)

    monkeypatch.setattr(parallel, "plan_chunk", planning)


def test_a_failing_worker_stops_the_run_with_its_error(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch, small_chunks: None
) -> None:
    def boom() -> None:
        raise ValueError("boom")

    two_workers(monkeypatch)
    in_the_worker_planning("C-4", monkeypatch, boom)
    with pytest.raises(RuntimeError, match="a bill run worker failed: ValueError: boom"):
        apply(five_contracts(), ledger, no_usage, date(2026, 2, 1))
    assert ledger.issued_lines() == []


def test_a_worker_that_dies_stops_the_run_and_says_how(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch, small_chunks: None
) -> None:
    import os

    from runtime.billing import parallel

    two_workers(monkeypatch)
    in_the_worker_planning("C-3", monkeypatch, lambda: os._exit(9))  # as the out-of-memory killer ends one
    with pytest.raises(parallel.WorkerLost, match="exit status 9"):
        apply(five_contracts(), ledger, no_usage, date(2026, 2, 1))
    assert ledger.issued_lines() == []


def test_a_damaged_ledger_line_read_by_a_worker_is_a_ledger_error(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, small_chunks: None
) -> None:
    import sqlite3

    from runtime.ledger.errors import LedgerError

    apply(five_contracts(), ledger, no_usage, date(2026, 2, 1))
    raw = sqlite3.connect(tmp_path / "ledger.sqlite", isolation_level=None)
    raw.execute("DROP TRIGGER document_lines_no_update")
    raw.execute("UPDATE document_lines SET net_amount = 'elleve' WHERE contract = 'C-4'")
    raw.close()
    two_workers(monkeypatch)
    with pytest.raises(LedgerError, match="is damaged") as caught:
        plan(five_contracts(), ledger, no_usage, date(2026, 5, 1))
    assert "restore the file from a backup" in caught.value.help
