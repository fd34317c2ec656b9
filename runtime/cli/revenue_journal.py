"""`avtale revenue journal`: the balanced journal entries on the seller's accounts, as a table, JSON or CSV.

The inputs (the workspace's model, the ledger's documents and the recognised revenue) are
gathered by `journal_inputs`, which `avtale export saft` shares.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NoReturn

import attrs
import click
from rich.console import Console
from rich.table import Table

from compiler import model
from runtime.cli.bill import ledger_path
from runtime.cli.options import Context, parse_month
from runtime.cli.schedule import money
from runtime.cli.workspace import load_checked
from runtime.ledger.documents import IssuedDocument
from runtime.revenue.close import next_month
from runtime.revenue.cutover import all_billed_before
from runtime.revenue.journal import JournalEntry, JournalError
from runtime.revenue.journal import journal as build_journal
from runtime.revenue.records import Recognised

ZERO = Decimal(0)
NO_LEDGER_HELP = "`avtale ledger init` creates it, and `avtale bill --as-of DATE --apply` issues the first documents"


@attrs.frozen(kw_only=True)
class JournalInputs:
    workspace: model.Workspace
    seller: model.Seller
    documents: tuple[IssuedDocument, ...]
    recognised: tuple[Recognised, ...]


def fail(message: str, help: str) -> NoReturn:
    click.echo(f"error: {message}\n  = help: {help}", err=True)
    sys.exit(1)


def recognised_revenue(ctx: Context, as_of: date) -> tuple[list[IssuedDocument], list[Recognised]]:
    """The issued documents, and the revenue recognised in the months ended by `as_of`, with closed months
    kept as they were closed (catch-ups in the first open month).

    The one place the journal and SAF-T take recognised revenue from: the revenue reports' books
    (runtime/cli/revenue.py), so the journal posts what the reports show."""
    from runtime.cli.revenue import books  # here, not at the top: that module attaches this one's command

    try:
        with books(ctx, as_of, quiet=True) as (ledger, read):
            if ledger is None:
                fail("there is no ledger: nothing has been issued yet", NO_LEDGER_HELP)
            documents = ledger.documents()
            recognised = read.recognised
    except NotImplementedError:
        fail(
            "revenue recognition is not available in this version of avtale",
            "the journal needs the recognition engine (runtime/revenue/recognition.py)",
        )
    return documents, recognised


def journal_inputs(ctx: Context, as_of: date) -> JournalInputs:
    """The checked workspace, the issued documents and the revenue recognised by `as_of`."""
    workspace, resolved = load_checked(ctx)
    if resolved.seller is None:
        fail("the workspace declares no seller", "declare one with `seller ID { ... }` (see docs/language.md)")
    path = ledger_path(workspace.root, workspace.settings.ledger)
    if not path.exists():
        fail(f"there is no ledger at {path}: nothing has been issued yet", NO_LEDGER_HELP)
    documents, recognised = recognised_revenue(ctx, as_of)
    return JournalInputs(
        workspace=resolved, seller=resolved.seller, documents=tuple(documents), recognised=tuple(recognised)
    )


def entries_between(inputs: JournalInputs, start: date, end: date) -> list[JournalEntry]:
    contracts = inputs.workspace.contracts
    customers = {cid: contract.customer for cid, contract in contracts.items()}
    before = all_billed_before(inputs.workspace)
    try:
        return build_journal(inputs.documents, inputs.recognised, inputs.seller.accounts, start, end, customers, before)
    except JournalError as exc:
        fail(str(exc), exc.help)


def _month(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    month = parse_month(value)
    if month is None:
        raise click.BadParameter(f"{value!r} is not a month; write it YYYY-MM, e.g. 2026-03", param_hint=option)
    return month


def _amount(value: Decimal) -> str:
    return f"{value:f}" if value else ""


def entry_json(entry: JournalEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "date": entry.date.isoformat(),
        "kind": entry.kind,
        "description": entry.description,
        "contract": entry.contract,
        "customer": entry.customer,
        "currency": entry.currency,
        "document": entry.document,
        "lines": [
            {
                "account": line.account,
                "debit": f"{line.debit:f}",
                "credit": f"{line.credit:f}",
                "customer": line.customer,
                "vat": None
                if line.tax is None
                else {
                    "code": line.tax.code,
                    "rate": f"{line.tax.rate:f}",
                    "base": f"{line.tax.base:f}",
                    "amount": f"{line.tax.vat:f}",
                },
            }
            for line in entry.lines
        ],
    }


CSV_COLUMNS = (
    "entry",
    "date",
    "kind",
    "contract",
    "customer",
    "currency",
    "document",
    "account",
    "debit",
    "credit",
    "vat_code",
    "vat_rate",
    "vat_base",
    "vat_amount",
    "description",
)


def entries_csv(entries: Sequence[JournalEntry]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        for line in entry.lines:
            tax = line.tax
            writer.writerow(
                (
                    entry.id,
                    entry.date,
                    entry.kind,
                    entry.contract,
                    line.customer or "",
                    entry.currency,
                    entry.document or "",
                    line.account,
                    f"{line.debit:f}",
                    f"{line.credit:f}",
                    tax.code if tax else "",
                    f"{tax.rate:f}" if tax else "",
                    f"{tax.base:f}" if tax else "",
                    f"{tax.vat:f}" if tax else "",
                    entry.description,
                )
            )
    return buffer.getvalue()


def _table(ctx: Context, entries: Sequence[JournalEntry]) -> None:
    console = Console(highlight=False, width=140, color_system="auto" if ctx.color else None)
    table = Table(show_edge=False, header_style="bold")
    for name in ("date", "entry", "description", "account", "debit", "credit", "VAT"):
        table.add_column(name, justify="right" if name in ("account", "debit", "credit") else "left")
    for entry in entries:
        for i, line in enumerate(entry.lines):
            table.add_row(
                str(entry.date) if i == 0 else "",
                entry.id if i == 0 else "",
                entry.description if i == 0 else "",
                str(line.account),
                money(line.debit, entry.currency) if line.debit else "",
                money(line.credit, entry.currency) if line.credit else "",
                f"{line.tax.code} ({line.tax.rate:g}%)" if line.tax else "",
            )
        table.add_section()
    console.print(table)
    totals: dict[str, Decimal] = {}
    for entry in entries:
        totals[entry.currency] = totals.get(entry.currency, ZERO) + entry.debit
    summary = ", ".join(f"{money(amount, code)} {code}" for code, amount in sorted(totals.items()))
    console.print(f"{len(entries)} entries; debits equal credits: {summary or '0'}")


@click.command("journal")
@click.option("--from", "start", metavar="YYYY-MM", help="The first month (default: the first with an entry).")
@click.option("--to", "end", metavar="YYYY-MM", help="The last month, included (default: the last with an entry).")
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(["%Y-%m-%d"]),
    metavar="YYYY-MM-DD",
    help="Recognise revenue for the months ended by this day (default: today).",
)
@click.option("--json", "as_json", is_flag=True, help="The entries as JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="One CSV row per journal line.")
@click.pass_obj
def journal_command(
    ctx: Context, start: str | None, end: str | None, as_of: datetime | None, as_json: bool, as_csv: bool
) -> None:
    """Balanced journal entries on the seller's accounts: invoices, credit notes and recognised revenue.

    \b
    Issuing:      Dr receivable gross / Cr deferred net / Cr VAT
    Recognising:  Dr deferred / Cr revenue (one entry per contract and month, on its last day)
    Earned before billed goes Dr unbilled instead, and billing clears it (Cr unbilled).
    Accounts come from the seller's `accounts { ... }` and each charge's `account`.
    """
    if as_json and as_csv:
        raise click.UsageError("choose one of --json and --csv")
    first = _month(start, "--from")
    last = _month(end, "--to")
    if first is not None and last is not None and last < first:
        raise click.BadParameter(f"{end} is before {start}", param_hint="--to")
    day = as_of.date() if as_of is not None else date.today()
    inputs = journal_inputs(ctx, day)
    entries = entries_between(inputs, first or date.min, next_month(last) if last is not None else date.max)
    if as_json:
        click.echo(json.dumps([entry_json(e) for e in entries], indent=2, ensure_ascii=False))
    elif as_csv:
        click.echo(entries_csv(entries), nl=False)
    else:
        _table(ctx, entries)


journal = journal_command
