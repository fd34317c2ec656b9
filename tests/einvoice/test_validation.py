"""Validation against the official artefacts: the official examples pass, broken copies fail with the right rule."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from runtime.einvoice.validation import Finding, RulesError, Validator, line_of, rules_folder

NS = {
    "inv": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "cn": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
TOTALS = "/inv:Invoice/cac:LegalMonetaryTotal/cbc:"
SUPPLIER = "/inv:Invoice/cac:AccountingSupplierParty/cac:Party"


def _fatal(findings: list[Finding]) -> list[str]:
    return sorted(f.rule for f in findings if f.flag == "fatal")


def _line_containing(document: bytes, needle: str) -> int:
    """The 1-based line of the only line holding `needle`: a plain text search, not lxml."""
    lines = [n for n, line in enumerate(document.decode("utf-8").splitlines(), start=1) if needle in line]
    assert len(lines) == 1, f"{needle!r} is on lines {lines}"
    return lines[0]


def test_every_official_example_has_no_fatal_finding(validator: Validator, einvoice_examples: Path) -> None:
    examples = sorted(einvoice_examples.glob("*.xml"))
    assert len(examples) >= 10, f"expected the 10 official examples in {einvoice_examples}"
    roots = {etree.parse(str(path)).getroot().tag for path in examples}
    assert {f"{{{NS['inv']}}}Invoice", f"{{{NS['cn']}}}CreditNote"} <= roots  # both schemas are exercised
    for path in examples:
        findings = validator.validate(path.read_bytes())
        assert _fatal(findings) == [], f"{path.name}: {[f for f in findings if f.fatal]}"
        assert all(f.flag in ("warning", "information") for f in findings)


def test_the_norwegian_example_has_one_known_warning(validator: Validator, einvoice_examples: Path) -> None:
    """UBL-CR-679 (a schemeID on ClassifiedTaxCategory/ID, which the example has): shown, not fatal."""
    findings = validator.validate((einvoice_examples / "Norwegian-example-1.xml").read_bytes())
    assert [(f.rule, f.flag, f.source) for f in findings] == [("UBL-CR-679", "warning", "en16931")]
    assert findings[0].text == "A UBL invoice should not include the ClassifiedTaxCategory/ID schemeID"
    assert findings[0].location == f"/Q{{{NS['inv']}}}Invoice[1]"


def _set(tree: etree._ElementTree, path: str, text: str) -> None:
    (node,) = tree.xpath(path, namespaces=NS)
    node.text = text


def _add(tree: etree._ElementTree, path: str, amount: str) -> None:
    (node,) = tree.xpath(path, namespaces=NS)
    node.text = str(Decimal(node.text) + Decimal(amount))


def _remove(tree: etree._ElementTree, path: str) -> None:
    (node,) = tree.xpath(path, namespaces=NS)
    node.getparent().remove(node)


def bad_orgnr(tree: etree._ElementTree) -> None:
    """123456785 is a valid orgnr (mod 11); 123456784 is not."""
    _set(tree, f"{SUPPLIER}/cbc:EndpointID[@schemeID='0192']", "123456784")


def vat_without_mva(tree: etree._ElementTree) -> None:
    _set(tree, f"{SUPPLIER}/cac:PartyTaxScheme[cac:TaxScheme/cbc:ID='VAT']/cbc:CompanyID", "NO123456785")


def line_sum_off(tree: etree._ElementTree) -> None:
    """The lines' sum (BT-106) 10 higher than the lines; the totals after it follow, so only BR-CO-10 is wrong."""
    for total in ("LineExtensionAmount", "TaxExclusiveAmount", "TaxInclusiveAmount", "PayableAmount"):
        _add(tree, TOTALS + total, "10")


def no_buyer_or_order_reference(tree: etree._ElementTree) -> None:
    _remove(tree, "/inv:Invoice/cbc:BuyerReference")
    _remove(tree, "/inv:Invoice/cac:OrderReference")


def wrong_vat_total(tree: etree._ElementTree) -> None:
    """The VAT total 1 higher than its categories; the totals after it follow, so only BR-CO-14 is wrong."""
    _add(tree, "/inv:Invoice/cac:TaxTotal/cbc:TaxAmount", "1")
    _add(tree, TOTALS + "TaxInclusiveAmount", "1")
    _add(tree, TOTALS + "PayableAmount", "1")


BROKEN: list[tuple[Callable[[etree._ElementTree], None], str, str | None]] = [
    # (the edit, the rule that must fire, text on the line it must point at)
    (bad_orgnr, "PEPPOL-COMMON-R041", '<cbc:EndpointID schemeID="0192">123456784<'),
    (vat_without_mva, "NO-R-001", None),
    (line_sum_off, "BR-CO-10", "<cac:LegalMonetaryTotal>"),
    (no_buyer_or_order_reference, "PEPPOL-EN16931-R003", None),
    (wrong_vat_total, "BR-CO-14", "<cac:TaxTotal>"),
]


@pytest.mark.parametrize(("edit", "rule", "line_text"), BROKEN, ids=[rule for _, rule, _ in BROKEN])
def test_a_broken_copy_fails_with_exactly_the_right_rule(
    validator: Validator,
    einvoice_examples: Path,
    edit: Callable[[etree._ElementTree], None],
    rule: str,
    line_text: str | None,
) -> None:
    tree = etree.parse(str(einvoice_examples / "Norwegian-example-1.xml"))
    edit(tree)
    broken = etree.tostring(tree, xml_declaration=True, encoding="UTF-8")
    findings = validator.validate(broken)
    assert _fatal(findings) == [rule], [f for f in findings if f.fatal]
    (finding,) = [f for f in findings if f.fatal]
    assert finding.source == ("en16931" if rule.startswith("BR-") else "peppol")
    assert finding.location.startswith(f"/Q{{{NS['inv']}}}Invoice[1]")
    assert finding.text and not finding.text.startswith(f"[{rule}]")
    if line_text is not None:
        assert finding.line == _line_containing(broken, line_text)
    else:
        assert finding.line is not None


def test_the_vat_number_rule_points_at_the_seller(validator: Validator, einvoice_examples: Path) -> None:
    tree = etree.parse(str(einvoice_examples / "Norwegian-example-1.xml"))
    vat_without_mva(tree)
    (finding,) = [f for f in validator.validate(etree.tostring(tree)) if f.fatal]
    assert finding.location.endswith(f"/Q{{{NS['cac']}}}AccountingSupplierParty[1]/Q{{{NS['cac']}}}Party[1]")
    assert "followed by the letters MVA" in finding.text


def test_an_unknown_element_is_a_schema_error_with_its_line(validator: Validator, einvoice_examples: Path) -> None:
    tree = etree.parse(str(einvoice_examples / "Norwegian-example-1.xml"))
    (issue_date,) = tree.xpath("/inv:Invoice/cbc:IssueDate", namespaces=NS)
    colour = etree.SubElement(issue_date.getparent(), f"{{{NS['cbc']}}}Colour")
    colour.text = "blue"
    issue_date.addnext(colour)
    broken = etree.tostring(tree, xml_declaration=True, encoding="UTF-8")
    schema = [f for f in validator.validate(broken) if f.rule == "XSD"]
    assert len(schema) == 1
    assert (schema[0].flag, schema[0].source, schema[0].location) == ("fatal", "xsd", "")
    assert schema[0].line == _line_containing(broken, "<cbc:Colour>")
    assert "Colour" in schema[0].text and "not expected" in schema[0].text


def test_a_credit_note_is_checked_against_its_own_schema(validator: Validator, einvoice_examples: Path) -> None:
    """An Invoice element inside a CreditNote is a schema error: the root picks the schema."""
    tree = etree.parse(str(einvoice_examples / "base-creditnote-correction.xml"))
    assert tree.getroot().tag == f"{{{NS['cn']}}}CreditNote"
    (line,) = tree.xpath("/cn:CreditNote/cac:CreditNoteLine[1]", namespaces=NS)
    line.tag = f"{{{NS['cac']}}}InvoiceLine"
    findings = validator.validate(etree.tostring(tree))
    assert any(f.rule == "XSD" and "InvoiceLine" in f.text for f in findings)


@pytest.mark.parametrize(
    ("document", "line", "words"),
    [
        (b"", 1, "empty"),
        (b'<?xml version="1.0"?>\n<Invoice>\n  <a>\n</Invoice>\n', 4, "mismatch"),
        (b"<a>\xff</a>", 1, "encoding"),
    ],
)
def test_malformed_xml_is_a_finding_not_a_traceback(
    validator: Validator, document: bytes, line: int, words: str
) -> None:
    (finding,) = validator.validate(document)
    assert (finding.rule, finding.flag, finding.source, finding.line) == ("XML", "fatal", "xml", line)
    assert words in finding.text.lower()


def test_a_doctype_is_refused(validator: Validator) -> None:
    """Documents come from others: no DTDs, so no entity expansion."""
    document = b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e "boom">]>\n<x>&e;</x>\n'
    (finding,) = validator.validate(document)
    assert (finding.rule, finding.flag) == ("XML", "fatal")
    assert "DOCTYPE" in finding.text


def test_a_document_that_is_not_an_invoice_or_credit_note(validator: Validator) -> None:
    (finding,) = validator.validate(b'<?xml version="1.0"?>\n<Order xmlns="urn:x"/>\n')
    assert (finding.rule, finding.flag, finding.line) == ("XSD", "fatal", 2)
    assert "Invoice or CreditNote" in finding.text


def test_rules_that_cannot_be_evaluated_are_a_fatal_finding(validator: Validator, einvoice_examples: Path) -> None:
    """A decimal that is not one breaks the XPath of the EN 16931 rules; that is reported, not raised."""
    tree = etree.parse(str(einvoice_examples / "Norwegian-example-1.xml"))
    _set(tree, TOTALS + "LineExtensionAmount", "1436,50")
    findings = validator.validate(etree.tostring(tree))
    assert "XSD" in _fatal(findings)
    assert any(f.rule == "SCHEMATRON" and f.fatal and "1436,50" in f.text for f in findings)


def test_validate_many_is_one_call_for_many_documents(validator: Validator, einvoice_examples: Path) -> None:
    names = ["base-example.xml", "vat-category-Z.xml", "Norwegian-example-1.xml"]
    documents = [(name, (einvoice_examples / name).read_bytes()) for name in names] + [("broken.xml", b"<a")]
    results = validator.validate_many(documents)
    assert list(results) == [*names, "broken.xml"]
    assert [_fatal(results[name]) for name in names] == [[], [], []]
    assert _fatal(results["broken.xml"]) == ["XML"]
    assert results["Norwegian-example-1.xml"] == validator.validate(documents[2][1])


def test_validation_is_deterministic(validator: Validator, einvoice_examples: Path) -> None:
    tree = etree.parse(str(einvoice_examples / "Norwegian-example-1.xml"))
    no_buyer_or_order_reference(tree)
    document = etree.tostring(tree)
    assert validator.validate(document) == validator.validate(document)


# Locations, as SchXslt writes them, to lines.

DOC = b"""<?xml version="1.0"?>
<r xmlns="urn:r" xmlns:p="urn:p">
  <p:a/>
  <p:a x="1">
    text
  </p:a>
  <b/>
</r>
"""


@pytest.mark.parametrize(
    ("location", "line"),
    [
        ("/Q{urn:r}r[1]", 2),
        ("/Q{urn:r}r[1]/Q{urn:p}a[1]", 3),
        ("/Q{urn:r}r[1]/Q{urn:p}a[2]", 4),
        ("/Q{urn:r}r[1]/Q{urn:p}a[2]/@Q{}x", 4),
        ("/Q{urn:r}r[1]/Q{urn:p}a[2]/text()[1]", 4),
        ("/Q{urn:r}r[1]/Q{urn:r}b[1]", 7),
        ("/x:r[1]/p:a[2]", 4),  # prefixed steps: matched by local name
        ("/Q{urn:r}r[1]/Q{urn:p}a[3]", None),  # no third a
        ("/Q{urn:r}r[1]/Q{urn:r}a[1]", None),  # a is in urn:p
        ("not a path", None),
    ],
)
def test_a_location_maps_to_the_line_of_its_node(location: str, line: int | None) -> None:
    assert line_of(etree.ElementTree(etree.fromstring(DOC)), location) == line


# Where the rules come from.


def test_the_environment_wins_over_the_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AVTALE_EINVOICE_RULES", str(tmp_path / "from-env"))
    assert rules_folder("rules", tmp_path / "ws") == tmp_path / "from-env"


def test_the_setting_is_relative_to_the_workspace(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("AVTALE_EINVOICE_RULES", raising=False)
    assert rules_folder("../shared/einvoice", tmp_path / "ws") == tmp_path / "ws" / "../shared/einvoice"
    assert rules_folder(str(tmp_path / "abs"), tmp_path / "ws") == tmp_path / "abs"


def test_no_rules_folder_is_an_error_with_help(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AVTALE_EINVOICE_RULES", raising=False)
    with pytest.raises(RulesError) as raised:
        rules_folder(None, None)
    assert "einvoice_rules" in raised.value.help and "peppol-bis-billing-3.0.19" in raised.value.help


def test_an_incomplete_rules_folder_is_an_error_naming_what_is_missing(tmp_path: Path, einvoice_rules: Path) -> None:
    (tmp_path / "ubl-2.1").symlink_to(einvoice_rules / "ubl-2.1")
    with pytest.raises(RulesError) as raised:
        Validator.load(tmp_path, cache=tmp_path / "cache")
    assert "PEPPOL-EN16931-UBL.sch" in str(raised.value)
    with pytest.raises(RulesError, match="does not exist"):
        Validator.load(tmp_path / "nowhere")
