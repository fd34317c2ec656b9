"""The billing IR: one small frozen type per kind of line a contract bills.

Lowering (`lower.py`) turns a contract's timeline into billable lines; pricing
(`price.py`) turns them into priced lines once usage totals are known. Each line
has a stable identity, `LineId`: the contract, the line's kind, the charge (the
charge a discount applies to; `minimum` for a true-up), the discount's id, and
the charge's billing period, the full cycle, never a prorated piece of it.
Labels are for display only: renaming a charge changes nothing billed.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Literal, NamedTuple, TypeAlias

import attrs

from compiler import model
from compiler.billing.proration import Proration
from compiler.money import to_decimal
from dsl.ast import Period as PricePeriod
from dsl.span import Span

LineKind = Literal["recurring", "one_time", "usage", "discount", "minimum", "prepaid", "drawdown"]
LINE_KINDS: tuple[LineKind, ...] = ("recurring", "one_time", "usage", "discount", "minimum", "prepaid", "drawdown")
MINIMUM = "minimum"
PREPAID = "prepaid"


class LineId(NamedTuple):
    """What reconciliation matches on. A plain tuple: hashing and sorting many of them is cheap."""

    contract: str
    kind: LineKind
    charge: str
    """The charge billed, or the charge a discount applies to; `minimum` for a true-up."""
    discount: str
    """The discount's id for a discount line; empty otherwise."""
    period_start: date
    period_end: date
    """The billing period (exclusive end): the full cycle, also when only part of it is billed."""


class Tax(NamedTuple):
    """A VAT category and its rate in percent on the line's first day (compiler/vat.py)."""

    category: str
    rate: Decimal


@attrs.frozen(kw_only=True)
class Piece:
    """A stretch of a billing period at one quantity and price."""

    start: date
    end: date
    quantity: Decimal
    price: Decimal
    """Per `per`, as written in the contract or indexed."""
    per: PricePeriod
    proration: Proration
    exact: Fraction
    """Price per unit x quantity x units covered, as an exact fraction: rounded once, on the line."""
    amendment: int | None
    note: str
    """Why the price is what it is when the contract does not say it (indexation)."""
    source: Span
    """The statement that set this quantity or price: the charge, an amendment's change, an indexation."""

    @property
    def amount(self) -> Decimal:
        return to_decimal(self.exact)


@attrs.frozen(kw_only=True)
class UsagePiece:
    """A stretch of a billing period metered and priced under one usage rule."""

    start: date
    end: date
    metric: str
    rule: model.UsageRule
    amendment: int | None
    source: Span
    allowance: model.Allowance | None = None
    """The free units of the version (`included N [rollover max M]`), used up by the period's pieces in order."""
    months: Fraction | None = None
    """For a metric that reads a level (a gauge): the months the stretch covers, on the billing grid, that its
    metered level is multiplied by (compiler/billing/pricing/levels.py); None for amounts that add up."""


@attrs.frozen(kw_only=True)
class RecurringLine:
    id: LineId
    tax: Tax
    label: str
    billing_date: date
    """The first as-of date on which a bill run bills the line (or its growth)."""
    pieces: tuple[Piece, ...]
    span: Span
    blocked: str | None = None
    """Why the line cannot be priced (a missing index value)."""

    @property
    def exact(self) -> Fraction:
        return sum((p.exact for p in self.pieces), Fraction(0))

    @property
    def amount(self) -> Decimal:
        return to_decimal(self.exact)


@attrs.frozen(kw_only=True)
class OneTimeLine:
    id: LineId
    tax: Tax
    label: str
    billing_date: date
    amount: Decimal
    amendment: int | None
    span: Span


@attrs.frozen(kw_only=True)
class UsageLine:
    id: LineId
    tax: Tax
    label: str
    billing_date: date
    pieces: tuple[UsagePiece, ...]
    span: Span


@attrs.frozen(kw_only=True)
class DiscountLine:
    id: LineId
    tax: Tax
    label: str
    billing_date: date
    percent: Decimal
    base: LineId
    """The line discounted: same charge, period and VAT."""
    window_start: date
    window_end: date
    """The discount's window [start, end), clipped to nothing: date.min and date.max when open."""
    amendment: int | None
    span: Span


@attrs.frozen(kw_only=True)
class MinimumLine:
    id: LineId
    """Its period is the contract year the true-up is for."""
    tax: Tax
    label: str
    billing_date: date
    minimum: Decimal
    span: Span
    billed_elsewhere: Decimal = Decimal(0)
    """What the old billing invoiced in the year before the cut-over (`billed_through ... counting`)."""


@attrs.frozen(kw_only=True)
class PrepaidLine:
    """A contract year's prepaid credit, billed in advance on the year's first day."""

    id: LineId
    """Kind `prepaid`, charge `prepaid`; its period is the contract year, also when a termination ends it early,
    or the part of it up to the term's end when a term that is not renewed cuts the year short (then the
    amount is prorated by days)."""
    tax: Tax
    label: str
    billing_date: date
    amount: Decimal
    span: Span


@attrs.frozen(kw_only=True)
class DrawdownLine:
    """What one usage line draws from its contract year's prepaid credit; priced in `price.py`, in billing order."""

    id: LineId
    """Kind `drawdown`, the usage line's charge and billing period."""
    tax: Tax
    """The usage line's."""
    label: str
    billing_date: date
    base: LineId
    """The usage line drawn (same VAT)."""
    year: LineId
    """The prepaid line whose balance it draws: the contract year the usage line's service starts in."""
    span: Span


BillableLine: TypeAlias = (
    RecurringLine | OneTimeLine | UsageLine | DiscountLine | MinimumLine | PrepaidLine | DrawdownLine
)


def service_start(line: BillableLine) -> date:
    """The first day the line bills (its period may start earlier, on the cycle's anchor)."""
    if isinstance(line, RecurringLine | UsageLine) and line.pieces:
        return line.pieces[0].start
    return line.id.period_start


def service_end(line: BillableLine) -> date:
    if isinstance(line, RecurringLine | UsageLine) and line.pieces:
        return line.pieces[-1].end
    return line.id.period_end
