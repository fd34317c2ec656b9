"""`avtale log CONTRACT` on a real repository: a branch, a merge, a rename, a customer edit, a removal."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from dsl.parser import ParseResult, parse_bytes
from runtime.cli.main import cli
from runtime.history.log import History, contract_log
from tests.history.gitrepo import GitRepo

SELLER = """seller vendor {
  name "Prøve AS"
  orgnr "976240391"
  mva
}
"""

CUSTOMERS = """customer nordlys {
  name "Nordlys AS"
  orgnr "922152799"
}

customer fjord {
  name "Fjord AS"
  orgnr "923609016"
}
"""


def team(seats: str = "100.00") -> str:
    return f"""plan team "Team" effective 2026-01-01 {{
  charge platform "Plattform" {{
    flat 1_000.00 per month
  }}
  charge seats "Brukere" {{
    per_unit {seats} per seat per month
  }}
}}
"""


def contract(cid: str, customer: str, seats: int, extra: str = "", head: str = "") -> str:
    return f"""{head}contract {cid} {{
  customer {customer}
  signed 2025-12-15
  start 2026-01-01
  term 12 months
  plan team {{
    seats quantity {seats}
  }}
{extra}}}
"""


AMENDMENT_1 = """
  amendment 1 "Flere brukere" signed 2026-02-15 effective 2026-03-01 {
    seats quantity 25
  }
"""


def acme(extra: str = AMENDMENT_1, head: str = "") -> str:
    return contract("ACME-1", "nordlys", 10, extra, head)


def run(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--workspace", str(root), *args])
    return result.exit_code, result.output


def story(path: Path) -> GitRepo:
    """The history the log, blame and show tests read (hand-written expectations follow it):

    c1 Start (Kari, 01-05) . c2 OTHER-1 grows (Ola, 01-10) . c3 amendment 1 (Kari, 02-20)
      branch `pricing`: c4 team seats 100.00 -> 110.00 (Ola, 03-01)
      main: c5 rename acme.avt -> acme-as.avt (Kari, 03-02), merged with `pricing` (Kari, 03-05)
    c6 customer renamed (Ola, 03-10) . c7 a comment (Kari, 03-12) . c8 OTHER-1 removed (Ola, 03-15)
    """
    repo = GitRepo(path)
    repo.commit(
        "Start",
        {
            "ws/avtale.toml": "",
            "ws/seller.avt": SELLER,
            "ws/customers.avt": CUSTOMERS,
            "ws/plans/team.avt": team(),
            "ws/contracts/acme.avt": acme(extra=""),
            "ws/contracts/other.avt": contract("OTHER-1", "fjord", 5),
            "README.md": "not a source\n",
        },
        date="2026-01-05T09:00:00+01:00",
    )
    ola = {"author": "Ola Nordmann", "email": "ola@example.no"}
    repo.commit(
        "OTHER-1 grows",
        {"ws/contracts/other.avt": contract("OTHER-1", "fjord", 8)},
        date="2026-01-10T09:00:00+01:00",
        **ola,
    )
    repo.commit("Acme: 25 seats from March", {"ws/contracts/acme.avt": acme()}, date="2026-02-20T14:00:00+01:00")
    repo.git("checkout", "-q", "-b", "pricing")
    repo.commit("Team seats 110", {"ws/plans/team.avt": team("110.00")}, date="2026-03-01T10:00:00+01:00", **ola)
    repo.git("checkout", "-q", "main")
    repo.rename("ws/contracts/acme.avt", "ws/contracts/acme-as.avt")
    repo.commit("Rename Acme's file", date="2026-03-02T10:00:00+01:00")
    when = "2026-03-05T10:00:00+01:00"
    env = {"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when, "GIT_AUTHOR_NAME": "Kari Nordmann"}
    env |= {"GIT_AUTHOR_EMAIL": "kari@example.no", "GIT_COMMITTER_NAME": "Kari Nordmann"}
    env |= {"GIT_COMMITTER_EMAIL": "kari@example.no"}
    repo.git("merge", "-q", "--no-ff", "--no-gpg-sign", "-m", "Merge pricing", "pricing", env=env)
    repo.commit(
        "Nordlys changed its name",
        {"ws/customers.avt": CUSTOMERS.replace('"Nordlys AS"', '"Nordlys Energi AS"')},
        date="2026-03-10T10:00:00+01:00",
        **ola,
    )
    repo.commit(
        "Note on Acme",
        {"ws/contracts/acme-as.avt": acme(head="# Kontaktperson: Marte\n")},
        date="2026-03-12T10:00:00+01:00",
    )
    repo.commit("OTHER-1 ended", {"ws/contracts/other.avt": None}, date="2026-03-15T10:00:00+01:00", **ola)
    return repo


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> GitRepo:
    return story(tmp_path_factory.mktemp("log") / "repo")


def ids(repo: GitRepo) -> dict[str, str]:
    """Short (12-digit) commit ids by subject."""
    lines = repo.git("log", "--all", "--format=%H %s").splitlines()
    return {subject: full[:12] for full, _, subject in (line.partition(" ") for line in lines)}


def test_log_lists_the_commits_that_changed_the_contract(repo: GitRepo) -> None:
    c = ids(repo)
    code, output = run(repo.path / "ws", "log", "ACME-1")
    assert code == 0, output
    assert output == (
        f"{c['Note on Acme']}  2026-03-12  Kari Nordmann  Note on Acme\n"
        "    comments or layout only\n\n"
        f"{c['Nordlys changed its name']}  2026-03-10  Ola Nordmann  Nordlys changed its name\n"
        '    customer nordlys: name "Nordlys AS" -> "Nordlys Energi AS"\n\n'
        f"{c['Rename Acme' + chr(39) + 's file']}  2026-03-02  Kari Nordmann  Rename Acme's file\n"
        "    moved from contracts/acme.avt to contracts/acme-as.avt\n\n"
        f"{c['Team seats 110']}  2026-03-01  Ola Nordmann  Team seats 110\n"
        "    plan team 2026-01-01: seats price 100.00 -> 110.00\n\n"
        f"{c['Acme: 25 seats from March']}  2026-02-20  Kari Nordmann  Acme: 25 seats from March\n"
        "    amendment 1 added: seats quantity 10 -> 25 from 2026-03-01\n\n"
        f"{c['Start']}  2026-01-05  Kari Nordmann  Start\n"
        "    contract added in contracts/acme.avt: customer nordlys, plan team 2026-01-01, start 2026-01-01, "
        "term 12 months\n"
    )


def test_a_removed_contract_still_has_its_log(repo: GitRepo) -> None:
    c = ids(repo)
    code, output = run(repo.path / "ws", "log", "OTHER-1", "--json")
    assert code == 0, output
    found = json.loads(output)
    assert [(e["short"], e["author"], e["changes"]) for e in found["commits"]] == [
        (c["OTHER-1 ended"], "Ola Nordmann", ["contract removed from contracts/other.avt"]),
        (c["Team seats 110"], "Ola Nordmann", ["plan team 2026-01-01: seats price 100.00 -> 110.00"]),
        (c["OTHER-1 grows"], "Ola Nordmann", ["seats quantity 5 -> 8"]),
        (
            c["Start"],
            "Kari Nordmann",
            [
                "contract added in contracts/other.avt: customer fjord, plan team 2026-01-01, start 2026-01-01, "
                "term 12 months"
            ],
        ),
    ]
    first = found["commits"][0]
    assert first["email"] == "ola@example.no" and first["date"] == "2026-03-15T10:00:00+01:00"
    assert first["subject"] == "OTHER-1 ended" and len(first["id"]) == 40


def test_log_up_to_a_revision(repo: GitRepo) -> None:
    c = ids(repo)
    code, output = run(repo.path / "ws", "log", "ACME-1", "--rev", "pricing")
    assert code == 0, output
    assert [line.split("  ")[0] for line in output.splitlines() if line and not line.startswith(" ")] == [
        c["Team seats 110"],
        c["Acme: 25 seats from March"],
        c["Start"],
    ]


INPUTS = {"seller.avt", "customers.avt", "plans/team.avt", "contracts/acme.avt", "contracts/acme-as.avt"}


def test_only_the_contracts_inputs_are_parsed(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    """OTHER-1's file is never parsed for ACME-1's log: it declares nothing ACME-1 depends on."""
    parsed: list[str] = []

    def counting(data: bytes, path: str) -> ParseResult:
        parsed.append(path)
        return parse_bytes(data, path)

    monkeypatch.setattr("runtime.history.log.parse_bytes", counting)
    entries = contract_log(History(repo.path / "ws"), "ACME-1")
    assert len(entries) == 6
    assert set(parsed) == INPUTS


def test_an_unknown_contract_suggests_the_closest(repo: GitRepo) -> None:
    code, output = run(repo.path / "ws", "log", "ACME-2")
    assert code == 1
    assert output == "error: no contract `ACME-2` in the workspace\n  = help: did you mean `ACME-1`?\n"


def test_a_contract_only_on_disk(tmp_path: Path) -> None:
    repo = story(tmp_path / "repo")
    repo.write({"ws/contracts/new.avt": contract("NEW-1", "fjord", 3)})
    code, output = run(repo.path / "ws", "log", "NEW-1")
    assert (code, output) == (0, "NEW-1 is not committed yet: it is only in the files on disk\n")


def test_a_merge_that_sets_a_value_of_its_own_is_listed(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    files = {
        "avtale.toml": "",
        "seller.avt": SELLER,
        "customers.avt": CUSTOMERS,
        "team.avt": team(),
        "acme.avt": acme(),
    }
    repo.commit("Start", files, date="2026-01-05T09:00:00+01:00")
    repo.git("checkout", "-q", "-b", "side")
    repo.commit("Side: 110", {"team.avt": team("110.00")}, date="2026-01-06T09:00:00+01:00")
    repo.git("checkout", "-q", "main")
    repo.commit("Main: 120", {"team.avt": team("120.00")}, date="2026-01-07T09:00:00+01:00")
    when = {"GIT_AUTHOR_DATE": "2026-01-08T09:00:00+01:00", "GIT_COMMITTER_DATE": "2026-01-08T09:00:00+01:00"}
    names = {"GIT_AUTHOR_NAME": "Kari Nordmann", "GIT_AUTHOR_EMAIL": "kari@example.no"}
    names |= {"GIT_COMMITTER_NAME": "Kari Nordmann", "GIT_COMMITTER_EMAIL": "kari@example.no"}
    with pytest.raises(subprocess.CalledProcessError):  # a conflict, resolved by hand below
        repo.git("merge", "--no-ff", "--no-commit", "side", env=when | names)
    repo.write({"team.avt": team("130.00")})
    repo.git("add", "-A")
    repo.git("commit", "-q", "--no-gpg-sign", "-m", "Merge side at 130", env=when | names)
    code, output = run(repo.path, "log", "ACME-1")
    assert code == 0, output
    assert [line.strip() for line in output.splitlines() if line.startswith("    ")] == [
        "plan team 2026-01-01: seats price 120.00 -> 130.00",
        "plan team 2026-01-01: seats price 100.00 -> 120.00",
        "plan team 2026-01-01: seats price 100.00 -> 110.00",
        "contract added in acme.avt: customer nordlys, plan team 2026-01-01, start 2026-01-01, term 12 months, "
        "1 amendment",
    ]


def test_a_commit_that_breaks_the_contract_and_one_that_fixes_it(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    files = {
        "avtale.toml": "",
        "seller.avt": SELLER,
        "customers.avt": CUSTOMERS,
        "team.avt": team(),
        "acme.avt": acme(),
    }
    repo.commit("Start", files, date="2026-01-05T09:00:00+01:00")
    edits = [
        ("Typo", "customer nordlys", "customer nordly"),
        ("Syntax", "seats quantity 10", "seats quantity"),
        ("Fixed", "quantity 10", "quantity 12"),
    ]
    for day, (subject, old, new) in enumerate(edits, start=6):
        repo.commit(subject, {"acme.avt": acme().replace(old, new)}, date=f"2026-01-{day:02d}T09:00:00+01:00")
    code, output = run(repo.path, "log", "ACME-1")
    assert code == 0, output
    assert [line.strip() for line in output.splitlines() if line.startswith("    ")] == [
        "checks again: customer nordlys, plan team 2026-01-01, start 2026-01-01, term 12 months, 1 amendment",
        "does not check: acme.avt has syntax errors",
        "does not check: unknown customer `nordly`",
        "contract added in acme.avt: customer nordlys, plan team 2026-01-01, start 2026-01-01, term 12 months, "
        "1 amendment",
    ]


def test_outside_git(tmp_path: Path) -> None:
    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / "avtale.toml").write_text("")
    code, output = run(tmp_path / "ws", "log", "ACME-1")
    assert code == 1
    assert output.startswith(f"error: {(tmp_path / 'ws').resolve()} is not in a git repository")
    assert "\n  = help: revisions are read from git" in output


PREPAID_CONTRACT = """metric calls "API-kall" {{ events "api.call"  count }}

contract C-9 {{
  customer nordlys
  signed 2026-01-01
  start 2026-01-01
  term 12 months
  charge api "API" {{
    usage calls
    per_unit 2.00
  }}
  prepaid {amount} per contract year on api
}}
"""


def test_a_changed_prepaid_credit_is_listed_shown_and_blamed(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    files = {"avtale.toml": "", "seller.avt": SELLER, "customers.avt": CUSTOMERS}
    repo.commit(
        "Start", files | {"c9.avt": PREPAID_CONTRACT.format(amount="3_000.00")}, date="2026-01-05T09:00:00+01:00"
    )
    more = repo.commit(
        "More credit", {"c9.avt": PREPAID_CONTRACT.format(amount="4_000.00")}, date="2026-01-06T09:00:00+01:00"
    )
    code, output = run(repo.path, "log", "C-9")
    assert code == 0, output
    # the commit changes only the credit: it is named, not "comments or layout only"
    assert next(line.strip() for line in output.splitlines() if line.startswith("    ")) == (
        "prepaid 3_000.00 per contract year on api -> 4_000.00 per contract year on api"
    )
    code, output = run(repo.path, "show", "C-9", "--at", "2026-06-01")
    assert code == 0, output
    assert "  prepaid 4_000.00 per contract year on api, since the contract's start 2026-01-01" in output.splitlines()
    code, output = run(repo.path, "blame", "C-9")
    assert code == 0, output
    blamed = [line for line in output.splitlines() if "prepaid" in line]
    assert len(blamed) == 1 and blamed[0].endswith("contract  prepaid 4_000.00 per contract year on api"), output
    assert blamed[0].split()[0] == more[:12]  # recorded by the commit that changed it
