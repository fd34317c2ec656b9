"""`avtale diff` on real git repositories built in temporary folders, against hand-computed figures.

The history (commit dates fixed, so the ids are the same everywhere):

1. the workspace of tests/test_changes.py: plans team (platform 1,000.00 a month, seats 149.00 a
   seat a month) and solo (base 500.00 a month, usage api), C-1 (team, 10 seats, from 1 January
   2026), C-2 (team, 20 seats, from 1 February), C-3 (team, 5 seats, from 15 March, billed on the
   15th), C-4 (solo);
2. the team plan's seats 149.00 -> 159.00 (C-1, C-2 and C-3 follow it);
3. an amendment to C-1: 25 seats from 1 May;
4. C-2's file renamed, and its seats 20 -> 22;
and, in copies of that repository, a back-dated amendment to C-4 (base 600.00 from 1 March,
signed 5 April) after a bill run on 1 April that invoiced January to April, a rename alone, a
usage price changed, a contract that does not check. The example of docs/history.md is run too,
and its output compared with the one the docs show.

Golden: tests/history/golden/plan_price_change.txt is `avtale diff HEAD~3 HEAD~2 --as-of 2026-04-10`,
commit 1 against commit 2.
Rewrite it with `pytest tests/history/test_diff.py --update-expect` (tests/conftest.py) and review
the diff: the other tests check the same figures against hand-computed ones.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
from click.testing import CliRunner, Result

from runtime.cli.main import cli
from runtime.history import diff as diff_module
from runtime.processes import split_in_two
from tests.history.gitrepo import GitRepo
from tests.test_changes import BASE, SOLO, TEAM, contract

GOLDEN = Path(__file__).parent / "golden"
MORE_SEATS = """  amendment 1 "Flere brukere" signed 2026-04-20 effective 2026-05-01 {
    seats quantity 25
  }
"""
BACK_DATED = """  amendment 1 "Ny pris" signed 2026-04-05 effective 2026-03-01 {
    base price 600.00
  }
"""


@attrs.frozen
class History:
    git: GitRepo
    commits: tuple[str, ...]

    @property
    def root(self) -> Path:
        return self.git.path


def copy_of(history: History, tmp_path: Path) -> GitRepo:
    """The repository copied, to commit more to without touching the module's history."""
    path = tmp_path / "clone"
    shutil.copytree(history.root, path)
    repo = object.__new__(GitRepo)
    repo.path = path
    return repo


def avtale(root: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--workspace", str(root), *args])


def diff(root: Path, *args: str) -> Result:
    return avtale(root, "diff", *args)


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[History]:
    git = GitRepo(tmp_path_factory.mktemp("diff") / "repo")
    commits = [
        git.commit(
            "The workspace",
            {**BASE, "avtale.toml": "", ".gitignore": "ledger.sqlite*\n"},
            date="2026-01-05T09:00:00+01:00",
        ),
        git.commit(
            "Team: seats 159.00",
            {"plans/team.avt": TEAM.replace("149.00", "159.00")},
            date="2026-02-10T10:00:00+01:00",
        ),
        git.commit(
            "C-1: 25 seats from May",
            {"contracts/c1.avt": contract("C-1", "acme", "team", seats=10, more=MORE_SEATS)},
            date="2026-04-21T10:00:00+02:00",
        ),
    ]
    git.rename("contracts/c2.avt", "contracts/acme/c2-acme.avt")
    commits.append(
        git.commit(
            "C-2 moved to acme/, 22 seats",
            {"contracts/acme/c2-acme.avt": contract("C-2", "acme", "team", seats=22, start="2026-02-01")},
            date="2026-04-22T10:00:00+02:00",
        )
    )
    yield History(git, tuple(commits))


def test_golden_plan_price_change(history: History, update_expect: bool) -> None:
    result = diff(history.root, "HEAD~3", "HEAD~2", "--as-of", "2026-04-10")
    assert result.exit_code == 2, result.output
    assert result.stderr == ""
    expected = GOLDEN / "plan_price_change.txt"
    if update_expect:
        GOLDEN.mkdir(exist_ok=True)
        expected.write_text(result.stdout, encoding="utf-8", newline="\n")
        return
    assert expected.exists(), f"no {expected}; run pytest --update-expect and review"
    assert result.stdout == expected.read_text(encoding="utf-8"), "changed; if intended, --update-expect and review"


def test_plan_price_change_figures(history: History) -> None:
    """12 months from April 2026, each contract a seat 10.00 dearer: C-1 10 seats, C-2 20, C-3 5."""
    result = diff(history.root, "HEAD~3", "HEAD~2", "--as-of", "2026-04-10")
    lines = result.stdout.splitlines()
    assert lines[0] == f"Comparing HEAD~3 ({history.commits[0][:12]}) with HEAD~2 ({history.commits[1][:12]})"
    assert "~ plan team 2026-01-01" in lines
    assert "    seats price 149.00 -> 159.00" in lines
    assert "    3 contracts follow it: C-1, C-2, C-3" in lines
    # C-1: 2,490.00 a month (1,000.00 + 10 x 149.00) -> 2,590.00, over 12 months 29,880.00 -> 31,080.00.
    # Revenue, ratably daily (the default): the year 2026 is 29,880.00 over 365 days, and so is its renewal in
    # 2027, so April to December 2026 (275 days) and January to March 2027 (90 days) make 29,880.00 too.
    total = "    12 months  29,880.00  31,080.00   +1,200.00    29,880.00  31,080.00   +1,200.00  2026-04 to 2027-03"
    assert total in lines
    # April 2026, each obligation rounded cumulatively: through March platform 12,000.00 x 90/365 = 2,958.90 and
    # seats 17,880.00 x 90/365 = 4,408.77 (7,367.67), through April x 120/365 = 3,945.21 + 5,878.36 = 9,823.57:
    # 2,455.90. After: seats 19,080.00 x 90/365 = 4,704.66 (7,663.56), x 120/365 = 6,272.88 (10,218.09): 2,554.53
    assert "    2026-04     2,490.00   2,590.00     +100.00     2,455.90   2,554.53      +98.63" in lines
    # January to March, invoiced or not, bill 100.00 more a month too
    assert (
        "    earlier     7,470.00   7,770.00     +300.00     7,367.67   7,663.56     +295.89  "
        "3 months from 2026-01 to 2026-03"
    ) in lines
    # C-2 (from February): 3,980.00 -> 4,180.00 a month, 47,760.00 a year, revenue by days over its own year
    assert (
        "    12 months  47,760.00  50,160.00   +2,400.00    47,760.00  50,160.00   +2,400.00  2026-04 to 2027-03"
        in (lines)
    )
    # C-3 (from 15 March): 1,745.00 -> 1,795.00; its revenue year is 15 March to 15 March, and the renewal from
    # 15 March 2027 has 366 days (29 February 2028), so 12 months of revenue are a little under 12 x 1,745.00
    assert (
        "    12 months  20,940.00  21,540.00     +600.00    20,937.35  21,537.26     +599.91  2026-04 to 2027-03"
        in (lines)
    )
    # 1,200.00 + 2,400.00 + 600.00; earlier 300.00 + 400.00 + 50.00
    assert lines[-1] == (
        "1 plan version changed, billing +NOK 4,200.00 over 12 months (+NOK 750.00 in earlier months) "
        "in 3 contracts, revenue +NOK 4,199.91 over 12 months (+NOK 711.79 in earlier months) in 3 contracts, "
        "no ledger, so no invoiced or closed month checked."
    )


def test_plan_price_change_as_json(history: History) -> None:
    result = diff(history.root, "HEAD~3", "HEAD~2", "--as-of", "2026-04-10", "--months", "3", "--json")
    assert result.exit_code == 2, result.output
    data = json.loads(result.stdout)
    assert data["old"] == {"rev": "HEAD~3", "commit": history.commits[0], "working_tree": False}
    assert data["horizon"] == {"from": "2026-04", "to": "2026-06", "months": 3}
    assert [(c["kind"], c["id"], c["version"], c["status"], c["terms"], c["contracts"]) for c in data["changes"]] == [
        ("plan", "team", "2026-01-01", "changed", ["seats price 149.00 -> 159.00"], ["C-1", "C-2", "C-3"])
    ]
    by_id = {c["contract"]: c for c in data["contracts"]}
    assert sorted(by_id) == ["C-1", "C-2", "C-3"]
    c3 = by_id["C-3"]["billing"][0]
    assert c3["currency"] == "NOK"
    assert [(m["month"], m["before"], m["after"], m["difference"]) for m in c3["months"]] == [
        (month, "1745.00", "1795.00", "50.00") for month in ("2026-04", "2026-05", "2026-06")
    ]
    assert [m["month"] for m in c3["earlier"]] == ["2026-03"]
    assert c3["months"][0]["changed_lines"] == [
        {
            "kind": "recurring",
            "charge": "seats",
            "discount": "",
            "period_start": "2026-04-15",
            "period_end": "2026-05-15",
        }
    ]
    # 3 months x (100.00 + 200.00 + 50.00)
    assert data["summary"]["billing_difference"] == {"NOK": "1050.00"}
    assert data["summary"]["ledger"] is False and data["summary"]["invoiced_months"] == []
    # the text's revenue columns, in JSON: C-1's April as in test_plan_price_change_figures
    c1 = by_id["C-1"]["revenue"][0]
    assert (c1["months"][0]["month"], c1["months"][0]["before"], c1["months"][0]["after"]) == (
        "2026-04",
        "2455.90",
        "2554.53",
    )
    assert by_id["C-1"]["revenue_policy"] == {"before": "ifrs15", "after": "ifrs15"}
    assert data["summary"]["closed_months"] == [] and data["summary"]["latest_closed"] is None


def test_an_added_amendment(history: History) -> None:
    result = diff(history.root, "HEAD~2", "HEAD~1", "--as-of", "2026-04-10", "--months", "3")
    assert result.exit_code == 2, result.output
    text = result.stdout
    assert "~ contract C-1 (Acme AS)\n" in text
    assert '    amendment 1 added ("Flere brukere", signed 2026-04-20, effective 2026-05-01)\n' in text
    assert "      seats quantity 10 -> 25 from 2026-05-01\n" in text
    # 15 seats x 159.00 = 2,385.00 more in May and in June; April as it was. Revenue (prospective, by days):
    # the 15 seats' 2,385.00 a month from May to December add 19,080.00 over the 245 days left, 19,080.00 x
    # 31/245 = 2,414.20 in May, give or take the øre of rounding each obligation's cumulative figure
    assert "    2026-05   2,590.00   4,975.00   +2,385.00    2,639.66   5,053.87   +2,414.21\n" in text
    assert "    2026-04" not in text
    assert (
        "    3 months  7,770.00  12,540.00   +4,770.00    7,748.71  12,499.25   +4,750.54  2026-04 to 2026-06\n" in text
    )
    assert text.endswith(
        "1 contract changed, billing +NOK 4,770.00 over 3 months in 1 contract, revenue +NOK 4,750.54 over 3 months "
        "in 1 contract, no ledger, so no invoiced or closed month checked.\n"
    )


def test_a_renamed_file_is_not_a_removal_and_an_addition(history: History) -> None:
    result = diff(history.root, "HEAD~1", "HEAD", "--as-of", "2026-04-10", "--months", "3")
    assert result.exit_code == 2, result.output
    text = result.stdout
    assert "~ contract C-2 (Acme AS)\n    seats quantity 20 -> 22\n" in text
    assert "+ contract" not in text and "- contract" not in text and "added" not in text and "removed" not in text
    # 2 seats x 159.00 = 318.00 a month
    assert (
        "    3 months  12,540.00  13,494.00     +954.00    12,505.64  13,457.03     +951.39  2026-04 to 2026-06\n"
        in text
    )


def test_only_a_rename_changes_nothing(history: History, tmp_path: Path) -> None:
    clone = copy_of(history, tmp_path)
    clone.rename("contracts/c3.avt", "contracts/fjord/c3.avt")
    clone.commit("C-3 moved", date="2026-04-23T10:00:00+02:00")
    result = diff(clone.path, "HEAD~1", "HEAD")
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith(
        "No changes: HEAD~1 ("
        + clone.git("rev-parse", "HEAD~1").strip()[:12]
        + ") and HEAD ("
        + clone.git("rev-parse", "HEAD").strip()[:12]
        + ") hold the same terms.\n"
    )
    # the working tree holds what HEAD holds: no change either (the default, HEAD against it)
    assert diff(clone.path).exit_code == 0


def test_a_back_dated_amendment_touches_invoiced_months(history: History, tmp_path: Path) -> None:
    clone = copy_of(history, tmp_path)
    for args in (("ledger", "init"), ("bill", "--as-of", "2026-04-01", "--apply")):
        done = avtale(clone.path, *args)
        assert done.exit_code == 0, done.output
    # the amendment, not committed yet: HEAD against the working tree
    clone.write({"contracts/c4.avt": contract("C-4", "fjord", "solo", more=BACK_DATED)})
    result = diff(clone.path, "--as-of", "2026-04-05", "--months", "2")
    assert result.exit_code == 2, result.output
    text = result.stdout
    assert text.startswith(f"Comparing HEAD ({clone.git('rev-parse', 'HEAD').strip()[:12]}) with the working tree\n")
    assert "      base price 500.00 -> 600.00 from 2026-03-01\n" in text
    # March and April were invoiced by the run of 1 April at 500.00; May not yet. Revenue by days (6,000.00
    # over 365 days): 969.86 by 1 March; then 1,000.00 + 10 x 600.00 - 969.86 = 6,030.14 over the 306 days
    # left: March 6,030.14 x 31/306 = 610.90, April x 61/306 = 1,202.09 -> 591.19. Nothing is closed.
    assert (
        "    earlier     500.00    600.00     +100.00      509.59    610.90     +101.31  2026-03; 1 invoiced month\n"
        in text
    )
    assert "    2026-04     500.00    600.00     +100.00      493.15    591.19      +98.04  invoiced\n" in text
    assert "    2026-05     500.00    600.00     +100.00      509.59    610.89     +101.30\n" in text
    assert text.endswith(
        "1 contract changed, billing +NOK 200.00 over 2 months (+NOK 100.00 in earlier months) in 1 contract, "
        "revenue +NOK 199.34 over 2 months (+NOK 101.31 in earlier months) in 1 contract, "
        "2 invoiced months affected, 0 closed months affected.\n"
    )
    data = json.loads(diff(clone.path, "--as-of", "2026-04-05", "--months", "2", "--json").stdout)
    assert data["summary"]["invoiced_months"] == [
        {"contract": "C-4", "month": "2026-03"},
        {"contract": "C-4", "month": "2026-04"},
    ]
    assert data["new"] == {"rev": None, "commit": None, "working_tree": True}
    # committed, the same diff between the two commits
    clone.commit("C-4: 600.00 from March", date="2026-04-06T10:00:00+02:00")
    again = diff(clone.path, "HEAD~1", "HEAD", "--as-of", "2026-04-05", "--months", "2")
    assert again.exit_code == 2 and again.stdout.splitlines()[2:] == text.splitlines()[2:]


def test_usage_lines_are_marked_not_priced(history: History, tmp_path: Path) -> None:
    clone = copy_of(history, tmp_path)
    clone.write({"plans/solo.avt": SOLO.replace("per_unit 0.01", "per_unit 0.02")})
    result = diff(clone.path, "--as-of", "2026-04-05", "--months", "2", "--json")
    assert result.exit_code == 2, result.output
    c4 = json.loads(result.stdout)["contracts"][0]
    assert c4["contract"] == "C-4" and c4["reasons"] == ["follows plan solo 2026-01-01 (changed)"]
    months = c4["billing"][0]["months"]
    # April bills March's usage (in arrears), May April's: both depend on usage; the base fee is as it was
    assert [(m["month"], m["difference"], m["depends_on_usage"]) for m in months] == [
        ("2026-04", "0.00", True),
        ("2026-05", "0.00", True),
    ]
    assert [(m["month"], m["difference"], m["depends_on_usage"]) for m in c4["revenue"][0]["months"]] == [
        ("2026-04", "0.00", True),
        ("2026-05", "0.00", True),
    ]
    text = diff(clone.path, "--as-of", "2026-04-05", "--months", "2").stdout
    row = "    2026-04     500.00    500.00        0.00      493.15    493.15        0.00  "
    assert f"{row}depends on usage: billing and revenue\n" in text
    assert "usage lines changed in 1 contract (depends on usage)" in text


# ------------------------------------------------------------------ mistakes: exit 1, error and help
def test_unknown_revision(history: History) -> None:
    result = diff(history.root, "nope")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: unknown revision `nope`")
    assert "\n  = help: " in result.stderr and "Traceback" not in result.output


def test_not_a_repository(tmp_path: Path) -> None:
    (tmp_path / "avtale.toml").write_text("")
    result = diff(tmp_path)
    assert result.exit_code == 1
    assert "is not in a git repository" in result.stderr and "\n  = help: " in result.stderr


def test_a_side_that_does_not_check(history: History, tmp_path: Path) -> None:
    clone = copy_of(history, tmp_path)
    clone.commit(
        "A contract for a customer nobody declared",
        {"contracts/c9.avt": contract("C-9", "nobody", "solo")},
        date="2026-04-24T10:00:00+02:00",
    )
    head = clone.git("rev-parse", "HEAD").strip()[:12]
    result = diff(clone.path, "HEAD~1", "HEAD")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: the new side, HEAD ({head}), does not check: 1 error; the first: ")
    assert "`avtale check --rev HEAD` lists the errors" in result.stderr
    # the other way round it is the old side
    assert "error: the old side, HEAD (" in diff(clone.path, "HEAD", "HEAD~1").stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (("a", "b", "c"), "error: avtale diff takes at most two revisions, not 3"),
        (("--months", "0"), "error: `0` is not a number of months"),
        (("--months", "twelve"), "error: `twelve` is not a number of months"),
        (("--as-of", "2026-02-30"), "error: --as-of `2026-02-30` is not a date"),
        (("--since", "x"), "error: No such option"),
    ],
)
def test_command_line_mistakes(history: History, args: tuple[str, ...], message: str) -> None:
    result = diff(history.root, *args)
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(message) and "\n  = help: " in result.stderr


def test_figures_are_deterministic(history: History) -> None:
    first = diff(history.root, "HEAD~3", "HEAD", "--as-of", "2026-04-10", "--json").stdout
    assert first == diff(history.root, "HEAD~3", "HEAD", "--as-of", "2026-04-10", "--json").stdout
    total = json.loads(first)["summary"]["billing_difference"]["NOK"]
    # over 12 months: plan 4,200.00; C-1 15 seats x 159.00 x 11 months (May to March) = 26,235.00;
    # C-2 2 seats x 159.00 x 12 = 3,816.00
    assert Decimal(total) == Decimal("4200.00") + Decimal("26235.00") + Decimal("3816.00")


def test_contracts_split_between_two_processes_give_the_same_report(
    history: History, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ("HEAD~3", "HEAD", "--as-of", "2026-04-10")
    whole = [diff(history.root, *args, *more).stdout for more in ((), ("--json",))]
    splits: list[tuple[list[str], list[str]]] = []

    def spied(work: object, first: list[str], second: list[str]) -> object:
        splits.append((first, second))
        return split_in_two(work, first, second)  # type: ignore[arg-type]

    monkeypatch.setattr(diff_module, "SPLIT_MIN", 2)
    monkeypatch.setattr(diff_module, "split_in_two", spied)
    assert [diff(history.root, *args, *more).stdout for more in ((), ("--json",))] == whole
    assert splits and all(first and second and max(first) < min(second) for first, second in splits)


# ------------------------------------------------------------------ the example in docs/history.md
EXAMPLES = Path(__file__).parent.parent.parent / "contracts_examples"
HISTORY_DOC = Path(__file__).parent.parent.parent / "docs" / "history.md"


def documented_output() -> str:
    """The sample output under "A runnable example" in the `avtale diff` section of docs/history.md."""
    text = HISTORY_DOC.read_text(encoding="utf-8")
    section = text[text.index("## `avtale diff`") :]
    example = section[section.index("### A runnable example") :]
    blocks = re.findall(r"```text\n(.*?)```", example, re.DOTALL)
    return str(blocks[0])


def test_the_documented_example_prints_what_the_docs_say(tmp_path: Path) -> None:
    root = tmp_path / "skarvtind-diff"
    shutil.copytree(EXAMPLES, root, ignore=shutil.ignore_patterns(".avtale", "ledger.sqlite*", "out"))
    git = GitRepo(root)
    git.commit(
        "Contracts as signed",
        {".gitignore": "ledger.sqlite*\n"},
        date="2026-02-27T10:00:00+01:00",
        author="Kari Nordmann",
        email="kari@skarvtind.example",
    )
    for args in (
        ("ledger", "init"),
        ("bill", "--as-of", "2026-03-01", "--apply"),
        ("close", "2026-02", "--with-earlier", "--as-of", "2026-03-01"),
    ):
        done = avtale(root, *args)
        assert done.exit_code == 0, done.output
    team = root / "plans" / "team.avt"
    team.write_text(
        team.read_text(encoding="utf-8").replace(
            "per_unit 139.00 per seat per month", "per_unit 149.00 per seat per month"
        ),
        encoding="utf-8",
    )
    result = diff(root, "--as-of", "2026-03-05", "--months", "3")
    assert result.exit_code == 2, result.output
    # the commit id depends on every file of the example workspace, which grows; the rest must match exactly
    commit = re.compile(r"HEAD \([0-9a-f]{12}\)")
    assert commit.search(result.stdout)
    assert commit.sub("HEAD (…)", f"{result.stdout}exit 2\n") == commit.sub("HEAD (…)", documented_output())
