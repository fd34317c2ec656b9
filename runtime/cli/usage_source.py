"""Reading a workspace's usage for a bill run, and reporting what is wrong with it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import click

from compiler import model
from runtime.loader import Workspace
from runtime.usage import Usage, UsageError, read_usage


@contextlib.contextmanager
def workspace_usage(workspace: Workspace, checked: model.Workspace, *, quiet: bool = False) -> Iterator[Usage | None]:
    """The workspace's checked usage events, or None (after saying why) when billing must not use them.

    Problems are printed to stderr. Events that could not be counted (malformed
    rows, unknown contracts, unreadable files) stop the bill run: billing on
    figures known to be incomplete would have to be corrected later.
    """
    folder = workspace.root / workspace.settings.usage
    try:
        usage = read_usage(folder, checked.metrics.values(), checked.contracts, relative_to=workspace.root)
    except UsageError as exc:
        click.echo(f"error: {exc}\n  = help: {exc.help}", err=True)
        yield None
        return
    with usage:
        report = usage.report
        for problem in report.problems:
            if problem.blocking or not quiet:
                click.echo(problem.render(), err=True)
        if report.blocking:
            click.echo(
                f"error: usage has problems that stop the bill run ({report.summary_line()}); nothing was issued",
                err=True,
            )
            click.echo("  = help: fix or remove the rows named above, then run the bill run again", err=True)
            yield None
            return
        yield usage
