"""A check from scratch on every core: each process parses a share of the files and checks the contracts
in them; no AST crosses between processes.

Parsing is two thirds of a cold check's CPU, and sending each file's AST to one process to be checked
cost a third as much again (pickled by the worker, unpickled by the parent). Here the parent is one of
the workers: each process parses its share of the files (dealt out by size, in path order) and sends the
others an outline of them: the parse diagnostics, every declaration but the contracts whole (seller,
customers, metrics, indices, plans: what a contract's check looks up, a few hundred kB for ten thousand
contracts), and each contract as its name and where it is (a `DeclStub`, compiler/summary.py). Every
process then checks the whole workspace in path order, its own files whole and the others' as outlines:
the others' contracts are registered, so duplicate names are found as in one process, but not checked
(compiler/workspace.py `check_workspace`). What every process checks (the seller, customers, plans,
duplicates) finds the same diagnostics in each, which fall together when the parent merges them
(`sorted_diagnostics` drops exact duplicates); each contract's are found by the one process that parsed
it. The merged diagnostics are those of a check in one process (tests/test_check_workers.py).

Files given without their bytes are read by the process whose share they are in (runtime/loader.py
`read_source`), which sends the bytes back with its outline: reading ten thousand files is a tenth of the
check. Only a check that needs neither the model nor the caches runs this way (`avtale check --no-cache`,
or a machine with no cache folder): the caches hold every file's AST, which this way never has in one place.
A worker that dies or fails leaves the parent to check everything itself: a check changes nothing, so
doing it again is always safe, and a bug then surfaces in the parent with its whole traceback.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import pickle
from collections.abc import Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, cast

import attrs

from compiler import model
from compiler.summary import DeclStub
from compiler.workspace import check_workspace
from dsl import ast
from dsl.diagnostics import Diagnostic, Severity, sorted_diagnostics
from dsl.parser import ParseResult, parse_bytes
from runtime.loader import FLAT_DIAGNOSTICS, flat_pickler, read_source
from runtime.memory import no_cyclic_gc
from runtime.processes import worker_started

Item = tuple[str, bytes | None]
"""A source file's path (relative to the workspace) and bytes; None for a file still to be read."""

ContractShape = tuple[str, int, int, int, int]
"""A contract as an outline holds it: its name and its id's span (lines and columns)."""

Entry = tuple[str, Diagnostic | None, bytes | None, tuple[Diagnostic, ...], tuple[Any, ...] | None]
"""A file in an outline: its path; what stopped it being read (None when it was); the bytes it read, for a
file given without them; its parse diagnostics; its declarations (None when it has no tree), each whole
except contracts, which are `ContractShape`s."""

Outline = list[Entry]
"""A share's files, in path order."""


@attrs.frozen
class Found:
    """What a check in workers found."""

    read: list[Diagnostic]
    """What stopped files being read, in path order."""
    sources: dict[str, bytes]
    """The bytes of the files that were given without them and read."""
    listed: list[str]
    """The paths that are sources, in order: all but those skipped (an unreadable file is listed)."""
    parse: list[Diagnostic]
    """The parse diagnostics, in path order."""
    semantic: list[Diagnostic] | None
    """None when syntax errors stopped the semantic checks."""
    counts: dict[str, int]


def check_in_workers(
    items: Sequence[Item], root: Path, cutover: model.Cutover | None, workers: int, *, notes: bool = True
) -> Found | None:
    """Read (where `items` have no bytes, from `root`), parse and check `items` in `workers` processes, this
    one among them; None when a worker was lost or failed (the caller then checks without splitting). With
    `notes` false the semantic diagnostics leave out the notes, which then never cross a pipe."""
    shares = _shares(sorted(items, key=lambda item: item[0]), workers)
    context = multiprocessing.get_context("fork")
    pipes: list[Connection] = []
    processes = []
    try:
        for share in shares[1:]:
            mine, theirs = context.Pipe()
            process = context.Process(
                target=_child, args=(theirs, share, root, cutover, notes, os.getpid(), (*pipes, mine)), daemon=True
            )
            process.start()
            # Each end is held by one process only, so a side that goes away leaves the other reading EOF:
            # the parent closes the worker's end here, the worker closes the parent's ends (its own included).
            theirs.close()
            pipes.append(mine)
            processes.append(process)
        own, own_outline = _parse_share(shares[0], root)
        own_blob = pickle.dumps(_without_bytes(own_outline), protocol=pickle.HIGHEST_PROTOCOL)
        for pipe in pipes:  # a pipe's writer waits for its reader: the parent writes first, each worker reads first
            pipe.send_bytes(own_blob)
        others = [pickle.loads(pipe.recv_bytes()) for pipe in pipes]
        if any(outline is None for outline in others):  # a worker failed
            return None
        entries = sorted(_chain(own_outline, *others), key=lambda entry: entry[0])
        read = [entry[1] for entry in entries if entry[1] is not None]
        sources = {entry[0]: entry[2] for entry in entries if entry[2] is not None}
        listed = [entry[0] for entry in entries if entry[1] is None or entry[1].is_error]
        parse = [d for entry in entries for d in entry[3]]
        if any(d.is_error for d in parse):
            for pipe in pipes:
                pipe.send_bytes(pickle.dumps(None))
            return Found(read, sources, listed, parse, None, {})
        stripped = [pickle.dumps(_without_bytes(outline), protocol=pickle.HIGHEST_PROTOCOL) for outline in others]
        for k, pipe in enumerate(pipes):  # each worker gets the other workers' outlines, each pickled once
            pipe.send_bytes(pickle.dumps([blob for j, blob in enumerate(stripped) if j != k]))
        del stripped
        semantic, counts = _check(own, others, cutover, notes)
        del own, others  # this process's ASTs, freed while the workers finish their checks
        for pipe in pipes:
            answer = pickle.loads(pipe.recv_bytes())
            if answer is None:
                return None
            diagnostics, contracts = answer
            semantic += diagnostics
            counts["contracts"] += contracts
        return Found(read, sources, listed, parse, sorted_diagnostics(semantic), counts)
    except (EOFError, OSError):  # a worker died without a word (killed for memory, most likely)
        return None
    finally:
        for pipe in pipes:
            pipe.close()
        for process in processes:
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
                process.join()


def _shares(items: list[Item], workers: int) -> list[list[Item]]:
    """`items` dealt out in path order, each to the share with the least text so far (files not read yet
    count alike, in turn): a share's time goes with its bytes (parsing) and its contracts (checking), which
    go with the bytes. The parent forks and merges, a worker pays for the pages it copies from the parent:
    measured, equal shares finish together."""
    loads = [0] * workers
    shares: list[list[Item]] = [[] for _ in range(workers)]
    for item in items:
        k = loads.index(min(loads))
        shares[k].append(item)
        loads[k] += len(item[1]) if item[1] is not None else 1
    return shares


def _parse_share(share: Sequence[Item], root: Path) -> tuple[dict[str, ParseResult], Outline]:
    parsed: dict[str, ParseResult] = {}
    outline: Outline = []
    for path, given in share:
        data, problem = given, None
        if data is None:
            data, _, problem = read_source(root, path)
        decls = None
        found: tuple[Diagnostic, ...] = ()
        if data is not None:
            result = parsed[path] = parse_bytes(data, path)
            found = tuple(result.diagnostics)
            if result.file is not None:
                decls = tuple(d if type(d) is not ast.Contract else _shape(d) for d in result.file.decls)
        outline.append((path, problem, data if given is None else None, found, decls))
    return parsed, outline


def _without_bytes(outline: Outline) -> Outline:
    """What another worker needs of an outline: not the sources' bytes, which only the parent keeps."""
    return [(path, problem, None, found, decls) for path, problem, _, found, decls in outline]


def _chain(*outlines: Outline) -> list[Entry]:
    return [entry for outline in outlines for entry in outline]


def _shape(contract: ast.Contract) -> ContractShape:
    span = contract.id.span
    return (contract.id.name, span.line, span.column, span.end_line, span.end_column)


def _stand_in(path: str, decls: tuple[Any, ...]) -> ast.SourceFile:
    """Another process's file as its outline shows it: its contracts are stubs."""
    shown = tuple(
        DeclStub(ast.Contract, d[0], d[1:], (path, "", i)) if type(d) is tuple else d for i, d in enumerate(decls)
    )
    return ast.SourceFile(path=path, decls=cast(tuple[ast.Decl, ...], shown))


def _check(
    own: dict[str, ParseResult], others: list[Outline], cutover: model.Cutover | None, notes: bool
) -> tuple[list[Diagnostic], dict[str, int]]:
    """Check the workspace with this process's files whole and the others' as their outlines."""
    files: dict[str, ast.SourceFile] = {path: r.file for path, r in own.items() if r.file is not None}
    for outline in others:
        for path, _, _, _, decls in outline:
            if decls is not None:
                files[path] = _stand_in(path, decls)
    result = check_workspace([files[path] for path in sorted(files)], cutover=cutover)
    checked = result.workspace
    counts = {"customers": len(checked.customers), "plans": len(checked.plans), "contracts": len(checked.contracts)}
    found = list(result.diagnostics)
    return (found if notes else [d for d in found if d.severity is not Severity.NOTE]), counts


def _child(
    conn: Connection,
    share: Sequence[Item],
    root: Path,
    cutover: model.Cutover | None,
    notes: bool,
    parent: int,
    inherited: Sequence[Connection],
) -> None:
    worker_started(parent, inherited)
    status = 0
    parents: bytes | None = None
    try:
        with no_cyclic_gc():
            own, outline = _parse_share(share, root)
            parents = conn.recv_bytes()  # before sending: the parent reads only once it has written this
            conn.send_bytes(pickle.dumps(outline, protocol=pickle.HIGHEST_PROTOCOL))
            forwarded = pickle.loads(conn.recv_bytes())  # None when a syntax error stops the checks
            if forwarded is not None:
                outlines = [pickle.loads(blob) for blob in (parents, *forwarded)]
                diagnostics, counts = _check(own, outlines, cutover, notes)
                buffer = io.BytesIO()
                flat_pickler(buffer, FLAT_DIAGNOSTICS).dump((diagnostics, counts["contracts"]))
                conn.send_bytes(buffer.getvalue())
    except Exception:  # a bug: the parent checks again by itself, where it surfaces with its traceback
        if parents is None:
            conn.recv_bytes()  # the parent's outline, which it writes before it reads anything
        conn.send_bytes(pickle.dumps(None))  # for the outline, or for what the check found
    except BaseException:  # interrupted: the parent reports it
        status = 1
    finally:
        conn.close()
        os._exit(status)  # nothing to flush; see runtime/billing/parallel.py
