"""PDF invoices and credit notes, rendered with Typst from the ledger's documents (docs/pdf.md)."""

from runtime.pdf.errors import NoSnapshot, PdfError, TemplateError
from runtime.pdf.render import PdfRenderer

__all__ = ["NoSnapshot", "PdfError", "PdfRenderer", "TemplateError"]
