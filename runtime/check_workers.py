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

Only a check that needs neither the model nor the caches runs this way (`avtale check --no-cache`, or a
machine with no cache folder): the caches hold every file's AST, which this way never has in one place.
A worker that dies or fails leaves the parent to check everything itself: a check changes nothing, so
doing it again is always safe, and a bug then surfaces in the parent with its whole traceback.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
from collections.abc import Sequence
from multiprocessing.connection import Connection
from typing import Any, cast

import attrs

from compiler import model
from compiler.summary import DeclStub
from compiler.workspace import check_workspace
from dsl import ast
from dsl.diagnostics import Diagnostic, sorted_diagnostics
from dsl.parser import parse_bytes
from runtime.memory import no_cyclic_gc
from runtime.processes import die_with_parent

Item = tuple[str, bytes]
"""A source file's path (relative to the workspace) and bytes."""

ContractShape = tuple[str, int, int, int, int]
"""A contract as an outline holds it: its name and its id's span (lines and columns)."""

Outline = list[tuple[str, tuple[Diagnostic, ...], tuple[Any, ...] | None]]
"""Per file of a share, in path order: its path, its parse diagnostics, and its declarations (None when
syntax errors left no tree), each whole except contracts, which are `ContractShape`s."""


@attrs.frozen
class Found:
    """What a check in workers found: the parse diagnostics in path order, the semantic diagnostics (None
    when syntax errors stopped the semantic checks), and the counts of declarations."""

    parse: list[Diagnostic]
    semantic: list[Diagnostic] | None
    counts: dict[str, int]


def check_in_workers(items: Sequence[Item], cutover: model.Cutover | None, workers: int) -> Found | None:
    """Parse and check `items` in `workers` processes, this one among them; None when a worker was lost or
    failed (the caller then checks in one process)."""
    shares = _shares(sorted(items), workers)
    context = multiprocessing.get_context("fork")
    pipes: list[Connection] = []
    processes = []
    try:
        for share in shares[1:]:
            mine, theirs = context.Pipe()
            process = context.Process(
                target=_child, args=(theirs, share, cutover, os.getpid(), tuple(pipes)), daemon=True
            )
            process.start()
            theirs.close()  # a worker that dies then leaves the pipe with no writer: the parent reads EOF
            pipes.append(mine)
            processes.append(process)
        own = {path: parse_bytes(data, path) for path, data in shares[0]}
        own_outline = _outline(own)
        own_blob = pickle.dumps(own_outline, protocol=pickle.HIGHEST_PROTOCOL)
        for pipe in pipes:  # sent first: the parent is done first, as it forked nothing to copy its pages
            pipe.send(own_blob)
        raw: list[bytes] = []
        for pipe in pipes:
            kind, payload = pipe.recv()
            if kind != "outline":
                return None
            raw.append(payload)
        others = [pickle.loads(blob) for blob in raw]
        parse = [d for _, found, _ in sorted(_chain(own_outline, *others)) for d in found]
        if any(d.is_error for d in parse):
            for pipe in pipes:
                pipe.send(None)
            return Found(parse, None, {})
        for k, pipe in enumerate(pipes):
            pipe.send([blob for j, blob in enumerate(raw) if j != k])
        semantic, counts = _check(own, others, cutover)
        for pipe in pipes:
            kind, *rest = pipe.recv()
            if kind != "checked":
                return None
            diagnostics, contracts = rest
            semantic += diagnostics
            counts["contracts"] += contracts
        return Found(parse, sorted_diagnostics(semantic), counts)
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
    """`items` dealt out in path order, each to the share with the least text so far: a share's time goes
    with its bytes (parsing) and its contracts (checking), which go with the bytes. (The parent forks and
    merges, a worker pays for the pages it copies from the parent: measured, equal shares finish together.)"""
    loads = [0] * workers
    shares: list[list[Item]] = [[] for _ in range(workers)]
    for item in items:
        k = loads.index(min(loads))
        shares[k].append(item)
        loads[k] += len(item[1])
    return shares


def _chain(*outlines: Outline) -> list[tuple[str, tuple[Diagnostic, ...], tuple[Any, ...] | None]]:
    return [entry for outline in outlines for entry in outline]


def _outline(parsed: dict[str, Any]) -> Outline:
    out: Outline = []
    for path, result in parsed.items():
        tree: ast.SourceFile | None = result.file
        decls = None
        if tree is not None:
            decls = tuple(d if type(d) is not ast.Contract else _shape(d) for d in tree.decls)
        out.append((path, tuple(result.diagnostics), decls))
    return out


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
    own: dict[str, Any], others: list[Outline], cutover: model.Cutover | None
) -> tuple[list[Diagnostic], dict[str, int]]:
    """Check the workspace with this process's files whole and the others' as their outlines."""
    files: dict[str, ast.SourceFile] = {path: r.file for path, r in own.items() if r.file is not None}
    for outline in others:
        for path, _, decls in outline:
            if decls is not None:
                files[path] = _stand_in(path, decls)
    result = check_workspace([files[path] for path in sorted(files)], cutover=cutover)
    checked = result.workspace
    counts = {"customers": len(checked.customers), "plans": len(checked.plans), "contracts": len(checked.contracts)}
    return list(result.diagnostics), counts


def _child(
    conn: Connection,
    share: Sequence[Item],
    cutover: model.Cutover | None,
    parent: int,
    inherited: Sequence[Connection],
) -> None:
    die_with_parent(parent)
    for other in inherited:  # the parent's ends of the pipes of the workers forked before this one
        other.close()
    status = 0
    try:
        with no_cyclic_gc():
            own = {path: parse_bytes(data, path) for path, data in share}
            parents = conn.recv()
            conn.send(("outline", pickle.dumps(_outline(own), protocol=pickle.HIGHEST_PROTOCOL)))
            blobs = conn.recv()  # the other workers' outlines; None when a syntax error stops the checks
            if blobs is not None:
                diagnostics, counts = _check(own, [pickle.loads(blob) for blob in (parents, *blobs)], cutover)
                conn.send(("checked", diagnostics, counts["contracts"]))
    except Exception:  # a bug: the parent checks again by itself, where it surfaces with its traceback
        conn.send(("failed", None))
    except BaseException:  # interrupted: the parent reports it
        status = 1
    finally:
        conn.close()
        os._exit(status)  # nothing to flush; see runtime/billing/parallel.py
