"""The cut-over from the old billing (`billed_through`): what was invoiced elsewhere is never invoiced again.

Every figure is worked out by hand in the comment above its assertion.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from compiler import model
from compiler.billing.lines import MinimumLine, OneTimeLine, RecurringLine, UsageLine
from compiler.billing.lower import lower
from compiler.workspace import check_workspace
from dsl.parser import parse
from runtime.billing.expected import UsageKey
from runtime.billing.run import apply, plan
from runtime.ledger.errors import LedgerError
from runtime.ledger.store import Ledger
from tests.factories.workspaces import PRELUDE, contract, workspace

D = Decimal

MONTHLY = contract(
    """  charge platform "Plattform" {
    flat 349.00 per month
    billed monthly in advance
  }
  billed_through 2026-02-28""",
    start="2025-02-01",
    term="term 36 months",
)


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    return Ledger.open(tmp_path / "ledger.sqlite")


def no_usage(requests: Sequence[UsageKey]) -> Mapping[UsageKey, Decimal]:
    return {}


def billed(ws: model.Workspace, ledger: Ledger, day: date, meter=no_usage) -> list[tuple[str, date, date, Decimal]]:  # type: ignore[no-untyped-def]
    result = plan(ws, ledger, meter, day)
    return [
        (ln.charge, ln.period_start, ln.period_end, ln.net_amount) for d in result.documents for ln in d.draft.lines
    ]


def test_the_first_run_after_the_cut_over_bills_the_first_month_alone(ledger: Ledger) -> None:
    # 349.00 a month from 2025-02-01, billed elsewhere through 2026-02-28: the run of 2026-03-01 bills
    # March, 349.00, and nothing of the thirteen months before it.
    ws = workspace(MONTHLY)
    assert billed(ws, ledger, date(2026, 3, 1)) == [("platform", date(2026, 3, 1), date(2026, 4, 1), D("349.00"))]
    assert billed(ws, ledger, date(2026, 2, 28)) == []


def test_the_schedule_still_shows_the_months_billed_elsewhere() -> None:
    ws = workspace(MONTHLY)
    schedule = lower(ws.contracts["C-1"], ws.indices, date(2026, 5, 1))
    # February 2025 to February 2026: thirteen months, 13 x 349.00 = 4 537.00
    assert [ln.id.period_start for ln in schedule.billed_elsewhere] == [
        date(2025 + (1 + i) // 12, (1 + i) % 12 + 1, 1) for i in range(13)
    ]
    assert sum(ln.amount for ln in schedule.billed_elsewhere if isinstance(ln, RecurringLine)) == D("4537.00")
    assert [ln.id.period_start for ln in schedule.lines] == [date(2026, 3, 1), date(2026, 4, 1)]
    assert schedule.cutover == date(2026, 2, 28)


def test_a_quarter_billed_in_advance_that_began_before_the_cut_over_was_the_old_billing_s_whole(
    ledger: Ledger,
) -> None:
    # Quarters from 2025-02-01, 1 200.00 in advance: the old billing invoiced 2026-02-01 to 2026-04-30 whole on
    # 2026-02-01, before the cut-over. Avtale bills the next quarter, on 2026-05-01.
    ws = workspace(
        contract(
            """  charge support "Support" {
    flat 1_200.00 per quarter
    billed quarterly in advance
  }
  billed_through 2026-02-28""",
            start="2025-02-01",
            term="term 36 months",
        )
    )
    assert billed(ws, ledger, date(2026, 4, 30)) == []
    assert billed(ws, ledger, date(2026, 5, 1)) == [("support", date(2026, 5, 1), date(2026, 8, 1), D("1200.00"))]
    schedule = lower(ws.contracts["C-1"], ws.indices, date(2026, 6, 1))
    (before,) = [ln for ln in schedule.billed_elsewhere if ln.id.period_start == date(2026, 2, 1)]
    assert isinstance(before, RecurringLine) and before.amount == D("1200")


def test_a_quarter_billed_in_arrears_across_the_cut_over_bills_its_days_after_it(ledger: Ledger) -> None:
    # In arrears the old billing invoiced the service up to the cut-over; the quarter 2026-02-01 to 2026-04-30
    # has 28 + 31 + 30 = 89 days, March and April are 61: 1 200.00 x 61 / 89 = 822.4719... -> 822.47, on 2026-05-01.
    ws = workspace(
        contract(
            """  charge support "Support" {
    flat 1_200.00 per quarter
    billed quarterly in arrears
  }
  billed_through 2026-02-28""",
            start="2025-02-01",
            term="term 36 months",
        )
    )
    assert billed(ws, ledger, date(2026, 5, 1)) == [("support", date(2026, 3, 1), date(2026, 5, 1), D("822.47"))]
    schedule = lower(ws.contracts["C-1"], ws.indices, date(2026, 6, 1))
    (after,) = [ln for ln in schedule.lines if ln.id.period_start == date(2026, 2, 1)]
    assert isinstance(after, RecurringLine)
    assert after.pieces[0].note == "billed elsewhere through 2026-02-28"  # what `invoice explain` shows for it
    (before,) = [ln for ln in schedule.billed_elsewhere if ln.id.period_start == date(2026, 2, 1)]
    assert isinstance(before, RecurringLine)
    # February's 28 days of the same quarter: 1 200.00 x 28 / 89 = 377.5280... -> 377.53, the old billing's
    assert (before.pieces[0].start, before.pieces[-1].end, before.amount.quantize(D("0.01"))) == (
        date(2026, 2, 1),
        date(2026, 3, 1),
        D("377.53"),
    )


def test_a_change_inside_a_period_the_old_billing_invoiced_in_advance_blocks_the_run(ledger: Ledger) -> None:
    # The year from 2025-07-01 was invoiced in advance by the old billing; 40 seats instead of 25 from
    # 2026-04-01 would correct that invoice, which Avtale does not have: the run refuses, saying what to do.
    text = contract(
        """  charge seats "Brukere" {
    per_unit 100.00 per seat per year
    quantity 25
    billed yearly in advance
  }
  billed_through 2026-02-28

  amendment 1 "Flere brukere" signed 2026-03-10 effective 2026-04-01 {
    seats quantity 40
  }""",
        start="2025-07-01",
        term="term 36 months",
    )
    ws = workspace(text)
    result = plan(ws, ledger, no_usage, date(2026, 4, 1))
    (blocked,) = result.blocked
    assert blocked.charge == "seats" and blocked.period_start == date(2026, 4, 1)
    assert "amendment 1 changes this charge from 2026-04-01" in blocked.reason
    assert "set the contract's `billed_through 2026-06-30`" in blocked.reason
    # done as it says: the change billed by hand, and the cut-over moved to the end of that year
    moved = workspace(text.replace("billed_through 2026-02-28", "billed_through 2026-06-30"))
    assert billed(moved, ledger, date(2026, 7, 1)) == [("seats", date(2026, 7, 1), date(2027, 7, 1), D("4000.00"))]


def test_usage_billed_in_arrears_across_the_cut_over_counts_only_what_was_used_after_it(ledger: Ledger) -> None:
    # The quarter 2026-02-01 to 2026-04-30 is billed on 2026-05-01; usage before 2026-03-01 was billed
    # elsewhere, so only 2026-03-01 to 2026-04-30 is metered: 1 000 calls x 0.10 = 100.00.
    ws = workspace(
        contract(
            """  charge calls "API" {
    usage calls
    per_unit 0.10
    billed quarterly in arrears
  }
  billed_through 2026-02-28""",
            start="2025-02-01",
            term="term 36 months",
        )
    )
    asked: list[UsageKey] = []

    def meter(requests: Sequence[UsageKey]) -> Mapping[UsageKey, Decimal]:
        asked.extend(requests)
        return {key: D(1000) if key[2:] == (date(2026, 3, 1), date(2026, 5, 1)) else D(0) for key in requests}

    assert billed(ws, ledger, date(2026, 5, 1), meter) == [("calls", date(2026, 3, 1), date(2026, 5, 1), D("100.00"))]
    assert {(key[2], key[3]) for key in asked} == {(date(2026, 3, 1), date(2026, 5, 1))}


def test_a_minimum_year_across_the_cut_over_counts_what_was_billed_before_it(ledger: Ledger) -> None:
    # Minimum 10 000.00 a contract year from 2025-02-01. The year 2025-02-01 to 2026-01-31 ended before the
    # cut-over: its true-up was the old billing's. The year from 2026-02-01: February billed elsewhere
    # (349.00, stated), March to January by Avtale, 11 x 349.00 = 3 839.00; 349.00 + 3 839.00 = 4 188.00,
    # so the true-up on 2027-02-01 is 10 000.00 - 4 188.00 = 5 812.00.
    ws = workspace(
        contract(
            """  charge platform "Plattform" {
    flat 349.00 per month
    billed monthly in advance
  }
  minimum 10_000.00 per contract year
  billed_through 2026-02-28 counting 349.00 toward minimum""",
            start="2025-02-01",
            term="term 36 months",
        )
    )
    lines = billed(ws, ledger, date(2027, 2, 1))
    assert [ln for ln in lines if ln[0] == "minimum"] == [("minimum", date(2026, 2, 1), date(2027, 2, 1), D("5812.00"))]
    assert sum(ln[3] for ln in lines if ln[0] == "platform") == D("4188.00")  # March 2026 to February 2027, 12 x 349.00
    schedule = lower(ws.contracts["C-1"], ws.indices, date(2027, 2, 2))
    assert [ln.id.period_start for ln in schedule.billed_elsewhere if isinstance(ln, MinimumLine)] == [date(2025, 2, 1)]


def test_one_time_fees_and_discounts_before_the_cut_over_stay_with_the_old_billing(ledger: Ledger) -> None:
    # Setup on 2025-02-01 and the discount's months before March were billed elsewhere; March: 349.00 less
    # 10 % = 349.00 - 34.90.
    ws = workspace(
        contract(
            """  charge platform "Plattform" {
    flat 349.00 per month
    billed monthly in advance
  }
  charge setup "Oppstart" {
    one_time 5_000.00 on start
  }
  discount "Lojalitet" 10% on platform
  billed_through 2026-02-28""",
            start="2025-02-01",
            term="term 36 months",
        )
    )
    assert billed(ws, ledger, date(2026, 3, 1)) == [
        ("platform", date(2026, 3, 1), date(2026, 4, 1), D("349.00")),
        ("platform", date(2026, 3, 1), date(2026, 4, 1), D("-34.90")),
    ]
    schedule = lower(ws.contracts["C-1"], ws.indices, date(2026, 4, 1))
    assert [ln.amount for ln in schedule.billed_elsewhere if isinstance(ln, OneTimeLine)] == [D("5000.00")]
    assert not [ln for ln in schedule.lines if isinstance(ln, OneTimeLine)]


def test_an_amendment_before_the_cut_over_changes_only_what_avtale_bills(ledger: Ledger) -> None:
    # 40 seats from 2026-01-01 at 100.00: January and February were billed elsewhere (at whatever it billed);
    # March is 40 x 100.00 = 4 000.00, and no correction is drafted for the months before.
    ws = workspace(
        contract(
            """  charge seats "Brukere" {
    per_unit 100.00 per seat per month
    quantity 25
  }
  billed_through 2026-02-28

  amendment 1 "Flere brukere" signed 2025-12-10 effective 2026-01-01 {
    seats quantity 40
  }""",
            start="2025-02-01",
            term="term 36 months",
        )
    )
    assert billed(ws, ledger, date(2026, 3, 1)) == [("seats", date(2026, 3, 1), date(2026, 4, 1), D("4000.00"))]


def _with_setting(text: str, through: date) -> model.Workspace:
    files = []
    for name, source in (("prelude.avt", PRELUDE), ("case.avt", text)):
        result = parse(source, name)
        assert result.file is not None
        files.append(result.file)
    cutover = model.Cutover(through=through, toward_minimum=None, span=files[0].decls[0].span, from_settings=True)
    outcome = check_workspace(files, cutover=cutover)
    assert not [d for d in outcome.diagnostics if d.is_error], outcome.diagnostics
    return outcome.workspace


def test_the_workspace_setting_applies_to_contracts_that_started_before_it(ledger: Ledger) -> None:
    text = contract(
        '  charge platform "Plattform" {\n    flat 349.00 per month\n  }', start="2025-02-01", term="term 36 months"
    )
    later = contract(
        '  charge platform "Plattform" {\n    flat 349.00 per month\n  }', start="2026-04-01", term="term 12 months"
    ).replace("C-1", "C-2")
    ws = _with_setting(text + later, date(2026, 2, 28))
    assert ws.contracts["C-1"].cutover is not None and ws.contracts["C-1"].cutover.from_settings
    assert ws.contracts["C-2"].cutover is None  # started after the old billing stopped
    assert billed(ws, ledger, date(2026, 3, 1)) == [("platform", date(2026, 3, 1), date(2026, 4, 1), D("349.00"))]


def test_a_contract_s_own_date_wins_over_the_workspace_setting(ledger: Ledger) -> None:
    # The contract was billed yearly elsewhere through 2026-06-30, later than the workspace's cut-over.
    ws = _with_setting(MONTHLY.replace("billed_through 2026-02-28", "billed_through 2026-06-30"), date(2026, 2, 28))
    assert billed(ws, ledger, date(2026, 6, 1)) == []
    assert billed(ws, ledger, date(2026, 7, 1)) == [("platform", date(2026, 7, 1), date(2026, 8, 1), D("349.00"))]


def test_without_a_cut_over_the_whole_history_is_billed(ledger: Ledger) -> None:
    # The guard the feature exists for: 13 months of history on the first run, 14 x 349.00 = 4 886.00.
    ws = workspace(MONTHLY.replace("  billed_through 2026-02-28\n", ""))
    assert sum(ln[3] for ln in billed(ws, ledger, date(2026, 3, 1))) == D("4886.00")


def test_usage_lines_before_the_cut_over_are_kept_apart() -> None:
    ws = workspace(
        contract(
            """  charge calls "API" {
    usage calls
    per_unit 0.10
    billed monthly in arrears
  }
  billed_through 2025-03-31""",
            start="2025-02-01",
            term="term 12 months",
        )
    )
    schedule = lower(ws.contracts["C-1"], ws.indices, date(2025, 6, 1))
    assert [ln.id.period_start for ln in schedule.billed_elsewhere if isinstance(ln, UsageLine)] == [
        date(2025, 2, 1),
        date(2025, 3, 1),
    ]
    assert [ln.id.period_start for ln in schedule.lines] == [date(2025, 4, 1), date(2025, 5, 1)]


def test_a_cut_over_moved_over_what_avtale_already_invoiced_is_refused(ledger: Ledger) -> None:
    # Avtale invoiced 2025-02-01 onwards; a `billed_through` written afterwards would turn those lines into
    # the old billing's and credit them. The run refuses and names the first such line.
    without = workspace(MONTHLY.replace("  billed_through 2026-02-28\n", ""))
    ledger_apply(without, ledger, date(2026, 3, 1))
    with pytest.raises(LedgerError, match=r"invoice \d+ line 1 billed `platform` from 2025-02-01"):
        plan(workspace(MONTHLY), ledger, no_usage, date(2026, 3, 2))


def ledger_apply(ws: model.Workspace, ledger: Ledger, day: date) -> None:
    apply(ws, ledger, no_usage, day)


def test_the_true_up_of_a_year_across_the_cut_over_does_not_stop_later_runs(ledger: Ledger) -> None:
    # The true-up of the year from 2026-02-01 is Avtale's (5 812.00, as above); the runs after it go on.
    ws = workspace(
        contract(
            """  charge platform "Plattform" {
    flat 349.00 per month
    billed monthly in advance
  }
  minimum 10_000.00 per contract year
  billed_through 2026-02-28 counting 349.00 toward minimum""",
            start="2025-02-01",
            term="term 36 months",
        )
    )
    ledger_apply(ws, ledger, date(2026, 3, 1))
    ledger_apply(ws, ledger, date(2027, 2, 1))
    assert billed(ws, ledger, date(2027, 3, 1)) == [("platform", date(2027, 3, 1), date(2027, 4, 1), D("349.00"))]


@pytest.mark.parametrize("moved", ["  billed_through 2025-12-31\n", ""])
def test_a_cut_over_moved_earlier_or_removed_is_refused_rather_than_billing_the_old_periods_again(
    ledger: Ledger, moved: str
) -> None:
    # Avtale took over on 2026-03-01; with the cut-over moved back to 2025-12-31 (or gone), January and February
    # 2026 (or all of 2025 too) would be invoiced a second time. The run refuses and names the first such line.
    ledger_apply(workspace(MONTHLY), ledger, date(2026, 3, 1))
    earlier = workspace(MONTHLY.replace("  billed_through 2026-02-28\n", moved))
    first = "2026-01-01 – 2026-01-31" if moved else "2025-02-01 – 2025-02-28"
    with pytest.raises(LedgerError, match=f"invoice `platform` for {first}, before 2026-03-01"):
        plan(earlier, ledger, no_usage, date(2026, 4, 1))
