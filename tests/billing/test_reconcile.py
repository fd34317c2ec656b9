"""Reconciliation by line identity and billing period: the worked examples of the billing-core
issue, computed by hand, and a reproducer for each way the label-keyed seam gave wrong money."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from compiler.billing.provenance import trace_from_json
from runtime.billing.expected import UsageKey
from runtime.billing.run import RunBlocked, RunOptions, apply, plan
from runtime.ledger.store import Ledger
from tests.billing.helpers import contract, workspace

D = Decimal


def no_usage(requests: Sequence[UsageKey]) -> Mapping[UsageKey, Decimal]:
    return {}


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    return Ledger.open(tmp_path / "ledger.sqlite")


SEATS = '  charge seats "Brukerlisenser" {\n    per_unit 250.00 per seat per month\n    quantity 8\n  }'
UPGRADE = '\n  amendment 1 "Utvidet" signed 2026-03-20 effective 2026-03-11 {\n    seats quantity 12\n  }'


def test_a_mid_period_upgrade_bills_the_difference_on_the_next_invoice(ledger: Ledger) -> None:
    before = workspace(contract(SEATS, start="2026-03-01"))
    _, first = apply(before, ledger, no_usage, date(2026, 3, 1))
    assert [d.totals.net for d in first] == [D("2000.00")]
    after = workspace(contract(SEATS + UPGRADE, start="2026-03-01"))
    _, issued = apply(after, ledger, no_usage, date(2026, 4, 1))
    # one invoice, no credit note: +677.42 for March (4 x 250 x 21/31), 3,000.00 for April
    assert [d.kind for d in issued] == ["invoice"]
    [invoice] = issued
    assert [(ln.billing_start, ln.net_amount) for ln in invoice.lines] == [
        (date(2026, 3, 1), D("677.42")),
        (date(2026, 4, 1), D("3000.00")),
    ]
    assert (invoice.totals.net, invoice.totals.vat, invoice.totals.gross) == (D("3677.42"), D("919.36"), D("4596.78"))
    march = trace_from_json(invoice.lines[0].provenance)
    assert march.correction is not None and "amendment 1" in march.correction.reason
    assert [(p.start, p.end, p.quantity) for p in march.pieces] == [
        (date(2026, 3, 1), date(2026, 3, 11), D(8)),
        (date(2026, 3, 11), date(2026, 4, 1), D(12)),
    ]
    assert apply(after, ledger, no_usage, date(2026, 4, 1))[1] == []


YEARLY = '  charge licence "Lisens" {\n    flat 24_000.00 per year\n    billed yearly in advance\n  }'
ENDED = '\n  amendment 1 "Oppsagt" signed 2026-05-10 effective 2026-05-01 {\n    terminate\n  }'


def test_a_termination_is_one_credit_note_referencing_the_invoice(ledger: Ledger) -> None:
    before = workspace(contract(YEARLY, term="term 36 months"))
    apply(before, ledger, no_usage, date(2026, 1, 1))
    after = workspace(contract(YEARLY + ENDED, term="term 36 months"))
    _, issued = apply(after, ledger, no_usage, date(2026, 5, 10))
    # 24,000 x 245/365 credited; the customer keeps 7,890.41 (120 days)
    assert [d.kind for d in issued] == ["credit_note"]
    [credit] = issued
    assert credit.corrects == (1,) and [ln.corrects for ln in credit.lines] == [1]
    assert (credit.totals.net, credit.totals.vat) == (D("16109.59"), D("4027.40"))
    assert sum(x.net_amount for x in ledger.issued_lines()) == D("7890.41")


def test_a_renamed_label_bills_nothing(ledger: Ledger) -> None:
    apply(workspace(contract(SEATS)), ledger, no_usage, date(2026, 4, 1))
    renamed = workspace(contract(SEATS.replace('"Brukerlisenser"', '"Brukerlisenser (per bruker)"')))
    assert plan(renamed, ledger, no_usage, date(2026, 4, 1)).documents == ()


def test_a_changed_vat_category_credits_the_old_and_bills_the_new(ledger: Ledger) -> None:
    apply(workspace(contract(SEATS)), ledger, no_usage, date(2026, 2, 1))
    exempt = SEATS.replace("    quantity 8\n", '    quantity 8\n    vat exempt "Unntatt etter mval. § 3-5"\n')
    _, issued = apply(workspace(contract(exempt)), ledger, no_usage, date(2026, 2, 1))
    assert sorted(d.kind for d in issued) == ["credit_note", "invoice"]
    credit = next(d for d in issued if d.kind == "credit_note")
    invoice = next(d for d in issued if d.kind == "invoice")
    assert [(g.category, g.taxable, g.vat) for g in credit.totals.groups] == [("standard", D("4000.00"), D("1000.00"))]
    assert [(g.category, g.taxable, g.vat) for g in invoice.totals.groups] == [("exempt", D("4000.00"), D("0.00"))]
    assert apply(workspace(contract(exempt)), ledger, no_usage, date(2026, 2, 1))[1] == []


EXEMPT_MINIMUM = (
    '  charge courses "Kurs" {\n    flat 1_000.00 per month\n    vat exempt "Undervisning, mval. § 3-5"\n  }\n'
    "  minimum 20_000.00 per contract year"
)


def test_a_minimum_true_up_takes_the_vat_of_the_charges_and_traces_to_the_minimum(ledger: Ledger) -> None:
    text = contract(EXEMPT_MINIMUM, term="term 24 months")
    ws = workspace(text)
    _, issued = apply(ws, ledger, no_usage, date(2027, 1, 1))
    true_up = [ln for d in issued for ln in d.lines if ln.kind == "minimum"]
    assert [(ln.net_amount, ln.vat_category, ln.vat_rate) for ln in true_up] == [(D("8000.00"), "exempt", D(0))]
    trace = trace_from_json(true_up[0].provenance)
    stated = text.splitlines()[trace.source.line - 1].strip()
    assert stated == "minimum 20_000.00 per contract year"  # not `contract C-1 {`
    assert trace.minimum is not None and trace.minimum.billed_in_year == D("12000.00")


def test_totals_are_per_currency_and_yen_are_whole(ledger: Ledger) -> None:
    yen = contract(
        '  currency JPY\n  billing anchor 1\n  charge base "Base" {\n    flat 1_000 per month\n  }', start="2026-01-15"
    )
    yen = yen.replace("contract C-1", "contract C-2")
    euro = contract('  currency EUR\n  charge base "Base" {\n    flat 100.00 per month\n  }')
    result = plan(workspace(yen + euro), ledger, no_usage, date(2026, 1, 15))
    by_currency = {d.draft.currency: d for d in result.documents}
    assert by_currency["JPY"].draft.lines[0].net_amount == D("548")  # 1,000 x 17/31 = 548.39 -> 548 yen
    assert by_currency["JPY"].totals.vat == D("137")  # 548 x 25% = 137
    from runtime.cli.bill import summary

    assert "total EUR 125.00 + JPY 685 (incl. VAT)" in summary(result, "NOK", applied=False)


def test_a_contract_gone_from_the_workspace_stops_the_apply(ledger: Ledger) -> None:
    two = contract(SEATS) + contract(SEATS).replace("contract C-1", "contract C-9")
    apply(workspace(two), ledger, no_usage, date(2026, 2, 1))
    one = workspace(contract(SEATS))
    planned = plan(one, ledger, no_usage, date(2026, 3, 1))
    assert [(o.contract, o.what, o.documents) for o in planned.orphans] == [("C-9", "contract C-9", (("invoice", 2),))]
    with pytest.raises(RunBlocked):
        apply(one, ledger, no_usage, date(2026, 3, 1))
    assert len(ledger.documents()) == 2  # nothing issued, not even C-1's March


def test_a_renamed_charge_id_stops_the_apply_instead_of_crediting_everything(ledger: Ledger) -> None:
    apply(workspace(contract(SEATS)), ledger, no_usage, date(2026, 2, 1))
    renamed = workspace(contract(SEATS.replace("charge seats", "charge users")))
    planned = plan(renamed, ledger, no_usage, date(2026, 2, 1))
    assert [(o.what, o.documents) for o in planned.orphans] == [("charge seats", (("invoice", 1),))]
    with pytest.raises(RunBlocked):
        apply(renamed, ledger, no_usage, date(2026, 2, 1))


def test_a_back_dated_discount_for_billed_periods_is_a_credit_note(ledger: Ledger) -> None:
    apply(workspace(contract(SEATS)), ledger, no_usage, date(2026, 2, 1))
    discounted = SEATS + '\n  amendment 1 "Rabatt" signed 2026-02-10 effective 2026-01-01 {\n'
    discounted += '    discount "Lojalitet" 10% on seats until 2026-03-01\n  }'
    _, issued = apply(workspace(contract(discounted)), ledger, no_usage, date(2026, 2, 10))
    assert [d.kind for d in issued] == ["credit_note"]
    assert [(ln.kind, ln.discount, ln.net_amount) for ln in issued[0].lines] == [
        ("discount", "amendment-1-discount-1", D("200.00")),
        ("discount", "amendment-1-discount-1", D("200.00")),
    ]


def test_a_due_date_on_a_holiday_moves_to_the_next_bank_day(ledger: Ledger) -> None:
    # issued 2026-05-03 with 14 days: 17 May (Sunday and Constitution Day) -> Monday 18 May
    ws = workspace(contract(SEATS, start="2026-05-03"))
    [doc] = plan(ws, ledger, no_usage, date(2026, 5, 3)).documents
    assert doc.draft.due_date == date(2026, 5, 18)
    [doc] = plan(ws, ledger, no_usage, date(2026, 5, 3), options=RunOptions(bank_days=False)).documents
    assert doc.draft.due_date == date(2026, 5, 17)


def test_a_correction_of_a_line_whose_reasons_were_damaged_is_a_ledger_error(ledger: Ledger, tmp_path: Path) -> None:
    import sqlite3

    from runtime.ledger.errors import LedgerError

    apply(workspace(contract(SEATS)), ledger, no_usage, date(2026, 2, 1))
    raw = sqlite3.connect(tmp_path / "ledger.sqlite", isolation_level=None)
    raw.execute("DROP TRIGGER document_lines_no_update")
    raw.execute("UPDATE document_lines SET provenance = '{}' WHERE billing_start = '2026-02-01'")
    raw.close()
    removed = SEATS + '\n  amendment 1 "Uten" signed 2026-01-20 effective 2026-02-01 {\n    remove seats\n  }'
    with pytest.raises(LedgerError, match="reasons that cannot be read") as caught:
        plan(workspace(contract(removed)), ledger, no_usage, date(2026, 2, 1))
    assert "restore the file from a backup" in caught.value.help
