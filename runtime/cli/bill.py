"""`avtale bill --as-of DATE [--apply]`: plan a bill run, then issue exactly that."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from compiler import model
from compiler.money import Money, totals_by_currency
from runtime.billing.chunks import Meter
from runtime.billing.reconcile import Orphan
from runtime.billing.run import BillPlan, PlannedDocument, RunBlocked, RunOptions, apply, plan
from runtime.billing.settled import Inputs, billing_code_version, terms_digests
from runtime.cli.options import Context
from runtime.cli.schedule import money
from runtime.cli.usage_source import workspace_usage
from runtime.cli.workspace import load_checked
from runtime.ledger.documents import IssuedDocument
from runtime.ledger.errors import LedgerError
from runtime.ledger.store import Ledger
from runtime.loader import CODE_VERSION

KIND_NAMES = {"invoice": "invoice", "credit_note": "credit note"}


@contextlib.contextmanager
def progress_bar(enabled: bool) -> Iterator[Any]:
    """A progress bar on stderr while a person watches; silent otherwise."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("bill run", total=None)

        def update(message: str, done: int, total: int) -> None:
            bar.update(task, description=message, completed=done, total=total or None)

        yield update


def ledger_path(root: Path, settings_ledger: str) -> Path:
    return (root / settings_ledger).resolve()


def _document_json(doc: PlannedDocument, issued: IssuedDocument | None = None) -> dict[str, Any]:
    draft = doc.draft
    data: dict[str, Any] = {
        "kind": draft.kind,
        "contract": draft.contract,
        "customer": draft.customer,
        "currency": draft.currency,
        "issue_date": draft.issue_date.isoformat(),
        "due_date": draft.due_date.isoformat(),
        "buyer_reference": draft.buyer_reference,
        "purchase_order": draft.purchase_order,
        "corrects": list(draft.corrects),
        "lines": [
            {
                "kind": line.kind,
                "charge": line.charge,
                "discount": line.discount,
                "billing_period_start": line.billing_start.isoformat(),
                "billing_period_end": line.billing_end.isoformat(),
                "description": line.description,
                "period_start": line.period_start.isoformat(),
                "period_end": line.period_end.isoformat(),
                "quantity": f"{line.quantity:f}",
                "unit_price": f"{line.unit_price:f}",
                "net_amount": f"{line.net_amount:f}",
                "vat_category": line.vat_category,
                "vat_rate": f"{line.vat_rate:f}",
                "corrects": line.corrects,
                "provenance": json.loads(line.provenance),
            }
            for line in draft.lines
        ],
        "totals": {
            "net": f"{doc.totals.net:f}",
            "vat": f"{doc.totals.vat:f}",
            "gross": f"{doc.totals.gross:f}",
            "groups": [
                {"category": g.category, "rate": f"{g.rate:f}", "taxable": f"{g.taxable:f}", "vat": f"{g.vat:f}"}
                for g in doc.totals.groups
            ],
        },
    }
    if issued is not None:
        data.update(number=issued.number, series=issued.series, kid=issued.kid, hash=issued.hash)
    return data


def _signed_gross(doc: PlannedDocument) -> Decimal:
    return doc.totals.gross if doc.draft.kind == "invoice" else -doc.totals.gross


def summary(result: BillPlan, currency: str, applied: bool, held_back: bool = False) -> str:
    """The run in one line, with a total per currency (never one sum across currencies).

    `currency`: the seller's, shown when nothing is drafted. `held_back`: an apply that issued nothing.
    """
    invoices, credits = len(result.invoices), len(result.credit_notes)
    totals = totals_by_currency(Money(_signed_gross(d), d.draft.currency) for d in result.documents)
    head, verb = ("Issued", "issued") if applied else ("Not issued", "held back") if held_back else ("Plan", "to issue")
    parts = [f"{invoices} invoice{'s' if invoices != 1 else ''} {verb}"]
    parts.append(f"{credits} credit note{'s' if credits != 1 else ''}")
    if result.blocked:
        parts.append(f"{len(result.blocked)} line{'s' if len(result.blocked) != 1 else ''} blocked")
    if result.orphans:
        parts.append(f"{len(result.orphans)} unknown id{'s' if len(result.orphans) != 1 else ''}")
    amounts = " + ".join(f"{code} {money(total, code)}" for code, total in totals.items())
    return f"{head}: {', '.join(parts)}, total {amounts or f'{currency} {money(Decimal(0), currency)}'} (incl. VAT)"


def render(
    result: BillPlan, workspace: model.Workspace, issued: list[IssuedDocument] | None, color: bool
) -> Iterator[str]:
    """The plan (or what was issued) as text, a document at a time.

    Plain strings rather than rich: a run of 100,000 contracts prints half a
    million lines, which rich would take the better part of a minute over.
    """

    def bold(text: str, fg: str | None = None) -> str:
        return click.style(text, bold=True, fg=fg) if color else text

    for position, doc in enumerate(result.documents):
        draft = doc.draft
        customer = workspace.customers[draft.customer]
        sign = "+" if draft.kind == "invoice" else "-"
        number = f" no. {issued[position].number}" if issued is not None else ""
        head = f"{sign} {KIND_NAMES[draft.kind]}{number}  {draft.contract}  {customer.name}  due {draft.due_date}"
        if draft.corrects:
            head += "  corrects invoice " + ", ".join(str(n) for n in draft.corrects)
        text = [bold(head)]
        for line in draft.lines:
            last_day = line.period_end - timedelta(days=1)
            period = str(line.period_start) if last_day == line.period_start else f"{line.period_start} – {last_day}"
            amount = money(line.net_amount, draft.currency)
            text.append(f"    {period:<25} {line.description[:38]:<38} {amount:>14}  {line.vat_rate:g}%")
        code = draft.currency
        groups = "  ".join(
            f"VAT {g.rate:g}% of {money(g.taxable, code)}: {money(g.vat, code)}" for g in doc.totals.groups
        )
        text.append(f"    net {money(doc.totals.net, code)}  {groups}  total {money(doc.totals.gross, code)} {code}")
        yield "\n".join(text) + "\n\n"
    for blocked in result.blocked:
        yield (
            f"{bold('blocked', 'red')} {blocked.contract} `{blocked.charge}` from {blocked.period_start}: "
            f"{blocked.reason}\n"
        )
    for orphan in result.orphans:
        yield f"{bold('unknown', 'red')} {orphan.what} of {orphan.contract}: issued on {_documents(orphan)}\n"


def _documents(orphan: Orphan) -> str:
    return ", ".join(f"{KIND_NAMES[series]} {number}" for series, number in orphan.documents)


@click.command()
@click.option("--as-of", "as_of", required=True, type=click.DateTime(["%Y-%m-%d"]), help="The bill run's date.")
@click.option("--apply", "do_apply", is_flag=True, help="Issue the documents (default: only show the plan).")
@click.option("--json", "as_json", is_flag=True, help="Print the plan (or what was issued) as JSON.")
@click.pass_obj
def bill(ctx: Context, as_of: Any, do_apply: bool, as_json: bool) -> None:
    """Bill everything due on or before --as-of that has not been issued yet.

    Without --apply, shows every invoice and credit note that would be issued,
    with its lines and totals per VAT rate, and changes nothing. With --apply,
    issues exactly that in one transaction: numbered without gaps, each with
    its KID. A second run with the same inputs issues nothing. Lines already
    billed at another amount than is now due (a back-dated amendment, late
    usage) are corrected, on the invoice or by a credit note.

    Exit status: 0 when done; 1 when inputs are wrong or a line due cannot be
    priced (an index value is missing), and then nothing is issued.
    """
    day: date = as_of.date()
    with progress_bar(not as_json) as update:

        def step(message: str) -> None:
            if update:
                update(message, 0, 0)

        step("loading the workspace")
        workspace, model_ = load_checked(ctx, progress=step)
        step("reading usage")
        with workspace_usage(workspace, model_, quiet=as_json) as usage:
            if usage is None:
                sys.exit(1)
            path = ledger_path(workspace.root, workspace.settings.ledger)
            options = RunOptions(
                bank_days=workspace.settings.bank_days,
                inputs=Inputs(
                    terms=terms_digests(model_, workspace.sources, billing_code_version(CODE_VERSION)),
                    usage=usage.digests,
                ),
            )
            result, issued = _run(path, model_, usage.meter, day, do_apply, update, options)
    _report(ctx, model_, result, issued, day, do_apply, as_json)


def _run(
    path: Path,
    model_: model.Workspace,
    meter: Meter,
    day: date,
    do_apply: bool,
    update: Callable[[str, int, int], None] | None,
    options: RunOptions,
) -> tuple[BillPlan, list[IssuedDocument] | None]:
    """The plan, and what was issued (None when only planning, or when lines are blocked)."""
    try:
        if do_apply:
            with Ledger.open(path) as ledger:
                try:
                    return apply(model_, ledger, meter, day, update, options)
                except RunBlocked as stopped:
                    return stopped.plan, None
        if path.exists():
            with Ledger.open(path, create=False) as ledger:
                return plan(model_, ledger, meter, day, update, options), None
        return plan(model_, None, meter, day, update, options), None
    except LedgerError as exc:
        click.echo(f"error: {exc}\n  = help: {exc.help}", err=True)
        sys.exit(1)


def _report(
    ctx: Context,
    model_: model.Workspace,
    result: BillPlan,
    issued: list[IssuedDocument] | None,
    day: date,
    do_apply: bool,
    as_json: bool,
) -> None:
    currency = model_.seller.currency if model_.seller else "NOK"
    applied = issued is not None
    if as_json:
        documents = [
            _document_json(doc, issued[i] if issued is not None else None) for i, doc in enumerate(result.documents)
        ]
        blocked = [
            {"contract": b.contract, "charge": b.charge, "period_start": b.period_start.isoformat(), "reason": b.reason}
            for b in result.blocked
        ]
        orphans = [
            {
                "contract": o.contract,
                "unknown": o.what,
                "documents": [{"series": s, "number": n} for s, n in o.documents],
            }
            for o in result.orphans
        ]
        out = {
            "as_of": day.isoformat(),
            "applied": applied,
            "documents": documents,
            "blocked": blocked,
            "unknown_ids": orphans,
        }
        click.echo(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        if applied:
            title = "issued"
        elif do_apply:
            title = "nothing issued: some lines cannot be priced or reconciled"
        else:
            title = "plan; nothing is issued until you run it with --apply"
        stream = sys.stdout
        stream.write(f"Bill run as of {day} ({title}), {result.contracts} contracts\n\n")
        for text in render(result, model_, issued, ctx.color):
            stream.write(text)
        stream.write(summary(result, currency, applied, held_back=do_apply and not applied) + "\n")
        stream.flush()
    if result.blocked:
        lines = f"{len(result.blocked)} line{'s' if len(result.blocked) != 1 else ''} due cannot be priced"
        outcome = "nothing was issued" if do_apply else "an apply would issue nothing"
        click.echo(f"error: {lines} (listed above as blocked); {outcome}", err=True)
        click.echo(
            "  = help: add the missing index values to the workspace's index declarations, then run the bill run "
            "again; every line waits for them, so that a run is issued whole",
            err=True,
        )
    if result.orphans:
        names = "; ".join(f"{o.what} of {o.contract} (on {_documents(o)})" for o in result.orphans[:5])
        more = f" and {len(result.orphans) - 5} more" if len(result.orphans) > 5 else ""
        outcome = "nothing was issued" if do_apply else "an apply would issue nothing"
        click.echo(f"error: issued documents name ids the workspace no longer has: {names}{more}; {outcome}", err=True)
        click.echo(
            "  = help: put the contract, charge or discount back under its old id (a label can change freely, an "
            "id cannot); to end a charge, remove it with an amendment, and to end a contract, terminate it",
            err=True,
        )
    if result.blocked or result.orphans:
        sys.exit(1)
