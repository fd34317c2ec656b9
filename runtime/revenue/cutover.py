"""What the old billing invoiced before a contract's cut-over (`billed_through`), as revenue counts it.

Those invoices are not in the ledger, yet they are part of what the customer was billed: without them a
contract signed before the move would show every month earned before it as unbilled (a contract asset),
and its prepaid months as never billed. The amounts are the contract's own lines for the periods billed
elsewhere (compiler/billing/lower.py `billed_elsewhere`), priced as Avtale would have priced them; usage
and minimum true-ups billed there are not known here and are left out (docs/cutover.md).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import attrs

from compiler import model
from compiler.billing.lines import DiscountLine, OneTimeLine, RecurringLine
from compiler.billing.lower import lower
from compiler.billing.price import price_schedule


@attrs.frozen(kw_only=True)
class BilledBefore:
    """One line the old billing invoiced: its charge, service days [start, end) and net amount."""

    contract: str
    currency: str
    charge: str
    day: date
    """When it was billed: the line's billing date (the period's first day in advance, its end in arrears)."""
    start: date
    end: date
    net: Decimal


def billed_before(contract: model.Contract, indices: dict[str, model.Index]) -> list[BilledBefore]:
    """The fixed lines of `contract` billed elsewhere, through its cut-over; none without one."""
    if contract.cutover is None:
        return []
    schedule = lower(contract, indices, contract.cutover.first_day)
    fixed = {ln.id for ln in schedule.billed_elsewhere if isinstance(ln, RecurringLine | OneTimeLine)}
    lines = tuple(
        ln for ln in schedule.billed_elsewhere if ln.id in fixed or (isinstance(ln, DiscountLine) and ln.base in fixed)
    )
    priced = price_schedule(attrs.evolve(schedule, lines=lines), {}, date.max)
    return [
        BilledBefore(
            contract=contract.id,
            currency=contract.currency,
            charge=p.id.charge,
            day=p.billing_date,
            start=p.start,
            end=p.end,
            net=p.net,
        )
        for p in priced.lines
        if p.net
    ]


def all_billed_before(workspace: model.Workspace) -> list[BilledBefore]:
    """`billed_before` for every contract, in contract order."""
    found: list[BilledBefore] = []
    for cid in sorted(workspace.contracts):
        found += billed_before(workspace.contracts[cid], workspace.indices)
    return found
