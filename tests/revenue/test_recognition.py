"""Revenue recognised at run time (runtime/revenue/recognition.py): IFRS 15 from the plans with
catch-ups apart, usage in the month of use as the meter counts Europe/Oslo days, and the invoiced
policy from issued documents, credit notes negative. Figures hand-computed beside each case."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from compiler.billing.lines import LineKind
from runtime.ledger.documents import DraftLine, IssuedDocument, Kind
from runtime.ledger.totals import Totals
from runtime.revenue.recognition import recognise, usage_requests
from runtime.revenue.records import Recognised
from runtime.usage import meter_usage
from tests.revenue.cases.helpers import D, contract, workspace

MONTHLY = """
  no renewal
  %s
  charge base "Grunnpris" {
    flat 1_000.00 per month
    billed monthly in advance
  }
"""


def table(records: list[Recognised]) -> dict[tuple[str, str, str], Decimal]:
    return {(r.obligation, f"{r.month:%Y-%m}", r.kind): r.amount for r in records}


def test_ifrs15_months_that_have_ended() -> None:
    ws = workspace(contract(MONTHLY % ""))
    records = recognise(ws, [], {}, date(2026, 3, 31))
    assert table(records) == {
        ("base", "2026-01", "scheduled"): D("1019.18"),
        ("base", "2026-02", "scheduled"): D("920.55"),
        ("base", "2026-03", "scheduled"): D("1019.17"),
    }
    assert {(r.account, r.currency, r.contract) for r in records} == {(3020, "NOK", "C-1")}
    # March has not ended on the 30th
    assert len(recognise(ws, [], {}, date(2026, 3, 30))) == 2


def test_catch_up_is_a_record_of_its_own() -> None:
    ws = workspace(
        contract(
            """
  no renewal
  charge a "A" { flat 1_000.00 per month }
  charge b "B" {
    flat 1_000.00 per month
    account 3100
  }
  amendment 1 "Ny pris" signed 2026-06-20 effective 2026-07-01 {
    b price 2_000.00
    accounting catch_up
  }
"""
        )
    )
    records = recognise(ws, [], {}, date(2026, 7, 31))
    found = table(records)
    # b in July: 18,000 x 31/365 = 1,528.77 by days, and 2,975.35 catching up on 1 July
    assert found["b", "2026-07", "catch_up"] == D("2975.35")
    assert found["b", "2026-07", "scheduled"] + found["b", "2026-07", "catch_up"] == D("4504.11")
    assert found["a", "2026-07", "scheduled"] == D("1019.18")
    catch_up = next(r for r in records if r.kind == "catch_up")
    assert catch_up.account == 3100 and "catch-up" in catch_up.reason
    assert [(r.obligation, r.month, r.kind) for r in records] == sorted(
        (r.obligation, r.month, r.kind) for r in records
    )


def test_usage_in_the_month_of_use_in_oslo_days(tmp_path: Path) -> None:
    # billed monthly in arrears from the 15th: the period 15 January - 15 February holds three calls.
    # 2026-01-31T23:30Z is 1 February 00:30 in Oslo: two calls in February, one in January.
    ws = workspace(
        contract(
            """
  no renewal
  charge api "API-kall" {
    usage calls
    per_unit 10.00
  }
""",
            start="2026-01-15",
        )
    )
    usage = tmp_path / "usage"
    usage.mkdir()
    (usage / "events.csv").write_text(
        "id,contract,event,timestamp\n"
        "1,C-1,api.call,2026-01-20T10:00:00Z\n"
        "2,C-1,api.call,2026-01-31T23:30:00Z\n"
        "3,C-1,api.call,2026-02-10T10:00:00+01:00\n",
        encoding="utf-8",
    )
    through = date(2026, 2, 28)
    wanted = usage_requests(ws, through)
    assert ("C-1", "calls", date(2026, 1, 15), date(2026, 2, 1)) in wanted
    metered = meter_usage(usage, ws.metrics.values(), ws.contracts, wanted)
    found = table(recognise(ws, [], metered.totals, through))
    assert found == {("api", "2026-01", "scheduled"): D("10.00"), ("api", "2026-02", "scheduled"): D("20.00")}


def document(kind: Kind, number: int, lines: list[tuple[str, LineKind, str, date, date]]) -> IssuedDocument:
    drafted = tuple(
        DraftLine(
            contract="C-1",
            charge=charge,
            description=charge,
            period_start=start,
            period_end=end,
            quantity=Decimal(1),
            unit_price=Decimal(amount),
            net_amount=Decimal(amount),
            vat_category="standard",
            vat_rate=Decimal(25),
            provenance="",
            kind=line_kind,
            discount="",
            billing_start=start,
            billing_end=end,
        )
        for charge, line_kind, amount, start, end in lines
    )
    net = sum((ln.net_amount for ln in drafted), Decimal(0))
    return IssuedDocument(
        kind=kind,
        contract="C-1",
        customer="buyer",
        currency="NOK",
        issue_date=date(2026, 1, 1),
        due_date=date(2026, 1, 15),
        buyer_reference=None,
        purchase_order=None,
        lines=drafted,
        corrects=(),
        number=number,
        series=kind,
        kid="",
        totals=Totals(groups=(), net=net, vat=Decimal(0), gross=net),
        previous_hash="",
        hash="",
        issued_at_run=1,
    )


def test_invoiced_policy_from_the_issued_lines() -> None:
    ws = workspace(contract(MONTHLY % "revenue_policy invoiced"))
    invoices = [
        # a quarter billed in advance: 3,000 over 90 days; 31/90 in January = 1,033.33
        document("invoice", 1, [("base", "recurring", "3000.00", date(2026, 1, 1), date(2026, 4, 1))]),
        # a credit of 500 for 16-31 March (16 days): all of it in March
        document("credit_note", 1, [("base", "recurring", "500.00", date(2026, 3, 16), date(2026, 4, 1))]),
    ]
    found = table(recognise(ws, invoices, {}, date(2026, 12, 31)))
    assert found == {
        ("base", "2026-01", "scheduled"): D("1033.33"),
        ("base", "2026-02", "scheduled"): D("933.34"),  # 3,000 x 59/90 = 1,966.67 less 1,033.33
        ("base", "2026-03", "scheduled"): D("533.33"),  # 1,033.33 less the 500 credited
    }
    assert sum(found.values(), Decimal(0)) == D("2500.00")


def test_invoiced_and_ifrs15_side_by_side_sum_to_the_same() -> None:
    ifrs = workspace(contract(MONTHLY % ""))
    invoiced = workspace(contract(MONTHLY % "revenue_policy invoiced"))
    issued = [
        document(
            "invoice", m, [("base", "recurring", "1000.00", date(2026, m, 1), date(2026 + m // 12, m % 12 + 1, 1))]
        )
        for m in range(1, 13)
    ]
    by_ifrs = table(recognise(ifrs, [], {}, date(2026, 12, 31)))
    by_invoice = table(recognise(invoiced, issued, {}, date(2026, 12, 31)))
    assert by_ifrs["base", "2026-02", "scheduled"] == D("920.55")
    assert by_invoice["base", "2026-02", "scheduled"] == D("1000.00")
    assert sum(by_ifrs.values(), Decimal(0)) == sum(by_invoice.values(), Decimal(0)) == D("12000.00")
