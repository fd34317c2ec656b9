"""Shared fixtures: a workspace to import into, and `avtale` with the import command."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from runtime.cli.main import cli

SELLER = """seller vendor {
  name "Prøve AS"
  orgnr "976240391"
  mva
}

plan team "Team" effective 2025-01-01 {
  charge platform "Plattform" {
    flat 1_000.00 per month
  }
  charge seats "Brukere" {
    per_unit 100.00 per seat per month
  }
}
"""


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A workspace with a seller and plan `team` (platform, seats), and no customers or contracts."""
    root = tmp_path / "ws"
    root.mkdir()
    (root / "avtale.toml").write_text("", encoding="utf-8")
    (root / "seller.avt").write_text(SELLER, encoding="utf-8")
    return root


def avtale(root: Path, *args: str) -> tuple[int, str, str]:
    """`avtale --workspace root ARGS`: exit code, stdout, stderr."""
    result = CliRunner().invoke(cli, ["--workspace", str(root), *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr
