"""The schedule sheet: every contract's lines billed in a window, lowered and priced as `avtale schedule`
prices them (compiler/billing: `lower`, then `price_schedule` with no usage).

Usage lines, minimum true-ups and discounts on usage depend on usage and earlier invoices that are
not known ahead, so they are listed with their dates and no amount, as `avtale schedule` shows them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

import attrs

from compiler import model
from compiler.billing.lines import (
    BillableLine,
    DiscountLine,
    DrawdownLine,
    LineId,
    MinimumLine,
    RecurringLine,
    UsageLine,
    service_end,
    service_start,
)
from compiler.billing.lower import lower
from compiler.billing.price import PricedLine, price_schedule
from runtime.workbook.records import ScheduleRecord

DAY = timedelta(days=1)


def _unknown(line: BillableLine) -> str:
    """Why the line has no amount ahead of its bill run; empty when it has one."""
    if isinstance(line, UsageLine):
        return "usage: priced by the bill run once the period's usage is known"
    if isinstance(line, MinimumLine):
        return "minimum true-up: priced by the bill run from what the contract year billed"
    if isinstance(line, DiscountLine) and line.base.kind == "usage":
        return "discount on usage: priced by the bill run with the usage"
    if isinstance(line, DrawdownLine):
        return "drawdown of the prepaid credit: priced by the bill run from the usage and the credit left"
    if isinstance(line, RecurringLine) and line.blocked:
        return f"blocked: {line.blocked}"
    return ""


BASE_BLOCKED = "discount on a line that is blocked: priced once that line can be"


def _record(
    contract: model.Contract,
    customer: model.Customer | None,
    line: BillableLine,
    priced: PricedLine | None,
    invoiced: Mapping[LineId, int],
) -> ScheduleRecord:
    note = _unknown(line) or ("" if priced is not None else BASE_BLOCKED if isinstance(line, DiscountLine) else "")
    known = priced if priced is not None and not note else None
    start, end = (priced.start, priced.end) if priced is not None else (line.id.period_start, line.id.period_end)
    return ScheduleRecord(
        contract=contract.id,
        customer=contract.customer,
        customer_name=customer.name if customer is not None else "",
        billing_date=line.billing_date,
        charge=line.id.charge,
        line_kind=line.id.kind,
        description=line.label,
        period_from=start,
        period_to=end - DAY,
        quantity=known.quantity if known is not None else None,
        unit_price=known.unit_price if known is not None else None,
        net=known.net if known is not None else None,
        vat_category=line.tax.category,
        vat_rate=line.tax.rate,
        currency=contract.currency,
        invoice=invoiced.get(line.id),
        note=note,
    )


def schedule_records(
    workspace: model.Workspace, first: date, end: date, invoiced: Mapping[LineId, int]
) -> list[ScheduleRecord]:
    """Every line billed on a day in [first, end), contract by contract in id order, each contract's lines
    in its schedule's order. `invoiced`: the invoice already carrying a line identity, if any."""
    out: list[ScheduleRecord] = []
    for cid in sorted(workspace.contracts):
        contract = workspace.contracts[cid]
        # the lines billed in [first, end): earlier ones would matter only to a minimum's amount, not shown
        schedule = lower(contract, workspace.indices, end, since=first - DAY)
        priced = {(p.id, p.tax): p for p in price_schedule(schedule, {}, end - DAY).lines}
        customer = workspace.customers.get(contract.customer)
        rows = [(line, False) for line in schedule.lines] + [(line, True) for line in schedule.billed_elsewhere]
        rows.sort(key=lambda row: (row[0].billing_date, row[0].id.period_start, not row[1]))  # as `avtale schedule`
        for line, elsewhere in rows:
            if not first <= line.billing_date < end:
                continue
            if elsewhere:  # shown, as `avtale schedule` shows it, with no amount: Avtale never bills it
                assert contract.cutover is not None
                note = f"billed elsewhere: before the cut-over (billed_through {contract.cutover.through})"
                shown = _record(contract, customer, line, None, {})  # never on one of Avtale's invoices
                # the days the old billing covered: a period split at the cut-over shares its identity
                start, stop = service_start(line), service_end(line) - DAY
                out.append(attrs.evolve(shown, note=note, period_from=start, period_to=stop))
            else:
                out.append(_record(contract, customer, line, priced.get((line.id, line.tax)), invoiced))
    return out
