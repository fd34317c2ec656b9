"""A bill run: plan what is due by an as-of date, then (on apply) issue exactly that.

Planning changes nothing. Applying re-plans against the ledger inside the
ledger's write lock, so that two runs planned on the same inputs can never
issue the same line twice: the second finds everything already issued.

An apply refuses, issuing nothing, when an ordinary mistake would move money
without anyone deciding it should: a ledger that is not this seller's or whose
tail fails its hashes, an as-of before the latest applied run's, usage gone
from periods already billed, credits above the workspace's threshold, or a
correction built on a document that was changed after issue.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from decimal import Decimal

import attrs

from compiler import model
from compiler.billing.provenance import trace_from_json
from compiler.money import Money, totals_by_currency
from runtime.billing.chunks import Chunk, ChunkPlan, Meter, chunks, no_issued_lines, plan_chunk
from runtime.billing.expected import Blocked
from runtime.billing.parallel import plan_in_workers, workers_for
from runtime.billing.reconcile import CORRECTION, Orphan, VanishedUsage
from runtime.billing.settled import Inputs, Settled, Settlement, settled_since
from runtime.ledger import LedgerIdentity
from runtime.ledger.documents import DraftDocument, IssuedDocument, Kind
from runtime.ledger.store import Ledger, RunRevision
from runtime.ledger.totals import Totals, compute_totals
from runtime.memory import no_cyclic_gc

Progress = Callable[[str, int, int], None]


@attrs.frozen(kw_only=True)
class PlannedDocument:
    draft: DraftDocument
    totals: Totals


@attrs.frozen(kw_only=True)
class BillPlan:
    as_of: date
    documents: tuple[PlannedDocument, ...]
    blocked: tuple[Blocked, ...]
    orphans: tuple[Orphan, ...]
    """Issued lines whose contract, charge or discount the workspace no longer has: an apply refuses."""
    vanished: tuple[VanishedUsage, ...] = ()
    """Usage billed before and gone now: an apply refuses unless the removal is accepted."""
    contracts: int
    """How many contracts were looked at."""
    latest_run: date | None = None
    """The as-of date of the latest applied run, when there is one."""

    @property
    def stopped(self) -> bool:
        """Whether an apply of this plan would issue nothing: something in it needs fixing first."""
        return bool(self.blocked or self.orphans or self.vanished)

    @property
    def invoices(self) -> list[PlannedDocument]:
        return [d for d in self.documents if d.draft.kind == "invoice"]

    @property
    def credit_notes(self) -> list[PlannedDocument]:
        return [d for d in self.documents if d.draft.kind == "credit_note"]


@attrs.frozen(kw_only=True)
class RunOptions:
    bank_days: bool = True
    """Move due dates off weekends and Norwegian public holidays (the `bank_days` setting)."""
    inputs: Inputs | None = None
    """The digests that tell a contract settled by the last apply (None: plan every contract whole)."""
    identity: LedgerIdentity | None = None
    """The seller and number series the ledger must have been initialised with (None: not checked)."""
    backdate: bool = False
    """Allow an as-of before the latest applied run's: it then only corrects what the terms changed."""
    accept_removed_usage: bool = False
    """Credit usage that is gone from periods already billed, instead of refusing."""
    credit_threshold: Decimal | None = None
    """Refuse a run whose credit notes exceed this percentage of what it invoices, per currency,
    unless `confirmed` (None: no limit)."""
    confirmed: bool = False
    revision: RunRevision | None = None
    """The workspace revision billed, recorded with the run by `apply` (None: not in git, not recorded)."""


def plan(
    workspace: model.Workspace,
    ledger: Ledger | None,
    meter: Meter,
    as_of: date,
    progress: Progress | None = None,
    options: RunOptions = RunOptions(),
) -> BillPlan:
    """Every document a run at `as_of` would issue against `ledger` (None: nothing issued yet).

    Reads the ledger in one snapshot and changes nothing; pure apart from that and `meter`.
    """
    with no_cyclic_gc():
        if ledger is None:
            return _plan(workspace, None, meter, as_of, progress, options)
        with ledger.snapshot():
            return _plan(workspace, ledger, meter, as_of, progress, options)


def _plan(
    workspace: model.Workspace,
    ledger: Ledger | None,
    meter: Meter,
    as_of: date,
    progress: Progress | None,
    options: RunOptions,
) -> BillPlan:
    contracts = sorted(workspace.contracts)
    workers = workers_for(len(contracts))
    parts = chunks(contracts, workers)
    bank_days = options.bank_days
    runs = ledger.bill_runs() if ledger is not None else []
    latest = max((run.as_of for run in runs), default=None)
    horizon = max(as_of, latest) if latest is not None else as_of

    def since_for(part: Chunk) -> Settled:
        """The chunk's contracts settled by an earlier apply, read in this run's snapshot or lock, and
        which issued lines the chunk needs, then: those billed after the earliest of those dates, and
        every line of the other contracts (and of any the workspace no longer has, to report them)."""
        if ledger is None:
            return Settled()
        taken_over = ledger.takeovers_between(part.low, part.high)
        if options.inputs is None:
            return Settled(taken_over=taken_over)
        recorded = ledger.settlements_between(part.low, part.high)
        since = settled_since(workspace, part.contracts, recorded, options.inputs, horizon)
        if not since:
            return Settled(taken_over=taken_over)
        gone = [c for c in ledger.contracts_between(part.low, part.high) if c not in workspace.contracts]
        whole = [c for c in part.contracts if c not in since] + gone
        return Settled(since=since, after=min(since.values()), whole=tuple(whole), taken_over=taken_over)

    def planned(done: int) -> None:
        if progress:
            progress("planning contracts", done, len(contracts))

    planned(0)
    results: list[ChunkPlan] = []
    if workers > 1:
        results = plan_in_workers(
            workspace,
            parts,
            ledger,
            meter,
            as_of,
            workers,
            planned,
            bank_days,
            since_for,
            horizon=horizon,
            accept_removed_usage=options.accept_removed_usage,
        )
    else:
        done = 0
        for part in parts:
            known = since_for(part)
            issued = (
                functools.partial(ledger.issued_lines_between, after=known.after, whole=known.whole)
                if ledger is not None
                else no_issued_lines
            )
            results.append(
                plan_chunk(
                    workspace,
                    part,
                    issued,
                    meter,
                    as_of,
                    bank_days,
                    known.since,
                    horizon=horizon,
                    accept_removed_usage=options.accept_removed_usage,
                    taken_over=known.taken_over,
                )
            )
            done += len(part.contracts)
            planned(done)
    drafts: list[DraftDocument] = [d for r in results for d in r.drafts]
    documents = tuple(PlannedDocument(draft=d, totals=compute_totals(d.lines, d.currency)) for d in drafts)
    return BillPlan(
        as_of=as_of,
        documents=documents,
        blocked=tuple(b for r in results for b in r.blocked),
        orphans=tuple(o for r in results for o in r.orphans),
        vanished=tuple(v for r in results for v in r.vanished),
        contracts=len(contracts),
        latest_run=latest,
    )


class RunBlocked(Exception):
    """Lines due by the as-of date cannot be priced (an index value is missing), issued lines name
    contracts or charges the workspace no longer has, or usage billed before is gone: nothing was issued."""

    def __init__(self, plan: BillPlan) -> None:
        super().__init__(
            f"{len(plan.blocked)} line(s) due cannot be priced, {len(plan.orphans)} issued id(s) are unknown and "
            f"{len(plan.vanished)} billed usage total(s) are gone; nothing was issued"
        )
        self.plan = plan


class RunRefused(Exception):
    """An apply that would move money nobody decided to move: nothing was issued."""

    def __init__(self, message: str, help: str) -> None:
        super().__init__(message)
        self.help = help


class CreditsNeedConfirmation(RunRefused):
    """The run's credit notes exceed the workspace's threshold: it is issued only when confirmed."""

    def __init__(self, plan: BillPlan, excess: list[CreditExcess], threshold: Decimal) -> None:
        shown = "; ".join(f"{e.currency} {e.credited:,.2f} credited against {e.invoiced:,.2f} invoiced" for e in excess)
        super().__init__(
            f"this run credits more than {threshold:f}% of what it invoices ({shown}); nothing was issued",
            "read the credit notes and their reasons above; if they are meant, run again with --yes "
            "(the threshold is the `credit_threshold` setting in avtale.toml)",
        )
        self.plan = plan
        self.excess = excess


@attrs.frozen(kw_only=True)
class CreditExcess:
    currency: str
    credited: Decimal
    invoiced: Decimal


def credit_excess(plan: BillPlan, threshold: Decimal) -> list[CreditExcess]:
    """The currencies in which the plan's credit notes (gross) exceed `threshold` percent of its invoices."""
    credited = totals_by_currency(Money(d.totals.gross, d.draft.currency) for d in plan.credit_notes)
    invoiced = totals_by_currency(Money(d.totals.gross, d.draft.currency) for d in plan.invoices)
    return [
        CreditExcess(currency=code, credited=amount, invoiced=invoiced.get(code, Decimal(0)))
        for code, amount in credited.items()
        if amount > invoiced.get(code, Decimal(0)) * threshold / 100
    ]


def corrected_documents(drafts: Iterable[DraftDocument]) -> list[tuple[Kind, int]]:
    """Every issued document the drafts correct or build a correction on, sorted."""
    found: set[tuple[Kind, int]] = set()
    for draft in drafts:
        found |= {("invoice", number) for number in draft.corrects}
        for line in draft.lines:
            if not line.description.startswith(CORRECTION):  # only corrections name the lines they correct
                continue
            correction = trace_from_json(line.provenance).correction
            if correction is not None:
                found |= {_series(ref.series, ref.number) for ref in correction.corrects}
    return sorted(found)


def _series(series: str, number: int) -> tuple[Kind, int]:
    return ("invoice" if series == "invoice" else "credit_note", number)


def _refuse_unsafe(ledger: Ledger, as_of: date, options: RunOptions) -> None:
    """Refusals that need no plan: the ledger is someone else's or broken, or the date runs backwards."""
    if options.identity is not None:
        ledger.check_identity(options.identity)
    problems = ledger.verify_tail()
    if problems:
        raise RunRefused(
            "the ledger fails verification where this run would extend it: " + "; ".join(problems),
            "nothing was issued; run `avtale ledger verify` to see every problem, and restore the ledger from "
            "a backup before billing again",
        )
    latest = max((run.as_of for run in ledger.bill_runs()), default=None)
    if latest is not None and as_of < latest and not options.backdate:
        raise RunRefused(
            f"--as-of {as_of} is before the latest applied bill run's as-of date, {latest}",
            f"run with --as-of {latest} or later; if an earlier date is meant, add --backdate: the run then bills "
            "what is due by that date and corrects only what the terms changed, never what is not due yet then",
        )


def _refuse_after_plan(ledger: Ledger, current: BillPlan, as_of: date, options: RunOptions) -> None:
    """Refusals that need the plan: credits above the threshold, corrections of changed documents."""
    if options.credit_threshold is not None and not options.confirmed:
        excess = credit_excess(current, options.credit_threshold)
        if excess:
            raise CreditsNeedConfirmation(current, excess, options.credit_threshold)
    corrected = corrected_documents(d.draft for d in current.documents)
    problems = ledger.check_documents(corrected)
    if problems:
        raise RunRefused(
            "a correction in this run would be built on a document that fails its check: " + "; ".join(problems),
            "nothing was issued; run `avtale ledger verify` and restore the ledger from a backup: a document "
            "changed after issue must not be corrected as if it had been issued that way",
        )
    for doc in current.credit_notes:
        for number in doc.draft.corrects:
            invoice = ledger.document("invoice", number)
            if invoice is not None and invoice.issue_date > as_of:
                raise RunRefused(
                    f"a credit note dated {as_of} would correct invoice {number}, issued {invoice.issue_date}",
                    f"a credit note cannot predate the invoice it corrects: run with --as-of {invoice.issue_date} "
                    "or later",
                )


def _takeovers(workspace: model.Workspace, as_of: date) -> dict[str, date]:
    """Where an applied run at `as_of` records that Avtale takes each contract over. A cut-over is a fact about
    the old billing: its next day is recorded by any run, but no later than the run's next day, so that a date
    typed too far ahead can still be corrected down to days no run has reached. A start is recorded once a run
    reaches it, so that one corrected before anything was due is not locked in."""
    after = as_of + timedelta(days=1)
    found: dict[str, date] = {}
    for cid, contract in workspace.contracts.items():
        if contract.cutover is not None:
            found[cid] = min(contract.cutover.first_day, after)
        elif contract.start <= as_of:
            found[cid] = contract.start
    return found


def apply(
    workspace: model.Workspace,
    ledger: Ledger,
    meter: Meter,
    as_of: date,
    progress: Progress | None = None,
    options: RunOptions = RunOptions(),
) -> tuple[BillPlan, list[IssuedDocument]]:
    """Plan against the ledger as it is now, and issue that plan in one transaction.

    Raises RunBlocked, issuing nothing, when any line due cannot be priced, when
    issued lines name a contract, charge or discount the workspace no longer has, or
    when usage billed before is gone: a run is issued whole or not at all, and a
    deleted or renamed id never turns silently into credit notes or skipped lines.
    Raises RunRefused, issuing nothing, for the mistakes listed in the module's doc.
    """
    seller = workspace.seller
    assert seller is not None, "a checked workspace has a seller"
    with ledger.locked():  # read what is issued and issue more under one write lock: no double billing
        _refuse_unsafe(ledger, as_of, options)
        current = plan(workspace, ledger, meter, as_of, progress, options)
        if current.stopped:
            raise RunBlocked(current)
        _refuse_after_plan(ledger, current, as_of, options)
        if progress:
            progress(f"issuing {len(current.documents):,} documents", 0, 0)
        issued = ledger.issue(
            [d.draft for d in current.documents],
            as_of=as_of,
            invoice_start=seller.invoice_numbers_from,
            credit_note_start=seller.credit_note_numbers_from,
            kid_scheme=seller.kid.scheme,
            kid_length=seller.kid.length,
            revision=options.revision,
        )
        ledger.record_takeovers(_takeovers(workspace, as_of), as_of)
        if options.inputs is not None:  # every contract now stands settled by as_of, with these inputs
            if progress:
                progress("recording what is settled", 0, 0)
            ids = sorted(workspace.contracts)
            usage = options.inputs.usage([(cid, as_of) for cid in ids])
            ledger.record_settlements(
                [
                    Settlement(contract=cid, as_of=as_of, terms=options.inputs.terms[cid], usage=usage[cid])
                    for cid in ids
                ]
            )
    return current, issued
