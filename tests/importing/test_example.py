"""contracts_examples/import/: the example spreadsheet imports with exactly its known mistakes."""

from __future__ import annotations

from pathlib import Path

from runtime.importing import Options, import_into
from runtime.loader import load
from tests.factories.cli import EXAMPLES, copy_examples

KNOWN_MISTAKES = [
    ("Avtaler", 6, "D (Startdato)", "31.06.2025", "`31.06.2025` is not a date"),
    ("Avtaler", 8, "B (Kundenr)", "1007", "there is no customer `k1007` in the workspace or the import"),
    ("Avtaler", 13, "K (Pris)", "1 290,555", "`1 290,555` is not an amount"),
    ("Avtaler", 19, "B (Kundenr)", "1081", "there is no customer `k1081` in the workspace or the import"),
    (
        "Avtaler",
        25,
        None,
        None,
        "contract `SKT-2025-124` would not check: the discount window runs past the end of the term [E0503]",
    ),
    ("Kunder", 8, "C (Org.nr)", "913 604 518", "`913 604 518` is not a valid organisation number"),
]


def _mistakes(errors: tuple) -> list[tuple]:
    return [(e.place.sheet, e.place.row, e.column, e.value, e.message) for e in errors]


def test_the_example_reports_exactly_its_mistakes_and_writes_nothing(tmp_path: Path) -> None:
    root = copy_examples(tmp_path / "ws")
    before = sorted(p.relative_to(root) for p in root.rglob("*.avt"))
    result = import_into(root, root / "import" / "kunder-og-avtaler.xlsx")
    assert _mistakes(result.plan.errors) == KNOWN_MISTAKES
    assert result.written == ()
    assert sorted(p.relative_to(root) for p in root.rglob("*.avt")) == before


def test_skip_bad_writes_the_good_rows_and_the_workspace_checks_clean(tmp_path: Path) -> None:
    root = copy_examples(tmp_path / "ws")
    spreadsheet = root / "import" / "kunder-og-avtaler.xlsx"
    result = import_into(root, spreadsheet, options=Options(skip_bad=True))
    assert _mistakes(result.plan.errors) == KNOWN_MISTAKES
    # 30 customers + 30 contracts, less the bad customer row and the five bad contract rows
    assert result.plan.count("created") == 29 + 25
    assert len(result.written) == 1 + 25
    workspace = load(root, use_cache=False)
    assert [d for d in workspace.diagnostics if d.is_error] == []
    assert workspace.result is not None
    assert len(workspace.result.workspace.contracts) == 13 + 25
    # the leading zero Excel dropped from Oslo's postcode is back
    assert workspace.result.workspace.customers["k1001"].address.postcode == "0150"
    again = import_into(root, spreadsheet, options=Options(skip_bad=True))
    assert (again.plan.count("created"), again.plan.count("unchanged"), again.written) == (0, 54, ())


def test_one_imported_contract_reads_as_written_by_hand(tmp_path: Path) -> None:
    root = copy_examples(tmp_path / "ws")
    import_into(root, root / "import" / "kunder-og-avtaler.xlsx", options=Options(skip_bad=True))
    # row 2 of Avtaler: SKT-2025-101 for customer 1001, team plan with 5 seats, evergreen, cut over 2026-02-28
    assert (root / "contracts" / "SKT-2025-101-k1001.avt").read_text(encoding="utf-8") == (
        "contract SKT-2025-101 {\n"
        "  customer k1001\n"
        "  signed 2025-01-01\n"
        "  start 2025-02-01\n"
        "  evergreen notice 1 month\n"
        "  plan team {\n"
        "    seats quantity 5\n"
        "  }\n"
        "  billed_through 2026-02-28\n"
        "}\n"
    )


def test_the_example_spreadsheet_is_what_its_script_makes(tmp_path: Path) -> None:
    import runpy

    script = EXAMPLES / "import" / "make_example.py"
    namespace = runpy.run_path(str(script), run_name="not_main")
    namespace["main"](tmp_path)
    made = (tmp_path / "kunder-og-avtaler.xlsx").read_bytes()
    assert made == (EXAMPLES / "import" / "kunder-og-avtaler.xlsx").read_bytes()
