"""Every kind of import error, conflicts and re-imports, the error report, CSV and the template, via `avtale import`."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from runtime.importing import ImportProblem, import_into
from runtime.importing.mapping import parse_mapping
from tests.importing.conftest import avtale

CUSTOMERS = "Kundenr;Navn;Org.nr.;Adresse;Postnr.;Poststed;Land;E-post;EHF;Deres ref.;Språk\n"
GOOD_CUSTOMER = "fjellsport;Fjellsport AS;976 240 391;Storgata 1;0150;Oslo;NO;f@fjellsport.example;ja;Kari;nb\n"
CONTRACTS = (
    "Avtalenr;Kundenr;Signert;Oppstart;Binding (mnd);Fornyes (mnd);Oppsigelse (mnd);Betalingsfrist (dager);"
    "Innkjøpsordre;Plan;Beskrivelse;Pris;Periode;Rabatt;Rabatt til;Fakturert t.o.m.\n"
)
GOOD_CONTRACT = "A-1;fjellsport;15.12.2025;01.01.2026;12;12;3;;;;Abonnement;1 490,00;måned;;;\n"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    workbook.save(path)
    return path


def errors_of(workspace: Path, kind: str, file: Path, *args: str) -> tuple[int, str]:
    code, _, err = avtale(workspace, "import", kind, str(file), *args)
    return code, err


def test_a_clean_import_writes_canonical_files_and_reimport_is_unchanged(workspace: Path, tmp_path: Path) -> None:
    customers = write(tmp_path / "kunder.csv", CUSTOMERS + GOOD_CUSTOMER)
    code, out, err = avtale(workspace, "import", "customers", str(customers))
    assert (code, err) == (0, "")
    assert out.splitlines()[-1] == "created 1, unchanged 0, conflicts 0, errors 0"
    assert (workspace / "customers" / "kunder.avt").read_text(encoding="utf-8") == (
        "customer fjellsport {\n"
        '  name "Fjellsport AS"\n'
        '  orgnr "976240391"\n'
        '  peppol "0192:976240391"\n'
        '  address "Storgata 1", "0150", "Oslo", NO\n'
        '  email "f@fjellsport.example"\n'
        '  reference "Kari"\n'
        "  language nb\n"
        "}\n"
    )
    contracts = write(
        tmp_path / "avtaler.csv",
        CONTRACTS.replace(";", ",") + GOOD_CONTRACT.replace(";", ",").replace("1 490,00", '"1 490,00"'),
    )
    code, out, err = avtale(workspace, "import", "contracts", str(contracts))
    assert (code, err) == (0, "")
    assert (workspace / "contracts" / "A-1-fjellsport.avt").read_text(encoding="utf-8") == (
        "contract A-1 {\n"
        "  customer fjellsport\n"
        "  signed 2025-12-15\n"
        "  start 2026-01-01\n"
        "  term 12 months\n"
        "  renew 12 months notice 3 months\n"
        '  charge subscription "Abonnement" {\n'
        "    flat 1_490.00 per month\n"
        "    billed monthly in advance\n"
        "  }\n"
        "}\n"
    )
    assert avtale(workspace, "fmt", "--check")[0] == 0
    assert avtale(workspace, "check")[0] == 0
    code, out, _ = avtale(workspace, "import", "contracts", str(contracts))
    assert (code, out.splitlines()[-1]) == (0, "created 0, unchanged 1, conflicts 0, errors 0")


def test_a_bad_cell_names_file_sheet_row_column_value_and_what_was_expected(workspace: Path, tmp_path: Path) -> None:
    file = xlsx(tmp_path / "k.xlsx", {"Kunder": [CUSTOMERS.strip().split(";"), ["a", "A AS", "976 240 392"]]})
    code, err = errors_of(workspace, "customers", file)
    assert code == 1
    assert err.splitlines()[:2] == [
        f"error: {file}, sheet Kunder, row 2, column C (Org.nr.): `976 240 392` is not a valid organisation number",
        "  = help: expected an organisation number of 9 digits with a MOD11 check digit (spaces, NO and MVA are fine)",
    ]
    assert not (workspace / "customers").exists()


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (";A AS;976240391", "row 2, column B (Navn)"),  # no message check: id empty gives name-derived id
        ("b;;976240391", "row 2, column B (Navn): the cell is empty, but required"),
        ("c;C AS;;Gate 1;;Oslo", "row 2, column E (Postnr.): the address has no postcode"),
        ("d;D AS;976240391;;;;;;kanskje", "row 2, column I (EHF): `kanskje` is not ja or nei"),
        ("e;E AS;976240391;;;;;ikke-epost", "row 2, column H (E-post): `ikke-epost` is not an e-mail address"),
        ("f;F AS;976240391;;;;;;;;tysk", "row 2, column K (Språk): `tysk` is not a language"),
    ],
)
def test_customer_row_errors(workspace: Path, tmp_path: Path, row: str, message: str) -> None:
    code, err = errors_of(workspace, "customers", write(tmp_path / "k.csv", CUSTOMERS + row + "\n"))
    if row.startswith(";"):  # a blank key falls back to the name: `a_as`
        assert code == 0, err
        return
    assert code == 1
    assert message in err


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("1-A;fjellsport;15.12.2025;01.01.2026;12;;;;;;X;100;måned", "column A (Avtalenr): `1-A` is not a contract"),
        ("A-2;fjellsport;15.12.2025;01.01.2026;;;;;;;X;100;måned", "column G (Oppsigelse (mnd)): a contract without"),
        ("A-2;fjellsport;15.12.2025;01.01.2026;12;12;;;;;X;100;måned", "a renewing contract needs a notice period"),
        ("A-2;fjellsport;15.12.2025;01.01.2026;12;;;;;;X;100;uke", "column M (Periode): `uke` is not a period"),
        ("A-2;fjellsport;15.12.2025;01.01.2026;12;;;;;;;;", "a contract without a plan needs a description"),
        ("A-2;nobody;15.12.2025;01.01.2026;12;;;;;;X;100;måned", "column B (Kundenr): there is no customer `nobody`"),
        ("A-2;fjellsport;15.12.2025;01.01.2026;12;;;;;teams", "column J (Plan): there is no plan `teams`"),
        ("A-2;fjellsport;15.12.2025;01.01.2026;12;;;;;team;;;;10 %", "must say which charges it applies to"),
        ("A-2;fjellsport;15.12.2025;01.01.2026;12;;;;;team;X;100;måned", "follows a plan or has its own price"),
        ("A-2;fjellsport;15.12.2025;01.01.2026;12;;;;;;X;100;måned;;01.06.2026", "end date without a discount"),
        ("A-2;fjellsport;15.12.2025;01.01.2026;12;;;;;Team Pro", "column J (Plan): `Team Pro` is not a plan id"),
        ('A-2;fjellsport;15.12.2025;01.01.2026;12;;;;;;"Linje 1\nLinje 2";100;måned', "is not one line of text"),
        (
            "A-2;fjellsport;15.12.2025;01.01.2026;12;;;;;team",
            "row 2: contract `A-2` would not check: per-unit charge `seats`",
        ),
    ],
)
def test_contract_row_errors(workspace: Path, tmp_path: Path, row: str, message: str) -> None:
    avtale(workspace, "import", "customers", str(write(tmp_path / "k.csv", CUSTOMERS + GOOD_CUSTOMER)))
    code, err = errors_of(workspace, "contracts", write(tmp_path / "a.csv", CONTRACTS + row + "\n"))
    assert code == 1
    assert message in err, err
    assert not (workspace / "contracts").exists()


def test_plan_charge_columns_and_unknown_charges(workspace: Path, tmp_path: Path) -> None:
    avtale(workspace, "import", "customers", str(write(tmp_path / "k.csv", CUSTOMERS + GOOD_CUSTOMER)))
    mapping = write(
        tmp_path / "m.toml",
        '[contracts.columns]\nid = "Nr"\ncustomer = "Kunde"\nsigned = "Signert"\nstart = "Start"\n'
        'term_months = "Binding"\nplan = "Plan"\n[contracts.charges.seats]\nquantity = "Brukere"\n'
        '[contracts.charges.gold]\nprice = "Gullpris"\n',
    )
    rows = "Nr;Kunde;Signert;Start;Binding;Plan;Brukere;Gullpris\nA-3;fjellsport;2025-12-01;2026-01-01;12;team;5;\n"
    code, _out, err = avtale(
        workspace, "import", "contracts", str(write(tmp_path / "a.csv", rows)), "--mapping", str(mapping)
    )
    assert (code, err) == (0, "")
    assert "  plan team {\n    seats quantity 5\n  }\n" in (workspace / "contracts/A-3-fjellsport.avt").read_text()
    rows = rows.replace("A-3", "A-4").replace(";5;\n", ";5;100\n")
    code, _, err = avtale(
        workspace, "import", "contracts", str(write(tmp_path / "a.csv", rows)), "--mapping", str(mapping)
    )
    assert code == 1
    assert "column F (Plan): plan `team` has no charge `gold`, which the mapping gives columns" in err


def test_duplicate_rows_are_errors(workspace: Path, tmp_path: Path) -> None:
    code, err = errors_of(workspace, "customers", write(tmp_path / "k.csv", CUSTOMERS + GOOD_CUSTOMER * 2))
    assert code == 1
    assert "row 3, column A (Kundenr): customer `fjellsport` is also on row 2" in err


def test_a_conflict_says_what_differs_and_overwrites_nothing(workspace: Path, tmp_path: Path) -> None:
    avtale(workspace, "import", "customers", str(write(tmp_path / "k.csv", CUSTOMERS + GOOD_CUSTOMER)))
    avtale(workspace, "import", "contracts", str(write(tmp_path / "a.csv", CONTRACTS + GOOD_CONTRACT)))
    before = (workspace / "contracts/A-1-fjellsport.avt").read_bytes()
    changed = GOOD_CONTRACT.replace("1 490,00", "1 590,00").replace("A-1", "A-1") + GOOD_CONTRACT.replace("A-1", "A-9")
    code, out, err = avtale(workspace, "import", "contracts", str(write(tmp_path / "a.csv", CONTRACTS + changed)))
    assert code == 1
    assert "conflict: " in err and "contract A-1 already exists in contracts/A-1-fjellsport.avt" in err
    assert "  - flat 1_490.00 per month\n  + flat 1_590.00 per month\n" in err
    assert out.splitlines()[-1] == "would create 1, unchanged 0, conflicts 1, errors 0"
    assert (workspace / "contracts/A-1-fjellsport.avt").read_bytes() == before
    assert not (workspace / "contracts/A-9-fjellsport.avt").exists()
    code, out, err = avtale(workspace, "import", "contracts", str(tmp_path / "a.csv"), "--skip-bad")
    assert code == 1 and (workspace / "contracts/A-9-fjellsport.avt").exists()
    assert (workspace / "contracts/A-1-fjellsport.avt").read_bytes() == before


def test_dry_run_and_file_per_customer(workspace: Path, tmp_path: Path) -> None:
    file = write(tmp_path / "k.csv", CUSTOMERS + GOOD_CUSTOMER + GOOD_CUSTOMER.replace("fjellsport;", "elv;"))
    code, out, _ = avtale(workspace, "import", "customers", str(file), "--dry-run", "--file-per-customer")
    assert code == 0
    assert "would create customer elv in customers/elv.avt" in out and "dry run: nothing was written" in out
    assert '--- customers/elv.avt (would add)\ncustomer elv {\n  name "Fjellsport AS"\n' in out
    assert not (workspace / "customers").exists()
    avtale(workspace, "import", "customers", str(file), "--file-per-customer")
    assert sorted(p.name for p in (workspace / "customers").iterdir()) == ["elv.avt", "fjellsport.avt"]


def test_errors_out_writes_the_input_back_with_an_error_column(workspace: Path, tmp_path: Path) -> None:
    file = write(tmp_path / "k.csv", CUSTOMERS + GOOD_CUSTOMER + "x;X AS;123\n")
    report = tmp_path / "feil.xlsx"
    code, _err = errors_of(workspace, "customers", file, "--errors-out", str(report))
    assert code == 1
    rows = list(load_workbook(report).active.iter_rows(values_only=True))
    assert rows[0][-1] == "Feil" and rows[0][0] == "Kundenr"
    assert rows[1][0] == "fjellsport" and rows[1][-1] is None
    assert rows[2][:3] == ("x", "X AS", "123")
    assert rows[2][-1] == (
        "C (Org.nr.): `123` is not a valid organisation number (expected an organisation number of 9 digits "
        "with a MOD11 check digit (spaces, NO and MVA are fine))"
    )


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda d: write(d / "x.txt", "a"), "is neither .xlsx nor .csv"),
        (lambda d: write(d / "x.xlsx", "not a zip"), "cannot read"),
        (lambda d: (d / "x.csv").write_bytes(b"Navn\n\xe6\xf8\xe5\n") and d / "x.csv", "is not UTF-8"),
        (lambda d: write(d / "x.csv", "Navn;Org\nA;1\n"), "has no column headed 'Kundenr'"),
        (lambda d: xlsx(d / "x.xlsx", {"Ark1": [["a"]], "Ark2": [["b"]]}), "has no sheet named `Kunder`"),
    ],
)
def test_whole_file_problems(workspace: Path, tmp_path: Path, setup, message: str) -> None:  # type: ignore[no-untyped-def]
    code, err = errors_of(workspace, "customers", setup(tmp_path))
    assert code == 1
    assert message in err.splitlines()[0] and err.splitlines()[1].startswith("  = help: ")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[customers\n", "is not valid TOML"),
        ("[people]\n", "unknown tables: people"),
        ("[customers.columns]\nnavn = 'Navn'\n", "names unknown fields: navn"),
        ("[customers]\ncolour = 1\n", "unknown keys: colour"),
        ("[contracts.charges.seats]\ncount = 'N'\n", "must name a quantity and/or price heading"),
    ],
)
def test_mapping_problems(text: str, message: str) -> None:
    with pytest.raises(ImportProblem, match=message):
        parse_mapping(text, "m.toml")


def test_a_broken_workspace_is_refused(workspace: Path, tmp_path: Path) -> None:
    write(workspace / "broken.avt", "customer x {\n}\n")
    with pytest.raises(ImportProblem, match="error\\(s\\) before the import"):
        import_into(workspace, write(tmp_path / "k.csv", CUSTOMERS + GOOD_CUSTOMER), kinds=("customers",))


def test_the_template_imports_clean_and_is_deterministic(workspace: Path, tmp_path: Path) -> None:
    assert avtale(workspace, "import", "--template", str(tmp_path / "t"))[0] == 0
    assert avtale(workspace, "import", "--template", str(tmp_path / "u"))[0] == 0
    for name in ("avtale-import.xlsx", "avtale-import.toml"):
        assert (tmp_path / "t" / name).read_bytes() == (tmp_path / "u" / name).read_bytes()
    assert load_workbook(tmp_path / "t" / "avtale-import.xlsx").sheetnames == ["Kunder", "Avtaler", "Veiledning"]
    result = import_into(workspace, tmp_path / "t" / "avtale-import.xlsx")
    assert result.plan.errors == () and result.plan.count("created") == 2
    assert avtale(workspace, "check")[0] == 0
