"""Shared pieces of contract terms: durations, renewal, term end, discounts and
the `quantity`/`price` changes that plan overrides and amendments both make."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

import attrs

from compiler import model
from compiler.calendar import add_duration
from compiler.charges import check_duration, check_not_negative, check_percent
from dsl import ast
from dsl.diagnostics import Diagnostic, error
from dsl.span import Span


def renewal_of(stmt: ast.RenewStmt | ast.EvergreenStmt | ast.NoRenewalStmt | None) -> model.Renewal:
    if isinstance(stmt, ast.RenewStmt):
        return model.Renewal(kind="renew", length=duration(stmt.length), notice=duration(stmt.notice))
    if isinstance(stmt, ast.EvergreenStmt):
        return model.Renewal(kind="evergreen", notice=duration(stmt.notice))
    return model.Renewal(kind="none")


def duration(d: ast.Duration) -> model.Duration:
    return model.Duration(count=d.count, unit=d.unit)


def end_of_term(start: date, term: model.Duration | None, span: Span, sink: list[Diagnostic]) -> date | None:
    if term is None:
        return None
    try:
        return add_duration(start, term)
    except (ValueError, OverflowError):
        sink.append(
            error(
                "E0513",
                "this term runs past the year 9999",
                span,
                label="too long",
                help="write the term in months or years a calendar can hold, such as `term 36 months`",
            )
        )
        return None


def check_renewal(stmt: ast.RenewStmt | ast.EvergreenStmt | ast.NoRenewalStmt | None, sink: list[Diagnostic]) -> None:
    if isinstance(stmt, ast.RenewStmt):
        check_duration(stmt.length, "a renewal", sink)
        check_duration(stmt.notice, "a notice period", sink, allow_zero=True)
    elif isinstance(stmt, ast.EvergreenStmt):
        check_duration(stmt.notice, "a notice period", sink, allow_zero=True)


def check_discount(stmt: ast.DiscountStmt, start: date | None, end: date | None, sink: list[Diagnostic]) -> None:
    """Percentage in range; window non-empty and inside [start, end] of the term."""
    check_percent(stmt.percent, "a discount", stmt.span, sink, allow_zero=False)
    if stmt.start is not None and stmt.until is not None and stmt.until <= stmt.start:
        sink.append(
            error(
                "E0506",
                "this discount's window is empty",
                stmt.span,
                label=f"until {stmt.until} is not after from {stmt.start}",
                help="`until` is the first day without the discount; it must come after `from`",
            )
        )
    first = stmt.start
    if start is not None and first is not None and first < start:
        sink.append(
            error(
                "E0503",
                "the discount window starts before the contract",
                stmt.span,
                label=f"{first} is before the start date {start}",
                help=f"let the window begin on or after {start}",
            )
        )
    if end is not None and first is not None and first >= end:
        sink.append(
            error(
                "E0503",
                "the discount window starts after the term ends",
                stmt.span,
                label=f"{first} is on or after the end of the term ({end})",
                help=f"let the window begin before {end}",
            )
        )
    if end is not None and stmt.until is not None and stmt.until > end:
        sink.append(
            error(
                "E0503",
                "the discount window runs past the end of the term",
                stmt.span,
                label=f"until {stmt.until} is after the term ends ({end})",
                help=f"end the window on or before {end}; an amendment can extend it when the term is extended",
            )
        )


def check_charge_dates(charge: model.Charge, start: date | None, end: date | None, sink: list[Diagnostic]) -> None:
    """A one-time fee's date and revenue dates must fall inside the term."""
    dates: list[date] = []
    if isinstance(charge.pricing, model.OneTimeFee) and charge.pricing.on is not None:
        dates.append(charge.pricing.on)
    if charge.revenue.on is not None:
        dates.append(charge.revenue.on)
    dates += [on for on, _ in charge.revenue.milestones]
    for day in dates:
        if (start is not None and day < start) or (end is not None and day >= end):
            sink.append(
                error(
                    "E0515",
                    f"charge `{charge.id}` has a date outside the contract's term",
                    charge.span,
                    label=f"{day} is outside {start} to {end or 'the end'}",
                    help="move the date inside the term, or extend the term",
                )
            )
            return


def discount_of(stmt: ast.DiscountStmt) -> model.Discount:
    return model.Discount(
        label=stmt.label,
        percent=stmt.percent,
        charges=tuple(r.name for r in stmt.charges),
        start=stmt.start,
        until=stmt.until,
        span=stmt.span,
    )


def apply_set(charge: model.Charge, change: ast.ChargeSet, sink: list[Diagnostic]) -> model.Charge:
    """A charge with `quantity` and `price` changes applied, checking that they fit it."""
    for item in change.items:
        if isinstance(item, ast.QuantityStmt):
            check_not_negative(item.quantity, "a quantity", item.span, sink)
            if not isinstance(charge.pricing, model.PerUnitFee | model.TieredFee):
                sink.append(
                    error(
                        "E0509",
                        f"charge `{charge.id}` is not priced per unit",
                        item.span,
                        label="a quantity does not apply",
                        help="only `per_unit` charges have a quantity; change the price with `price AMOUNT`",
                    )
                )
                continue
            charge = attrs.evolve(charge, quantity=item.quantity)
        else:
            check_not_negative(item.price, "a price", item.span, sink)
            pricing = repriced(charge.pricing, item.price)
            if pricing is None:
                sink.append(
                    error(
                        "E0511",
                        f"charge `{charge.id}` has no single price to override",
                        item.span,
                        label="tiered and percentage prices have several figures",
                        help="give the contract its own charge with the tiers or percentage it should have",
                    )
                )
                continue
            charge = attrs.evolve(charge, pricing=pricing)
    return charge


def repriced(pricing: model.Pricing, price: Decimal) -> model.Pricing | None:
    if isinstance(pricing, (model.FlatFee, model.OneTimeFee)):
        return attrs.evolve(pricing, amount=price)
    if isinstance(pricing, model.PerUnitFee):
        return attrs.evolve(pricing, price=price)
    if isinstance(pricing, model.UsageFee) and isinstance(pricing.rule, (model.UnitRate, model.Package)):
        return attrs.evolve(pricing, rule=attrs.evolve(pricing.rule, price=price))
    return None


def term_after(
    contract: model.Contract, amendments: Iterable[model.Amendment]
) -> tuple[model.Duration | None, model.Renewal]:
    """The contract's term and renewal once `amendments` (some of its own, in their order) have changed them."""
    term, renewal = contract.term, contract.renewal
    for amendment in amendments:
        for change in amendment.changes:
            if isinstance(change, model.ChangeTerm):
                term = change.term
            elif isinstance(change, model.ChangeRenewal):
                renewal = change.renewal
    return term, renewal
