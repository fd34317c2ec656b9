"""A contract's timeline up to a horizon: its life, its renewals and notice deadlines,
and each charge's versions as its amendments (read from the checked model, where
the checker recorded them) and its indexation change them.
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
class Timeline:
    contract: model.Contract
    end: date | None
    """Exclusive end of the contract's life; None when it runs on past the horizon."""
    term_ends: tuple[date, ...]
    """Ends of the initial term and each renewal, up to the horizon."""
    notice_deadlines: tuple[date, ...]
    """The last day to give notice before each term end (renewing contracts)."""
    versions: Mapping[str, tuple[Version, ...]]
    discounts: tuple[model.NamedDiscount, ...]


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
    """The timeline up to `until` (exclusive), the horizon of the schedule: the checker's terms over
    time (`contract.terms`), with indexation applied and the renewals up to the horizon."""
    terms = contract.terms
    assert terms is not None, "a checked contract has its terms"
    adjustments = sorted(
        (day, position, indexation)
        for position, indexation in enumerate(contract.indexations)
        for day in _adjustment_dates(indexation, until)
    )
    versions = {cid: _indexed(history, adjustments, indices) for cid, history in terms.versions}
    term, renewal, terminated = terms.term, terms.renewal, terms.terminated
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
        versions=versions,
        discounts=terms.discounts,
    )


Adjustment = tuple[date, int, model.Indexation]


def _indexed(
    history: tuple[model.Version, ...], adjustments: list[Adjustment], indices: Mapping[str, model.Index]
) -> tuple[Version, ...]:
    """A charge's agreed versions, cut again at each indexation adjustment of it.

    The price in force on a day is the price last agreed (on `priced_from`), compounded by each
    adjustment from that date on, each rounded; on one date the amendment comes first, so an amended
    price is itself indexed from that date. A missing index value blocks the price from its date on.
    """
    charge_id = next((v.charge.id for v in history if v.charge is not None), None)
    mine = [a for a in adjustments if charge_id in a[2].charges]
    if not mine:  # most charges: the agreed versions as they are
        return tuple(Version(v.start, v.charge, v.amendment, source=v.source) for v in history)
    starts = sorted({v.start for v in history} | {day for day, _, _ in mine})
    result: list[Version] = []
    for day in starts:
        agreed = next(v for v in reversed(history) if v.start <= day) if history[0].start <= day else None
        if agreed is None:
            continue
        if agreed.charge is None:
            result.append(Version(day, None, agreed.amendment, source=agreed.source))
            continue
        charge, note, blocked = agreed.charge, "", None
        base = _unit_price(charge.pricing)
        tiers = charge.pricing if isinstance(charge.pricing, model.TieredFee) else None
        indexed = base is not None or tiers is not None
        applied = [a for a in mine if agreed.priced_from <= a[0] <= day] if indexed else []
        price = base
        for when, _, indexation in applied:
            factor = index_change(indices.get(indexation.index), indexation, when.year)
            if isinstance(factor, str):
                blocked = factor
                break
            if tiers is not None:
                tiers = _indexed_tiers(tiers, factor)
            else:
                assert price is not None
                price = round_price(price * (1 + factor))
            month = MONTH_NAMES[indexation.compare_month - 1]
            note = f"indexed {factor * 100:+.2f}% on {when} ({indexation.index}, {month})"
        if price is not None and price != base and blocked is None:
            charge = attrs.evolve(charge, pricing=repriced(charge.pricing, price) or charge.pricing)
        if tiers is not None and tiers != charge.pricing and blocked is None:
            charge = attrs.evolve(charge, pricing=tiers)
        own = day == agreed.start
        source = agreed.source if own else next((x.span for w, _, x in reversed(applied) if w == day), None)
        result.append(Version(day, charge, agreed.amendment if own else None, note, blocked, source=source))
    return tuple(result)


def _indexed_tiers(fee: model.TieredFee, factor: Decimal) -> model.TieredFee:
    """Tiers on a quantity indexed: every tier's price and flat amount times `1 + factor`, each rounded as an
    indexed price is; the bounds stay."""
    rows = tuple(
        attrs.evolve(row, price=round_price(row.price * (1 + factor)), flat=round_price(row.flat * (1 + factor)))
        for row in fee.tiers
    )
    return attrs.evolve(fee, tiers=rows)


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
