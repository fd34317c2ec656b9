"""Planning a bill run a range of contracts at a time.

Every contract is billed independently of the others (architecture.md), so a
run splits into chunks of contracts adjacent in id order. A chunk's schedules,
usage totals and issued lines are held only while it is planned, so memory is
bounded by the chunk rather than by the workspace, and the ledger is read with
one range query per chunk instead of all at once.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal

import attrs

from compiler import model
from runtime.billing.expected import Blocked, UsageKey, expected_lines, schedules, wanted_usage
from runtime.billing.reconcile import Orphan, VanishedUsage, reconcile
from runtime.ledger.documents import DraftDocument, IssuedLine

Meter = Callable[[Sequence[UsageKey]], Mapping[UsageKey, Decimal]]
"""Metered totals for the requested (contract, metric, start, end) periods."""
IssuedBetween = Callable[[str | None, str | None], Sequence[IssuedLine]]
"""The issued lines of the contracts whose ids sort from the first argument (None: the first id) up to,
not including, the second (None: past the last)."""

MAX_CHUNK = 2_000
"""Contracts per chunk at most: a few hundred MB of schedules and issued lines."""
MIN_CHUNK = 100
"""Contracts per chunk at least, so that the per-chunk queries stay a small share of the work."""
CHUNKS_PER_WORKER = 8
"""Enough chunks that workers finishing at different times still end together."""


@attrs.frozen
class Chunk:
    """Consecutive contracts, and the range of contract ids whose issued lines it reconciles.

    The ranges of a run's chunks cover every possible id, so the issued lines of a
    contract deleted from the workspace are read by exactly one chunk and reported.
    """

    contracts: tuple[str, ...]
    low: str | None
    """First id of the range (None: from the smallest)."""
    high: str | None
    """First id past the range (None: to the largest)."""


def chunks(contracts: Sequence[str], workers: int) -> list[Chunk]:
    """`contracts` (sorted) cut into consecutive chunks; one empty chunk for no contracts."""
    size = max(MIN_CHUNK, min(MAX_CHUNK, math.ceil(len(contracts) / (workers * CHUNKS_PER_WORKER))))
    parts = [tuple(contracts[i : i + size]) for i in range(0, len(contracts), size)] or [()]
    return [
        Chunk(part, None if i == 0 else part[0], parts[i + 1][0] if i + 1 < len(parts) else None)
        for i, part in enumerate(parts)
    ]


def no_issued_lines(low: str | None, high: str | None) -> list[IssuedLine]:
    """The issued lines when there is no ledger yet."""
    return []


@attrs.frozen(kw_only=True)
class ChunkPlan:
    drafts: list[DraftDocument]
    blocked: list[Blocked]
    orphans: list[Orphan]
    vanished: list[VanishedUsage] = attrs.Factory(list)


def plan_chunk(
    workspace: model.Workspace,
    chunk: Chunk,
    issued_between: IssuedBetween,
    meter: Meter,
    as_of: date,
    bank_days: bool = True,
    since: Mapping[str, date] | None = None,
    *,
    horizon: date | None = None,
    accept_removed_usage: bool = False,
    taken_over: Mapping[str, date] | None = None,
) -> ChunkPlan:
    """The drafts (in contract order), blocked lines, orphaned issued lines and vanished usage of one chunk.

    `since`: contracts known settled up to a date (runtime/billing/settled.py): only their lines
    billed after it are planned and reconciled. `horizon` (at least `as_of`; the latest applied
    run's as-of): issued lines are compared with what the terms say for every line due by then, but
    only lines due by `as_of` are billed anew. `taken_over`: the first day Avtale bills each contract
    from, as the ledger recorded it (reconcile refuses a line before it).
    """
    until = max(as_of, horizon or as_of)
    part = attrs.evolve(workspace, contracts={cid: workspace.contracts[cid] for cid in chunk.contracts})
    plans = schedules(part, until, since=since)
    usage = meter(wanted_usage(plans, until))
    expected = expected_lines(plans, usage, until)
    del plans, usage  # before the issued lines come in
    issued = issued_between(chunk.low, chunk.high)
    done = reconcile(
        part, expected.lines, issued, expected.known, as_of, bank_days, since, accept_removed_usage, taken_over
    )
    return ChunkPlan(drafts=done.drafts, blocked=list(expected.blocked), orphans=done.orphans, vanished=done.vanished)
