"""docs/pdf.md stays true: its templates compile and say what they should, its data contract names
every field a template receives, and its picture is there."""

from __future__ import annotations

import re
from pathlib import Path

import attrs
import pytest
import typst

from runtime.pdf import PdfRenderer
from runtime.pdf.labels import Labels
from runtime.pdf.view import Amounts, InvoiceView, LineView, PartyView, VatView
from tests.pdf.documents import BUSINESS
from tests.pdf.reading import text_of

DOC = Path(__file__).resolve().parents[2] / "docs" / "pdf.md"
TEMPLATES = re.findall(r"```typst\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)


def test_the_doc_has_templates() -> None:
    assert len(TEMPLATES) == 2


@pytest.mark.parametrize("index", range(2))
def test_doc_template_renders(index: int, tmp_path: Path) -> None:
    (tmp_path / "logo.png").write_bytes(typst.compile(b"#set page(width: 4cm, height: 1cm)\n#rect()", format="png"))
    template = tmp_path / "faktura.typ"
    template.write_text(TEMPLATES[index])
    text = text_of(PdfRenderer(template).render(BUSINESS))
    assert "250001" in text
    assert "Bergen Klatresenter AS" in text
    assert "13 395,00" in text
    assert "000002500019" in text
    if index == 0:
        assert "faktura@skarvtind.example" in text
        assert "Takk for at du er kunde hos oss!" in text


def _contract_fields() -> set[str]:
    """The field names the data-contract tables of docs/pdf.md list (first column, in backquotes)."""
    section = DOC.read_text(encoding="utf-8").split("### The data a template receives", 1)[1].split("\n## ", 1)[0]
    names: set[str] = set()
    for row in re.findall(r"^\| (`[^|]*`) \|", section, re.MULTILINE):
        names.update(re.findall(r"`([a-z_]+)`", row))
    return names


@pytest.mark.parametrize("record", [InvoiceView, PartyView, LineView, VatView])
def test_data_contract_lists_every_field(record: type) -> None:
    missing = {f.name for f in attrs.fields(record)} - _contract_fields()
    assert not missing, f"docs/pdf.md does not list {sorted(missing)} of {record.__name__}"


def test_data_contract_lists_no_field_that_is_not_there() -> None:
    known = {f.name for record in (InvoiceView, PartyView, LineView, VatView) for f in attrs.fields(record)}
    assert _contract_fields() - known == set()
    assert {f.name for f in attrs.fields(Amounts)} == {"net", "vat", "gross"}
    assert "due_date" in {f.name for f in attrs.fields(Labels)}  # the doc's example label


def test_the_picture_is_there() -> None:
    assert "![An invoice as the built-in template lays it out](images/invoice-example.png)" in DOC.read_text()
    picture = DOC.parent / "images" / "invoice-example.png"
    assert picture.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
