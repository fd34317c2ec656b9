"""The example workspace (contracts_examples/) copied for a test and driven through `avtale` as a user would."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from runtime.cli.main import cli

EXAMPLES = Path(__file__).resolve().parents[2] / "contracts_examples"


def copy_examples(root: Path) -> Path:
    """A copy of the example workspace at `root`, without its cache, ledger or output folder."""
    shutil.copytree(EXAMPLES, root, ignore=shutil.ignore_patterns(".avtale", "ledger.sqlite*", "out"))
    return root


def run(root: Path, *args: str) -> tuple[int, str, str]:
    """`avtale --workspace root ARGS`: exit code, stdout and stderr; an exception other than exit is raised."""
    result = CliRunner().invoke(cli, ["--workspace", str(root), *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # a traceback is a failure of its own
    return result.exit_code, result.stdout, result.stderr


def run_output(root: Path, *args: str) -> tuple[int, str]:
    """`avtale --workspace root ARGS`: exit code and what a terminal shows (stdout and stderr as written)."""
    result = CliRunner().invoke(cli, ["--workspace", str(root), *args])
    return result.exit_code, result.output


def bill(root: Path, as_of: str) -> Path:
    """Initialise the ledger of `root` and apply a bill run as of `as_of`; both must succeed."""
    code, out, err = run(root, "ledger", "init")
    assert code == 0, out + err
    code, out, err = run(root, "bill", "--as-of", as_of, "--apply")
    assert code == 0, out + err
    return root
