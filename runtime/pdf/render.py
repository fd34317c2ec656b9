"""Issued documents to PDF with Typst, through one compiler that is reused from document to document.

The template receives the document as JSON in `sys.inputs.avtale` (view.py; docs/pdf.md has the
contract) and never as Typst source, so nothing a customer's name holds can become markup. Only the
fonts inside the typst wheel are used and the PDF's date is the issue date, so the same document
gives the same bytes on any machine, on any day.
"""

from __future__ import annotations

import importlib.resources
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Literal

import typst

from runtime.ledger.documents import IssuedDocument
from runtime.pdf.errors import TemplateError
from runtime.pdf.view import view_json, view_of

INPUT = "avtale"
"""The key of `sys.inputs` that holds the document."""


def templates_folder() -> Path:
    """The built-in templates: `invoice.typ` and the `@avtale/invoice` package it imports."""
    return Path(str(importlib.resources.files("runtime").joinpath("templates/pdf")))


def builtin_template() -> Path:
    return templates_folder() / "invoice.typ"


class PdfRenderer:
    """Renders documents with one template. `template`: a Typst file of the user's (docs/pdf.md), else the
    built-in one; `root`: the folder the template may read files from (a logo), by default the template's own."""

    def __init__(self, template: Path | None = None, root: Path | None = None) -> None:
        self.template = (template or builtin_template()).resolve()
        if not self.template.is_file():
            raise TemplateError(
                f"the PDF template {self.template} does not exist",
                "set `pdf_template` in avtale.toml to a Typst file (docs/pdf.md), or remove it for the built-in one",
            )
        self.root = (root or self.template.parent).resolve()
        if not self.template.is_relative_to(self.root):
            raise TemplateError(
                f"the PDF template {self.template} is outside the folder {self.root} it may read from",
                "keep the template inside the workspace",
            )
        self._compiler = typst.Compiler(
            root=str(self.root),
            ignore_system_fonts=True,  # the wheel's own fonts: the same output on every machine
            package_path=str(templates_folder()),
        )

    def render(self, doc: IssuedDocument, corrected: Mapping[int, IssuedDocument] | None = None) -> bytes:
        """The PDF of one document. `corrected`: the invoices a credit note corrects, by number (for their dates)."""
        pdf = self._compile(doc, corrected, "pdf")
        if not isinstance(pdf, bytes):  # one PDF per compile; a list only comes from page images
            raise TemplateError(f"the PDF template {self.template} gave no PDF", "check the template")
        return pdf

    def render_many(
        self, docs: Iterable[IssuedDocument], corrected: Mapping[int, IssuedDocument] | None = None
    ) -> Iterator[tuple[IssuedDocument, bytes]]:
        """Each document with its PDF, in order, through the same compiler."""
        for doc in docs:
            yield doc, self.render(doc, corrected)

    def render_png(
        self, doc: IssuedDocument, corrected: Mapping[int, IssuedDocument] | None = None, ppi: float = 144
    ) -> list[bytes]:
        """Each page as a PNG image: for looking at a layout, and for the docs."""
        pages = self._compile(doc, corrected, "png", ppi)
        return pages if isinstance(pages, list) else [pages] if pages else []

    def _compile(
        self,
        doc: IssuedDocument,
        corrected: Mapping[int, IssuedDocument] | None,
        form: Literal["pdf", "png"],
        ppi: float | None = None,
    ) -> bytes | list[bytes] | None:
        data = view_json(view_of(doc, corrected))
        # Typst dates a document it is not told the date of by `timestamp`: the issue date, never the clock.
        stamp = datetime.combine(doc.issue_date, time(0), tzinfo=UTC)
        try:
            return self._compiler.compile(
                input=str(self.template), format=form, ppi=ppi, sys_inputs={INPUT: data}, timestamp=stamp
            )
        except typst.TypstError as exc:
            raise TemplateError(
                f"the PDF template {self.template} cannot be rendered: {exc.message}{_where(exc)}",
                "fix the template (docs/pdf.md lists the data it receives), or remove `pdf_template` from "
                "avtale.toml to use the built-in one",
            ) from None


def _where(exc: typst.TypstError) -> str:
    """Typst's picture of the place (`┌─ faktura.typ:2:27` and the line), without its repeat of the message."""
    lines = exc.diagnostic.rstrip().splitlines()
    if lines and lines[0].startswith(("error:", "warning:")) and exc.message in lines[0]:
        lines = lines[1:]
    return "".join(f"\n{line}" for line in lines)
