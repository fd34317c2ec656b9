"""Typed records of spreadsheet rows, and the errors that name the cell they come from.

`customer_rows` and `contract_rows` read every row of a table through the mapping; each row becomes a
record or one error per bad cell, so that one run reports every mistake.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import TypeVar

import attrs

from runtime.importing import values as v
from runtime.importing.errors import ImportProblem
from runtime.importing.mapping import CONTRACT_FIELDS, CUSTOMER_FIELDS, MappingError, SheetMapping
from runtime.importing.reading import Row, Table, column_letter

T = TypeVar("T")


@attrs.frozen
class Place:
    """A row of a sheet, as the spreadsheet shows it."""

    file: str
    sheet: str | None
    row: int

    def __str__(self) -> str:
        sheet = f", sheet {self.sheet}" if self.sheet is not None else ""
        return f"{self.file}{sheet}, row {self.row}"


@attrs.frozen
class RowError:
    place: Place
    column: str | None
    """`C (Org.nr.)`: the letter and heading, None when the error is about the whole row."""
    value: str | None
    """The cell as written, None for an empty or whole-row one."""
    message: str
    help: str

    def __str__(self) -> str:
        column = f", column {self.column}" if self.column else ""
        return f"{self.place}{column}: {self.message}"


@attrs.frozen
class Address:
    street: str
    postcode: str
    city: str
    country: str


@attrs.frozen
class CustomerRecord:
    place: Place
    id: str
    name: str
    orgnr: str | None
    consumer: bool
    address: Address | None
    email: str | None
    peppol: str | None
    reference: str | None
    language: str | None


@attrs.frozen
class ChargeValues:
    charge: str
    quantity: Decimal | None
    price: Decimal | None


@attrs.frozen
class Subscription:
    """The contract's own charge, for rows without a plan."""

    description: str
    amount: Decimal
    period: str


@attrs.frozen
class Discount:
    percent: Decimal
    charges: tuple[str, ...]
    until: date | None


@attrs.frozen
class ContractRecord:
    place: Place
    id: str
    customer: str
    signed: date
    start: date
    term_months: int | None
    renew_months: int | None
    notice_months: int | None
    due_days: int | None
    purchase_order: str | None
    reference: str | None
    currency: str | None
    plan: str | None
    plan_version: date | None
    plan_charges: tuple[ChargeValues, ...]
    subscription: Subscription | None
    discount: Discount | None
    billed_through: date | None


SUBSCRIPTION = "subscription"
"""The id of the charge a contract without a plan gets."""
LOWER_ID = re.compile(r"[a-z][a-z0-9_]*\Z")
"""Customer, plan and charge ids."""
CONTRACT_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]*\Z")


def customer_key(value: str) -> str:
    """The customer id a key in the spreadsheet stands for: `Bergen Klatresenter` -> `bergen_klatresenter`,
    a number such as 1001 -> `k1001` (ids start with a letter)."""
    key = v.slug(value)
    return f"k{key}" if key and not key[0].isalpha() else key


class _Cells:
    """One row read through a sheet mapping, collecting an error per bad cell."""

    def __init__(self, table: Table, mapping: SheetMapping, row: Row, columns: dict[str, int], fields: dict[str, str]):
        self.table, self.mapping, self.row, self.columns, self.fields = table, mapping, row, columns, fields
        self.place = Place(table.file, table.sheet, row.number)
        self.errors: list[RowError] = []

    def _column(self, index: int) -> str:
        return f"{column_letter(index)} ({self.table.headings[index]})"

    def raw(self, field: str) -> v.Cell:
        index = self.columns.get(field)
        if index is None or index >= len(self.row.cells):
            return None
        return self.row.cells[index]

    def fail(self, field: str | None, message: str, help: str) -> None:
        index = self.columns.get(field) if field else None
        column = self._column(index) if index is not None else None
        shown = v.text(self.raw(field)) if field else None
        self.errors.append(RowError(self.place, column, shown, message, help))

    def get(self, field: str, read: Callable[[v.Cell], T], *, required: bool = False) -> T | None:
        value = self.raw(field)
        if v.text(value) is None:
            if required:
                self.fail(field, "the cell is empty, but required", f"fill in the {self.fields.get(field, field)}")
            return None
        try:
            return read(value)
        except v.Unreadable as exc:
            shown = v.text(value)
            self.fail(field, f"`{shown}` is not {exc.what}", f"expected {exc.expected}")
            return None

    def text(self, field: str, *, required: bool = False) -> str | None:
        return self.get(field, v.read_line, required=required)


def _columns(table: Table, mapping: SheetMapping, extra: tuple[str, ...] = ()) -> tuple[dict[str, int], list[str]]:
    """Field -> column index, and the headings the mapping names that the sheet lacks."""
    found: dict[str, int] = {}
    missing: list[str] = []
    for field, heading in [*mapping.columns.items(), *((h, h) for h in extra)]:
        index = table.column(heading)
        if index is None:
            missing.append(heading)
        else:
            found[field] = index
    return found, missing


class MissingColumns(ImportProblem):
    """The sheet lacks a heading the mapping names."""

    def __init__(self, table: Table, missing: list[str], mapping_source: str) -> None:
        super().__init__(f"{table.where()} has no column headed {', '.join(repr(m) for m in missing)}", "")
        self.help = (
            f"{mapping_source} names these headings; rename the columns in row 1, or change the mapping "
            f"(the sheet's headings are: {', '.join(h for h in table.headings if h)})"
        )


def _require_columns(table: Table, mapping: SheetMapping, source: str, needed: tuple[str, ...]) -> dict[str, int]:
    absent = [field for field in needed if field not in mapping.columns]
    if absent:
        raise MappingError(
            f"{source} maps no column to {', '.join(absent)}", "name the heading of each required field in the mapping"
        )
    extra = tuple(h for c in mapping.charges.values() for h in (c.quantity, c.price) if h is not None)
    found, missing = _columns(table, mapping, extra)
    if missing:
        raise MissingColumns(table, missing, source)
    return found


def customer_rows(table: Table, mapping: SheetMapping, source: str) -> list[CustomerRecord | list[RowError]]:
    columns = _require_columns(table, mapping, source, ("name",))
    out: list[CustomerRecord | list[RowError]] = []
    for row in table.rows:
        cells = _Cells(table, mapping, row, columns, CUSTOMER_FIELDS)
        record = _customer(cells)
        out.append(cells.errors if cells.errors or record is None else record)
    return out


def _customer(c: _Cells) -> CustomerRecord | None:
    name = c.text("name", required=True)
    key = c.text("id") if "id" in c.columns else name
    customer_id = customer_key(key) if key else None
    if key and not customer_id:
        c.fail("id", f"`{key}` gives no customer id", "use letters or digits in the customer key")
    orgnr = c.get("orgnr", v.read_orgnr)
    consumer = c.get("consumer", v.read_yes_no)
    if consumer is None and "consumer" not in c.columns:
        consumer = v.text(c.raw("orgnr")) is None
    if consumer and orgnr is not None:
        c.fail("orgnr", "a private person has no organisation number", "empty the orgnr cell, or say nei to consumer")
    if not consumer and v.text(c.raw("orgnr")) is None:
        c.fail("orgnr", "a business customer needs an organisation number", "fill in the orgnr (9 digits)")
    country = c.get("country", v.read_country) or "NO"
    street, city = c.text("street"), c.text("city")
    postcode = c.get("postcode", lambda value: v.read_postcode(value, country))
    address = None
    if street or postcode or city:
        for field, value in (("street", street), ("postcode", postcode), ("city", city)):
            if value is None and v.text(c.raw(field)) is None:
                c.fail(field, f"the address has no {field}", "an address needs street, postcode and city")
        if street and postcode and city:
            address = Address(street, postcode, city, country)
    email = c.get("email", v.read_email)
    ehf = c.get("ehf", v.read_yes_no)
    peppol = c.text("peppol")
    if peppol is None and ehf:
        if consumer:
            c.fail("ehf", "a private person cannot receive EHF", "say nei to EHF for a private person")
        elif orgnr is not None:
            peppol = f"0192:{orgnr}"
    language = c.get("language", v.read_language)
    if name is None or customer_id is None:
        return None
    return CustomerRecord(
        place=c.place,
        id=customer_id,
        name=name,
        orgnr=orgnr,
        consumer=bool(consumer),
        address=address,
        email=email,
        peppol=peppol,
        reference=c.text("reference"),
        language=language,
    )


def contract_rows(table: Table, mapping: SheetMapping, source: str) -> list[ContractRecord | list[RowError]]:
    columns = _require_columns(table, mapping, source, ("id", "customer", "signed", "start"))
    for charge, spec in mapping.charges.items():
        for part, heading in (("quantity", spec.quantity), ("price", spec.price)):
            if heading is not None:
                columns[f"{charge}.{part}"] = table.column(heading)  # type: ignore[assignment]
    out: list[ContractRecord | list[RowError]] = []
    for row in table.rows:
        cells = _Cells(table, mapping, row, columns, CONTRACT_FIELDS)
        record = _contract(cells)
        out.append(cells.errors if cells.errors or record is None else record)
    return out


def _months(c: _Cells, field: str) -> int | None:
    return c.get(field, lambda value: v.read_whole(value, minimum=1))


def _contract(c: _Cells) -> ContractRecord | None:
    contract_id = c.text("id", required=True)
    if contract_id is not None and not CONTRACT_ID.match(contract_id):
        c.fail(
            "id",
            f"`{contract_id}` is not a contract number Avtale can use",
            "start with a letter, then letters, digits, `-` or `_` (SKT-2026-001)",
        )
    key = c.text("customer", required=True)
    customer = customer_key(key) if key else None
    signed = c.get("signed", v.read_date, required=True)
    start = c.get("start", v.read_date, required=True)
    term, renew, notice = _months(c, "term_months"), _months(c, "renew_months"), _months(c, "notice_months")
    if (
        term is None
        and v.text(c.raw("term_months")) is None
        and notice is None
        and v.text(c.raw("notice_months")) is None
    ):
        c.fail(
            "notice_months",
            "a contract without binding runs until terminated, and needs a notice period",
            "fill in the binding in months, or the notice in months",
        )
    if renew is not None and notice is None and v.text(c.raw("notice_months")) is None:
        c.fail("notice_months", "a renewing contract needs a notice period", "fill in the notice in months")
    if renew is not None and term is None and v.text(c.raw("term_months")) is None:
        c.fail("renew_months", "only a contract with a binding renews", "fill in the binding, or empty this cell")
    plan = c.text("plan")
    plan_id = plan.lower() if plan else None
    if plan_id is not None and not LOWER_ID.match(plan_id):
        c.fail("plan", f"`{plan}` is not a plan id", "write the id of a plan in the workspace, such as `team`")
        plan_id = None
    plan_charges = _plan_charges(c) if plan_id else ()
    subscription = None
    description, amount, period = c.text("description"), c.get("amount", v.read_money), c.get("period", v.read_period)
    if plan_id is None:
        if description is None and v.text(c.raw("description")) is None:
            c.fail("description", "a contract without a plan needs a description of what is sold", "fill it in")
        if amount is None and v.text(c.raw("amount")) is None:
            c.fail("amount", "a contract without a plan needs a price", "fill in the price per period")
        if period is None and v.text(c.raw("period")) is None:
            c.fail("period", "a contract without a plan needs the price's period", f"expected {v.PERIOD_EXPECTED}")
        if description and amount is not None and period:
            subscription = Subscription(description, amount, period)
    elif description or amount is not None:
        c.fail("amount", "a contract follows a plan or has its own price, not both", "empty the plan or the price")
    discount = _discount(c, plan_id)
    currency = c.text("currency")
    if currency is not None and not re.fullmatch(r"[A-Za-z]{3}", currency):
        c.fail("currency", f"`{currency}` is not a currency code", "expected a code of three letters, such as NOK")
    billed_through = c.get("billed_through", v.read_date)
    if contract_id is None or customer is None or signed is None or start is None:
        return None
    return ContractRecord(
        place=c.place,
        id=contract_id,
        customer=customer,
        signed=signed,
        start=start,
        term_months=term,
        renew_months=renew,
        notice_months=notice,
        due_days=c.get("due_days", lambda value: v.read_whole(value, minimum=0)),
        purchase_order=c.text("purchase_order"),
        reference=c.text("reference"),
        currency=currency.upper() if currency else None,
        plan=plan_id,
        plan_version=c.get("plan_version", v.read_date),
        plan_charges=plan_charges,
        subscription=subscription,
        discount=discount,
        billed_through=billed_through,
    )


def _plan_charges(c: _Cells) -> tuple[ChargeValues, ...]:
    out = []
    for charge in c.mapping.charges:
        quantity = c.get(f"{charge}.quantity", v.read_quantity)
        price = c.get(f"{charge}.price", v.read_money)
        if quantity is not None or price is not None:
            out.append(ChargeValues(charge, quantity, price))
    return tuple(out)


def _discount(c: _Cells, plan: str | None) -> Discount | None:
    percent = c.get("discount", v.read_percent)
    until = c.get("discount_until", v.read_date)
    on = c.text("discount_on")
    if percent is None:
        if until is not None:
            c.fail("discount_until", "a discount end date without a discount", "fill in the discount, or empty this")
        return None
    if on:
        charges = tuple(part.strip().lower() for part in re.split(r"[,;]", on) if part.strip())
        wrong = [charge for charge in charges if not LOWER_ID.match(charge)]
        if wrong:
            c.fail("discount_on", f"`{wrong[0]}` is not a charge id", "name charges by id, such as `platform, seats`")
            return None
    elif plan is None:
        charges = (SUBSCRIPTION,)
    else:
        c.fail(
            "discount_on" if "discount_on" in c.columns else "discount",
            "a discount on a plan contract must say which charges it applies to",
            "name the plan's charges in the discount_on column, such as `platform, seats`",
        )
        return None
    return Discount(percent, charges, until)
