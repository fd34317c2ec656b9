"""What every command shares: the workspace option, colour, and finding the workspace."""

from __future__ import annotations

from pathlib import Path

import attrs
import click

from runtime.loader import find_root


@attrs.frozen
class Context:
    workspace: Path | None
    color: bool


def workspace_root(ctx: Context, paths: tuple[Path, ...] = ()) -> Path:
    """The workspace: --workspace, else the one holding the first PATH, else the current folder's."""
    if ctx.workspace is not None:
        if not (ctx.workspace / "avtale.toml").is_file():
            raise click.UsageError(
                f"{ctx.workspace} has no avtale.toml; a workspace is a folder holding one "
                f"(`avtale init {ctx.workspace}` creates it)"
            )
        return ctx.workspace.resolve()
    start = paths[0] if paths else Path.cwd()
    root = find_root(start)
    if root is None:
        raise click.UsageError(
            f"no avtale.toml found in {start.resolve()} or any folder above it; "
            "pass --workspace DIR, or create a workspace with `avtale init DIR`"
        )
    return root
