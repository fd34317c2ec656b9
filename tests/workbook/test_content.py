"""What each sheet says about known documents, lines, schedule lines and usage: figures worked out by
hand from the contracts in contracts_examples/ and the usage file, not from the code under test."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from compiler.billing.lines import LineId
from runtime.workbook.ahead import schedule_records
from tests.factories.workspaces import contract, workspace
from tests.workbook.reading import book, records, values

MONEY = "#,##0.00"


def day(text: str) -> datetime:
    return datetime.fromisoformat(text)  # openpyxl reads a date cell back as a datetime at midnight


def test_sheets_in_order_each_with_a_frozen_header_and_a_filter_over_its_table(exported: Path) -> None:
    wb = book(exported)
    assert wb.sheetnames == ["Documents", "Lines", "Schedule", "Usage"]
    for sheet in wb:
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}{sheet.max_row}"
        assert all(cell.font.b for cell in sheet[1]), sheet.title
        widths = [sheet.column_dimensions[cell.column_letter].width for cell in sheet[1]]
        assert all(6 <= w <= 50 for w in widths), (sheet.title, widths)


def test_an_invoice_row_has_its_hand_computed_totals_as_numbers(exported: Path) -> None:
    # SKT-2026-008 (team plan of 2025, 8 seats, setup 6 000.00), billed on 2026-03-01: platform for
    # Feb-Apr 3 x 2 490.00 = 7 470.00, seats for Feb and Mar 2 x 8 x 129.00 = 2 064.00, setup 6 000.00:
    # net 15 534.00, VAT 25 % 3 883.50, gross 19 417.50.
    rows = {row["number"].value: row for row in records(book(exported)["Documents"]) if row["kind"].value == "invoice"}
    row = rows[250008]
    assert values(row, "issue date", "due date") == (day("2026-03-01"), day("2026-03-16"))
    assert values(row, "customer", "customer name", "contract", "currency", "KID") == (
        "sogndal_turlag",
        "Sogndal Turlag",
        "SKT-2026-008",
        "NOK",
        "000002500086",
    )
    assert values(row, "net", "VAT", "gross") == (15534, 3883.5, 19417.5)
    assert row["corrects invoice"].value is None
    for name in ("net", "VAT", "gross"):
        assert row[name].data_type == "n" and row[name].number_format == MONEY
    for name in ("issue date", "due date"):
        assert row[name].is_date and row[name].number_format == "yyyy-mm-dd"
    assert row["number"].data_type == "n"
    assert row["KID"].data_type == "s"  # a KID is a reference, leading zeros and all


def test_a_credit_note_is_negative_and_names_the_invoice_it_corrects(exported: Path) -> None:
    # SKT-2025-001 billed 349.00 a month for its 12 months (Feb 2025-Jan 2026); at 299.00 that is
    # 12 x 50.00 = 600.00 too much, VAT 150.00: credited on 950001.
    rows = {
        row["number"].value: row for row in records(book(exported)["Documents"]) if row["kind"].value == "credit note"
    }
    assert sorted(rows) == [950001, 950002, 950003]
    row = rows[950001]
    assert values(row, "contract", "net", "VAT", "gross", "corrects invoice") == (
        "SKT-2025-001",
        -600,
        -150,
        -750,
        250001,
    )
    assert row["KID"].value is None


def test_lines_of_an_invoice_with_periods_quantities_prices_and_vat_shares(exported: Path) -> None:
    lines = [row for row in records(book(exported)["Lines"]) if row["number"].value == 250008]
    got = [
        values(
            row,
            "line",
            "charge",
            "line kind",
            "period from",
            "period to",
            "quantity",
            "unit price",
            "net",
            "VAT rate",
            "VAT",
        )
        for row in lines
    ]
    assert got == [
        (1, "platform", "recurring", day("2026-02-01"), day("2026-04-30"), 1, 7470, 7470, 0.25, 1867.5),
        (2, "seats", "recurring", day("2026-02-01"), day("2026-02-28"), 8, 129, 1032, 0.25, 258),
        (3, "setup", "one_time", day("2026-02-01"), day("2026-02-01"), 1, 6000, 6000, 0.25, 1500),
        (4, "seats", "recurring", day("2026-03-01"), day("2026-03-31"), 8, 129, 1032, 0.25, 258),
    ]
    first = lines[0]
    assert values(first, "billing period from", "billing period to") == (day("2026-02-01"), day("2026-04-30"))
    assert first["VAT rate"].number_format == "0%"
    assert first["quantity"].number_format == "#,##0" and first["unit price"].number_format == MONEY
    assert all(row["period to"].is_date for row in lines)


def test_credit_note_lines_are_negative_and_sum_to_the_document(exported: Path) -> None:
    lines = [row for row in records(book(exported)["Lines"]) if row["number"].value == 950001]
    assert len(lines) == 12
    assert {values(row, "kind", "net", "VAT", "corrects invoice") for row in lines} == {
        ("credit note", -50, -12.5, 250001)
    }
    assert values(lines[0], "period from", "period to") == (day("2025-02-01"), day("2025-02-28"))
    assert values(lines[-1], "period from", "period to") == (day("2026-01-01"), day("2026-01-31"))


def test_schedule_of_a_contract_for_twelve_months(exported: Path) -> None:
    # SKT-2026-008 runs 2026-02-01 to 2027-01-31 with no renewal: seats 8 x 129.00 billed monthly in
    # advance (March 2026 to January 2027: 11 lines), the platform 3 x 2 490.00 quarterly in advance
    # (May, August, November), and usage (API calls, storage until its removal on 2026-06-01) in arrears.
    rows = [row for row in records(book(exported)["Schedule"]) if row["contract"].value == "SKT-2026-008"]
    known = [row for row in rows if row["net"].value is not None]
    seats = [row for row in known if row["charge"].value == "seats"]
    platform = [row for row in known if row["charge"].value == "platform"]
    assert len(known) == 14 and len(seats) == 11 and len(platform) == 3
    assert sum(Decimal(str(row["net"].value)) for row in known) == Decimal("33762.00")  # 11 x 1 032 + 3 x 7 470
    assert [row["billing date"].value for row in platform] == [day("2026-05-01"), day("2026-08-01"), day("2026-11-01")]
    assert values(platform[-1], "period from", "period to", "quantity", "unit price", "net") == (
        day("2026-11-01"),
        day("2027-01-31"),
        1,
        7470,
        7470,
    )
    # March's seats are on invoice 250008 already; April's are still to come
    assert values(seats[0], "billing date", "on invoice") == (day("2026-03-01"), 250008)
    assert values(seats[1], "billing date", "on invoice") == (day("2026-04-01"), None)
    assert values(seats[0], "customer", "customer name", "currency") == ("sogndal_turlag", "Sogndal Turlag", "NOK")
    storage = [row for row in rows if row["charge"].value == "storage"]
    assert [values(row, "billing date", "period from", "period to") for row in storage] == [
        (day("2026-05-01"), day("2026-02-01"), day("2026-04-30")),
        (day("2026-06-01"), day("2026-05-01"), day("2026-05-31")),
    ]
    for row in storage:
        assert values(row, "quantity", "unit price", "net") == (None, None, None)
        assert row["note"].value.startswith("usage: priced by the bill run")
    assert all(day("2026-03-01") <= row["billing date"].value < day("2027-03-01") for row in rows)


@pytest.mark.parametrize(
    ("metric", "month", "events", "total"),
    [
        # usage/events.csv, January 2026: payments of 8 909.00, 2 568.90, 3 818.00, 2 903.00 and 2 240.90
        ("payment_volume", "2026-01-01", 5, 20439.8),
        # ... and five SMS (ev-00005, 00053, 00054, 00063, 00064)
        ("sms_sent", "2026-01-01", 5, 5),
    ],
)
def test_usage_totals_per_contract_metric_and_month(
    exported: Path, metric: str, month: str, events: int, total: float
) -> None:
    rows = records(book(exported)["Usage"])
    (row,) = [r for r in rows if values(r, "contract", "metric", "month") == ("SKT-2025-001", metric, day(month))]
    assert values(row, "customer", "customer name", "events", "total") == (
        "sogndal_turlag",
        "Sogndal Turlag",
        events,
        total,
    )
    assert row["month"].is_date and row["month"].number_format == "yyyy-mm"
    assert row["total"].data_type == "n"


def test_periods_billed_before_the_cut_over_are_listed_without_an_amount() -> None:
    # A yearly fee the old billing invoiced for the year from 2025-07-01 (billed_through 2026-06-30): from
    # 2026-03-01 on, the schedule shows that year as the old billing's, and bills the next on 2026-07-01.
    ws = workspace(
        contract(
            """  charge licence "Lisens" {
    flat 12_000.00 per year
    billed yearly in advance
  }
  billed_through 2026-06-30""",
            start="2025-07-01",
            term="term 24 months",
        )
    )
    rows = schedule_records(ws, date(2025, 7, 1), date(2026, 8, 1), {})
    assert [(r.billing_date, r.net, r.note) for r in rows] == [
        (date(2025, 7, 1), None, "billed elsewhere: before the cut-over (billed_through 2026-06-30)"),
        (date(2026, 7, 1), Decimal("12000.00"), ""),
    ]


def test_a_period_split_at_the_cut_over_shows_the_old_billing_s_days_and_no_invoice() -> None:
    # Usage billed quarterly in arrears, cut over on 2026-02-28: the quarter from 2026-01-01 is the old
    # billing's up to 2026-02-28 (billed when that part ended, 2026-03-01) and Avtale's for March (2026-04-01).
    ws = workspace(
        contract(
            """  charge calls "API" {
    usage calls
    per_unit 0.10
    billed quarterly in arrears
  }
  billed_through 2026-02-28""",
            start="2025-01-01",
            term="term 24 months",
        )
    )
    rows = schedule_records(
        ws,
        date(2026, 3, 1),
        date(2026, 4, 2),
        {LineId("C-1", "usage", "calls", "", date(2026, 1, 1), date(2026, 4, 1)): 7},
    )
    assert [(r.period_from, r.period_to, r.invoice, r.note[:16]) for r in rows] == [
        (date(2026, 1, 1), date(2026, 2, 28), None, "billed elsewhere"),
        (date(2026, 3, 1), date(2026, 3, 31), 7, "usage: priced by"),
    ]


def test_a_discount_on_a_blocked_line_says_why_it_has_no_amount() -> None:
    # The index value for October 2026 is missing, so January 2027's line (indexed from 2027-01-01) is blocked,
    # and its discount with it: neither has an amount, and both say why.
    ws = workspace(
        contract(
            """  charge base "Base" {
    flat 1_000.00 per month
  }
  discount "Rabatt" 10% on base
  indexation kpi yearly on 01-01 from 2027-01-01 compare October on base""",
            start="2026-01-01",
            term="term 24 months",
            extra='index kpi "KPI" {\n  2025-10 100.0\n}\n',
        )
    )
    rows = [
        r for r in schedule_records(ws, date(2027, 1, 1), date(2027, 1, 2), {}) if r.billing_date == date(2027, 1, 1)
    ]
    assert [(r.line_kind, r.net, r.note[:28]) for r in rows] == [
        ("recurring", None, "blocked: index `kpi` has no "),
        ("discount", None, "discount on a line that is b"),
    ]
