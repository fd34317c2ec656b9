"""What every command shares: the workspace option, colour, and finding the workspace."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import NoReturn

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


YEARS = range(1970, 2101)
"""The years the revenue commands take: room for any contract's life, none for a typo such as 9999."""


def parse_month(text: str) -> date | None:
    """A calendar month written YYYY-MM (1970 to 2100), as its first day; None if `text` is not one."""
    if len(text) != 7 or text[4] != "-" or not (text[:4].isdigit() and text[5:].isdigit()):
        return None
    if int(text[:4]) not in YEARS:
        return None
    try:
        return date(int(text[:4]), int(text[5:]), 1)
    except ValueError:
        return None


def as_of_option(text: str | None, fail: Callable[[str, str], NoReturn], example: str = "2026-03-01") -> date:
    """`--as-of`: the day given, or today (the one clock: everything below is given the date); a mistake goes to
    `fail(message, help)`, the command's own way of refusing. YYYY-MM-DD only: `fromisoformat` alone also takes
    week dates (2026-W10-1) and other ISO forms."""
    if text is None:
        return date.today()
    try:
        day = date.fromisoformat(text) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else None
    except ValueError:
        day = None
    if day is None:
        fail(f"--as-of `{text}` is not a date", f"write it YYYY-MM-DD, such as --as-of {example}")
    if day.year not in YEARS:
        fail(f"--as-of {day} is out of range", f"give a date from {YEARS[0]} to {YEARS[-1]}")
    return day
