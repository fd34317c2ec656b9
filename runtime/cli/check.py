"""`avtale check`: parse and check every file; exit 1 if anything is an error."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path

import click
from rich.console import Console

from dsl.diagnostics import Diagnostic, Severity, sorted_diagnostics
from dsl.render import render_json, render_text, summary_line
from runtime.cli.options import Context, workspace_root
from runtime.loader import Workspace, WorkspaceError, load


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
@click.pass_obj
def check(ctx: Context, paths: tuple[Path, ...], as_json: bool, verbose: bool, no_cache: bool) -> None:
    """Check the workspace: syntax, names, identities, prices, dates, amendments.

    Every problem in every file is reported in one run, sorted by file and line.
    PATHs (files or folders) limit the report to those files; the whole
    workspace is always checked, since names are global. Exit status: 0 when
    there are no errors (warnings do not fail), 1 when there are.
    """
    root = workspace_root(ctx, paths)
    try:
        with status(not as_json) as update:
            workspace = load(root, need_model=False, use_cache=not no_cache, progress=update)  # type: ignore[arg-type]
    except WorkspaceError as exc:
        raise click.ClickException(f"{exc}\n  = help: {exc.help}") from exc
    shown = [
        d
        for d in sorted_diagnostics(workspace.diagnostics)
        if _in_paths(d, root, paths) and (verbose or d.severity is not Severity.NOTE)
    ]
    if as_json:
        click.echo(render_json(shown, **workspace.stats))
    else:
        _print_text(workspace, shown, ctx.color)
    sys.exit(1 if any(d.is_error for d in shown) else 0)


def _print_text(workspace: Workspace, shown: list[Diagnostic], color: bool) -> None:
    for diagnostic in shown:
        click.echo(render_text(diagnostic, workspace.source_lines, color=color))
        click.echo()
    problems = summary_line(shown)
    what = _describe(workspace.stats)
    if any(d.is_error for d in shown):
        click.echo(f"checked {what}: {problems}")
    elif problems:
        click.echo(f"checked {what}: no errors, {problems}")
    else:
        click.echo(f"checked {what}: no problems")
