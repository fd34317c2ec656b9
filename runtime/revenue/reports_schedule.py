"""The remaining schedule: revenue the contracts, as they stand, will recognise after a cut-off.

The recognition engine (recognition.py) gives the months that have ended. What comes after is
read from the same revenue plans (compiler/revenue), planned up to the cut-off: the committed
term in force then, renewals only once they have begun, so the schedule is what is contracted
(the remaining performance obligations), not a forecast of renewals. Usage is variable
consideration and is not scheduled: it is revenue only once it has been used.

The engine plans to the same horizon (its own cut-off), so a plan it made is the one the
schedule would make: passed in `plans`, it is read instead of planned again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from compiler import model
from compiler.revenue.plan import revenue_plan
from compiler.revenue.records import RevenuePlan
from runtime.revenue.records import Recognised

DEFAULT_REVENUE_ACCOUNT = model.Accounts().revenue


def remaining_schedule(
    workspace: model.Workspace, cutoff: date, plans: Mapping[str, RevenuePlan] | None = None
) -> list[Recognised]:
    """Per contract, obligation and month from `cutoff` (a month's first day) on, what the plans hold,
    as `scheduled` records in the order the engine gives its own. `plans`: plans already made, by
    contract (those with another horizon are made again)."""
    out: list[Recognised] = []
    for cid in sorted(workspace.contracts):
        out += contract_schedule(workspace.contracts[cid], workspace, cutoff, (plans or {}).get(cid))
    return out


def contract_schedule(
    contract: model.Contract, workspace: model.Workspace, cutoff: date, plan: RevenuePlan | None = None
) -> list[Recognised]:
    """One contract's part of `remaining_schedule`, from `plan` when it was made up to `cutoff`."""
    if plan is None or plan.horizon != cutoff or plan.contract != contract.id:
        plan = revenue_plan(contract, workspace, cutoff)
    default = workspace.seller.accounts.revenue if workspace.seller else DEFAULT_REVENUE_ACCOUNT
    sums: dict[tuple[str, date, int], Decimal] = defaultdict(Decimal)
    for obligation in plan.obligations:
        account = obligation.account if obligation.account is not None else default
        for entry in obligation.months:
            if entry.month >= cutoff:
                sums[(obligation.charge, entry.month, account)] += entry.amount
    return [
        Recognised(
            contract=contract.id,
            obligation=obligation,
            month=month,
            amount=amount,
            currency=plan.currency,
            account=account,
        )
        for (obligation, month, account), amount in sorted(sums.items())
        if amount
    ]
