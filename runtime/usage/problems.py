"""What reading usage found wrong, as values: a report, never an exception."""

from __future__ import annotations

from typing import Literal

import attrs

ProblemKind = Literal[
    "malformed",
    "unknown_contract",
    "unreadable_file",
    "conflicting_duplicate",
    "skipped_file",
    "unmetered_event",
    "ignored_file",
]

BLOCKING: frozenset[ProblemKind] = frozenset(
    {"malformed", "unknown_contract", "unreadable_file", "conflicting_duplicate"}
)
"""Kinds that mean the totals may be wrong: events were not counted, or one id stands for two
different events and which is right is unknown. The CLI exits 1 and a bill run must not go ahead."""

_SEVERITY: dict[ProblemKind, str] = {
    "malformed": "error",
    "unknown_contract": "error",
    "unreadable_file": "error",
    "conflicting_duplicate": "error",
    "skipped_file": "warning",
    "unmetered_event": "note",
    "ignored_file": "note",
}


@attrs.frozen(kw_only=True)
class Problem:
    kind: ProblemKind
    file: str
    """The file, relative to the workspace root when reading for a workspace."""
    row: int | None
    """1-based record number in the file: the Nth data row of a CSV file (the header
    and blank lines are not counted), the Nth non-blank line of a JSON Lines file,
    the Nth row of a Parquet file. None when the problem concerns the whole file."""
    column: str | None
    message: str
    help: str
    line: int | None = None
    """The physical line, for CSV lines that could not be split into columns."""

    @property
    def blocking(self) -> bool:
        return self.kind in BLOCKING

    @property
    def severity(self) -> str:
        return _SEVERITY[self.kind]

    @property
    def location(self) -> str:
        where = self.file
        if self.line is not None:
            where += f" line {self.line}"
        elif self.row is not None:
            where += f" row {self.row}"
        if self.column is not None:
            where += f", column `{self.column}`"
        return where

    def render(self) -> str:
        return f"{self.severity}: {self.location}: {self.message}\n  = help: {self.help}"

    def as_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "severity": self.severity,
            "file": self.file,
            "row": self.row,
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "help": self.help,
        }


@attrs.frozen(kw_only=True)
class UsageReport:
    files: tuple[str, ...]
    """The event files read, in the order that decides which duplicate is kept."""
    rows: int
    """Records read from all files, including the rejected ones."""
    events: int
    """Events kept: valid, known contract, one per id."""
    duplicates: int
    """Valid events dropped because an earlier one had the same id."""
    conflicts: int
    """Of those, the ones whose content differed from the kept event (each is a blocking problem)."""
    rejected: int
    """Records not counted: malformed, or for a contract the workspace does not have."""
    unknown_contracts: tuple[str, ...]
    """Contract ids in the usage that the workspace does not have (sorted)."""
    problems: tuple[Problem, ...]

    @property
    def blocking(self) -> bool:
        """True when some events were not counted: billing on these figures would be wrong."""
        return any(p.blocking for p in self.problems)

    def summary_line(self) -> str:
        files = len(self.files)
        return (
            f"{_count(self.rows, 'event')} in {_count(files, 'file')}, "
            f"{_count(self.duplicates, 'duplicate')} dropped"
            + (f" ({self.conflicts:,} conflicting)" if self.conflicts else "")
            + f", {self.rejected} rejected"
        )


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"
