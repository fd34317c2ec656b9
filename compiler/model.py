"""The resolved workspace: declarations with their defaults filled in and their
references checked. This is what lowering to billing and revenue schedules reads.

Every value keeps the span of the statement that set it, so later stages can
explain a number back to the line of the contract that produced it.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Literal, TypeAlias

import attrs

from dsl.ast import Aggregation, Cycle, DurationUnit, Period, RevenueMethod, Timing, VatCategory, YearMonth
from dsl.pickling import pickle_as_tuples
from dsl.span import Span


@attrs.frozen(kw_only=True)
class Duration:
    count: int
    unit: DurationUnit


@attrs.frozen(kw_only=True)
class Address:
    street: str
    postcode: str
    city: str
    country: str


@attrs.frozen(kw_only=True)
class Accounts:
    """Ledger accounts; defaults follow Norwegian practice (NS 4102)."""

    receivable: int = 1500
    deferred: int = 2965
    unbilled: int = 1530
    revenue: int = 3020
    vat: int = 2700


ACCOUNT_ROLES = tuple(a.name for a in attrs.fields(Accounts))


@attrs.frozen(kw_only=True)
class Kid:
    scheme: Literal["mod10", "mod11"] = "mod10"
    length: int = 10


@attrs.frozen(kw_only=True)
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


@attrs.frozen(kw_only=True)
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


@attrs.frozen(kw_only=True)
class Metric:
    id: str
    label: str
    events: tuple[str, ...]
    function: Aggregation
    field: str | None
    span: Span
    negative_allowed: bool = False
    """`negative allowed`: the field may be below zero. Otherwise a negative value is a rejected row."""


@attrs.frozen(kw_only=True)
class Index:
    id: str
    label: str
    values: tuple[tuple[YearMonth, Decimal], ...]
    span: Span


# ------------------------------------------------------------------ pricing
@attrs.frozen(kw_only=True)
class FlatFee:
    amount: Decimal
    period: Period


@attrs.frozen(kw_only=True)
class PerUnitFee:
    price: Decimal
    period: Period
    unit: str | None


@attrs.frozen(kw_only=True)
class OneTimeFee:
    amount: Decimal
    on: date | None
    """None: on the contract's start date."""


@attrs.frozen(kw_only=True)
class TierRow:
    up_to: Decimal | None
    price: Decimal
    flat: Decimal


@attrs.frozen(kw_only=True)
class TieredFee:
    """`graduated per month { ... }` (or `volume`) without usage: tiers on the charge's quantity, a
    recurring price per `period` (the price of the whole quantity, before proration)."""

    mode: Literal["graduated", "volume"]
    tiers: tuple[TierRow, ...]
    period: Period


@attrs.frozen(kw_only=True)
class UnitRate:
    price: Decimal


@attrs.frozen(kw_only=True)
class Tiered:
    mode: Literal["graduated", "volume"]
    tiers: tuple[TierRow, ...]
    flat_at_zero: bool = False
    """`unused bills flat`: a period without usage bills the first tier's flat amount (default: nothing)."""


@attrs.frozen(kw_only=True)
class Package:
    size: Decimal
    price: Decimal


@attrs.frozen(kw_only=True)
class Percentage:
    percent: Decimal
    minimum: Decimal | None
    """The least a billing period bills."""
    maximum: Decimal | None
    fee_per_event: Decimal | None = None
    """A fixed fee on each event, on top of its percentage."""
    event_minimum: Decimal | None = None
    """The least each event's fee (percentage plus fixed fee) comes to."""
    event_maximum: Decimal | None = None

    @property
    def per_event(self) -> bool:
        """True when the price needs each event's amount, not only the period's total."""
        return self.fee_per_event is not None or self.event_minimum is not None or self.event_maximum is not None


UsageRule: TypeAlias = UnitRate | Tiered | Package | Percentage


@attrs.frozen(kw_only=True)
class Allowance:
    """`included N [rollover max M]`: N units free in each billing period; with rollover, unused units
    carry to the next period, the carried balance capped at M."""

    units: Decimal
    rollover_max: Decimal | None = None


@attrs.frozen(kw_only=True)
class UsageFee:
    metric: str
    rule: UsageRule
    allowance: Allowance | None = None
    level: bool = False
    """True when the metric reads a gauge's level (`time_weighted`, `daily_average`, `peak`): the rule then
    prices the level times the months each stretch covers (unit-months), not the level as an amount used."""


Pricing: TypeAlias = FlatFee | PerUnitFee | TieredFee | OneTimeFee | UsageFee


@attrs.frozen(kw_only=True)
class Billing:
    months: int
    """Cycle length: monthly 1, quarterly 3, yearly 12, every N months N."""
    cycle: Cycle
    timing: Timing


@attrs.frozen(kw_only=True)
class Revenue:
    method: RevenueMethod
    on: date | None = None
    milestones: tuple[tuple[date, Decimal], ...] = ()


@attrs.frozen(kw_only=True)
class Vat:
    category: VatCategory
    reason: str | None = None


@attrs.frozen(kw_only=True)
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


@attrs.frozen(kw_only=True)
class PlanVersion:
    id: str
    label: str
    effective: date
    currency: str
    charges: tuple[Charge, ...]
    span: Span


# ----------------------------------------------------------------- contracts
@attrs.frozen(kw_only=True)
class Renewal:
    kind: Literal["renew", "evergreen", "none"]
    length: Duration | None = None
    notice: Duration | None = None


@attrs.frozen(kw_only=True)
class Discount:
    label: str
    percent: Decimal
    charges: tuple[str, ...]
    start: date | None
    until: date | None
    span: Span
    amendment: int | None = None
    """The amendment that added it; None for the contract's own discounts."""


@attrs.frozen(kw_only=True)
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


@attrs.frozen(kw_only=True)
class SetQuantity:
    charge: str
    quantity: Decimal
    span: Span


@attrs.frozen(kw_only=True)
class SetPrice:
    charge: str
    price: Decimal
    span: Span


@attrs.frozen(kw_only=True)
class AddCharge:
    charge: Charge


@attrs.frozen(kw_only=True)
class RemoveCharge:
    charge: str
    span: Span


@attrs.frozen(kw_only=True)
class AddDiscount:
    discount: Discount


@attrs.frozen(kw_only=True)
class ChangeTerm:
    term: Duration
    span: Span


@attrs.frozen(kw_only=True)
class ChangeRenewal:
    renewal: Renewal
    span: Span


@attrs.frozen(kw_only=True)
class Terminate:
    span: Span


Change: TypeAlias = (
    SetQuantity | SetPrice | AddCharge | RemoveCharge | AddDiscount | ChangeTerm | ChangeRenewal | Terminate
)


@attrs.frozen(kw_only=True)
class Amendment:
    number: int
    reason: str
    signed: date
    effective: date
    changes: tuple[Change, ...]
    prorate: bool
    accounting: Literal["prospective", "catch_up", "separate"]
    span: Span
    accounting_written: bool = False
    """True when the amendment says `accounting ...`; False when the choice is the default."""


@attrs.frozen(kw_only=True)
class PlanChoice:
    plan: str
    version: date
    pinned: bool
    """True when the contract names the version; False when chosen by signing date."""


@attrs.frozen(kw_only=True)
class Version:
    """A charge as agreed from `start` until its next version (or the contract's end)."""

    start: date
    charge: Charge | None
    """None: removed (or the contract terminated) from `start`."""
    amendment: int | None
    """The amendment that made this version; None for the contract's own terms."""
    source: Span | None
    """The statement that made it; None for the charge's own declaration."""
    priced_from: date
    """When its price was last set (the contract's start, or an amendment that set a price or added
    the charge): indexation compounds on that price from this date on."""


@attrs.frozen(kw_only=True)
class NamedDiscount:
    """A discount with its id: `discount-N` for the contract's own, in order, `amendment-A-discount-N`
    for those amendment A adds. Issued discount lines are matched by this id, never by the label."""

    id: str
    discount: Discount


@attrs.frozen(kw_only=True)
class Terms:
    """The contract's terms over time, as its amendments change them. Built once, by the checker, as it
    checks each amendment; lowering adds indexation and the horizon (compiler/billing/timeline.py)."""

    versions: tuple[tuple[str, tuple[Version, ...]], ...]
    """Each charge the contract ever has, with its versions in date order."""
    discounts: tuple[NamedDiscount, ...]
    term: Duration | None
    renewal: Renewal
    terminated: date | None
    """The effective date of the earliest `terminate`, if any."""


@attrs.frozen(kw_only=True)
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
    minimum_vat: Vat | None = None
    """The VAT of the minimum true-up: the `vat` written on the `minimum`, else the VAT
    shared by every charge the contract can have (its own, its plan's, its amendments');
    None without a minimum."""
    minimum_span: Span | None = None
    """The `minimum` statement; None without a minimum."""
    terms: Terms | None = None
    """The terms over time; set by the checker for every contract it accepts."""
    revenue_policy: Literal["ifrs15", "invoiced"] | None = None
    """`revenue_policy` written in the contract; None: the seller's (compiler/revenue/)."""
    cutover: Cutover | None = None
    """`billed_through`: the contract's own, else the workspace's; None when Avtale bills it all."""
    prepaid: Prepaid | None = None
    """`prepaid`: credit bought each contract year that usage draws down; None without."""


@attrs.frozen(kw_only=True)
class Prepaid:
    """`prepaid A per contract year on CHARGES`: credit invoiced at the start of each contract year, drawn
    down by the named usage charges at their prices (after their discounts); overage beyond it is billed,
    what is left at the end of the contract year expires."""

    amount: Decimal
    charges: tuple[str, ...]
    vat: Vat
    """The VAT of the credit, written or the named charges' (which must share one)."""
    span: Span


@attrs.frozen(kw_only=True)
class Cutover:
    """The cut-over from the old billing (`billed_through`, in the contract or avtale.toml): billing
    periods ending on or before `through` were invoiced elsewhere, and Avtale never invoices them."""

    through: date
    toward_minimum: Decimal | None
    """What the old billing invoiced in the contract year that runs across the cut-over, counted toward
    the minimum commitment; None when no contract year runs across it or there is no minimum."""
    span: Span
    """The `billed_through` statement, or the setting in avtale.toml."""
    from_settings: bool

    @property
    def first_day(self) -> date:
        """The first day Avtale bills."""
        return self.through + timedelta(days=1)


@attrs.frozen(kw_only=True)
class Workspace:
    seller: Seller | None
    customers: dict[str, Customer]
    metrics: dict[str, Metric]
    indices: dict[str, Index]
    plans: dict[str, tuple[PlanVersion, ...]]
    """Each plan's versions, oldest first."""
    contracts: dict[str, Contract]


pickle_as_tuples(globals())
