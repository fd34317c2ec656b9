"""`avtale git setup`: plain `git diff` and `git log -p` show .avt files in canonical form.

Two settings, both idempotent:

- a diff driver in the repository's own config (`.git/config`): `diff.avtale.textconv` runs
  `avtale fmt --stdout` on each side of a diff, so a change of layout disappears and every amount reads
  as `avtale fmt` writes it; `diff.avtale.xfuncname` puts the enclosing contract, plan, amendment or
  charge in each hunk header;
- the line `*.avt diff=avtale` in the `.gitattributes` at the top of the work tree, which is
  committed, so that everyone who runs the setup gets the same diffs.

Textconv only changes what diffs show: the files, the commits and `git apply` stay byte for byte.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import attrs

from runtime.history.git import HistoryError

DRIVER = "avtale"
ATTRIBUTE = f"*.avt diff={DRIVER}"
ATTRIBUTES_FILE = ".gitattributes"
FUNCNAME = r"^((contract|plan|customer|seller|metric|index)[ \t].*|[ \t]+(amendment|charge)[ \t].*)$"
"""Hunk headers: the nearest line above a change that opens a declaration (unindented, as `avtale fmt`
writes it), an amendment or a charge."""


@attrs.frozen(kw_only=True)
class Step:
    what: str
    changed: bool


def default_program() -> str:
    """How git should run Avtale: `avtale` when that is on PATH, else the full path of this one."""
    if shutil.which("avtale"):
        return "avtale"
    beside = Path(sys.executable).parent / "avtale"
    return shlex.quote(str(beside)) if beside.is_file() else "avtale"


def _git(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0"}
    try:
        done = subprocess.run(["git", *args], cwd=root, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise HistoryError("git is not installed: no `git` program was found on PATH", "install git") from None
    if check and done.returncode != 0:
        message = done.stderr.strip().splitlines()[0] if done.stderr.strip() else "no message"
        raise HistoryError(f"git {args[0]} failed: {message}", "run the same git command yourself to see why")
    return done


def _config(root: Path, name: str, value: str) -> Step:
    found = _git(root, "config", "--local", "--get", name, check=False)
    shown = f"git config {name} {shlex.quote(value)}"
    if found.returncode == 0 and found.stdout.rstrip("\n") == value:
        return Step(what=shown, changed=False)
    _git(root, "config", "--local", "--replace-all", name, value)
    return Step(what=shown, changed=True)


def _attributes(root: Path) -> Step:
    path = root / ATTRIBUTES_FILE
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    shown = f"{ATTRIBUTE} in {ATTRIBUTES_FILE}"
    if any(" ".join(line.split()) == ATTRIBUTE for line in text.splitlines()):
        return Step(what=shown, changed=False)
    if text and not text.endswith("\n"):
        text += "\n"
    path.write_text(f"{text}{ATTRIBUTE}\n", encoding="utf-8")
    return Step(what=shown, changed=True)


def git_setup(root: Path, program: str) -> list[Step]:
    """Register the diff driver in the repository at `root` (its top level) and mark .avt files with it."""
    return [
        _config(root, f"diff.{DRIVER}.textconv", f"{program} fmt --stdout"),
        _config(root, f"diff.{DRIVER}.xfuncname", FUNCNAME),
        _attributes(root),
    ]
