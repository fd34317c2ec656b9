"""Which files in the usage folder hold events, and in which format."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import attrs

Format = Literal["csv", "jsonl", "parquet"]

FORMATS: dict[str, Format] = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}
COMPRESSED = ".gz"
"""CSV and JSON Lines files may be gzipped (`events.csv.gz`); DuckDB decompresses them as it reads."""


def file_format(name: str) -> Format | None:
    lower = name.lower()
    if lower.endswith(COMPRESSED):
        found = FORMATS.get("." + lower[: -len(COMPRESSED)].rpartition(".")[2])
        return found if found != "parquet" else None
    return FORMATS.get("." + lower.rpartition(".")[2]) if "." in lower else None


@attrs.frozen(kw_only=True)
class EventFile:
    path: Path
    shown: str
    """The name used in reports: relative to the workspace root (or the usage folder)."""
    format: Format


@attrs.frozen(kw_only=True)
class Discovered:
    files: tuple[EventFile, ...]
    ignored: tuple[str, ...]
    """Files with another suffix, shown so that `events.json` does not vanish silently."""


def discover(folder: Path, relative_to: Path | None = None) -> Discovered:
    """Event files under `folder` (subfolders included), sorted by path; hidden files skipped.

    The sort order is the order in which duplicates are resolved: the first file wins.
    """
    base = relative_to if relative_to is not None else folder
    found: list[EventFile] = []
    ignored: list[str] = []
    if not folder.is_dir():
        return Discovered(files=(), ignored=())
    for here, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in names:
            if name.startswith("."):
                continue
            path = Path(here, name)
            shown = Path(os.path.relpath(path, base)).as_posix()
            fmt = file_format(name)
            if fmt is None:
                ignored.append(shown)
            else:
                found.append(EventFile(path=path, shown=shown, format=fmt))
    return Discovered(files=tuple(sorted(found, key=lambda f: f.shown)), ignored=tuple(sorted(ignored)))
