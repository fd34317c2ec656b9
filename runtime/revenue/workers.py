"""The engine's records and the remaining schedule for every contract, in one pass, over worker processes.

Revenue is planned per contract, and nothing one contract's plan reads is another's, so the
contracts are cut into chunks (in sorted order) that forked workers take one at a time, as the
bill run's workers do (runtime/billing/parallel.py: the checked workspace, the issued documents
and the usage totals are inherited at the fork, never sent). A worker plans each contract of its
chunk once and reads both the recognised months and the remaining schedule from that one plan.
The chunks' records are joined in chunk order, so the result is the same, in the same order, as
`recognise` followed by `remaining_schedule` in one process.

Records cross the pipe as plain tuples: pickling a frozen attrs instance costs several times
more than building it again.
"""

from __future__ import annotations

import multiprocessing
import os
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from multiprocessing.connection import Connection, wait
from typing import TypeVar, cast

from compiler import model
from compiler.billing.price import UsageKey
from runtime.billing.parallel import WorkerFailed, WorkerLost, workers_for
from runtime.ledger.documents import IssuedDocument
from runtime.memory import no_cyclic_gc
from runtime.processes import worker_started
from runtime.revenue.recognition import contract_records, contract_usage_requests, cutoff, issued_by_contract
from runtime.revenue.records import Recognised
from runtime.revenue.reports_schedule import contract_schedule

CHUNK = 200
"""Contracts per chunk: small enough that both workers stay busy to the end."""

Row = tuple[str, str, date, Decimal, str, int, str, str]
"""A Recognised as it crosses the pipe."""

T = TypeVar("T")


class RevenueWorkerFailed(WorkerFailed):
    """A revenue worker raised: a bug in Avtale, reported by the command line as the bill run's are."""

    def __init__(self, summary: str, worker_traceback: str) -> None:
        super().__init__(summary, worker_traceback)
        self.args = (f"a revenue worker failed: {summary}",)


def recognise_with_schedule(
    workspace: model.Workspace,
    ledger_documents: Iterable[IssuedDocument],
    usage_totals_by_month: Mapping[UsageKey, Decimal],
    through: date,
    schedule: bool,
    workers: int | None = None,
    chunk_size: int | None = None,
) -> tuple[list[Recognised], list[Recognised]]:
    """`recognise(...)` and, with `schedule`, `remaining_schedule(workspace, cutoff(through), known=through)`,
    each contract planned once (again only when an amendment signed by `through` takes effect after the
    months recognised). `workers`: processes to use (default: by the number of contracts)."""
    issued = issued_by_contract(ledger_documents)
    cids = sorted(workspace.contracts)
    end = cutoff(through)

    def chunk(part: Sequence[str]) -> tuple[list[Recognised], list[Recognised]]:
        engine: list[Recognised] = []
        later: list[Recognised] = []
        for cid in part:
            contract = workspace.contracts[cid]
            found, plan = contract_records(contract, workspace, issued.get(cid, ()), usage_totals_by_month, through)
            engine += found
            if schedule:
                later += contract_schedule(contract, workspace, end, plan, known=through)
        return engine, later

    def rows(part: Sequence[str]) -> tuple[list[Row], list[Row]]:
        engine, later = chunk(part)
        return [_row(r) for r in engine], [_row(r) for r in later]

    count = workers if workers is not None else workers_for(len(cids))
    parts = _chunks(cids, chunk_size)
    with no_cyclic_gc():
        if count <= 1 or len(parts) <= 1:
            done = [chunk(part) for part in parts]
            return [r for found, _ in done for r in found], [r for _, later in done for r in later]
        results = map_in_workers(rows, parts, count)
        engine = [_record(row) for found, _ in results for row in found]
        later = [_record(row) for _, after in results for row in after]
    return engine, later


def usage_requests_in_workers(
    workspace: model.Workspace, through: date, workers: int | None = None, chunk_size: int | None = None
) -> list[UsageKey]:
    """`usage_requests(workspace, through)`, the contracts lowered in worker processes as `recognise_with_schedule`
    plans them."""
    cids = sorted(workspace.contracts)

    def chunk(part: Sequence[str]) -> set[UsageKey]:
        wanted: set[UsageKey] = set()
        for cid in part:
            wanted.update(contract_usage_requests(workspace.contracts[cid], workspace, through))
        return wanted

    count = workers if workers is not None else workers_for(len(cids))
    parts = _chunks(cids, chunk_size)
    with no_cyclic_gc():
        found = map_in_workers(chunk, parts, count) if count > 1 and len(parts) > 1 else [chunk(p) for p in parts]
    return sorted(set().union(*found))


def _chunks(cids: list[str], size: int | None) -> list[list[str]]:
    size = size or CHUNK
    return [cids[i : i + size] for i in range(0, len(cids), size)]


def _row(r: Recognised) -> Row:
    return (r.contract, r.obligation, r.month, r.amount, r.currency, r.account, r.kind, r.reason)


def _record(row: Row) -> Recognised:
    contract, obligation, month, amount, currency, account, kind, reason = row
    return Recognised(
        contract=contract,
        obligation=obligation,
        month=month,
        amount=amount,
        currency=currency,
        account=account,
        kind=kind,  # type: ignore[arg-type]
        reason=reason,
    )


def map_in_workers(work: Callable[[Sequence[str]], T], parts: Sequence[Sequence[str]], workers: int) -> list[T]:
    """`[work(part) for part in parts]`, computed by `workers` forked processes, in the order of `parts`.

    `work` and everything it reads are inherited at the fork; only chunk numbers go to the workers
    and only results come back. The caller makes sure no other thread runs while forking (a usage
    database: runtime/billing/parallel.py `usage_single_threaded`)."""
    context = multiprocessing.get_context("fork")
    me = os.getpid()
    pipes: list[Connection] = []
    processes = []
    results: dict[int, T] = {}
    finished = False
    try:
        for _ in range(min(workers, len(parts))):
            parent, child = context.Pipe()
            process = context.Process(target=_work, args=(child, work, parts, me, [*pipes, parent]), daemon=True)
            process.start()
            child.close()
            pipes.append(parent)
            processes.append(process)
        handed = 0
        for pipe in pipes:
            pipe.send(handed)
            handed += 1
        busy = set(pipes)
        while busy:
            for ready in wait(list(busy)):
                pipe = cast(Connection, ready)
                process = processes[pipes.index(pipe)]
                try:
                    message = pipe.recv()
                except (EOFError, BrokenPipeError):
                    process.join(timeout=5)
                    raise WorkerLost(
                        f"a revenue worker ended without a word (exit status {process.exitcode}; "
                        "-9 means it was killed, usually because the machine ran out of memory)"
                    ) from None
                if message[0] != "chunk":
                    raise RevenueWorkerFailed(message[1], message[2])
                results[message[1]] = message[2]
                if handed < len(parts):
                    pipe.send(handed)
                    handed += 1
                else:
                    pipe.send(None)
                    busy.discard(pipe)
        finished = True
    finally:
        for process in processes:
            if not finished:
                process.terminate()
            process.join()
    return [results[index] for index in range(len(parts))]


def _work(
    conn: Connection,
    work: Callable[[Sequence[str]], T],
    parts: Sequence[Sequence[str]],
    parent: int,
    inherited: Sequence[Connection],
) -> None:
    worker_started(parent, inherited)
    status = 0
    try:
        with no_cyclic_gc():
            while (index := conn.recv()) is not None:
                conn.send(("chunk", index, work(parts[index])))
    except Exception as exc:
        conn.send(("error", f"{type(exc).__name__}: {exc}", traceback.format_exc()))
    except BaseException:  # interrupted: the parent reports it
        status = 1
    finally:
        conn.close()
        os._exit(status)  # nothing to flush; see runtime/billing/parallel.py
