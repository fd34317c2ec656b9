"""`avtale import`: customers and contracts from a spreadsheet (docs/import.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from runtime.cli.options import Context, workspace_root
from runtime.importing import ImportProblem, ImportResult, Options, import_into
from runtime.importing.mapping import Kind
from runtime.importing.plan import ImportPlan
from runtime.importing.template import write_template
from runtime.loader import WorkspaceError


def _fail(message: str, help: str) -> None:
    click.echo(f"error: {message}\n  = help: {help}", err=True)
    sys.exit(1)


def report(plan: ImportPlan, *, dry_run: bool, skip_bad: bool, written: int) -> None:
    """What was (or would be) created, every conflict and error, and the summary line."""
    verb = "would create" if dry_run or not plan.writes else "created"
    for outcome in plan.outcomes:
        if outcome.status == "created" and (plan.writes or dry_run):
            click.echo(f"{verb} {outcome.kind} {outcome.id} in {outcome.path} ({outcome.place})")
    if dry_run:
        for path in sorted(plan.writes):
            click.echo(f"--- {path} (would add)\n{plan.added(path)}", nl=False)
    for outcome in plan.outcomes:
        if outcome.status == "conflict":
            click.echo(
                f"conflict: {outcome.place}: {outcome.kind} {outcome.id} already exists in {outcome.path} "
                "with other terms; it was not changed",
                err=True,
            )
            for line in outcome.differences:
                click.echo(f"  {line[0]} {line[1:]}", err=True)
            click.echo(
                "  = help: lines with - are in the workspace, + in the spreadsheet; change the one that is wrong "
                "(the workspace is never overwritten by an import)",
                err=True,
            )
    for error in plan.errors:
        click.echo(f"error: {error}\n  = help: {error.help}", err=True)
    made = "created" if written or not plan.count("created") else "would create"
    summary = (
        f"{made} {plan.count('created')}, unchanged {plan.count('unchanged')}, "
        f"conflicts {plan.count('conflict')}, errors {plan.bad_rows}"
    )
    click.echo(summary)
    if dry_run:
        click.echo("dry run: nothing was written")
    elif not plan.clean and not skip_bad:
        click.echo("nothing was written: fix the rows above, or add --skip-bad to write the good rows", err=True)
    elif not plan.clean:
        click.echo(f"wrote {written} file(s); the rows above were skipped", err=True)


def _run(
    ctx: Context,
    kind: Kind,
    file: Path,
    mapping: Path | None,
    sheet: str | None,
    skip_bad: bool,
    dry_run: bool,
    errors_out: Path | None,
    layout: str = "one-file",
) -> None:
    root = workspace_root(ctx)
    options = Options(layout=layout, skip_bad=skip_bad)  # type: ignore[arg-type]
    try:
        result: ImportResult = import_into(
            root, file, mapping, kinds=(kind,), sheet=sheet, options=options, dry_run=dry_run, errors_out=errors_out
        )
    except (ImportProblem, WorkspaceError) as exc:
        _fail(str(exc), exc.help)
        return
    report(result.plan, dry_run=dry_run, skip_bad=skip_bad, written=len(result.written))
    if errors_out is not None and result.plan.errors:
        click.echo(f"wrote the rows with an error column to {errors_out}", err=True)
    sys.exit(0 if result.plan.clean else 1)


def _common(command: click.Command) -> click.Command:
    for option in [
        click.argument("file", type=click.Path(dir_okay=False, path_type=Path)),
        click.option(
            "--mapping",
            type=click.Path(dir_okay=False, path_type=Path),
            help="The mapping (TOML). Default: avtale-import.toml next to FILE, else the built-in one.",
        ),
        click.option("--sheet", help="The sheet to read. Default: the mapping's, else the first."),
        click.option("--skip-bad", is_flag=True, help="Write the good rows even when others have errors."),
        click.option("--dry-run", is_flag=True, help="Show what would be written; write nothing."),
        click.option(
            "--errors-out",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Write the input with an error column to this .xlsx file when rows have errors.",
        ),
    ]:
        command = option(command)  # on a Command, click appends the parameter: FILE first, then the options
    return command


@click.group("import", invoke_without_command=True)
@click.option(
    "--template",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write a spreadsheet ready to fill in (avtale-import.xlsx) and its mapping into this folder.",
)
@click.pass_context
def import_group(click_ctx: click.Context, template: Path | None) -> None:
    """Import customers and contracts from .xlsx or .csv spreadsheets.

    \b
      avtale import --template DIR          a spreadsheet to fill in, and its mapping
      avtale import customers FILE          customer declarations
      avtale import contracts FILE          one .avt file per contract
    Nothing is written when any row is wrong (unless --skip-bad); re-importing the same
    rows changes nothing; an id that exists with other terms is a conflict, never
    overwritten. Exit 0 when all is good, 1 when errors or conflicts refused rows.
    """
    if template is not None:
        for path in write_template(template):
            click.echo(f"created {path}")
        return
    if click_ctx.invoked_subcommand is None:
        click.echo(click_ctx.get_help())


@import_group.command("customers")
@click.option(
    "--one-file/--file-per-customer",
    default=True,
    help="New customers in one file, customers/<FILE name>.avt (default), or in a file each.",
)
@click.pass_obj
def customers_command(ctx: Context, /, one_file: bool, **kwargs: object) -> None:
    """Import customers from FILE (.xlsx or .csv)."""
    _run(ctx, "customers", layout="one-file" if one_file else "file-per-customer", **kwargs)  # type: ignore[arg-type]


@import_group.command("contracts")
@click.pass_obj
def contracts_command(ctx: Context, /, **kwargs: object) -> None:
    """Import contracts from FILE (.xlsx or .csv), one .avt file each under contracts/."""
    _run(ctx, "contracts", **kwargs)  # type: ignore[arg-type]


_common(customers_command)
_common(contracts_command)
