"""`avtale init DIR`: a small workspace that checks clean, to start from."""

from __future__ import annotations

import contextlib
import importlib.resources
import sys
from datetime import date
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from runtime.importing import ImportResult

RENAMED = {"gitignore": ".gitignore"}
"""Template files stored under another name: a packaging glob of `*` would miss a dotfile."""
EMPTY_FOLDERS = ("usage",)
"""Folders the workspace starts with, empty: a package cannot ship an empty folder, and a file
placed in one (a README) is what `avtale usage` would then warn about."""


SAMPLES = ("customers.avt", "first-customer.avt")
"""The sample customer and contract, left out when the customers and contracts come from a spreadsheet."""


def _in_the_way(source: Traversable, target: Path, skip: tuple[str, ...]) -> list[Path]:
    """The files the template would write over (a .gitignore is extended instead, not replaced)."""
    found: list[Path] = []
    for item in sorted(source.iterdir(), key=lambda t: t.name):
        destination = target / RENAMED.get(item.name, item.name)
        if item.name in skip:
            continue
        if item.is_dir():
            if destination.exists() and not destination.is_dir():
                found.append(destination)
            elif destination.is_dir():
                found += _in_the_way(item, destination, skip)
        elif destination.name != ".gitignore" and (destination.exists() or destination.is_symlink()):
            found.append(destination)
    return found


def _copy(source: Traversable, target: Path, created: list[Path], skip: tuple[str, ...] = ()) -> None:
    for item in sorted(source.iterdir(), key=lambda t: t.name):
        destination = target / RENAMED.get(item.name, item.name)
        if item.name in skip:
            continue
        if item.is_dir():
            if not destination.exists():
                destination.mkdir()
                created.append(destination)
            _copy(item, destination, created, skip)
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
@click.option(
    "--from-spreadsheet",
    "spreadsheet",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Import the customers and contracts of this .xlsx workbook (docs/import.md) instead of the samples.",
)
@click.option(
    "--mapping",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The spreadsheet's mapping (TOML). Default: avtale-import.toml next to it, else the built-in one.",
)
@click.option(
    "--billed-through",
    type=click.DateTime(["%Y-%m-%d"]),
    help="The cut-over: billing periods ending on or before this day were billed elsewhere (docs/cutover.md).",
)
@click.option("--skip-bad", is_flag=True, help="Import the good rows even when others have errors.")
def init(directory: Path, spreadsheet: Path | None, mapping: Path | None, billed_through: Any, skip_bad: bool) -> None:
    """Create a workspace in DIRECTORY: a seller, a customer, a plan and a contract.

    Also an empty usage/ folder, and a .gitignore that keeps the ledger and
    out/ out of version control.

    With --from-spreadsheet, the customers and contracts come from the
    workbook instead of the samples, with --billed-through as the cut-over
    from the old billing; when any row is wrong nothing is created (unless
    --skip-bad), and the errors say where.

    The files are a starting point: change the seller's name, organisation
    number and bank account to your own, then run `avtale check` inside it.
    """
    if (directory / "avtale.toml").exists():
        click.echo(f"error: {directory} is already a workspace (it has avtale.toml); nothing was changed", err=True)
        click.echo("  = help: to import into it, run `avtale import customers|contracts FILE` inside it", err=True)
        sys.exit(1)
    if (mapping or billed_through or skip_bad) and spreadsheet is None:
        click.echo("error: --mapping, --billed-through and --skip-bad go with --from-spreadsheet", err=True)
        click.echo("  = help: add --from-spreadsheet FILE, or set `billed_through` in avtale.toml later", err=True)
        sys.exit(1)
    existed = directory.exists()
    skip = SAMPLES if spreadsheet is not None else ()
    template = importlib.resources.files("runtime").joinpath("templates/init")
    if existed and (clash := _in_the_way(template, directory, skip)):
        click.echo(f"error: {clash[0]} already exists; init would write over it. Nothing was changed", err=True)
        click.echo("  = help: init into an empty or new folder, or move those files away first", err=True)
        sys.exit(1)
    directory.mkdir(parents=True, exist_ok=True)
    created: list[Path] = [] if existed else [directory]
    gitignore = directory / ".gitignore"
    kept_gitignore = gitignore.read_bytes() if gitignore.is_file() else None
    _copy(template, directory, created, skip)
    for name in EMPTY_FOLDERS:
        if not (directory / name).exists():
            (directory / name).mkdir()
            created.append(directory / name)
    if billed_through is not None:
        with (directory / "avtale.toml").open("a", encoding="utf-8") as handle:
            handle.write(f"billed_through = {billed_through.date().isoformat()}  # cut-over (docs/cutover.md)\n")
    clean = True
    if spreadsheet is not None:

        def rollback() -> None:
            _undo(created)
            if kept_gitignore is not None:
                gitignore.write_bytes(kept_gitignore)

        try:
            result = _import(directory, spreadsheet, mapping, skip_bad)
        except BaseException:  # anything unexpected: leave the folder as it was, then report it
            rollback()
            raise
        if result is None:
            rollback()
            click.echo(f"nothing was created in {directory}", err=True)
            sys.exit(1)
        _history_warning(directory)  # the imported files were listed by the import's report
        clean = result.plan.clean
    for path in created:
        if path != directory:
            click.echo(f"created {path}")
    if not clean:
        sys.exit(1)  # --skip-bad wrote the good rows; the bad ones are listed above
    click.echo(f"\nnext: cd {directory} && avtale check")


def _import(directory: Path, spreadsheet: Path, mapping: Path | None, skip_bad: bool) -> ImportResult | None:
    """Import the workbook into the new workspace, reporting as `avtale import` does; None when it wrote nothing
    because rows were wrong or the workbook could not be read."""
    from runtime.cli.importing import report  # the import's own report, line for line
    from runtime.importing import ImportProblem, Options, import_into

    try:
        result = import_into(directory, spreadsheet, mapping, options=Options(skip_bad=skip_bad))
    except ImportProblem as exc:
        click.echo(f"error: {exc}\n  = help: {exc.help}", err=True)
        return None
    report(result.plan, dry_run=False, skip_bad=skip_bad, written=len(result.written))
    if not result.written and not result.plan.clean:
        return None
    return result


def _undo(created: list[Path]) -> None:
    """Remove what this init created, newest first: files, then the folders they were in."""
    for path in reversed(created):
        if path.is_dir():
            with contextlib.suppress(OSError):  # a folder something else wrote into stays
                path.rmdir()
        else:
            path.unlink(missing_ok=True)


def _history_warning(directory: Path) -> None:
    """Say, before any bill run, how much history the first run would invoice."""
    from runtime.loader import load

    workspace = load(directory, use_cache=False)
    if workspace.result is None:
        return
    today = date.today()
    old = [c for c in workspace.result.workspace.contracts.values() if c.start < today and c.cutover is None]
    if old:
        click.echo(
            f"warning: {len(old)} contract(s) started before today and have no `billed_through`: the first bill run "
            f"invoices everything since they started (the earliest, {min(c.start for c in old)})",
            err=True,
        )
        click.echo(
            "  = help: if they were billed before, set the cut-over: `billed_through = YYYY-MM-DD` in avtale.toml, "
            "or per contract in the spreadsheet's `billed_through` column (docs/cutover.md)",
            err=True,
        )
