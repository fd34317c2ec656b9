"""Which files in the usage folder hold events, and in which format.

Only regular files are read. A named pipe or a device (a link to /dev/zero named
`events.csv`) would make DuckDB wait forever or read without end, so such files
are skipped with a warning, as are links to folders: following them could leave
the usage folder or go round in a loop. A link to a regular file is read.
"""

from __future__ import annotations

import os
import stat
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
class Skipped:
    shown: str
    kind: str
    """What the entry is instead of a regular file, e.g. `a named pipe (FIFO)`, or `a folder`."""
    target: str | None
    """Where it links to, when it is a symbolic link."""


@attrs.frozen(kw_only=True)
class Discovered:
    files: tuple[EventFile, ...]
    ignored: tuple[str, ...]
    """Files with another suffix, shown so that `events.json` does not vanish silently."""
    skipped: tuple[Skipped, ...] = ()
    """Entries with an event suffix that are not regular files, and links to folders: not read."""
    unlisted: tuple[tuple[str, str], ...] = ()
    """Folders that could not be listed (name, reason): any events in them are missing."""


def special_kind(mode: int) -> str | None:
    """What a file that is not a regular file is, in words; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a folder" if stat.S_ISDIR(mode) else "a special file"


def discover(folder: Path, relative_to: Path | None = None) -> Discovered:
    """Event files under `folder` (subfolders included), sorted by path; hidden files skipped.

    The sort order is the order in which duplicates are resolved: the first file wins.
    `folder` itself may be a link (the setting names it); links inside it to folders are not followed.
    """
    base = relative_to if relative_to is not None else folder
    found: list[EventFile] = []
    ignored: list[str] = []
    skipped: list[Skipped] = []
    unlisted: list[tuple[str, str]] = []

    def show(path: str | Path) -> str:
        return Path(os.path.relpath(path, base)).as_posix()

    def cannot_list(exc: OSError) -> None:
        where = exc.filename if exc.filename is not None else folder
        unlisted.append((show(where), exc.strerror or type(exc).__name__))

    if not folder.is_dir():
        return Discovered(files=(), ignored=())
    for here, dirs, names in os.walk(folder, onerror=cannot_list):
        kept = []
        for name in sorted(dirs):
            if name.startswith("."):
                continue
            path = Path(here, name)
            if path.is_symlink():
                skipped.append(Skipped(shown=show(path), kind="a folder", target=os.path.realpath(path)))
            else:
                kept.append(name)
        dirs[:] = kept
        for name in names:
            if name.startswith("."):
                continue
            path = Path(here, name)
            fmt = file_format(name)
            if fmt is None:
                ignored.append(show(path))
                continue
            try:
                kind = special_kind(path.stat().st_mode)
            except OSError:
                kind = None  # a dangling link: reading it fails, and is reported as an unreadable file
            if kind is None:
                found.append(EventFile(path=path, shown=show(path), format=fmt))
            else:
                target = os.path.realpath(path) if path.is_symlink() else None
                skipped.append(Skipped(shown=show(path), kind=kind, target=target))
    return Discovered(
        files=tuple(sorted(found, key=lambda f: f.shown)),
        ignored=tuple(sorted(ignored)),
        skipped=tuple(sorted(skipped, key=lambda s: s.shown)),
        unlisted=tuple(sorted(unlisted)),
    )
