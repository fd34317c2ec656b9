"""The revenue journal: hand-computed entries, and properties every journal must have."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compiler.model import Accounts
from runtime.revenue.journal import JournalEntry, JournalError, LineTax, journal
from tests.revenue.journal_documents import document, recognised

D = Decimal
ACCOUNTS = Accounts()
ALL = (date(2000, 1, 1), date(2100, 1, 1))


def postings(entry: JournalEntry) -> list[tuple[int, str, str]]:
    """(account, debit, credit) per line, amounts as text, so a figure written by hand compares exactly."""
    return [(line.account, f"{line.debit:f}", f"{line.credit:f}") for line in entry.lines]


def test_an_invoice_is_receivable_gross_deferred_net_and_vat() -> None:
    doc = document(250001, date(2026, 1, 1), [("standard", "25", "10000.00", "2500.00")])
    [entry] = journal([doc], [], ACCOUNTS, *ALL)
    assert entry.id == "I250001"
    assert entry.kind == "issue"
    assert entry.date == date(2026, 1, 1)
    assert entry.document == "invoice 250001"
    assert postings(entry) == [(1500, "12500.00", "0"), (2965, "0", "10000.00"), (2700, "0", "2500.00")]
    assert entry.lines[0].customer == "kunde"
    assert entry.lines[1].tax == LineTax(code="3", rate=D(25), base=D("10000.00"), vat=D("2500.00"))
    assert entry.lines[2].tax is None


def test_recognising_billed_revenue_moves_it_from_deferred_to_revenue() -> None:
    doc = document(250001, date(2026, 1, 1), [("standard", "25", "10000.00", "2500.00")])
    entries = journal([doc], [recognised(date(2026, 1, 1), "3333.33")], ACCOUNTS, *ALL)
    assert [e.id for e in entries] == ["I250001", "R-A-1-2026-01"]
    recognition = entries[1]
    assert recognition.date == date(2026, 1, 31)
    assert recognition.kind == "recognise"
    assert postings(recognition) == [(2965, "3333.33", "0"), (3020, "0", "3333.33")]


def test_revenue_earned_before_it_is_billed_goes_to_unbilled_and_is_reversed_at_billing() -> None:
    earned = recognised(date(2026, 1, 1), "1000.00")
    doc = document(250001, date(2026, 2, 1), [("standard", "25", "3000.00", "750.00")])
    first, second = journal([doc], [earned], ACCOUNTS, *ALL)
    assert postings(first) == [(1530, "1000.00", "0"), (3020, "0", "1000.00")]
    # 1,000 of the 3,000 billed was earned in January: it clears unbilled; the rest is deferred.
    assert postings(second) == [
        (1500, "3750.00", "0"),
        (1530, "0", "1000.00"),
        (2965, "0", "2000.00"),
        (2700, "0", "750.00"),
    ]
    # The group's VAT of 750 is split over its two base lines in proportion, 1:2.
    assert [line.tax for line in second.lines[1:3]] == [
        LineTax(code="3", rate=D(25), base=D("1000.00"), vat=D("250.00")),
        LineTax(code="3", rate=D(25), base=D("2000.00"), vat=D("500.00")),
    ]


def test_recognising_more_than_was_billed_splits_between_deferred_and_unbilled() -> None:
    doc = document(250001, date(2026, 1, 1), [("standard", "25", "1000.00", "250.00")])
    _, entry = journal([doc], [recognised(date(2026, 1, 1), "1500.00")], ACCOUNTS, *ALL)
    assert postings(entry) == [(2965, "1000.00", "0"), (1530, "500.00", "0"), (3020, "0", "1500.00")]


def test_a_credit_note_reverses_an_invoice_and_can_leave_revenue_unbilled() -> None:
    docs = [
        document(250001, date(2026, 1, 1), [("standard", "25", "1000.00", "250.00")]),
        document(950001, date(2026, 2, 1), [("standard", "25", "500.00", "125.00")], kind="credit_note"),
    ]
    entries = journal(docs, [recognised(date(2026, 1, 1), "800.00")], ACCOUNTS, *ALL)
    credit = entries[-1]
    assert credit.id == "C950001" and credit.kind == "credit" and credit.document == "credit note 950001"
    # Balance 200 deferred before; crediting 500 leaves 300 earned but no longer billed.
    assert postings(credit) == [
        (1500, "0", "625.00"),
        (1530, "300.00", "0"),
        (2965, "200.00", "0"),
        (2700, "125.00", "0"),
    ]


def test_revenue_accounts_get_a_line_each_and_a_catch_up_says_why() -> None:
    doc = document(250001, date(2026, 1, 1), [("standard", "25", "2000.00", "500.00")])
    records = [
        recognised(date(2026, 3, 1), "100.00", account=3100, obligation="api"),
        recognised(date(2026, 3, 1), "300.00", obligation="platform"),
        recognised(date(2026, 3, 1), "-50.00", kind="catch_up", reason="amendment 2 ends seats early"),
    ]
    _, entry = journal([doc], records, ACCOUNTS, *ALL)
    assert entry.date == date(2026, 3, 31)
    assert postings(entry) == [(2965, "350.00", "0"), (3020, "0", "250.00"), (3100, "0", "100.00")]
    assert entry.description.endswith("(catch-up: amendment 2 ends seats early)")


def test_a_negative_catch_up_returns_revenue_to_deferred() -> None:
    doc = document(250001, date(2026, 1, 1), [("standard", "25", "1000.00", "250.00")])
    records = [recognised(date(2026, 1, 1), "600.00"), recognised(date(2026, 2, 1), "-100.00", kind="catch_up")]
    entry = journal([doc], records, ACCOUNTS, *ALL)[-1]
    assert postings(entry) == [(2965, "0", "100.00"), (3020, "100.00", "0")]


def test_vat_groups_each_carry_their_standard_code_and_zero_rated_sales_abroad_are_export() -> None:
    groups = [("standard", "25", "100.00", "25.00"), ("low", "12", "200.00", "24.00"), ("zero", "0", "50.00", "0.00")]
    home = journal([document(1, date(2026, 1, 1), groups)], [], ACCOUNTS, *ALL)[0]
    abroad = journal([document(1, date(2026, 1, 1), groups, country="SE")], [], ACCOUNTS, *ALL)[0]
    assert postings(home) == [
        (1500, "399.00", "0"),
        (2965, "0", "100.00"),
        (2965, "0", "200.00"),
        (2965, "0", "50.00"),
        (2700, "0", "25.00"),
        (2700, "0", "24.00"),
    ]
    assert [line.tax.code for line in home.lines if line.tax] == ["3", "33", "5"]
    assert [line.tax.code for line in abroad.lines if line.tax] == ["3", "33", "52"]


def test_other_categories_map_to_their_codes() -> None:
    groups = [
        ("medium", "15", "100.00", "15.00"),
        ("exempt", "0", "10.00", "0.00"),
        ("reverse_charge", "0", "20.00", "0.00"),
        ("outside", "0", "30.00", "0.00"),
    ]
    entry = journal([document(1, date(2026, 1, 1), groups)], [], ACCOUNTS, *ALL)[0]
    assert [line.tax.code for line in entry.lines if line.tax] == ["31", "6", "51", "6"]


def test_configured_accounts_are_used() -> None:
    accounts = Accounts(receivable=1510, deferred=2970, unbilled=1531, revenue=3000, vat=2701)
    doc = document(1, date(2026, 2, 1), [("standard", "25", "100.00", "25.00")])
    entries = journal([doc], [recognised(date(2026, 1, 1), "40.00", account=3000)], accounts, *ALL)
    assert [postings(e) for e in entries] == [
        [(1531, "40.00", "0"), (3000, "0", "40.00")],
        [(1510, "125.00", "0"), (1531, "0", "40.00"), (2970, "0", "60.00"), (2701, "0", "25.00")],
    ]


def test_the_window_keeps_entries_in_it_but_balances_from_the_start() -> None:
    docs = [document(1, date(2025, 12, 1), [("standard", "25", "1000.00", "250.00")])]
    records = [recognised(date(2025, 12, 1), "900.00"), recognised(date(2026, 1, 1), "300.00")]
    [entry] = journal(docs, records, ACCOUNTS, date(2026, 1, 1), date(2026, 2, 1))
    # 100 was still deferred at the end of 2025: the other 200 is earned before it is billed.
    assert postings(entry) == [(2965, "100.00", "0"), (1530, "200.00", "0"), (3020, "0", "300.00")]
    assert journal(docs, records, ACCOUNTS, date(2026, 2, 1), date(2026, 3, 1)) == []


def test_on_one_day_invoices_come_before_recognition() -> None:
    doc = document(1, date(2026, 1, 31), [("standard", "25", "100.00", "25.00")])
    issue, recognition = journal([doc], [recognised(date(2026, 1, 1), "100.00")], ACCOUNTS, *ALL)
    assert issue.id == "I1"
    assert postings(recognition) == [(2965, "100.00", "0"), (3020, "0", "100.00")]


def test_a_contract_in_two_currencies_is_refused() -> None:
    doc = document(1, date(2026, 1, 1), [("standard", "25", "100.00", "25.00")], currency="EUR")
    with pytest.raises(JournalError, match="both EUR and NOK") as caught:
        journal([doc], [recognised(date(2026, 1, 1), "10.00")], ACCOUNTS, *ALL)
    assert "currency" in caught.value.help


def test_a_foreign_currency_contract_is_journalled_in_its_currency() -> None:
    doc = document(1, date(2026, 1, 1), [("zero", "0", "100.00", "0.00")], currency="EUR", country="DE")
    [entry] = journal([doc], [], ACCOUNTS, *ALL)
    assert entry.currency == "EUR"
    assert postings(entry) == [(1500, "100.00", "0"), (2965, "0", "100.00")]


# --- properties -------------------------------------------------------------------------------------------------

CONTRACTS = ("A-1", "B-2")
amounts = st.integers(min_value=-50_000, max_value=500_000).map(lambda cents: D(cents).scaleb(-2))
positive = st.integers(min_value=1, max_value=500_000).map(lambda cents: D(cents).scaleb(-2))
months = st.integers(min_value=0, max_value=11).map(lambda i: date(2026, 1 + i, 1))
days = st.integers(min_value=0, max_value=11 * 28).map(lambda n: date.fromordinal(date(2026, 1, 1).toordinal() + n))
group = st.tuples(st.sampled_from([("standard", "25"), ("medium", "15"), ("low", "12"), ("zero", "0")]), positive).map(
    lambda g: (g[0][0], g[0][1], f"{g[1]:f}", f"{(g[1] * D(g[0][1]) / 100).quantize(D('0.01')):f}")
)
doc_event = st.tuples(
    st.sampled_from(CONTRACTS),
    days,
    st.sampled_from(["invoice", "credit_note"]),
    st.lists(group, min_size=1, max_size=3),
)
rec_event = st.tuples(st.sampled_from(CONTRACTS), months, amounts, st.sampled_from([3020, 3100]))


@st.composite
def histories(draw: st.DrawFn) -> tuple[list, list]:  # type: ignore[type-arg]
    docs = [
        document(i, day, groups, kind=kind, contract=contract, customer=contract.lower())
        for i, (contract, day, kind, groups) in enumerate(draw(st.lists(doc_event, max_size=8)), start=1)
    ]
    records = [
        recognised(month, f"{amount:f}", contract=contract, account=account)
        for contract, month, amount, account in draw(st.lists(rec_event, max_size=12))
    ]
    if draw(st.booleans()):  # recognise exactly what was billed, in December
        for contract in CONTRACTS:
            billed = sum(
                (d.totals.net if d.kind == "invoice" else -d.totals.net for d in docs if d.contract == contract), D(0)
            )
            earned = sum((r.amount for r in records if r.contract == contract), D(0))
            records.append(recognised(date(2026, 12, 1), f"{billed - earned:f}", contract=contract))
    return docs, records


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
def test_every_entry_balances_and_balances_follow_billed_minus_recognised(history: tuple[list, list]) -> None:  # type: ignore[type-arg]
    docs, records = history
    entries = journal(docs, records, ACCOUNTS, *ALL)
    deferred: dict[str, Decimal] = defaultdict(D)
    unbilled: dict[str, Decimal] = defaultdict(D)
    for entry in entries:
        assert entry.debit == entry.credit, entry
        assert all(line.debit >= 0 and line.credit >= 0 and not (line.debit and line.credit) for line in entry.lines)
        for line in entry.lines:
            if line.account == ACCOUNTS.deferred:
                deferred[entry.contract] += line.credit - line.debit
            if line.account == ACCOUNTS.unbilled:
                unbilled[entry.contract] += line.debit - line.credit
        # Never both, never below zero: a contract is either a liability or an asset.
        assert deferred[entry.contract] >= 0 and unbilled[entry.contract] >= 0
        assert not (deferred[entry.contract] and unbilled[entry.contract])
    for contract in CONTRACTS:
        billed = sum(
            (d.totals.net if d.kind == "invoice" else -d.totals.net for d in docs if d.contract == contract), D(0)
        )
        earned = sum((r.amount for r in records if r.contract == contract), D(0))
        assert deferred[contract] - unbilled[contract] == billed - earned
        if billed == earned:
            assert deferred[contract] == 0 and unbilled[contract] == 0
