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
from runtime.billing.expected import Blocked, UsageKey, expected_lines, schedules, usage_requests
from runtime.billing.reconcile import reconcile
from runtime.ledger.documents import DraftDocument, IssuedLine

Meter = Callable[[Sequence[UsageKey]], Mapping[UsageKey, Decimal]]
"""Metered totals for the requested (contract, metric, start, end) periods."""
IssuedBetween = Callable[[str, str], Sequence[IssuedLine]]
"""The issued lines of the contracts whose ids sort from the first argument to the second."""

MAX_CHUNK = 2_000
"""Contracts per chunk at most: a few hundred MB of schedules and issued lines."""
MIN_CHUNK = 100
"""Contracts per chunk at least, so that the per-chunk queries stay a small share of the work."""
CHUNKS_PER_WORKER = 8
"""Enough chunks that workers finishing at different times still end together."""


def chunks(contracts: Sequence[str], workers: int) -> list[tuple[str, ...]]:
    """`contracts` (sorted) cut into consecutive chunks."""
    size = max(MIN_CHUNK, min(MAX_CHUNK, math.ceil(len(contracts) / (workers * CHUNKS_PER_WORKER))))
    return [tuple(contracts[i : i + size]) for i in range(0, len(contracts), size)]


def no_issued_lines(first: str, last: str) -> list[IssuedLine]:
    """The issued lines when there is no ledger yet."""
    return []


def plan_chunk(
    workspace: model.Workspace,
    contracts: Sequence[str],
    issued_between: IssuedBetween,
    meter: Meter,
    as_of: date,
) -> tuple[list[DraftDocument], list[Blocked]]:
    """The drafts (in contract order) and blocked lines of the contracts in one chunk."""
    part = attrs.evolve(workspace, contracts={cid: workspace.contracts[cid] for cid in contracts})
    plans = schedules(part, as_of)
    usage = meter(usage_requests(plans, as_of))
    expected = expected_lines(part, plans, usage, as_of)
    del plans, usage  # before the issued lines come in
    issued = issued_between(contracts[0], contracts[-1]) if contracts else []
    return reconcile(part, expected.lines, issued, as_of), list(expected.blocked)
