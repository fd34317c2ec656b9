"""The one exception type of a whole-import failure: a message, and a help line saying what to do."""

from __future__ import annotations


class ImportProblem(Exception):
    """The import cannot go on at all (unreadable file, bad mapping, missing columns, a broken workspace).
    Mistakes in single rows are `RowError`s instead, collected and reported together."""

    def __init__(self, message: str, help: str) -> None:
        super().__init__(message)
        self.help = help
