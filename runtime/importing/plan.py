"""What an import would do: for each row, created, unchanged, a conflict or an error; and the files to write.

The plan is made against the workspace as it is: existing declarations are compared by their AST
(spans take no part in equality, so this compares canonical forms, not layout), and the would-be
workspace (every existing source plus the new text) is parsed and checked in memory before anything
is written. A diagnostic of that check inside an imported declaration becomes an error on its row.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal, TypeVar

import attrs

from compiler.settings import SETTINGS_FILE
from compiler.workspace import check_workspace
from dsl import ast
from dsl.diagnostics import Diagnostic
from dsl.parser import parse, parse_bytes
from runtime.importing.errors import ImportProblem
from runtime.importing.generate import avt_text, contract_decl, contract_path, customer_decl, customer_slug
from runtime.importing.mapping import Mapping
from runtime.importing.reading import Table, column_letter
from runtime.importing.rows import (
    SUBSCRIPTION,
    ContractRecord,
    CustomerRecord,
    Place,
    RowError,
    contract_rows,
    customer_rows,
)
from runtime.importing.values import text as cell_text
from runtime.loader import load

R = TypeVar("R", CustomerRecord, ContractRecord)
Layout = Literal["one-file", "file-per-customer"]
Status = Literal["created", "unchanged", "conflict"]


@attrs.frozen
class Outcome:
    status: Status
    kind: Literal["customer", "contract"]
    id: str
    place: Place
    path: str
    """Where it is written (created) or already is (unchanged, conflict)."""
    differences: tuple[str, ...] = ()
    """For a conflict: the lines that differ, `- existing` and `+ imported`."""


@attrs.frozen
class ImportPlan:
    outcomes: tuple[Outcome, ...]
    errors: tuple[RowError, ...]
    writes: dict[str, str]
    """Workspace-relative path -> the whole new content of the file."""
    tables: tuple[Table, ...]
    kept: dict[str, int] = attrs.Factory(dict)
    """Path -> how many characters at the start of its new content were in the file before."""

    def added(self, path: str) -> str:
        """The text the import adds to `path`."""
        return self.writes[path][self.kept.get(path, 0) :].lstrip("\n")

    @property
    def bad_rows(self) -> int:
        return len({e.place for e in self.errors})

    def count(self, status: Status) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def clean(self) -> bool:
        return not self.errors and not self.count("conflict")


class ImportRefused(ImportProblem):
    """The import cannot be planned at all (the workspace itself has errors)."""


@attrs.frozen
class _Existing:
    files: dict[str, ast.SourceFile]
    sources: dict[str, str]
    customers: dict[str, tuple[str, ast.Customer]]
    contracts: dict[str, tuple[str, ast.Contract]]
    plan_charges: dict[str, set[str]]
    """Plan id -> the charge ids of any of its versions."""
    root: Path
    folder: str
    """Where new files go, relative to the root: "" for the root itself, else the first `sources` folder, so
    that what is written is read (a `sources = ["src"]` workspace never reads `contracts/` at the root)."""


def _existing(root: Path) -> _Existing:
    workspace = load(root, need_model=False)  # only its sources and diagnostics are needed
    errors = [d for d in workspace.diagnostics if d.is_error]
    if errors:
        raise ImportRefused(
            f"the workspace {root} has {len(errors)} error(s) before the import",
            "fix them first (`avtale check` lists them), so that the import is checked against a clean workspace",
        )
    files: dict[str, ast.SourceFile] = {}
    sources: dict[str, str] = {}
    for path, data in workspace.sources.items():
        if path == SETTINGS_FILE:
            continue
        parsed = parse_bytes(data, path)
        if parsed.file is not None:
            files[path] = parsed.file
            sources[path] = data.decode("utf-8")
    customers: dict[str, tuple[str, ast.Customer]] = {}
    contracts: dict[str, tuple[str, ast.Contract]] = {}
    plan_charges: dict[str, set[str]] = {}
    for path, file in files.items():
        for decl in file.decls:
            if isinstance(decl, ast.Customer):
                customers[decl.id.name] = (path, decl)
            elif isinstance(decl, ast.Contract):
                contracts[decl.id.name] = (path, decl)
            elif isinstance(decl, ast.Plan):
                charges = plan_charges.setdefault(decl.id.name, set())
                charges.update(s.id.name for s in decl.body if isinstance(s, ast.Charge))
    folders = [os.path.normpath(f).replace(os.sep, "/") for f in workspace.settings.sources]
    folder = "" if "." in folders else folders[0]
    return _Existing(files, sources, customers, contracts, plan_charges, root, folder)


def _differences(existing: str, imported: str) -> tuple[str, ...]:
    """The statements that differ, as lines of canonical text (blank lines aside)."""
    old = [line.strip() for line in existing.splitlines() if line.strip()]
    new = [line.strip() for line in imported.splitlines() if line.strip()]
    return tuple(
        line
        for line in difflib.unified_diff(old, new, lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("---", "+++"))
    )


class _Cells:
    """Finding a record's cell again, for errors found after its row was read (references, the check)."""

    def __init__(self, tables: Sequence[Table], mapping: Mapping) -> None:
        self.rows = {(t.file, t.sheet, r.number): (t, r) for t in tables for r in t.rows}
        self.mapping = mapping

    def error(self, place: Place, kind: str, field: str | None, message: str, help: str) -> RowError:
        table, row = self.rows[(place.file, place.sheet, place.row)]
        heading = self.mapping.of("customers" if kind == "customer" else "contracts").columns.get(field or "")
        index = table.column(heading) if heading else None
        if index is None:
            return RowError(place, None, None, message, help)
        value = cell_text(row.cells[index]) if index < len(row.cells) else None
        return RowError(place, f"{column_letter(index)} ({table.headings[index]})", value, message, help)


def _split(rows: Iterable[R | list[RowError]], errors: list[RowError]) -> list[R]:
    good: list[R] = []
    for item in rows:
        if isinstance(item, list):
            errors.extend(item)
        else:
            good.append(item)
    return good


def _unique(records: list[R], kind: str, cells: _Cells, errors: list[RowError]) -> list[R]:
    seen: dict[str, Place] = {}
    kept: list[R] = []
    for record in records:
        first = seen.setdefault(record.id, record.place)
        if first is record.place:
            kept.append(record)
        else:
            errors.append(
                cells.error(
                    record.place,
                    kind,
                    "id" if kind == "contract" or "id" in cells.mapping.customers.columns else "name",
                    f"{kind} `{record.id}` is also on row {first.row}",
                    f"each {kind} belongs on one row; remove or renumber one of them",
                )
            )
    return kept


def _references(
    contracts: list[ContractRecord], customers: set[str], existing: _Existing, cells: _Cells, errors: list[RowError]
) -> list[ContractRecord]:
    kept = []
    for record in contracts:
        found: list[RowError] = []

        def fail(
            field: str, message: str, help: str, record: ContractRecord = record, found: list[RowError] = found
        ) -> None:
            found.append(cells.error(record.place, "contract", field, message, help))

        if record.customer not in customers:
            fail(
                "customer",
                f"there is no customer `{record.customer}` in the workspace or the import",
                "import the customer first (`avtale import customers`), or correct the customer key",
            )
        charges = {SUBSCRIPTION} if record.subscription else set()
        if record.plan is not None:
            plan_charges = existing.plan_charges.get(record.plan)
            if plan_charges is None:
                near = difflib.get_close_matches(record.plan, sorted(existing.plan_charges), n=1)
                fail(
                    "plan",
                    f"there is no plan `{record.plan}` in the workspace",
                    f"did you mean `{near[0]}`?"
                    if near
                    else f"the plans are: {', '.join(sorted(existing.plan_charges))}",
                )
            else:
                charges |= plan_charges
                for values in record.plan_charges:
                    if values.charge not in plan_charges:
                        fail(
                            "plan",
                            f"plan `{record.plan}` has no charge `{values.charge}`, which the mapping gives columns",
                            f"its charges are: {', '.join(sorted(plan_charges))}",
                        )
        if record.discount is not None and (record.plan is None or record.plan in existing.plan_charges):
            unknown = [c for c in record.discount.charges if c not in charges]
            if unknown:
                fail(
                    "discount_on" if "discount_on" in cells.mapping.contracts.columns else "discount",
                    f"the discount names {', '.join(f'`{c}`' for c in unknown)}, which the contract does not have",
                    f"its charges are: {', '.join(sorted(charges))}",
                )
        if found:
            errors.extend(found)
        else:
            kept.append(record)
    return kept


@attrs.frozen
class _Generated:
    kind: Literal["customer", "contract"]
    record: CustomerRecord | ContractRecord
    decl: ast.Customer | ast.Contract
    path: str


def _customers_path(layout: Layout, record: CustomerRecord, one_file: str) -> str:
    return one_file if layout == "one-file" else f"customers/{customer_slug(record.id)}.avt"


DEFAULT_CUSTOMERS_FILE = "customers/imported.avt"


def _compose(
    generated: list[_Generated], existing: _Existing
) -> tuple[dict[str, str], dict[str, list[tuple[int, int, _Generated]]]]:
    """The new content of every file written, and for each, the line range each generated declaration takes."""
    by_path: dict[str, list[_Generated]] = {}
    for item in generated:
        by_path.setdefault(item.path, []).append(item)
    writes: dict[str, str] = {}
    lines: dict[str, list[tuple[int, int, _Generated]]] = {}
    for path, items in sorted(by_path.items()):
        before = existing.sources.get(path, "")
        if before and not before.endswith("\n"):
            before += "\n"
        content = before
        line = before.count("\n") + 1
        ranges = []
        for item in items:
            text = avt_text((item.decl,))
            if content:
                content += "\n"
                line += 1
            length = text.count("\n")
            ranges.append((line, line + length - 1, item))
            content += text
            line += length
        writes[path] = content
        lines[path] = ranges
    return writes, lines


def _check(
    writes: dict[str, str], lines: dict[str, list[tuple[int, int, _Generated]]], existing: _Existing, cells: _Cells
) -> tuple[list[RowError], list[Diagnostic]]:
    """Check the would-be workspace; its errors on rows, and those that belong to no row."""
    files = dict(existing.files)
    row_errors: list[RowError] = []
    broken: list[Diagnostic] = []
    for path, content in writes.items():
        parsed = parse(content, path)
        if parsed.file is None:  # printed text should always parse; if not, say which row it came from
            broken += [d for d in parsed.diagnostics if d.is_error]
        else:
            files[path] = parsed.file
    if broken:
        return row_errors, _place(broken, lines, cells, row_errors)
    result = check_workspace(list(files.values()))
    errors = [d for d in result.diagnostics if d.is_error]
    unplaced = _place(errors, lines, cells, row_errors)
    return row_errors, unplaced


def _place(
    diagnostics: list[Diagnostic],
    lines: dict[str, list[tuple[int, int, _Generated]]],
    cells: _Cells,
    row_errors: list[RowError],
) -> list[Diagnostic]:
    """Each diagnostic on the row whose declaration it points into (or names in a label); the rest returned."""
    unplaced = []
    for diagnostic in diagnostics:
        spans = [diagnostic.span, *(label.span for label in diagnostic.labels)]
        owner = next(
            (item for span in spans for first, last, item in lines.get(span.file, ()) if first <= span.line <= last),
            None,
        )
        if owner is None:
            unplaced.append(diagnostic)
            continue
        message = f"{owner.kind} `{owner.decl.id.name}` would not check: {diagnostic.message} [{diagnostic.code}]"
        row_errors.append(
            cells.error(owner.record.place, owner.kind, None, message, diagnostic.help or "see docs/errors.md")
        )
    return unplaced


@attrs.frozen
class Options:
    layout: Layout = "one-file"
    customers_file: str | None = None
    """The file new customers go to with the one-file layout (None: `customers/imported.avt`)."""
    skip_bad: bool = False


def plan_import(
    root: Path,
    mapping: Mapping,
    *,
    customers: Table | None = None,
    contracts: Table | None = None,
    options: Options = Options(),
) -> ImportPlan:
    """Plan importing the given tables into the workspace at `root`. Nothing is written."""
    existing = _existing(root)
    tables = tuple(t for t in (customers, contracts) if t is not None)
    cells = _Cells(tables, mapping)
    errors: list[RowError] = []
    customer_records: list[CustomerRecord] = []
    contract_records: list[ContractRecord] = []
    if customers is not None:
        customer_records = _split(customer_rows(customers, mapping.customers, mapping.source), errors)
        customer_records = _unique(customer_records, "customer", cells, errors)
    if contracts is not None:
        contract_records = _split(contract_rows(contracts, mapping.contracts, mapping.source), errors)
        contract_records = _unique(contract_records, "contract", cells, errors)
    known = set(existing.customers) | {r.id for r in customer_records}
    contract_records = _references(contract_records, known, existing, cells, errors)

    outcomes: list[Outcome] = []
    generated: list[_Generated] = []
    for record in customer_records:
        decl = customer_decl(record)
        found_customer = existing.customers.get(record.id)
        _classify("customer", record, decl, found_customer, outcomes, generated, options, existing.folder)
    for contract_record in contract_records:
        contract = contract_decl(contract_record)
        found = existing.contracts.get(contract_record.id)
        _classify("contract", contract_record, contract, found, outcomes, generated, options, existing.folder)

    while True:
        writes, lines = _compose(generated, existing)
        kept = {path: len(existing.sources.get(path, "")) for path in writes}
        row_errors, unplaced = _check(writes, lines, existing, cells)
        if unplaced:
            shown = "; ".join(f"{d.span}: {d.message} [{d.code}]" for d in unplaced[:5])
            raise ImportRefused(
                f"the imported files would not check clean: {shown}",
                "this is not tied to a row; run `avtale check` after a --dry-run to see the whole workspace",
            )
        errors.extend(row_errors)
        if not row_errors or not options.skip_bad:
            break
        bad = {e.place for e in row_errors}
        generated = [g for g in generated if g.record.place not in bad]
        outcomes = [o for o in outcomes if o.place not in bad]

    bad_places = {e.place for e in errors}
    outcomes = [o for o in outcomes if o.place not in bad_places]
    conflicts = any(o.status == "conflict" for o in outcomes)
    if (errors or conflicts) and not options.skip_bad:
        writes = {}
    _refuse_unsafe_targets(writes, existing)
    errors.sort(key=lambda e: (e.place.file, e.place.sheet or "", e.place.row, e.column or ""))
    return ImportPlan(tuple(outcomes), tuple(errors), writes, tables, kept)


def _refuse_unsafe_targets(writes: dict[str, str], existing: _Existing) -> None:
    """Write only where the workspace reads, and only what it read: never through a linked folder or file (the
    loader skips those, so an imported contract would silently never bill, or a shared file be replaced), and
    never over a file on disk that is not one of the workspace's sources (its content was not checked)."""
    root = existing.root
    for path in sorted(writes):
        if path.startswith("../"):
            raise ImportRefused(
                f"the import would write {path}, outside the workspace (the first `sources` folder is outside it)",
                "put a folder inside the workspace first in `sources` in avtale.toml, or import elsewhere",
            )
        parts = path.split("/")
        for depth in range(1, len(parts) + 1):
            here = root.joinpath(*parts[:depth])
            if here.is_symlink():
                raise ImportRefused(
                    f"the import would write {path} through the link {'/'.join(parts[:depth])}",
                    "links are not followed when the workspace is read: replace the link with the folder or file "
                    "itself, or import into a workspace without it",
                )
        if (root / path).exists() and path not in existing.sources:
            raise ImportRefused(
                f"the import would write {path}, which exists but is not one of the workspace's sources",
                "move or rename that file (the import never overwrites what the workspace did not read), "
                "then import again",
            )


def _classify(
    kind: Literal["customer", "contract"],
    record: CustomerRecord | ContractRecord,
    decl: ast.Customer | ast.Contract,
    found: tuple[str, ast.Customer | ast.Contract] | None,
    outcomes: list[Outcome],
    generated: list[_Generated],
    options: Options,
    folder: str,
) -> None:
    if found is not None:
        path, existing = found
        if existing == decl:  # spans aside: the same canonical form
            outcomes.append(Outcome("unchanged", kind, decl.id.name, record.place, path))
        else:
            differences = _differences(avt_text((existing,)), avt_text((decl,)))
            outcomes.append(Outcome("conflict", kind, decl.id.name, record.place, path, differences))
        return
    if isinstance(record, CustomerRecord):
        path = _customers_path(options.layout, record, options.customers_file or DEFAULT_CUSTOMERS_FILE)
    else:
        path = contract_path(record)
    path = f"{folder}/{path}" if folder else path
    outcomes.append(Outcome("created", kind, decl.id.name, record.place, path))
    generated.append(_Generated(kind, record, decl, path))
