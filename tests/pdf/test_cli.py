"""`avtale export pdf` on the example workspace, billed twice so that it holds invoices and credit notes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import typst

from runtime.ledger.documents import file_stem
from runtime.ledger.store import Ledger
from runtime.pdf import batch
from tests.factories.cli import copy_examples, run
from tests.pdf.reading import text_of

ROOT = Path(__file__).resolve().parents[2]
V4_LEDGER = ROOT / "tests" / "ledger" / "fixtures" / "ledger-v4.sqlite"  # issued before party snapshots


def kroner(amount: Decimal, language: str) -> str:
    """An amount as a document writes it: 1 234,50, or 1,234.50 in English (a reference of its own)."""
    english = f"{amount:,.2f}"
    return english if language == "en" else english.replace(",", " ").replace(".", ",")


@pytest.fixture(scope="module")
def billed_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example workspace billed as of 2026-03-01 (invoices 250001-250009), then again after a price
    change (invoice 250010 and credit notes 950001-950003), as in tests/ledger/fixtures/README.md."""
    root = copy_examples(tmp_path_factory.mktemp("pdf") / "ws")
    settings = root / "avtale.toml"
    settings.write_text("".join(row for row in settings.read_text().splitlines(True) if not row.startswith("einvoice")))
    for args in (("ledger", "init"), ("bill", "--as-of", "2026-03-01", "--apply")):
        code, out, err = run(root, *args)
        assert code == 0, out + err
    start = root / "plans" / "start.avt"
    start.write_text(start.read_text().replace("flat 349.00 per month", "flat 299.00 per month"))
    code, out, err = run(root, "bill", "--as-of", "2026-03-01", "--apply", "--yes")
    assert code == 0, out + err
    return root


@pytest.fixture
def ws(billed_once: Path, tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    shutil.copytree(billed_once, root, ignore=shutil.ignore_patterns("out"))
    return root


def documents(root: Path) -> list:  # type: ignore[type-arg]
    with Ledger.open(root / "ledger.sqlite", create=False, read_only=True) as ledger:
        return ledger.documents()


def test_every_document_is_written_and_reads_back(ws: Path) -> None:
    code, out, err = run(ws, "export", "pdf", "--jobs", "1")
    assert code == 0, err
    folder = ws / "out" / "pdf"
    issued = documents(ws)
    assert {d.kind for d in issued} == {"invoice", "credit_note"}
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{file_stem(d)}.pdf" for d in issued)
    assert out.startswith(f"wrote {len(issued)} PDF(s) to {folder} (10 invoice(s), 3 credit note(s); 0 unchanged)")
    for doc in issued:
        text = text_of((folder / f"{file_stem(doc)}.pdf").read_bytes())
        language = doc.parties.buyer.language
        assert str(doc.number) in text
        assert f"NOK {kroner(doc.totals.gross, language)}" in text, doc.number
        if doc.kind == "invoice":
            assert doc.due_date.strftime("%Y-%m-%d" if language == "en" else "%d.%m.%Y") in text
        if doc.kind == "invoice":
            assert doc.kid in text
        else:
            (corrected,) = doc.corrects
            original = next(d for d in issued if d.kind == "invoice" and d.number == corrected)
            assert f"for faktura {corrected} av {original.issue_date.strftime('%d.%m.%Y')}" in text


def test_a_second_export_leaves_the_files_alone(ws: Path) -> None:
    assert run(ws, "export", "pdf", "--jobs", "1")[0] == 0
    target = ws / "out" / "pdf" / "250001.pdf"
    before = target.stat().st_mtime_ns
    code, out, err = run(ws, "export", "pdf", "--jobs", "1")
    assert code == 0, err
    assert "wrote 0 PDF(s)" in out and "13 unchanged" in out
    assert target.stat().st_mtime_ns == before


def test_a_file_with_other_content_is_never_overwritten(ws: Path) -> None:
    folder = ws / "out" / "pdf"
    folder.mkdir(parents=True)
    (folder / "250002.pdf").write_bytes(b"not this one")
    code, _, err = run(ws, "export", "pdf", "--jobs", "1")
    assert code == 1
    assert f"error: {folder / '250002.pdf'} exists with other content; an issued document's file is never" in err
    assert "= help: move the old files away, or export to another folder with --out" in err
    assert (folder / "250002.pdf").read_bytes() == b"not this one"
    assert (folder / "250001.pdf").exists()  # the others are written


def test_numbers_and_out(ws: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "elsewhere"
    code, out, err = run(ws, "export", "pdf", "--out", str(out_dir), "250003", "950001")
    assert code == 0, err
    assert sorted(p.name for p in out_dir.iterdir()) == ["250003.pdf", "credit-note-950001.pdf"]
    assert "(1 invoice(s), 1 credit note(s); 0 unchanged)" in out
    assert "Kreditnota" in text_of((out_dir / "credit-note-950001.pdf").read_bytes())


@pytest.fixture
def workers_for_few(monkeypatch: pytest.MonkeyPatch) -> None:
    """Worker processes even for the example's 13 documents, which would otherwise be rendered in-process."""
    monkeypatch.setattr(batch, "PARALLEL_FROM", 1)


@pytest.mark.usefixtures("workers_for_few")
def test_two_workers_write_the_same_bytes_as_one(ws: Path, tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    assert run(ws, "export", "pdf", "--jobs", "1", "--out", str(one))[0] == 0
    code, _, err = run(ws, "export", "pdf", "--jobs", "2", "--out", str(two))
    assert code == 0, err
    names = sorted(p.name for p in one.iterdir())
    assert names == sorted(p.name for p in two.iterdir())
    assert all((one / n).read_bytes() == (two / n).read_bytes() for n in names)


def test_unknown_number(ws: Path) -> None:
    code, _, err = run(ws, "export", "pdf", "123")
    assert code == 1
    assert (
        err
        == "error: no invoice or credit note number 123\n  = help: `avtale invoice list` shows the issued documents\n"
    )


def test_no_ledger(tmp_path: Path) -> None:
    root = tmp_path / "empty"
    root.mkdir()
    (root / "avtale.toml").write_text("")
    code, _, err = run(root, "export", "pdf")
    assert code == 1
    assert err.startswith(f"error: no ledger at {root.resolve() / 'ledger.sqlite'}: nothing has been issued yet\n")
    assert "= help: `avtale ledger init` creates it" in err


def test_documents_without_snapshots_ask_for_a_backfill(ws: Path) -> None:
    for stale in ws.glob("ledger.sqlite*"):
        stale.unlink()
    shutil.copyfile(V4_LEDGER, ws / "ledger.sqlite")
    code, _, err = run(ws, "export", "pdf", "250001")
    assert code == 1
    assert err.startswith("error: invoice 250001 was issued before the ledger kept party snapshots")
    assert "= help: run `avtale ledger backfill`" in err
    code, _, err = run(ws, "export", "pdf")
    assert code == 1
    assert "documents (invoice 250001, invoice 250002, invoice 250003, invoice 250004, invoice 250005, ...) were" in err
    assert not (ws / "out" / "pdf").exists()


def test_own_template_with_a_logo(ws: Path) -> None:
    folder = ws / "templates"
    folder.mkdir()
    (folder / "logo.png").write_bytes(
        typst.compile(b"#set page(width: 4cm, height: 1cm)\n#rect(fill: blue)", format="png")
    )
    (folder / "faktura.typ").write_text(
        '#import "@avtale/invoice:1.0.0": data, invoice\n'
        '#invoice(data, logo: image("logo.png", height: 1cm), accent: rgb("#7a1f1f"),\n'
        "  note: [Takk for at du er kunde hos oss, #data.buyer.name!])\n"
    )
    with (ws / "avtale.toml").open("a") as settings:
        settings.write('pdf_template = "templates/faktura.typ"\n')
    code, _, err = run(ws, "export", "pdf", "250001")
    assert code == 0, err
    pdf = (ws / "out" / "pdf" / "250001.pdf").read_bytes()
    assert "Takk for at du er kunde hos oss, Sogndal Turlag!" in text_of(pdf)
    assert b"/Subtype/Image" in pdf


def test_broken_own_template_is_an_error_not_a_traceback(ws: Path) -> None:
    (ws / "faktura.typ").write_text("#invoice(\n")
    with (ws / "avtale.toml").open("a") as settings:
        settings.write('pdf_template = "faktura.typ"\n')
    code, _, err = run(ws, "export", "pdf")
    assert code == 1
    assert err.startswith(f"error: the PDF template {ws / 'faktura.typ'} cannot be rendered: ")
    assert "= help: fix the template" in err
    assert not list((ws / "out" / "pdf").glob("*.pdf")) if (ws / "out" / "pdf").exists() else True


def test_missing_own_template(ws: Path) -> None:
    with (ws / "avtale.toml").open("a") as settings:
        settings.write('pdf_template = "nowhere.typ"\n')
    code, _, err = run(ws, "export", "pdf")
    assert code == 1
    assert f"error: the PDF template {ws / 'nowhere.typ'} does not exist" in err


def test_over_the_entry_point(ws: Path) -> None:
    """The installed command's own entry point, in a process of its own: what a user runs."""
    command = [sys.executable, "-c", "from runtime.cli.main import main; main()", "--workspace", str(ws)]
    done = subprocess.run([*command, "export", "pdf", "250001"], capture_output=True, text=True, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"wrote 1 PDF(s) to {ws / 'out' / 'pdf'}")
    assert "KID 000002500019" in text_of((ws / "out" / "pdf" / "250001.pdf").read_bytes())
    done = subprocess.run([*command, "export", "pdf", "42"], capture_output=True, text=True, cwd=ROOT, check=False)
    assert done.returncode == 1
    assert (
        done.stderr
        == "error: no invoice or credit note number 42\n  = help: `avtale invoice list` shows the issued documents\n"
    )


@pytest.mark.usefixtures("workers_for_few")
def test_a_template_that_fails_in_a_worker_is_an_error_not_a_traceback(ws: Path) -> None:
    """The first document (an invoice) renders; the credit notes fail in the worker processes, and their
    error crosses back to the command whole, help and all."""
    (ws / "faktura.typ").write_text(
        '#import "@avtale/invoice:1.0.0": data, invoice\n'
        '#if data.kind == "credit_note" { panic("no credit notes here") }\n'
        "#invoice(data)\n"
    )
    with (ws / "avtale.toml").open("a") as settings:
        settings.write('pdf_template = "faktura.typ"\n')
    code, _, err = run(ws, "export", "pdf", "--jobs", "2")
    assert code == 1
    assert err.startswith(f"error: the PDF template {ws / 'faktura.typ'} cannot be rendered: ")
    assert "no credit notes here" in err
    assert "= help: fix the template" in err
