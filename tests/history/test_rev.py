"""`--rev` on check, schedule and bill, and the revision each applied run records, on a real history.

The history (workspace in `ws/` of the repository, one contract, NOK, 25% VAT, due 14 days):

    Start                 ACME-1 from 2026-02-01, subscription 1,000.00 a month in advance
      -> run 1, as of 2026-02-01: invoice 1, February 1,000.00 (gross 1,250.00), due 2026-02-16
         (2026-02-15 is a Sunday)
    Price change          amendment 1 effective 2026-03-01: 1,200.00
      -> run 2, as of 2026-03-01: invoice 2, March 1,200.00 (gross 1,500.00), due 2026-03-16
    Back-dated amendment  amendment 2 signed 2026-03-20, effective 2026-03-01: 1,100.00
    Rename                contracts/acme.avt -> contracts/acme-as.avt, unchanged

So, as of 2026-04-01, against the ledger of runs 1 and 2 (April due 2026-04-15, a Wednesday):
    HEAD (and HEAD~1): April at 1,100.00 (gross 1,375.00), and March corrected: 1,200.00 issued, 1,100.00
                       due, a credit note of 100.00 (gross 125.00) on invoice 2; total 1,250.00
    HEAD~2:            April at 1,200.00 (gross 1,500.00); March is as issued; total 1,500.00
    HEAD~3:            April at 1,000.00 (gross 1,250.00), and a credit note of 200.00 (gross 250.00) on
                       invoice 2; total 1,000.00
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from runtime.cli.main import cli
from runtime.history import HistoryError
from runtime.loader import WorkspaceError, load, load_revision
from tests.history.gitrepo import ISOLATED, GitRepo

SELLER = """seller company {
  name "Mitt Selskap AS"
  orgnr "964330123"
  mva
  address "Storgata 1", "0155", "Oslo", NO
  bank "2033.63.97163"
  email "faktura@mittselskap.example"
  invoice_numbers from 1
  credit_note_numbers from 1
  kid mod10 length 10
  due 14 days
}
"""
CUSTOMERS = """customer acme {
  name "Acme AS"
  orgnr "935308291"
  address "Kongens gate 2", "7011", "Trondheim", NO
}
"""
CONTRACT = """contract ACME-1 {
  customer acme
  signed 2026-01-10
  start 2026-02-01
  term 12 months
  charge subscription "Abonnement" {
    flat 1_000.00 per month
    billed monthly in advance
  }
"""
PRICE_CHANGE = """
  amendment 1 "Ny pris" signed 2026-02-10 effective 2026-03-01 {
    subscription price 1_200.00
  }
"""
BACKDATED = """
  amendment 2 "Avtalt rabatt" signed 2026-03-20 effective 2026-03-01 {
    subscription price 1_100.00
  }
"""


def contract(*amendments: str) -> str:
    return CONTRACT + "".join(amendments) + "}\n"


class Result:
    def __init__(self, code: int, stdout: str, stderr: str) -> None:
        self.code, self.stdout, self.stderr = code, stdout, stderr


def avtale(ws: Path, *args: str) -> Result:
    result = CliRunner().invoke(cli, ["--workspace", str(ws), *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Result(result.exit_code, result.stdout, result.stderr)


def ok(ws: Path, *args: str) -> str:
    result = avtale(ws, *args)
    assert result.code == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The repository described above, built once; tests work on copies (`repo`)."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in ISOLATED.items():
            patch.setenv(name, value)
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
        git = GitRepo(tmp_path_factory.mktemp("history") / "repo")
        ws = git.path / "ws"
        files = {
            ".gitignore": "ledger.sqlite*\n",
            "ws/avtale.toml": "",
            "ws/seller.avt": SELLER,
            "ws/customers.avt": CUSTOMERS,
            "ws/contracts/acme.avt": contract(),
        }
        git.commit("Start", files, date="2026-01-05T09:00:00+01:00")
        ok(ws, "ledger", "init")
        ok(ws, "bill", "--as-of", "2026-02-01", "--apply")
        git.commit("Price change", {"ws/contracts/acme.avt": contract(PRICE_CHANGE)}, date="2026-02-10T09:00:00+01:00")
        ok(ws, "bill", "--as-of", "2026-03-01", "--apply")
        git.commit(
            "Back-dated amendment",
            {"ws/contracts/acme.avt": contract(PRICE_CHANGE, BACKDATED)},
            date="2026-03-20T09:00:00+01:00",
        )
        git.rename("ws/contracts/acme.avt", "ws/contracts/acme-as.avt")
        git.commit("Rename", date="2026-04-02T09:00:00+02:00")
        yield git.path


@pytest.fixture
def repo(history: Path, tmp_path: Path) -> GitRepo:
    copy = tmp_path / "repo"
    shutil.copytree(history, copy)
    found = GitRepo.__new__(GitRepo)
    found.path = copy
    return found


def commits(repo: GitRepo) -> list[str]:
    """Full ids, newest first: HEAD, HEAD~1, ..."""
    return repo.git("log", "--format=%H").split()


def documents(output: str) -> list[tuple[str, list[tuple[str, str]], str, list[int]]]:
    """(kind, [(period start, net)], gross, corrects) of each document of a `bill --json` output."""
    data = json.loads(output)
    return [
        (
            d["kind"],
            [(line["period_start"], line["net_amount"]) for line in d["lines"]],
            d["totals"]["gross"],
            d["corrects"],
        )
        for d in data["documents"]
    ]


def dump(path: Path) -> str:
    db = sqlite3.connect(path)
    try:
        return "\n".join(db.iterdump())
    finally:
        db.close()


# -- the runs the ledger recorded ----------------------------------------------------------------


def test_each_applied_run_records_the_commit_it_billed(repo: GitRepo) -> None:
    ids = commits(repo)
    start, price = ids[3], ids[2]
    assert ok(repo.path / "ws", "ledger", "runs") == (
        "run  as of       revision      documents\n"
        f"  1  2026-02-01  {start[:12]}  1 invoice\n"
        f"  2  2026-03-01  {price[:12]}  1 invoice\n"
    )
    listed = json.loads(ok(repo.path / "ws", "ledger", "runs", "--json"))
    assert listed == [
        {"run": 1, "as_of": "2026-02-01", "commit": start, "dirty": False, "invoices": 1, "credit_notes": 0},
        {"run": 2, "as_of": "2026-03-01", "commit": price, "dirty": False, "invoices": 1, "credit_notes": 0},
    ]


def test_a_run_from_a_changed_work_tree_is_marked_dirty(repo: GitRepo) -> None:
    ws = repo.path / "ws"
    repo.write({"ws/customers.avt": CUSTOMERS + "# a note not committed\n"})
    ok(ws, "bill", "--as-of", "2026-04-01", "--apply", "--yes")
    head = commits(repo)[0]
    lines = ok(ws, "ledger", "runs").splitlines()
    # run 3: the April invoice (3) and the credit note of March's correction (1)
    assert lines[3] == f"  3  2026-04-01  {head[:12]}+dirty  1 invoice, 1 credit note"
    assert lines[0] == "run  as of       revision            documents"


def test_an_untracked_source_makes_a_run_dirty_an_untracked_data_file_does_not(repo: GitRepo) -> None:
    ws = repo.path / "ws"
    repo.write({"ws/notes.txt": "not a source\n"})
    ok(ws, "bill", "--as-of", "2026-04-01", "--apply", "--yes")
    head = commits(repo)[0]
    assert json.loads(ok(ws, "ledger", "runs", "--json"))[2]["commit"] == head
    assert json.loads(ok(ws, "ledger", "runs", "--json"))[2]["dirty"] is False
    repo.write({"ws/contracts/later.avt": "# nothing yet\n"})
    ok(ws, "bill", "--as-of", "2026-05-01", "--apply")
    assert json.loads(ok(ws, "ledger", "runs", "--json"))[3]["dirty"] is True


def test_a_run_outside_git_records_no_revision(history: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))  # no repository above the copy is found
    ws = tmp_path / "plain"
    shutil.copytree(history / "ws", ws)
    ok(ws, "bill", "--as-of", "2026-04-01", "--apply", "--yes")
    assert ok(ws, "ledger", "runs").splitlines()[3] == "  3  2026-04-01  not recorded  1 invoice, 1 credit note"
    assert json.loads(ok(ws, "ledger", "runs", "--json"))[2]["commit"] is None


def test_a_run_without_git_installed_records_no_revision(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    ws = repo.path / "ws"
    monkeypatch.setenv("PATH", str(repo.path / "no-programs-here"))
    result = avtale(ws, "bill", "--as-of", "2026-04-01", "--apply", "--yes")
    assert result.code == 0 and result.stderr == ""
    monkeypatch.undo()
    assert json.loads(ok(ws, "ledger", "runs", "--json"))[2]["commit"] is None


def test_a_run_before_the_first_commit(history: Path, tmp_path: Path) -> None:
    git = GitRepo(tmp_path / "new")
    shutil.copytree(history / "ws", git.path / "ws")
    ok(git.path / "ws", "bill", "--as-of", "2026-04-01", "--apply", "--yes")
    assert ok(git.path / "ws", "ledger", "runs").splitlines()[3] == (
        "  3  2026-04-01  no commit+dirty  1 invoice, 1 credit note"
    )


def test_runs_of_a_version_3_ledger_are_not_recorded(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "avtale.toml").write_text('ledger = "books.sqlite"\n', encoding="utf-8")
    fixture = Path(__file__).parent.parent / "ledger" / "fixtures" / "ledger-v3.sqlite"
    shutil.copyfile(fixture, ws / "books.sqlite")
    before = (ws / "books.sqlite").read_bytes()
    assert ok(ws, "ledger", "runs") == (
        "run  as of       revision      documents\n"
        "  1  2026-03-01  not recorded  9 invoices\n"
        "  2  2026-03-01  not recorded  1 invoice, 3 credit notes\n"
    )
    assert (ws / "books.sqlite").read_bytes() == before  # read only: not migrated


def test_runs_of_an_empty_ledger_and_of_none(repo: GitRepo, tmp_path: Path) -> None:
    ws = repo.path / "ws"
    (ws / "ledger.sqlite").unlink()
    result = avtale(ws, "ledger", "runs")
    assert result.code == 1
    assert result.stderr.startswith(f"error: there is no ledger at {ws / 'ledger.sqlite'} yet\n  = help: ")
    ok(ws, "ledger", "init")
    assert ok(ws, "ledger", "runs") == f"no bill runs in the ledger at {ws / 'ledger.sqlite'} yet\n"
    assert ok(ws, "ledger", "runs", "--json") == "[]\n"


# -- bill --rev ----------------------------------------------------------------------------------

APRIL_AT_HEAD = [
    ("invoice", [("2026-04-01", "1100.00")], "1375.00", []),
    ("credit_note", [("2026-03-01", "100.00")], "125.00", [2]),
]


@pytest.mark.parametrize(
    ("rev", "expected"),
    [
        ("HEAD", APRIL_AT_HEAD),
        ("HEAD~1", APRIL_AT_HEAD),  # the rename changes no term
        ("HEAD~2", [("invoice", [("2026-04-01", "1200.00")], "1500.00", [])]),
        (
            "HEAD~3",
            [
                ("invoice", [("2026-04-01", "1000.00")], "1250.00", []),
                ("credit_note", [("2026-03-01", "200.00")], "250.00", [2]),
            ],
        ),
    ],
)
def test_bill_plans_what_each_revision_would_bill(repo: GitRepo, rev: str, expected: list[object]) -> None:
    ws = repo.path / "ws"
    before = dump(ws / "ledger.sqlite")
    output = ok(ws, "bill", "--as-of", "2026-04-01", "--rev", rev, "--json")
    assert documents(output) == expected
    assert json.loads(output)["revision"] == repo.git("rev-parse", rev).strip()
    assert json.loads(output)["applied"] is False
    assert dump(ws / "ledger.sqlite") == before  # read, never written


def test_bill_rev_text_says_where_terms_usage_and_ledger_come_from(repo: GitRepo) -> None:
    ws = repo.path / "ws"
    short = commits(repo)[2][:12]
    result = avtale(ws, "bill", "--as-of", "2026-04-01", "--rev", "HEAD~2")
    assert result.code == 0, result.stderr
    assert result.stdout == (
        f"Terms as committed at revision HEAD~2 ({short}); usage read from usage/ in the working tree; "
        "the ledger read, not written.\n"
        "Bill run as of 2026-04-01 (plan; nothing is issued until you run it with --apply), 1 contracts\n"
        "\n"
        "+ invoice  ACME-1  Acme AS  due 2026-04-15\n"
        "    2026-04-01 – 2026-04-30   Abonnement                                   1 200.00  25%\n"
        "    net 1 200.00  VAT 25% of 1 200.00: 300.00  total 1 500.00 NOK\n"
        "\n"
        "Plan: 1 invoice to issue, 0 credit notes, total NOK 1 500.00 (incl. VAT)\n"
    )
    assert result.stderr == ""
    again = avtale(ws, "bill", "--as-of", "2026-04-01", "--rev", "HEAD~2")
    assert again.stdout == result.stdout  # deterministic


def test_reproducing_a_past_run_from_its_recorded_commit(repo: GitRepo) -> None:
    """Run 2's own commit, as of run 2's date, bills nothing more: the ledger holds exactly what it billed.
    The terms of today, as of that date, would correct March (the back-dated amendment)."""
    ws = repo.path / "ws"
    run = json.loads(ok(ws, "ledger", "runs", "--json"))[1]
    reproduced = ok(ws, "bill", "--as-of", run["as_of"], "--rev", run["commit"], "--json")
    assert documents(reproduced) == []
    now = ok(ws, "bill", "--as-of", run["as_of"], "--json")
    assert documents(now) == [("credit_note", [("2026-03-01", "100.00")], "125.00", [2])]


def test_bill_rev_with_apply_is_refused(repo: GitRepo) -> None:
    ws = repo.path / "ws"
    before = dump(ws / "ledger.sqlite")
    result = avtale(ws, "bill", "--as-of", "2026-04-01", "--rev", "HEAD~2", "--apply")
    assert result.code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(
        "error: --apply cannot be used with --rev: a past revision cannot be issued\n  = help: leave out --apply"
    )
    assert dump(ws / "ledger.sqlite") == before


def test_bill_rev_reads_usage_from_the_working_tree(history: Path, tmp_path: Path) -> None:
    """Usage is never in git here (it is ignored): a revision's plan still meters it, from the working tree.

    3 calls in February at 0.50 a call, billed in arrears on 2026-03-01: 1.50."""
    git = GitRepo(tmp_path / "usage-repo")
    metered = CONTRACT.replace(
        '  charge subscription "Abonnement" {\n    flat 1_000.00 per month\n    billed monthly in advance\n  }\n',
        '  charge api "API-kall" {\n    usage calls\n    per_unit 0.50 per call\n    billed monthly in arrears\n  }\n',
    )
    git.commit(
        "Start",
        {
            ".gitignore": "ledger.sqlite*\nusage/\n",
            "ws/avtale.toml": "",
            "ws/seller.avt": SELLER,
            "ws/customers.avt": CUSTOMERS,
            "ws/metrics.avt": 'metric calls "API-kall" { events "api.call"  count }\n',
            "ws/contracts/acme.avt": metered + "}\n",
        },
    )
    git.commit("Later", {"ws/contracts/acme.avt": metered + PRICE_CHANGE.replace("subscription", "api") + "}\n"})
    git.write(
        {
            "ws/usage/events.csv": "id,contract,event,timestamp,value,amount\n"
            + "".join(f"e{i},ACME-1,api.call,2026-02-1{i}T10:00:00+01:00,1,\n" for i in range(3))
        }
    )
    ws = git.path / "ws"
    output = ok(ws, "bill", "--as-of", "2026-03-01", "--rev", "HEAD~1", "--json")
    assert documents(output) == [("invoice", [("2026-02-01", "1.50")], "1.88", [])]  # VAT 0.375 rounds up


def test_bill_rev_unknown_revision(repo: GitRepo) -> None:
    result = avtale(repo.path / "ws", "bill", "--as-of", "2026-04-01", "--rev", "v9")
    assert result.code == 1
    assert result.stderr == (
        f"error: unknown revision `v9` in the repository at {repo.path.resolve()}\n"
        "  = help: name a commit, branch or tag, such as HEAD~1, main or a commit id (`git log --oneline` lists "
        "them)\n"
    )


# -- schedule --rev ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rev", "file", "march"),
    [
        ("HEAD", "contracts/acme-as.avt", "1100"),
        ("HEAD~1", "contracts/acme.avt", "1100"),
        ("HEAD~2", "contracts/acme.avt", "1200"),
        ("HEAD~3", "contracts/acme.avt", "1000"),
    ],
)
def test_schedule_at_each_revision(repo: GitRepo, rev: str, file: str, march: str) -> None:
    ws = repo.path / "ws"
    data = json.loads(ok(ws, "schedule", "ACME-1", "--rev", rev, "--to", "2026-04-01", "--json"))
    assert data["revision"] == repo.git("rev-parse", rev).strip()
    assert [(line["id"]["period_start"], line["amount"]) for line in data["lines"]] == [  # exact amounts
        ("2026-02-01", "1000"),
        ("2026-03-01", march),
    ]
    assert {(line["trace"]["source"]["file"], line["trace"]["source"]["line"]) for line in data["lines"]} == {(file, 6)}


def test_schedule_rev_text_names_the_revision_and_the_file_of_then(repo: GitRepo) -> None:
    ws = repo.path / "ws"
    short = commits(repo)[1][:12]
    text = ok(ws, "schedule", "ACME-1", "--rev", "HEAD~1", "--to", "2026-04-01")
    assert text.splitlines()[0] == f"as committed at revision HEAD~1 ({short})"
    assert "contracts/acme.avt:6; amendment 2" in text
    assert "acme-as.avt" not in text
    assert "fixed amounts before VAT, 2026-02-01 to 2026-04-01: 2 100.00 NOK" in text


def test_schedule_rev_unknown_contract(repo: GitRepo) -> None:
    repo.commit("Second contract", {"ws/contracts/beta.avt": contract().replace("ACME-1", "BETA-1")})
    result = avtale(repo.path / "ws", "schedule", "BETA-1", "--rev", "HEAD~1")
    short = commits(repo)[1][:12]
    assert result.code == 1
    assert result.stderr.startswith(f"error: no contract `BETA-1` in the workspace at revision HEAD~1 ({short})\n")


# -- check --rev ---------------------------------------------------------------------------------


def test_check_rev_on_a_branch_with_an_error(repo: GitRepo) -> None:
    ws = repo.path / "ws"
    repo.git("switch", "-q", "-c", "broken")
    repo.commit("Typo", {"ws/contracts/acme-as.avt": contract().replace("customer acme", "customer acne")})
    broken = commits(repo)[0]
    repo.git("switch", "-q", "main")
    assert ok(ws, "check").endswith("no problems\n")
    result = avtale(ws, "check", "--rev", "broken")
    assert result.code == 1
    assert "error[E0302]: unknown customer `acne`" in result.stdout
    assert "--> contracts/acme-as.avt:2:" in result.stdout
    assert result.stdout.endswith(
        f"checked 3 files, 1 contract, 0 plans, 1 customer at revision broken ({broken[:12]}): 1 error\n"
    )
    data = json.loads(avtale(ws, "check", "--rev", "broken", "--json").stdout)
    assert data["summary"]["revision"] == broken
    assert [(d["code"], d["span"]["file"]) for d in data["diagnostics"]] == [("E0302", "contracts/acme-as.avt")]
    for command in (["bill", "--as-of", "2026-04-01"], ["schedule", "ACME-1"]):
        result = avtale(ws, *command, "--rev", "broken")
        assert result.code == 1
        assert "error[E0302]: unknown customer `acne`" in result.stderr
        assert result.stderr.endswith(
            f"1 error(s) in the workspace at revision broken ({broken[:12]}); a revision that does not check "
            "cannot be run (`avtale check --rev broken` lists them)\n"
        )


def test_check_rev_reads_the_commit_not_the_work_tree(repo: GitRepo) -> None:
    ws = repo.path / "ws"
    repo.write({"ws/contracts/acme-as.avt": "contract {\n", "ws/contracts/new.avt": "not avt at all"})
    assert avtale(ws, "check").code == 1
    head = commits(repo)[0][:12]
    assert ok(ws, "check", "--rev", "HEAD") == (
        f"checked 3 files, 1 contract, 0 plans, 1 customer at revision HEAD ({head}): no problems\n"
    )


@pytest.mark.parametrize(
    ("args", "message", "help"),
    [
        (["--rev", "HEAD~7"], "unknown revision `HEAD~7` in the repository at {top}", "name a commit, branch or tag"),
        (["--rev", "--all"], "`--all` is not a revision", "name a commit, branch or tag"),
    ],
)
def test_check_rev_mistakes(repo: GitRepo, args: list[str], message: str, help: str) -> None:
    result = avtale(repo.path / "ws", "check", *args)
    assert result.code == 1
    assert result.stderr.startswith(f"error: {message.format(top=repo.path.resolve())}\n  = help: {help}")
    assert "Traceback" not in result.stderr + result.stdout


def test_check_rev_outside_git(history: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    ws = tmp_path / "plain"
    shutil.copytree(history / "ws", ws)
    result = avtale(ws, "check", "--rev", "HEAD")
    assert result.code == 1
    assert result.stderr.startswith(f"error: {ws} is not in a git repository: ")
    assert "= help: revisions are read from git: run `git init`" in result.stderr


def test_check_rev_without_git(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(repo.path / "no-programs-here"))
    result = avtale(repo.path / "ws", "check", "--rev", "HEAD")
    assert result.code == 1
    assert result.stderr == (
        "error: git is not installed: no `git` program was found on PATH\n"
        "  = help: install git (https://git-scm.com) and make sure `git` runs in this shell; Avtale reads history "
        "through it\n"
    )


def test_check_rev_before_the_workspace_existed(tmp_path: Path) -> None:
    git = GitRepo(tmp_path / "late")
    git.commit("Readme", {"README.md": "soon\n"})
    git.commit("Half a workspace", {"ws/seller.avt": SELLER})
    git.commit("Workspace", {"ws/avtale.toml": "", "ws/customers.avt": CUSTOMERS})
    ws = git.path / "ws"
    ids = commits(git)
    result = avtale(ws, "check", "--rev", "HEAD~2")
    assert result.code == 1
    assert result.stderr.startswith(
        f"error: the folder ws is not in the repository at revision `HEAD~2` ({ids[2][:12]})\n"
        "  = help: the workspace did not exist there yet"
    )
    result = avtale(ws, "check", "--rev", "HEAD~1")
    assert result.code == 1
    assert result.stderr.startswith(
        f"error: there is no avtale.toml in {ws.resolve()} at revision `HEAD~1` ({ids[1][:12]})\n  = help: "
    )


# -- load_revision -------------------------------------------------------------------------------


def test_load_revision_reads_the_configured_sources_only(tmp_path: Path) -> None:
    git = GitRepo(tmp_path / "sources")
    git.commit(
        "Sources",
        {
            "avtale.toml": 'sources = ["terms", "./more/"]\n',
            "terms/seller.avt": SELLER,
            "terms/.hidden/skipped.avt": "not read\n",
            "terms/node_modules/skipped.avt": "not read\n",
            "terms/deep/customers.avt": CUSTOMERS,
            "more/acme.avt": contract(),
            "elsewhere/not-a-source.avt": "not read\n",
            "terms/readme.txt": "not a source\n",
        },
    )
    os.symlink("../more/acme.avt", git.path / "terms" / "link.avt")  # not committed: the work tree only
    workspace = load_revision(git.path, "HEAD")
    assert sorted(workspace.sources) == ["avtale.toml", "more/acme.avt", "terms/deep/customers.avt", "terms/seller.avt"]
    assert workspace.ok, workspace.diagnostics
    assert workspace.revision == commits(git)[0]
    assert workspace.stats == {"files": 3, "customers": 1, "plans": 0, "contracts": 1}
    on_disk = load(git.path)  # the same selection, plus the link git does not hold
    assert sorted(on_disk.sources) == [
        "avtale.toml",
        "more/acme.avt",
        "terms/deep/customers.avt",
        "terms/link.avt",
        "terms/seller.avt",
    ]


def test_load_revision_outside_the_workspace_sources_is_refused(tmp_path: Path) -> None:
    git = GitRepo(tmp_path / "outside")
    git.commit("Shared", {"ws/avtale.toml": 'sources = [".", "../shared"]\n', "shared/seller.avt": SELLER})
    with pytest.raises(WorkspaceError, match=r"names source folders outside the workspace \(\.\./shared\)"):
        load_revision(git.path / "ws", "HEAD")


def test_load_revision_caches_apart_from_the_work_tree(repo: GitRepo) -> None:
    ws = repo.path / "ws"
    assert not load(ws).cached
    assert load(ws).cached
    first = load_revision(ws, "HEAD~3")
    assert not first.cached and first.revision == commits(repo)[3]
    again = load_revision(ws, "HEAD~3")
    assert again.cached
    assert again.result is not None and first.result is not None
    assert again.result.workspace == first.result.workspace
    assert load(ws).cached  # the working tree's model was kept
    assert not load_revision(ws, "HEAD~2").cached
    assert load_revision(ws, "HEAD~2", need_model=False).cached
    # A slot per revision (by content), a few of them: `avtale diff A B` finds both A and B.
    assert load_revision(ws, "HEAD~3").cached and load_revision(ws, "HEAD~2").cached
    assert load(ws).cached


def test_only_the_latest_revisions_stay_cached(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    from runtime import loader

    monkeypatch.setattr(loader, "REVISION_SLOTS", 2)
    ws = repo.path / "ws"
    for back in ("HEAD~3", "HEAD~2", "HEAD~1"):
        load_revision(ws, back)
        loader.wait_for_writes()  # each model is written (and older ones pruned) by a child: in this order
    assert load_revision(ws, "HEAD~1").cached and load_revision(ws, "HEAD~2").cached
    assert not load_revision(ws, "HEAD~3").cached  # the oldest of three went


def test_load_revision_errors_are_history_errors(repo: GitRepo) -> None:
    with pytest.raises(HistoryError, match="unknown revision `nope`"):
        load_revision(repo.path / "ws", "nope")
