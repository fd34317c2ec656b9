"""Planning a bill run in worker processes, a chunk of contracts at a time.

Workers are forked, so they inherit the checked workspace. The parent hands out
chunks one at a time (a worker that finishes early takes the next), each with
its issued lines, which the parent reads from the ledger in the run's one
snapshot or write lock: workers never open the ledger, since SQLite's locks do
not survive a fork. The lines travel as plain rows, which the parent only
fetches, so that turning them into values is spread over the workers. The
parent also meters usage for them, since the one DuckDB database lives there.
Only chunks with their rows, usage requests and totals, and drafts cross
between processes.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, cast

from compiler import model
from runtime.billing.chunks import Chunk, ChunkPlan, IssuedBetween, Meter, plan_chunk
from runtime.billing.expected import UsageKey
from runtime.billing.settled import Settled
from runtime.ledger.documents import IssuedLine
from runtime.ledger.errors import LedgerError
from runtime.ledger.rows import Row
from runtime.ledger.store import Ledger, issued_lines_from
from runtime.memory import no_cyclic_gc

MIN_CONTRACTS = 2_000
"""Below this, starting processes costs more than it saves."""
MAX_WORKERS = 8


def workers_for(contracts: int) -> int:
    return 1 if contracts < MIN_CONTRACTS else min(os.cpu_count() or 1, MAX_WORKERS)


class WorkerLost(Exception):
    """A worker process ended without reporting: killed, most likely for want of memory."""

    help = "nothing was issued; see docs/performance.md for the memory a run needs, and run again"


def _handed(lines: Sequence[IssuedLine]) -> IssuedBetween:
    """The issued lines the parent sent with a chunk, in the form plan_chunk reads them."""
    return lambda low, high: lines


Task = tuple[int, Sequence[Row], Path | None, Mapping[str, date]]
"""A chunk's number, its issued lines as ledger rows, the ledger they came from, and the contracts
known settled up to a date."""


def _work(conn: Connection, workspace: model.Workspace, parts: Sequence[Chunk], as_of: date, bank_days: bool) -> None:
    def meter(requests: Sequence[UsageKey]) -> Any:
        conn.send(("meter", requests))
        return conn.recv()

    try:
        with no_cyclic_gc():
            while (task := conn.recv()) is not None:
                index, found, path, since = task
                issued = issued_lines_from(found, path) if path is not None else []
                del found, task
                result = plan_chunk(workspace, parts[index], _handed(issued), meter, as_of, bank_days, since)
                del issued
                conn.send(("chunk", index, result))
    except LedgerError as exc:
        conn.send(("ledger_error", str(exc), exc.help))
    except Exception as exc:
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def plan_in_workers(
    workspace: model.Workspace,
    parts: Sequence[Chunk],
    ledger: Ledger | None,
    meter: Meter,
    as_of: date,
    workers: int,
    progress: Callable[[int], None] | None = None,
    bank_days: bool = True,
    since_for: Callable[[Chunk], Settled] = lambda part: Settled(),
) -> list[ChunkPlan]:
    """Every chunk planned, in chunk order. `progress` gets contracts done."""
    context = multiprocessing.get_context("fork")
    pipes: list[Connection] = []
    processes = []
    results: dict[int, ChunkPlan] = {}
    finished = False

    def task(index: int) -> Task | None:
        """The next chunk, with its issued lines read in the parent's snapshot or write lock.

        As rows: the parent only fetches them, and each worker turns its own into lines.
        """
        if index >= len(parts):
            return None
        part = parts[index]
        if ledger is None:
            return index, [], None, {}
        known = since_for(part)
        rows = ledger.issued_rows_between(part.low, part.high, known.after, known.whole)
        return index, rows, ledger.path, known.since

    try:
        for _ in range(min(workers, len(parts))):
            parent, child = context.Pipe()
            process = context.Process(target=_work, args=(child, workspace, parts, as_of, bank_days), daemon=True)
            process.start()
            child.close()
            pipes.append(parent)
            processes.append(process)
        handed = 0
        for pipe in pipes:
            pipe.send(task(handed))
            handed += 1
        busy = set(pipes)
        done = 0
        while busy:
            for ready in wait(list(busy)):
                pipe = cast(Connection, ready)  # wait() returns the objects it was given
                process = processes[pipes.index(pipe)]
                try:
                    message = pipe.recv()
                    if message[0] == "meter":
                        pipe.send(dict(meter(message[1])))
                    elif message[0] == "chunk":
                        _, index, result = message
                        results[index] = result
                        done += len(parts[index].contracts)
                        if progress:
                            progress(done)
                        pipe.send(task(handed))
                        if handed < len(parts):
                            handed += 1
                        else:
                            busy.discard(pipe)
                    elif message[0] == "ledger_error":
                        raise LedgerError(message[1], message[2])
                    else:
                        raise RuntimeError(f"a bill run worker failed: {message[1]}")
                except (EOFError, BrokenPipeError):
                    process.join(timeout=5)
                    raise WorkerLost(
                        f"a bill run worker ended without a word (exit status {process.exitcode}; "
                        "-9 means it was killed, usually because the machine ran out of memory)"
                    ) from None
        finished = True
    finally:
        for process in processes:
            if not finished:  # the others may wait for a chunk or a usage total that will never come
                process.terminate()
            process.join()
    return [results[index] for index in sorted(results)]
