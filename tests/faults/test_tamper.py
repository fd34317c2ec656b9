"""Hand edits and damage to the ledger file, made with plain sqlite3 and file writes.

- a line amount of a middle document changed (its trigger dropped first): `ledger verify` exits 1 naming that
  document and no other, `invoice show` warns, and the next apply issues nothing, naming it;
- the last document of a series rewritten and re-hashed consistently, triggers put back (a forged chain end):
  `ledger verify` cannot tell, `ledger verify --anchor` with the anchor saved after the apply can;
- a page in the middle of the file overwritten with garbage: `ledger verify` exits 1 and an apply refuses,
  neither with a traceback nor exit 70.
"""

from __future__ import annotations

import random
import re
import sqlite3
from decimal import Decimal
from pathlib import Path

import attrs
import pytest

from runtime.ledger import Ledger
from runtime.ledger import rows as ledger_rows
from runtime.ledger.chain import document_hash
from runtime.ledger.totals import compute_totals
from tests.faults import attacks
from tests.faults.conftest import SEED

pytestmark = pytest.mark.faults

LATER = "2026-10-01"
"""A run after the attacked one: it has invoices to issue."""

NAMED = re.compile(r"^error: (invoice|credit note) (\d+)\b", re.MULTILINE)


def named(output: str) -> set[tuple[str, int]]:
    """The documents `ledger verify` reports problems with."""
    return {(kind, int(number)) for kind, number in NAMED.findall(output)}


def change_line_amount(ledger: Path, number: int, line: int = 1, *, rearm: bool = False) -> None:
    """What the docs show a hand edit to be: drop the trigger, then change an amount (1000.00 more);
    with `rearm`, put the trigger back afterwards, so that only the document's hash tells."""
    db = sqlite3.connect(ledger, isolation_level=None)
    try:
        where = "WHERE series = 'invoice' AND number = ? AND line = ?"
        [amount] = db.execute(f"SELECT net_amount FROM document_lines {where}", (number, line)).fetchone()
        [trigger] = db.execute("SELECT sql FROM sqlite_master WHERE name = 'document_lines_no_update'").fetchone()
        db.execute("DROP TRIGGER document_lines_no_update")
        db.execute(
            f"UPDATE document_lines SET net_amount = ? {where}", (str(Decimal(amount) + Decimal(1000)), number, line)
        )
        if rearm:
            db.execute(trigger)
    finally:
        db.close()


@pytest.fixture
def tampered(examples: attacks.Scenario) -> attacks.Scenario:
    examples.fresh("pre")  # ten invoices, 250001 to 250010, from the run of 1 April 2026
    return examples


def test_a_changed_middle_document_is_named_by_verify_and_show(tampered: attacks.Scenario) -> None:
    change_line_amount(tampered.ledger, 250005)
    verify = attacks.cli(tampered.root, tampered.cache, "ledger", "verify")
    assert verify.code == 1 and not verify.internal
    assert named(verify.stderr) == {("invoice", 250005)}, verify.stderr
    assert "error: invoice 250005: its content does not match its hash (changed after issue)" in verify.stderr
    assert "error: trigger document_lines_no_update is missing" in verify.stderr
    show = attacks.cli(tampered.root, tampered.cache, "invoice", "show", "250005")
    assert show.code == 0 and not show.internal
    assert "warning: invoice 250005 does not match its hash: it was changed after issue" in show.stderr
    other = attacks.cli(tampered.root, tampered.cache, "invoice", "show", "250006")
    assert other.code == 0 and "does not match its hash" not in other.output


@pytest.mark.parametrize(
    "number",
    [
        pytest.param(250005, id="of-a-contract-the-run-plans-whole"),  # its usage changed since it was issued
        pytest.param(250004, id="of-a-settled-contract"),  # the run never reads its lines
    ],
)
def test_the_next_apply_after_a_changed_middle_document_issues_nothing(tampered: attacks.Scenario, number: int) -> None:
    change_line_amount(tampered.ledger, number)
    before = attacks.dump(tampered.ledger)
    apply = attacks.cli(tampered.root, tampered.cache, *tampered.args)
    assert not apply.internal
    assert apply.code == 1, attacks.tail(apply)
    assert "trigger document_lines_no_update is missing" in apply.stderr and "nothing was issued" in apply.stderr
    assert attacks.dump(tampered.ledger) == before


def test_a_changed_document_with_its_trigger_put_back_stops_a_correction_of_it(tampered: attacks.Scenario) -> None:
    change_line_amount(tampered.ledger, 250005, rearm=True)  # a contract the run plans whole: it reads the lines
    before = attacks.dump(tampered.ledger)
    apply = attacks.cli(tampered.root, tampered.cache, *tampered.args)
    assert not apply.internal
    assert apply.code == 1, attacks.tail(apply)
    assert "invoice 250005" in apply.stderr and "nothing was issued" in apply.stderr
    assert attacks.dump(tampered.ledger) == before


def forge_last(ledger: Path, series: str) -> int:
    """Lower the first line of the last document of `series` by 1.00, with totals, VAT and hash recomputed
    and the triggers put back: the ledger is consistent again, and only an anchor can tell. Its number."""
    with Ledger.open(ledger, create=False, read_only=True) as opened:
        number = max(doc.number for doc in opened.documents(series))  # type: ignore[arg-type]
        doc = opened.document(series, number)  # type: ignore[arg-type]
    assert doc is not None
    first = doc.lines[0]
    lines = (attrs.evolve(first, net_amount=first.net_amount - Decimal("1.00")), *doc.lines[1:])
    forged = attrs.evolve(doc, lines=lines, totals=compute_totals(lines, doc.currency), hash="")
    forged = attrs.evolve(forged, hash=document_hash(forged))
    db = sqlite3.connect(ledger, isolation_level=None)
    try:
        names = [f"{table}_no_update" for table in ("documents", "document_lines", "document_vat")]
        saved = [db.execute("SELECT sql FROM sqlite_master WHERE name = ?", (n,)).fetchone()[0] for n in names]
        db.execute("BEGIN")
        for name in names:
            db.execute(f"DROP TRIGGER {name}")
        key = "WHERE series = ? AND number = ?"
        columns = ledger_rows.DOCUMENT_COLUMNS.split(", ")
        db.execute(
            f"UPDATE documents SET {', '.join(f'{c} = ?' for c in columns)} {key}",
            (*ledger_rows.document_row(forged), series, number),
        )
        columns = ledger_rows.LINE_COLUMNS.split(", ")
        for row in ledger_rows.line_rows(forged):
            db.execute(
                f"UPDATE document_lines SET {', '.join(f'{c} = ?' for c in columns)} {key} AND line = ?",
                (*row, series, number, row[2]),
            )
        columns = ledger_rows.VAT_COLUMNS.split(", ")
        for row in ledger_rows.vat_rows(forged):
            db.execute(
                f"UPDATE document_vat SET {', '.join(f'{c} = ?' for c in columns)} {key} AND position = ?",
                (*row, series, number, row[2]),
            )
        for sql in saved:
            db.execute(sql)
        db.execute("COMMIT")
    finally:
        db.close()
    return number


@pytest.mark.parametrize("series", ["invoice", "credit_note"])
def test_a_forged_chain_end_is_caught_by_the_anchor(examples: attacks.Scenario, series: str, tmp_path: Path) -> None:
    root = examples.fresh("after")
    anchor = attacks.cli(root, examples.cache, "ledger", "anchor")
    assert anchor.code == 0
    saved = tmp_path / "anchor.txt"
    saved.write_text(anchor.stdout, encoding="utf-8")
    number = forge_last(examples.ledger, series)
    assert attacks.dump(examples.ledger)["documents"] != examples.reference["documents"]
    plain = attacks.cli(root, examples.cache, "ledger", "verify")
    assert plain.code == 0, plain.stderr  # the forgery is consistent: nothing inside the file can tell
    anchored = attacks.cli(root, examples.cache, "ledger", "verify", "--anchor", str(saved))
    assert anchored.code == 1 and not anchored.internal
    name = "invoice" if series == "invoice" else "credit note"
    assert named(anchored.stderr) == {(name, number)}, anchored.stderr
    assert "but the anchor records" in anchored.stderr


def destroy_page(ledger: Path, page: int, seed: int) -> None:
    """Overwrite one page (numbered from 1, as SQLite does) with random bytes."""
    db = sqlite3.connect(ledger)
    size = db.execute("PRAGMA page_size").fetchone()[0]
    db.close()
    assert not ledger.with_name(ledger.name + "-wal").exists(), "the WAL was checkpointed into the file"
    with ledger.open("r+b") as file:
        file.seek((page - 1) * size)
        file.write(random.Random(seed).randbytes(size))


def pages(ledger: Path) -> int:
    db = sqlite3.connect(ledger)
    try:
        return int(db.execute("PRAGMA page_count").fetchone()[0])
    finally:
        db.close()


def assert_damage_refused(scenario: attacks.Scenario, *apply_args: str) -> None:
    ledger = scenario.ledger
    damaged = ledger.read_bytes()
    logs = scenario.logs
    verify = attacks.run(scenario.root, scenario.cache, ["ledger", "verify"], logs, "damaged-verify")
    assert attacks.problems_of(verify, "ledger verify", codes=(1,)) == []
    assert "the file is damaged" in verify.stderr or "is damaged" in verify.stderr
    apply = attacks.run(scenario.root, scenario.cache, apply_args, logs, "damaged-apply")
    assert attacks.problems_of(apply, "apply", codes=(1,)) == []
    assert "is damaged" in apply.stderr
    assert ledger.read_bytes() == damaged
    wal = ledger.with_name(ledger.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0


def test_a_page_destroyed_mid_file_is_reported_and_stops_an_apply(examples: attacks.Scenario) -> None:
    examples.fresh("after")
    destroy_page(examples.ledger, pages(examples.ledger) // 2, SEED)
    assert_damage_refused(examples, "bill", "--as-of", LATER, "--apply")


def root_page(ledger: Path, table: str) -> int:
    db = sqlite3.connect(ledger)
    try:
        return int(db.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0])
    finally:
        db.close()


def first_leaf(ledger: Path, table: str) -> int:
    """The leaf page of `table` holding its first rows: the root's leftmost child, and so on down."""
    data = ledger.read_bytes()
    size = int.from_bytes(data[16:18], "big")
    page = root_page(ledger, table)
    while True:
        header = (page - 1) * size + (100 if page == 1 else 0)
        if data[header] == 0x0D:  # a leaf of a table b-tree
            return page
        assert data[header] == 0x05, f"page {page} is not a table b-tree page"
        cell = (page - 1) * size + int.from_bytes(data[header + 12 : header + 14], "big")
        page = int.from_bytes(data[cell : cell + 4], "big")


def test_a_destroyed_page_of_a_table_the_run_does_not_read_stops_an_apply(examples: attacks.Scenario) -> None:
    root = examples.fresh("pre")  # invoices only; with the original usage the run issues invoices only too
    (root / "usage" / "events.csv").write_bytes((attacks.EXAMPLES / "usage" / "events.csv").read_bytes())
    destroy_page(examples.ledger, root_page(examples.ledger, "document_refs"), SEED)  # an empty b-tree
    assert_damage_refused(examples, "bill", "--as-of", attacks.AS_OF, "--apply")


def test_a_destroyed_page_of_old_documents_stops_an_apply(examples: attacks.Scenario) -> None:
    examples.fresh("after")
    destroy_page(examples.ledger, first_leaf(examples.ledger, "documents"), SEED)  # the first invoices
    assert_damage_refused(examples, "bill", "--as-of", LATER, "--apply")
