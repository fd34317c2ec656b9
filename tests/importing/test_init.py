"""`avtale init DIR --from-spreadsheet FILE`: a new workspace with the workbook's customers and contracts, the cut-over
set, and nothing left behind when the import is refused."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from runtime.billing.run import plan
from runtime.cli.main import cli
from runtime.loader import load
from tests.billing.test_bill_run import no_usage

CUSTOMERS = ["Kundenr", "Kundenavn", "Org.nr", "Gateadresse", "Postnr", "Sted", "Privatkunde", "Land", "E-post faktura"]
CUSTOMERS += ["EHF", "Kontaktperson", "Målform"]
CONTRACTS = ["Avtalenr", "Kundenr", "Signert dato", "Startdato", "Bindingstid (mnd)", "Tjeneste", "Pris", "Fakturering"]
CONTRACTS += ["Fornyelse (mnd)", "Oppsigelsestid (mnd)", "Plan", "Rabatt", "Rabatt til", "Fakturert til og med"]
CONTRACTS += ["Antall brukere"]


def workbook(path: Path, contracts: list[list[object]]) -> Path:
    """A workbook with the example's headings (contracts_examples/import/avtale-import.toml), written here by hand."""
    book = Workbook()
    kunder = book.active
    kunder.title = "Kunder"
    kunder.append(CUSTOMERS)
    kunder.append(["1001", "Fjellheim Klatreklubb", "922 152 799", "Storgata 1", "0155", "Oslo"])
    avtaler = book.create_sheet("Avtaler")
    avtaler.append(CONTRACTS)
    for row in contracts:
        avtaler.append(row)
    book.save(path)
    (path.parent / "avtale-import.toml").write_text(
        (Path(__file__).parents[2] / "contracts_examples/import/avtale-import.toml").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    return path


def init(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["init", *args])
    return result.exit_code, result.stdout, result.stderr


ROW = ["AV-1", "1001", "15.01.2025", "01.02.2025", 36, "Bookingsystem", "349,00", "månedlig"]


def test_init_imports_the_workbook_and_sets_the_cut_over(tmp_path: Path) -> None:
    source = workbook(tmp_path / "kunder.xlsx", [ROW])
    root = tmp_path / "ny"
    code, _, err = init(str(root), "--from-spreadsheet", str(source), "--billed-through", "2026-02-28")
    assert code == 0, err
    assert "billed_through = 2026-02-28" in (root / "avtale.toml").read_text(encoding="utf-8")
    assert not (root / "customers.avt").exists() and not (root / "contracts" / "first-customer.avt").exists()
    loaded = load(root, use_cache=False)
    assert loaded.ok, loaded.diagnostics
    assert loaded.result is not None
    # 349.00 a month from 2025-02-01, billed elsewhere through February 2026: the run of 2026-03-01 bills March alone
    run = plan(loaded.result.workspace, None, no_usage, date(2026, 3, 1))
    assert [(ln.period_start, ln.net_amount) for d in run.documents for ln in d.draft.lines] == [
        (date(2026, 3, 1), 349)
    ]
    assert "warning" not in err


def test_a_refused_import_leaves_nothing_behind(tmp_path: Path) -> None:
    bad_date = ["AV-2", "1001", "15.01.2025", "31.06.2025", 12, "X", "1,00", "månedlig"]
    unknown = ["AV-3", "9999", "15.01.2025", "01.02.2025", 12, "X", "1,00", "månedlig"]
    source = workbook(tmp_path / "kunder.xlsx", [ROW, bad_date, unknown])
    root = tmp_path / "ny"
    code, _, err = init(str(root), "--from-spreadsheet", str(source))
    assert code == 1
    assert "`31.06.2025` is not a date" in err and "no customer `k9999`" in err
    assert f"nothing was created in {root}" in err
    assert not root.exists()


def test_a_refused_import_into_an_existing_folder_keeps_what_was_there(tmp_path: Path) -> None:
    source = workbook(
        tmp_path / "kunder.xlsx", [["AV-2", "9999", "15.01.2025", "01.02.2025", 12, "X", "1,00", "månedlig"]]
    )
    root = tmp_path / "ny"
    root.mkdir()
    (root / "notes.txt").write_text("mine", encoding="utf-8")
    code, _, _ = init(str(root), "--from-spreadsheet", str(source))
    assert code == 1
    assert sorted(p.name for p in root.iterdir()) == ["notes.txt"]


def test_without_a_cut_over_init_says_how_much_history_the_first_run_bills(tmp_path: Path) -> None:
    source = workbook(tmp_path / "kunder.xlsx", [ROW])
    code, _, err = init(str(tmp_path / "ny"), "--from-spreadsheet", str(source))
    assert code == 0
    assert "1 contract(s) started before today and have no `billed_through`" in err
    assert "(the earliest, 2025-02-01)" in err


def test_import_options_need_a_spreadsheet(tmp_path: Path) -> None:
    code, _, err = init(str(tmp_path / "ny"), "--billed-through", "2026-02-28")
    assert code == 1 and "go with --from-spreadsheet" in err
    assert not (tmp_path / "ny").exists()


def test_init_never_writes_over_a_file_that_is_there(tmp_path: Path) -> None:
    root = tmp_path / "ny"
    root.mkdir()
    (root / "plans.avt").write_text("my plans\n", encoding="utf-8")
    code, _, err = init(str(root))
    assert code == 1 and "plans.avt already exists" in err
    assert (root / "plans.avt").read_text(encoding="utf-8") == "my plans\n"
    assert sorted(p.name for p in root.iterdir()) == ["plans.avt"]


def test_a_refused_import_restores_a_gitignore_init_extended(tmp_path: Path) -> None:
    bad = ["AV-2", "1001", "15.01.2025", "31.06.2025", 12, "X", "1,00", "månedlig"]
    source = workbook(tmp_path / "kunder.xlsx", [bad])
    root = tmp_path / "ny"
    root.mkdir()
    (root / ".gitignore").write_text("mine\n", encoding="utf-8")
    code, _, _ = init(str(root), "--from-spreadsheet", str(source))
    assert code == 1
    assert sorted(p.name for p in root.iterdir()) == [".gitignore"]
    assert (root / ".gitignore").read_text(encoding="utf-8") == "mine\n"


def test_an_unexpected_failure_in_the_import_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import runtime.importing

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(runtime.importing, "import_into", broken)
    root = tmp_path / "ny"
    result = CliRunner().invoke(
        cli, ["init", str(root), "--from-spreadsheet", str(workbook(tmp_path / "k.xlsx", [ROW]))]
    )
    assert isinstance(result.exception, RuntimeError)
    assert not root.exists()
