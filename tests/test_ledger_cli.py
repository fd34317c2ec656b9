"""`avtale ledger init|verify|anchor`, and what `invoice` and `export` show of a ledger, on the example workspace."""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from tests.factories.cli import bill, copy_examples, run
from tests.ledger.test_read_only import as_reader, listing, shared  # noqa: F401 (a fixture)

EXAMPLES = Path(__file__).parent.parent / "contracts_examples"
FIXTURE = Path(__file__).parent / "ledger" / "fixtures" / "ledger-v2.sqlite"
D = Decimal


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return copy_examples(tmp_path / "ws")


@pytest.fixture
def billed(ws: Path) -> Path:
    """The example workspace, its ledger initialised and billed as of 2026-03-01 (invoices 250001..250009)."""
    return bill(ws, "2026-03-01")


@pytest.fixture
def migrated(ws: Path) -> Path:
    """The example workspace with the version-2 ledger two real bill runs of it wrote (fixtures/README.md)."""
    shutil.copyfile(FIXTURE, ws / "ledger.sqlite")
    return ws


def tamper(ledger: Path, statement: str, *dropped: str) -> None:
    raw = sqlite3.connect(ledger, isolation_level=None)
    for trigger in dropped:
        raw.execute(f"DROP TRIGGER {trigger}")
    raw.execute(statement)
    raw.close()


def test_init_records_the_seller_and_says_what_next(ws: Path) -> None:
    code, out, err = run(ws, "ledger", "init")
    assert code == 0, err
    assert f"Initialised the ledger at {ws / 'ledger.sqlite'}" in out
    assert "seller               Skarvtind Software AS (organisation number 925792403)" in out
    assert "invoice numbers      from 250001" in out
    assert "credit note numbers  from 950001" in out
    assert "`avtale bill --as-of DATE --apply` issues it" in out
    code, out, err = run(ws, "ledger", "init")
    assert code == 1
    assert err.startswith(f"error: the ledger at {ws / 'ledger.sqlite'} is already initialised: it records Skarvtind")
    assert "\n  = help: nothing to do" in err


def test_init_adopts_a_version_2_ledger(migrated: Path) -> None:
    code, out, err = run(migrated, "ledger", "init")
    assert code == 0, err
    assert (
        "adopted with         10 invoices (250001–250010), next 250011; 3 credit notes (950001–950003), next 950004"
        in (out)
    )


def test_init_where_the_ledger_setting_names_a_path_below_a_file(ws: Path) -> None:
    (ws / "books").write_text("not a folder\n")
    settings = ws / "avtale.toml"
    settings.write_text(settings.read_text(encoding="utf-8") + 'ledger = "books/ledger.sqlite"\n', encoding="utf-8")
    code, _out, err = run(ws, "ledger", "init")
    assert code == 1
    assert err == (
        f"error: cannot open the ledger at {ws / 'books' / 'ledger.sqlite'}: {ws / 'books'} is a file, not a folder\n"
        f"  = help: point the `ledger` setting in avtale.toml at a path in a folder, or move {ws / 'books'} away\n"
    )


def test_verify_and_anchor_of_a_billed_ledger(billed: Path, tmp_path: Path) -> None:
    code, anchor, err = run(billed, "ledger", "anchor")
    assert code == 0, err
    lines = anchor.splitlines()
    assert lines[:2] == ["avtale ledger anchor 1", "seller 925792403"]
    assert lines[2].startswith("invoice 250009 ") and len(lines) == 3
    last_hash = lines[2].split()[2]
    code, out, err = run(billed, "ledger", "verify")
    assert code == 0, err
    assert out == f"OK: ledger.sqlite: 9 invoices (last 250009, hash {last_hash[:12]})\n"
    saved = tmp_path / "anchor.txt"
    saved.write_text(anchor, encoding="utf-8")
    code, out, err = run(billed, "ledger", "verify", "--anchor", str(saved))
    assert code == 0, err
    assert out.endswith(f"; matches the anchor {saved}\n")
    code, out, err = run(billed, "ledger", "verify", "--json")
    data = json.loads(out)
    assert (code, data["ok"], data["problems"]) == (0, True, [])
    assert data["identity"]["seller_orgnr"] == "925792403"
    assert data["series"][0]["documents"] == 9 and data["series"][0]["next"] == 250010


def test_verify_lists_every_problem_located(billed: Path, tmp_path: Path) -> None:
    saved = tmp_path / "anchor.txt"
    saved.write_text(run(billed, "ledger", "anchor")[1], encoding="utf-8")
    tamper(
        billed / "ledger.sqlite",
        "UPDATE document_lines SET net_amount = '1.00' WHERE series = 'invoice' AND number = 250003 AND line = 1",
        "document_lines_no_update",
    )
    code, out, err = run(billed, "ledger", "verify", "--anchor", str(saved))
    assert code == 1 and out == ""
    assert err.splitlines() == [
        "error: trigger document_lines_no_update is missing: the schema no longer enforces what it guarded",
        "error: invoice 250003: its content does not match its hash (changed after issue)",
        "error: invoice 250003: its totals do not add up from its lines",
        f"3 problems in the ledger at {billed / 'ledger.sqlite'}",
        "  = help: restore the ledger from a backup taken before the first problem; an issued document must never "
        "be changed, so do not repair it by hand",
    ]
    code, out, err = run(billed, "ledger", "verify", "--json")
    assert code == 1 and len(json.loads(out)["problems"]) == 3


def test_a_damaged_file_is_a_problem_not_a_traceback(billed: Path) -> None:
    ledger = billed / "ledger.sqlite"
    raw = sqlite3.connect(ledger)
    [root] = raw.execute("SELECT rootpage FROM sqlite_master WHERE name = 'documents'").fetchone()
    [size] = raw.execute("PRAGMA page_size").fetchone()
    raw.close()
    with ledger.open("r+b") as file:
        file.seek((root - 1) * size)
        file.write(b"\xff" * 8)  # the header of the documents table's root page
    code, _out, err = run(billed, "ledger", "verify")
    assert code == 1
    assert "error: the file is damaged (SQLite integrity check): database disk image is malformed" in err
    assert "error: the documents cannot be read: the file is damaged (database disk image is malformed)" in err
    code, _out, err = run(billed, "invoice", "list")
    assert code == 1
    assert f"error: the ledger at {ledger} is damaged: database disk image is malformed" in err
    assert "= help: run `avtale ledger verify`" in err
    ledger.write_bytes(b"a spreadsheet, perhaps\n" * 300)
    code, _out, err = run(billed, "ledger", "verify")
    assert code == 1
    assert err.startswith(f"error: {ledger} is not an Avtale ledger: file is not a database\n")


def test_verify_and_anchor_without_a_ledger(ws: Path) -> None:
    for command in (("ledger", "verify"), ("ledger", "anchor")):
        code, _out, err = run(ws, *command)
        assert code == 1
        assert "there is no ledger at" in err and "`avtale ledger init`" in err


def test_a_malformed_anchor_file(billed: Path, tmp_path: Path) -> None:
    saved = tmp_path / "anchor.txt"
    saved.write_text("avtale ledger anchor 1\nseller 925792403\ninvoice 250009 nothex\n", encoding="utf-8")
    code, _out, err = run(billed, "ledger", "verify", "--anchor", str(saved))
    assert code == 1
    assert err.startswith(f"error: {saved}: not a ledger anchor: line 3: the hash is not 64 lowercase hex digits\n")


def test_show_explain_and_export_warn_about_a_changed_document(billed: Path) -> None:
    tamper(
        billed / "ledger.sqlite",
        "UPDATE documents SET due_date = '2026-12-31' WHERE series = 'invoice' AND number = 250002",
        "documents_no_update",
    )
    warning = (
        "warning: invoice 250002 does not match its hash: it was changed after issue; run `avtale ledger verify`\n"
    )
    code, out, err = run(billed, "invoice", "show", "250002")
    assert code == 0 and err == warning
    assert "due 2026-12-31" in out  # printed all the same
    code, out, err = run(billed, "invoice", "explain", "250002")
    assert code == 0 and err == warning and "from plans/" in out
    code, out, err = run(billed, "export", "csv")
    assert code == 0 and err == warning
    code, out, err = run(billed, "invoice", "show", "250001")
    assert code == 0 and err == ""


def amounts(rows: list[dict[str, str]], column: str) -> Decimal:
    return sum((D(row[column]) for row in rows), D(0))


def test_export_sums_to_the_documents_totals(migrated: Path) -> None:
    before = (migrated / "ledger.sqlite").read_bytes()
    code, out, err = run(migrated, "export", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 184
    # The fixture's documents (fixtures/README.md): ten invoices, net 835 289.14, VAT 190 428.99, gross
    # 1 025 718.13; three credit notes, net 1 650.00, VAT 412.50, gross 2 062.50. Invoiced less credited:
    assert amounts(rows, "net_amount") == D("833639.14")
    assert amounts(rows, "vat_amount") == D("190016.49")
    assert amounts(rows, "gross_amount") == D("1023655.63")
    by_document: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        by_document[row["series"], row["number"]].append(row)
    big = by_document["invoice", "250002"]
    assert (amounts(big, "net_amount"), amounts(big, "vat_amount"), amounts(big, "gross_amount")) == (
        D("87898.92"),
        D("21974.73"),
        D("109873.65"),
    )
    note = by_document["credit_note", "950002"]  # eleven months of the price cut, 50.00 each
    assert {(r["net_amount"], r["vat_amount"], r["gross_amount"], r["corrects"]) for r in note} == {
        ("-50.00", "-12.50", "-62.50", "250003")
    }
    assert len(note) == 11
    assert {r["customer_name"] for r in note} == {"Lofoten Rorbuferie AS"}
    assert (migrated / "ledger.sqlite").read_bytes() == before  # read-only: not even migrated


def test_export_of_a_fresh_bill_run_sums(billed: Path) -> None:
    code, out, err = run(billed, "export", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    raw = sqlite3.connect(billed / "ledger.sqlite")
    totals = raw.execute("SELECT net, vat, gross FROM documents").fetchall()
    raw.close()
    for column, position in (("net_amount", 0), ("vat_amount", 1), ("gross_amount", 2)):
        assert amounts(rows, column) == sum((D(t[position]) for t in totals), D(0))
    assert all(row["customer_name"] for row in rows)


def test_reading_commands_work_in_a_read_only_workspace(shared: Path) -> None:  # noqa: F811
    ws = shared / "ws"
    shutil.copytree(EXAMPLES, ws, ignore=shutil.ignore_patterns(".avtale", "ledger.sqlite*", "out"))
    shutil.copyfile(FIXTURE, ws / "ledger.sqlite")
    for path in (ws, *ws.rglob("*")):
        path.chmod(0o555 if path.is_dir() else 0o444)
    before = listing(ws)

    def read() -> list[tuple[int, str, str]]:
        return [run(ws, *command) for command in (("ledger", "verify"), ("invoice", "list"), ("export", "csv"))]

    [verified, listed, exported] = as_reader(read)
    assert verified[0] == 0 and verified[1].startswith("OK: ledger.sqlite: 10 invoices"), verified
    assert listed[0] == 0 and "950003" in listed[1], listed
    assert exported[0] == 0 and exported[1].count("\n") == 185, exported[2]
    assert listing(ws) == before


def test_a_credit_note_row_has_no_negative_zero(tmp_path: Path) -> None:
    from runtime.cli.invoice import CSV_COLUMNS, _csv_rows
    from runtime.ledger import Ledger
    from tests.ledger.factories import credit_note, invoice, issue, line

    with Ledger.open(tmp_path / "ledger.sqlite") as ledger:
        issue(ledger, [invoice()])
        [note] = issue(
            ledger,
            [credit_note(1001, lines=(line("40.00", corrects=1001), line("9.00", category="exempt", rate="0")))],
        )
    rows = [dict(zip(CSV_COLUMNS, row, strict=True)) for row in _csv_rows(note, {"nordlys": "Nordlys AS"})]
    assert [(r["net_amount"], r["vat_amount"], r["gross_amount"], r["corrects"]) for r in rows] == [
        ("-40.00", "-10.00", "-50.00", 1001),
        ("-9.00", "0.00", "-9.00", 1001),  # the line names no invoice; its credit note corrects only 1001
    ]
    assert rows[0]["customer_name"] == "Nordlys AS"


FIXTURE_V4 = Path(__file__).parent / "ledger" / "fixtures" / "ledger-v4.sqlite"


def test_backfill_gives_older_documents_a_snapshot_once(ws: Path) -> None:
    shutil.copyfile(FIXTURE_V4, ws / "ledger.sqlite")  # 13 documents issued before snapshots
    before = (ws / "ledger.sqlite").read_bytes()
    code, out, err = run(ws, "ledger", "backfill", "--dry-run")
    assert (code, err) == (0, "")
    assert out == (
        "would record snapshots of the parties and lines of 13 documents from today's workspace, marked as "
        "backfilled: not covered by their hash\nnothing was recorded (--dry-run)\n"
    )
    assert (ws / "ledger.sqlite").read_bytes() == before
    code, out, err = run(ws, "ledger", "backfill")
    assert (code, err) == (0, "")
    assert out.startswith("recorded snapshots of the parties and lines of 13 documents from today's workspace")
    code, out, err = run(ws, "ledger", "backfill")
    assert (code, out) == (
        0,
        f"nothing to backfill: every document in the ledger at {ws / 'ledger.sqlite'} has its snapshot\n",
    )
    code, out, err = run(ws, "ledger", "verify")
    assert code == 0 and out.startswith("OK: ledger.sqlite: 10 invoices (last 250010, hash 22b50c71b6de)"), err
    from runtime.ledger import Ledger

    with Ledger.open(ws / "ledger.sqlite", create=False, read_only=True) as ledger:
        note = ledger.document("credit_note", 950002)
        backfilled = ledger.backfilled()
    assert note is not None and note.parties is not None
    assert (note.parties.source, note.parties.buyer.id, note.parties.buyer.name) == (
        "backfill",
        "lofoten_rorbu",
        "Lofoten Rorbuferie AS",
    )
    assert note.parties.seller.bank_account == "7661.69.72304"
    assert len(backfilled) == 13


def test_backfill_refuses_another_sellers_ledger(ws: Path) -> None:
    shutil.copyfile(FIXTURE_V4, ws / "ledger.sqlite")
    seller = ws / "seller.avt"
    seller.write_text(seller.read_text(encoding="utf-8").replace("250001", "260001"), encoding="utf-8")
    code, out, err = run(ws, "ledger", "backfill")
    assert code == 1 and out == ""
    assert err.startswith("error: the ledger at ") and "\n  = help: " in err
    assert "invoice_numbers from 260001" in err
    from runtime.ledger import Ledger

    with Ledger.open(ws / "ledger.sqlite", create=False, read_only=True) as ledger:
        assert ledger.backfilled() == {}


def test_backfill_leaves_documents_whose_contract_is_gone_and_says_so(ws: Path) -> None:
    """Today's workspace no longer has SKT-2025-001: its documents' lines cannot be described from it (an exempt
    line would lose its VAT reason for good), so they get no snapshot, and the command fails after recording
    the others."""
    shutil.copyfile(FIXTURE_V4, ws / "ledger.sqlite")
    (next((ws / "contracts").glob("SKT-2025-001-*.avt"))).unlink()
    code, out, err = run(ws, "ledger", "backfill")
    assert code == 1
    assert (
        "warning: invoice 250001 is left without a snapshot: contract SKT-2025-001 is no longer in the workspace" in err
    )
    assert "left without a snapshot (see the warnings above)\n  = help: put back what they were issued for" in err
    from runtime.ledger import Ledger

    with Ledger.open(ws / "ledger.sqlite", create=False, read_only=True) as ledger:
        gone = [d for d in ledger.documents() if d.contract == "SKT-2025-001"]
        kept = [d for d in ledger.documents() if d.contract != "SKT-2025-001"]
    assert gone and all(d.parties is None for d in gone)
    assert kept and all(d.parties is not None for d in kept)
    assert f"recorded snapshots of the parties and lines of {len(kept)} documents" in out
