"""`avtale invoice list|show|explain` and `avtale export csv`: issued documents and their reasons."""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from runtime.cli.bill import KIND_NAMES, ledger_path
from runtime.cli.options import Context, workspace_root
from runtime.cli.schedule import money
from runtime.ledger.documents import IssuedDocument, Kind
from runtime.ledger.errors import LedgerError
from runtime.ledger.store import Ledger
from runtime.loader import load


def _open(ctx: Context) -> Ledger:
    root = workspace_root(ctx)
    workspace = load(root, need_model=False)
    path = ledger_path(root, workspace.settings.ledger)
    if not path.exists():
        click.echo(f"error: no ledger at {path}: nothing has been issued yet", err=True)
        click.echo("  = help: `avtale bill --as-of DATE --apply` issues the first documents", err=True)
        sys.exit(1)
    try:
        return Ledger.open(path, create=False)
    except LedgerError as exc:
        click.echo(f"error: {exc}\n  = help: {exc.help}", err=True)
        sys.exit(1)


def _find(ledger: Ledger, number: int, credit_note: bool) -> IssuedDocument:
    series: Kind = "credit_note" if credit_note else "invoice"
    found = ledger.document(series, number)
    if found is None:
        other: Kind = "invoice" if credit_note else "credit_note"
        hint = f"there is a {KIND_NAMES[other]} {number}" if ledger.document(other, number) else "`avtale invoice list`"
        click.echo(f"error: no {KIND_NAMES[series]} number {number}", err=True)
        click.echo(f"  = help: {hint}{' (use --credit-note)' if other == 'credit_note' else ''}", err=True)
        sys.exit(1)
    return found


def _console(ctx: Context) -> Console:
    return Console(highlight=False, width=140, color_system="auto" if ctx.color else None)


@click.group()
def invoice() -> None:
    """Issued invoices and credit notes: list them, show one, explain its numbers."""


@invoice.command("list")
@click.option("--contract", help="Only this contract's documents.")
@click.pass_obj
def list_documents(ctx: Context, contract: str | None) -> None:
    """Every issued document, by series and number."""
    with _open(ctx) as ledger:
        documents = [d for d in ledger.documents() if contract is None or d.contract == contract]
    table = Table(show_edge=False, header_style="bold")
    for name in ("number", "kind", "issued", "due", "contract", "customer", "net", "VAT", "total", "KID"):
        table.add_column(name, justify="right" if name in ("net", "VAT", "total", "number") else "left")
    for doc in documents:
        table.add_row(
            str(doc.number),
            KIND_NAMES[doc.kind],
            str(doc.issue_date),
            str(doc.due_date),
            doc.contract,
            doc.customer,
            money(doc.totals.net),
            money(doc.totals.vat),
            money(doc.totals.gross),
            doc.kid,
        )
    _console(ctx).print(table)


def _period(start: Any, end: Any) -> str:
    last = end - timedelta(days=1)
    return str(start) if last == start else f"{start} – {last}"


def _document(ctx: Context, number: int, credit_note: bool) -> tuple[IssuedDocument, Console]:
    """The document asked for, and a console that has printed its title."""
    with _open(ctx) as ledger:
        doc = _find(ledger, number, credit_note)
    console = _console(ctx)
    console.print(f"[bold]{KIND_NAMES[doc.kind].capitalize()} {doc.number}[/bold]  contract {doc.contract}")
    return doc, console


@invoice.command("show")
@click.argument("number", type=int)
@click.option("--credit-note", is_flag=True, help="NUMBER is a credit note's number.")
@click.pass_obj
def show(ctx: Context, number: int, credit_note: bool) -> None:
    """One document: header, lines, totals per VAT rate."""
    doc, console = _document(ctx, number, credit_note)
    console.print(f"customer {doc.customer}  issued {doc.issue_date}  due {doc.due_date}  KID {doc.kid or '-'}")
    console.print(f"buyer reference {doc.buyer_reference or '-'}  purchase order {doc.purchase_order or '-'}")
    if doc.corrects:
        console.print("corrects invoice " + ", ".join(str(n) for n in doc.corrects))
    table = Table(show_edge=False, header_style="bold")
    for name in ("#", "period", "description", "quantity", "unit price", "net", "VAT"):
        table.add_column(name, justify="right" if name in ("#", "quantity", "unit price", "net") else "left")
    for i, line in enumerate(doc.lines, start=1):
        table.add_row(
            str(i),
            _period(line.period_start, line.period_end),
            line.description,
            f"{line.quantity:f}",
            money(line.unit_price),
            money(line.net_amount),
            f"{line.vat_rate:g}%",
        )
    console.print(table)
    for group in doc.totals.groups:
        console.print(f"VAT {group.category} {group.rate:g}% of {money(group.taxable)}: {money(group.vat)}")
    console.print(
        f"[bold]net {money(doc.totals.net)}  VAT {money(doc.totals.vat)}  total {money(doc.totals.gross)} "
        f"{doc.currency}[/bold]"
    )
    console.print(f"hash {doc.hash}  (previous {doc.previous_hash[:16]}…)")


def explain_line(data: dict[str, Any]) -> list[str]:
    """The reasons behind one line, from its provenance, in words."""
    out = [f"from {data.get('source', '?')}" + (f", amendment {data['amendment']}" if "amendment" in data else "")]
    kind = data.get("kind")
    if kind == "correction":
        corrected = ", ".join(
            f"{c['series'].replace('_', ' ')} {c['number']} line {c['line']}" for c in data["corrects"]
        )
        out.append(f"correction: now expected {data['expected']}, issued so far {data['issued']} ({corrected})")
        return out
    if "usage_total" in data:
        out.append(f"usage of {data['metric']}: {data['usage_total']} in the period")
        out.append(f"priced: {data['arithmetic']}")
    if "quantity" in data and "unit_price" in data:
        out.append(f"{data['quantity']} x {data['unit_price']} per billing cycle")
    if "proration" in data:
        days, cycle = data["proration"]["days"], data["proration"]["cycle_days"]
        if days != cycle:
            out.append(f"prorated {days}/{cycle} days of the cycle")
    if data.get("percent"):
        out.append(f"discount of {data['percent']}%")
    if "minimum" in data:
        out.append(f"minimum {data['minimum']} per contract year; billed in the year {data['billed_in_year']}")
    if "note" in data:
        out.append(data["note"])
    out.append(f"due on {data.get('billing_date', '?')}")
    return out


@invoice.command("explain")
@click.argument("number", type=int)
@click.option("--credit-note", is_flag=True, help="NUMBER is a credit note's number.")
@click.pass_obj
def explain(ctx: Context, number: int, credit_note: bool) -> None:
    """Every line traced to the contract line, amendment, proration, tiers and usage behind it."""
    doc, console = _document(ctx, number, credit_note)
    for i, line in enumerate(doc.lines, start=1):
        console.print(
            f"\n[bold]{i}. {line.description}[/bold]  {_period(line.period_start, line.period_end)}  "
            f"{money(line.net_amount)} + {line.vat_rate:g}% VAT"
        )
        for reason in explain_line(json.loads(line.provenance)):
            console.print(f"   {reason}")


CSV_COLUMNS = (
    "series",
    "number",
    "kind",
    "issue_date",
    "due_date",
    "contract",
    "customer",
    "currency",
    "kid",
    "line",
    "charge",
    "description",
    "period_start",
    "period_end_exclusive",
    "quantity",
    "unit_price",
    "net_amount",
    "vat_category",
    "vat_rate",
    "corrects",
)


@click.group()
def export() -> None:
    """Export issued documents."""


@export.command("csv")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), help="File to write (default: stdout).")
@click.pass_obj
def export_csv(ctx: Context, out: Path | None) -> None:
    """Every issued line with its document, one row per line."""
    with _open(ctx) as ledger:
        documents = ledger.documents()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for doc in documents:
        for i, line in enumerate(doc.lines, start=1):
            writer.writerow(
                (
                    doc.series,
                    doc.number,
                    doc.kind,
                    doc.issue_date,
                    doc.due_date,
                    doc.contract,
                    doc.customer,
                    doc.currency,
                    doc.kid,
                    i,
                    line.charge,
                    line.description,
                    line.period_start,
                    line.period_end,
                    f"{line.quantity:f}",
                    f"{line.unit_price:f}",
                    f"{line.net_amount:f}",
                    line.vat_category,
                    f"{line.vat_rate:f}",
                    line.corrects if line.corrects is not None else "",
                )
            )
    if out is None:
        click.echo(buffer.getvalue(), nl=False)
    else:
        out.write_text(buffer.getvalue(), encoding="utf-8")
        click.echo(f"wrote {sum(len(d.lines) for d in documents)} lines to {out}")
