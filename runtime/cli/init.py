"""`avtale init DIR`: a small workspace that checks clean, to start from."""

from __future__ import annotations

import importlib.resources
import sys
from importlib.resources.abc import Traversable
from pathlib import Path

import click


def _copy(source: Traversable, target: Path, created: list[Path]) -> None:
    for item in sorted(source.iterdir(), key=lambda t: t.name):
        destination = target / item.name
        if item.is_dir():
            destination.mkdir(exist_ok=True)
            _copy(item, destination, created)
        else:
            destination.write_bytes(item.read_bytes())
            created.append(destination)


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def init(directory: Path) -> None:
    """Create a workspace in DIRECTORY: a seller, a customer, a plan and a contract.

    The files are a starting point: change the seller's name, organisation
    number and bank account to your own, then run `avtale check` inside it.
    """
    if (directory / "avtale.toml").exists():
        click.echo(f"error: {directory} is already a workspace (it has avtale.toml); nothing was changed", err=True)
        sys.exit(1)
    directory.mkdir(parents=True, exist_ok=True)
    created: list[Path] = []
    _copy(importlib.resources.files("runtime").joinpath("templates/init"), directory, created)
    for path in created:
        click.echo(f"created {path}")
    click.echo(f"\nnext: cd {directory} && avtale check")
