"""`avtale log CONTRACT`: every commit that changed a contract, with the change in words.

A contract's terms come from a handful of declarations: its own, its customer's, the versions of the
plan it follows, the seller's, and the metrics and indices. At each revision only those are checked,
as a workspace of their own (a sub-workspace). That is sound because the checker resolves a contract
from exactly these declarations (compiler/workspace.py: customers, metrics, indices, plans, then
contracts, each by id), so the contract it builds from them is the one the whole workspace gives.

Files are read from git by blob id. Each blob is read once, scanned once for what it may declare
(`plan team "Team"`, `contract ACME-1 {`: a keyword, blanks or comments, an id, then the label or `{`
only a declaration has there) and parsed at most once, only when it may declare one of the inputs.
Walking history, a commit's inputs are found from its neighbour's: when no file that differs between
the two (one `git diff-tree`) may declare an input, they are the same blobs. A sub-workspace of the
same blobs as at another commit is not checked again. A long history therefore costs one small check
per commit that touched the contract's inputs, never a whole workspace per commit.
"""

from __future__ import annotations

import functools
import hashlib
import posixpath
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from compiler import model
from compiler.names import did_you_mean
from compiler.settings import SETTINGS_FILE, Settings, parse_settings
from compiler.wording import (
    amendment_changes_text,
    amendment_extras,
    amount,
    charge_changes_text,
    discount_text,
    duration_text,
    indexation_text,
    pricing_text,
    relabel_text,
    renewal_text,
    same,
    value_text,
    vat_text,
)
from compiler.workspace import check_workspace
from dsl import ast
from dsl.parser import ParseResult, parse_bytes
from dsl.printer import quote
from dsl.span import Span
from runtime.history.git import Commit, HistoryError, Repo
from runtime.loader import MAX_SOURCE_BYTES, SKIP_DIRS, Skipped, find_sources, read_regular

WORK_TREE = "work tree"
"""The id of the node standing for the files on disk, uncommitted changes included."""

_GAP = rb"(?:[ \t\r\n\f]|\xef\xbb\xbf|#[^\n]*)+"
_ID = rb"([A-Za-z][A-Za-z0-9_\-]*)(?:" + _GAP + rb")?"
_BRACED = rb"(seller|customer|contract)" + _GAP + _ID + rb"\{"
_LABELLED = rb"(plan|metric|index)" + _GAP + _ID + rb"\""
_DECLARED = re.compile(rb"(?<![A-Za-z0-9_\-])(?=" + _BRACED + rb"|" + _LABELLED + rb")")
"""Where a file may declare something: a keyword, blanks and comments (all the grammar allows between
tokens), an id, then what follows the id in a declaration and never in a reference: the `{` of a
seller, customer or contract, the label string of a plan, metric or index. (`plan team {` inside a
contract is a reference; `customer acme` there is followed by the next statement.)"""
_NAMED = re.compile(rb"(?<![A-Za-z0-9_\-])(?=(customer|plan)" + _GAP + rb"([A-Za-z][A-Za-z0-9_\-]*))")
"""Where a file may name a customer or a plan: in a contract, `customer ID` and `plan ID`."""
SHARED = frozenset({"seller", "metric", "index"})
"""Declarations every contract's sub-workspace holds, whatever their ids."""


# ------------------------------------------------------------------ revisions
@attrs.frozen(kw_only=True)
class Node:
    """A commit that touched the workspace's sources (or the work tree), with its parents in that
    simplified history: the nearest ancestors that touched them too."""

    id: str
    parents: tuple[str, ...]
    commit: Commit | None
    """None for the work tree."""


@functools.lru_cache(maxsize=1 << 18)
def _counts(path: str, sources: tuple[str, ...]) -> bool:
    """Whether the loader would read `path` (relative to the workspace) as a source."""
    if not path.endswith(".avt"):
        return False
    folders = path.split("/")[:-1]
    if any(part in SKIP_DIRS or part.startswith(".") for part in folders):
        return False
    for source in sources:
        base = posixpath.normpath(source)
        if base == ".":
            return True
        if not base.startswith("..") and path.startswith(base + "/"):
            return True
    return False


class History:
    """A workspace's revisions, read from git through runtime.history.git, each file parsed at most once."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.repo = Repo.at(self.root)
        inside = self.root.relative_to(self.repo.root)
        self.folder = "" if inside == Path(".") else inside.as_posix()
        self._contents: dict[str, bytes] = {}
        self._declared: dict[str, frozenset[tuple[str, str]]] = {}
        self._referenced: dict[str, frozenset[tuple[str, str]]] = {}
        self._parsed: dict[tuple[str, str], ParseResult] = {}
        self._trees: dict[str, dict[str, str]] = {}
        self._states: dict[tuple[str, frozenset[int], tuple[tuple[str, str], ...]], State] = {}
        self._graphs: dict[str | None, list[Node]] = {}
        self._lookups: dict[str, tuple[dict[tuple[str, str], list[str]], list[str]]] = {}
        self._raw_trees: dict[str, dict[str, str]] = {}
        self._selections: dict[tuple[str, str], _Selection] = {}
        self._format: str | None = None

    # -- git
    def pathspecs(self) -> list[str]:
        prefix = f"{self.folder}/" if self.folder else ""
        return [f":(top,glob){prefix}**/*.avt", f":(top,literal){prefix}{SETTINGS_FILE}"]

    def head(self) -> str | None:
        return self.repo.head()

    def graph(self, rev: str | None) -> list[Node]:
        """Newest first: the commits reachable from `rev` that touched the workspace's sources. With
        `rev` None, from HEAD, with the work tree on top (its parent: the newest of them)."""
        if rev in self._graphs:
            return self._graphs[rev]
        top = self.head() if rev is None else self.repo.resolve(rev)
        nodes: list[Node] = []
        if top is not None:
            specs = self.pathspecs()
            commits = {c.id: c for c in self.repo.log(top, specs)}
            for line in self.repo.run("rev-list", "--parents", top, "--", *specs).decode().splitlines():
                ids = line.split()
                if ids and ids[0] in commits:
                    nodes.append(Node(id=ids[0], parents=tuple(ids[1:]), commit=commits[ids[0]]))
        if rev is None:
            nodes.insert(0, Node(id=WORK_TREE, parents=(nodes[0].id,) if nodes else (), commit=None))
        self._graphs[rev] = nodes
        return nodes

    def tree(self, node: str) -> dict[str, str]:
        """The workspace's sources at `node`: path relative to the workspace -> content key, with
        avtale.toml; only the files the loader would read there (`sources`, no hidden folders)."""
        found = self._trees.get(node)
        if found is None:
            listed = self._raw(node)
            sources = self._sources(listed.get(SETTINGS_FILE))
            found = {p: k for p, k in listed.items() if p == SETTINGS_FILE or _counts(p, sources)}
            self._trees[node] = found
        return found

    def _raw(self, node: str) -> dict[str, str]:
        """Every .avt file and avtale.toml under the workspace folder at `node` (the work tree: those the
        loader reads)."""
        found = self._raw_trees.get(node)
        if found is None:
            found = self._work_tree() if node == WORK_TREE else self._commit_tree(node)
            self._raw_trees[node] = found
        return found

    def _commit_tree(self, commit: str) -> dict[str, str]:
        args = ["ls-tree", "-r", "-z", "--full-tree", commit]
        if self.folder:
            args += ["--", self.folder]
        prefix = f"{self.folder}/" if self.folder else ""
        listed: dict[str, str] = {}
        for entry in self.repo.run(*args).split(b"\0"):
            meta, _, raw = entry.partition(b"\t")
            fields = meta.split(b" ")
            if len(fields) != 3 or fields[1] != b"blob" or fields[0] not in (b"100644", b"100755"):
                continue
            name = raw.decode("utf-8", errors="surrogateescape")
            if not name.startswith(prefix):
                continue
            name = name[len(prefix) :]
            if name.endswith(".avt") or name == SETTINGS_FILE:
                listed[name] = fields[2].decode()
        return dict(sorted(listed.items()))

    def _sources(self, key: str | None) -> tuple[str, ...]:
        if key is None:
            return Settings().sources
        self._read([key])
        return parse_settings(self._contents[key].decode("utf-8", errors="replace"))[0].sources

    def _work_tree(self) -> dict[str, str]:
        files: dict[str, str] = {}
        try:
            text = read_regular(self.root / SETTINGS_FILE, MAX_SOURCE_BYTES)
        except (OSError, Skipped):
            return files
        files[SETTINGS_FILE] = self._keep(text)
        settings = parse_settings(text.decode("utf-8", errors="replace"))[0]
        for path in find_sources(self.root, settings)[0]:
            try:
                files[path] = self._keep(read_regular(self.root / path, MAX_SOURCE_BYTES))
            except (OSError, Skipped):
                continue  # `avtale check` reports it; history reads what can be read
        return dict(sorted(files.items()))

    def _keep(self, data: bytes) -> str:
        """Keep a work-tree file's content under the id git would give it as a blob, so that a file
        the work tree shares with a commit is read, scanned and parsed once."""
        if self._format is None:
            done = self.repo.run("rev-parse", "--show-object-format").decode().strip()
            self._format = done if done in ("sha1", "sha256") else "sha1"
        key = hashlib.new(self._format, b"blob %d\0" % len(data) + data).hexdigest()
        self._contents.setdefault(key, data)
        return key

    def _read(self, keys: Iterable[str]) -> None:
        missing = sorted({k for k in keys if k not in self._contents})
        if missing:
            self._contents.update(self.repo.blobs(missing))

    def content(self, key: str) -> bytes:
        self._read([key])
        return self._contents[key]

    # -- what files declare
    def declared(self, key: str) -> frozenset[tuple[str, str]]:
        found = self._declared.get(key)
        if found is None:
            data = self.content(key)
            found = frozenset(
                ((m.group(1) or m.group(3)).decode(), (m.group(2) or m.group(4)).decode())
                for m in _DECLARED.finditer(data)
            )
            self._declared[key] = found
        return found

    def referenced(self, key: str) -> frozenset[tuple[str, str]]:
        """The customers and plans a file may name (every `customer ID` and `plan ID` in its text): a
        superset of what its contracts refer to, found without parsing."""
        found = self._referenced.get(key)
        if found is None:
            found = frozenset((m.group(1).decode(), m.group(2).decode()) for m in _NAMED.finditer(self.content(key)))
            self._referenced[key] = found
        return found

    def parsed(self, key: str, path: str) -> ParseResult:
        found = self._parsed.get((key, path))
        if found is None:
            found = parse_bytes(self.content(key), path)
            self._parsed[key, path] = found
        return found

    def contract_ids(self, node: str) -> list[str]:
        """The ids of the contracts declared at `node`, as far as the text says (for suggestions)."""
        where, _ = self._lookup(node)
        return sorted(name for kind, name in where if kind == "contract")

    def changed(self, old: str, new: str) -> list[str]:
        """The source paths (avtale.toml included) that differ between two nodes."""
        before, after = self.tree(old), self.tree(new)
        return sorted(p for p in set(before) | set(after) if before.get(p) != after.get(p))

    def _lookup(self, node: str) -> tuple[dict[tuple[str, str], list[str]], list[str]]:
        """At `node`: the files that may declare each (kind, id), and those that may declare a seller,
        metric or index."""
        found = self._lookups.get(node)
        if found is None:
            files = self.tree(node)
            self._read(files.values())
            where: dict[tuple[str, str], list[str]] = {}
            shared: list[str] = []
            for path, key in files.items():
                if path == SETTINGS_FILE:
                    continue
                declared = self.declared(key)
                for pair in declared:
                    where.setdefault(pair, []).append(path)
                if any(kind in SHARED for kind, _ in declared):
                    shared.append(path)
            found = (where, shared)
            self._lookups[node] = found
        return found

    def declarations(self, node: str, contract: str) -> list[tuple[str, ast.Contract]]:
        """The declarations of `contract` at `node`, with their files (parsed only where it may be)."""
        files = self.tree(node)
        where, _ = self._lookup(node)
        return [
            (p, d)
            for p in where.get(("contract", contract), [])
            for d in _contracts(self.parsed(files[p], p), contract)
        ]

    # -- a contract's inputs, checked
    def inputs(self, node: str, contract: str) -> tuple[tuple[str, str], ...]:
        """The files (path, blob id) that `contract` is checked from at `node`: those declaring it, its
        customer and its plan, and every seller, metric and index. Equal inputs, equal contracts."""
        return self._selection(node, contract).inputs

    def _select(self, node: str, contract: str) -> _Selection:
        """The contract's inputs at `node`, found from the whole tree."""
        files = self.tree(node)
        where, shared = self._lookup(node)
        own = where.get(("contract", contract), [])
        customers: set[str] = set()
        plans: set[str] = set()
        for path in own:
            for kind, name in self.referenced(files[path]):
                (customers if kind == "customer" else plans).add(name)
        selected = set(own) | set(shared)
        for pair in [("customer", c) for c in customers] + [("plan", p) for p in plans]:
            selected.update(where.get(pair, ()))
        return _Selection(
            inputs=tuple((p, files[p]) for p in sorted(selected)),
            own=tuple(own),
            wanted=frozenset(
                {("contract", contract)} | {("customer", c) for c in customers} | {("plan", p) for p in plans}
            ),
            customers=frozenset(customers),
            plans=frozenset(plans),
            sources=self._sources(files.get(SETTINGS_FILE)),
        )

    def _selection(self, node: str, contract: str, near: str | None = None) -> _Selection:
        """The contract's inputs at `node`. When they are known at `near` (a parent or child) and no file
        that differs between the two may declare one of them, they are the same, and `node`'s tree is
        never listed: a commit that touched other contracts costs one `git diff-tree`."""
        found = self._selections.get((node, contract))
        if found is not None:
            return found
        base = self._selections.get((near, contract)) if near is not None else None
        if base is None or not self._unchanged(base, near or "", node):
            base = self._select(node, contract)
        self._selections[node, contract] = base
        return base

    def _unchanged(self, base: _Selection, near: str, node: str) -> bool:
        changes = self.changes(near, node)
        if SETTINGS_FILE in changes:
            return False
        keys = [key for path, pair in changes.items() if _counts(path, base.sources) for key in pair if key]
        self._read(keys)
        return not any(
            base.wanted & self.declared(key) or any(kind in SHARED for kind, _ in self.declared(key)) for key in keys
        )

    def changes(self, old: str, new: str) -> dict[str, tuple[str | None, str | None]]:
        """The paths (relative to the workspace, .avt files and avtale.toml) whose blobs differ."""
        if WORK_TREE in (old, new) or (old in self._trees and new in self._trees):
            before, after = self._raw(old), self._raw(new)
            return {p: (before.get(p), after.get(p)) for p in set(before) | set(after) if before.get(p) != after.get(p)}
        args = ["diff-tree", "-r", "-z", "--no-renames", "--raw", old, new]
        if self.folder:
            args += ["--", self.folder]
        fields = self.repo.run(*args).split(b"\0")
        prefix = f"{self.folder}/" if self.folder else ""
        changes: dict[str, tuple[str | None, str | None]] = {}
        for meta, raw in zip(fields[0::2], fields[1::2], strict=False):
            parts = meta.decode().lstrip(":").split(" ")
            name = raw.decode("utf-8", errors="surrogateescape")
            if len(parts) < 5 or not name.startswith(prefix):
                continue
            name = name[len(prefix) :]
            if not (name.endswith(".avt") or name == SETTINGS_FILE):
                continue
            keys = [
                key if mode in ("100644", "100755") else None for mode, key in zip(parts[:2], parts[2:4], strict=True)
            ]
            changes[name] = (keys[0], keys[1])
        return changes

    def state(
        self, node: str, contract: str, drop_amendments: frozenset[int] = frozenset(), near: str | None = None
    ) -> State:
        """The contract as checked from its inputs at `node` (without the amendments numbered in
        `drop_amendments`). `near`: a neighbouring node whose inputs are known, to start from."""
        selection = self._selection(node, contract, near)
        memo = (contract, drop_amendments, selection.inputs)
        found = self._states.get(memo)
        if found is None:
            parsed = {p: self.parsed(key, p) for p, key in selection.inputs}
            texts = {p: self._contents[key] for p, key in selection.inputs if p in selection.own}
            found = contract_state(contract, parsed, texts, selection.customers, selection.plans, drop_amendments)
            self._states[memo] = found
        return found


@attrs.frozen(kw_only=True)
class _Selection:
    """What a contract is checked from at one revision."""

    inputs: tuple[tuple[str, str], ...]
    """(path, blob id) of every file kept."""
    own: tuple[str, ...]
    """The files that declare the contract."""
    wanted: frozenset[tuple[str, str]]
    """The declarations it depends on by id: itself, its customer and its plan."""
    customers: frozenset[str]
    plans: frozenset[str]
    sources: tuple[str, ...]
    """The `sources` setting there."""


def _contracts(result: ParseResult, contract: str) -> list[ast.Contract]:
    if result.file is None:
        return []
    return [d for d in result.file.decls if isinstance(d, ast.Contract) and d.id.name == contract]


# ------------------------------------------------------------------ states
@attrs.frozen(kw_only=True)
class State:
    """A contract as checked from its inputs at one revision."""

    exists: bool
    path: str | None = None
    """The file declaring it."""
    where: Span | None = None
    """Its id in that file."""
    text: str | None = None
    """Its declaration as written (to tell a change of layout or comments)."""
    problem: str | None = None
    """Why it does not check, when it does not."""
    contract: model.Contract | None = None
    customer: model.Customer | None = None
    plan: model.PlanVersion | None = None
    """The plan version it follows."""
    metrics: Mapping[str, model.Metric] = attrs.field(factory=dict)
    """The metrics its charges count."""
    indices: Mapping[str, model.Index] = attrs.field(factory=dict)
    """The indices it is indexed by."""


def _decl_text(data: bytes, decls: Sequence[ast.Decl], decl: ast.Contract) -> str:
    """A declaration as written, with the comments and blank lines above it (from the end of the
    declaration before it): what a reader of the file sees as that contract."""
    span = decl.span
    ends = [(d.span.end_line, d.span.end_column) for d in decls if d.span.end_line <= span.line and d is not decl]
    line, column = max(ends, default=(1, 1))
    lines = data.decode("utf-8", errors="replace").split("\n")[line - 1 : span.end_line]
    if not lines:
        return ""
    if len(lines) == 1:
        return lines[0][column - 1 : span.end_column - 1]
    return "\n".join([lines[0][column - 1 :], *lines[1:-1], lines[-1][: span.end_column - 1]])


def contract_state(
    contract: str,
    parsed: Mapping[str, ParseResult],
    texts: Mapping[str, bytes],
    customers: Iterable[str] = (),
    plans: Iterable[str] = (),
    drop_amendments: frozenset[int] = frozenset(),
) -> State:
    """Check the sub-workspace of `parsed` files (path -> parse) for `contract`.

    Only the contract's declarations, those of `customers` and `plans`, and every seller, metric and
    index are kept. `texts`: the files declaring the contract. `drop_amendments`: amendments left out
    of the contract (the guard on signed terms checks a contract without its new amendments).
    """
    customer_ids, plan_ids = set(customers), set(plans)
    own = sorted(p for p in texts if p in parsed)
    if not own:
        return State(exists=False)
    broken = sorted(p for p, r in parsed.items() if r.file is None)
    if broken:
        where = broken[0]
        return State(exists=True, path=own[0], problem=f"{where} has syntax errors")
    files: list[ast.SourceFile] = []
    first: tuple[str, ast.Contract] | None = None
    for path in sorted(parsed):
        source = parsed[path].file
        assert source is not None
        kept: list[ast.Decl] = []
        for decl in source.decls:
            if isinstance(decl, ast.Contract):
                if decl.id.name != contract:
                    continue
                if first is None:
                    first = (path, decl)
                if drop_amendments:
                    body = tuple(
                        s for s in decl.body if not (isinstance(s, ast.Amendment) and s.number in drop_amendments)
                    )
                    decl = attrs.evolve(decl, body=body)
            elif isinstance(decl, ast.Customer):
                if decl.id.name not in customer_ids:
                    continue
            elif isinstance(decl, ast.Plan) and decl.id.name not in plan_ids:
                continue
            kept.append(decl)
        files.append(ast.SourceFile(path=path, decls=tuple(kept)))
    if first is None:
        return State(exists=False)
    path, decl = first
    source = parsed[path].file
    assert source is not None
    text = _decl_text(texts[path], source.decls, decl)
    checked = check_workspace(files)
    span = decl.span
    inside = [
        d
        for d in checked.diagnostics
        if d.is_error and d.span.file == path and span.line <= d.span.line <= span.end_line
    ]
    built = checked.workspace.contracts.get(contract)
    if inside or built is None:
        message = inside[0].message if inside else "it does not check"
        return State(exists=True, path=path, where=decl.id.span, text=text, problem=message)
    ws = checked.workspace
    plan = None
    if built.plan is not None:
        plan = next((v for v in ws.plans.get(built.plan.plan, ()) if v.effective == built.plan.version), None)
    metrics = {m: ws.metrics[m] for m in sorted(_metric_ids(built)) if m in ws.metrics}
    indices = {i.index: ws.indices[i.index] for i in built.indexations if i.index in ws.indices}
    return State(
        exists=True,
        path=path,
        where=decl.id.span,
        text=text,
        contract=built,
        customer=ws.customers.get(built.customer),
        plan=plan,
        metrics=metrics,
        indices=dict(sorted(indices.items())),
    )


def _all_charges(contract: model.Contract) -> Iterator[model.Charge]:
    yield from contract.charges
    if contract.terms is not None:
        for _, versions in contract.terms.versions:
            for version in versions:
                if version.charge is not None:
                    yield version.charge


def _metric_ids(contract: model.Contract) -> set[str]:
    return {c.pricing.metric for c in _all_charges(contract) if isinstance(c.pricing, model.UsageFee)}


# ------------------------------------------------------------------ comparing
_SPANS = frozenset({"span", "source", "minimum_span"})


@functools.cache
def _fields(kind: Any) -> tuple[Any, ...]:
    return tuple(f for f in attrs.fields(kind) if f.name not in _SPANS)


def plain(value: object) -> object:
    """`value` as nested tuples without the source positions, so that moving a declaration within or
    between files compares equal."""
    kind: Any = type(value)
    if attrs.has(kind):
        return (kind.__name__, tuple((f.name, plain(getattr(value, f.name))) for f in _fields(kind)))
    if isinstance(value, tuple | list):
        return tuple(plain(v) for v in value)
    if isinstance(value, dict):
        return tuple((k, plain(v)) for k, v in value.items())
    return value


# ------------------------------------------------------------------ words
def charge_changes(old: model.Charge, new: model.Charge) -> list[str]:
    """What changed in a charge, a phrase each: `seats price 149.00 -> 159.00`, `seats quantity 25 -> 40`."""
    return charge_changes_text(old, new)


def charges_changes(old: Sequence[model.Charge], new: Sequence[model.Charge]) -> list[str]:
    before = {c.id: c for c in old}
    after = {c.id: c for c in new}
    phrases: list[str] = []
    for cid, charge in after.items():
        if cid not in before:
            phrases.append(f"charge {cid} added: {pricing_text(charge.pricing)}")
        else:
            phrases += charge_changes(before[cid], charge)
    phrases += [f"charge {cid} removed" for cid in before if cid not in after]
    return phrases


def _listed(old: Iterable[str], new: Iterable[str]) -> list[str]:
    """Items of a list added and removed, by their text."""
    before, after = list(old), list(new)
    return [f"{t} added" for t in after if t not in before] + [f"{t} removed" for t in before if t not in after]


# -- amendments
def _version_of(contract: model.Contract, charge: str, number: int) -> tuple[model.Charge | None, model.Charge | None]:
    """The charge before and after amendment `number` changed it (None: not there)."""
    if contract.terms is None:
        return None, None
    versions = dict(contract.terms.versions).get(charge, ())
    for i, version in enumerate(versions):
        if version.amendment == number:
            return (versions[i - 1].charge if i > 0 else None), version.charge
    return None, None


def amendment_phrases(contract: model.Contract, amendment: model.Amendment) -> list[str]:
    """What an amendment does, with the values it replaces: `seats quantity 25 -> 40 from 2026-03-01`."""
    phrases = amendment_changes_text(
        contract, amendment, lambda charge: _version_of(contract, charge, amendment.number)[0]
    )
    return phrases + amendment_extras(amendment) or ["no changes"]


def _slots(amendment: model.Amendment) -> dict[tuple[str, str], str]:
    """An amendment's changes by what they change, each with the value it sets."""
    slots: dict[tuple[str, str], str] = {}
    discounts = 0
    for change in amendment.changes:
        if isinstance(change, model.SetQuantity):
            slots["quantity", change.charge] = f"{change.charge} quantity {value_text(change.quantity)}"
        elif isinstance(change, model.SetPrice):
            slots["price", change.charge] = f"{change.charge} price {amount(change.price)}"
        elif isinstance(change, model.AddCharge):
            slots["charge", change.charge.id] = f"charge {change.charge.id}: {pricing_text(change.charge.pricing)}"
        elif isinstance(change, model.RemoveCharge):
            slots["remove", change.charge] = f"remove {change.charge}"
        elif isinstance(change, model.AddDiscount):
            discounts += 1
            slots["discount", str(discounts)] = discount_text(change.discount)
        elif isinstance(change, model.ChangeTerm):
            slots["term", ""] = f"term {duration_text(change.term)}"
        elif isinstance(change, model.ChangeRenewal):
            slots["renewal", ""] = renewal_text(change.renewal)
        else:
            slots["terminate", ""] = "terminate"
    slots["prorate", ""] = "prorated" if amendment.prorate else "prorate none"
    slots["accounting", ""] = f"accounting {amendment.accounting}"
    return slots


def amendment_edits(old: model.Amendment, new: model.Amendment) -> list[str]:
    """How an amendment's text changed, a phrase each: `effective 2026-03-01 -> 2026-02-01`."""
    phrases: list[str] = []
    if old.reason != new.reason:
        phrases.append(f"reason {quote(old.reason)} -> {quote(new.reason)}")
    for name in ("signed", "effective"):
        a, b = getattr(old, name), getattr(new, name)
        if a != b:
            phrases.append(f"{name} {a.isoformat()} -> {b.isoformat()}")
    before, after = _slots(old), _slots(new)
    for slot, text in after.items():
        if slot not in before:
            phrases.append(f"{text} added")
        elif before[slot] != text:
            phrases.append(f"{before[slot]} -> {text}")
    phrases += [f"{text} dropped" for slot, text in before.items() if slot not in after]
    if not phrases and not same(old, new):
        phrases.append("changes reordered")
    return phrases


# -- the whole contract
_HEADER = ("signed", "start", "anchor_day", "due_days", "purchase_order", "reference", "currency", "minimum")


def _customer_changes(old: model.Customer | None, new: model.Customer | None) -> list[str]:
    if old is None or new is None or same(old, new):
        return []
    phrases = []
    for f in attrs.fields(model.Customer):
        if f.name in _SPANS or f.name == "id":
            continue
        a, b = getattr(old, f.name), getattr(new, f.name)
        if not same(a, b):
            phrases.append(f"{f.name} {value_text(a)} -> {value_text(b)}")
    return [f"customer {new.id}: {', '.join(phrases)}"]


def _plan_changes(old: State, new: State) -> tuple[list[str], set[str]]:
    """What changed in the plan version followed, and the charge phrases that explains."""
    a, b = old.contract, new.contract
    assert a is not None and b is not None
    if a.plan is None and b.plan is None:
        return [], set()
    if a.plan is None or b.plan is None:
        was = f"{a.plan.plan} {a.plan.version}" if a.plan else "none"
        now = f"{b.plan.plan} {b.plan.version}" if b.plan else "none"
        return [f"plan {was} -> {now}"], set()
    if (a.plan.plan, a.plan.version) != (b.plan.plan, b.plan.version):
        return [f"plan {a.plan.plan} {a.plan.version} -> {b.plan.plan} {b.plan.version}"], set()
    lines = []
    if a.plan.pinned != b.plan.pinned:
        lines.append(f"plan version {'pinned' if b.plan.pinned else 'chosen by the signing date'}")
    if old.plan is None or new.plan is None or same(old.plan, new.plan):
        return lines, set()
    phrases = charges_changes(old.plan.charges, new.plan.charges)
    if old.plan.label != new.plan.label:
        phrases.insert(0, relabel_text(old.plan.label, new.plan.label))
    if old.plan.currency != new.plan.currency:
        phrases.insert(0, f"currency {old.plan.currency} -> {new.plan.currency}")
    if phrases:
        lines.append(f"plan {b.plan.plan} {b.plan.version}: {', '.join(phrases)}")
    return lines, set(phrases)


def _index_changes(old: Mapping[str, model.Index], new: Mapping[str, model.Index]) -> list[str]:
    lines = []
    for iid in sorted(set(old) & set(new)):
        a, b = dict(old[iid].values), dict(new[iid].values)
        phrases = [f"{m} {amount(v)} added" for m, v in b.items() if m not in a]
        phrases += [f"{m} {amount(a[m])} -> {amount(v)}" for m, v in b.items() if m in a and a[m] != v]
        phrases += [f"{m} {amount(v)} removed" for m, v in a.items() if m not in b]
        if phrases:
            lines.append(f"index {iid}: {', '.join(phrases)}")
    return lines


def _metric_changes(old: Mapping[str, model.Metric], new: Mapping[str, model.Metric]) -> list[str]:
    lines = []
    for mid in sorted(set(old) & set(new)):
        a, b = old[mid], new[mid]
        phrases = []
        if a.label != b.label:
            phrases.append(relabel_text(a.label, b.label))
        if a.events != b.events:
            phrases.append(f"events {value_text(a.events)} -> {value_text(b.events)}")
        if (a.function, a.field) != (b.function, b.field):
            phrases.append(f"{a.function} {a.field or ''}".rstrip() + " -> " + f"{b.function} {b.field or ''}".rstrip())
        if a.negative_allowed != b.negative_allowed:
            phrases.append("negative values allowed" if b.negative_allowed else "negative values refused")
        if phrases:
            lines.append(f"metric {mid}: {', '.join(phrases)}")
    return lines


def _terms_changes(old: State, new: State) -> list[str]:
    a, b = old.contract, new.contract
    assert a is not None and b is not None
    lines: list[str] = []
    if a.customer != b.customer:
        lines.append(f"customer {a.customer} -> {b.customer}")
    else:
        lines += _customer_changes(old.customer, new.customer)
    plan_lines, explained = _plan_changes(old, new)
    lines += plan_lines
    for name in _HEADER:
        x, y = getattr(a, name), getattr(b, name)
        if x != y:
            lines.append(f"{name.replace('_', ' ')} {value_text(x)} -> {value_text(y)}")
    if not same(a.term, b.term):
        lines.append(f"term {duration_text(a.term)} -> {duration_text(b.term)}")
    if not same(a.renewal, b.renewal):
        lines.append(f"renewal {renewal_text(a.renewal)} -> {renewal_text(b.renewal)}")
    if not same(a.minimum_vat, b.minimum_vat):
        lines.append(f"minimum vat {value_text(a.minimum_vat)} -> {value_text(b.minimum_vat)}")
    if not same(a.prepaid, b.prepaid):
        lines.append(f"prepaid {prepaid_text(a.prepaid)} -> {prepaid_text(b.prepaid)}")
    lines += [p for p in charges_changes(a.charges, b.charges) if p not in explained]
    lines += _listed(map(discount_text, a.discounts), map(discount_text, b.discounts))
    lines += _listed(map(indexation_text, a.indexations), map(indexation_text, b.indexations))
    ssp_a, ssp_b = dict(a.ssp), dict(b.ssp)
    for charge in sorted(set(ssp_a) | set(ssp_b)):
        if ssp_a.get(charge) != ssp_b.get(charge):
            lines.append(f"ssp {charge} {value_text(ssp_a.get(charge))} -> {value_text(ssp_b.get(charge))}")
    before = {x.number: x for x in a.amendments}
    after = {x.number: x for x in b.amendments}
    for number, amendment in after.items():
        if number not in before:
            lines.append(f"amendment {number} added: {', '.join(amendment_phrases(b, amendment))}")
        elif not same(before[number], amendment):
            lines.append(f"amendment {number} changed: {', '.join(amendment_edits(before[number], amendment))}")
    lines += [f"amendment {n} removed" for n in before if n not in after]
    lines += _metric_changes(old.metrics, new.metrics)
    lines += _index_changes(old.indices, new.indices)
    return lines


def prepaid_text(prepaid: model.Prepaid | None) -> str:
    """`3_000.00 per contract year on api, sms`, with its VAT unless standard; `none` without a credit."""
    if prepaid is None:
        return "none"
    text = f"{amount(prepaid.amount)} per contract year on {', '.join(prepaid.charges)}"
    return f"{text} vat {vat_text(prepaid.vat)}" if prepaid.vat.category != "standard" else text


def summary(state: State) -> str:
    """A new contract in a few words."""
    c = state.contract
    if c is None:
        return f"with errors: {state.problem}"
    parts = [f"customer {c.customer}"]
    if c.plan is not None:
        parts.append(f"plan {c.plan.plan} {c.plan.version}")
    parts.append(f"start {c.start.isoformat()}")
    parts.append(f"term {duration_text(c.term)}" if c.term else renewal_text(c.renewal))
    if c.amendments:
        parts.append(f"{len(c.amendments)} amendment{'s' if len(c.amendments) != 1 else ''}")
    return ", ".join(parts)


def describe(old: State, new: State) -> list[str]:
    """What changed between two states of a contract, a line each; empty when nothing did."""
    if not old.exists and not new.exists:
        return []
    if not old.exists:
        return [f"contract added in {new.path}: {summary(new)}"]
    if not new.exists:
        return [f"contract removed from {old.path}"]
    lines: list[str] = []
    if old.path != new.path:
        lines.append(f"moved from {old.path} to {new.path}")
    if new.problem is not None or old.problem is not None:
        if new.problem is not None and new.problem != old.problem:
            lines.append(f"does not check: {new.problem}")
        elif new.problem is None:
            lines.append(f"checks again: {summary(new)}")
        elif old.text != new.text:
            lines.append(f"edited, still does not check: {new.problem}")
        return lines
    changes = _terms_changes(old, new)
    if not changes and old.text != new.text:
        changes = ["comments or layout only"]
    return lines + changes


# ------------------------------------------------------------------ the log
@attrs.frozen(kw_only=True)
class Entry:
    commit: Commit
    changes: tuple[str, ...]


def facets(state: State) -> dict[tuple[str, ...], object]:
    """A state as separate facts (the file, each header field, each charge, each amendment, the
    customer, the plan version, each metric and index), to tell what a merge made itself."""
    found: dict[tuple[str, ...], object] = {("exists",): state.exists, ("path",): state.path}
    found["problem",] = state.problem
    contract = state.contract
    if contract is None:
        return found
    kind: Any = model.Contract
    for field in _fields(kind):
        if field.name not in ("charges", "amendments", "terms"):
            found["contract", field.name] = plain(getattr(contract, field.name))
    found.update({("charge", c.id): plain(c) for c in contract.charges})
    found.update({("amendment", str(a.number)): plain(a) for a in contract.amendments})
    found["customer",] = plain(state.customer)
    found["plan",] = plain(state.plan)
    found.update({("metric", k): plain(v) for k, v in state.metrics.items()})
    found.update({("index", k): plain(v) for k, v in state.indices.items()})
    return found


def merged_cleanly(parents: Sequence[State], merge: State) -> bool:
    """Whether each fact of a merge's state is one of its parents' (what the branches brought), so
    that the merge made no change of its own."""
    mine = facets(merge)
    theirs = [facets(p) for p in parents]
    return all(any(t.get(key) == mine.get(key) for t in theirs) for key in {k for t in [mine, *theirs] for k in t})


def contract_log(history: History, contract: str, rev: str | None = None) -> list[Entry]:
    """Every commit reachable from `rev` (default HEAD) that changed `contract`, newest first.

    What a branch brought in is listed at the branch's commits; a merge is listed only for what it
    changed itself (a conflict resolved to a new value), described against its first parent.
    """
    nodes = [n for n in history.graph(rev or "HEAD") if n.commit is not None]
    absent = State(exists=False)
    entries: list[Entry] = []
    for node in nodes:
        assert node.commit is not None
        now = history.state(node.id, contract)
        parents = [history.state(p, contract, near=node.id) for p in node.parents] or [absent]
        if len(parents) > 1 and merged_cleanly(parents, now):
            continue
        changes = describe(parents[0], now)
        if changes:
            entries.append(Entry(commit=node.commit, changes=tuple(changes)))
    return entries


def unknown_contract(history: History, contract: str, node: str) -> HistoryError:
    return HistoryError(
        f"no contract `{contract}` in the workspace",
        did_you_mean(contract, history.contract_ids(node)),
    )
