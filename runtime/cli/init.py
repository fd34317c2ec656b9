"""`avtale init DIR`: a small workspace that checks clean, to start from."""

from __future__ import annotations

import importlib.resources
import sys
from importlib.resources.abc import Traversable
from pathlib import Path

import click

RENAMED = {"gitignore": ".gitignore"}
"""Template files stored under another name: a packaging glob of `*` would miss a dotfile."""
EMPTY_FOLDERS = ("usage",)
"""Folders the workspace starts with, empty: a package cannot ship an empty folder, and a file
placed in one (a README) is what `avtale usage` would then warn about."""


def _copy(source: Traversable, target: Path, created: list[Path]) -> None:
    for item in sorted(source.iterdir(), key=lambda t: t.name):
        destination = target / RENAMED.get(item.name, item.name)
        if item.is_dir():
            destination.mkdir(exist_ok=True)
            _copy(item, destination, created)
        elif destination.name == ".gitignore" and destination.is_file():
            _extend_gitignore(destination, item.read_text(encoding="utf-8"))
        else:
            destination.write_bytes(item.read_bytes())
            created.append(destination)


def _extend_gitignore(path: Path, template: str) -> None:
    """Add the template's patterns to a .gitignore the folder already has, keeping what is there."""
    have = set(path.read_text(encoding="utf-8").splitlines())
    missing = [line for line in template.splitlines() if line and not line.startswith("#") and line not in have]
    if missing:
        with path.open("a", encoding="utf-8") as handle:
            handle.write("\n# added by `avtale init`\n" + "\n".join(missing) + "\n")
        click.echo(f"updated {path}")


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def init(directory: Path) -> None:
    """Create a workspace in DIRECTORY: a seller, a customer, a plan and a contract.

    Also an empty usage/ folder, and a .gitignore that keeps the ledger and
    out/ out of version control.

    The files are a starting point: change the seller's name, organisation
    number and bank account to your own, then run `avtale check` inside it.
    """
    if (directory / "avtale.toml").exists():
        click.echo(f"error: {directory} is already a workspace (it has avtale.toml); nothing was changed", err=True)
        sys.exit(1)
    directory.mkdir(parents=True, exist_ok=True)
    created: list[Path] = []
    _copy(importlib.resources.files("runtime").joinpath("templates/init"), directory, created)
    for name in EMPTY_FOLDERS:
        (directory / name).mkdir(exist_ok=True)
        created.append(directory / name)
    for path in created:
        click.echo(f"created {path}")
    click.echo(f"\nnext: cd {directory} && avtale check")
