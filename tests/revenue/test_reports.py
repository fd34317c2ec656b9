"""The revenue reports on small books whose every figure is worked out by hand here.

Contract A: 2,400.00 for two years from January 2026, billed yearly in advance (1 January 2026
and 1 January 2027), 100.00 recognised a month; a credit note of 200.00 on 10 March 2026.
Contract B: 500.00 a month from January to June 2026, billed monthly in arrears on the 1st of
the next month (so each month is recognised before it is billed).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from runtime.revenue.records import Recognised
from runtime.revenue.reports import Balance, Billed, Rollforward, balances, rollforward, waterfall
from tests.factories.revenue import recognised

D = Decimal


def month(year: int, m: int) -> date:
    return date(year, m, 1)


def rec(contract: str, when: date, amount: str, obligation: str = "fee", kind: str = "scheduled") -> Recognised:
    return recognised(when, amount, contract=contract, obligation=obligation, kind=kind)  # type: ignore[arg-type]


A_MONTHS = [month(2026 + (i // 12), i % 12 + 1) for i in range(24)]
RECORDS = [rec("A", m, "100.00") for m in A_MONTHS] + [rec("B", month(2026, m), "500.00") for m in range(1, 7)]
BILLED = [
    Billed(contract="A", currency="NOK", day=date(2026, 1, 1), amount=D("1200.00")),
    Billed(contract="A", currency="NOK", day=date(2027, 1, 1), amount=D("1200.00")),
    Billed(contract="A", currency="NOK", day=date(2026, 3, 10), amount=D("-200.00")),
] + [Billed(contract="B", currency="NOK", day=month(2026, m), amount=D("500.00")) for m in range(2, 8)]


def test_waterfall_months_rows_and_status() -> None:
    records = [*RECORDS, rec("A", month(2026, 2), "30.00", obligation="setup", kind="catch_up")]
    report = waterfall(records, month(2026, 1), month(2026, 4), as_of=date(2026, 2, 28), latest_closed=month(2026, 1))
    assert report.months == (month(2026, 1), month(2026, 2), month(2026, 3), month(2026, 4))
    assert report.status == ("closed", "open", "scheduled", "scheduled")
    assert [(r.contract, r.obligation, r.amounts, r.total) for r in report.rows] == [
        ("A", "fee", (D("100.00"),) * 4, D("400.00")),
        ("A", "setup", (D(0), D("30.00"), D(0), D(0)), D("30.00")),
        ("B", "fee", (D("500.00"),) * 4, D("2000.00")),
    ]
    assert report.rows[1].catch_ups == (D(0), D("30.00"), D(0), D(0))
    assert report.rows[0].catch_ups == (D(0),) * 4
    (total,) = report.totals
    assert (total.currency, total.amounts, total.total) == (
        "NOK",
        (D("600.00"), D("630.00"), D("600.00"), D("600.00")),
        D("2430.00"),
    )


def test_waterfall_months_not_ended_by_the_as_of_date_are_scheduled() -> None:
    report = waterfall(RECORDS, month(2026, 5), month(2026, 7), as_of=date(2026, 6, 15), latest_closed=None)
    assert report.status == ("open", "scheduled", "scheduled")
    report = waterfall(RECORDS, month(2026, 5), month(2026, 7), as_of=date(2026, 6, 30), latest_closed=None)
    assert report.status == ("open", "open", "scheduled")


def test_waterfall_keeps_currencies_apart_and_leaves_out_other_months() -> None:
    eur = recognised(month(2026, 5), "9.00", contract="C", obligation="fee", currency="EUR")
    report = waterfall([*RECORDS, eur], month(2026, 5), month(2026, 7), as_of=date(2026, 9, 1), latest_closed=None)
    assert report.status == ("open", "open", "open")
    assert [(t.currency, t.amounts) for t in report.totals] == [
        ("EUR", (D("9.00"), D(0), D(0))),
        ("NOK", (D("600.00"), D("600.00"), D("100.00"))),
    ]


def amounts(*figures: str) -> tuple[Decimal, ...]:
    return tuple(D(f) for f in figures)


def flows(row: Rollforward) -> tuple[Decimal, ...]:
    return tuple(
        amount
        for amount in (
            row.deferred_opening,
            row.deferred_billed,
            row.deferred_recognised,
            row.deferred_closing,
            row.asset_opening,
            row.asset_recognised,
            row.asset_billed,
            row.asset_closing,
            row.billed,
            row.recognised,
        )
    )


def test_rollforward_by_hand() -> None:
    rows = rollforward(RECORDS, BILLED, month(2026, 1), month(2026, 3))
    assert [(r.month, r.currency) for r in rows] == [(month(2026, m), "NOK") for m in (1, 2, 3)]
    # January: A bills 1,200 and recognises 100 (deferred 1,100); B recognises 500 unbilled (asset 500).
    assert flows(rows[0]) == amounts(
        "0", "1200.00", "100.00", "1100.00", "0", "500.00", "0", "500.00", "1200.00", "600.00"
    )
    # February: A uses up 100 more; B's bill of 500 settles January's asset, February's 500 is a new one.
    assert flows(rows[1]) == amounts(
        "1100.00",
        "0",
        "100.00",
        "1000.00",
        "500.00",
        "500.00",
        "500.00",
        "500.00",
        "500.00",
        "600.00",
    )
    # March: A's credit note takes 200 off deferred revenue; billed is 500 - 200.
    assert flows(rows[2]) == amounts(
        "1000.00",
        "-200.00",
        "100.00",
        "700.00",
        "500.00",
        "500.00",
        "500.00",
        "500.00",
        "300.00",
        "600.00",
    )


def test_rollforward_openings_come_from_before_the_range() -> None:
    (march,) = rollforward(RECORDS, BILLED, month(2026, 3), month(2026, 3))
    assert flows(march)[0] == D("1000.00") and flows(march)[4] == D("500.00")
    # July: B's June is billed and settled; A opens at 1,200 - 200 - 6 x 100 and closes 100 lower.
    (july,) = rollforward(RECORDS, BILLED, month(2026, 7), month(2026, 7))
    assert flows(july) == amounts("400.00", "0", "100.00", "300.00", "500.00", "0", "500.00", "0", "500.00", "100.00")


def test_rollforward_recognition_beyond_deferred_becomes_an_asset() -> None:
    """Billed 300 in January, 500 recognised in February: 300 comes out of deferred revenue, 200 is an asset."""
    records = [rec("C", month(2026, 2), "500.00")]
    billed = [Billed(contract="C", currency="NOK", day=date(2026, 1, 20), amount=D("300.00"))]
    january, february = rollforward(records, billed, month(2026, 1), month(2026, 2))
    assert flows(january) == amounts("0", "300.00", "0", "300.00", "0", "0", "0", "0", "300.00", "0")
    assert flows(february) == amounts("300.00", "0", "300.00", "0", "0", "200.00", "0", "200.00", "0", "500.00")


def test_rollforward_leaves_out_a_currency_with_nothing_in_the_range() -> None:
    eur = recognised(month(2025, 5), "9.00", contract="C", obligation="fee", currency="EUR")
    eur_bill = Billed(contract="C", currency="EUR", day=date(2025, 5, 1), amount=D("9.00"))
    rows = rollforward([*RECORDS, eur], [*BILLED, eur_bill], month(2026, 1), month(2026, 1))
    assert [r.currency for r in rows] == ["NOK"]


def balance(contract: str, *figures: str) -> Balance:
    billed, recognised, liability, asset, soon, later = (D(f) for f in figures)
    return Balance(
        contract=contract,
        currency="NOK",
        billed=billed,
        recognised=recognised,
        liability=liability,
        asset=asset,
        within_12_months=soon,
        later=later,
    )


def test_balances_mid_month() -> None:
    """On 15 February January has ended and February has not: A has billed 1,200 and recognised 100;
    its remaining 23 months split into February 2026 to January 2027 (12 x 100) and 11 months later.
    B: recognised January (500), billed nothing yet; February to June remain (2,500)."""
    rows, totals = balances(RECORDS, BILLED, date(2026, 2, 15))
    assert rows == [
        balance("A", "1200.00", "100.00", "1100.00", "0", "1200.00", "1100.00"),
        balance("B", "500.00", "500.00", "0", "0", "2500.00", "0"),
    ]
    assert totals == [balance("", "1700.00", "600.00", "1100.00", "0", "3700.00", "1100.00")]


def test_balances_at_a_month_end_count_that_month() -> None:
    rows, _ = balances(RECORDS, BILLED, date(2026, 3, 31))
    assert rows == [
        balance("A", "1000.00", "300.00", "700.00", "0", "1200.00", "900.00"),
        balance("B", "1000.00", "1500.00", "0", "500.00", "1500.00", "0"),
    ]


def test_balances_after_everything_leave_nothing_remaining() -> None:
    rows, totals = balances(RECORDS, BILLED, date(2028, 1, 1))
    assert rows == [
        balance("A", "2200.00", "2400.00", "0", "200.00", "0", "0"),
        balance("B", "3000.00", "3000.00", "0", "0", "0", "0"),
    ]
    assert totals[0].asset == D("200.00")
