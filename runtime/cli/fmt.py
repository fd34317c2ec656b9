"""`avtale fmt`: rewrite .avt files in their canonical form, comments kept."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from dsl.parser import parse_bytes
from dsl.printer import format_source
from dsl.render import lines_from, render_text
from runtime.cli.options import Context
from runtime.loader import MAX_SOURCE_BYTES, SKIP_DIRS, Skipped, find_root, read_regular


def _avt_files(paths: tuple[Path, ...]) -> list[Path]:
    files: set[Path] = set()
    for path in paths:
        if path.is_file():
            files.add(path)
            continue
        for folder, dirs, names in os.walk(path):
            dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.startswith(".")]
            files.update(Path(folder, n) for n in names if n.endswith(".avt"))
    return sorted(files)


def _print_canonical(paths: tuple[Path, ...], check_only: bool) -> None:
    """`fmt --stdout FILE`: the file in canonical form on stdout, or as it is when it does not parse."""
    if check_only or len(paths) != 1 or not paths[0].is_file():
        click.echo("error: `fmt --stdout` prints one file's canonical form, and cannot go with --check", err=True)
        click.echo("  = help: give exactly one .avt file: `avtale fmt --stdout contracts/acme.avt`", err=True)
        sys.exit(1)
    file = paths[0]
    try:
        data = read_regular(file, MAX_SOURCE_BYTES)
    except (Skipped, OSError) as exc:
        reason = str(exc) if isinstance(exc, Skipped) else (exc.strerror or str(exc))
        click.echo(f"error: cannot read {file}: {reason}", err=True)
        click.echo("  = help: give the path of a regular .avt file", err=True)
        sys.exit(1)
    result = parse_bytes(data, str(file))
    if result.file is None:
        click.echo(f"note: {file} has syntax errors, so it is printed as it is (`avtale check` shows them)", err=True)
        click.echo(data, nl=False)
    else:
        click.echo(format_source(result.file).encode("utf-8"), nl=False)


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--check", "check_only", is_flag=True, help="Change nothing; exit 1 if any file would change.")
@click.option(
    "--stdout",
    "to_stdout",
    is_flag=True,
    help="Print one file's canonical form instead of rewriting it (git's textconv runs this: `avtale git setup`).",
)
@click.pass_obj
def fmt(ctx: Context, paths: tuple[Path, ...], check_only: bool, to_stdout: bool) -> None:
    """Format .avt files canonically, so that diffs show only changes of meaning.

    One statement per line, two-space indentation, `_` between thousands,
    aligned tier tables; comments stay where they were. PATHs are files or
    folders (default: the workspace, or the current folder). A file with
    syntax errors is left untouched and its errors are shown.

    With --stdout, one file's canonical form is printed and nothing is written;
    a file with syntax errors is printed as it is (exit 0), so that diffs of it
    still show.
    """
    if to_stdout:
        _print_canonical(paths, check_only)
        return
    if not paths:
        root = ctx.workspace or find_root(Path.cwd()) or Path.cwd()
        paths = (root,)
    cwd = Path.cwd()
    changed: list[Path] = []
    broken = 0
    for file in _avt_files(paths):
        shown = os.path.relpath(file, cwd)
        try:  # never a pipe or device: it could hang, or never end
            data = read_regular(file, MAX_SOURCE_BYTES)
        except Skipped as skipped:
            broken += 1
            click.echo(f"error: {shown} {skipped}, so it is not formatted\n  = help: {skipped.help}", err=True)
            continue
        except OSError as exc:
            broken += 1
            click.echo(f"error: cannot read {shown}: {exc.strerror or exc}", err=True)
            click.echo("  = help: check the file's permissions, or move it out of the workspace", err=True)
            continue
        result = parse_bytes(data, shown)
        if result.file is None:
            broken += 1
            source = lines_from({shown: data.decode("utf-8", errors="replace")})
            for diagnostic in result.diagnostics:
                click.echo(render_text(diagnostic, source, color=ctx.color), err=True)
                click.echo(err=True)
            continue
        text = format_source(result.file)
        if text.encode("utf-8") != data:
            changed.append(file)
            if check_only:
                click.echo(f"would reformat {shown}")
            else:
                temporary = file.with_name(f".{file.name}.fmt-tmp")
                temporary.write_text(text, encoding="utf-8")
                temporary.replace(file)  # atomic: a crash never leaves half a file
                click.echo(f"reformatted {shown}")
    if broken:
        click.echo(f"{broken} file{'s' if broken != 1 else ''} not formatted (errors above)", err=True)
    if check_only and changed:
        click.echo(f"{len(changed)} file{'s' if len(changed) != 1 else ''} would be reformatted; run `avtale fmt`")
    sys.exit(1 if broken or (check_only and changed) else 0)
