"""The mapping file: which spreadsheet column holds which field, by heading text, per kind.

    [customers]
    sheet = "Kunder"              # optional: the first sheet otherwise
    [customers.columns]
    id = "Kundenr"
    name = "Navn"

    [contracts.charges.seats]     # a plan charge's quantity and price columns
    quantity = "Antall brukere"

Headings match without regard to case or surrounding spaces. `DEFAULT` is the mapping the template
writes and the import uses when none is given.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

import attrs

from runtime.importing.errors import ImportProblem

Kind = Literal["customers", "contracts"]

CUSTOMER_FIELDS: dict[str, str] = {
    "id": "the customer's key, also used by the contracts sheet (made an id: lower case, `_`)",
    "name": "name (required)",
    "orgnr": "organisation number; blank for a private person",
    "consumer": "ja for a private person (without this column a blank orgnr means one)",
    "street": "street address",
    "postcode": "postcode",
    "city": "city (poststed)",
    "country": "country code, NO by default",
    "email": "invoice e-mail",
    "ehf": "ja when the customer receives EHF (PEPPOL 0192:orgnr)",
    "peppol": "a PEPPOL id other than 0192:orgnr",
    "reference": "the buyer's reference printed on invoices",
    "language": "invoice language: nb, nn, en or se",
}
CONTRACT_FIELDS: dict[str, str] = {
    "id": "contract number, starting with a letter (required)",
    "customer": "the customer's key, as in the customers sheet (required)",
    "signed": "signing date (required)",
    "start": "start date (required)",
    "term_months": "binding in months; blank for a contract that runs until terminated",
    "renew_months": "renews by this many months (blank: ends after the term)",
    "notice_months": "notice in months (required when it renews or runs until terminated)",
    "due_days": "payment terms in days",
    "purchase_order": "the buyer's purchase order number",
    "reference": "the buyer's reference for this contract",
    "currency": "currency code, such as NOK",
    "plan": "plan id, when the contract follows a plan",
    "plan_version": "the plan version's effective date, to pin one",
    "description": "what is sold, when there is no plan",
    "amount": "price per period, when there is no plan",
    "period": "måned, kvartal or år: the period of the amount, billed in advance",
    "discount": "discount in percent",
    "discount_on": "the charges the discount applies to, comma-separated (default: the subscription)",
    "discount_until": "the first day without the discount",
    "billed_through": "the last day billed by the old system (cut-over)",
}
KIND_FIELDS: dict[Kind, dict[str, str]] = {"customers": CUSTOMER_FIELDS, "contracts": CONTRACT_FIELDS}


@attrs.frozen
class ChargeColumns:
    quantity: str | None = None
    price: str | None = None


@attrs.frozen
class SheetMapping:
    sheet: str | None
    columns: dict[str, str]
    """Field -> heading."""
    charges: dict[str, ChargeColumns] = attrs.Factory(dict)
    """Plan charge id -> the headings of its quantity and price (contracts only)."""


@attrs.frozen
class Mapping:
    customers: SheetMapping
    contracts: SheetMapping
    source: str
    """Where the mapping came from, for messages: a path, or `the built-in mapping`."""

    def of(self, kind: Kind) -> SheetMapping:
        return self.customers if kind == "customers" else self.contracts


class MappingError(ImportProblem):
    """The mapping file is unreadable or names what does not exist."""


DEFAULT_CUSTOMER_COLUMNS = {
    "id": "Kundenr",
    "name": "Navn",
    "orgnr": "Org.nr.",
    "street": "Adresse",
    "postcode": "Postnr.",
    "city": "Poststed",
    "country": "Land",
    "email": "E-post",
    "ehf": "EHF",
    "reference": "Deres ref.",
    "language": "Språk",
}
DEFAULT_CONTRACT_COLUMNS = {
    "id": "Avtalenr",
    "customer": "Kundenr",
    "signed": "Signert",
    "start": "Oppstart",
    "term_months": "Binding (mnd)",
    "renew_months": "Fornyes (mnd)",
    "notice_months": "Oppsigelse (mnd)",
    "due_days": "Betalingsfrist (dager)",
    "purchase_order": "Innkjøpsordre",
    "plan": "Plan",
    "description": "Beskrivelse",
    "amount": "Pris",
    "period": "Periode",
    "discount": "Rabatt",
    "discount_until": "Rabatt til",
    "billed_through": "Fakturert t.o.m.",
}
DEFAULT = Mapping(
    customers=SheetMapping("Kunder", DEFAULT_CUSTOMER_COLUMNS),
    contracts=SheetMapping("Avtaler", DEFAULT_CONTRACT_COLUMNS),
    source="the built-in mapping",
)
DEFAULT_NAME = "avtale-import.toml"
"""The mapping file looked for next to the spreadsheet when --mapping is not given."""


def _sheet(data: object, kind: Kind, source: str, fallback: SheetMapping) -> SheetMapping:
    if data is None:
        return fallback
    where = f"[{kind}] in {source}"
    if not isinstance(data, dict):
        raise MappingError(
            f"{where} is not a table", f"write `[{kind}]` followed by `sheet = ...` and `[{kind}.columns]`"
        )
    unknown = sorted(set(data) - {"sheet", "columns", "charges"})
    if unknown:
        raise MappingError(f"{where} has unknown keys: {', '.join(unknown)}", "it may hold sheet, columns and charges")
    sheet = data.get("sheet")
    if sheet is not None and not isinstance(sheet, str):
        raise MappingError(f"`sheet` in {where} is not text", 'write the sheet\'s name in quotes: sheet = "Kunder"')
    columns = data.get("columns", {})
    fields = KIND_FIELDS[kind]
    if not isinstance(columns, dict) or not all(isinstance(v, str) for v in columns.values()):
        raise MappingError(f"[{kind}.columns] in {source} must map fields to headings", 'write name = "Navn"')
    wrong = sorted(set(columns) - set(fields))
    if wrong:
        raise MappingError(
            f"[{kind}.columns] in {source} names unknown fields: {', '.join(wrong)}",
            f"the fields are: {', '.join(fields)}",
        )
    charges: dict[str, ChargeColumns] = {}
    raw_charges = data.get("charges", {})
    if kind == "customers" and raw_charges:
        raise MappingError(f"[customers.charges] in {source} has no meaning", "plan charges belong under [contracts]")
    if not isinstance(raw_charges, dict):
        raise MappingError(f"[{kind}.charges] in {source} is not a table", "write [contracts.charges.seats]")
    for charge, spec in raw_charges.items():
        if not isinstance(spec, dict) or set(spec) - {"quantity", "price"} or not spec:
            raise MappingError(
                f"[contracts.charges.{charge}] in {source} must name a quantity and/or price heading",
                'write quantity = "Antall brukere" and/or price = "Pris per bruker"',
            )
        if not all(isinstance(v, str) for v in spec.values()):
            raise MappingError(f"[contracts.charges.{charge}] in {source} holds a value that is not text", "quote it")
        charges[charge] = ChargeColumns(quantity=spec.get("quantity"), price=spec.get("price"))
    return SheetMapping(sheet=sheet, columns=dict(columns), charges=charges)


def parse_mapping(text: str, source: str) -> Mapping:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"{source} is not valid TOML: {exc}", "see docs/import.md for the mapping format") from exc
    unknown = sorted(set(data) - {"customers", "contracts"})
    if unknown:
        raise MappingError(f"{source} has unknown tables: {', '.join(unknown)}", "use [customers] and [contracts]")
    return Mapping(
        customers=_sheet(data.get("customers"), "customers", source, DEFAULT.customers),
        contracts=_sheet(data.get("contracts"), "contracts", source, DEFAULT.contracts),
        source=source,
    )


def load_mapping(path: Path | None, spreadsheet: Path) -> Mapping:
    """The mapping at `path`, else `avtale-import.toml` next to the spreadsheet, else the built-in one."""
    if path is None:
        beside = spreadsheet.parent / DEFAULT_NAME
        if not beside.is_file():
            return DEFAULT
        path = beside
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingError(f"cannot read the mapping {path}: {exc}", "give a UTF-8 TOML file with --mapping") from exc
    return parse_mapping(text, str(path))


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def mapping_toml(mapping: Mapping) -> str:
    """The TOML text of a mapping, with each field's meaning as a comment."""
    out = ["# Which column holds which field, by its heading (see docs/import.md).", ""]
    for kind in ("customers", "contracts"):
        sheet = mapping.of(kind)
        out.append(f"[{kind}]")
        if sheet.sheet is not None:
            out.append(f"sheet = {_toml_string(sheet.sheet)}")
        out += ["", f"[{kind}.columns]"]
        for field, heading in sheet.columns.items():
            out.append(f"{field} = {_toml_string(heading)}  # {KIND_FIELDS[kind][field]}")
        for charge, columns in sheet.charges.items():
            out += ["", f"[{kind}.charges.{charge}]"]
            if columns.quantity is not None:
                out.append(f"quantity = {_toml_string(columns.quantity)}")
            if columns.price is not None:
                out.append(f"price = {_toml_string(columns.price)}")
        out.append("")
    return "\n".join(out)
