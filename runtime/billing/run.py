"""A bill run: plan what is due by an as-of date, then (on apply) issue exactly that.

Planning changes nothing. Applying re-plans against the ledger inside the
ledger's write lock, so that two runs planned on the same inputs can never
issue the same line twice: the second finds everything already issued.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date

import attrs

from compiler import model
from runtime.billing.chunks import Chunk, ChunkPlan, Meter, chunks, no_issued_lines, plan_chunk
from runtime.billing.expected import Blocked
from runtime.billing.parallel import plan_in_workers, workers_for
from runtime.billing.reconcile import Orphan
from runtime.billing.settled import Inputs, Settled, Settlement, settled_since
from runtime.ledger.documents import DraftDocument, IssuedDocument
from runtime.ledger.store import Ledger
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
    contracts: int
    """How many contracts were looked at."""

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

    def since_for(part: Chunk) -> Settled:
        """The chunk's contracts settled by an earlier apply, read in this run's snapshot or lock, and
        which issued lines the chunk needs, then: those billed after the earliest of those dates, and
        every line of the other contracts (and of any the workspace no longer has, to report them)."""
        if ledger is None or options.inputs is None:
            return Settled()
        recorded = ledger.settlements_between(part.low, part.high)
        since = settled_since(workspace, part.contracts, recorded, options.inputs, as_of)
        if not since:
            return Settled()
        gone = [c for c in ledger.contracts_between(part.low, part.high) if c not in workspace.contracts]
        whole = [c for c in part.contracts if c not in since] + gone
        return Settled(since=since, after=min(since.values()), whole=tuple(whole))

    def planned(done: int) -> None:
        if progress:
            progress("planning contracts", done, len(contracts))

    planned(0)
    results: list[ChunkPlan] = []
    if workers > 1:
        results = plan_in_workers(workspace, parts, ledger, meter, as_of, workers, planned, bank_days, since_for)
    else:
        done = 0
        for part in parts:
            known = since_for(part)
            issued = (
                functools.partial(ledger.issued_lines_between, after=known.after, whole=known.whole)
                if ledger is not None
                else no_issued_lines
            )
            results.append(plan_chunk(workspace, part, issued, meter, as_of, bank_days, known.since))
            done += len(part.contracts)
            planned(done)
    drafts: list[DraftDocument] = [d for r in results for d in r.drafts]
    documents = tuple(PlannedDocument(draft=d, totals=compute_totals(d.lines, d.currency)) for d in drafts)
    return BillPlan(
        as_of=as_of,
        documents=documents,
        blocked=tuple(b for r in results for b in r.blocked),
        orphans=tuple(o for r in results for o in r.orphans),
        contracts=len(contracts),
    )


class RunBlocked(Exception):
    """Lines due by the as-of date cannot be priced (an index value is missing), or issued lines name
    contracts or charges the workspace no longer has: nothing was issued."""

    def __init__(self, plan: BillPlan) -> None:
        super().__init__(
            f"{len(plan.blocked)} line(s) due cannot be priced and {len(plan.orphans)} issued id(s) are unknown; "
            "nothing was issued"
        )
        self.plan = plan


def apply(
    workspace: model.Workspace,
    ledger: Ledger,
    meter: Meter,
    as_of: date,
    progress: Progress | None = None,
    options: RunOptions = RunOptions(),
) -> tuple[BillPlan, list[IssuedDocument]]:
    """Plan against the ledger as it is now, and issue that plan in one transaction.

    Raises RunBlocked, issuing nothing, when any line due cannot be priced, or when
    issued lines name a contract, charge or discount the workspace no longer has: a
    run is issued whole or not at all, and a deleted or renamed id never turns
    silently into credit notes or skipped lines.
    """
    seller = workspace.seller
    assert seller is not None, "a checked workspace has a seller"
    with ledger.locked():  # read what is issued and issue more under one write lock: no double billing
        current = plan(workspace, ledger, meter, as_of, progress, options)
        if current.blocked or current.orphans:
            raise RunBlocked(current)
        if progress:
            progress(f"issuing {len(current.documents):,} documents", 0, 0)
        issued = ledger.issue(
            [d.draft for d in current.documents],
            as_of=as_of,
            invoice_start=seller.invoice_numbers_from,
            credit_note_start=seller.credit_note_numbers_from,
            kid_scheme=seller.kid.scheme,
            kid_length=seller.kid.length,
        )
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
