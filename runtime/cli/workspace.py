"""Loading a checked workspace for the commands that execute it (schedule, bill, ...)."""

from __future__ import annotations

import sys
from collections.abc import Callable

import click

from compiler.model import Workspace as Model
from dsl.diagnostics import Severity, sorted_diagnostics
from dsl.render import render_text
from runtime.cli.options import Context, workspace_root
from runtime.loader import Workspace, WorkspaceError, load


def load_checked(ctx: Context, progress: Callable[[str], None] | None = None) -> tuple[Workspace, Model]:
    """The workspace and its model, or the errors that stop it (exit 1). `progress` hears each step."""
    root = workspace_root(ctx)
    try:
        workspace = load(root, progress=progress)
    except WorkspaceError as exc:
        raise click.ClickException(f"{exc}\n  = help: {exc.help}") from exc
    errors = [d for d in sorted_diagnostics(workspace.diagnostics) if d.severity is Severity.ERROR]
    if errors or workspace.result is None:
        for diagnostic in errors:
            click.echo(render_text(diagnostic, workspace.source_lines, color=ctx.color), err=True)
            click.echo(err=True)
        click.echo(f"{len(errors)} error(s) in the workspace; fix them first (`avtale check` lists them)", err=True)
        sys.exit(1)
    return workspace, workspace.result.workspace
