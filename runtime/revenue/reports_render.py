"""The revenue reports as text tables (rich), JSON and CSV: same input, same bytes."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.table import Table

from compiler.money import minor_unit, round_money
from runtime.revenue.close import month_name
from runtime.revenue.records import Recognised
from runtime.revenue.reports import Balance, Rollforward, Waterfall, WaterfallRow

STATUS_NOTE = {
    "closed": "closed (locked)",
    "open": "open",
    "scheduled": "scheduled: the remaining schedule as the contracts stand",
}


def money(amount: Decimal, currency: str) -> str:
    """An amount for a table: at the currency's minor unit, thousands separated by a space (as `avtale invoice`)."""
    return f"{round_money(amount, currency) + 0:,.{minor_unit(currency)}f}".replace(",", " ")


def fixed(amount: Decimal, currency: str) -> str:
    """An amount at the currency's minor unit, plain (`1200.00`, `0.00`), for JSON and CSV."""
    return f"{round_money(amount, currency) + 0:f}"  # + 0 turns -0.00 into 0.00


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _print(table: Table, lines: Sequence[str], color: bool) -> str:
    width = max(100, sum(max(len(str(c.header)), 10) + 3 for c in table.columns))
    console = Console(
        file=io.StringIO(), highlight=False, width=width, color_system="auto" if color else None, force_terminal=color
    )
    console.print(table)
    for line in lines:
        console.print(line, markup=False, soft_wrap=True)
    out = console.file.getvalue()  # type: ignore[attr-defined]
    return str(out)


# ------------------------------------------------------------------ waterfall
def catch_ups_in(recognised: Sequence[Recognised], months: Sequence[date]) -> list[Recognised]:
    shown = set(months)
    return [r for r in recognised if r.kind == "catch_up" and r.month in shown]


def waterfall_text(report: Waterfall, catch_ups: Sequence[Recognised], color: bool) -> str:
    table = Table(show_edge=False, header_style="bold")
    table.add_column("contract")
    table.add_column("obligation")
    for month, status in zip(report.months, report.status, strict=True):
        mark = {"closed": " ●", "open": "", "scheduled": " ›"}[status]
        table.add_column(month_name(month) + mark, justify="right")
    table.add_column("total", justify="right")

    def cells(row: WaterfallRow) -> list[str]:
        out = []
        for amount, catch_up in zip(row.amounts, row.catch_ups, strict=True):
            out.append(money(amount, row.currency) + ("*" if catch_up else "") if amount or catch_up else "")
        return out

    for row in report.rows:
        table.add_row(row.contract, row.obligation, *cells(row), money(row.total, row.currency))
    for total in report.totals:
        table.add_row(f"total {total.currency}", "", *cells(total), money(total.total, total.currency), style="bold")
    lines = ["● closed month   › scheduled (the remaining schedule as the contracts stand)   * holds a catch-up"]
    for record in catch_ups:
        lines.append(
            f"* {month_name(record.month)} {record.contract} {record.obligation}: "
            f"{money(record.amount, record.currency)} {record.currency}, {record.reason}"
        )
    if not report.rows:
        lines.append("no revenue recognised in these months")
    return _print(table, lines, color)


def _catch_up_json(record: Recognised) -> dict[str, Any]:
    return {
        "month": month_name(record.month),
        "contract": record.contract,
        "obligation": record.obligation,
        "account": record.account,
        "currency": record.currency,
        "amount": fixed(record.amount, record.currency),
        "reason": record.reason,
    }


def waterfall_json(report: Waterfall, catch_ups: Sequence[Recognised], as_of: date) -> str:
    def row(r: WaterfallRow) -> dict[str, Any]:
        return {
            "contract": r.contract,
            "obligation": r.obligation,
            "currency": r.currency,
            "months": {month_name(m): fixed(a, r.currency) for m, a in zip(report.months, r.amounts, strict=True)},
            "catch_ups": {
                month_name(m): fixed(c, r.currency) for m, c in zip(report.months, r.catch_ups, strict=True) if c
            },
            "total": fixed(r.total, r.currency),
        }

    return _json(
        {
            "report": "waterfall",
            "as_of": as_of.isoformat(),
            "months": [
                {"month": month_name(m), "status": s} for m, s in zip(report.months, report.status, strict=True)
            ],
            "rows": [row(r) for r in report.rows],
            "totals": [{k: v for k, v in row(t).items() if k not in ("contract", "obligation")} for t in report.totals],
            "catch_ups": [_catch_up_json(r) for r in catch_ups],
        }
    )


WATERFALL_CSV = ("month", "status", "contract", "obligation", "currency", "amount", "catch_up")


def waterfall_csv(report: Waterfall) -> str:
    """One row per contract, obligation and month of the report (zeros included, so the table is whole)."""
    return _csv(
        WATERFALL_CSV,
        (
            (month_name(m), s, r.contract, r.obligation, r.currency, fixed(a, r.currency), fixed(c, r.currency))
            for r in report.rows
            for m, s, a, c in zip(report.months, report.status, r.amounts, r.catch_ups, strict=True)
        ),
    )


# ------------------------------------------------------------------ roll-forward
ROLLFORWARD_FIELDS = (
    ("deferred_opening", "deferred opening"),
    ("deferred_billed", "+ billed"),
    ("deferred_recognised", "- recognised"),
    ("deferred_closing", "deferred closing"),
    ("asset_opening", "asset opening"),
    ("asset_recognised", "+ recognised"),
    ("asset_billed", "- billed"),
    ("asset_closing", "asset closing"),
    ("billed", "billed"),
    ("recognised", "recognised"),
)


def rollforward_text(rows: Sequence[Rollforward], color: bool) -> str:
    table = Table(show_edge=False, header_style="bold")
    table.add_column("month")
    table.add_column("currency")
    for _, header in ROLLFORWARD_FIELDS:
        table.add_column(header, justify="right")
    for row in rows:
        table.add_row(
            month_name(row.month),
            row.currency,
            *(money(getattr(row, name), row.currency) for name, _ in ROLLFORWARD_FIELDS),
        )
    lines = [
        "deferred revenue (contract liabilities): opening + billed - recognised = closing; "
        "contract assets: opening + recognised - billed = closing",
        "billed is net of VAT, by issue date, credit notes subtracted; a contract's balance is billed less recognised",
    ]
    if not rows:
        lines.append("nothing billed or recognised in these months")
    return _print(table, lines, color)


def rollforward_json(rows: Sequence[Rollforward], first: date, last: date) -> str:
    return _json(
        {
            "report": "rollforward",
            "from": month_name(first),
            "to": month_name(last),
            "rows": [
                {
                    "month": month_name(row.month),
                    "currency": row.currency,
                    **{name: fixed(getattr(row, name), row.currency) for name, _ in ROLLFORWARD_FIELDS},
                }
                for row in rows
            ],
        }
    )


def rollforward_csv(rows: Sequence[Rollforward]) -> str:
    return _csv(
        ("month", "currency", *(name for name, _ in ROLLFORWARD_FIELDS)),
        (
            (
                month_name(row.month),
                row.currency,
                *(fixed(getattr(row, n), row.currency) for n, _ in ROLLFORWARD_FIELDS),
            )
            for row in rows
        ),
    )


# ------------------------------------------------------------------ balances
BALANCE_FIELDS = (
    ("billed", "billed"),
    ("recognised", "recognised"),
    ("liability", "liability (deferred)"),
    ("asset", "asset (unbilled)"),
    ("within_12_months", "remaining ≤ 12 months"),
    ("later", "remaining later"),
)


def balances_text(rows: Sequence[Balance], totals: Sequence[Balance], at: date, color: bool) -> str:
    table = Table(show_edge=False, header_style="bold")
    table.add_column("contract")
    table.add_column("currency")
    for _, header in BALANCE_FIELDS:
        table.add_column(header, justify="right")
    for row in rows:
        table.add_row(row.contract, row.currency, *(money(getattr(row, n), row.currency) for n, _ in BALANCE_FIELDS))
    for total in totals:
        table.add_row(
            "total",
            total.currency,
            *(money(getattr(total, n), total.currency) for n, _ in BALANCE_FIELDS),
            style="bold",
        )
    lines = [
        f"at the end of {at}: billed by documents issued by then, recognised in the months ended by then; "
        "remaining performance obligations: what the contracts will recognise after that"
    ]
    if not rows:
        lines.append("no contract has billed or recognised anything")
    return _print(table, lines, color)


def _balance_json(row: Balance) -> dict[str, Any]:
    return {"currency": row.currency, **{n: fixed(getattr(row, n), row.currency) for n, _ in BALANCE_FIELDS}}


def balances_json(rows: Sequence[Balance], totals: Sequence[Balance], at: date) -> str:
    return _json(
        {
            "report": "balances",
            "at": at.isoformat(),
            "rows": [{"contract": row.contract, **_balance_json(row)} for row in rows],
            "totals": [_balance_json(total) for total in totals],
        }
    )


def balances_csv(rows: Sequence[Balance]) -> str:
    return _csv(
        ("contract", "currency", *(n for n, _ in BALANCE_FIELDS)),
        (
            (row.contract, row.currency, *(fixed(getattr(row, n), row.currency) for n, _ in BALANCE_FIELDS))
            for row in rows
        ),
    )
