"""`avtale check` from what the previous check found: only the files that changed are parsed, and only
the declarations that depend on what changed are checked again.

The previous check leaves a `Summary` in the workspace's cache (signed like every cache file,
runtime/loader.py `Cache`): for each file its digest, its parse diagnostics and a stub of its
declarations (compiler/summary.py), and for each customer, plan and contract what its check read and
found, keyed by content. The next check reads the stat cache to learn which files changed without
reading the others, parses those, and checks the workspace with the unchanged files standing in as
stubs: a declaration's entry is reused unless something it read has another token now. The few real
declarations the new checks look up (a changed contract's customer; the seller, metrics and indices,
which are always checked) are taken from the parse cache, or parsed from their file, on demand.

Everything that is not per declaration (duplicates, the seller, metrics, indices, the counts) is
computed again from the stubs, so the diagnostics are those of a check from scratch, in the same order
(tests/test_check_cache.py). The model this path builds holds placeholders for the customers and
contracts it did not check, so it is not returned: a command that needs the model loads it as before.
"""

from __future__ import annotations

import hashlib
import pickle
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from compiler.codes import SEMANTICS_SKIPPED
from compiler.settings import SETTINGS_FILE
from compiler.summary import ContentMemo, FileStub, Shape, TableState, stub
from dsl import ast
from dsl.diagnostics import Diagnostic
from runtime.loader import (
    FLAT_DIAGNOSTICS,
    MAX_SOURCE_BYTES,
    Cache,
    LazySources,
    Scan,
    Skipped,
    StatEntries,
    Workspace,
    _check_key,
    _Inputs,
    _parse_all,
    _remember_stats,
    read_files,
    read_regular,
    read_settings,
)

if TYPE_CHECKING:  # the parser and the checker are imported only when a file has to be parsed or checked
    from compiler.workspace import CheckResult
    from dsl.parser import ParseResult

SUMMARY = "summary"
PARSED_AGAIN = 8
"""Files a check parses again rather than reading the parse cache for them."""
PARSE_CACHE_MIN = 64
"""With more files than this to parse, the parse cache is read for them, and written again with them."""


FileSummary = tuple[str, tuple[Shape, ...] | None, tuple[Diagnostic, ...]]
"""A file's digest, its declarations' shapes (`FileStub`; None when syntax errors left no tree), and its
parse diagnostics. Plain tuples, here and in `Summary.entries`, since they pickle several times faster
than objects."""


@attrs.frozen
class Summary:
    """What a check of a workspace found, for the next one: whole (the `SUMMARY` cache file, written now
    and then), or what changed since a whole one (`DELTA`, written by every check: a few entries rather
    than ten thousand), where None stands for a file or entry that is gone."""

    base: str
    """Which whole summary this is, or which one a delta applies to."""
    check_key: str
    """The key of the check it was written with (runtime/loader.py `_check_key`)."""
    files: dict[str, FileSummary | None]
    entries: dict[tuple[str, str], tuple[Any, ...] | None]
    """`Saved` entries, as plain tuples."""
    tables: dict[str, TableState]
    """The name tables the entries were checked against (`ContentMemo.tables`)."""
    counts: dict[str, int]
    """How many files and declarations the check found (`Workspace.stats`)."""


_EMPTY = Summary("", "", {}, {}, {}, {})
DELTA = "delta"
COMPACT = 2000
"""A delta holding more files and entries than this is folded into a new whole summary."""


class _Stale(Exception):
    """A file changed while it was being checked: the check starts again from scratch."""


class _Sources(LazySources):
    """The sources of a check: those read, and the others (vouched for by their stat) read when asked for."""

    def __init__(self, root: Path, inputs: _Inputs) -> None:
        read = dict(inputs.sources)
        self.known = inputs.known
        super().__init__(root, [SETTINGS_FILE, *(p for p in inputs.paths if p in read or p in self.known)], read)

    def checked(self, path: str) -> bytes:
        """The bytes of `path`, which must be those its digest was taken of (else _Stale)."""
        data = self.read.get(path)
        if data is None:
            try:
                data = read_regular(self.root / path, MAX_SOURCE_BYTES)
            except (OSError, Skipped) as exc:
                raise _Stale(path) from exc
            if hashlib.sha256(data).hexdigest() != self.known[path]:
                raise _Stale(path)
            self.read[path] = data
        return data


def check_incremental(root: Path, scan: Scan | None, progress: Callable[[str], None] | None) -> Workspace | None:
    """The check of the workspace at `root` (resolved), diagnostics only, from the previous check's summary
    where it holds; None when it cannot be answered this way (then the caller checks from scratch). `scan`
    is what the caller read and walked of the workspace before (`runtime.loader._unchanged`)."""
    _, settings, _ = read_settings(root)
    cache = Cache.for_workspace(root, settings)
    if cache.folder is None:
        return None
    stats: StatEntries | None = scan.entries if scan is not None else None
    if stats is None:
        stored = cache.read("stat")
        stats = stored if isinstance(stored, dict) else None
    inputs = read_files(root, stats, scan)
    try:
        return _check(root, inputs, cache, progress)
    except _Stale:
        return None


def _check(root: Path, inputs: _Inputs, cache: Cache, progress: Callable[[str], None] | None) -> Workspace:
    sources = _Sources(root, inputs)
    digests = {
        path: inputs.known[path] if path in inputs.known else hashlib.sha256(inputs.sources[path]).hexdigest()
        for path in inputs.paths
        if path in inputs.known or path in inputs.sources
    }
    check_key = _check_key(inputs.settings_text, digests, inputs.paths)
    _remember_stats(cache, inputs, digests)
    base, delta = _read_summary(cache)
    summary = _apply(base, delta)
    if check_key == summary.check_key:  # a file touched, or saved moments ago, but the same contents
        hit = cache.read("check")
        if isinstance(hit, tuple) and len(hit) == 3 and hit[0] == check_key:
            everything = list(inputs.diagnostics) + list(hit[1])
            return Workspace(root, inputs.settings, sources, everything, stats=hit[2], cached=True)
    before = summary.files
    todo = [p for p, d in digests.items() if (f := before.get(p)) is None or f[0] != d]
    parsed = _parse(todo, sources, digests, cache, inputs, progress)
    files: dict[str, FileSummary | None] = {}
    loaded: list[ast.SourceFile | FileStub] = []
    memo_files: list[tuple[FileStub, ast.SourceFile]] = []
    parse_diagnostics: list[Diagnostic] = []
    for path, digest in digests.items():
        parse = parsed.get(path)
        if parse is None:
            kept = files[path] = before[path]
            assert kept is not None
            if kept[1] is not None:
                loaded.append(FileStub(path, digest, kept[1]))
            parse_diagnostics.extend(kept[2])
        else:
            tree = parse.file
            shown = stub(path, digest, tree) if tree is not None else None
            files[path] = (digest, shown.shapes if shown is not None else None, tuple(parse.diagnostics))
            parse_diagnostics.extend(parse.diagnostics)
            if tree is not None and shown is not None:
                loaded.append(tree)
                memo_files.append((shown, tree))
    entries = summary.entries
    tables = summary.tables
    fresh: set[tuple[str, str]] = set()
    counts = {"files": len(inputs.paths)}
    if any(d.is_error for d in parse_diagnostics):  # the entries are kept for when the errors are fixed
        semantic: list[Diagnostic] = [SEMANTICS_SKIPPED]
    else:
        if progress:
            progress("checking")
        from compiler.cutover import workspace_cutover
        from compiler.settings import setting_span
        from compiler.workspace import check_workspace

        memo = ContentMemo(entries, _resolver(sources.checked, cache), keep_results=False, tables=summary.tables)  # type: ignore[arg-type]
        for shown, tree in memo_files:
            memo.add_file(shown, tree)
        span = setting_span(inputs.settings_text, "billed_through")
        result = check_workspace(loaded, cutover=workspace_cutover(inputs.settings.billed_through, span), memo=memo)
        semantic = list(result.diagnostics)
        model = result.workspace
        counts.update(customers=len(model.customers), plans=len(model.plans), contracts=len(model.contracts))
        entries = dict(memo.saved)
        tables = memo.tables()
        fresh = memo.fresh
    found = parse_diagnostics + semantic
    cache.write("check", (check_key, tuple(found), counts), flat=FLAT_DIAGNOSTICS)
    now = Summary(base.base, check_key, files, entries, tables, counts)
    _write_summary(cache, base, delta, now, changed=set(parsed), fresh=fresh)
    return Workspace(root, inputs.settings, sources, list(inputs.diagnostics) + found, stats=counts)


def _read_summary(cache: Cache) -> tuple[Summary, Summary | None]:
    """The last whole summary, and the delta written since (None when there is none for it)."""
    base = cache.read(SUMMARY)
    if not isinstance(base, Summary):
        return _EMPTY, None
    delta = cache.read(DELTA)
    return base, delta if isinstance(delta, Summary) and delta.base == base.base else None


def _apply(base: Summary, delta: Summary | None) -> Summary:
    """The state the delta describes: the base with the delta's files and entries over it."""
    if delta is None:
        return base
    files = {**base.files, **delta.files}
    entries = {**base.entries, **delta.entries}
    for path, found in delta.files.items():
        if found is None:
            del files[path]
    for key, entry in delta.entries.items():
        if entry is None:
            del entries[key]
    return Summary(base.base, delta.check_key, files, entries, delta.tables, delta.counts)


def _write_summary(
    cache: Cache, base: Summary, delta: Summary | None, now: Summary, *, changed: set[str], fresh: set[tuple[str, str]]
) -> None:
    """Write what `now` differs in from `base` as the delta, or, when that has grown large, `now` as a new
    base. Every entry not in the delta was valid in every check since the base (else it was checked again,
    and is in the delta), so the base's entries with the delta's over them are a state one check saw."""
    paths = changed | (delta.files.keys() if delta is not None else set()) | (base.files.keys() - now.files.keys())
    keys = fresh | (delta.entries.keys() if delta is not None else set()) | (base.entries.keys() - now.entries.keys())
    flat = (*FLAT_DIAGNOSTICS, Summary)
    if not base.base or len(paths) + len(keys) > COMPACT:
        whole = attrs.evolve(now, base=secrets.token_hex(8))
        cache.write(SUMMARY, whole, flat=flat)  # first: a delta of another base is never applied to it
        cache.write(DELTA, attrs.evolve(whole, files={}, entries={}), flat=flat)
        return
    files = {path: now.files.get(path) for path in paths}
    entries = {key: now.entries.get(key) for key in keys}
    cache.write(DELTA, attrs.evolve(now, files=files, entries=entries), flat=flat)


def _parse(
    todo: list[str],
    sources: _Sources,
    digests: dict[str, str],
    cache: Cache,
    inputs: _Inputs,
    progress: Callable[[str], None] | None,
) -> dict[str, ParseResult]:
    """The parses of `todo`: with few, parsed here; with many, from the parse cache where it has them and
    the rest in worker processes, and the parse cache written again for the workspace's current files."""
    if not todo:
        return {}
    known: dict[str, tuple[str, bytes]] = {}
    if len(todo) > PARSE_CACHE_MIN:
        stored = cache.read("parse")
        known = stored if isinstance(stored, dict) else {}
    blobs: dict[str, bytes] = {}
    fresh = []
    for path in todo:
        hit = known.get(path)
        if hit is not None and hit[0] == digests[path]:
            blobs[path] = hit[1]
        else:
            fresh.append((path, sources.checked(path)))
    if fresh:
        if progress:
            progress(f"parsing {len(fresh)} file{'s' if len(fresh) != 1 else ''}")
        for (path, _), blob in zip(fresh, _parse_all(fresh, inputs.settings.jobs), strict=True):
            blobs[path] = blob
    if len(todo) > PARSE_CACHE_MIN:
        kept = {p: known[p] for p in digests if p in known and known[p][0] == digests[p]}
        cache.write("parse", {**kept, **{p: (digests[p], blob) for p, blob in blobs.items()}})
    return {path: pickle.loads(blobs[path]) for path in todo}


def _resolver(read: Callable[[str], bytes], cache: Cache) -> Callable[[str, str], ast.SourceFile]:
    """How a stub's file is loaded: the first few parsed again (the seller, metrics and indices, and a
    changed contract's customer, are small files), any more unpickled from the parse cache (all of it has
    to be read to check its signature) when it holds that content, else parsed."""
    parses: list[dict[str, tuple[str, bytes]]] = []
    count = [0]

    def resolve(path: str, digest: str) -> ast.SourceFile:
        count[0] += 1
        if count[0] > PARSED_AGAIN and not parses:
            stored = cache.read("parse")
            parses.append(stored if isinstance(stored, dict) else {})
        hit = parses[0].get(path) if parses else None
        if hit is not None and hit[0] == digest:
            tree: ast.SourceFile | None = pickle.loads(hit[1]).file
        else:
            from dsl.parser import parse_bytes

            data = read(path)
            if hashlib.sha256(data).hexdigest() != digest:
                raise _Stale(path)
            tree = parse_bytes(data, path).file
        if tree is None:
            raise _Stale(path)
        return tree

    return resolve


@attrs.define
class _Shared:
    """What the last model load of a workspace in this process found: each file's summary (no ASTs are
    kept: a revision's ASTs alive beyond its load made every later collection of the garbage collector
    walk them) and the entries of its check, with their results."""

    files: dict[str, FileSummary]
    entries: dict[tuple[str, str], tuple[Any, ...]]
    tables: dict[str, TableState]


SHARED: dict[Path, _Shared] = {}
"""The one workspace's last model load of a revision (runtime/loader.py), and of the working tree after
one: `avtale diff REV1 REV2` loads REV1, then REV2 parses and checks only what differs."""


def shared_check(
    root: Path,
    digests: dict[str, str],
    sources: Mapping[str, bytes],
    cache: Cache,
    parse: Callable[[list[str]], list[ParseResult]],
    cutover: object,
) -> tuple[list[Diagnostic], CheckResult | None]:
    """The parse diagnostics and the check (None when syntax errors stop it) of the files with `digests`:
    those the last load of this workspace saw with the same content enter as stubs, the rest are parsed
    (by `parse`, sorted); entries are reused where nothing they read changed, results and all, so the
    model is whole. What it found is kept for the next load of the same workspace (and no other)."""
    before = SHARED.get(root)
    known = before.files if before is not None else {}
    order = sorted(digests)
    missing = [path for path in order if (f := known.get(path)) is None or f[0] != digests[path]]
    fresh = dict(zip(missing, parse(missing), strict=True)) if missing else {}
    files: dict[str, FileSummary] = {}
    loaded: list[ast.SourceFile | FileStub] = []
    stubs: list[tuple[FileStub, ast.SourceFile]] = []
    found: list[Diagnostic] = []
    for path in order:
        digest = digests[path]
        result = fresh.get(path)
        if result is None:
            kept = files[path] = known[path]
            if kept[1] is not None:
                loaded.append(FileStub(path, digest, kept[1]))
        else:
            shown = stub(path, digest, result.file) if result.file is not None else None
            kept = files[path] = (digest, shown.shapes if shown is not None else None, tuple(result.diagnostics))
            if result.file is not None and shown is not None:
                loaded.append(result.file)
                stubs.append((shown, result.file))
        found.extend(kept[2])
    entries = before.entries if before is not None else {}
    tables = before.tables if before is not None else {}
    if any(d.is_error for d in found):
        SHARED.clear()
        SHARED[root] = _Shared(files, entries, tables)
        return found, None
    from compiler.workspace import check_workspace

    memo = ContentMemo(entries, _resolver(lambda path: sources[path], cache), keep_results=True, tables=tables)
    for shown, tree in stubs:
        memo.add_file(shown, tree)
    checked = check_workspace(loaded, cutover=cutover, memo=memo)  # type: ignore[arg-type]
    SHARED.clear()
    SHARED[root] = _Shared(files, dict(memo.saved), memo.tables())
    return found, checked
