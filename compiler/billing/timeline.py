"""A contract's timeline: its life, its renewals and notice deadlines, and each
charge's versions as amendments and indexation change it.

Events are applied in date order; on one date, amendments come before an
indexation adjustment, so an amended price is itself indexed from that date.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

import attrs

from compiler import model
from compiler.calendar import MONTH_NAMES, subtract_duration
from compiler.calendar import add_duration as plus
from compiler.money import round_price
from compiler.terms import repriced
from dsl.ast import YearMonth
from dsl.span import Span


@attrs.frozen
class Version:
    """A charge as it stands from `start` until its next version (or the end)."""

    start: date
    charge: model.Charge | None
    """None: removed (or terminated) from `start`."""
    amendment: int | None = None
    """The amendment that made this version; None for the contract's own terms."""
    note: str = ""
    """Why the price is what it is, when not written in the contract (indexation)."""
    blocked: str | None = None
    """Set when the price cannot be known (a missing index value)."""
    source: Span | None = None
    """The statement that made this version (None: the charge's own declaration)."""


@attrs.frozen
class NamedDiscount:
    """A discount with its id: `discount-N` for the contract's own (in order), `amendment-A-discount-N` for
    amendment A's. Reconciliation matches discount lines by this id, never by the label."""

    id: str
    discount: model.Discount


@attrs.frozen
class Timeline:
    contract: model.Contract
    end: date | None
    """Exclusive end of the contract's life; None when it runs on past the horizon."""
    term_ends: tuple[date, ...]
    """Ends of the initial term and each renewal, up to the horizon."""
    notice_deadlines: tuple[date, ...]
    """The last day to give notice before each term end (renewing contracts)."""
    versions: Mapping[str, tuple[Version, ...]]
    discounts: tuple[NamedDiscount, ...]


def _unit_price(pricing: model.Pricing) -> Decimal | None:
    if isinstance(pricing, (model.FlatFee, model.OneTimeFee)):
        return pricing.amount
    if isinstance(pricing, model.PerUnitFee):
        return pricing.price
    if isinstance(pricing, model.UsageFee) and isinstance(pricing.rule, (model.UnitRate, model.Package)):
        return pricing.rule.price
    return None


def index_change(index: model.Index | None, indexation: model.Indexation, year: int) -> Decimal | str:
    """The capped and floored change for an adjustment in `year`, or why it is unknown."""
    month = indexation.compare_month
    values = dict(index.values) if index else {}
    name = MONTH_NAMES[month - 1]
    older = values.get(YearMonth(year - 2, month))
    newer = values.get(YearMonth(year - 1, month))
    if older is None or newer is None:
        missing = f"{year - 2}-{month:02d}" if older is None else f"{year - 1}-{month:02d}"
        return f"index `{indexation.index}` has no value for {missing} ({name}), needed for the {year} adjustment"
    change: Decimal = newer / older - 1
    if indexation.cap is not None:
        change = min(change, indexation.cap / 100)
    if indexation.floor is not None:
        change = max(change, indexation.floor / 100)
    return change


def build(contract: model.Contract, indices: Mapping[str, model.Index], until: date) -> Timeline:
    """The timeline up to `until` (exclusive), the horizon of the schedule."""
    versions: dict[str, list[Version]] = {c.id: [Version(contract.start, c)] for c in contract.charges}
    discounts = [NamedDiscount(f"discount-{i}", d) for i, d in enumerate(contract.discounts, start=1)]
    term = contract.term
    renewal = contract.renewal
    terminated: date | None = None

    def current(charge_id: str) -> Version | None:
        found = versions.get(charge_id)
        return found[-1] if found else None

    def push(charge_id: str, version: Version) -> None:
        history = versions.setdefault(charge_id, [])
        if history and history[-1].start == version.start:
            history[-1] = version  # two changes on one day: the later one stands
        else:
            history.append(version)

    adjustments = sorted(
        (day, position, indexation)
        for position, indexation in enumerate(contract.indexations)
        for day in _adjustment_dates(indexation, until)
    )
    events: list[tuple[date, int, model.Amendment | model.Indexation]] = [
        (a.effective, 0, a) for a in contract.amendments
    ]
    events += [(day, 1, indexation) for day, _, indexation in adjustments]
    for day, _, event in sorted(events, key=lambda e: (e[0], e[1])):
        if isinstance(event, model.Amendment):
            for change in event.changes:
                match change:
                    case model.SetQuantity(charge=cid, quantity=quantity):
                        now = current(cid)
                        if now and now.charge:
                            changed = attrs.evolve(now.charge, quantity=quantity)
                            push(cid, Version(day, changed, event.number, source=change.span))
                    case model.SetPrice(charge=cid, price=price):
                        now = current(cid)
                        if now and now.charge:
                            pricing = repriced(now.charge.pricing, price) or now.charge.pricing
                            changed = attrs.evolve(now.charge, pricing=pricing)
                            push(cid, Version(day, changed, event.number, source=change.span))
                    case model.AddCharge(charge=charge):
                        push(charge.id, Version(day, charge, event.number))
                    case model.RemoveCharge(charge=cid):
                        push(cid, Version(day, None, event.number, source=change.span))
                    case model.AddDiscount(discount=discount):
                        added = sum(1 for d in discounts if d.discount.amendment == event.number) + 1
                        dated = attrs.evolve(discount, start=discount.start or day, amendment=event.number)
                        discounts.append(NamedDiscount(f"amendment-{event.number}-discount-{added}", dated))
                    case model.ChangeTerm(term=new_term):
                        term = new_term
                    case model.ChangeRenewal(renewal=new_renewal):
                        renewal = new_renewal
                    case model.Terminate():
                        terminated = day if terminated is None else min(terminated, day)
        else:
            indexation = event
            factor = index_change(indices.get(indexation.index), indexation, day.year)
            for cid in indexation.charges:
                now = current(cid)
                if now is None or now.charge is None:
                    continue
                base_price = _unit_price(now.charge.pricing)
                if base_price is None:
                    continue
                if isinstance(factor, str):
                    push(cid, attrs.evolve(now, start=day, blocked=factor, amendment=None, source=indexation.span))
                    continue
                new_price = round_price(base_price * (1 + factor))
                pricing = repriced(now.charge.pricing, new_price) or now.charge.pricing
                month = MONTH_NAMES[indexation.compare_month - 1]
                note = f"indexed {factor * 100:+.2f}% on {day} ({indexation.index}, {month})"
                indexed = attrs.evolve(now.charge, pricing=pricing)
                push(cid, Version(day, indexed, None, note, now.blocked, source=indexation.span))

    term_end = plus(contract.start, term) if term else None
    term_ends: list[date] = []
    deadlines: list[date] = []
    if term_end is not None:
        end_of_term = term_end
        while end_of_term <= until or not term_ends:
            term_ends.append(end_of_term)
            if renewal.kind == "renew" and renewal.notice is not None:
                deadlines.append(subtract_duration(end_of_term, renewal.notice))
            if renewal.kind != "renew" or renewal.length is None or renewal.length.count <= 0:
                break
            if terminated is not None and end_of_term >= terminated:
                break
            end_of_term = plus(end_of_term, renewal.length)
    end: date | None = term_end if renewal.kind == "none" else None
    if terminated is not None:
        end = terminated if end is None else min(end, terminated)
    return Timeline(
        contract=contract,
        end=end,
        term_ends=tuple(term_ends),
        notice_deadlines=tuple(deadlines),
        versions={cid: tuple(v) for cid, v in versions.items()},
        discounts=tuple(discounts),
    )


def _adjustment_dates(indexation: model.Indexation, until: date) -> list[date]:
    month, day = indexation.on
    days: list[date] = []
    year = indexation.start.year
    while True:
        try:
            candidate = date(year, month, day)
        except ValueError:  # 29 February in a common year: the last day of February
            candidate = date(year, month, 28)
        if candidate >= until:
            return days
        if candidate >= indexation.start:
            days.append(candidate)
        year += 1
