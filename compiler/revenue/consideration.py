"""IFRS 15 step 3, the transaction price (¶47-72), from the billing lowering.

The fixed consideration of a charge is what billing bills for it over the
committed term (prices, quantities, proration, indexation), net of the
discounts on it: the billing lowering and pricing compute it, so there is one
pricing rule. Usage is variable consideration (¶50-59) and gets no fixed price.

A contract modification is known only from its effective date on, so a view
of the contract "as agreed before amendment N" leaves out the versions,
discounts, term changes and terminations that amendment N and later ones made.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import attrs

from compiler import model
from compiler.billing.lines import DiscountLine, DrawdownLine, MinimumLine, PrepaidLine, UsageLine
from compiler.billing.lower import BillingSchedule, lower
from compiler.billing.price import PricedLine, price_schedule
from compiler.calendar import add_duration, subtract_duration
from compiler.money import round_exact

ONE_MONTH = model.Duration(count=1, unit="month")
ZERO = Decimal(0)  # a sum of rounded line amounts is exact at the minor unit: round_exact only converts


@attrs.frozen(kw_only=True)
class ChargeTerms:
    """What one charge brings to a view of the contract, over its committed term."""

    charge: model.Charge
    """Its last version in the view (label, revenue rule, SSP, account)."""
    first: model.Charge
    """Its first version (the price the plan's list price is compared with)."""
    start: date
    end: date
    """Its service window inside the committed term."""
    net: Decimal
    """Billed over the committed term, after discounts."""
    undiscounted: Decimal
    undiscounted_left: Decimal
    """Billed before discounts for the days from the view's `since` on (all of it without one)."""
    variable: bool


@attrs.frozen(kw_only=True)
class View:
    contract: model.Contract
    """The contract as agreed before `upto`'s successor: its terms cut to amendments up to `upto`."""
    committed_end: date
    charges: tuple[ChargeTerms, ...]
    """In declaration order."""

    @property
    def price(self) -> Decimal:
        return sum((c.net for c in self.charges if not c.variable), ZERO)


def as_agreed(contract: model.Contract, upto: int | None) -> model.Contract:
    """The contract with only the amendments numbered up to `upto` (None: none of them)."""
    terms = contract.terms
    assert terms is not None, "a checked contract has its terms"
    if not contract.amendments or (upto is not None and all(a.number <= upto for a in contract.amendments)):
        return contract
    keep = [a for a in contract.amendments if upto is not None and a.number <= upto]

    def kept(number: int | None) -> bool:
        return number is None or (upto is not None and number <= upto)

    versions = tuple(
        (cid, tuple(v for v in history if kept(v.amendment)))
        for cid, history in terms.versions
        if any(kept(v.amendment) for v in history)
    )
    term, renewal, terminated = contract.term, contract.renewal, None
    for amendment in keep:
        for change in amendment.changes:
            if isinstance(change, model.ChangeTerm):
                term = change.term
            elif isinstance(change, model.ChangeRenewal):
                renewal = change.renewal
            elif isinstance(change, model.Terminate):
                terminated = amendment.effective if terminated is None else min(terminated, amendment.effective)
    cut = model.Terms(
        versions=versions,
        discounts=tuple(d for d in terms.discounts if kept(d.discount.amendment)),
        term=term,
        renewal=renewal,
        terminated=terminated,
    )
    return attrs.evolve(contract, terms=cut, amendments=tuple(keep))


def committed_end(contract: model.Contract, day: date, horizon: date) -> date:
    """The end of the term in force on `day` (a renewal once its term has started), or the termination.

    An evergreen contract commits its customer to its notice period only, so it is planned one
    notice period at a time from its start, each slice a renewal; past the horizon none is added."""
    terms = contract.terms
    assert terms is not None
    if terms.term is None:
        step = terms.renewal.notice or model.Duration(count=1, unit="month")
        if step.count <= 0:
            step = model.Duration(count=1, unit="month")
        end = add_duration(contract.start, step)
        while end <= day and end < horizon:
            end = add_duration(end, step)
    else:
        end = add_duration(contract.start, terms.term)
        length = terms.renewal.length
        if terms.renewal.kind == "renew" and length is not None and length.count > 0:
            while end <= day and end < horizon:
                end = add_duration(end, length)
    if terms.terminated is not None:
        end = min(end, terms.terminated)
    return max(end, contract.start)


def bound_until(contract: model.Contract, known: date) -> date:
    """The end of the term the customer is bound to at the end of the day `known` (¶11: the enforceable
    term), for the remaining performance obligations (¶120). A renewal can no longer be refused once its
    notice deadline, its start less the notice, has passed: one on or before `known` is committed. An
    evergreen contract runs at least one notice period from a termination signed the day after `known`.
    A termination is not applied here (`committed_end` applies it)."""
    terms = contract.terms
    assert terms is not None
    renewal = terms.renewal
    if terms.term is None:
        step = renewal.notice if renewal.notice is not None and renewal.notice.count > 0 else ONE_MONTH
        return add_duration(known + timedelta(days=1), step)
    end = add_duration(contract.start, terms.term)
    length = renewal.length
    if renewal.kind == "renew" and length is not None and length.count > 0:
        while (subtract_duration(end, renewal.notice) if renewal.notice else end) <= known:
            end = add_duration(end, length)
    return end


@attrs.frozen
class Lowered:
    """What a view needs of the billing lowering: the fixed lines priced, and the metered charges."""

    lines: tuple[PricedLine, ...]
    metered: frozenset[str]
    schedule: BillingSchedule
    """The whole lowering, usage and minimum true-ups included (run time prices those)."""


def whole(contract: model.Contract) -> model.Contract:
    """The contract as if Avtale billed all of it. Revenue is the contract's, whoever invoiced it: a cut-over
    (`billed_through`) moves invoices to the old billing, never consideration out of the contract."""
    return contract if contract.cutover is None else attrs.evolve(contract, cutover=None)


def priced_lines(agreed: model.Contract, indices: Mapping[str, model.Index], until: date) -> Lowered:
    """The fixed lines billing bills for the agreed contract before `until`, priced; usage apart, and a prepaid
    credit with its drawdowns: what it earns depends on the usage (docs/revenue.md, "Prepaid credit")."""
    schedule = lower(whole(agreed), indices, until)
    usage = {ln.id for ln in schedule.lines if isinstance(ln, UsageLine)}
    fixed = tuple(
        ln
        for ln in schedule.lines
        if not isinstance(ln, UsageLine | MinimumLine | PrepaidLine | DrawdownLine)
        and not (isinstance(ln, DiscountLine) and ln.base in usage)
    )
    found = price_schedule(attrs.evolve(schedule, lines=fixed), {}, date.max).lines
    return Lowered(lines=found, metered=frozenset(key.charge for key in usage), schedule=schedule)


def view(agreed: model.Contract, lowered: Lowered, end: date, since: date | None = None) -> View:
    """A contract as agreed (`as_agreed`), with each charge's consideration up to `end` (and from
    `since` on: what remains to be delivered at a modification), from its priced lines
    (`priced_lines`, lowered to `end` or beyond: the lines past `end` are left out)."""
    contract = agreed
    terms = agreed.terms
    assert terms is not None
    currency = agreed.currency
    net: dict[str, Decimal] = {}
    undiscounted: dict[str, Decimal] = {}
    left: dict[str, Decimal] = {}
    usage = lowered.metered
    for line in lowered.lines:  # sums of rounded line amounts: exact in Decimal
        kind = line.id.kind
        start, stop = line.start, line.end  # the days billed (a discount's too)
        if kind == "minimum" or start >= end:
            continue
        amount = line.net
        if stop > end:  # a period running past the committed term: only its days inside
            amount = round_exact(line.exact * Fraction((end - start).days, (stop - start).days), currency)
            stop = end
        charge = line.id.charge
        net[charge] = net.get(charge, ZERO) + amount
        if kind == "recurring" or kind == "one_time":
            undiscounted[charge] = undiscounted.get(charge, ZERO) + amount
            if since is not None and since > start:
                after = max(0, (stop - since).days)
                amount = round_exact(Fraction(amount) * after / (stop - start).days, currency) if after else ZERO
            left[charge] = left.get(charge, ZERO) + amount
    order = {c.id: i for i, c in enumerate(contract.charges)}
    found: list[ChargeTerms] = []
    histories = sorted(terms.versions, key=lambda item: (order.get(item[0], len(order)), _added(item[1])))
    for cid, history in histories:
        alive = [v for v in history if v.charge is not None]
        if not alive:
            continue
        first, last = alive[0].charge, alive[-1].charge
        assert first is not None and last is not None
        start = history[0].start
        if isinstance(first.pricing, model.OneTimeFee) and first.pricing.on is not None:
            start = first.pricing.on
        stop = _window_end(history, end)
        if start >= end and not isinstance(first.pricing, model.OneTimeFee):
            continue
        found.append(
            ChargeTerms(
                charge=last,
                first=first,
                start=start,
                end=max(stop, start),
                net=net.get(cid, ZERO),
                undiscounted=undiscounted.get(cid, ZERO),
                undiscounted_left=left.get(cid, ZERO),
                variable=isinstance(first.pricing, model.UsageFee) or cid in usage,
            )
        )
    return View(contract=agreed, committed_end=end, charges=tuple(found))


def _added(history: tuple[model.Version, ...]) -> tuple[date, int]:
    return (history[0].start, history[0].amendment or 0)


def _window_end(history: tuple[model.Version, ...], end: date) -> date:
    """Where the charge stops: removed (a last version without a charge), else the committed end."""
    last = history[-1]
    if last.charge is None:
        return min(last.start, end)
    return end
