"""Where every name is declared and used: customers, metrics, indices, plans and their versions, contracts
and charges, read from the ASTs.

Each file's occurrences are collected once per parse (an unchanged file keeps its AST object, and so its
entry); the workspace view joins them. Charge ids are scoped: a charge named in a contract is the
contract's own charge (declared in it or added by an amendment) or the charge of the plan version the
contract follows; inside `plan X { ... }` the plan's comes first. A plan's charge is one symbol across
the plan's versions (renaming `seats` renames it in every version and every contract that names it);
its definition is the version the contract follows.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import date

import attrs

from compiler import model
from dsl import ast
from dsl.span import Span
from runtime.lsp.positions import contains


@attrs.frozen
class Symbol:
    """A declared name. `owner` scopes charges: ("plan", id) or ("contract", id)."""

    kind: str
    name: str
    owner: tuple[str, str] | None = None

    def describe(self) -> str:
        if self.owner is None:
            return f"{self.kind} `{self.name}`"
        return f"charge `{self.name}` of {self.owner[0]} `{self.owner[1]}`"


@attrs.frozen
class Occurrence:
    span: Span
    symbol: Symbol
    definition: bool
    version: date | None = None
    """For a plan and its charges: the version declared here (definitions), or pinned here (references)."""
    contract: str | None = None
    """For a plan reference: the contract, whose version choice the definition follows."""


@attrs.frozen
class ChargeRef:
    """A charge id named in a contract, resolved against the workspace when asked."""

    span: Span
    name: str
    contract: str
    in_plan_block: bool


@attrs.frozen
class ContractInfo:
    id: str
    customer: str | None
    plan: str | None
    pinned: date | None
    signed: date | None
    start: date | None
    own: frozenset[str]
    """Charges the contract declares or its amendments add."""


@attrs.frozen
class PlanVersion:
    name: str
    effective: date
    path: str
    span: Span
    charges: frozenset[str]


class FileIndex:
    """The names one parsed file declares and uses."""

    def __init__(self, file: ast.SourceFile, text: str) -> None:
        self.file = file
        self.occurrences: list[Occurrence] = []
        self.charge_refs: list[ChargeRef] = []
        self.contracts: dict[str, ContractInfo] = {}
        self.versions: list[PlanVersion] = []
        self._lines = text.split("\n")
        for decl in file.decls:
            self._decl(decl)

    def _def(self, ref: ast.Ref, symbol: Symbol, version: date | None = None) -> None:
        self.occurrences.append(Occurrence(ref.span, symbol, True, version))

    def _use(self, ref: ast.Ref, kind: str) -> None:
        self.occurrences.append(Occurrence(ref.span, Symbol(kind, ref.name), False))

    def _decl(self, decl: ast.Decl) -> None:
        if isinstance(decl, ast.Customer | ast.Metric | ast.Index):
            self._def(decl.id, Symbol(type(decl).__name__.lower(), decl.id.name))
        elif isinstance(decl, ast.Plan):
            self._plan(decl)
        elif isinstance(decl, ast.Contract):
            self._contract(decl)

    def _plan(self, plan: ast.Plan) -> None:
        self._def(plan.id, Symbol("plan", plan.id.name), plan.effective)
        names: set[str] = set()
        for stmt in plan.body:
            if isinstance(stmt, ast.Charge):
                names.add(stmt.id.name)
                self._def(stmt.id, Symbol("charge", stmt.id.name, ("plan", plan.id.name)), plan.effective)
                self._charge_body(stmt)
        self.versions.append(PlanVersion(plan.id.name, plan.effective, plan.id.span.file, plan.span, frozenset(names)))

    def _charge_body(self, charge: ast.Charge) -> None:
        for stmt in charge.body:
            if isinstance(stmt, ast.UsageStmt):
                self._use(stmt.metric, "metric")

    def _contract(self, contract: ast.Contract) -> None:
        cid = contract.id.name
        self._def(contract.id, Symbol("contract", cid))
        own: set[str] = set()
        plan: ast.PlanRef | None = None
        customer: str | None = None
        signed = start = None

        def charge(stmt: ast.Charge) -> None:
            own.add(stmt.id.name)
            self._def(stmt.id, Symbol("charge", stmt.id.name, ("contract", cid)))
            self._charge_body(stmt)

        def refer(ref: ast.Ref, in_plan_block: bool = False) -> None:
            self.charge_refs.append(ChargeRef(ref.span, ref.name, cid, in_plan_block))

        for stmt in contract.body:
            if isinstance(stmt, ast.CustomerRef):
                customer = stmt.customer.name
                self._use(stmt.customer, "customer")
            elif isinstance(stmt, ast.SignedStmt):
                signed = stmt.on
            elif isinstance(stmt, ast.StartStmt):
                start = stmt.on
            elif isinstance(stmt, ast.PlanRef):
                plan = stmt
                self._plan_ref(stmt, cid)
                for item in stmt.overrides or ():
                    refer(item.charge, in_plan_block=True)
            elif isinstance(stmt, ast.Charge):
                charge(stmt)
            elif isinstance(stmt, ast.DiscountStmt):
                for ref in stmt.charges:
                    refer(ref)
            elif isinstance(stmt, ast.IndexationStmt):
                self._use(stmt.index, "index")
                for ref in stmt.charges:
                    refer(ref)
            elif isinstance(stmt, ast.ContractSspStmt):
                refer(stmt.charge)
            elif isinstance(stmt, ast.Amendment):
                for change in stmt.body:
                    if isinstance(change, ast.Charge):
                        charge(change)
                    elif isinstance(change, ast.ChargeSet | ast.RemoveStmt):
                        refer(change.charge)
                    elif isinstance(change, ast.DiscountStmt):
                        for ref in change.charges:
                            refer(ref)
        self.contracts[cid] = ContractInfo(
            id=cid,
            customer=customer,
            plan=plan.plan.name if plan is not None else None,
            pinned=plan.version if plan is not None else None,
            signed=signed,
            start=start,
            own=frozenset(own),
        )

    def _plan_ref(self, stmt: ast.PlanRef, cid: str) -> None:
        ref = stmt.plan
        symbol = Symbol("plan", ref.name)
        self.occurrences.append(Occurrence(ref.span, symbol, False, stmt.version, cid))
        if stmt.version is None or ref.span.line < 1:
            return
        # `plan team version 2025-01-01`: the date, which has no node of its own, leads to that version too
        line = self._lines[ref.span.line - 1] if ref.span.line <= len(self._lines) else ""
        found = _VERSION.match(line, ref.span.end_column - 1)
        if found is not None:
            date_span = Span(ref.span.file, ref.span.line, found.start(1) + 1, ref.span.line, found.end(1) + 1)
            self.occurrences.append(Occurrence(date_span, symbol, False, stmt.version, cid))


_VERSION = re.compile(r"\s+version\s+(\d{4}-\d{2}-\d{2})")


class WorkspaceIndex:
    """Every file's names together, with charges and plan versions resolved as the checker does."""

    def __init__(self, files: Mapping[str, FileIndex], workspace: model.Workspace | None = None) -> None:
        self.files = files
        self.model = workspace
        self.definitions: dict[Symbol, list[Occurrence]] = {}
        self.versions: dict[str, list[PlanVersion]] = {}
        self.contracts: dict[str, ContractInfo] = {}
        for index in files.values():
            for occurrence in index.occurrences:
                if occurrence.definition:
                    self.definitions.setdefault(occurrence.symbol, []).append(occurrence)
            for version in index.versions:
                self.versions.setdefault(version.name, []).append(version)
            self.contracts.update(index.contracts)
        for found in self.versions.values():
            found.sort(key=lambda v: v.effective)

    def names(self, kind: str) -> list[str]:
        return sorted({s.name for s in self.definitions if s.kind == kind and s.owner is None})

    def version_of(self, contract: str) -> PlanVersion | None:
        """The plan version a contract follows: the checked model's choice, else the checker's rule
        (pinned, else the latest in force when signed, else the first in force by the start)."""
        info = self.contracts.get(contract)
        if info is None or info.plan is None:
            return None
        versions = self.versions.get(info.plan, [])
        chosen: date | None = info.pinned
        checked = self.model.contracts.get(contract) if self.model is not None else None
        if checked is not None and checked.plan is not None:
            chosen = checked.plan.version
        elif chosen is None and info.signed is not None and info.start is not None:
            signed, start = info.signed, info.start
            in_force = [v for v in versions if v.effective <= signed]
            if not in_force:
                in_force = [v for v in versions if v.effective <= start][:1]
            chosen = in_force[-1].effective if in_force else None
        return next((v for v in versions if v.effective == chosen), None)

    def charges_of(self, contract: str) -> list[str]:
        """The charge ids a contract may name: its plan version's, then its own."""
        info = self.contracts.get(contract)
        if info is None:
            return []
        version = self.version_of(contract)
        plan = sorted(version.charges) if version is not None else []
        return plan + sorted(info.own - set(plan))

    def resolve(self, ref: ChargeRef) -> Occurrence | None:
        info = self.contracts.get(ref.contract)
        if info is None:
            return None
        own = Occurrence(ref.span, Symbol("charge", ref.name, ("contract", ref.contract)), False)
        version = self.version_of(ref.contract)
        of_plan = None
        if version is not None and ref.name in version.charges:
            symbol = Symbol("charge", ref.name, ("plan", version.name))
            of_plan = Occurrence(ref.span, symbol, False, version.effective)
        mine = own if ref.name in info.own else None
        return (of_plan or mine) if ref.in_plan_block else (mine or of_plan)

    def occurrences(self, path: str) -> Iterator[Occurrence]:
        index = self.files.get(path)
        if index is None:
            return
        yield from index.occurrences
        for ref in index.charge_refs:
            found = self.resolve(ref)
            if found is not None:
                yield found

    def at(self, path: str, line: int, column: int) -> Occurrence | None:
        """The name under a 1-based position (or just after it)."""
        for occurrence in self.occurrences(path):
            if contains(occurrence.span, line, column):
                return occurrence
        return None

    def definition(self, occurrence: Occurrence) -> list[Occurrence]:
        found = self.definitions.get(occurrence.symbol, [])
        version = occurrence.version
        if version is None and occurrence.contract is not None:
            chosen = self.version_of(occurrence.contract)
            version = chosen.effective if chosen is not None else None
        if version is not None and not occurrence.definition:
            exact = [d for d in found if d.version == version]
            if exact:
                return exact
        if occurrence.definition:
            return [occurrence]
        return list(found)

    def references(self, symbol: Symbol, *, declarations: bool = True) -> list[Occurrence]:
        """Every occurrence of the symbol in the workspace, by file and position."""
        found: list[Occurrence] = []
        for path in sorted(self.files):
            for occurrence in self.occurrences(path):
                if occurrence.symbol == symbol and (declarations or not occurrence.definition):
                    found.append(occurrence)
        unique = {(o.span.file, o.span.line, o.span.column, o.span.end_column): o for o in found}
        return [unique[k] for k in sorted(unique)]
