"""A bill run: plan what is due by an as-of date, then (on apply) issue exactly that.

Planning changes nothing. Applying re-plans against the ledger inside the
ledger's write lock, so that two runs planned on the same inputs can never
issue the same line twice: the second finds everything already issued.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal

import attrs

from compiler import model
from runtime.billing.expected import Blocked, UsageKey, expected_lines, schedules, usage_requests
from runtime.billing.parallel import plan_in_workers, workers_for
from runtime.billing.reconcile import reconcile
from runtime.ledger.documents import DraftDocument, IssuedDocument, IssuedLine
from runtime.ledger.store import Ledger
from runtime.ledger.totals import Totals, compute_totals
from runtime.memory import no_cyclic_gc

Meter = Callable[[Sequence[UsageKey]], Mapping[UsageKey, Decimal]]
"""Metered totals for the requested (contract, metric, start, end) periods."""
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
    contracts: int
    """How many contracts were looked at."""

    @property
    def invoices(self) -> list[PlannedDocument]:
        return [d for d in self.documents if d.draft.kind == "invoice"]

    @property
    def credit_notes(self) -> list[PlannedDocument]:
        return [d for d in self.documents if d.draft.kind == "credit_note"]


def plan(
    workspace: model.Workspace,
    issued: Sequence[IssuedLine],
    meter: Meter,
    as_of: date,
    progress: Progress | None = None,
) -> BillPlan:
    """Every document a run at `as_of` would issue. Pure apart from `meter`."""
    with no_cyclic_gc():
        return _plan(workspace, issued, meter, as_of, progress)


def _plan(
    workspace: model.Workspace,
    issued: Sequence[IssuedLine],
    meter: Meter,
    as_of: date,
    progress: Progress | None,
) -> BillPlan:

    workers = workers_for(len(workspace.contracts))
    if workers > 1:
        if progress:
            progress(f"planning in {workers} processes", 0, 0)
        drafts, blocked = plan_in_workers(workspace, issued, meter, as_of, workers)
    else:

        def lowered(done: int, total: int) -> None:
            if progress:
                progress("scheduling contracts", done, total)

        plans = schedules(workspace, as_of, lowered)
        if progress:
            progress("metering usage", 0, 0)
        usage = meter(usage_requests(plans, as_of))
        expected = expected_lines(workspace, plans, usage, as_of)
        drafts = reconcile(workspace, expected.lines, issued, as_of)
        blocked = list(expected.blocked)
    documents = tuple(PlannedDocument(draft=d, totals=compute_totals(d.lines)) for d in drafts)
    return BillPlan(as_of=as_of, documents=documents, blocked=tuple(blocked), contracts=len(workspace.contracts))


def apply(
    workspace: model.Workspace,
    ledger: Ledger,
    meter: Meter,
    as_of: date,
    progress: Progress | None = None,
) -> tuple[BillPlan, list[IssuedDocument]]:
    """Plan against the ledger as it is now, and issue that plan in one transaction."""
    seller = workspace.seller
    assert seller is not None, "a checked workspace has a seller"
    with ledger.locked():  # read what is issued and issue more under one write lock: no double billing
        current = plan(workspace, ledger.issued_lines(), meter, as_of, progress)
        issued = ledger.issue(
            [d.draft for d in current.documents],
            as_of=as_of,
            invoice_start=seller.invoice_numbers_from,
            credit_note_start=seller.credit_note_numbers_from,
            kid_scheme=seller.kid.scheme,
            kid_length=seller.kid.length,
        )
    return current, issued
