"""`avtale invoice list|show|explain` and `avtale export csv`: issued documents and their reasons."""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.table import Table

from compiler.billing.proration import Proration
from compiler.billing.provenance import PieceTrace, Trace, trace_from_json
from runtime.cli.bill import KIND_NAMES, ledger_path
from runtime.cli.lazy import LazyGroup
from runtime.cli.options import Context, workspace_root
from runtime.cli.schedule import money, unit_price
from runtime.ledger.checks import warning
from runtime.ledger.documents import IssuedDocument, Kind
from runtime.ledger.errors import LedgerError
from runtime.ledger.store import Ledger
from runtime.ledger.totals import line_vat
from runtime.loader import Workspace, load

T = TypeVar("T")
ZERO = Decimal(0)


def _open(ctx: Context, workspace: Workspace | None = None) -> Ledger:
    """The workspace's ledger, opened read-only: these commands never change it."""
    root = workspace_root(ctx)
    workspace = workspace or load(root, need_model=False)
    path = ledger_path(root, workspace.settings.ledger)
    if not path.exists():
        click.echo(f"error: no ledger at {path}: nothing has been issued yet", err=True)
        click.echo(
            "  = help: `avtale ledger init` creates it, and `avtale bill --as-of DATE --apply` issues the first "
            "documents",
            err=True,
        )
        sys.exit(1)
    try:
        return Ledger.open(path, create=False, read_only=True)
    except LedgerError as exc:
        click.echo(f"error: {exc}\n  = help: {exc.help}", err=True)
        sys.exit(1)


def _read(ctx: Context, read: Callable[[Ledger], T], workspace: Workspace | None = None) -> T:
    """What `read` returns from the ledger; a fault of the file is an error, not a traceback."""
    with _open(ctx, workspace) as ledger:
        try:
            return read(ledger)
        except LedgerError as exc:
            click.echo(f"error: {exc}\n  = help: {exc.help}", err=True)
            sys.exit(1)


def _warn_if_changed(documents: Iterable[IssuedDocument]) -> None:
    """Warn about every document that fails its hash or totals check; it is printed all the same."""
    for doc in documents:
        problem = warning(doc)
        if problem is not None:
            click.echo(f"warning: {problem}", err=True)


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
    documents = [d for d in _read(ctx, lambda ledger: ledger.documents()) if contract is None or d.contract == contract]
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
            money(doc.totals.net, doc.currency),
            money(doc.totals.vat, doc.currency),
            money(doc.totals.gross, doc.currency),
            doc.kid,
        )
    _console(ctx).print(table)


def _period(start: Any, end: Any) -> str:
    last = end - timedelta(days=1)
    return str(start) if last == start else f"{start} – {last}"


def _document(ctx: Context, number: int, credit_note: bool) -> tuple[IssuedDocument, Console]:
    """The document asked for, and a console that has printed its title."""
    doc = _read(ctx, lambda ledger: _find(ledger, number, credit_note))
    _warn_if_changed([doc])
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
            unit_price(line.unit_price, doc.currency),
            money(line.net_amount, doc.currency),
            f"{line.vat_rate:g}%",
        )
    console.print(table)
    code = doc.currency
    for group in doc.totals.groups:
        console.print(f"VAT {group.category} {group.rate:g}% of {money(group.taxable, code)}: {money(group.vat, code)}")
    console.print(
        f"[bold]net {money(doc.totals.net, code)}  VAT {money(doc.totals.vat, code)}  "
        f"total {money(doc.totals.gross, code)} {code}[/bold]"
    )
    console.print(f"hash {doc.hash}  (previous {doc.previous_hash[:16]}…)")


def _piece_reason(piece: PieceTrace, currency: str) -> str:
    units = Proration(unit_months=piece.unit_months, whole=piece.whole, parts=piece.parts).describe()
    because = f", amendment {piece.amendment}" if piece.amendment is not None else ""
    note = f", {piece.note}" if piece.note else ""
    return (
        f"{_period(piece.start, piece.end)}: {piece.quantity:f} x {piece.price:f} per {piece.per} x {units} = "
        f"{money(piece.amount, currency)} (from {piece.source}{because}{note})"
    )


def explain_line(trace: Trace, currency: str) -> list[str]:
    """The reasons behind one line, from its trace, in words."""
    out = [f"from {trace.source}" + (f", amendment {trace.amendment}" if trace.amendment is not None else "")]
    if trace.correction is not None:
        fix = trace.correction
        corrected = ", ".join(f"{ref.series.replace('_', ' ')} {ref.number} line {ref.line}" for ref in fix.corrects)
        out.append(f"correction of the {trace.line_kind} line: {fix.reason} (issued on {corrected})")
    out += [_piece_reason(piece, currency) for piece in trace.pieces]
    for used in trace.usage:
        out.append(
            f"{_period(used.start, used.end)}: {used.total:f} of {used.metric}, priced {used.arithmetic} = "
            f"{money(used.amount, currency)} (from {used.source})"
        )
    if trace.discount is not None:
        off = trace.discount
        window = f" from {off.window_start or 'the start'} until {off.window_end or 'the end'}"
        out.append(
            f"discount {off.discount}: {off.percent:f}% of {money(off.discounted, currency)} billed for "
            f"`{off.charge}`{window}"
        )
    if trace.minimum is not None:
        least = trace.minimum
        out.append(
            f"minimum {money(least.minimum, currency)} for the contract year "
            f"{_period(least.year_start, least.year_end)}; billed in the year {money(least.billed_in_year, currency)}"
            + (
                f", of which {money(least.billed_elsewhere, currency)} before the cut-over (`billed_through`)"
                if least.billed_elsewhere
                else ""
            )
        )
    if trace.prepaid is not None:
        credit = trace.prepaid
        out.append(
            f"prepaid credit {money(credit.credit, currency)} for the contract year "
            f"{_period(credit.year_start, credit.year_end)}, drawn down by {', '.join(credit.charges) or 'no charge'}; "
            "what is left at the end of the year expires"
        )
    if trace.drawdown is not None:
        drawn = trace.drawdown
        out.append(
            f"drawn from the prepaid credit of the contract year {_period(drawn.year_start, drawn.year_end)}: "
            f"the lesser of the balance {money(drawn.before, currency)} and `{drawn.charge}` for "
            f"{_period(drawn.usage_start, drawn.usage_end)} after discounts {money(drawn.usage_amount, currency)} = "
            f"{money(drawn.drawn, currency)}; balance left {money(drawn.after, currency)}"
        )
    if trace.note:
        out.append(trace.note)
    out.append(f"due on {trace.billing_date}")
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
            f"{money(line.net_amount, doc.currency)} + {line.vat_rate:g}% VAT"
        )
        try:
            trace = trace_from_json(line.provenance)
        except ValueError as exc:
            console.print(f"   the stored reasons cannot be read: {exc}")
            continue
        for reason in explain_line(trace, doc.currency):
            console.print(f"   {reason}")


CSV_COLUMNS = (
    "series",
    "number",
    "kind",
    "issue_date",
    "due_date",
    "contract",
    "customer",
    "customer_name",
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
    "vat_amount",
    "gross_amount",
    "corrects",
)


@click.group(
    cls=LazyGroup,
    lazy={
        "ehf": "runtime.cli.ehf_export:ehf_export",
        "pdf": "runtime.cli.pdf_export:pdf_export",
        "saft": "runtime.cli.saft_export:saft_export",
        "xlsx": "runtime.cli.xlsx_export:xlsx_export",
    },
)
def export() -> None:
    """Export issued documents."""


def _customer_names(ctx: Context) -> tuple[Workspace, dict[str, str]]:
    """The workspace, and its customers' names by id (empty, with a warning, if the workspace has errors).

    Names come from the workspace as it is now: the ledger does not record them.
    """
    workspace = load(workspace_root(ctx))
    if workspace.result is None or not workspace.ok:
        click.echo(
            "warning: the workspace has errors, so customer names are left empty (`avtale check` lists them)",
            err=True,
        )
        return workspace, {}
    return workspace, {cid: customer.name for cid, customer in workspace.result.workspace.customers.items()}


def _csv_rows(doc: IssuedDocument, names: dict[str, str]) -> Iterator[tuple[object, ...]]:
    """One row per line. A credit note's amounts are negative, so that every amount column sums to
    what was invoiced less what was credited; each line carries its share of its VAT group's VAT."""
    credit = doc.kind == "credit_note"

    def signed(amount: Decimal) -> str:
        return f"{ZERO - amount if credit else amount:f}"  # ZERO - 0.00 is 0.00, where -0.00 would print a sign

    shares = line_vat(doc.lines, doc.totals, doc.currency)
    only = doc.corrects[0] if len(doc.corrects) == 1 else None
    for i, (line, vat) in enumerate(zip(doc.lines, shares, strict=True), start=1):
        corrects = line.corrects if line.corrects is not None else only
        yield (
            doc.series,
            doc.number,
            doc.kind,
            doc.issue_date,
            doc.due_date,
            doc.contract,
            doc.customer,
            names.get(doc.customer, ""),
            doc.currency,
            doc.kid,
            i,
            line.charge,
            line.description,
            line.period_start,
            line.period_end,
            f"{line.quantity:f}",
            f"{line.unit_price:f}",
            signed(line.net_amount),
            line.vat_category,
            f"{line.vat_rate:f}",
            signed(vat),
            signed(line.net_amount + vat),
            corrects if corrects is not None else "",
        )


@export.command("csv")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), help="File to write (default: stdout).")
@click.pass_obj
def export_csv(ctx: Context, out: Path | None) -> None:
    """Every issued line with its document, one row per line, in amounts that sum.

    Credit-note lines are negative (net, VAT, gross), so each amount column sums to
    what was invoiced less what was credited. `vat_amount` is the line's share of its
    document's VAT for its rate (VAT is rounded per rate, not per line), split so that
    the shares add up to the document's VAT exactly. `corrects` is the invoice a
    credit-note line corrects. Customer names are the workspace's current ones.
    """
    workspace, names = _customer_names(ctx)
    documents = _read(ctx, lambda ledger: ledger.documents(), workspace)
    _warn_if_changed(documents)
    missing = sorted({d.customer for d in documents} - set(names)) if names else []
    if missing:
        click.echo(f"warning: no customer {', '.join(missing)} in the workspace: names left empty", err=True)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for doc in documents:
        writer.writerows(_csv_rows(doc, names))
    if out is None:
        click.echo(buffer.getvalue(), nl=False)
    else:
        out.write_text(buffer.getvalue(), encoding="utf-8")
        click.echo(f"wrote {sum(len(d.lines) for d in documents)} lines to {out}")
