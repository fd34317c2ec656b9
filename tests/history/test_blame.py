"""`avtale blame CONTRACT`: each term in force, with the commit that recorded its present value.

The repository is the one tests/history/test_log.py builds (its docstring lists the commits)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.history.gitrepo import GitRepo
from tests.history.test_log import acme, ids, run, story

AMENDMENT_2 = """
  amendment 2 "Enda flere" signed 2026-03-20 effective 2026-04-01 {
    seats quantity 30
    platform price 900.00
    term 24 months
    discount "Lojalitet" 10% on platform until 2026-07-01
  }
"""
ONE_AND_TWO = (
    """
  amendment 1 "Flere brukere" signed 2026-02-15 effective 2026-03-01 {
    seats quantity 25
  }
"""
    + AMENDMENT_2
)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> GitRepo:
    return story(tmp_path_factory.mktemp("blame") / "repo")


def test_blame_names_the_commit_of_each_term(repo: GitRepo) -> None:
    c = ids(repo)
    code, output = run(repo.path / "ws", "blame", "ACME-1", "--at", "2026-03-15")
    assert code == 0, output
    # The seat price came from the `pricing` branch (Ola, 1 March), not from the merge; the customer's
    # name from the commit that renamed it; the quantity 25 from amendment 1's commit.
    assert output == (
        "ACME-1 on 2026-03-15, in the files on disk\n"
        f"{c['Nordlys changed its name']}  2026-03-10  Ola Nordmann   contract                 "
        "customer nordlys (Nordlys Energi AS)\n"
        f"{c['Start']}  2026-01-05  Kari Nordmann  contract                 "
        "plan team version 2026-01-01 (in force when signed)\n"
        f"{c['Start']}  2026-01-05  Kari Nordmann  plan team 2026-01-01     platform flat 1_000.00 per month\n"
        f"{c['Team seats 110']}  2026-03-01  Ola Nordmann   plan team 2026-01-01     "
        "seats per_unit 110.00 per seat per month\n"
        f"{c['Acme: 25 seats from March']}  2026-02-20  Kari Nordmann  amendment 1, 2026-03-01  seats quantity 25\n"
        f"{c['Start']}  2026-01-05  Kari Nordmann  contract                 term 12 months\n"
        f"{c['Start']}  2026-01-05  Kari Nordmann  contract                 no renewal\n"
    )


def test_before_the_amendment_the_quantity_is_the_contracts_own(repo: GitRepo) -> None:
    c = ids(repo)
    code, output = run(repo.path / "ws", "blame", "ACME-1", "--at", "2026-02-28", "--json")
    assert code == 0, output
    found = json.loads(output)
    assert (found["contract"], found["at"], found["revision"]) == ("ACME-1", "2026-02-28", None)
    quantity = next(t for t in found["terms"] if t["key"] == "seats quantity")
    assert quantity["text"] == "seats quantity 10"
    assert quantity["since"] == {
        "origin": "contract",
        "amendment": None,
        "effective": "2026-01-01",
        "text": "since the contract's start 2026-01-01",
    }
    assert quantity["recorded"]["short"] == c["Start"]
    assert quantity["recorded"]["author"] == "Kari Nordmann"
    assert quantity["recorded"]["date"] == "2026-01-05T09:00:00+01:00"
    assert [t["key"] for t in found["terms"]] == [
        "customer",
        "plan",
        "platform price",
        "seats price",
        "seats quantity",
        "term",
        "renewal",
    ]


def test_uncommitted_terms_say_so(tmp_path: Path) -> None:
    repo = story(tmp_path / "repo")
    c = ids(repo)
    repo.write({"ws/contracts/acme-as.avt": acme(extra=ONE_AND_TWO, head="# Kontaktperson: Marte\n")})
    code, output = run(repo.path / "ws", "blame", "ACME-1", "--at", "2026-04-15", "--json")
    assert code == 0, output
    terms = {t["key"]: t for t in json.loads(output)["terms"]}
    assert {k: (t["text"], t["since"]["text"], t["recorded"] and t["recorded"]["short"]) for k, t in terms.items()} == {
        "customer": (
            "customer nordlys (Nordlys Energi AS)",
            "since the contract's start 2026-01-01",
            c["Nordlys changed its name"],
        ),
        "plan": (
            "plan team version 2026-01-01 (in force when signed)",
            "since the contract's start 2026-01-01",
            c["Start"],
        ),
        "platform price": ("platform flat 900.00 per month", "since amendment 2 effective 2026-04-01", None),
        "seats price": (
            "seats per_unit 110.00 per seat per month",
            "from plan team 2026-01-01, since the contract's start 2026-01-01",
            c["Team seats 110"],
        ),
        "seats quantity": ("seats quantity 30", "since amendment 2 effective 2026-04-01", None),
        "discount amendment-2-discount-1": (
            'discount "Lojalitet" 10% on platform from 2026-04-01 until 2026-07-01',
            "since amendment 2 effective 2026-04-01",
            None,
        ),
        "term": ("term 24 months", "since amendment 2 effective 2026-04-01", None),
        "renewal": ("no renewal", "since the contract's start 2026-01-01", c["Start"]),
    }
    code, output = run(repo.path / "ws", "blame", "ACME-1", "--at", "2026-04-15")
    assert code == 0, output
    uncommitted = [" ".join(line.split()) for line in output.splitlines() if line.startswith("not committed")]
    assert uncommitted == [
        "not committed amendment 2, 2026-04-01 platform flat 900.00 per month",
        "not committed amendment 2, 2026-04-01 seats quantity 30",
        'not committed amendment 2, 2026-04-01 discount "Lojalitet" 10% on platform from 2026-04-01 until 2026-07-01',
        "not committed amendment 2, 2026-04-01 term 24 months",
    ]
    # Before amendment 2 takes effect, every term in force is committed.
    code, output = run(repo.path / "ws", "blame", "ACME-1", "--at", "2026-03-31")
    assert code == 0 and "not committed" not in output, output


def test_a_term_that_went_back_to_an_earlier_value_is_blamed_on_the_return(tmp_path: Path) -> None:
    repo = story(tmp_path / "repo")
    repo.commit(
        "Team seats back to 100",
        {"ws/plans/team.avt": (repo.path / "ws/plans/team.avt").read_text().replace("110.00", "100.00")},
        date="2026-03-20T10:00:00+01:00",
    )
    c = ids(repo)
    code, output = run(repo.path / "ws", "blame", "ACME-1", "--at", "2026-03-15")
    assert code == 0, output
    seats = next(line for line in output.splitlines() if "seats per_unit" in line)
    assert " ".join(seats.split()) == (
        f"{c['Team seats back to 100']} 2026-03-20 Kari Nordmann plan team 2026-01-01 "
        "seats per_unit 100.00 per seat per month"
    )


def test_mistakes_are_errors_with_help(repo: GitRepo, tmp_path: Path) -> None:
    code, output = run(repo.path / "ws", "blame", "ACME-11")
    assert (code, output) == (1, "error: no contract `ACME-11` in the workspace\n  = help: did you mean `ACME-1`?\n")
    code, output = run(repo.path / "ws", "blame", "ACME-1", "--rev", "no-such-branch")
    assert code == 1
    assert output.startswith("error: unknown revision `no-such-branch` in the repository at ")
    assert "\n  = help: name a commit, branch or tag" in output
    code, output = run(repo.path / "ws", "blame", "OTHER-1")  # removed in the last commit
    assert code == 1 and output.startswith("error: no contract `OTHER-1` in the workspace\n")
    broken = story(tmp_path / "broken")
    broken.write({"ws/contracts/acme-as.avt": acme().replace("customer nordlys", "customer nordly")})
    code, output = run(broken.path / "ws", "blame", "ACME-1")
    assert (code, output) == (
        1,
        "error: contract `ACME-1` does not check in the work tree: unknown customer `nordly`\n"
        "  = help: run `avtale check` and fix the errors first\n",
    )
