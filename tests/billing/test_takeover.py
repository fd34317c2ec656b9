"""Where Avtale took a contract over, as the ledger records it: the first applied run that covers a contract
records the first day it bills (its cut-over's next day, else its start) once it reaches that day, and again when
a later cut-over moves it later; a run refuses a line whose days begin before the latest, but bills late usage for
an early period that was priced 0.00 and so never invoiced.
Figures worked out by hand in the comments."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from runtime.billing.expected import UsageKey
from runtime.billing.run import apply, plan
from runtime.ledger.errors import LedgerError
from runtime.ledger.store import Ledger
from tests.factories.workspaces import contract, workspace

D = Decimal
SMS = contract('  charge sms "SMS" {\n    usage calls\n    per_unit 0.50\n    included 1_000\n  }')


def meter(calls: Mapping[date, int]):  # type: ignore[no-untyped-def]
    """Usage of whole months: a request sums the months it covers."""

    def metered(requests: Sequence[UsageKey]) -> Mapping[UsageKey, Decimal]:
        return {key: D(sum(n for month, n in calls.items() if key[2] <= month < key[3])) for key in requests}

    return metered


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    return Ledger.open(tmp_path / "ledger.sqlite")


def test_late_usage_for_a_month_never_invoiced_bills_when_avtale_billed_it_from_the_start(ledger: Ledger) -> None:
    ws = workspace(SMS)
    calls = {date(2026, 1, 1): 200, date(2026, 2, 1): 1_500}
    apply(ws, ledger, meter(calls), date(2026, 2, 1))  # January: 200 calls, all included: 0.00, nothing issued
    _, issued = apply(ws, ledger, meter(calls), date(2026, 3, 1))  # February: (1 500 - 1 000) x 0.50 = 250.00
    assert [(ln.period_start, ln.net_amount) for d in issued for ln in d.lines] == [(date(2026, 2, 1), D("250.00"))]
    assert ledger.takeovers_between(None, None) == {"C-1": date(2026, 1, 1)}
    # 900 late calls for January: 1 100 in all, 100 over the 1 000 included, 50.00; before the record, the run
    # refused this as a period before "the first period Avtale invoiced" (February)
    late = {**calls, date(2026, 1, 1): 1_100}
    drafted = plan(ws, ledger, meter(late), date(2026, 3, 1)).documents
    assert [(ln.period_start, ln.net_amount) for d in drafted for ln in d.draft.lines] == [
        (date(2026, 1, 1), D("50.00"))
    ]


def test_a_start_moved_earlier_is_refused_from_the_recorded_day(ledger: Ledger) -> None:
    ws = workspace(SMS)
    calls = {date(2026, 1, 1): 2_000}
    apply(ws, ledger, meter(calls), date(2026, 2, 1))  # January: 1 000 over, 500.00
    moved = workspace(SMS.replace("2026-01-01", "2025-12-01"))
    # December 2025 comes before the day recorded, 2026-01-01: it was never agreed with Avtale billing it
    with pytest.raises(LedgerError, match="invoice `sms` for 2025-12-01 – 2025-12-31, before 2026-01-01, where"):
        plan(moved, ledger, meter({**calls, date(2025, 12, 1): 3_000}), date(2026, 2, 1))


def test_a_run_before_the_contracts_first_day_records_nothing(ledger: Ledger) -> None:
    flat = contract('  charge sub "Abonnement" {\n    flat 100.00 per month\n  }', start="2026-06-01")
    apply(workspace(flat), ledger, meter({}), date(2026, 5, 1))  # nothing due yet, and nothing recorded
    assert ledger.takeovers_between(None, None) == {}
    # the start corrected to 1 May before anything was invoiced: May bills, 100.00
    earlier = workspace(flat.replace("2026-06-01", "2026-05-01"))
    drafted = plan(earlier, ledger, meter({}), date(2026, 5, 2)).documents
    assert [(ln.period_start, ln.net_amount) for d in drafted for ln in d.draft.lines] == [
        (date(2026, 5, 1), D("100.00"))
    ]


def test_the_record_follows_a_later_cut_over_and_then_refuses_its_removal(ledger: Ledger) -> None:
    arrears = contract('  charge sub "Abonnement" {\n    flat 100.00 per month\n    billed monthly in arrears\n  }')
    apply(workspace(arrears), ledger, meter({}), date(2026, 1, 15))  # nothing due; records 2026-01-01
    cut = workspace(arrears.replace("  term 12 months", "  term 12 months\n  billed_through 2026-02-28"))
    _, issued = apply(cut, ledger, meter({}), date(2026, 4, 1))  # March, 100.00; records 2026-03-01
    assert [(ln.period_start, ln.net_amount) for d in issued for ln in d.lines] == [(date(2026, 3, 1), D("100.00"))]
    assert ledger.takeovers_between(None, None) == {"C-1": date(2026, 3, 1)}
    # without the cut-over again, January and February (the old billing's) would be invoiced a second time
    with pytest.raises(LedgerError, match="invoice `sub` for 2026-01-01 – 2026-01-31, before 2026-03-01, where"):
        plan(workspace(arrears), ledger, meter({}), date(2026, 4, 2))


def test_a_period_in_arrears_across_the_cut_over_cannot_grow_back_over_the_old_billing_s_days(
    ledger: Ledger,
) -> None:
    quarterly = contract(
        '  charge support "Support" {\n    flat 1_200.00 per quarter\n    billed quarterly in arrears\n  }\n'
        "  billed_through 2026-02-28",
        start="2026-02-01",
        term="term 24 months",
    )
    # the quarter 1 February - 30 April, from 1 March on: 1 200.00 x 61/89 = 822.47
    _, issued = apply(workspace(quarterly), ledger, meter({}), date(2026, 5, 1))
    assert [ln.net_amount for d in issued for ln in d.lines] == [D("822.47")]
    # without the cut-over the quarter would be corrected by 1 200.00 x 28/89 = 377.53 for February, which the old
    # billing invoiced: refused
    removed = workspace(quarterly.replace("  billed_through 2026-02-28", ""))
    with pytest.raises(LedgerError, match="for 2026-02-01 – 2026-04-30, which begins before 2026-03-01, where"):
        plan(removed, ledger, meter({}), date(2026, 5, 2))


def test_a_cut_over_still_ahead_is_recorded_up_to_the_run_and_its_removal_refused(ledger: Ledger) -> None:
    flat = contract(
        '  charge base "Base" {\n    flat 1_000.00 per month\n  }\n  billed_through 2026-03-31', start="2026-01-01"
    )
    # nothing due before 1 April; the old billing's days run at least to the run's: 2026-03-21 is recorded
    apply(workspace(flat), ledger, meter({}), date(2026, 3, 20))
    assert ledger.takeovers_between(None, None) == {"C-1": date(2026, 3, 21)}
    # without the cut-over, January to March (the old billing's) would be invoiced with April
    removed = workspace(flat.replace("  billed_through 2026-03-31", ""))
    with pytest.raises(LedgerError, match="invoice `base` for 2026-01-01 – 2026-01-31, before 2026-03-21, where"):
        plan(removed, ledger, meter({}), date(2026, 4, 5))


def test_a_cut_over_typed_too_far_ahead_can_be_corrected_to_days_no_run_reached(ledger: Ledger) -> None:
    flat = contract(
        '  charge sub "Abonnement" {\n    flat 100.00 per month\n  }\n  BT', start="2025-01-01", term="term 36 months"
    )
    apply(workspace(flat.replace("BT", "billed_through 2027-06-30")), ledger, meter({}), date(2026, 3, 1))
    assert ledger.takeovers_between(None, None) == {"C-1": date(2026, 3, 2)}
    # meant 2026-06-30: July 2026 on is Avtale's, 100.00 a month, July alone on 1 August
    fixed = workspace(flat.replace("BT", "billed_through 2026-06-30"))
    drafted = plan(fixed, ledger, meter({}), date(2026, 7, 1)).documents
    assert [(ln.period_start, ln.net_amount) for d in drafted for ln in d.draft.lines] == [
        (date(2026, 7, 1), D("100.00"))
    ]
