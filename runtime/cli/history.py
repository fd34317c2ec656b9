"""`avtale log`, `avtale blame`, `avtale show` and `avtale git setup`: a contract's history, read from git."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any, NoReturn

import click

from runtime.cli.options import Context, workspace_root
from runtime.history.blame import Blame, Blamed, blame
from runtime.history.git import Commit, HistoryError, Repo
from runtime.history.log import WORK_TREE, Entry, History, contract_log, unknown_contract
from runtime.history.setup import default_program, git_setup
from runtime.loader import find_root

SHORT = 12


def _fail(message: str, help: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    click.echo(f"  = help: {help}", err=True)
    sys.exit(1)


@contextmanager
def _history_errors() -> Iterator[None]:
    """A problem reading git (no repository, an unknown revision) is the user's to fix: exit 1."""
    try:
        yield
    except HistoryError as exc:
        _fail(str(exc), exc.help)


def _day(value: datetime | None) -> date:
    return value.date() if value is not None else date.today()  # the CLI owns the clock; the compiler has none


def _commit_json(commit: Commit) -> dict[str, str]:
    return {
        "id": commit.id,
        "short": commit.short,
        "author": commit.author,
        "email": commit.email,
        "date": commit.date.isoformat(),
        "subject": commit.subject,
    }


# ------------------------------------------------------------------ log
def _entry_text(entry: Entry) -> str:
    commit = entry.commit
    head = f"{commit.short}  {commit.date.date().isoformat()}  {commit.author}  {commit.subject}"
    return "\n".join([head, *(f"    {change}" for change in entry.changes)])


@click.command()
@click.argument("contract")
@click.option("--rev", metavar="REV", help="Read the history that leads to REV (default: HEAD).")
@click.option("--json", "as_json", is_flag=True, help="Print the commits as JSON.")
@click.pass_obj
def log(ctx: Context, contract: str, rev: str | None, as_json: bool) -> None:
    """Every commit that changed CONTRACT, newest first, with what it changed.

    A commit is listed when it changes the contract's terms (its file, also
    across renames and moves), the plan version it follows, its customer, or
    the metrics and indices it uses; the change is said in words
    ("amendment 2 added: seats quantity 25 -> 40 from 2026-03-01"). Commits
    that only touch other contracts are left out. Uncommitted changes are not
    history: `avtale show` and `avtale blame` show those.
    """
    root = workspace_root(ctx)
    with _history_errors():
        history = History(root)
        entries = contract_log(history, contract, rev) if rev is not None or history.head() is not None else []
        if not entries:
            top = WORK_TREE if rev is None else history.repo.resolve(rev)
            if rev is None and history.state(WORK_TREE, contract).exists:
                click.echo(f"{contract} is not committed yet: it is only in the files on disk")
                return
            error = unknown_contract(history, contract, top)
            _fail(str(error), error.help)
    if as_json:
        commits = [{**_commit_json(e.commit), "changes": list(e.changes)} for e in entries]
        click.echo(json.dumps({"contract": contract, "commits": commits}, indent=2, ensure_ascii=False))
        return
    click.echo("\n\n".join(_entry_text(e) for e in entries))


# ------------------------------------------------------------------ blame and show
def _blame_json(found: Blame) -> dict[str, Any]:
    def term(item: Blamed) -> dict[str, Any]:
        since = item.term.since
        return {
            "key": item.term.key,
            "text": item.term.text,
            "since": {
                "origin": since.origin,
                "amendment": since.amendment,
                "effective": since.effective.isoformat(),
                "text": since.text(),
            },
            "recorded": _commit_json(item.commit) if item.commit is not None else None,
        }

    return {
        "contract": found.contract,
        "at": found.day.isoformat(),
        "revision": found.revision,
        "terms": [term(t) for t in found.terms],
    }


def _where(found: Blame, rev: str | None) -> str:
    return "in the files on disk" if found.revision is None else f"as recorded at {rev} ({found.revision[:SHORT]})"


def _run_blame(ctx: Context, contract: str, at: datetime | None, rev: str | None) -> Blame:
    root = workspace_root(ctx)
    with _history_errors():
        return blame(History(root), contract, _day(at), rev)


AT_HELP = "The day whose terms are shown (default: today)."
REV_HELP = "Show the terms as recorded at REV (default: the files on disk, uncommitted changes included)."


@click.command(name="blame")
@click.argument("contract")
@click.option("--at", type=click.DateTime(["%Y-%m-%d"]), help=AT_HELP)
@click.option("--rev", metavar="REV", help=REV_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the terms as JSON.")
@click.pass_obj
def blame_command(ctx: Context, contract: str, at: datetime | None, rev: str | None, as_json: bool) -> None:
    """For each term of CONTRACT in force on a day: the commit, author and date that recorded it.

    Each line: the commit, its date and author, what sets the term (the
    contract, the plan version it follows, or an amendment with its effective
    date), and the term. A term's commit is the oldest one since which it has
    had its present value (and the same source), as `git blame` finds a line's.
    Uncommitted terms say so.
    """
    found = _run_blame(ctx, contract, at, rev)
    if as_json:
        click.echo(json.dumps(_blame_json(found), indent=2, ensure_ascii=False))
        return
    rows = []
    for item in found.terms:
        commit = item.commit
        who = (commit.short, commit.date.date().isoformat(), commit.author) if commit else ("not committed", "", "")
        rows.append((*who, item.term.since.short(), item.term.text))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    click.echo(f"{found.contract} on {found.day.isoformat()}, {_where(found, rev)}")
    for row in rows:
        click.echo("  ".join([*(cell.ljust(widths[i]) for i, cell in enumerate(row[:4])), row[4]]))


@click.command()
@click.argument("contract")
@click.option("--at", type=click.DateTime(["%Y-%m-%d"]), help=AT_HELP)
@click.option("--rev", metavar="REV", help=REV_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the terms as JSON.")
@click.pass_obj
def show(ctx: Context, contract: str, at: datetime | None, rev: str | None, as_json: bool) -> None:
    """The terms of CONTRACT in force on a day, as recorded at a revision.

    Each term with its two times: when it took effect (from the amendments:
    "since amendment 2 effective 2026-03-01") and when it was recorded (from
    git: "recorded in a1b2c3d4e5f6 by Kari Nordmann on 2026-02-20").
    """
    found = _run_blame(ctx, contract, at, rev)
    if as_json:
        click.echo(json.dumps(_blame_json(found), indent=2, ensure_ascii=False))
        return
    click.echo(f"{found.contract} on {found.day.isoformat()}, {_where(found, rev)}")
    for item in found.terms:
        click.echo(f"  {item.term.text}, {item.term.since.text()}")
        commit = item.commit
        if commit is None:
            click.echo("    not committed yet")
        else:
            click.echo(f"    recorded in {commit.short} by {commit.author} on {commit.date.date().isoformat()}")


# ------------------------------------------------------------------ git setup
@click.group(name="git")
def git() -> None:
    """Git integration: `avtale git setup`."""


@git.command(name="setup")
@click.option(
    "--program",
    metavar="COMMAND",
    help="How git should run Avtale (default: `avtale` when it is on PATH, else this one's full path).",
)
@click.pass_obj
def setup(ctx: Context, program: str | None) -> None:
    """Make `git diff` and `git log -p` show .avt files in canonical form.

    Registers a textconv diff driver in the repository's config
    (`diff.avtale.textconv`, running `avtale fmt --stdout`) with hunk headers
    naming the contract or plan, and adds `*.avt diff=avtale` to the
    .gitattributes at the top of the work tree (commit it, so that everyone
    gets it). Running it again changes nothing.
    """
    start = ctx.workspace or find_root(Path.cwd()) or Path.cwd()
    with _history_errors():
        repo = Repo.at(start)
        steps = git_setup(repo.root, program or default_program())
    for step in steps:
        click.echo(f"{'set' if step.changed else 'already set'}: {step.what}")
    if any(step.changed for step in steps):
        click.echo("`git diff` now shows .avt files as `avtale fmt` writes them; commit .gitattributes to share it")
    else:
        click.echo("nothing to do: git is already set up for .avt files")
