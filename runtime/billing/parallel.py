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

Forking a process while other threads run is unsafe: a lock one of them holds
stays held forever in the child. DuckDB keeps a pool of threads beside its
connection, so while the workers are forked the usage connection is made
single-threaded (`threads = 1`, no async threads: no thread but the caller's
is left), and given its threads back right after: a few milliseconds.

Workers die with the bill run: on Linux the kernel kills a worker whose parent
dies (PR_SET_PDEATHSIG), checked against a parent that died before the worker
could ask. Elsewhere a worker ends when it next reads from or writes to its
pipe and finds the parent gone; each worker closes the parent's ends of the
pipes it inherits (its own, and those of the workers forked before it), so
that only the parent holds them.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, cast

import duckdb

from compiler import model
from runtime.billing.chunks import Chunk, ChunkPlan, IssuedBetween, Meter, plan_chunk
from runtime.billing.expected import UsageKey
from runtime.billing.settled import Settled
from runtime.ledger.documents import IssuedLine
from runtime.ledger.errors import LedgerError
from runtime.ledger.rows import Row
from runtime.ledger.store import Ledger, issued_lines_from
from runtime.memory import no_cyclic_gc
from runtime.processes import die_with_parent
from runtime.usage import Usage

MIN_CONTRACTS = 2_000
"""Below this, starting processes costs more than it saves."""
MAX_WORKERS = 8


def workers_for(contracts: int) -> int:
    return 1 if contracts < MIN_CONTRACTS else min(os.cpu_count() or 1, MAX_WORKERS)


class WorkerLost(Exception):
    """A worker process ended without reporting: killed, most likely for want of memory."""

    help = "nothing was issued; see docs/performance.md for the memory a run needs, and run again"


class WorkerFailed(RuntimeError):
    """A worker raised: a bug in Avtale. Carries the traceback formatted in the worker, which the
    command line prints under its internal error."""

    def __init__(self, summary: str, worker_traceback: str) -> None:
        super().__init__(f"a bill run worker failed: {summary}")
        self.worker_traceback = worker_traceback


@contextlib.contextmanager
def usage_single_threaded(meter: Meter) -> Iterator[None]:
    """While the workers are forked, the usage database runs no thread but the caller's.

    DuckDB's worker and async threads are stopped by setting their counts, which joins them, and
    started again after. A meter that is not a Usage's has no DuckDB behind it.
    """
    owner = getattr(meter, "__self__", None)
    if not isinstance(owner, Usage):
        yield
        return
    con = owner.con
    saved: dict[str, int] = {}
    for name, value in (("async_threads", 0), ("threads", 1)):
        try:
            row = con.execute(f"SELECT current_setting('{name}')").fetchone()
            con.execute(f"SET {name} = {value}")
        except duckdb.Error:
            continue  # a DuckDB without the setting has no such threads
        if row is not None:
            saved[name] = int(row[0])
    try:
        yield
    finally:
        for name, count in reversed(saved.items()):
            con.execute(f"SET {name} = {count}")


def _handed(lines: Sequence[IssuedLine]) -> IssuedBetween:
    """The issued lines the parent sent with a chunk, in the form plan_chunk reads them."""
    return lambda low, high: lines


Task = tuple[int, Sequence[Row], Path | None, Mapping[str, date], Mapping[str, date]]
"""A chunk's number, its issued lines as ledger rows, the ledger they came from, the contracts
known settled up to a date, and the first day Avtale bills each contract from, as recorded."""


def _work(
    conn: Connection,
    workspace: model.Workspace,
    parts: Sequence[Chunk],
    as_of: date,
    bank_days: bool,
    horizon: date | None = None,
    accept_removed_usage: bool = False,
    parent: int | None = None,
    inherited: Sequence[Connection] = (),
) -> None:
    if parent is not None:
        die_with_parent(parent)
    for other in inherited:  # the parent's ends of the pipes, this worker's own and those forked before it
        other.close()

    def meter(requests: Sequence[UsageKey]) -> Any:
        conn.send(("meter", requests))
        return conn.recv()

    status = 0
    try:
        with no_cyclic_gc():
            while (task := conn.recv()) is not None:
                index, found, path, since, taken_over = task
                issued = issued_lines_from(found, path) if path is not None else []
                del found, task
                result = plan_chunk(
                    workspace,
                    parts[index],
                    _handed(issued),
                    meter,
                    as_of,
                    bank_days,
                    since,
                    horizon=horizon,
                    accept_removed_usage=accept_removed_usage,
                    taken_over=taken_over,
                )
                del issued
                conn.send(("chunk", index, result))
    except LedgerError as exc:
        conn.send(("ledger_error", str(exc), exc.help))
    except Exception as exc:
        conn.send(("error", f"{type(exc).__name__}: {exc}", traceback.format_exc()))
    except BaseException:  # interrupted (Ctrl-C reaches the workers too): the parent reports it
        status = 1
    finally:
        conn.close()
        # Nothing to flush, and flushing stdio at exit could wait forever for a lock some thread
        # of the parent held at the fork (a progress display writing to the terminal).
        os._exit(status)


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
    horizon: date | None = None,
    accept_removed_usage: bool = False,
) -> list[ChunkPlan]:
    """Every chunk planned, in chunk order. `progress` gets contracts done. `horizon` and
    `accept_removed_usage`: as for plan_chunk."""
    context = multiprocessing.get_context("fork")
    me = os.getpid()
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
            return index, [], None, {}, {}
        known = since_for(part)
        rows = ledger.issued_rows_between(part.low, part.high, known.after, known.whole)
        return index, rows, ledger.path, known.since, known.taken_over

    try:
        with usage_single_threaded(meter):  # no DuckDB thread alive while forking
            for _ in range(min(workers, len(parts))):
                parent, child = context.Pipe()
                process = context.Process(
                    target=_work,
                    args=(
                        child,
                        workspace,
                        parts,
                        as_of,
                        bank_days,
                        horizon,
                        accept_removed_usage,
                        me,
                        [*pipes, parent],
                    ),
                    daemon=True,
                )
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
                        raise WorkerFailed(message[1], message[2])
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
