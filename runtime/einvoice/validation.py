"""Validate EHF (PEPPOL BIS Billing 3.0) documents with the official artefacts.

XML Schema first (UBL 2.1, with lxml), then both Schematron files of the PEPPOL release (EN 16931 and
PEPPOL, with the Norwegian rules), compiled by SchXslt and run by Saxon (runtime/einvoice/schematron.py).
The artefacts are never copied into the project: `rules_folder` finds them (docs/einvoice-validation.md).
A document passes when no finding is fatal.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

import attrs
from lxml import etree
from saxonche import PySaxonApiError

from runtime.einvoice.schematron import CompiledSchematron, SchematronError, processor

UBL_XSD = Path("ubl-2.1") / "xsd" / "maindoc"
PEPPOL_SCH = Path("peppol-bis-billing-3.0.19") / "sch"
SCHEMATRON = (("en16931", "CEN-EN16931-UBL.sch"), ("peppol", "PEPPOL-EN16931-UBL.sch"))
ROOTS = {
    "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice": "UBL-Invoice-2.1.xsd",
    "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote": "UBL-CreditNote-2.1.xsd",
}
RULES_ENV = "AVTALE_EINVOICE_RULES"
RULES_HELP = (
    "point einvoice_rules at a folder holding ubl-2.1/ and peppol-bis-billing-3.0.19/ (PEPPOL BIS Billing 3.0 "
    'release), e.g. einvoice_rules = "../shared/einvoice" in avtale.toml, or set AVTALE_EINVOICE_RULES'
)


class RulesError(Exception):
    """The rules folder is missing or incomplete: nothing can be validated."""

    def __init__(self, message: str, help: str = RULES_HELP) -> None:
        super().__init__(message)
        self.help = help


@attrs.frozen(kw_only=True)
class Finding:
    rule: str
    """The rule id, e.g. "BR-CO-10" or "PEPPOL-COMMON-R041"; "XSD" for a schema error, "XML" for a
    document that is not well-formed XML, "SCHEMATRON" when a rule file cannot be evaluated on it."""
    flag: str
    """"fatal" | "warning" | "information"."""
    line: int | None
    """1-based line in the document, when known."""
    location: str
    """The XPath SVRL gives ("" for XML and schema errors)."""
    text: str
    source: str
    """"xml" | "xsd" | "en16931" | "peppol"."""

    @property
    def fatal(self) -> bool:
        return self.flag == "fatal"


def rules_folder(workspace_setting: str | None, workspace_root: Path | None) -> Path:
    """Where the official artefacts are: $AVTALE_EINVOICE_RULES, else the workspace's `einvoice_rules`
    (relative to the workspace), else RulesError with help."""
    from_env = os.environ.get(RULES_ENV, "")
    if from_env:
        return Path(from_env).expanduser()
    if workspace_setting:
        folder = Path(workspace_setting).expanduser()
        return workspace_root / folder if workspace_root is not None and not folder.is_absolute() else folder
    raise RulesError("no e-invoice rules folder is set")


def _check_folder(rules: Path) -> None:
    needed = [UBL_XSD / name for name in ROOTS.values()] + [PEPPOL_SCH / name for _, name in SCHEMATRON]
    missing = [str(rules / path) for path in needed if not (rules / path).is_file()]
    if missing:
        where = "does not exist" if not rules.is_dir() else f"lacks {', '.join(missing)}"
        raise RulesError(f"the e-invoice rules folder {rules} {where}")


def _parser() -> etree.XMLParser:
    # Documents come from others: no entities, no network, no DTD loading.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


_STEP = re.compile(
    r"""(?P<attribute>@)?
        (?:Q\{(?P<uri>[^}]*)\}|(?P<prefix>[\w.-]+|\*):)?
        (?P<name>[\w.-]+(?:\(\))?|\*)
        (?:\[(?P<index>\d+)\])?$""",
    re.VERBOSE,
)


def _steps(location: str) -> list[str]:
    """Split an XPath at the slashes that are not inside Q{...} or [...]."""
    steps, depth, current = [], 0, ""
    for char in location:
        if char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
        if char == "/" and depth == 0:
            steps.append(current)
            current = ""
        else:
            current += char
    steps.append(current)
    return [s for s in steps if s]


def line_of(tree: etree._ElementTree, location: str) -> int | None:
    """The line of the node an SVRL location names, or of its nearest element (an attribute's or a text's
    owner); None when the path cannot be followed. SchXslt writes `/Q{uri}local[n]/...`, `@Q{uri}local` and
    `text()[n]`; steps with a prefix (`cac:Party[1]`) are matched by local name."""
    node: etree._Element | None = None
    for step in _steps(location):
        match = _STEP.match(step)
        if match is None:
            return None
        if match["attribute"] or match["name"] in ("text()", "comment()", "processing-instruction()", "node()"):
            break  # the owner element's line is as near as lxml can tell
        uri, name, index = match["uri"], match["name"], int(match["index"] or 1)
        children = [tree.getroot()] if node is None else [c for c in node if isinstance(c.tag, str)]
        candidates = [
            c
            for c in children
            if name == "*"
            or (etree.QName(c).localname == name and (uri is None or (etree.QName(c).namespace or "") == uri))
        ]
        if index > len(candidates):
            return None
        node = candidates[index - 1]
    return node.sourceline if node is not None else None


def _without_prefix(rule: str, text: str) -> str:
    """The official texts start with "[BR-CO-10]-"; the rule is shown separately, so drop the repeat."""
    for prefix in (f"[{rule}]-", f"[{rule}] -", f"[{rule}]"):
        if rule and text.startswith(prefix):
            return text[len(prefix) :].strip()
    return text


class Validator:
    """The UBL schemas and both Schematron files, loaded once; `validate` is then fast (tens of ms)."""

    def __init__(
        self, rules: Path, schemas: dict[str, etree.XMLSchema], schematron: list[tuple[str, CompiledSchematron]]
    ):
        self.rules = rules
        self._schemas = schemas
        self._schematron = schematron

    @property
    def compiled(self) -> tuple[str, ...]:
        """The .sch files SchXslt compiled in this load (the rest came from the cache)."""
        return tuple(s.name for _, s in self._schematron if s.compiled)

    @classmethod
    def load(cls, rules: Path, cache: Path | None = None) -> Validator:
        """Load the artefacts in `rules` (holding `ubl-2.1/` and `peppol-bis-billing-3.0.19/`); the compiled
        Schematron is cached in `cache`, by default $XDG_CACHE_HOME/avtale/schematron."""
        _check_folder(rules)
        schemas: dict[str, etree.XMLSchema] = {}
        for root, name in ROOTS.items():
            path = rules / UBL_XSD / name
            try:
                schemas[root] = etree.XMLSchema(etree.parse(str(path), _parser()))
            except (etree.XMLSyntaxError, etree.XMLSchemaParseError, OSError) as exc:
                raise RulesError(f"cannot load the XML Schema {path}: {exc}") from exc
        try:
            schematron = [
                (source, CompiledSchematron.load(rules / PEPPOL_SCH / name, cache)) for source, name in SCHEMATRON
            ]
        except SchematronError as exc:
            raise RulesError(str(exc), exc.help) from exc
        return cls(rules, schemas, schematron)

    def validate(self, document: bytes) -> list[Finding]:
        """Every finding for one Invoice or CreditNote: XML, then XML Schema, then EN 16931, then PEPPOL."""
        try:
            tree = etree.ElementTree(etree.fromstring(document, _parser()))
        except etree.XMLSyntaxError as exc:
            text = re.sub(r"(, line \d+, column \d+)+$", "", exc.msg)  # the line is shown apart
            return [Finding(rule="XML", flag="fatal", line=exc.lineno or None, location="", text=text, source="xml")]
        root = tree.getroot()
        if tree.docinfo.doctype:
            text = "the document has a DOCTYPE declaration; UBL documents must not have one"
            return [Finding(rule="XML", flag="fatal", line=1, location="", text=text, source="xml")]
        schema = self._schemas.get(root.tag)
        if schema is None:
            text = f"the root element is {root.tag}; an EHF document is a UBL 2.1 Invoice or CreditNote"
            return [Finding(rule="XSD", flag="fatal", line=root.sourceline, location="", text=text, source="xsd")]
        findings = []
        if not schema.validate(tree):
            for error in schema.error_log:
                findings.append(
                    Finding(
                        rule="XSD", flag="fatal", line=error.line or None, location="", text=error.message, source="xsd"
                    )
                )
        saxon = processor()
        node = saxon.parse_xml(xml_text=etree.tostring(tree, encoding="unicode"))
        for source, compiled in self._schematron:
            try:
                assertions = compiled.run(node)
            except PySaxonApiError as exc:
                text = f"the {compiled.name} rules cannot be evaluated on this document: {' '.join(str(exc).split())}"
                findings.append(
                    Finding(rule="SCHEMATRON", flag="fatal", line=None, location="", text=text, source=source)
                )
                continue
            for found in assertions:
                findings.append(
                    Finding(
                        rule=found.rule,
                        flag=found.flag,
                        line=line_of(tree, found.location),
                        location=found.location,
                        text=_without_prefix(found.rule, found.text),
                        source=source,
                    )
                )
        return findings

    def validate_many(self, documents: Iterable[tuple[str, bytes]]) -> dict[str, list[Finding]]:
        """The findings for each (name, bytes) pair, by name, in the order given."""
        return {name: self.validate(data) for name, data in documents}
