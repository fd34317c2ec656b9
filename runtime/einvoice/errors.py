"""What e-invoicing raises for a document it cannot write: a message and a help line, never a traceback."""

from __future__ import annotations


class EinvoiceError(Exception):
    def __init__(self, message: str, help: str) -> None:
        super().__init__(message)
        self.message = message
        self.help = help
