"""Ordinary mistakes never move money silently: an earlier as-of, usage gone from billed periods,
mass credits, corrections built on a changed document. Figures are computed by hand."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from runtime.billing.expected import UsageKey
from runtime.billing.run import CreditsNeedConfirmation, RunBlocked, RunOptions, RunRefused, apply, plan
from runtime.ledger.store import Ledger
from tests.billing.helpers import contract, workspace

D = Decimal
BASE = '  charge base "Base" {\n    flat 1_000.00 per month\n  }'
RAISED = BASE + '\n  amendment 1 "Prisendring" signed 2026-05-01 effective 2026-02-01 {\n    base price 1_100.00\n  }'


def no_usage(requests: Sequence[UsageKey]) -> Mapping[UsageKey, Decimal]:
    return {}


def meter_of(totals: Mapping[UsageKey, Decimal]):  # type: ignore[no-untyped-def]
    def meter(requests: Sequence[UsageKey]) -> Mapping[UsageKey, Decimal]:
        return {key: totals.get(key, D(0)) for key in requests}

    return meter


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    return Ledger.open(tmp_path / "ledger.sqlite")


def lines(result: object) -> list[tuple[str, date, Decimal]]:
    return [
        (d.draft.kind, ln.billing_start, ln.net_amount)
        for d in result.documents  # type: ignore[attr-defined]
        for ln in d.draft.lines
    ]


# -- an as-of before the latest applied run's ---------------------------------------------------


def test_an_earlier_as_of_credits_nothing_that_is_merely_not_due_yet(ledger: Ledger) -> None:
    ws = workspace(contract(BASE))
    apply(ws, ledger, no_usage, date(2026, 7, 1))  # January to July, 7 x 1,000.00
    earlier = plan(ws, ledger, no_usage, date(2025, 1, 1))
    assert earlier.documents == ()  # before: April to July credited, 4,000.00 + VAT
    assert earlier.latest_run == date(2026, 7, 1)


def test_an_earlier_as_of_is_refused_unless_meant(ledger: Ledger) -> None:
    ws = workspace(contract(BASE))
    apply(ws, ledger, no_usage, date(2026, 7, 1))
    with pytest.raises(RunRefused, match="before the latest applied bill run's as-of date, 2026-07-01"):
        apply(ws, ledger, no_usage, date(2026, 5, 1))
    assert len(ledger.documents()) == 1
    assert apply(ws, ledger, no_usage, date(2026, 5, 1), options=RunOptions(backdate=True))[1] == []


def test_a_backdated_run_corrects_only_what_the_terms_changed(ledger: Ledger) -> None:
    apply(workspace(contract(BASE)), ledger, no_usage, date(2026, 7, 1))
    raised = workspace(contract(RAISED))
    result, issued = apply(raised, ledger, no_usage, date(2026, 5, 1), options=RunOptions(backdate=True))
    # February to July were issued at 1,000.00 and are 1,100.00 now: six corrections of 100.00, also for
    # June and July (issued, though not due by 1 May). August is neither issued nor due: not billed.
    assert lines(result) == [("invoice", date(2026, month, 1), D("100.00")) for month in range(2, 8)]
    assert issued[0].issue_date == date(2026, 5, 1)


def test_a_backdated_credit_note_never_predates_the_invoice_it_corrects(ledger: Ledger) -> None:
    apply(workspace(contract(BASE)), ledger, no_usage, date(2026, 7, 1))
    lowered = workspace(contract(RAISED.replace("1_100.00", "900.00")))
    with pytest.raises(RunRefused, match="would correct invoice 1, issued 2026-07-01"):
        apply(lowered, ledger, no_usage, date(2026, 5, 1), options=RunOptions(backdate=True))
    assert len(ledger.documents()) == 1


# -- usage gone from periods already billed ------------------------------------------------------

USAGE = '  charge api "API" {\n    usage calls\n    per_unit 0.50\n  }'
JANUARY = ("C-1", "calls", date(2026, 1, 1), date(2026, 2, 1))
FEBRUARY = ("C-1", "calls", date(2026, 2, 1), date(2026, 3, 1))


def test_usage_gone_from_a_billed_period_stops_the_run(ledger: Ledger) -> None:
    ws = workspace(contract(USAGE))
    apply(ws, ledger, meter_of({JANUARY: D(1000), FEBRUARY: D(10)}), date(2026, 3, 1))
    with pytest.raises(RunBlocked) as stopped:
        apply(ws, ledger, no_usage, date(2026, 3, 1))  # the usage folder is missing
    gone = stopped.value.plan.vanished
    assert [(v.metric, v.start, v.end, v.billed, v.documents) for v in gone] == [
        ("calls", date(2026, 1, 1), date(2026, 2, 1), D(1000), (("invoice", 1),)),
        ("calls", date(2026, 2, 1), date(2026, 3, 1), D(10), (("invoice", 1),)),
    ]
    assert len(ledger.documents()) == 1


def test_usage_that_only_shrinks_is_corrected_and_removal_can_be_accepted(ledger: Ledger) -> None:
    ws = workspace(contract(USAGE))
    apply(ws, ledger, meter_of({JANUARY: D(1000), FEBRUARY: D(10)}), date(2026, 3, 1))
    fewer = meter_of({JANUARY: D(800), FEBRUARY: D(10)})
    result, _ = apply(ws, ledger, fewer, date(2026, 3, 1))
    assert lines(result) == [("credit_note", date(2026, 1, 1), D("100.00"))]  # 200 calls x 0.50, credited
    accepted = RunOptions(accept_removed_usage=True)
    result, _ = apply(ws, ledger, meter_of({JANUARY: D(800)}), date(2026, 3, 1), options=accepted)
    assert lines(result) == [("credit_note", date(2026, 2, 1), D("5.00"))]


def test_a_termination_inside_a_billed_usage_period_is_not_usage_gone(ledger: Ledger) -> None:
    # February's usage was billed as 10 calls for 1 February to 1 March. A termination from 20 February cuts the
    # period to 1-20 February, where 8 of those calls fell: that is a change of terms, not usage gone (the guard
    # once looked the old period up among the new ones, found nothing, and blocked the run). The credit:
    # (10 - 8) x 0.50 = 1.00.
    ws = workspace(contract(USAGE))
    apply(ws, ledger, meter_of({JANUARY: D(1000), FEBRUARY: D(10)}), date(2026, 3, 1))
    ended = USAGE + '\n  amendment 1 "Slutt" signed 2026-03-05 effective 2026-02-20 {\n    terminate\n  }'
    cut = ("C-1", "calls", date(2026, 2, 1), date(2026, 2, 20))
    result, _ = apply(workspace(contract(ended)), ledger, meter_of({JANUARY: D(1000), cut: D(8)}), date(2026, 3, 6))
    assert lines(result) == [("credit_note", date(2026, 2, 1), D("1.00"))]


def test_usage_gone_from_a_period_a_termination_cut_still_stops_the_run(ledger: Ledger) -> None:
    # The same termination, with the usage folder missing: what is left of February meters nothing, while 10 calls
    # were billed for it. That is usage gone.
    ws = workspace(contract(USAGE))
    apply(ws, ledger, meter_of({JANUARY: D(1000), FEBRUARY: D(10)}), date(2026, 3, 1))
    ended = USAGE + '\n  amendment 1 "Slutt" signed 2026-03-05 effective 2026-02-20 {\n    terminate\n  }'
    with pytest.raises(RunBlocked) as stopped:
        apply(workspace(contract(ended)), ledger, no_usage, date(2026, 3, 6))
    assert [(v.start, v.end, v.billed) for v in stopped.value.plan.vanished] == [
        (date(2026, 1, 1), date(2026, 2, 1), D(1000)),
        (date(2026, 2, 1), date(2026, 3, 1), D(10)),
    ]


# -- credits above the threshold -----------------------------------------------------------------


def test_credits_above_the_threshold_need_confirming(ledger: Ledger) -> None:
    apply(workspace(contract(BASE)), ledger, no_usage, date(2026, 3, 1))  # 3,000.00 + VAT
    cheaper = workspace(contract(RAISED.replace("1_100.00", "900.00").replace("2026-05-01", "2026-03-01")))
    strict = RunOptions(credit_threshold=D(10))
    with pytest.raises(CreditsNeedConfirmation) as asked:
        apply(cheaper, ledger, no_usage, date(2026, 3, 1), options=strict)
    # February and March, 100.00 each + 25% VAT, credited; nothing invoiced.
    [excess] = asked.value.excess
    assert (excess.currency, excess.credited, excess.invoiced) == ("NOK", D("250.00"), D(0))
    assert len(ledger.documents()) == 1
    confirmed = RunOptions(credit_threshold=D(10), confirmed=True)
    assert [d.kind for d in apply(cheaper, ledger, no_usage, date(2026, 3, 1), options=confirmed)[1]] == ["credit_note"]


def test_credits_within_the_threshold_are_issued(ledger: Ledger) -> None:
    apply(workspace(contract(BASE)), ledger, no_usage, date(2026, 3, 1))
    cheaper = workspace(contract(RAISED.replace("1_100.00", "990.00").replace("2026-05-01", "2026-03-01")))
    # April is invoiced at 990.00 (1,237.50 gross); February and March credit 10.00 each (25.00 gross): 2%.
    _, issued = apply(cheaper, ledger, no_usage, date(2026, 4, 1), options=RunOptions(credit_threshold=D(2.5)))
    assert sorted(d.kind for d in issued) == ["credit_note", "invoice"]


# -- corrections of a changed document -----------------------------------------------------------


def test_a_correction_is_never_built_on_a_document_changed_after_issue(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    ws = workspace(contract(BASE))
    with Ledger.open(path) as ledger:
        apply(ws, ledger, no_usage, date(2026, 2, 1))  # invoice 1: January, February
        apply(ws, ledger, no_usage, date(2026, 3, 1))  # invoice 2: March
    raw = sqlite3.connect(path)
    (trigger,) = raw.execute("SELECT sql FROM sqlite_master WHERE name = 'document_lines_no_update'").fetchone()
    raw.execute("DROP TRIGGER document_lines_no_update")
    raw.execute("UPDATE document_lines SET net_amount = '10.00' WHERE number = 1 AND line = 1")
    raw.execute(trigger)  # the trigger back: only the document's hash tells
    raw.commit()
    raw.close()
    with Ledger.open(path) as ledger, pytest.raises(RunRefused, match="invoice 1"):
        apply(ws, ledger, no_usage, date(2026, 3, 1))  # would "correct" January by 990.00


def test_workers_keep_the_horizon_and_the_usage_guard(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.billing.test_bill_run import two_workers

    ws = workspace(contract(BASE) + contract(USAGE).replace("C-1", "C-2"))
    january = ("C-2", "calls", date(2026, 1, 1), date(2026, 2, 1))
    apply(ws, ledger, meter_of({january: D(1000)}), date(2026, 7, 1))
    forks = two_workers(monkeypatch)
    earlier = plan(ws, ledger, meter_of({january: D(1000)}), date(2025, 1, 1))
    gone = plan(ws, ledger, no_usage, date(2026, 7, 1))
    assert forks == [1, 1]
    assert earlier.documents == ()
    assert [(v.contract, v.start) for v in gone.vanished] == [("C-2", date(2026, 1, 1))]


def test_an_apply_refuses_a_ledger_whose_triggers_were_dropped(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    ws = workspace(contract(BASE))
    with Ledger.open(path) as ledger:
        apply(ws, ledger, no_usage, date(2026, 2, 1))
    raw = sqlite3.connect(path)
    raw.execute("DROP TRIGGER document_lines_no_update")
    raw.commit()
    raw.close()
    with Ledger.open(path) as ledger, pytest.raises(RunRefused, match="trigger document_lines_no_update is missing"):
        apply(ws, ledger, no_usage, date(2026, 3, 1))
