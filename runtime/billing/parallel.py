"""Planning a bill run in worker processes, a chunk of contracts at a time.

Workers are forked, so they inherit the checked workspace. The parent hands out
chunks one at a time (a worker that finishes early takes the next) and meters
usage for them, since the one DuckDB database lives in the parent. Each worker
reads its chunks' issued lines from the ledger over a connection of its own,
inside one read transaction, and checks that it sees the ledger as the parent
does. Only chunk numbers, usage requests and totals, and drafts cross between
processes.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from datetime import date
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, cast

from compiler import model
from runtime.billing.chunks import Meter, no_issued_lines, plan_chunk
from runtime.billing.expected import Blocked, UsageKey
from runtime.ledger.documents import DraftDocument
from runtime.ledger.errors import LedgerError
from runtime.ledger.store import Ledger
from runtime.memory import no_cyclic_gc

MIN_CONTRACTS = 2_000
"""Below this, starting processes costs more than it saves."""

CHANGED_HELP = "another bill run was applied while this one was planning; plan again"


def workers_for(contracts: int) -> int:
    return 1 if contracts < MIN_CONTRACTS else min(os.cpu_count() or 1, 8)


def _work(
    conn: Connection,
    workspace: model.Workspace,
    parts: Sequence[tuple[str, ...]],
    ledger: tuple[Path, int] | None,
    as_of: date,
) -> None:
    try:
        with no_cyclic_gc():
            if ledger is None:
                _serve(conn, workspace, parts, None, as_of)
            else:
                path, last_run = ledger
                with Ledger.open(path, create=False) as own, own.snapshot():
                    if own.last_run() != last_run:
                        raise LedgerError(f"the ledger at {path} changed while the bill run was planning", CHANGED_HELP)
                    _serve(conn, workspace, parts, own, as_of)
    except LedgerError as exc:
        conn.send(("ledger_error", str(exc), exc.help))
    except Exception as exc:
        conn.send(("error", f"{type(exc).__name__}: {exc}", ""))
    finally:
        conn.close()


def _serve(
    conn: Connection,
    workspace: model.Workspace,
    parts: Sequence[tuple[str, ...]],
    ledger: Ledger | None,
    as_of: date,
) -> None:
    def meter(requests: Sequence[UsageKey]) -> Any:
        conn.send(("meter", requests))
        return conn.recv()

    issued = ledger.issued_lines_between if ledger is not None else no_issued_lines
    while (index := conn.recv()) is not None:
        drafts, blocked = plan_chunk(workspace, parts[index], issued, meter, as_of)
        conn.send(("chunk", index, drafts, blocked))


def plan_in_workers(
    workspace: model.Workspace,
    parts: Sequence[tuple[str, ...]],
    ledger: Ledger | None,
    meter: Meter,
    as_of: date,
    workers: int,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[DraftDocument], list[Blocked]]:
    """Every chunk planned; drafts and blocked lines in chunk order. `progress` gets contracts done."""
    state = (ledger.path, ledger.last_run()) if ledger is not None else None
    context = multiprocessing.get_context("fork")
    pipes: list[Connection] = []
    processes = []
    results: dict[int, tuple[list[DraftDocument], list[Blocked]]] = {}
    finished = False
    try:
        for _ in range(min(workers, len(parts))):
            parent, child = context.Pipe()
            process = context.Process(target=_work, args=(child, workspace, parts, state, as_of), daemon=True)
            process.start()
            child.close()
            pipes.append(parent)
            processes.append(process)
        handed = 0
        for pipe in pipes:
            pipe.send(handed)
            handed += 1
        busy = set(pipes)
        done = 0
        while busy:
            for ready in wait(list(busy)):
                pipe = cast(Connection, ready)  # wait() returns the objects it was given
                try:
                    message = pipe.recv()
                except EOFError:
                    raise RuntimeError("a bill run worker stopped without a word") from None
                if message[0] == "meter":
                    pipe.send(dict(meter(message[1])))
                elif message[0] == "chunk":
                    _, index, drafts, blocked = message
                    results[index] = (drafts, blocked)
                    done += len(parts[index])
                    if progress:
                        progress(done)
                    pipe.send(handed if handed < len(parts) else None)
                    if handed < len(parts):
                        handed += 1
                    else:
                        busy.discard(pipe)
                elif message[0] == "ledger_error":
                    raise LedgerError(message[1], message[2])
                else:
                    raise RuntimeError(f"a bill run worker failed: {message[1]}")
        finished = True
    finally:
        for process in processes:
            if not finished:  # the others may wait for a chunk or a usage total that will never come
                process.terminate()
            process.join()
    drafts_all = [d for index in sorted(results) for d in results[index][0]]
    blocked_all = [b for index in sorted(results) for b in results[index][1]]
    return drafts_all, blocked_all
