"""Where Avtale took a contract over, as the ledger records it: the first applied run that covers a contract
records the first day it bills (its cut-over's next day, else its start), and a later run refuses a line for a
period before that day, but bills late usage for an early period that was priced 0.00 and so never invoiced.
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
    with pytest.raises(LedgerError, match="invoice `sms` for 2025-12-01 – 2025-12-31, before 2026-01-01, the day"):
        plan(moved, ledger, meter({**calls, date(2025, 12, 1): 3_000}), date(2026, 2, 1))


def test_the_record_is_kept_by_the_first_run_and_never_changed(ledger: Ledger) -> None:
    apply(workspace(SMS), ledger, meter({}), date(2026, 2, 1))
    later = workspace(SMS.replace("  term 12 months", "  term 12 months\n  billed_through 2026-03-31"))
    apply(later, ledger, meter({}), date(2026, 6, 1))
    assert ledger.takeovers_between(None, None) == {"C-1": date(2026, 1, 1)}
