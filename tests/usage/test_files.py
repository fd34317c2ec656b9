"""Only regular files are read: pipes, devices and links to folders are skipped with a warning."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from tests.factories.cli import copy_examples

from .helpers import csv, read, total

JAN = (date(2026, 1, 1), date(2026, 2, 1))
REPO = Path(__file__).parents[2]
GOOD = "2026-01-05T10:00:00Z"


def avtale(*args: str) -> subprocess.CompletedProcess[str]:
    """The real command in its own process: a run that hangs on a special file fails after 30 s."""
    command = [sys.executable, "-c", "from runtime.cli.main import main; main()", "--color", "never", *args]
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=30, check=False)


def test_a_fifo_and_links_to_dev_zero_are_skipped_by_the_command_without_hanging(tmp_path: Path) -> None:
    root = copy_examples(tmp_path / "ws")
    folder = root / "usage"
    os.mkfifo(folder / "pipe.csv")  # no writer: opening it for reading would wait forever
    (folder / "zero.csv").symlink_to("/dev/zero")  # reads without end
    (folder / "more").mkdir()
    (folder / "more" / "zero.jsonl.gz").symlink_to("/dev/zero")
    result = avtale("--workspace", str(root), "usage", "summary")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output  # warnings: what is read is complete
    help = "  = help: only regular files are read (a pipe or a device could be read forever)"
    assert (
        "warning: usage/more/zero.jsonl.gz: not read: this is a link to /dev/zero, which is a character device, "
        f"not a regular file\n{help}"
    ) in output
    assert f"warning: usage/pipe.csv: not read: this is a named pipe (FIFO), not a regular file\n{help}" in output
    assert "warning: usage/zero.csv: not read: this is a link to /dev/zero, which is a character device" in output
    assert output.splitlines()[-1] == "477 events in 1 file, 1 duplicate dropped, 0 rejected"
    result = avtale("--workspace", str(root), "bill", "--as-of", "2026-07-01")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "usage/pipe.csv: not read" in result.stderr


def test_skipped_files_are_warnings_in_the_report(tmp_path: Path) -> None:
    csv(tmp_path, "events.csv", f"a,A-1,api.request,{GOOD},,,")
    os.mkfifo(tmp_path / "pipe.ndjson")
    (tmp_path / "zero.parquet").symlink_to("/dev/zero")
    (tmp_path / "notes.txt").symlink_to("/dev/zero")  # another suffix: never read, a note as before
    with read(tmp_path) as usage:
        report = usage.report
        assert [(p.kind, p.severity, p.file) for p in report.problems] == [
            ("ignored_file", "note", "notes.txt"),
            ("skipped_file", "warning", "pipe.ndjson"),
            ("skipped_file", "warning", "zero.parquet"),
        ]
        assert report.files == ("events.csv",) and not report.blocking
        assert total(usage, "A-1", "calls", *JAN) == 1


def test_a_link_to_a_folder_is_skipped_and_a_link_to_a_file_is_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    csv(outside, "linked.csv", f"l,A-1,api.request,{GOOD},,,")
    csv(outside, "far/away.csv", f"f,A-1,api.request,{GOOD},,,")
    folder = tmp_path / "usage"
    csv(folder, "events.csv", f"a,A-1,api.request,{GOOD},,,")
    (folder / "export.csv").symlink_to(outside / "linked.csv")
    (folder / "far").symlink_to(outside / "far")
    (folder / "loop").symlink_to(folder)  # would go round forever if followed
    with read(folder) as usage:
        report = usage.report
        assert report.files == ("events.csv", "export.csv")
        assert [(p.kind, p.file, p.message) for p in report.problems] == [
            (
                "skipped_file",
                "far",
                f"not read: a link to the folder {outside / 'far'}; links to folders are not followed",
            ),
            ("skipped_file", "loop", f"not read: a link to the folder {folder}; links to folders are not followed"),
        ]
        assert total(usage, "A-1", "calls", *JAN) == 2  # events.csv and the linked file


def test_the_usage_folder_itself_may_be_a_link(tmp_path: Path) -> None:
    csv(tmp_path / "real", "events.csv", f"a,A-1,api.request,{GOOD},,,")
    (tmp_path / "usage").symlink_to(tmp_path / "real")
    with read(tmp_path / "usage") as usage:
        assert not usage.report.problems
        assert total(usage, "A-1", "calls", *JAN) == 1


def test_a_dangling_link_is_an_unreadable_file_not_a_silent_gap(tmp_path: Path) -> None:
    csv(tmp_path, "events.csv", f"a,A-1,api.request,{GOOD},,,")
    (tmp_path / "gone.csv").symlink_to(tmp_path / "missing.csv")
    with read(tmp_path) as usage:
        (problem,) = usage.report.problems
        assert (problem.kind, problem.file, problem.blocking) == ("unreadable_file", "gone.csv", True)


@pytest.fixture
def unlistable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """A folder the user may not list (root may list anything, so the refusal is simulated)."""
    locked = tmp_path / "locked"
    real = os.scandir

    def scandir(path: int | str | os.PathLike[str]) -> object:
        if not isinstance(path, int) and Path(path) == locked:  # shutil also lists folders by descriptor
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    yield locked


def test_a_folder_that_cannot_be_listed_is_an_unreadable_file(tmp_path: Path, unlistable: Path) -> None:
    csv(tmp_path, "events.csv", f"a,A-1,api.request,{GOOD},,,")
    csv(unlistable, "hidden.csv", f"b,A-1,api.request,{GOOD},,,")
    with read(tmp_path) as usage:
        (problem,) = usage.report.problems
        assert (problem.kind, problem.file, problem.blocking) == ("unreadable_file", "locked", True)
        assert problem.message == "this folder cannot be listed (Permission denied); events in it are not counted"


def test_a_file_replaced_by_a_pipe_after_the_folder_was_listed_is_still_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from runtime.usage import events, files

    csv(tmp_path, "a.csv", f"a,A-1,api.request,{GOOD},,,")
    listed = files.discover(tmp_path)
    (tmp_path / "a.csv").unlink()
    os.mkfifo(tmp_path / "a.csv")
    monkeypatch.setattr(events, "discover", lambda folder, relative_to=None: listed)
    with read(tmp_path) as usage:
        (problem,) = usage.report.problems
        assert (problem.kind, problem.file) == ("skipped_file", "a.csv")
        assert problem.message == "not read: this is a named pipe (FIFO), not a regular file"
