"""`avtale show CONTRACT --at DATE [--rev REV]`: terms in force, with effective time and record time.

The repository is the one tests/history/test_log.py builds (its docstring lists the commits)."""

from __future__ import annotations

import json

import pytest

from tests.history.gitrepo import GitRepo
from tests.history.test_log import ids, run, story


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> GitRepo:
    return story(tmp_path_factory.mktemp("show") / "repo")


def test_show_at_a_revision_on_a_branch(repo: GitRepo) -> None:
    c = ids(repo)
    code, output = run(repo.path / "ws", "show", "ACME-1", "--at", "2026-02-15", "--rev", "pricing")
    assert code == 0, output
    start, kari, ola = c["Start"], "Kari Nordmann on 2026-01-05", "Ola Nordmann on 2026-03-01"
    assert output == (
        f"ACME-1 on 2026-02-15, as recorded at pricing ({c['Team seats 110']})\n"
        "  customer nordlys (Nordlys AS), since the contract's start 2026-01-01\n"
        f"    recorded in {start} by {kari}\n"
        "  plan team version 2026-01-01 (in force when signed), since the contract's start 2026-01-01\n"
        f"    recorded in {start} by {kari}\n"
        "  platform flat 1_000.00 per month, from plan team 2026-01-01, since the contract's start 2026-01-01\n"
        f"    recorded in {start} by {kari}\n"
        "  seats per_unit 110.00 per seat per month, from plan team 2026-01-01, since the contract's start 2026-01-01\n"
        f"    recorded in {c['Team seats 110']} by {ola}\n"
        "  seats quantity 10, since the contract's start 2026-01-01\n"
        f"    recorded in {start} by {kari}\n"
        "  term 12 months, since the contract's start 2026-01-01\n"
        f"    recorded in {start} by {kari}\n"
        "  no renewal, since the contract's start 2026-01-01\n"
        f"    recorded in {start} by {kari}\n"
    )


def test_effective_time_and_record_time_differ(repo: GitRepo) -> None:
    """Amendment 1 was recorded on 20 February and takes effect on 1 March."""
    c = ids(repo)
    code, output = run(repo.path / "ws", "show", "ACME-1", "--at", "2026-03-01", "--rev", "HEAD")
    assert code == 0, output
    assert f"as recorded at HEAD ({c['OTHER-1 ended']})" in output.splitlines()[0]
    assert (
        "  seats quantity 25, since amendment 1 effective 2026-03-01\n"
        f"    recorded in {c['Acme: 25 seats from March']} by Kari Nordmann on 2026-02-20\n"
    ) in output
    code, output = run(repo.path / "ws", "show", "ACME-1", "--at", "2026-02-28", "--rev", "HEAD")
    assert "  seats quantity 10, since the contract's start 2026-01-01\n" in output


def test_as_recorded_before_the_amendment_existed(repo: GitRepo) -> None:
    c = ids(repo)
    code, output = run(repo.path / "ws", "show", "ACME-1", "--at", "2026-06-01", "--rev", c["OTHER-1 grows"], "--json")
    assert code == 0, output
    found = json.loads(output)
    assert found["revision"] == repo.git("rev-parse", c["OTHER-1 grows"]).strip()
    quantity = next(t for t in found["terms"] if t["key"] == "seats quantity")
    assert (quantity["text"], quantity["recorded"]["subject"]) == ("seats quantity 10", "Start")


def test_after_the_end_and_before_the_start(repo: GitRepo) -> None:
    c = ids(repo)
    code, output = run(repo.path / "ws", "show", "ACME-1", "--at", "2027-02-01")
    assert code == 0, output
    assert output.splitlines()[:3] == [
        "ACME-1 on 2027-02-01, in the files on disk",
        "  ended 2027-01-01, without renewal, since the contract's start 2026-01-01",
        f"    recorded in {c['Start']} by Kari Nordmann on 2026-01-05",
    ]
    code, output = run(repo.path / "ws", "show", "ACME-1", "--at", "2025-12-20")
    assert code == 0, output
    assert output.splitlines()[1] == "  not started yet: starts 2026-01-01, since the contract's start 2026-01-01"


def test_show_mistakes(repo: GitRepo) -> None:
    code, output = run(repo.path / "ws", "show", "acme-1", "--at", "2026-03-01")
    assert (code, output) == (1, "error: no contract `acme-1` in the workspace\n  = help: did you mean `ACME-1`?\n")
    code, output = run(repo.path / "ws", "show", "ACME-1", "--at", "2026-13-01")
    assert code == 2 and "Invalid value for '--at'" in output
