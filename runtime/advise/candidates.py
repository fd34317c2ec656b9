"""The advisor's candidates: the contract under its own terms, and under each plan version offered at the
as-of date, built as contracts that lowering and pricing read like any other."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

import attrs

from compiler import model
from runtime.advise.window import Window

ZERO = Decimal(0)


@attrs.frozen(kw_only=True)
class Candidate:
    plan: str | None
    """The plan id; None for a contract of its own terms without a plan."""
    version: date | None
    """The plan version's effective date."""
    current: bool
    """The contract as it stands: its own terms, amendments, discounts, minimum and indexation."""
    contract: model.Contract | None
    """What is lowered and priced; None when the candidate is not comparable."""
    assumptions: tuple[str, ...] = ()
    reason: str | None = None
    """Why the candidate's price cannot be computed."""
    unpriced: tuple[str, ...] = ()
    """Metrics the contract bills and the candidate has no charge on: not comparable if the customer used them."""


def offered(workspace: model.Workspace, as_of: date) -> list[model.PlanVersion]:
    """For each plan, the version in force at `as_of` (plans not yet in force are not offered)."""
    found = []
    for plan in sorted(workspace.plans):
        versions = [v for v in workspace.plans[plan] if v.effective <= as_of]
        if versions:
            found.append(max(versions, key=lambda v: v.effective))
    return found


def current(contract: model.Contract) -> Candidate:
    """The contract as its terms say, over the whole window: a cut-over only decides who invoices."""
    return Candidate(
        plan=contract.plan.plan if contract.plan else None,
        version=contract.plan.version if contract.plan else None,
        current=True,
        contract=attrs.evolve(contract, cutover=None),
    )


def _history(contract: model.Contract) -> dict[str, tuple[model.Version, ...]]:
    assert contract.terms is not None, "a checked contract has its terms"
    return dict(contract.terms.versions)


def _charges(versions: Iterable[model.Version]) -> list[model.Charge]:
    return [v.charge for v in versions if v.charge is not None]


def _metrics(charges: Iterable[model.Charge]) -> set[str]:
    return {c.pricing.metric for c in charges if isinstance(c.pricing, model.UsageFee)}


def _has_quantity(charge: model.Charge) -> bool:
    return isinstance(charge.pricing, model.PerUnitFee | model.TieredFee)


def _unit(charge: model.Charge) -> str | None:
    return charge.pricing.unit if isinstance(charge.pricing, model.PerUnitFee) else None


def _source(charge: model.Charge, history: dict[str, tuple[model.Version, ...]]) -> tuple[str, str] | None:
    """The contract's charge whose quantity this candidate charge takes, and how it was matched: the same
    charge id, else the one per-unit charge priced per the same unit."""
    if charge.id in history and any(_has_quantity(c) for c in _charges(history[charge.id])):
        return charge.id, "id"
    unit = _unit(charge)
    if unit is None:
        return None
    same = sorted(cid for cid, versions in history.items() if any(_unit(c) == unit for c in _charges(versions)))
    return (same[0], "unit") if len(same) == 1 else None


def _quantities(versions: tuple[model.Version, ...], start: date, end: date) -> list[tuple[date, Decimal]]:
    """The quantity of a contract's charge from `start`, and each day it changes before `end` (none while the
    charge is not on the contract)."""

    def at(day: date) -> Decimal:
        version = next((v for v in reversed(versions) if v.start <= day), None)
        return ZERO if version is None or version.charge is None else version.charge.quantity or ZERO

    found: list[tuple[date, Decimal]] = []
    for day in [start, *sorted({v.start for v in versions if start < v.start < end})]:
        if not found or found[-1][1] != at(day):
            found.append((day, at(day)))
    return found


def _spell(quantities: list[tuple[date, Decimal]]) -> str:
    first, *later = quantities
    return ", ".join([f"{first[1]:f}", *(f"{q:f} from {day}" for day, q in later)])


def plan_candidate(contract: model.Contract, version: model.PlanVersion, window: Window) -> Candidate:
    """The contract's customer on `version` from the window's start (or the contract's, if later): the plan's
    recurring and usage charges at its list prices, the customer's quantities over time, no discounts, minimum,
    indexation, prepaid credit or trial; one-time charges are not counted."""
    plan, effective = version.id, version.effective
    if version.currency != contract.currency:
        reason = f"priced in {version.currency}; the contract is in {contract.currency}"
        return Candidate(plan=plan, version=effective, current=False, contract=None, reason=reason)
    history = _history(contract)
    billed = _metrics(c for versions in history.values() for c in _charges(versions))
    start = max(window.start, contract.start)
    charges: list[tuple[str, tuple[model.Version, ...]]] = []
    assumptions: list[str] = []
    for charge in version.charges:
        if isinstance(charge.pricing, model.OneTimeFee):
            continue
        if isinstance(charge.pricing, model.UsageFee) and charge.pricing.metric not in billed:
            reason = (
                f"`{charge.id}` is priced on metric `{charge.pricing.metric}`, which the contract does not bill: "
                "its usage is unknown"
            )
            return Candidate(plan=plan, version=effective, current=False, contract=None, reason=reason)
        charge = attrs.evolve(charge, trial=None)
        quantities = [(start, charge.quantity or ZERO)]
        if _has_quantity(charge):
            source = _source(charge, history)
            if source is None:
                assumptions.append(f"`{charge.id}` {quantities[0][1]:f}, the plan's own quantity")
            else:
                quantities = _quantities(history[source[0]], start, window.end)
                how = f"the contract's `{source[0]}`" + (f" (per {_unit(charge)})" if source[1] == "unit" else "")
                assumptions.append(f"`{charge.id}` {_spell(quantities)}, as {how}")
        versions = tuple(
            model.Version(
                start=day,
                charge=attrs.evolve(charge, quantity=quantity) if _has_quantity(charge) else charge,
                amendment=None,
                source=None,
                priced_from=start,
            )
            for day, quantity in quantities
        )
        charges.append((charge.id, versions))
    priced = _metrics(c for _, versions in charges for c in _charges(versions))
    assert contract.terms is not None
    terms = model.Terms(
        versions=tuple(charges),
        discounts=(),
        term=contract.terms.term,
        renewal=contract.terms.renewal,
        terminated=contract.terms.terminated,
    )
    built = attrs.evolve(
        contract,
        currency=version.currency,
        plan=model.PlanChoice(plan=plan, version=effective, pinned=True),
        charges=tuple(versions[0].charge for _, versions in charges if versions[0].charge is not None),
        discounts=(),
        minimum=None,
        minimum_vat=None,
        minimum_span=None,
        indexations=(),
        amendments=(),
        terms=terms,
        cutover=None,
        prepaid=None,
    )
    return Candidate(
        plan=plan,
        version=effective,
        current=False,
        contract=built,
        assumptions=tuple(assumptions),
        unpriced=tuple(sorted(billed - priced)),
    )
