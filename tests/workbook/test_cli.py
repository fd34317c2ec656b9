"""`avtale export xlsx` as a user runs it: where it writes, byte identity, an empty ledger, and mistakes."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import pytest

from runtime.workbook import write
from tests.factories.cli import copy_examples, run
from tests.faults.test_tamper import change_line_amount
from tests.workbook.reading import book, records


def test_the_same_inputs_give_the_same_bytes_whenever_they_are_written(billed: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    for out in (first, second):
        code, _, err = run(billed, "export", "xlsx", "--as-of", "2026-03-01", "--out", str(out))
        assert code == 0, err
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2026, 3, 1, 0, 0, 0)}
        core = archive.read("docProps/core.xml").decode()
    assert core.count("2026-03-01T00:00:00Z") == 2  # created and modified: the as-of date, not the clock


def test_another_as_of_gives_another_schedule_and_stamp(billed: Path, tmp_path: Path) -> None:
    out = tmp_path / "later.xlsx"
    code, stdout, err = run(billed, "export", "xlsx", "--as-of", "2026-07-01", "--months", "2", "--out", str(out))
    assert code == 0, err
    assert "the schedule runs 2026-07-01 to 2026-08-31" in stdout
    dates = {row["billing date"].value.date().isoformat() for row in records(book(out)["Schedule"])}
    assert {"2026-07-01", "2026-08-01"} <= dates  # contracts anchored on other days bill on them
    assert min(dates) == "2026-07-01" and max(dates) <= "2026-08-31"
    with zipfile.ZipFile(out) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2026, 7, 1, 0, 0, 0)}


def test_default_file_is_in_the_output_folder_and_is_not_overwritten_without_force(ws: Path) -> None:
    code, out, err = run(ws, "export", "xlsx", "--as-of", "2026-03-01")
    target = ws / "out" / "avtale-2026-03-01.xlsx"
    assert code == 0, err
    assert out.startswith(f"wrote {target}: rows per sheet Documents 13, Lines ")
    written = target.read_bytes()
    code, out, err = run(ws, "export", "xlsx", "--as-of", "2026-03-01")
    assert code == 0 and out.startswith(f"unchanged {target}")
    target.write_bytes(b"notes made in a spreadsheet")
    code, out, err = run(ws, "export", "xlsx", "--as-of", "2026-03-01")
    assert code == 1
    assert err == (
        f"error: {target} exists with other content\n"
        "  = help: pass --force to replace it (changes made to it in a spreadsheet are lost), or choose --out\n"
    )
    assert target.read_bytes() == b"notes made in a spreadsheet"
    code, out, err = run(ws, "export", "xlsx", "--as-of", "2026-03-01", "--force")
    assert code == 0 and out.startswith(f"replaced {target}")
    assert target.read_bytes() == written
    assert sorted(p.name for p in target.parent.iterdir()) == ["avtale-2026-03-01.xlsx"]  # no partial file left


def test_no_ledger_still_gives_every_sheet_its_header_and_says_so(tmp_path: Path) -> None:
    root = copy_examples(tmp_path / "ws")
    out = tmp_path / "new" / "folder" / "book.xlsx"
    code, _, err = run(root, "export", "xlsx", "--as-of", "2026-03-01", "--out", str(out))
    assert code == 0, err
    assert f"note: no ledger at {root.resolve() / 'ledger.sqlite'} yet" in err
    assert "note: the Documents sheet has its header only: no documents issued" in err
    assert "note: the Lines sheet has its header only: no lines issued" in err
    wb = book(out)
    assert [cell.value for cell in wb["Documents"][1]][:4] == ["number", "kind", "issue date", "due date"]
    assert wb["Documents"].max_row == 1 and wb["Lines"].max_row == 1
    assert wb["Documents"].auto_filter.ref == "A1:M1"
    assert wb["Schedule"].max_row > 1 and wb["Usage"].max_row > 1  # the terms and the usage need no ledger


def test_a_ledger_that_fails_its_check_is_refused(ws: Path, tmp_path: Path) -> None:
    change_line_amount(ws / "ledger.sqlite", 250005)
    out = tmp_path / "book.xlsx"
    code, stdout, err = run(ws, "export", "xlsx", "--as-of", "2026-03-01", "--out", str(out))
    assert (code, stdout) == (1, "")
    assert err.startswith("error: invoice 250005")
    assert "  = help: a document that fails its check is not exported; `avtale ledger verify` says what changed" in err
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "message", "help"),
    [
        (
            ["--as-of", "2026-02-30"],
            "--as-of `2026-02-30` is not a date",
            "write it YYYY-MM-DD, such as --as-of 2026-03-01",
        ),
        (
            ["--as-of", "1.3.2026"],
            "--as-of `1.3.2026` is not a date",
            "write it YYYY-MM-DD, such as --as-of 2026-03-01",
        ),
        (["--as-of", "9999-01-01"], "--as-of 9999-01-01 is out of range", "give a date from 1970 to 2100"),
        (
            ["--months", "0"],
            "--months `0` is not a number of months from 1 to 120",
            "give the months of schedule to list, such as --months 12",
        ),
        (
            ["--months", "twelve"],
            "--months `twelve` is not a number of months from 1 to 120",
            "give the months of schedule to list, such as --months 12",
        ),
    ],
)
def test_a_bad_option_is_an_error_with_help(billed: Path, args: list[str], message: str, help: str) -> None:
    code, out, err = run(billed, "export", "xlsx", *args)
    assert (code, out, err) == (1, "", f"error: {message}\n  = help: {help}\n")


def test_an_unwritable_out_is_an_error_not_a_traceback(billed: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    out = blocker / "book.xlsx"
    code, _, err = run(billed, "export", "xlsx", "--as-of", "2026-03-01", "--out", str(out))
    assert code == 1
    assert err.startswith(f"error: cannot write {out}: ")
    assert err.endswith(
        "  = help: check that the folder is writable and the file is not open in a spreadsheet program, or pass --out\n"
    )


def test_out_must_name_an_xlsx_file(billed: Path, tmp_path: Path) -> None:
    code, _, err = run(billed, "export", "xlsx", "--out", str(tmp_path))
    assert code == 1
    assert err.startswith(f"error: --out {tmp_path} is a folder\n  = help: name a file, such as --out {tmp_path}/")
    code, _, err = run(billed, "export", "xlsx", "--out", str(tmp_path / "book.csv"))
    assert code == 1
    assert err.startswith(
        f"error: --out {tmp_path / 'book.csv'} does not end in .xlsx\n  = help: name the file book.xlsx"
    )


def test_a_workspace_with_errors_is_refused_before_anything_is_written(ws: Path, tmp_path: Path) -> None:
    contract = ws / "contracts" / "SKT-2026-008-sogndal-turlag-team.avt"
    contract.write_text(contract.read_text().replace("seats quantity 8", "seat quantity 8"))
    out = tmp_path / "book.xlsx"
    code, stdout, err = run(ws, "export", "xlsx", "--as-of", "2026-03-01", "--out", str(out))
    assert (code, stdout) == (1, "")
    assert "error[E0510]: per-unit charge `seats` has no quantity" in err
    assert err.endswith("2 error(s) in the workspace; fix them first (`avtale check` lists them)\n")
    assert not out.exists()


def test_a_sheet_too_long_for_a_spreadsheet_is_refused(
    billed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(write, "MAX_ROWS", 10)  # as if the Lines sheet had more rows than Excel's 1,048,576
    out = tmp_path / "book.xlsx"
    code, stdout, err = run(billed, "export", "xlsx", "--as-of", "2026-03-01", "--months", "1", "--out", str(out))
    assert (code, stdout) == (1, "")
    assert err.startswith("error: the Documents sheet would have 13 rows; a spreadsheet holds 9 at most\n")
    assert "  = help: fewer --months shorten the Schedule sheet; `avtale export csv` writes every issued line" in err
    assert not out.exists()


def test_without_as_of_the_schedule_starts_today_and_the_file_is_named_for_today(ws: Path) -> None:
    today = date.today()
    code, out, err = run(ws, "export", "xlsx", "--months", "1")
    assert code == 0, err
    target = ws / "out" / f"avtale-{today}.xlsx"
    assert out.startswith(f"wrote {target}: ")
    with zipfile.ZipFile(target) as archive:
        assert {info.date_time for info in archive.infolist()} == {(today.year, today.month, today.day, 0, 0, 0)}
