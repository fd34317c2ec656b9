"""Planning a bill run in worker processes, one share of the contracts each.

Every contract is billed independently of the others (architecture.md), so
the work splits by contract. Workers are forked: they inherit the checked
workspace and the issued lines, schedule their contracts, send back the usage
totals they need, and after the parent has metered all of them in one DuckDB
query, price, reconcile and return their drafts. Only requests, totals and
drafts cross between processes.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from multiprocessing.connection import Connection
from typing import Any

from compiler import model
from runtime.billing.expected import Blocked, expected_lines, schedules, usage_requests
from runtime.billing.reconcile import reconcile
from runtime.ledger.documents import DraftDocument, IssuedLine
from runtime.memory import no_cyclic_gc

MIN_CONTRACTS = 2_000
"""Below this, starting processes costs more than it saves."""

_STATE: dict[str, Any] = {}
"""What forked workers inherit: the workspace, issued lines by contract, the as-of date."""


def workers_for(contracts: int) -> int:
    return 1 if contracts < MIN_CONTRACTS else min(os.cpu_count() or 1, 8)


def _work(share: list[str], conn: Connection) -> None:
    try:
        with no_cyclic_gc():
            whole: model.Workspace = _STATE["workspace"]
            as_of: date = _STATE["as_of"]
            part = model.Workspace(
                seller=whole.seller,
                customers=whole.customers,
                metrics=whole.metrics,
                indices=whole.indices,
                plans=whole.plans,
                contracts={cid: whole.contracts[cid] for cid in share},
            )
            plans = schedules(part, as_of)
            conn.send(usage_requests(plans, as_of))
            usage = conn.recv()
            expected = expected_lines(part, plans, usage, as_of)
            issued = [line for cid in share for line in _STATE["issued"].get(cid, ())]
            conn.send(("ok", reconcile(part, expected.lines, issued, as_of), expected.blocked))
    except Exception as exc:
        conn.send(("error", f"{type(exc).__name__}: {exc}", ()))
    finally:
        conn.close()


def plan_in_workers(
    workspace: model.Workspace,
    issued: Sequence[IssuedLine],
    meter: Any,
    as_of: date,
    workers: int,
) -> tuple[list[DraftDocument], list[Blocked]]:
    by_contract: dict[str, list[IssuedLine]] = defaultdict(list)
    for line in issued:
        by_contract[line.contract].append(line)
    contracts = sorted(workspace.contracts)
    shares = [contracts[i::workers] for i in range(workers)]
    _STATE.update(workspace=workspace, as_of=as_of, issued=by_contract)
    context = multiprocessing.get_context("fork")
    pipes: list[Connection] = []
    processes = []
    try:
        for share in shares:
            parent, child = context.Pipe()
            process = context.Process(target=_work, args=(share, child), daemon=True)
            process.start()
            child.close()
            pipes.append(parent)
            processes.append(process)
        requests = [pipe.recv() for pipe in pipes]
        totals = meter([key for wanted in requests for key in wanted])
        for pipe, wanted in zip(pipes, requests, strict=True):
            pipe.send({key: totals[key] for key in wanted})
        drafts: list[DraftDocument] = []
        blocked: list[Blocked] = []
        for pipe in pipes:
            status, found, stuck = pipe.recv()
            if status != "ok":
                raise RuntimeError(f"a bill run worker failed: {found}")
            drafts += found
            blocked += stuck
    finally:
        _STATE.clear()
        for process in processes:
            process.join(timeout=60)
    order = {"invoice": 0, "credit_note": 1}
    drafts.sort(key=lambda d: (d.contract, order[d.kind]))
    blocked.sort(key=lambda b: (b.contract, b.charge, b.period_start))
    return drafts, blocked
