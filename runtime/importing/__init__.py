"""`avtale import`: customers and contracts from the spreadsheets a company already keeps.

reading (xlsx/csv) -> rows (typed records, one error per bad cell) -> generate (dsl AST, canonical text)
-> plan (created/unchanged/conflict, the would-be workspace checked in memory) -> apply (atomic writes).
`import_into` runs the whole way for one spreadsheet; `avtale init --from-spreadsheet` calls it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import attrs

from runtime.importing.apply import apply_plan
from runtime.importing.errors import ImportProblem
from runtime.importing.mapping import DEFAULT, Kind, Mapping, load_mapping
from runtime.importing.plan import ImportPlan, Options, plan_import
from runtime.importing.reading import Table, read_table
from runtime.importing.report import write_error_report
from runtime.importing.values import slug

__all__ = ["ImportPlan", "ImportProblem", "ImportResult", "Options", "import_into", "read_tables"]


@attrs.frozen
class ImportResult:
    plan: ImportPlan
    written: tuple[Path, ...]
    """The files written under the workspace; empty for a dry run or a refused import."""


def read_tables(
    spreadsheet: Path, mapping: Mapping, kinds: Sequence[Kind], sheet: str | None = None
) -> dict[Kind, Table]:
    """The table of each kind: `sheet` (one kind only), else the mapping's sheet, else the first sheet."""
    if sheet is not None and len(kinds) != 1:
        raise ImportProblem("--sheet names one sheet, for one kind", "import customers and contracts separately")
    if spreadsheet.suffix.lower() == ".csv" and len(kinds) != 1:
        raise ImportProblem(
            f"{spreadsheet} is a CSV file, which holds one table",
            "import customers and contracts from a CSV file each, or from one .xlsx workbook with a sheet each",
        )
    tables: dict[Kind, Table] = {}
    for kind in kinds:
        wanted = sheet if sheet is not None else mapping.of(kind).sheet
        lenient = sheet is None and mapping is DEFAULT
        tables[kind] = read_table(spreadsheet, wanted, str(spreadsheet), lenient_sheet=lenient)
    return tables


def import_into(
    workspace_root: Path,
    spreadsheet: Path,
    mapping: Path | Mapping | None = None,
    *,
    kinds: Sequence[Kind] = ("customers", "contracts"),
    sheet: str | None = None,
    options: Options | None = None,
    dry_run: bool = False,
    errors_out: Path | None = None,
) -> ImportResult:
    """Import `spreadsheet` into the workspace at `workspace_root` (which must hold avtale.toml).

    `mapping` is a mapping file, a parsed `Mapping`, or None for `avtale-import.toml` beside the
    spreadsheet or else the built-in one. Customers and contracts are read from the mapping's sheets of
    one workbook, customers first, so that contracts may name customers imported in the same run. New
    customers go to `customers/<spreadsheet name>.avt` (or a file each, `options.layout`). Nothing is
    written when any row has an error or a conflict, unless `options.skip_bad`; nor with `dry_run`.
    With `errors_out`, the input with an error column is written there when there are errors.
    Raises `ImportProblem` (with `.help`) when the import cannot go on at all, and `WorkspaceError` when
    `workspace_root` holds no readable avtale.toml.
    """
    parsed = mapping if isinstance(mapping, Mapping) else load_mapping(mapping, spreadsheet)
    tables = read_tables(spreadsheet, parsed, kinds, sheet)
    options = options or Options()
    if options.customers_file is None:
        stem = slug(spreadsheet.stem).replace("_", "-") or "imported"
        options = attrs.evolve(options, customers_file=f"customers/{stem}.avt")
    plan = plan_import(
        workspace_root, parsed, customers=tables.get("customers"), contracts=tables.get("contracts"), options=options
    )
    if errors_out is not None and plan.errors:
        write_error_report(errors_out, plan.tables, plan.errors)
    written = () if dry_run else tuple(apply_plan(workspace_root, plan))
    return ImportResult(plan, written)
