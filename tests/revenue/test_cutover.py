"""Revenue across a cut-over (`billed_through`): what the old billing invoiced opens deferred revenue.

A two-year contract from 2025-07-01 at 12 000.00 a year, billed yearly in advance, recognised 1 000.00 a month
(`revenue ratably monthly`). The old billing invoiced the first year on 2025-07-01 and Avtale takes over
after 2026-06-30. Figures by hand in the comments.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from compiler.model import Accounts
from runtime.revenue.cutover import all_billed_before
from runtime.revenue.journal import journal
from runtime.revenue.recognition import recognise
from runtime.revenue.reports import balances, billed_elsewhere
from tests.factories.workspaces import contract, workspace

D = Decimal

YEARLY = contract(
    """  charge licence "Lisens" {
    flat 12_000.00 per year
    billed yearly in advance
    revenue ratably monthly
  }
  billed_through 2026-06-30""",
    start="2025-07-01",
    term="term 24 months",
)


def test_the_transaction_price_is_the_whole_contract_s_whoever_invoiced_it() -> None:
    # 24 months at 1 000.00: every month from July 2025 is 1 000.00, the months billed elsewhere too.
    ws = workspace(YEARLY)
    records = recognise(ws, [], {}, date(2026, 3, 31))
    assert {(r.month, r.amount) for r in records} == {
        (date(2025 + (6 + i) // 12, (6 + i) % 12 + 1, 1), D("1000.00")) for i in range(9)
    }


def test_the_old_billing_opens_deferred_revenue_at_the_cut_over() -> None:
    # At the end of February 2026: billed 12 000.00 (elsewhere, 2025-07-01), recognised July to February,
    # 8 x 1 000.00 = 8 000.00: deferred revenue 4 000.00, no contract asset.
    ws = workspace(YEARLY)
    records = recognise(ws, [], {}, date(2026, 2, 28))
    billed = billed_elsewhere(all_billed_before(ws))
    assert [(b.day, b.amount) for b in billed] == [(date(2025, 7, 1), D("12000.00"))]
    (row,), _ = balances(records, billed, date(2026, 2, 28))
    assert (row.billed, row.recognised, row.liability, row.asset) == (
        D("12000.00"),
        D("8000.00"),
        D("4000.00"),
        D("0"),
    )


def test_the_journal_posts_recognition_against_the_deferred_revenue_the_old_invoice_opened() -> None:
    # The journal taken over from March 2026: each month March to June is Dr deferred 1 000.00 / Cr revenue
    # 1 000.00, drawing the 4 000.00 the old invoice left deferred down to nil; July, with no invoice of
    # Avtale's in these inputs, is earned before it is billed: Dr unbilled 1 000.00.
    ws = workspace(YEARLY)
    records = recognise(ws, [], {}, date(2026, 7, 31))
    entries = journal([], records, Accounts(), date(2026, 3, 1), date(2026, 8, 1), None, all_billed_before(ws))
    deferred, unbilled, revenue = Accounts().deferred, Accounts().unbilled, Accounts().revenue
    assert [(e.date, [(ln.account, ln.debit, ln.credit) for ln in e.lines]) for e in entries] == [
        *[
            (day, [(deferred, D("1000.00"), D("0")), (revenue, D("0"), D("1000.00"))])
            for day in (date(2026, 3, 31), date(2026, 4, 30), date(2026, 5, 31), date(2026, 6, 30))
        ],
        (date(2026, 7, 31), [(unbilled, D("1000.00"), D("0")), (revenue, D("0"), D("1000.00"))]),
    ]
    # the old invoice itself is not posted: the old books hold it
    assert all(
        e.kind == "recognise"
        for e in journal([], records, Accounts(), date(2025, 1, 1), date(2026, 8, 1), None, all_billed_before(ws))
    )


def test_without_the_old_billing_the_same_months_would_read_as_earned_and_unbilled() -> None:
    # The guard: leave the billed-elsewhere lines out and February shows 8 000.00 as a contract asset.
    ws = workspace(YEARLY)
    records = recognise(ws, [], {}, date(2026, 2, 28))
    (row,), _ = balances(records, [], date(2026, 2, 28))
    assert (row.liability, row.asset) == (D("0"), D("8000.00"))
