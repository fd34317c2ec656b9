"""`avtale check`: parse and check every file; exit 1 if anything is an error."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click
from rich.console import Console

from dsl.diagnostics import Diagnostic, Severity, sorted_diagnostics
from dsl.render import render_json, render_text, summary_line
from runtime.cli.options import Context, workspace_root
from runtime.history.git import HistoryError
from runtime.loader import Workspace, WorkspaceError, load, load_revision

if TYPE_CHECKING:
    from compiler.model import Workspace as Model

SHORT = 12
"""Hex digits of a commit id shown to people."""

REV_HELP = "Read the workspace as committed at REV (a commit, branch or tag, e.g. HEAD~1) instead of the files on disk."


def fail(message: str, help: str) -> NoReturn:
    """A user's mistake: `error: …` and `= help: …` on stderr, exit 1."""
    click.echo(f"error: {message}\n  = help: {help}", err=True)
    sys.exit(1)


def load_at(
    ctx: Context,
    rev: str | None,
    *,
    paths: tuple[Path, ...] = (),
    need_model: bool = True,
    use_cache: bool = True,
    progress: Callable[[str], None] | None = None,
) -> Workspace:
    """The workspace on disk, or as committed at `rev`; a problem reading it is an error (exit 1)."""
    root = workspace_root(ctx, paths)
    try:
        if rev is None:
            return load(root, need_model=need_model, use_cache=use_cache, progress=progress)
        return load_revision(root, rev, need_model=need_model, use_cache=use_cache, progress=progress)
    except (WorkspaceError, HistoryError) as exc:
        fail(str(exc), exc.help)


def load_checked_at(ctx: Context, rev: str, progress: Callable[[str], None] | None = None) -> tuple[Workspace, Model]:
    """The workspace as committed at `rev` and its model, or the errors that stop it (exit 1): what
    `runtime.cli.workspace.load_checked` is for the files on disk."""
    workspace = load_at(ctx, rev, progress=progress)
    errors = [d for d in sorted_diagnostics(workspace.diagnostics) if d.severity is Severity.ERROR]
    if errors or workspace.result is None:
        for diagnostic in errors:
            click.echo(render_text(diagnostic, workspace.source_lines, color=ctx.color), err=True)
            click.echo(err=True)
        click.echo(
            f"{len(errors)} error(s) in the workspace at revision {rev} ({at_revision(workspace)}); a revision "
            f"that does not check cannot be run (`avtale check --rev {rev}` lists them)",
            err=True,
        )
        sys.exit(1)
    return workspace, workspace.result.workspace


def at_revision(workspace: Workspace) -> str:
    """The commit the workspace was read from, abbreviated; "" for the files on disk."""
    return workspace.revision[:SHORT] if workspace.revision is not None else ""


@contextlib.contextmanager
def status(enabled: bool) -> Iterator[object]:
    """A spinner on stderr for long loads, only when a person is watching."""
    if not enabled or not sys.stderr.isatty():
        yield lambda _message: None
        return
    console = Console(stderr=True)
    with console.status("loading workspace") as spinner:
        yield lambda message: spinner.update(message)


def _in_paths(diagnostic: Diagnostic, root: Path, paths: tuple[Path, ...]) -> bool:
    if not paths:
        return True
    file = (root / diagnostic.span.file).resolve()
    for path in paths:
        target = path.resolve()
        if target == root or file == target or target in file.parents:
            return True
    return False


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _describe(stats: dict[str, int]) -> str:
    parts = [_count(stats.get("files", 0), "file")]
    for key in ("contract", "plan", "customer"):
        if key + "s" in stats:
            parts.append(_count(stats[key + "s"], key))
    return ", ".join(parts)


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print diagnostics as JSON (for editors and CI).")
@click.option("--verbose", "-v", is_flag=True, help="Also show notes, such as the plan version each contract follows.")
@click.option("--no-cache", is_flag=True, help="Parse and check everything again, ignoring the cache.")
@click.option("--rev", "rev", metavar="REV", help=REV_HELP)
@click.option(
    "--against",
    metavar="REV",
    help="Also fail when the files on disk edit or remove an amendment committed at REV, or rewrite terms of "
    "periods the ledger has invoiced (for CI and pre-commit hooks).",
)
@click.pass_obj
def check(
    ctx: Context,
    paths: tuple[Path, ...],
    as_json: bool,
    verbose: bool,
    no_cache: bool,
    rev: str | None,
    against: str | None,
) -> None:
    """Check the workspace: syntax, names, identities, prices, dates, amendments.

    Every problem in every file is reported in one run, sorted by file and line.
    PATHs (files or folders) limit the report to those files; the whole
    workspace is always checked, since names are global. Exit status: 0 when
    there are no errors (warnings do not fail), 1 when there are.

    With --rev, the files are read from git as committed at REV (the work
    tree is not looked at), so a past state can be checked without checking
    it out.
    """
    root = workspace_root(ctx, paths)
    if rev is None:
        try:
            with status(not as_json) as update:
                workspace = load(root, need_model=False, use_cache=not no_cache, progress=update, notes=verbose)  # type: ignore[arg-type]
        except WorkspaceError as exc:
            raise click.ClickException(f"{exc}\n  = help: {exc.help}") from exc
    else:
        with status(not as_json) as update:
            workspace = load_at(ctx, rev, paths=paths, need_model=False, use_cache=not no_cache, progress=update)  # type: ignore[arg-type]
    shown = sorted_diagnostics(  # what is shown, then sorted: a workspace has a note per contract
        [d for d in workspace.diagnostics if (verbose or d.severity is not Severity.NOTE) and _in_paths(d, root, paths)]
    )
    if as_json:
        revision = {} if workspace.revision is None else {"revision": workspace.revision}
        click.echo(render_json(shown, **workspace.stats, **revision))
    else:
        _print_text(workspace, shown, ctx.color, rev)
    if against is not None:
        from runtime.history.guards import check_against  # only for --against: the guards import the billing

        check_against(root, against, rev=rev, color=ctx.color, as_json=as_json)  # exits 1 when it refuses a change
    sys.exit(1 if any(d.is_error for d in shown) else 0)


def _print_text(workspace: Workspace, shown: list[Diagnostic], color: bool, rev: str | None) -> None:
    for diagnostic in shown:
        click.echo(render_text(diagnostic, workspace.source_lines, color=color))
        click.echo()
    problems = summary_line(shown)
    what = _describe(workspace.stats)
    if rev is not None:
        what += f" at revision {rev} ({at_revision(workspace)})"
    if any(d.is_error for d in shown):
        click.echo(f"checked {what}: {problems}")
    elif problems:
        click.echo(f"checked {what}: no errors, {problems}")
    else:
        click.echo(f"checked {what}: no problems")
