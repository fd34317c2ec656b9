"""The records a revenue plan is made of: small, frozen, shown by `avtale schedule`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

import attrs

from dsl.ast import RevenueMethod

Policy = Literal["ifrs15", "invoiced"]
Accounting = Literal["prospective", "catch_up", "separate"]
SspSource = Literal["plan price", "contract price", "charge ssp", "contract ssp", "billed", "variable"]


@attrs.frozen(kw_only=True)
class Stage:
    """One allocation of an obligation, in force from `since` on (exclusive of earlier days).

    Revenue recognised before a day t in force of this stage: `base` + round(`amount` x the
    share of [start, end) satisfied before t)."""

    since: date
    base: Decimal
    """Recognised before the modification's effective date, carried over (0 for the first stage and a
    catch-up). That is `since`, except for an obligation whose service ended by then: its stage is in
    force from its last day of service, the day before, so that what is left is recognised on that day."""
    amount: Decimal
    """Allocated in this stage, recognised over [start, end)."""
    start: date
    end: date
    ssp: Decimal
    """The SSP the share was allocated by (of what remained, for a prospective stage)."""
    why: str


@attrs.frozen(kw_only=True)
class MonthAmount:
    month: date
    """The first day of the calendar month."""
    amount: Decimal


@attrs.frozen(kw_only=True)
class Obligation:
    """A performance obligation (IFRS 15 ¶22): one charge of a contract, or the part of a charge an
    amendment accounted for as a separate contract (¶20)."""

    contract: str
    charge: str
    label: str
    part: str
    """Empty; `amendment N` for what amendment N added as a separate contract."""
    method: RevenueMethod
    ssp: Decimal | None
    """None for usage: variable consideration is not allocated (¶85)."""
    ssp_source: SspSource
    allocated: Decimal | None
    """The fixed consideration allocated over the plan's life; None for usage (known at run time)."""
    start: date
    end: date
    """The service window [start, end) of the last stage."""
    account: int | None
    """The charge's own revenue account; None: the seller's."""
    stages: tuple[Stage, ...]
    months: tuple[MonthAmount, ...]
    """Revenue per calendar month, cumulatively rounded; empty for usage."""

    @property
    def variable(self) -> bool:
        return self.allocated is None

    @property
    def key(self) -> tuple[str, str]:
        return (self.charge, self.part)


@attrs.frozen(kw_only=True)
class Modification:
    """A contract modification (IFRS 15 ¶18-21): an amendment, a renewal or an indexation."""

    effective: date
    amendment: int | None
    """None for a renewal."""
    accounting: Accounting
    written: bool
    """True when the amendment says `accounting ...`; False when defaulted."""
    price_before: Decimal
    price_after: Decimal
    """The transaction price of the contract before and after the modification."""
    catch_up: tuple[tuple[str, Decimal], ...]
    """For `catch_up`: the revenue adjustment per obligation on the effective date."""
    why: str


@attrs.frozen(kw_only=True)
class RevenuePlan:
    contract: str
    currency: str
    policy: Policy
    policy_source: Literal["contract", "seller", "default"]
    transaction_price: Decimal
    """The fixed consideration at the end of the plan (after every modification)."""
    obligations: tuple[Obligation, ...]
    modifications: tuple[Modification, ...]
    horizon: date
    """Renewals and open-ended contracts are planned up to here (exclusive)."""

    def months(self) -> dict[date, Decimal]:
        """Revenue per month over every fixed obligation."""
        total: dict[date, Decimal] = {}
        for obligation in self.obligations:
            for m in obligation.months:
                total[m.month] = total.get(m.month, Decimal(0)) + m.amount
        return dict(sorted(total.items()))
