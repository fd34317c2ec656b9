"""Reading a rendered PDF back as text, as a person or a machine would: pypdf, nothing of ours."""

from __future__ import annotations

import io

import pypdf


def text_of(pdf: bytes) -> str:
    """Every page's text, the no-break spaces of amounts read as plain spaces."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages).replace("\u00a0", " ")


def pages_of(pdf: bytes) -> int:
    return len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
