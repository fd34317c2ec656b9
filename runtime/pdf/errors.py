"""What rendering a PDF raises for a problem the user can fix: a message and a help line."""

from __future__ import annotations


class PdfError(Exception):
    def __init__(self, message: str, help: str) -> None:
        super().__init__(message)
        self.message = message
        self.help = help

    def __reduce__(self) -> tuple[type[PdfError], tuple[str, str]]:
        # Raised in a worker process and re-raised in the parent: pickled with both its parts.
        return type(self), (self.message, self.help)


class NoSnapshot(PdfError):
    """A document issued before the ledger kept its parties: there is nothing to print its header from."""


class TemplateError(PdfError):
    """The template cannot be found, read or compiled by Typst."""
