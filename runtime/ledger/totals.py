"""Document totals per EN 16931: the one place invoice and credit-note totals are computed.

The order is fixed by the standard (BR-CO-10, BR-CO-13..17): round each line's
net amount; sum the rounded lines per VAT category and rate; round each group's
VAT once; every total is a sum of rounded figures. Rounding is commercial
(ROUND_HALF_UP) to the currency's minor unit (compiler/money.py), at these
points only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Protocol

import attrs

from compiler.money import allocate, round_money

ZERO = Decimal(0)
HUNDRED = Decimal(100)

# The order VAT groups are listed in, as on a Norwegian invoice: highest rate first.
VAT_CATEGORIES = ("standard", "medium", "low", "zero", "exempt", "reverse_charge", "outside")


def plain_rate(rate: Decimal) -> Decimal:
    """One spelling per rate (25, 25.0 and 25.00 are one group, shown as 25), without exponents."""
    return Decimal(format(rate.normalize(), "f")) if rate else Decimal(0)


class TaxableLine(Protocol):
    @property
    def net_amount(self) -> Decimal: ...

    @property
    def vat_category(self) -> str: ...

    @property
    def vat_rate(self) -> Decimal: ...


@attrs.frozen(kw_only=True)
class VatGroup:
    category: str
    rate: Decimal
    taxable: Decimal
    vat: Decimal


@attrs.frozen(kw_only=True)
class Totals:
    groups: tuple[VatGroup, ...]
    net: Decimal
    vat: Decimal
    gross: Decimal


def _group_order(key: tuple[str, Decimal]) -> tuple[int, str, Decimal]:
    category, rate = key
    known = VAT_CATEGORIES.index(category) if category in VAT_CATEGORIES else len(VAT_CATEGORIES)
    return known, category, -rate


def compute_totals(lines: Iterable[TaxableLine], currency: str) -> Totals:
    """Totals of a document's lines; groups ordered by category (as VAT_CATEGORIES), then rate descending."""
    taxable: dict[tuple[str, Decimal], Decimal] = {}
    for line in lines:
        key = (line.vat_category, plain_rate(line.vat_rate))
        taxable[key] = taxable.get(key, ZERO) + round_money(line.net_amount, currency)
    groups = tuple(
        VatGroup(
            category=category,
            rate=rate,
            taxable=round_money(amount, currency),
            vat=round_money(amount * rate / HUNDRED, currency),
        )
        for (category, rate), amount in sorted(taxable.items(), key=lambda item: _group_order(item[0]))
    )
    net = round_money(sum((g.taxable for g in groups), ZERO), currency)
    vat = round_money(sum((g.vat for g in groups), ZERO), currency)
    return Totals(groups=groups, net=net, vat=vat, gross=round_money(net + vat, currency))


def line_vat(lines: Sequence[TaxableLine], totals: Totals, currency: str) -> list[Decimal]:
    """Each line's share of its VAT group's VAT, so that the shares of a group sum exactly to it.

    VAT is rounded once per group (above), so a line has no VAT of its own; an export that
    lists VAT per line splits each group's VAT in proportion to the lines' net amounts, by
    largest remainder (`allocate`). Lines below zero (a discount) carry the VAT of their own
    sum, rounded, and the rest of the group's VAT is split over the others: proportions of
    amounts with mixed signs would not be shares.
    """
    shares = [ZERO] * len(lines)
    for group in totals.groups:
        members = [
            i
            for i, line in enumerate(lines)
            if line.vat_category == group.category and plain_rate(line.vat_rate) == group.rate
        ]
        below = [i for i in members if lines[i].net_amount < 0]
        rest = [i for i in members if lines[i].net_amount >= 0]
        below_vat = round_money(sum((lines[i].net_amount for i in below), ZERO) * group.rate / HUNDRED, currency)
        for part, total in ((below, below_vat), (rest, group.vat - below_vat)):
            weights = [abs(lines[i].net_amount) for i in part]
            for i, share in zip(part, allocate(total, weights, currency), strict=True):
                shares[i] = share
    return shares
