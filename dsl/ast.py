"""The typed AST of .avt files.

Every node is a frozen attrs class whose first field is its span. Spans take no
part in equality, so `parse(format(ast)) == ast` compares meaning, not layout.
Declarations hold their statements in source order; the compiler decides which
statements may appear and how often, so that mistakes become diagnostics rather
than parse errors.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal, TypeAlias

import attrs

from dsl.pickling import pickle_as_tuples
from dsl.span import NO_SPAN, Span


def _span() -> Span:
    return attrs.field(eq=False, default=NO_SPAN, repr=False)


# ------------------------------------------------------------------ values
@attrs.frozen(kw_only=True)
class Ref:
    """A name as written: a declaration's id or a reference to one."""

    name: str
    span: Span = _span()


@attrs.frozen(order=True)
class YearMonth:
    year: int
    month: int

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@attrs.frozen(order=True)
class MonthDay:
    month: int
    day: int

    def __str__(self) -> str:
        return f"{self.month:02d}-{self.day:02d}"


DurationUnit = Literal["day", "month", "year"]
Period = Literal["month", "quarter", "year"]


@attrs.frozen(kw_only=True)
class Duration:
    count: int
    unit: DurationUnit
    span: Span = _span()


@attrs.frozen(kw_only=True)
class Comment:
    text: str
    """Including the leading `#`."""
    span: Span = _span()


# ------------------------------------------------- statements shared by decls
@attrs.frozen(kw_only=True)
class NameStmt:
    value: str
    span: Span = _span()


@attrs.frozen(kw_only=True)
class OrgnrStmt:
    value: str
    span: Span = _span()


@attrs.frozen(kw_only=True)
class MvaStmt:
    span: Span = _span()


@attrs.frozen(kw_only=True)
class ForetaksregisteretStmt:
    span: Span = _span()


@attrs.frozen(kw_only=True)
class AddressStmt:
    street: str
    postcode: str
    city: str
    country: str
    span: Span = _span()


@attrs.frozen(kw_only=True)
class BankStmt:
    account: str
    span: Span = _span()


@attrs.frozen(kw_only=True)
class EmailStmt:
    value: str
    span: Span = _span()


@attrs.frozen(kw_only=True)
class PeppolStmt:
    value: str
    span: Span = _span()


@attrs.frozen(kw_only=True)
class SeriesStmt:
    kind: Literal["invoice", "credit_note"]
    first: int
    span: Span = _span()


@attrs.frozen(kw_only=True)
class KidStmt:
    scheme: Literal["mod10", "mod11"]
    length: int
    span: Span = _span()


@attrs.frozen(kw_only=True)
class DueStmt:
    days: int
    span: Span = _span()


@attrs.frozen(kw_only=True)
class RevenuePolicyStmt:
    policy: Literal["ifrs15", "invoiced"]
    span: Span = _span()


@attrs.frozen(kw_only=True)
class AccountEntry:
    role: Ref
    number: int
    span: Span = _span()


@attrs.frozen(kw_only=True)
class AccountsStmt:
    entries: tuple[AccountEntry, ...]
    span: Span = _span()


@attrs.frozen(kw_only=True)
class CurrencyStmt:
    code: str
    span: Span = _span()


@attrs.frozen(kw_only=True)
class ConsumerStmt:
    span: Span = _span()


@attrs.frozen(kw_only=True)
class ReferenceStmt:
    value: str
    span: Span = _span()


@attrs.frozen(kw_only=True)
class LanguageStmt:
    code: str
    span: Span = _span()


# ------------------------------------------------------------------ metric
@attrs.frozen(kw_only=True)
class EventsStmt:
    names: tuple[str, ...]
    span: Span = _span()


Aggregation = Literal["count", "sum", "max", "unique", "latest", "time_weighted", "daily_average", "peak"]
"""`time_weighted`, `daily_average` and `peak` read a gauge: each event states the field's value from its
time until the next event (docs/usage.md)."""


@attrs.frozen(kw_only=True)
class AggregateStmt:
    function: Aggregation
    field: str | None
    """None for `count`, the event field otherwise."""
    span: Span = _span()


@attrs.frozen(kw_only=True)
class NegativeStmt:
    """`negative allowed`: the field the metric reads may be below zero (refunds, corrections).
    Without it a negative value is a rejected row, so that a stray sign never lowers a bill."""

    span: Span = _span()


# ------------------------------------------------------------------- index
@attrs.frozen(kw_only=True)
class IndexValue:
    month: YearMonth
    value: Decimal
    span: Span = _span()


# ------------------------------------------------------------------ charge
@attrs.frozen(kw_only=True)
class FlatPrice:
    amount: Decimal
    period: Period
    span: Span = _span()


@attrs.frozen(kw_only=True)
class PerUnitPrice:
    price: Decimal
    unit: str | None
    """The unit named after the price (`per seat`), if any."""
    period: Period | None
    """Recurring charges say `per month`; usage prices have no period."""
    span: Span = _span()


@attrs.frozen(kw_only=True)
class OneTimePrice:
    amount: Decimal
    on: date | None
    """None means `on start`."""
    span: Span = _span()


@attrs.frozen(kw_only=True)
class UsageStmt:
    metric: Ref
    span: Span = _span()


@attrs.frozen(kw_only=True)
class Tier:
    up_to: Decimal | None
    """None for the final `above` tier."""
    price: Decimal
    flat: Decimal | None
    span: Span = _span()


@attrs.frozen(kw_only=True)
class GraduatedPrice:
    tiers: tuple[Tier, ...]
    span: Span = _span()
    period: Period | None = None
    """`graduated per month { ... }`: tiers on the charge's quantity, a recurring price; None for usage."""


@attrs.frozen(kw_only=True)
class VolumePrice:
    tiers: tuple[Tier, ...]
    span: Span = _span()
    period: Period | None = None
    """As for `GraduatedPrice`."""


@attrs.frozen(kw_only=True)
class PackagePrice:
    size: Decimal
    price: Decimal
    span: Span = _span()


@attrs.frozen(kw_only=True)
class PercentagePrice:
    percent: Decimal
    minimum: Decimal | None
    """The least the period bills (`min A` or `min A per period`)."""
    maximum: Decimal | None
    span: Span = _span()
    fee_per_event: Decimal | None = None
    """`+ F per event`: a fixed fee on each event, on top of its percentage."""
    event_minimum: Decimal | None = None
    """`min A per event`: the least each event's fee (percentage and fixed fee) comes to."""
    event_maximum: Decimal | None = None
    period_written: bool = False
    """True when a period limit was written `per period`, so the printer keeps the words."""


@attrs.frozen(kw_only=True)
class IncludedStmt:
    """`included N [rollover max M]`: N units of each billing period are free; with rollover, the unused
    ones carry to the next period, the carried balance never above M."""

    units: Decimal
    rollover_max: Decimal | None
    span: Span = _span()


@attrs.frozen(kw_only=True)
class UnusedStmt:
    """`unused bills flat` or `unused bills nothing`: whether a period without usage bills the first
    tier's flat amount."""

    bills_flat: bool
    span: Span = _span()


Cycle = Literal["monthly", "quarterly", "yearly", "every"]
Timing = Literal["advance", "arrears"]


@attrs.frozen(kw_only=True)
class BillingStmt:
    cycle: Cycle
    months: int | None
    """The N of `every N months`; None for the named cycles."""
    timing: Timing | None
    span: Span = _span()


@attrs.frozen(kw_only=True)
class TrialStmt:
    duration: Duration
    span: Span = _span()


RevenueMethod = Literal[
    "ratably_daily", "ratably_monthly", "at_start", "on_date", "as_consumed", "over_term", "milestones"
]


@attrs.frozen(kw_only=True)
class Milestone:
    on: date
    percent: Decimal
    span: Span = _span()


@attrs.frozen(kw_only=True)
class RevenueStmt:
    method: RevenueMethod
    on: date | None = None
    milestones: tuple[Milestone, ...] = ()
    span: Span = _span()


VatCategory = Literal["standard", "medium", "low", "zero", "exempt", "reverse_charge", "outside"]


@attrs.frozen(kw_only=True)
class VatStmt:
    category: VatCategory
    reason: str | None = None
    span: Span = _span()


@attrs.frozen(kw_only=True)
class SspStmt:
    amount: Decimal
    period: Period | None
    span: Span = _span()


@attrs.frozen(kw_only=True)
class UnitStmt:
    code: str
    span: Span = _span()


@attrs.frozen(kw_only=True)
class AccountStmt:
    number: int
    span: Span = _span()


@attrs.frozen(kw_only=True)
class QuantityStmt:
    quantity: Decimal
    span: Span = _span()


@attrs.frozen(kw_only=True)
class PriceStmt:
    price: Decimal
    span: Span = _span()


ChargeStmt: TypeAlias = (
    FlatPrice
    | PerUnitPrice
    | OneTimePrice
    | UsageStmt
    | GraduatedPrice
    | VolumePrice
    | PackagePrice
    | PercentagePrice
    | BillingStmt
    | TrialStmt
    | RevenueStmt
    | VatStmt
    | SspStmt
    | UnitStmt
    | AccountStmt
    | QuantityStmt
    | IncludedStmt
    | UnusedStmt
)


@attrs.frozen(kw_only=True)
class Charge:
    id: Ref
    label: str
    body: tuple[ChargeStmt, ...]
    span: Span = _span()


# ---------------------------------------------------------------- contract
@attrs.frozen(kw_only=True)
class CustomerRef:
    customer: Ref
    span: Span = _span()


@attrs.frozen(kw_only=True)
class SignedStmt:
    on: date
    span: Span = _span()


@attrs.frozen(kw_only=True)
class StartStmt:
    on: date
    span: Span = _span()


@attrs.frozen(kw_only=True)
class TermStmt:
    duration: Duration
    span: Span = _span()


@attrs.frozen(kw_only=True)
class RenewStmt:
    length: Duration
    notice: Duration
    span: Span = _span()


@attrs.frozen(kw_only=True)
class EvergreenStmt:
    notice: Duration
    span: Span = _span()


@attrs.frozen(kw_only=True)
class NoRenewalStmt:
    span: Span = _span()


@attrs.frozen(kw_only=True)
class AnchorStmt:
    day: int
    span: Span = _span()


@attrs.frozen(kw_only=True)
class PurchaseOrderStmt:
    value: str
    span: Span = _span()


@attrs.frozen(kw_only=True)
class ChargeSet:
    """`seats quantity 25` or `setup price 20_000.00`: a change to one charge."""

    charge: Ref
    items: tuple[QuantityStmt | PriceStmt, ...]
    span: Span = _span()


@attrs.frozen(kw_only=True)
class PlanRef:
    plan: Ref
    version: date | None
    overrides: tuple[ChargeSet, ...] | None
    """None when the statement has no block; () for an empty block."""
    span: Span = _span()


@attrs.frozen(kw_only=True)
class DiscountStmt:
    label: str
    percent: Decimal
    charges: tuple[Ref, ...]
    start: date | None
    until: date | None
    span: Span = _span()


@attrs.frozen(kw_only=True)
class BilledThroughStmt:
    """`billed_through 2026-02-28 [counting 4_188.00 toward minimum]`: the cut-over from the old billing.
    Billing periods ending on or before `through` were invoiced elsewhere; `toward_minimum` is what was
    invoiced there in the contract year that runs across the date."""

    through: date
    toward_minimum: Decimal | None = None
    span: Span = _span()


@attrs.frozen(kw_only=True)
class MinimumStmt:
    amount: Decimal
    vat: VatStmt | None = None
    """The VAT of the true-up (`... per contract year vat exempt "reason"`), if written."""
    span: Span = _span()


@attrs.frozen(kw_only=True)
class PrepaidStmt:
    """`prepaid 100_000.00 per contract year on api, storage [vat ...]`: credit bought at the start of each
    contract year that the named usage charges draw down at their prices; what is left expires."""

    amount: Decimal
    charges: tuple[Ref, ...]
    vat: VatStmt | None = None
    span: Span = _span()


@attrs.frozen(kw_only=True)
class IndexationStmt:
    index: Ref
    on: MonthDay
    start: date
    compare: Ref
    """The compare month's name, as written (`october`)."""
    cap: Decimal | None
    floor: Decimal | None
    charges: tuple[Ref, ...]
    span: Span = _span()


@attrs.frozen(kw_only=True)
class ContractSspStmt:
    charge: Ref
    amount: Decimal
    span: Span = _span()


@attrs.frozen(kw_only=True)
class RemoveStmt:
    charge: Ref
    span: Span = _span()


@attrs.frozen(kw_only=True)
class TerminateStmt:
    span: Span = _span()


@attrs.frozen(kw_only=True)
class ProrateStmt:
    span: Span = _span()


@attrs.frozen(kw_only=True)
class AccountingStmt:
    treatment: Literal["prospective", "catch_up", "separate"]
    span: Span = _span()


AmendStmt: TypeAlias = (
    ChargeSet
    | Charge
    | RemoveStmt
    | DiscountStmt
    | TermStmt
    | RenewStmt
    | EvergreenStmt
    | NoRenewalStmt
    | TerminateStmt
    | ProrateStmt
    | AccountingStmt
)


@attrs.frozen(kw_only=True)
class Amendment:
    number: int
    reason: str
    signed: date
    effective: date
    body: tuple[AmendStmt, ...]
    span: Span = _span()


ContractStmt: TypeAlias = (
    CustomerRef
    | SignedStmt
    | StartStmt
    | TermStmt
    | RenewStmt
    | EvergreenStmt
    | NoRenewalStmt
    | AnchorStmt
    | DueStmt
    | PurchaseOrderStmt
    | ReferenceStmt
    | CurrencyStmt
    | PlanRef
    | Charge
    | DiscountStmt
    | MinimumStmt
    | PrepaidStmt
    | IndexationStmt
    | ContractSspStmt
    | RevenuePolicyStmt
    | BilledThroughStmt
    | Amendment
)

SellerStmt: TypeAlias = (
    NameStmt
    | OrgnrStmt
    | MvaStmt
    | ForetaksregisteretStmt
    | AddressStmt
    | BankStmt
    | EmailStmt
    | PeppolStmt
    | SeriesStmt
    | KidStmt
    | DueStmt
    | RevenuePolicyStmt
    | AccountsStmt
    | CurrencyStmt
)

CustomerStmt: TypeAlias = (
    NameStmt | OrgnrStmt | ConsumerStmt | PeppolStmt | AddressStmt | EmailStmt | ReferenceStmt | LanguageStmt
)

MetricStmt: TypeAlias = EventsStmt | AggregateStmt | NegativeStmt
PlanStmt: TypeAlias = CurrencyStmt | Charge


# ------------------------------------------------------------- declarations
@attrs.frozen(kw_only=True)
class Seller:
    id: Ref
    body: tuple[SellerStmt, ...]
    span: Span = _span()


@attrs.frozen(kw_only=True)
class Customer:
    id: Ref
    body: tuple[CustomerStmt, ...]
    span: Span = _span()


@attrs.frozen(kw_only=True)
class Metric:
    id: Ref
    label: str
    body: tuple[MetricStmt, ...]
    span: Span = _span()


@attrs.frozen(kw_only=True)
class Index:
    id: Ref
    label: str
    values: tuple[IndexValue, ...]
    span: Span = _span()


@attrs.frozen(kw_only=True)
class Plan:
    id: Ref
    label: str
    effective: date
    body: tuple[PlanStmt, ...]
    span: Span = _span()


@attrs.frozen(kw_only=True)
class Contract:
    id: Ref
    body: tuple[ContractStmt, ...]
    span: Span = _span()


Decl: TypeAlias = Seller | Customer | Metric | Index | Plan | Contract


@attrs.frozen(kw_only=True)
class SourceFile:
    path: str
    decls: tuple[Decl, ...]
    comments: tuple[Comment, ...] = ()


pickle_as_tuples(globals())
