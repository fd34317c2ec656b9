"""avtale.toml: workspace settings. An empty file is valid; every key has a default."""

from __future__ import annotations

import re
import tomllib
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from dsl.diagnostics import Diagnostic, error, warning
from dsl.span import Span

SETTINGS_FILE = "avtale.toml"


@attrs.frozen
class Settings:
    sources: tuple[str, ...] = (".",)
    """Folders (relative to the workspace root) searched for .avt files."""
    usage: str = "usage"
    """Folder holding usage event files (CSV, JSON Lines, Parquet)."""
    ledger: str = "ledger.sqlite"
    """The SQLite ledger of issued documents."""
    output: str = "out"
    """Where documents (EHF XML, PDF) are written."""
    pdf_template: str = ""
    """The user's own Typst template for PDF documents (relative to the workspace, or absolute); empty for
    the built-in one (docs/pdf.md)."""
    cache: str = ""
    """Where the parse, check and model caches go: empty for the user's cache folder
    ($XDG_CACHE_HOME/avtale or ~/.cache/avtale, a folder per workspace), else a folder, relative to
    the workspace or absolute. Either way each file is signed with the user's key (runtime/loader.py)."""
    jobs: int = 0
    """Parallel parser processes; 0 means one per core."""
    bank_days: bool = True
    """Move a due date that falls on a weekend, a Norwegian public holiday, 24 or 31 December to the next bank day."""
    credit_threshold: Decimal = Decimal(10)
    """A bill run whose credit notes exceed this percentage of what it invoices (gross, per currency)
    is applied only with --yes."""
    billed_through: date | None = None
    """The cut-over from the old billing for every contract without a `billed_through` of its own: billing
    periods ending on or before this day were invoiced elsewhere (docs/cutover.md)."""
    einvoice_rules: str = ""
    """The folder holding the official EHF artefacts (`ubl-2.1/`, `peppol-bis-billing-3.0.19/`), relative to
    the workspace or absolute; empty for none (`avtale ehf validate`, runtime/einvoice/validation.py)."""


_TYPES: dict[str, type] = {
    "sources": list,
    "usage": str,
    "ledger": str,
    "output": str,
    "pdf_template": str,
    "cache": str,
    "jobs": int,
    "bank_days": bool,
    "credit_threshold": Decimal,
    "einvoice_rules": str,
    "billed_through": date,
}


def _key_span(text: str, key: str) -> Span:
    for number, line in enumerate(text.splitlines(), start=1):
        if re.match(rf"\s*{re.escape(key)}\s*=", line):
            return Span(SETTINGS_FILE, number, 1, number, len(line) + 1)
    return Span(SETTINGS_FILE, 1, 1, 1, 1)


def parse_settings(text: str) -> tuple[Settings, list[Diagnostic]]:
    sink: list[Diagnostic] = []
    try:
        raw: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+), column (\d+)", str(exc))
        line, column = (int(match.group(1)), int(match.group(2))) if match else (1, 1)
        sink.append(
            error(
                "E0703",
                "avtale.toml is not valid TOML",
                Span(SETTINGS_FILE, line, column, line, column + 1),
                label=str(exc).split(" (at")[0],
                help='write settings as `key = "value"`; an empty avtale.toml is valid',
            )
        )
        return Settings(), sink
    values: dict[str, Any] = {}
    for key, value in raw.items():
        span = _key_span(text, key)
        expected = _TYPES.get(key)
        if expected is None:
            sink.append(
                warning(
                    "W0701",
                    f"avtale.toml has an unknown setting `{key}`",
                    span,
                    label="ignored",
                    help="known settings: " + ", ".join(f"`{k}`" for k in _TYPES),
                )
            )
            continue
        # TOML booleans are Python bools, which are also ints: a bool setting takes exactly
        # true or false, and no other setting takes a bool.
        if expected is Decimal:  # a percentage: any TOML number, 0 or more
            ok = isinstance(value, int | float) and not isinstance(value, bool) and value >= 0
        elif expected is date:  # a TOML local date; a date-time is a different type
            ok = type(value) is date and 1970 <= value.year <= 2100
        else:
            ok = isinstance(value, bool) if expected is bool else isinstance(value, expected)
            ok = ok and (expected is bool or not isinstance(value, bool))
        if ok and expected is list:
            ok = all(isinstance(v, str) for v in value) and bool(value)
        if ok and key == "jobs":
            ok = value >= 0
        if not ok:
            shape = {
                list: "a list of folder names",
                str: "a string",
                int: "a whole number, 0 or more",
                bool: "true or false",
                Decimal: "a percentage, 0 or more",
                date: "a date between 1970 and 2100, written without quotes",
            }[expected]
            sink.append(
                error(
                    "E0703",
                    f"the setting `{key}` must be {shape}",
                    span,
                    label=f"found {value!r}",
                    help=f"for example `{key} = {_example(key)}`",
                )
            )
            continue
        values[key] = tuple(value) if expected is list else Decimal(str(value)) if expected is Decimal else value
    return Settings(**values), sink


def _example(key: str) -> str:
    defaults = Settings()
    if key == "cache":  # its default, "", says nothing
        return '"/var/cache/avtale"'
    if key == "einvoice_rules":  # nor does this one's
        return '"../shared/einvoice"'
    if key == "pdf_template":
        return '"templates/invoice.typ"'
    if key == "billed_through":
        return "2026-02-28"
    value = getattr(defaults, key)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return "[" + ", ".join(f'"{v}"' for v in value) + "]"
    return f'"{value}"' if isinstance(value, str) else str(value)


def setting_span(text: str, key: str) -> Span:
    """Where `key` is set in avtale.toml's `text` (line 1 when it is not)."""
    return _key_span(text, key)
