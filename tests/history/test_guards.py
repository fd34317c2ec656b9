"""`avtale check --against REV`: signed amendments stay as signed, invoiced periods keep their terms.

One repository, billed with the CLI: ACME-1 (10 seats at 100.00 and a platform fee of 1 000.00 a month)
and OTHER-1 (5 seats), start 1 January 2026, `avtale ledger init` and `avtale bill --as-of 2026-02-01
--apply` (January and February invoiced), then amendment 1 of ACME-1 committed (12 seats from 1 March).
Each test copies it and changes the files on disk."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from runtime.cli.main import cli
from tests.history.gitrepo import GitRepo
from tests.history.test_log import CUSTOMERS, SELLER, contract, run, team

AMENDMENT_1 = """
  amendment 1 "Flere brukere" signed 2026-02-10 effective 2026-03-01 {
    seats quantity 12
  }
"""
REWRITE_HELP = (
    "invoiced periods keep the terms they were billed on: undo this change and add an amendment that makes it "
    "from its effective date (the next bill run then corrects the invoiced periods it touches), or issue a correction"
)


def acme(seats: int = 10, amendments: str = AMENDMENT_1) -> str:
    return contract("ACME-1", "nordlys", seats, amendments)


@pytest.fixture(scope="module")
def billed(tmp_path_factory: pytest.TempPathFactory) -> GitRepo:
    repo = GitRepo(tmp_path_factory.mktemp("guards") / "repo")
    repo.commit(
        "Start",
        {
            ".gitignore": "ledger.sqlite*\nout/\n",
            "ws/avtale.toml": "",
            "ws/seller.avt": SELLER,
            "ws/customers.avt": CUSTOMERS,
            "ws/plans/team.avt": team(),
            "ws/contracts/acme.avt": acme(amendments=""),
            "ws/contracts/other.avt": contract("OTHER-1", "fjord", 5),
        },
        date="2026-01-05T09:00:00+01:00",
    )
    for args in (("ledger", "init"), ("bill", "--as-of", "2026-02-01", "--apply")):
        code, output = run(repo.path / "ws", *args)
        assert code == 0, output
    assert "net 4 000.00" in output and "net 3 000.00" in output  # ACME-1: 2 x (1 000.00 + 10 x 100.00)
    repo.commit("Acme: 12 seats from March", {"ws/contracts/acme.avt": acme()}, date="2026-02-10T09:00:00+01:00")
    return repo


@pytest.fixture
def repo(billed: GitRepo, tmp_path: Path) -> GitRepo:
    shutil.copytree(billed.path, tmp_path / "repo")
    return GitRepo(tmp_path / "repo")


def head(repo: GitRepo) -> str:
    return repo.git("rev-parse", "--short=12", "HEAD").strip()


def passes(repo: GitRepo) -> str:
    return (
        "checked 5 files, 2 contracts, 1 plan, 2 customers: no problems\n"
        f"check --against HEAD ({head(repo)}): no signed amendment edited or removed, no invoiced period changed\n"
    )


def test_nothing_changed(repo: GitRepo) -> None:
    assert run(repo.path / "ws", "check", "--against", "HEAD") == (0, passes(repo))


def test_a_back_dated_amendment_into_an_invoiced_month_passes(repo: GitRepo) -> None:
    """OTHER-1's amendment 1 takes effect on 1 February, which is invoiced: the next bill run corrects it."""
    repo.write(
        {
            "ws/contracts/other.avt": contract(
                "OTHER-1",
                "fjord",
                5,
                '\n  amendment 1 "Flere" signed 2026-02-20 effective 2026-02-01 {\n    seats quantity 7\n  }\n',
            )
        }
    )
    assert run(repo.path / "ws", "check", "--against", "HEAD") == (0, passes(repo))
    code, output = run(repo.path / "ws", "bill", "--as-of", "2026-02-01")
    assert code == 0, output
    # February re-billed for 2 more seats: 2 x 100.00 plus 25% VAT
    assert "Plan: 1 invoice to issue, 0 credit notes, total NOK 250.00 (incl. VAT)" in output


def test_new_contracts_and_future_changes_pass(repo: GitRepo) -> None:
    repo.write(
        {
            "ws/contracts/new.avt": contract("NEW-1", "fjord", 2),
            "ws/contracts/other.avt": contract(
                "OTHER-1", "fjord", 5, '  discount "Vår" 10% on platform from 2026-04-01 until 2026-07-01\n'
            ),
        }
    )
    code, output = run(repo.path / "ws", "check", "--against", "HEAD")
    assert (code, output) == (0, passes(repo).replace("5 files, 2 contracts", "6 files, 3 contracts"))


def test_moving_and_reformatting_pass(repo: GitRepo) -> None:
    moved = acme().replace("    seats quantity 12\n", "seats    quantity   12   # the same\n")
    repo.write({"ws/contracts/acme.avt": None, "ws/all/acme-as.avt": moved})
    assert run(repo.path / "ws", "check", "--against", "HEAD") == (0, passes(repo))


def test_rewriting_the_contracts_own_terms_of_invoiced_months_fails(repo: GitRepo) -> None:
    repo.write({"ws/contracts/acme.avt": acme(seats=11)})
    code, output = run(repo.path / "ws", "check", "--against", "HEAD")
    assert code == 1
    assert output == (
        "checked 5 files, 2 contracts, 1 plan, 2 customers: no problems\n"
        "error: contract ACME-1 was rewritten for periods already invoiced\n"
        " --> contracts/acme.avt:1:10\n"
        "  |\n"
        "1 | contract ACME-1 {\n"
        "  |          ^^^^^^ seats quantity 10 -> 11\n"
        "  |\n"
        "  = help: invoiced periods change: 2026-01-01..2026-01-31 seats 1 000.00 -> 1 100.00; "
        f"2026-02-01..2026-02-28 seats 1 000.00 -> 1 100.00; {REWRITE_HELP}\n"
        "\n"
        f"check --against HEAD ({head(repo)}): 1 change to signed terms refused\n"
    )


def test_editing_the_plan_version_of_invoiced_months_fails_for_each_contract(repo: GitRepo) -> None:
    repo.write({"ws/plans/team.avt": team("90.00")})
    code, output = run(repo.path / "ws", "check", "--against", "HEAD")
    assert code == 1
    errors = [line for line in output.splitlines() if line.startswith(("error", "  |  ", "  = help"))]
    assert errors == [
        "error: contract ACME-1 was rewritten for periods already invoiced",
        "  |          ^^^^^^ plan team 2026-01-01: seats price 100.00 -> 90.00",
        "  = help: invoiced periods change: 2026-01-01..2026-01-31 seats 1 000.00 -> 900.00; "
        f"2026-02-01..2026-02-28 seats 1 000.00 -> 900.00; {REWRITE_HELP}",
        "error: contract OTHER-1 was rewritten for periods already invoiced",
        "  |          ^^^^^^^ plan team 2026-01-01: seats price 100.00 -> 90.00",
        "  = help: invoiced periods change: 2026-01-01..2026-01-31 seats 500.00 -> 450.00; "
        f"2026-02-01..2026-02-28 seats 500.00 -> 450.00; {REWRITE_HELP}",
    ]


def test_editing_a_signed_amendment_fails(repo: GitRepo) -> None:
    edited = AMENDMENT_1.replace("quantity 12", "quantity 14").replace("2026-02-10", "2026-02-11")
    repo.write({"ws/contracts/acme.avt": acme(amendments=edited)})
    code, output = run(repo.path / "ws", "check", "--against", "HEAD")
    assert code == 1
    assert output == (
        "checked 5 files, 2 contracts, 1 plan, 2 customers: no problems\n"
        "error: signed amendment 1 of contract ACME-1 was edited\n"
        "  --> contracts/acme.avt:10:3\n"
        "   |\n"
        '10 |   amendment 1 "Flere brukere" signed 2026-02-11 effective 2026-03-01 {\n'
        "   |   ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ "
        "signed 2026-02-10 -> 2026-02-11; `seats quantity 12` -> `seats quantity 14`\n"
        "   |\n"
        "   = help: a signed amendment stays as it was signed: restore amendment 1 as recorded at HEAD, and make "
        "the change in a new amendment 2 (or, for an invoice that was wrong, a correction)\n"
        "\n"
        f"check --against HEAD ({head(repo)}): 1 change to signed terms refused\n"
    )


def test_removing_a_signed_amendment_or_its_contract_fails(repo: GitRepo) -> None:
    repo.write({"ws/contracts/acme.avt": acme(amendments="")})
    code, output = run(repo.path / "ws", "check", "--against", "HEAD")
    assert code == 1
    assert "error: signed amendment 1 of contract ACME-1 was removed\n" in output
    assert "  |          ^^^^^^ amendment 1 is gone\n" in output
    repo.write({"ws/contracts/acme.avt": None})
    code, output = run(repo.path / "ws", "check", "--against", "HEAD")
    assert code == 1
    assert output.splitlines()[1:4] == [
        "error: contract ACME-1 was removed, and with it signed amendment 1",
        " --> contracts/acme.avt",
        "  |",
    ]
    assert output.count("error:") == 1  # its invoiced months are not reported again


def test_removing_an_invoiced_contract_fails(repo: GitRepo) -> None:
    repo.write({"ws/contracts/other.avt": None})
    code, output = run(repo.path / "ws", "check", "--against", "HEAD")
    assert code == 1
    assert output.splitlines()[1:3] == [
        "error: contract OTHER-1 was removed, but it has invoiced periods",
        " --> contracts/other.avt",
    ]
    assert (
        "= help: invoiced periods change: 2026-01-01..2026-01-31 platform 1 000.00 -> nothing; "
        "2026-01-01..2026-01-31 seats 500.00 -> nothing; 2026-02-01..2026-02-28 platform 1 000.00 -> nothing "
        "(and 1 more); a contract with invoices stays in the workspace" in output
    )


def test_against_an_older_revision(repo: GitRepo) -> None:
    """Against the first commit, amendment 1 is new: nothing is refused."""
    code, output = run(repo.path / "ws", "check", "--against", "HEAD~1")
    assert code == 0, output
    first = repo.git("rev-parse", "--short=12", "HEAD~1").strip()
    assert output.endswith(
        f"check --against HEAD~1 ({first}): no signed amendment edited or removed, no invoiced period changed\n"
    )


def test_json_keeps_stdout_for_the_diagnostics(repo: GitRepo) -> None:
    repo.write({"ws/contracts/acme.avt": acme(seats=11)})
    result = CliRunner().invoke(cli, ["--workspace", str(repo.path / "ws"), "check", "--json", "--against", "HEAD"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["summary"]["errors"] == 0
    assert result.stderr.startswith("error: contract ACME-1 was rewritten for periods already invoiced\n")


def test_without_a_ledger_only_amendments_are_guarded(repo: GitRepo) -> None:
    (repo.path / "ws" / "ledger.sqlite").unlink()
    repo.write({"ws/contracts/acme.avt": acme(seats=11)})
    code, output = run(repo.path / "ws", "check", "--against", "HEAD")
    assert code == 0, output
    assert output.endswith("no signed amendment edited or removed, no ledger, so no invoiced periods\n")


def test_guard_mistakes(repo: GitRepo, tmp_path: Path) -> None:
    code, output = run(repo.path / "ws", "check", "--against", "nope")
    assert code == 1
    assert "error: unknown revision `nope` in the repository at " in output
    assert "\n  = help: name a commit, branch or tag" in output
    code, output = run(repo.path / "ws", "check", "--against", "HEAD", "--rev", "HEAD")
    assert code == 1
    assert "error: --against compares a revision with the files on disk, so it cannot go with --rev\n" in output
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "avtale.toml").write_text("")
    code, output = run(plain, "check", "--against", "HEAD")
    assert code == 1 and f"error: {plain.resolve()} is not in a git repository" in output
    fresh = GitRepo(tmp_path / "fresh")
    fresh.write({"avtale.toml": "", "seller.avt": SELLER})
    code, output = run(fresh.path, "check", "--against", "HEAD")
    assert code == 0, output
    assert output.endswith(
        "check --against HEAD: the repository has no commits yet, so nothing is signed to compare with\n"
    )


def test_usage_lines_are_compared_by_what_prices_them() -> None:
    """No usage is read: a usage line of an invoiced period differs when its rule does."""
    from datetime import date

    from runtime.history.guards import LineKey, _differences, invoiced_lines
    from tests.billing.helpers import contract as contract_text
    from tests.billing.helpers import workspace

    def lines(price: str) -> dict[LineKey, object]:
        charge = f'  charge api "API" {{\n    usage calls\n    per_unit {price}\n  }}\n'
        ws = workspace(contract_text(charge))
        periods = frozenset({(date(2026, 1, 1), date(2026, 2, 1))})
        return invoiced_lines(ws.contracts["C-1"], ws.indices, periods)

    same = lines("0.01")
    assert same == lines("0.01") and len(same) == 1
    assert _differences(same, lines("0.02"), "NOK") == ["2026-01-01..2026-01-31 api usage priced differently"]
    assert _differences(same, {}, "NOK") == ["2026-01-01..2026-01-31 api usage metered -> nothing"]
