"""Included units (`included N [rollover max M]`): free units that come off a period's metered total
before the usage rule prices the rest.

Each billing period of the charge includes N units, whole, also when the period is short. The
pieces of a period (an amendment splits it, and a VAT change splits it into lines) use them up in
date order; a piece priced under a version that includes N' units may use N' less what earlier
pieces of the period used, so an amendment that changes N counts from the period it takes effect
in. What the rule prices is the rest, from zero: graduated tiers start at the first billable unit.
Volume tiers are the exception that keeps free units from ever costing money: the tier is the one
the metered total falls in, and the billable units pay its price (plus its flat amount).

A piece whose metered total is below zero (a metric with `negative allowed`) uses no free units
and gives none back: the rule prices it as it would without included units.

With `rollover max M`, what is left of the included and carried-in units at the end of a period
carries into the next period of the same charge, never more than M (price.py keeps the balance
from one period to the next).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import attrs

from compiler import model
from compiler.billing.pricing import price_usage
from compiler.billing.pricing.base import ZERO, Priced, unused_flat
from compiler.billing.pricing.volume import at_tier, tier_of


@attrs.frozen
class Metered:
    """One piece of a period: its metered total, its rule and the allowance of its version."""

    total: Decimal
    rule: model.UsageRule
    allowance: model.Allowance | None


@attrs.frozen
class Free:
    """The free units of a period so far: the included units its earlier pieces used, and what is left
    of the units carried into it."""

    used: Decimal
    carried: Decimal


def price_period(pieces: Sequence[Metered], carried_in: Decimal) -> tuple[list[Priced | None], Decimal]:
    """Each piece of a whole period priced with its free units (see `price_pieces`), and the units carried
    out of the period."""
    found, left = price_pieces(pieces, Free(ZERO, carried_in))
    prices = [None if f is None else f[0] for f in found]
    return prices, carried_out(left, pieces[-1].allowance if pieces else None)


def price_pieces(pieces: Sequence[Metered], free: Free) -> tuple[list[tuple[Priced, Decimal] | None], Free]:
    """Each piece's price and billable units with the period's free units used in date order, from `free`
    on (None for a piece whose version includes nothing: it is priced as usual), and the free units after
    the last piece."""
    used, carried = free.used, free.carried
    found: list[tuple[Priced, Decimal] | None] = []
    for piece in pieces:
        allowance = piece.allowance
        if allowance is None:
            found.append(None)
            continue
        included = max(ZERO, allowance.units - used)
        # a total below zero (`negative allowed`) takes no free units: never more left than there was
        from_included = min(max(ZERO, piece.total), included)
        from_carried = min(max(ZERO, piece.total - from_included), carried)
        words = [f"{piece.total:f} used", _included_words(included, allowance.units)]
        if carried:
            words.append(f"{carried:f} carried in")
        used += from_included
        carried -= from_carried
        billable = piece.total - from_included - from_carried
        priced = attrs.evolve(billed(billable, piece.total, piece.rule), prefix=", ".join(words) + ": ")
        found.append((priced, billable))
    return found, Free(used, carried)


def carried_out(free: Free, last: model.Allowance | None) -> Decimal:
    """What a period that ends with `free` left, under the allowance of its last piece, carries into the
    next: the included units left plus the carried units left, never more than the maximum; nothing
    without `rollover`."""
    if last is None or last.rollover_max is None:
        return ZERO
    return min(max(ZERO, last.units - free.used) + free.carried, last.rollover_max)


def billed(billable: Decimal, total: Decimal, rule: model.UsageRule) -> Priced:
    """The billable units priced by `rule` from zero; volume tiers at the tier of the metered total.
    No billable units bill nothing, or with `unused bills flat` the flat amount of the first tier (of
    the metered total's tier for volume tiers, which is the first when nothing was used)."""
    if isinstance(rule, model.Tiered) and rule.mode == "volume" and billable >= 0:
        lower, row = tier_of(total, rule.tiers)
        if billable > 0:
            return at_tier(billable, lower, row)
        return unused_flat(row, lower) if rule.flat_at_zero else Priced(ZERO, ())
    return price_usage(billable, rule)


def _included_words(left: Decimal, units: Decimal) -> str:
    return f"{units:f} included" if left == units else f"{left:f} of {units:f} included left"
