"""The reports as CSV, JSON and text: exact bytes for small books written out by hand."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from runtime.revenue.records import Recognised
from runtime.revenue.reports import Billed, balances, rollforward, waterfall
from runtime.revenue.reports_render import (
    balances_csv,
    balances_json,
    balances_text,
    catch_ups_in,
    rollforward_csv,
    rollforward_json,
    rollforward_text,
    waterfall_csv,
    waterfall_json,
    waterfall_text,
)
from tests.factories.revenue import recognised

D = Decimal
JAN, FEB, MAR = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)


def rec(month: date, amount: str, kind: str = "scheduled", reason: str = "") -> Recognised:
    return recognised(month, amount, contract="A", obligation="fee", kind=kind, reason=reason)  # type: ignore[arg-type]


RECORDS = [
    rec(JAN, "1000.00"),
    rec(FEB, "1000.00"),
    rec(FEB, "-250.00", "catch_up", "closed 2026-01 changed"),
    rec(MAR, "1000"),
]
BILLED = [Billed(contract="A", currency="NOK", day=date(2026, 1, 1), amount=D("3000.00"))]


def test_waterfall_csv_has_a_row_per_contract_obligation_and_month() -> None:
    report = waterfall(RECORDS, JAN, MAR, as_of=date(2026, 2, 28), latest_closed=JAN)
    assert waterfall_csv(report) == (
        "month,status,contract,obligation,currency,amount,catch_up\n"
        "2026-01,closed,A,fee,NOK,1000.00,0.00\n"
        "2026-02,open,A,fee,NOK,750.00,-250.00\n"
        "2026-03,scheduled,A,fee,NOK,1000.00,0.00\n"
    )


def test_waterfall_json_and_text() -> None:
    report = waterfall(RECORDS, JAN, MAR, as_of=date(2026, 2, 28), latest_closed=JAN)
    catch_ups = catch_ups_in(RECORDS, report.months)
    data = json.loads(waterfall_json(report, catch_ups, date(2026, 2, 28)))
    assert data["months"] == [
        {"month": "2026-01", "status": "closed"},
        {"month": "2026-02", "status": "open"},
        {"month": "2026-03", "status": "scheduled"},
    ]
    assert data["rows"] == [
        {
            "contract": "A",
            "obligation": "fee",
            "currency": "NOK",
            "months": {"2026-01": "1000.00", "2026-02": "750.00", "2026-03": "1000.00"},
            "catch_ups": {"2026-02": "-250.00"},
            "total": "2750.00",
        }
    ]
    assert data["totals"][0]["total"] == "2750.00"
    assert data["catch_ups"] == [
        {
            "month": "2026-02",
            "contract": "A",
            "obligation": "fee",
            "account": 3020,
            "currency": "NOK",
            "amount": "-250.00",
            "reason": "closed 2026-01 changed",
        }
    ]
    text = waterfall_text(report, catch_ups, color=False)
    assert "2026-01 ●" in text and "2026-03 ›" in text
    assert "750.00*" in text and "2 750.00" in text
    assert "* 2026-02 A fee: -250.00 NOK, closed 2026-01 changed" in text


def test_rollforward_csv_and_json() -> None:
    rows = rollforward(RECORDS, BILLED, JAN, FEB)
    assert rollforward_csv(rows) == (
        "month,currency,deferred_opening,deferred_billed,deferred_recognised,deferred_closing,"
        "asset_opening,asset_recognised,asset_billed,asset_closing,billed,recognised\n"
        "2026-01,NOK,0.00,3000.00,1000.00,2000.00,0.00,0.00,0.00,0.00,3000.00,1000.00\n"
        "2026-02,NOK,2000.00,0.00,750.00,1250.00,0.00,0.00,0.00,0.00,0.00,750.00\n"
    )
    data = json.loads(rollforward_json(rows, JAN, FEB))
    assert (data["from"], data["to"], data["rows"][1]["deferred_closing"]) == ("2026-01", "2026-02", "1250.00")
    text = rollforward_text(rows, color=False)
    assert "deferred opening" in text and "2 000.00" in text and "1 250.00" in text


def test_balances_csv_json_and_text() -> None:
    rows, totals = balances(RECORDS, BILLED, date(2026, 1, 31))
    assert balances_csv(rows) == (
        "contract,currency,billed,recognised,liability,asset,within_12_months,later\n"
        "A,NOK,3000.00,1000.00,2000.00,0.00,1750.00,0.00\n"
    )
    data = json.loads(balances_json(rows, totals, date(2026, 1, 31)))
    assert data["at"] == "2026-01-31"
    assert data["totals"] == [
        {
            "currency": "NOK",
            "billed": "3000.00",
            "recognised": "1000.00",
            "liability": "2000.00",
            "asset": "0.00",
            "within_12_months": "1750.00",
            "later": "0.00",
        }
    ]
    assert "remaining ≤ 12 months" in balances_text(rows, totals, date(2026, 1, 31), color=False)


def test_the_same_books_give_the_same_bytes() -> None:
    first = waterfall_json(waterfall(RECORDS, JAN, MAR, JAN, None), [], JAN)
    again = waterfall_json(waterfall(list(reversed(RECORDS)), JAN, MAR, JAN, None), [], JAN)
    assert first == again
