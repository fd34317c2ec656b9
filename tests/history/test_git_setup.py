"""`avtale git setup` and `avtale fmt --stdout`: plain `git diff` shows .avt files in canonical form."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from runtime.history.setup import FUNCNAME, default_program
from tests.history.gitrepo import GitRepo
from tests.history.test_log import SELLER, run

ROOT = Path(__file__).resolve().parent.parent.parent
AVTALE = str(Path(sys.executable).parent / "avtale")
"""The avtale of this test run: what git's textconv runs."""

MESSY = """plan team "Team" effective 2026-01-01 {
charge platform "Plattform" { flat 1000.00 per month }
    charge seats "Brukere" {
  per_unit 100 per seat per month
}
}
"""
CANONICAL = """plan team "Team" effective 2026-01-01 {
  charge platform "Plattform" {
    flat 1_000.00 per month
  }
  charge seats "Brukere" {
    per_unit 100 per seat per month
  }
}
"""


def test_setup_registers_the_driver_once(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.write({"ws/avtale.toml": "", ".gitattributes": "*.png binary"})
    code, output = run(repo.path / "ws", "git", "setup", "--program", "avtale")
    assert code == 0, output
    assert output == (
        "set: git config diff.avtale.textconv 'avtale fmt --stdout'\n"
        f"set: git config diff.avtale.xfuncname '{FUNCNAME}'\n"
        "set: *.avt diff=avtale in .gitattributes\n"
        "`git diff` now shows .avt files as `avtale fmt` writes them; commit .gitattributes to share it\n"
    )
    assert (repo.path / ".gitattributes").read_text() == "*.png binary\n*.avt diff=avtale\n"
    assert repo.git("config", "--local", "diff.avtale.textconv") == "avtale fmt --stdout\n"
    assert repo.git("config", "--local", "diff.avtale.xfuncname") == FUNCNAME + "\n"
    code, output = run(repo.path / "ws", "git", "setup", "--program", "avtale")
    assert code == 0, output
    assert output.splitlines()[-1] == "nothing to do: git is already set up for .avt files"
    assert all(line.startswith("already set: ") for line in output.splitlines()[:3])
    assert (repo.path / ".gitattributes").read_text() == "*.png binary\n*.avt diff=avtale\n"
    assert repo.git("config", "--local", "--get-all", "diff.avtale.textconv") == "avtale fmt --stdout\n"
    code, output = run(repo.path / "ws", "git", "setup", "--program", "/opt/avtale/bin/avtale")
    assert code == 0 and output.startswith("set: git config diff.avtale.textconv '/opt/avtale/bin/avtale fmt --stdout'")


def test_the_default_program(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(Path(AVTALE).parent))
    assert default_program() == "avtale"
    monkeypatch.setenv("PATH", "")
    assert default_program() == AVTALE


def test_git_diff_and_log_show_canonical_text(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.commit("Start", {"avtale.toml": "", "seller.avt": SELLER, "plans/team.avt": MESSY})
    code, output = run(repo.path, "git", "setup", "--program", AVTALE)
    assert code == 0, output
    repo.write({"plans/team.avt": MESSY.replace("flat 1000.00", "flat    1100.00")})
    env = {"PATH": os.environ.get("PATH", "")}
    diff = repo.git("diff", "--", "plans/team.avt", env=env)
    assert diff.split("\n", 4)[4] == (
        "@@ -1,6 +1,6 @@\n"
        ' plan team "Team" effective 2026-01-01 {\n'
        '   charge platform "Plattform" {\n'
        "-    flat 1_000.00 per month\n"
        "+    flat 1_100.00 per month\n"
        "   }\n"
        '   charge seats "Brukere" {\n'
        "     per_unit 100 per seat per month\n"
    )
    repo.commit("Raise the platform fee", date="2026-02-01T12:00:00+01:00")
    shown = repo.git("log", "-p", "-1", "--format=%s")
    assert "-    flat 1_000.00 per month\n+    flat 1_100.00 per month\n" in shown
    assert "flat    1100.00" not in shown  # the file as written is not what the diff shows
    raw = repo.git("diff", "--no-textconv", "HEAD~1", "--", "plans/team.avt")
    assert '+charge platform "Plattform" { flat    1100.00 per month }' in raw


def test_hunk_headers_name_the_declaration(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    body = "".join(f'  charge c{i} "C{i}" {{\n    flat 1{i}.00 per month\n  }}\n' for i in range(8))
    repo.commit("Start", {"avtale.toml": "", "big.avt": f'plan big "Big" effective 2026-01-01 {{\n{body}}}\n'})
    assert run(repo.path, "git", "setup", "--program", AVTALE)[0] == 0
    repo.write({"big.avt": (repo.path / "big.avt").read_text().replace("flat 17.00", "flat 19.00")})
    hunks = [line for line in repo.git("diff").splitlines() if line.startswith("@@")]
    assert hunks == ['@@ -21,6 +21,6 @@   charge c6 "C6" {']


def test_fmt_stdout(tmp_path: Path) -> None:
    (tmp_path / "team.avt").write_text(MESSY)
    code, output = run(tmp_path, "fmt", "--stdout", str(tmp_path / "team.avt"))
    assert (code, output) == (0, CANONICAL)
    assert (tmp_path / "team.avt").read_text() == MESSY  # nothing written
    (tmp_path / "broken.avt").write_text("plan broken {\n")
    code, output = run(tmp_path, "fmt", "--stdout", str(tmp_path / "broken.avt"))
    assert code == 0
    assert output == (
        f"note: {tmp_path / 'broken.avt'} has syntax errors, so it is printed as it is (`avtale check` shows them)\n"
        "plan broken {\n"
    )
    for args in ((), (str(tmp_path / "team.avt"), "--check"), (str(tmp_path),)):
        code, output = run(tmp_path, "fmt", "--stdout", *args)
        assert (code, output) == (
            1,
            "error: `fmt --stdout` prints one file's canonical form, and cannot go with --check\n"
            "  = help: give exactly one .avt file: `avtale fmt --stdout contracts/acme.avt`\n",
        )


def test_setup_outside_a_repository(tmp_path: Path) -> None:
    (tmp_path / "avtale.toml").write_text("")
    code, output = run(tmp_path, "git", "setup")
    assert code == 1
    assert output.startswith(f"error: {tmp_path.resolve()} is not in a git repository")
    assert "\n  = help: revisions are read from git" in output


def test_the_pre_commit_hooks() -> None:
    text = (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    blocks = text.split("\n- ")[1:]
    hooks = [dict(line.strip().split(": ", 1) for line in block.splitlines() if ": " in line) for block in blocks]
    assert [h["id"] for h in hooks] == ["avtale-check", "avtale-fmt"]
    assert [h["entry"] for h in hooks] == ["avtale check --against HEAD", "avtale fmt --check"]
    assert [h["language"] for h in hooks] == ["python", "python"]
    assert [h.get("pass_filenames") for h in hooks] == ["false", None]
