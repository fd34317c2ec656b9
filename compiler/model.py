"""The resolved workspace: declarations with their defaults filled in and their
references checked. This is what lowering to billing and revenue schedules reads.

Every value keeps the span of the statement that set it, so later stages can
explain a number back to the line of the contract that produced it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal, TypeAlias, Union

import attrs

from dsl.ast import Aggregation, Cycle, DurationUnit, Period, RevenueMethod, Timing, VatCategory, YearMonth
from dsl.span import Span

frozen = attrs.frozen(kw_only=True)


@frozen
class Duration:
    count: int
    unit: DurationUnit


@frozen
class Address:
    street: str
    postcode: str
    city: str
    country: str


@frozen
class Accounts:
    """Ledger accounts; defaults follow Norwegian practice (NS 4102)."""

    receivable: int = 1500
    deferred: int = 2965
    unbilled: int = 1530
    revenue: int = 3020
    vat: int = 2700


ACCOUNT_ROLES = tuple(a.name for a in attrs.fields(Accounts))


@frozen
class Kid:
    scheme: Literal["mod10", "mod11"] = "mod10"
    length: int = 10


@frozen
class Seller:
    id: str
    name: str
    orgnr: str
    mva: bool
    foretaksregisteret: bool
    address: Address | None
    bank: str | None
    email: str | None
    peppol: str | None
    invoice_numbers_from: int
    credit_note_numbers_from: int
    kid: Kid
    due_days: int
    revenue_policy: Literal["ifrs15", "invoiced"]
    accounts: Accounts
    currency: str
    span: Span


@frozen
class Customer:
    id: str
    name: str
    orgnr: str | None
    consumer: bool
    peppol: str | None
    address: Address | None
    email: str | None
    reference: str | None
    language: str
    span: Span


@frozen
class Metric:
    id: str
    label: str
    events: tuple[str, ...]
    function: Aggregation
    field: str | None
    span: Span


@frozen
class Index:
    id: str
    label: str
    values: tuple[tuple[YearMonth, Decimal], ...]
    span: Span


# ------------------------------------------------------------------ pricing
@frozen
class FlatFee:
    amount: Decimal
    period: Period


@frozen
class PerUnitFee:
    price: Decimal
    period: Period
    unit: str | None


@frozen
class OneTimeFee:
    amount: Decimal
    on: date | None
    """None: on the contract's start date."""


@frozen
class TierRow:
    up_to: Decimal | None
    price: Decimal
    flat: Decimal


@frozen
class UnitRate:
    price: Decimal


@frozen
class Tiered:
    mode: Literal["graduated", "volume"]
    tiers: tuple[TierRow, ...]


@frozen
class Package:
    size: Decimal
    price: Decimal


@frozen
class Percentage:
    percent: Decimal
    minimum: Decimal | None
    maximum: Decimal | None


UsageRule: TypeAlias = Union[UnitRate, Tiered, Package, Percentage]


@frozen
class UsageFee:
    metric: str
    rule: UsageRule


Pricing: TypeAlias = Union[FlatFee, PerUnitFee, OneTimeFee, UsageFee]


@frozen
class Billing:
    months: int
    """Cycle length: monthly 1, quarterly 3, yearly 12, every N months N."""
    cycle: Cycle
    timing: Timing


@frozen
class Revenue:
    method: RevenueMethod
    on: date | None = None
    milestones: tuple[tuple[date, Decimal], ...] = ()


@frozen
class Vat:
    category: VatCategory
    reason: str | None = None


@frozen
class Charge:
    id: str
    label: str
    pricing: Pricing
    billing: Billing | None
    """None for one-time charges, which are billed once on their date."""
    trial: Duration | None
    revenue: Revenue
    vat: Vat
    ssp: Decimal | None
    ssp_period: Period | None
    unit: str | None
    account: int | None
    quantity: Decimal | None
    span: Span


@frozen
class PlanVersion:
    id: str
    label: str
    effective: date
    currency: str
    charges: tuple[Charge, ...]
    span: Span


# ----------------------------------------------------------------- contracts
@frozen
class Renewal:
    kind: Literal["renew", "evergreen", "none"]
    length: Duration | None = None
    notice: Duration | None = None


@frozen
class Discount:
    label: str
    percent: Decimal
    charges: tuple[str, ...]
    start: date | None
    until: date | None
    span: Span


@frozen
class Indexation:
    index: str
    on: tuple[int, int]
    """(month, day) of each yearly adjustment."""
    start: date
    compare_month: int
    cap: Decimal | None
    floor: Decimal | None
    charges: tuple[str, ...]
    span: Span


@frozen
class SetQuantity:
    charge: str
    quantity: Decimal
    span: Span


@frozen
class SetPrice:
    charge: str
    price: Decimal
    span: Span


@frozen
class AddCharge:
    charge: Charge


@frozen
class RemoveCharge:
    charge: str
    span: Span


@frozen
class AddDiscount:
    discount: Discount


@frozen
class ChangeTerm:
    term: Duration
    span: Span


@frozen
class ChangeRenewal:
    renewal: Renewal
    span: Span


@frozen
class Terminate:
    span: Span


Change: TypeAlias = Union[
    SetQuantity, SetPrice, AddCharge, RemoveCharge, AddDiscount, ChangeTerm, ChangeRenewal, Terminate
]


@frozen
class Amendment:
    number: int
    reason: str
    signed: date
    effective: date
    changes: tuple[Change, ...]
    prorate: bool
    accounting: Literal["prospective", "catch_up", "separate"]
    span: Span


@frozen
class PlanChoice:
    plan: str
    version: date
    pinned: bool
    """True when the contract names the version; False when chosen by signing date."""


@frozen
class Contract:
    id: str
    customer: str
    signed: date
    start: date
    term: Duration | None
    renewal: Renewal
    anchor_day: int | None
    due_days: int
    purchase_order: str | None
    reference: str | None
    currency: str
    plan: PlanChoice | None
    charges: tuple[Charge, ...]
    """Plan charges with the contract's overrides applied, then contract-only charges."""
    discounts: tuple[Discount, ...]
    minimum: Decimal | None
    indexations: tuple[Indexation, ...]
    ssp: tuple[tuple[str, Decimal], ...]
    amendments: tuple[Amendment, ...]
    span: Span


@frozen
class Workspace:
    seller: Seller | None
    customers: dict[str, Customer]
    metrics: dict[str, Metric]
    indices: dict[str, Index]
    plans: dict[str, tuple[PlanVersion, ...]]
    """Each plan's versions, oldest first."""
    contracts: dict[str, Contract]
