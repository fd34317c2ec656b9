"""The remaining schedule: revenue the contracts, as they stand, will recognise after a cut-off.

The recognition engine (recognition.py) gives the months that have ended. What comes after is
read from the same revenue plans (compiler/revenue), planned up to the cut-off with the terms known
then (`known_plan`): the committed term in force, renewals once begun or once the customer can no longer
refuse them (their notice deadline passed by the as-of date; an evergreen contract's notice period from
it), and every
amendment signed by the as-of date, also one that takes effect later (a termination ends the
schedule there); an amendment signed after it is not known yet, unless the months recognised already
hold it. So the schedule is what is contracted (the remaining performance obligations, IFRS 15
¶120), not a forecast. Under `revenue_policy invoiced` it is what the lines billing will bill (and
has billed) recognise from the cut-off on. Usage is variable consideration and is not scheduled: it
is revenue only once it has been used.

The engine plans to the same horizon (its own cut-off), so a plan it made is the one the
schedule would make unless an amendment signed by the as-of date takes effect after the
cut-off: passed in `plans`, it is read instead of planned again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal

from compiler import model
from compiler.revenue.consideration import as_agreed, bound_until, committed_end
from compiler.revenue.plan import in_force_by, known_amendments, known_plan
from compiler.revenue.records import RevenuePlan
from runtime.revenue.records import Recognised

DEFAULT_REVENUE_ACCOUNT = model.Accounts().revenue


def remaining_schedule(
    workspace: model.Workspace,
    cutoff: date,
    plans: Mapping[str, RevenuePlan] | None = None,
    known: date | None = None,
) -> list[Recognised]:
    """Per contract, obligation and month from `cutoff` (a month's first day) on, what the plans hold,
    as records in the order the engine gives its own. `plans`: plans already made, by contract (those
    with another horizon are made again). `known`: the as-of date, the last day whose signed
    amendments count (default: the day before `cutoff`)."""
    out: list[Recognised] = []
    for cid in sorted(workspace.contracts):
        out += contract_schedule(workspace.contracts[cid], workspace, cutoff, (plans or {}).get(cid), known)
    return out


def contract_schedule(
    contract: model.Contract,
    workspace: model.Workspace,
    cutoff: date,
    plan: RevenuePlan | None = None,
    known: date | None = None,
) -> list[Recognised]:
    """One contract's part of `remaining_schedule`, from `plan` when it was made up to `cutoff` and no
    amendment known by `known` takes effect after it. A cumulative catch-up (¶21(b)) that a known
    amendment will post in a scheduled month is a `catch_up` record with its reason, as the engine
    gives it once the month has ended."""
    known = known if known is not None else cutoff - timedelta(days=1)
    # known, but not held by the engine's plan to the cut-off (in_force_by): the schedule plans it again
    later = any(a.signed <= known and not in_force_by(a, contract, cutoff) for a in contract.amendments)
    if (
        plan is None
        or later
        or plan.horizon != cutoff
        or plan.contract != contract.id
        or _bound(contract, cutoff, known)
    ):
        plan = known_plan(contract, workspace, cutoff, known)
    default = workspace.seller.accounts.revenue if workspace.seller else DEFAULT_REVENUE_ACCOUNT
    accounts: dict[str, int] = {}
    sums: dict[tuple[str, date, int], Decimal] = defaultdict(Decimal)
    for obligation in plan.obligations:
        account = obligation.account if obligation.account is not None else default
        accounts.setdefault(obligation.charge, account)
        for entry in obligation.months:
            if entry.month >= cutoff:
                sums[(obligation.charge, entry.month, account)] += entry.amount
    catch_ups: dict[tuple[str, date, int], tuple[Decimal, str]] = {}
    for modification in plan.modifications:
        month = modification.effective.replace(day=1)
        for name, amount in modification.catch_up if month >= cutoff else ():
            charge = name.split(" (", 1)[0]  # "charge (amendment N)": the part's obligation is its charge's
            key = (charge, month, accounts.get(charge, default))
            before = catch_ups.get(key, (Decimal(0), ""))[0]
            catch_ups[key] = (before + amount, modification.why)
    records = [  # a catch-up is inside its month's planned revenue: shown apart, as the engine does
        _record(contract, plan, key, sums.get(key, Decimal(0)) - catch_ups.get(key, (Decimal(0), ""))[0])
        for key in sorted(set(sums) | set(catch_ups))
    ]
    records += [_record(contract, plan, key, amount, why) for key, (amount, why) in sorted(catch_ups.items())]
    return sorted((r for r in records if r.amount), key=lambda r: (r.obligation, r.month, r.kind))


def _bound(contract: model.Contract, cutoff: date, known: date) -> bool:
    """Whether the customer is bound on `known` past the term the engine plans to `cutoff`: a renewal whose
    notice deadline has passed, or an evergreen contract's notice period from `known` (IFRS 15 ¶11)."""
    agreed = as_agreed(contract, known_amendments(contract, cutoff, known))  # the terms known_plan plans
    terms = agreed.terms
    if terms is None or terms.renewal.kind == "none":
        return False
    return bound_until(agreed, known) > committed_end(agreed, cutoff, cutoff)


def _record(
    contract: model.Contract, plan: RevenuePlan, key: tuple[str, date, int], amount: Decimal, why: str | None = None
) -> Recognised:
    obligation, month, account = key
    return Recognised(
        contract=contract.id,
        obligation=obligation,
        month=month,
        amount=amount,
        currency=plan.currency,
        account=account,
        kind="scheduled" if why is None else "catch_up",
        reason=why or "",
    )
