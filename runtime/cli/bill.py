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

import attrs
import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from compiler import model
from compiler.billing.provenance import trace_from_json
from compiler.money import Money, totals_by_currency
from dsl.diagnostics import sorted_diagnostics
from dsl.render import render_text
from runtime.billing.chunks import Meter
from runtime.billing.reconcile import CORRECTION, Orphan, VanishedUsage
from runtime.billing.run import (
    BillPlan,
    CreditsNeedConfirmation,
    PlannedDocument,
    RunBlocked,
    RunOptions,
    RunRefused,
    apply,
    credit_excess,
    plan,
)
from runtime.billing.settled import Inputs, billing_code_version, terms_digests
from runtime.cli.check import at_revision, fail, load_checked_at
from runtime.cli.options import Context
from runtime.cli.schedule import money
from runtime.cli.usage_source import workspace_usage
from runtime.cli.workspace import load_checked
from runtime.history import HistoryError, Repo
from runtime.ledger import LedgerIdentity, RunRevision, format_anchor
from runtime.ledger.documents import IssuedDocument
from runtime.ledger.errors import LedgerError
from runtime.ledger.store import Ledger
from runtime.loader import CODE_VERSION, SKIPPED_SOURCE, Workspace, WorkspaceError, read_settings

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
    if result.vanished:
        parts.append(f"{len(result.vanished)} billed usage total{'s' if len(result.vanished) != 1 else ''} gone")
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
            if draft.kind == "credit_note" and line.description.startswith(CORRECTION):
                correction = trace_from_json(line.provenance).correction
                if correction is not None:
                    text.append(f"      why: {correction.reason}")
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
    for gone in result.vanished:
        yield f"{bold('usage gone', 'red')} {_vanished(gone)}\n"


def _documents(found: Orphan | VanishedUsage) -> str:
    return ", ".join(f"{KIND_NAMES[series]} {number}" for series, number in found.documents)


def _vanished(gone: VanishedUsage) -> str:
    last = gone.end - timedelta(days=1)
    return (
        f"{gone.contract} `{gone.charge}` {gone.start} – {last}: `{gone.metric}` {gone.billed:f} billed on "
        f"{_documents(gone)}, no events now"
    )


def identity_of(seller: model.Seller) -> LedgerIdentity:
    """What the ledger must have been initialised with for this seller (`avtale ledger init`)."""
    return LedgerIdentity(
        seller_orgnr=seller.orgnr,
        seller_name=seller.name,
        invoice_first=seller.invoice_numbers_from,
        credit_note_first=seller.credit_note_numbers_from,
    )


@attrs.frozen(kw_only=True)
class Outcome:
    plan: BillPlan
    issued: list[IssuedDocument] | None
    """None when only planning, or when the apply issued nothing."""
    anchor: str | None = None
    """The ledger's anchor after an apply."""
    refused: RunRefused | None = None


@click.command()
@click.option("--as-of", "as_of", required=True, type=click.DateTime(["%Y-%m-%d"]), help="The bill run's date.")
@click.option("--apply", "do_apply", is_flag=True, help="Issue the documents (default: only show the plan).")
@click.option("--json", "as_json", is_flag=True, help="Print the plan (or what was issued) as JSON.")
@click.option(
    "--yes", "confirmed", is_flag=True, help="Issue even when credit notes exceed the `credit_threshold` setting."
)
@click.option(
    "--backdate",
    is_flag=True,
    help="Allow an --as-of before the latest applied run's (it then corrects only what the terms changed).",
)
@click.option(
    "--accept-removed-usage",
    is_flag=True,
    help="Credit usage that is gone from periods already billed (default: refuse, naming it).",
)
@click.option(
    "--rev",
    "rev",
    metavar="REV",
    help="Plan from the terms as committed at REV (a commit, branch or tag): what that revision would bill now, "
    "with the working tree's usage and the ledger as it is. Not with --apply.",
)
@click.pass_obj
def bill(
    ctx: Context,
    as_of: Any,
    do_apply: bool,
    as_json: bool,
    confirmed: bool,
    backdate: bool,
    accept_removed_usage: bool,
    rev: str | None,
) -> None:
    """Bill everything due on or before --as-of that has not been issued yet.

    Without --apply, shows every invoice and credit note that would be issued,
    with its lines and totals per VAT rate, and changes nothing. With --apply,
    issues exactly that in one transaction: numbered without gaps, each with
    its KID. A second run with the same inputs issues nothing. Lines already
    billed at another amount than is now due (a back-dated amendment, late
    usage) are corrected, on the invoice or by a credit note.

    An apply refuses, issuing nothing, when the ledger was not initialised
    (`avtale ledger init`) for this seller, fails its hash chain where the run
    would extend it, or when the run would move money by mistake: an as-of
    before the latest applied run's (--backdate), usage gone from billed
    periods (--accept-removed-usage), or credits above the `credit_threshold`
    setting (--yes). Each refusal says what would have happened and why.

    With --rev REV, plans from the contracts, plans and settings as committed
    at REV, against the ledger as it is now (read only) and with the usage in
    the working tree: what that revision would bill, to reproduce a past run or
    compare it with what was issued. Each applied run records the commit it
    billed and whether the workspace differed from it (`avtale ledger runs`).

    Exit status: 0 when done; 1 when inputs are wrong, a line due cannot be
    priced (an index value is missing) or the apply was refused, and then
    nothing is issued.
    """
    day: date = as_of.date()
    if rev is not None and do_apply:
        fail(
            "--apply cannot be used with --rev: a past revision cannot be issued",
            "leave out --apply to see what the revision would bill; to issue, commit or check out the terms you "
            "mean and run `avtale bill --as-of DATE --apply` on the working tree",
        )
    with progress_bar(not as_json) as update:

        def step(message: str) -> None:
            if update:
                update(message, 0, 0)

        step("loading the workspace")
        if rev is None:
            workspace, model_ = load_checked(ctx, progress=step)
        else:
            workspace, model_ = load_checked_at(ctx, rev, progress=step)
        _refuse_skipped_sources(ctx, workspace)
        revision = _workspace_revision(workspace.root) if do_apply else None
        here = workspace if rev is None else _working_tree(workspace)  # where usage and the ledger are
        step("reading usage")
        with workspace_usage(here, model_, quiet=as_json) as usage:
            if usage is None:
                sys.exit(1)
            path = ledger_path(here.root, here.settings.ledger)
            assert model_.seller is not None, "a checked workspace has a seller"
            options = RunOptions(
                bank_days=workspace.settings.bank_days,
                inputs=Inputs(
                    terms=terms_digests(model_, workspace.sources, billing_code_version(CODE_VERSION)),
                    usage=usage.digests,
                ),
                identity=identity_of(model_.seller),
                backdate=backdate,
                accept_removed_usage=accept_removed_usage,
                credit_threshold=workspace.settings.credit_threshold,
                confirmed=confirmed,
                revision=revision,
            )
            outcome = _run(path, model_, usage.meter, day, do_apply, update, options)
    if rev is not None and not as_json:
        click.echo(
            f"Terms as committed at revision {rev} ({at_revision(workspace)}); usage read from "
            f"{here.settings.usage.rstrip('/')}/ in the working tree; the ledger read, not written."
        )
    _report(ctx, model_, outcome, day, do_apply, as_json, workspace.settings.credit_threshold, workspace.revision)


def _working_tree(workspace: Workspace) -> Workspace:
    """`workspace` (read from a revision) with the usage and ledger locations of the working tree's
    avtale.toml: usage and the ledger are files of the working tree, never of a revision."""
    try:
        _, current, _ = read_settings(workspace.root)
    except WorkspaceError as exc:
        fail(str(exc), exc.help)
    settings = attrs.evolve(workspace.settings, usage=current.usage, ledger=current.ledger)
    return attrs.evolve(workspace, settings=settings)


def _workspace_revision(root: Path) -> RunRevision | None:
    """The commit the workspace is at and whether its files differ from it, for the ledger; None when
    it is not in a git repository, or git is not installed (nothing to record, and no error)."""
    try:
        repo = Repo.at(root)
    except HistoryError:
        return None
    try:
        commit, dirty = repo.status(root)
    except HistoryError as exc:
        click.echo(f"warning: the run's workspace revision is not recorded: {exc}", err=True)
        return None
    return RunRevision(commit=commit, dirty=dirty)


def _refuse_skipped_sources(ctx: Context, workspace: Workspace) -> None:
    """A source file that was not read (a pipe, a device, too large) may hold contracts due now:
    billing without them would leave them unbilled, so the run stops (exit 1)."""
    skipped = [d for d in sorted_diagnostics(workspace.diagnostics) if d.code == SKIPPED_SOURCE]
    if not skipped:
        return
    for diagnostic in skipped:
        click.echo(render_text(diagnostic, workspace.source_lines, color=ctx.color), err=True)
        click.echo(err=True)
    click.echo(f"error: {len(skipped)} source file(s) were not read; nothing is billed without them", err=True)
    click.echo("  = help: make each a regular .avt file the loader can read, or move it out of the sources", err=True)
    sys.exit(1)


def _run(
    path: Path,
    model_: model.Workspace,
    meter: Meter,
    day: date,
    do_apply: bool,
    update: Callable[[str, int, int], None] | None,
    options: RunOptions,
) -> Outcome:
    """The plan, and what was issued; or why an apply was refused."""
    try:
        if do_apply:
            if not path.exists():
                raise LedgerError(
                    f"there is no ledger at {path}",
                    "before the first apply, run `avtale ledger init` to create it for this seller and its number "
                    "series; if the ledger was moved, point the `ledger` setting in avtale.toml at it instead: "
                    "a new ledger would issue numbers already used",
                )
            with Ledger.open(path, create=False) as ledger:
                try:
                    current, issued = apply(model_, ledger, meter, day, update, options)
                except RunBlocked as stopped:
                    return Outcome(plan=stopped.plan, issued=None)
                except CreditsNeedConfirmation as refused:
                    return Outcome(plan=refused.plan, issued=None, refused=refused)
                return Outcome(plan=current, issued=issued, anchor=format_anchor(ledger.anchor()))
        if path.exists():
            with Ledger.open(path, create=False, read_only=True) as ledger:
                return Outcome(plan=plan(model_, ledger, meter, day, update, options), issued=None)
        return Outcome(plan=plan(model_, None, meter, day, update, options), issued=None)
    except (LedgerError, RunRefused) as exc:
        click.echo(f"error: {exc}\n  = help: {exc.help}", err=True)
        sys.exit(1)


def _report(
    ctx: Context,
    model_: model.Workspace,
    outcome: Outcome,
    day: date,
    do_apply: bool,
    as_json: bool,
    threshold: Decimal,
    revision: str | None = None,
) -> None:
    result, issued = outcome.plan, outcome.issued
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
        vanished = [
            {
                "contract": v.contract,
                "charge": v.charge,
                "metric": v.metric,
                "start": v.start.isoformat(),
                "end": v.end.isoformat(),
                "billed": f"{v.billed:f}",
                "documents": [{"series": s, "number": n} for s, n in v.documents],
            }
            for v in result.vanished
        ]
        out = {
            "as_of": day.isoformat(),
            "applied": applied,
            "documents": documents,
            "blocked": blocked,
            "unknown_ids": orphans,
            "usage_gone": vanished,
            "anchor": outcome.anchor,
        }
        if revision is not None:  # --rev: the commit the terms were read from
            out["revision"] = revision
        click.echo(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        if applied:
            title = "issued"
        elif outcome.refused is not None:
            title = "nothing issued: it needs confirming"
        elif do_apply:
            title = "nothing issued: some lines cannot be priced or reconciled"
        else:
            title = "plan; nothing is issued until you run it with --apply"
        stream = sys.stdout
        stream.write(f"Bill run as of {day} ({title}), {result.contracts} contracts\n\n")
        for text in render(result, model_, issued, ctx.color):
            stream.write(text)
        if outcome.anchor is not None:
            stream.write(
                "Ledger anchor (keep a copy outside the ledger; "
                "check it with `avtale ledger verify --anchor FILE`):\n" + outcome.anchor + "\n"
            )
        stream.write(summary(result, currency, applied, held_back=do_apply and not applied) + "\n")
        stream.flush()
    _warnings(result, day, do_apply, threshold)
    if outcome.refused is not None:
        click.echo(f"error: {outcome.refused}\n  = help: {outcome.refused.help}", err=True)
        sys.exit(1)
    stopped = "nothing was issued" if do_apply else "an apply would issue nothing"
    if result.blocked:
        lines = f"{len(result.blocked)} line{'s' if len(result.blocked) != 1 else ''} due cannot be priced"
        click.echo(f"error: {lines} (listed above as blocked); {stopped}", err=True)
        click.echo(
            "  = help: add the missing index values to the workspace's index declarations, then run the bill run "
            "again; every line waits for them, so that a run is issued whole",
            err=True,
        )
    if result.orphans:
        names = "; ".join(f"{o.what} of {o.contract} (on {_documents(o)})" for o in result.orphans[:5])
        more = f" and {len(result.orphans) - 5} more" if len(result.orphans) > 5 else ""
        click.echo(f"error: issued documents name ids the workspace no longer has: {names}{more}; {stopped}", err=True)
        click.echo(
            "  = help: put the contract, charge or discount back under its old id (a label can change freely, an "
            "id cannot); to end a charge, remove it with an amendment, and to end a contract, terminate it",
            err=True,
        )
    if result.vanished:
        shown = "; ".join(_vanished(v) for v in result.vanished[:5])
        more = f" and {len(result.vanished) - 5} more" if len(result.vanished) > 5 else ""
        click.echo(f"error: usage billed before is gone: {shown}{more}; {stopped}", err=True)
        click.echo(
            "  = help: check the `usage` setting and that every usage file is in place; reading missing usage as "
            "zero would credit what was billed. If the events were removed on purpose, run again with "
            "--accept-removed-usage to credit them",
            err=True,
        )
    if result.stopped:
        sys.exit(1)


def _warnings(result: BillPlan, day: date, do_apply: bool, threshold: Decimal) -> None:
    """What a plan shows that an apply would refuse without a flag."""
    if do_apply:
        return
    if result.latest_run is not None and day < result.latest_run:
        click.echo(
            f"warning: --as-of {day} is before the latest applied run's as-of, {result.latest_run}; an apply "
            "needs --backdate, and then bills what is due by this date and corrects only what the terms changed",
            err=True,
        )
    for excess in credit_excess(result, threshold):
        click.echo(
            f"warning: the credit notes ({excess.currency} {excess.credited:,.2f}) exceed {threshold:f}% of what "
            f"this run invoices ({excess.invoiced:,.2f}); an apply needs --yes",
            err=True,
        )
