"""The remaining schedule: revenue the contracts, as they stand, will recognise after a cut-off.

The recognition engine (recognition.py) gives the months that have ended. What comes after is
read from the same revenue plans (compiler/revenue), planned up to the cut-off: the committed
term in force then, renewals only once they have begun, so the schedule is what is contracted
(the remaining performance obligations), not a forecast of renewals. Usage is variable
consideration and is not scheduled: it is revenue only once it has been used.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from compiler import model
from compiler.revenue.plan import revenue_plan
from runtime.revenue.records import Recognised

DEFAULT_REVENUE_ACCOUNT = model.Accounts().revenue


def remaining_schedule(workspace: model.Workspace, cutoff: date) -> list[Recognised]:
    """Per contract, obligation and month from `cutoff` (a month's first day) on, what the plans hold,
    as `scheduled` records in the order the engine gives its own."""
    default = workspace.seller.accounts.revenue if workspace.seller else DEFAULT_REVENUE_ACCOUNT
    out: list[Recognised] = []
    for cid in sorted(workspace.contracts):
        contract = workspace.contracts[cid]
        plan = revenue_plan(contract, workspace, cutoff)
        sums: dict[tuple[str, date, int], Decimal] = defaultdict(Decimal)
        for obligation in plan.obligations:
            account = obligation.account if obligation.account is not None else default
            for entry in obligation.months:
                if entry.month >= cutoff:
                    sums[(obligation.charge, entry.month, account)] += entry.amount
        out += [
            Recognised(
                contract=cid,
                obligation=obligation,
                month=month,
                amount=amount,
                currency=plan.currency,
                account=account,
            )
            for (obligation, month, account), amount in sorted(sums.items())
            if amount
        ]
    return out
