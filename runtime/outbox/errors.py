"""What sending raises for a problem the user can fix: a message and a help line."""

from __future__ import annotations


class OutboxError(Exception):
    def __init__(self, message: str, help: str) -> None:
        super().__init__(message)
        self.message = message
        self.help = help
