"""Lowering a contract to its billing schedule: every billable line up to a horizon,
each with its identity, billing date, VAT and the pieces of its period.

Pure data out. Recurring and one-time lines carry their exact (unrounded)
amount; usage lines, discounts and minimum true-ups are priced by `price.py`
once usage totals are known. Amounts are rounded only on the invoice line.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import TypeVar

import attrs

from compiler import model, vat
from compiler.billing.lines import (
    MINIMUM,
    PREPAID,
    BillableLine,
    DiscountLine,
    DrawdownLine,
    LineId,
    MinimumLine,
    OneTimeLine,
    Piece,
    PrepaidLine,
    RecurringLine,
    Tax,
    UsageLine,
    UsagePiece,
    service_end,
    service_start,
)
from compiler.billing.periods import Period, billing_periods, split
from compiler.billing.pricing import recurring_terms, tiered_fee
from compiler.billing.proration import PRICE_MONTHS, prorate, unit_months, whole_cycle
from compiler.billing.timeline import Timeline, Version, build
from compiler.calendar import add_duration, add_months
from compiler.money import round_exact
from compiler.terms import term_after
from dsl.ast import VatCategory
from dsl.span import Span

ZERO = Decimal(0)
MONTHLY = model.Billing(months=1, cycle="monthly", timing="advance")
MINIMUM_LABEL = "Minimumsforpliktelse, etterberegning"
PREPAID_LABEL = "Forhåndsbetalt kreditt"
DRAWDOWN_LABEL = "Trekk fra forhåndsbetalt kreditt"
KIND_ORDER = {"prepaid": 0, "recurring": 1, "one_time": 2, "usage": 3, "discount": 4, "drawdown": 5, "minimum": 6}


@attrs.frozen(kw_only=True)
class BillingSchedule:
    contract: str
    currency: str
    start: date
    end: date | None
    horizon: date
    term_ends: tuple[date, ...]
    notice_deadlines: tuple[date, ...]
    lines: tuple[BillableLine, ...]
    charge_ids: frozenset[str]
    """Every charge the contract has at any time, and `minimum` when it has one."""
    discount_ids: frozenset[str]
    billed_elsewhere: tuple[BillableLine, ...] = ()
    """The lines (or the parts of periods) that the old billing invoiced, through `cutover`: shown in
    schedules and counted in revenue, never billed; not part of `lines`, so nothing that bills sees them."""
    cutover: date | None = None
    """The contract's `billed_through` day; None without a cut-over."""


def lower(
    contract: model.Contract, indices: Mapping[str, model.Index], until: date, since: date | None = None
) -> BillingSchedule:
    """The contract's billing schedule for everything before `until`.

    With `since`, only the lines billed after it (billing date > since): the rest is known settled.
    With a cut-over (`billed_through`), what the old billing invoiced is kept apart, in
    `billed_elsewhere`: a period billed in advance that began by the cut-over is the old billing's whole
    (it was invoiced when it began); one billed in arrears, and usage, is split at the cut-over by days,
    as an amendment splits it, and only its part from the cut-over's first day on is Avtale's to bill.
    """
    if since is not None and carries_balance(contract):
        since = None  # a period's price depends on the periods before it: lower (and price) them all
    timeline = build(contract, indices, until)
    cut = contract.cutover.first_day if contract.cutover is not None else None
    lines: list[BillableLine] = []
    elsewhere: list[BillableLine] = []
    for versions in timeline.versions.values():
        ours, theirs = _charge_lines(contract, versions, timeline.end, until, since, cut)
        lines += ours
        elsewhere += theirs
    lines += _discount_lines(contract, timeline, lines)
    elsewhere += _discount_lines(contract, timeline, elsewhere)
    for line in _minimum_lines(contract, timeline.end, until, cut):
        (elsewhere if cut is not None and line.id.period_end <= cut else lines).append(line)
    if contract.prepaid is not None:
        ours, theirs = _prepaid_lines(contract, contract.prepaid, timeline.end, until, cut, lines, elsewhere)
        lines += ours
        elsewhere += theirs
    order = {c.id: i for i, c in enumerate(contract.charges)}

    def reading(ln: BillableLine) -> tuple[object, ...]:
        return (
            ln.billing_date,
            ln.id.period_start,
            order.get(ln.id.charge, len(order)),
            ln.id.charge,
            KIND_ORDER[ln.id.kind],
            ln.id.discount,
            ln.tax.category,
        )

    lines.sort(key=reading)
    elsewhere.sort(key=reading)
    charge_ids = set(timeline.versions)
    if contract.minimum is not None:
        charge_ids.add(MINIMUM)
    if contract.prepaid is not None:
        charge_ids.add(PREPAID)
    return BillingSchedule(
        contract=contract.id,
        currency=contract.currency,
        start=contract.start,
        end=timeline.end,
        horizon=until,
        term_ends=timeline.term_ends,
        notice_deadlines=timeline.notice_deadlines,
        lines=tuple(lines),
        charge_ids=frozenset(charge_ids),
        discount_ids=frozenset(d.id for d in timeline.discounts),
        billed_elsewhere=tuple(elsewhere),
        cutover=contract.cutover.through if contract.cutover is not None else None,
    )


def usage_lines(contract: model.Contract, indices: Mapping[str, model.Index], until: date) -> list[UsageLine]:
    """The usage lines `lower(contract, indices, until).lines` holds, in its order, lowering only the charges that
    are metered in some version: a charge's lines depend on its own versions and the contract's term, never on
    another charge. What a report asks the meter for is read from these (price.py `usage_line_requests`)."""
    terms = contract.terms
    assert terms is not None, "a checked contract has its terms"
    metered = tuple(
        (cid, history)
        for cid, history in terms.versions
        if any(v.charge is not None and isinstance(v.charge.pricing, model.UsageFee) for v in history)
    )
    if not metered:
        return []
    only = attrs.evolve(contract, terms=attrs.evolve(terms, versions=metered, discounts=()), minimum=None, prepaid=None)
    return [line for line in lower(only, indices, until).lines if isinstance(line, UsageLine)]


def carries_balance(contract: model.Contract) -> bool:
    """True when a line's price depends on other lines: a prepaid credit drawn down over the contract year,
    free units (shared by a period's lines, and rolled over), or a flat amount billed once in a period that
    nothing used. Such a contract is always lowered from its start (never `since`)."""
    if contract.prepaid is not None:
        return True
    terms = contract.terms
    versions = (v for _, history in terms.versions for v in history) if terms is not None else ()
    charges = [v.charge for v in versions if v.charge is not None] or list(contract.charges)
    return any(_per_period(c.pricing) for c in charges)


def _per_period(pricing: model.Pricing) -> bool:
    """Usage priced per billing period as a whole: free units, or a flat amount billed once when it is unused.
    The lines of one period (a VAT change splits it) are billed on different days and share them."""
    if not isinstance(pricing, model.UsageFee):
        return False
    return pricing.allowance is not None or (isinstance(pricing.rule, model.Tiered) and pricing.rule.flat_at_zero)


def _segments(versions: tuple[Version, ...], life_end: date | None) -> Iterator[tuple[date, date, Version]]:
    """Each version's [start, end): until the next version, or the contract's end."""
    last = life_end or date.max
    for i, version in enumerate(versions):
        end = min(versions[i + 1].start if i + 1 < len(versions) else last, last)
        if version.charge is not None and version.start < end:
            yield version.start, end, version


def _tax(charge: model.Charge, day: date) -> Tax:
    return _tax_in_month(charge.vat.category, day.year, day.month)


@functools.lru_cache(maxsize=4096)
def _tax_in_month(category: VatCategory, year: int, month: int) -> Tax:
    """Rates change by law on the first of a month (compiler/vat.py), so a month has one rate."""
    return Tax(category, vat.rate(category, date(year, month, 1)))


def _charge_lines(
    contract: model.Contract,
    versions: tuple[Version, ...],
    life_end: date | None,
    until: date,
    since: date | None,
    cut: date | None,
) -> tuple[list[BillableLine], list[BillableLine]]:
    """The charge's lines Avtale bills, and those the old billing did (before `cut`)."""
    segments = list(_segments(versions, life_end))
    if not segments:
        return [], []
    first = segments[0][2].charge
    assert first is not None
    if isinstance(first.pricing, model.OneTimeFee):
        once = [ln for ln in _one_time(contract, segments, until) if since is None or ln.billing_date > since]
        return [ln for ln in once if cut is None or ln.billing_date >= cut], [
            ln for ln in once if cut is not None and ln.billing_date < cut
        ]
    trial_end = _trial_end(segments[0][0], first)
    billing = first.billing or MONTHLY
    anchor_day = contract.anchor_day or contract.start.day
    # a period is cut where a version starts and where one ends without a successor (a removal)
    cuts = [day for start, end, _ in segments for day in (start, end)] + ([trial_end] if trial_end else [])
    in_advance = billing.timing == "advance" and not isinstance(first.pricing, model.UsageFee)
    if cut is not None and not in_advance:
        cuts.append(cut)  # what is billed in arrears was billed up to the cut-over, and from it on here
    only = segments[0][2] if len(segments) == 1 else None  # most charges never change
    # a gauge is metered month by month of the billing grid: a level times a month, summed, whatever the cycle
    by_month = billing.months > 1 and any(_is_level(v.charge) for _, _, v in segments)
    lines: list[BillableLine] = []
    elsewhere: list[BillableLine] = []
    periods = billing_periods(contract.start, life_end, billing.months, contract.anchor_day, until, since)
    for period in periods:
        if since is not None and period.end <= since:
            continue  # every line of the period was billed by `since`
        fixed: dict[Tax, list[tuple[Piece, Version]]] = {}
        metered: dict[Tax, list[UsagePiece]] = {}
        grid = _grid(period, billing.months, anchor_day) if by_month else []
        for stretch in split(period, cuts + grid if grid else cuts):
            found = only if only is not None else next((v for s, e, v in segments if s <= stretch.start < e), None)
            if only is not None and not segments[0][0] <= stretch.start < segments[0][1]:
                found = None
            if found is None or (trial_end is not None and stretch.start < trial_end):
                continue
            charge = found.charge
            assert charge is not None
            tax = _tax(charge, stretch.start)
            source = found.source or charge.span
            if isinstance(charge.pricing, model.UsageFee):
                metered.setdefault(tax, []).append(
                    UsagePiece(
                        start=stretch.start,
                        end=stretch.end,
                        metric=charge.pricing.metric,
                        rule=charge.pricing.rule,
                        amendment=found.amendment,
                        source=source,
                        allowance=charge.pricing.allowance,
                        months=_months(billing.months, period, stretch, anchor_day) if charge.pricing.level else None,
                    )
                )
            else:
                piece = _piece(charge, billing, period, stretch, anchor_day, found, source)
                fixed.setdefault(tax, []).append((piece, found))
        ident = LineId(contract.id, "recurring", first.id, "", period.cycle_start, period.cycle_end)
        for tax, all_pieces in fixed.items():
            if in_advance:
                groups = _advance_at_cut(all_pieces, cut, lines, elsewhere, contract, period)
            else:
                groups = [(found, into, None) for found, into in _at_cut(all_pieces, _end, cut, lines, elsewhere)]
            for found_pieces, into, refused in groups:
                pieces = tuple(p for p, _ in found_pieces)
                if into is lines and len(found_pieces) < len(all_pieces) and contract.cutover is not None:
                    # the rest of a period the old billing started: say why it starts where it does
                    through = f"billed elsewhere through {contract.cutover.through}"
                    first_note = "; ".join(n for n in (through, pieces[0].note) if n)
                    pieces = (attrs.evolve(pieces[0], note=first_note), *pieces[1:])
                last = found_pieces[-1][1].charge
                assert last is not None
                # in advance: from its first day; in arrears: when its last piece ends (the period's end, or a
                # removal inside it: a service that has ended is billed then, as a terminated one is)
                billed_on = pieces[0].start if billing.timing == "advance" else pieces[-1].end
                if since is not None and billed_on <= since:
                    continue
                into.append(
                    RecurringLine(
                        id=ident,
                        tax=tax,
                        label=last.label,
                        billing_date=billed_on,
                        pieces=pieces,
                        span=last.span,
                        blocked=refused or next((v.blocked for _, v in found_pieces if v.blocked), None),
                    )
                )
        for tax, every_piece in metered.items():
            for usage_pieces, into in _at_cut(every_piece, lambda piece: piece.end, cut, lines, elsewhere):
                if since is not None and usage_pieces[-1].end <= since:
                    continue
                into.append(
                    UsageLine(
                        id=ident._replace(kind="usage"),
                        tax=tax,
                        label=first.label,
                        billing_date=usage_pieces[-1].end,
                        pieces=tuple(usage_pieces),
                        span=first.span,
                    )
                )
    return lines, elsewhere


P = TypeVar("P")


def _end(found: tuple[Piece, Version]) -> date:
    return found[0].end


def _advance_at_cut(
    pieces: list[tuple[Piece, Version]],
    cut: date | None,
    ours: list[BillableLine],
    theirs: list[BillableLine],
    contract: model.Contract,
    period: Period,
) -> list[tuple[list[tuple[Piece, Version]], list[BillableLine], str | None]]:
    """A period billed in advance, with where its line goes. One that began before the cut-over was invoiced
    whole by the old billing when it began, so it is the old billing's, whole. A change that takes effect
    inside it after the cut-over (an amendment, an indexation) would be billed as a correction of that
    invoice, which Avtale does not have: its line is blocked, with the reason, and the run refuses."""
    if cut is None or pieces[0][0].start >= cut:
        return [(pieces, ours, None)]
    before = [p for p in pieces if p[0].start < cut]
    later = [p for p in pieces if p[0].start >= cut]
    if not later:
        return [(pieces, theirs, None)]
    piece, version = later[0]
    what = f"amendment {version.amendment}" if version.amendment is not None else "a new price"
    last_day = period.cycle_end - timedelta(days=1)
    assert contract.cutover is not None
    reason = (
        f"{what} changes this charge from {piece.start}, inside the period {period.cycle_start} – {last_day} that the "
        f"old billing invoiced in advance before the cut-over ({contract.cutover.through}); Avtale does not have that "
        f"invoice to correct: invoice the change for the rest of the period by hand, then set the contract's "
        f"`billed_through {last_day}`"
    )
    return [(before, theirs, None), (later, ours, reason)]


def _at_cut(
    pieces: list[P], end_of: Callable[[P], date], cut: date | None, ours: list[BillableLine], theirs: list[BillableLine]
) -> Iterator[tuple[list[P], list[BillableLine]]]:
    """A period's pieces (already split at the cut-over's first day) with where their line goes: those ending
    by `cut` to the old billing's lines, the rest to Avtale's; each side only when it has pieces."""
    if cut is None:
        yield pieces, ours
        return
    before = [p for p in pieces if end_of(p) <= cut]
    after = [p for p in pieces if end_of(p) > cut]
    if before:
        yield before, theirs
    if after:
        yield after, ours


def _piece(
    charge: model.Charge,
    billing: model.Billing,
    period: Period,
    stretch: Period,
    anchor_day: int,
    version: Version,
    source: Span,
) -> Piece:
    price, per, quantity = recurring_terms(charge)
    unit = unit_months(billing.months, PRICE_MONTHS[per])
    per_unit = _per_unit(price, quantity, unit, PRICE_MONTHS[per])
    if stretch.start == period.cycle_start and stretch.end == period.cycle_end:
        proration = whole_cycle(billing.months, unit)  # most lines: no day counting
        exact = per_unit * proration.whole
    else:
        proration = prorate(stretch.start, stretch.end, period.cycle_start, unit, anchor_day)
        exact = per_unit * proration.fraction
    note = version.note
    if isinstance(charge.pricing, model.TieredFee):  # the tier arithmetic behind the price, for the explanation
        note = "; ".join(n for n in (tiered_fee.arithmetic(charge), note) if n)
    return Piece(
        start=stretch.start,
        end=stretch.end,
        quantity=quantity,
        price=price,
        per=per,
        proration=proration,
        exact=exact,
        amendment=version.amendment,
        note=note,
        source=source,
    )


def _is_level(charge: model.Charge | None) -> bool:
    return charge is not None and isinstance(charge.pricing, model.UsageFee) and charge.pricing.level


def _grid(period: Period, cycle_months: int, anchor_day: int) -> list[date]:
    """The month boundaries inside a cycle, on the grid proration counts months on (compiler/billing/proration.py)."""
    base = period.cycle_start.replace(day=1)
    return [add_months(base, step, anchor_day) for step in range(1, cycle_months)]


def _months(cycle_months: int, period: Period, stretch: Period, anchor_day: int) -> Fraction:
    """The months of the billing grid that a stretch covers: a whole cycle its months, part of one by days.
    A gauge's stretches lie inside one month of the grid each (`_grid`), so this is 1 or a month's part."""
    if stretch.start == period.cycle_start and stretch.end == period.cycle_end:
        return Fraction(cycle_months)
    return prorate(stretch.start, stretch.end, period.cycle_start, 1, anchor_day).fraction


@functools.lru_cache(maxsize=65536)
def _per_unit(price: Decimal, quantity: Decimal, unit: int, price_months: int) -> Fraction:
    """What one unit of proration bills: price x quantity x unit / price months, exactly. Cached: most
    charges bill the same price and quantity period after period."""
    return Fraction(price) * Fraction(quantity) * unit / price_months


def _trial_end(start: date, charge: model.Charge) -> date | None:
    if charge.trial is None:
        return None
    if charge.trial.unit == "day":
        return start + timedelta(days=charge.trial.count)
    return add_months(start, charge.trial.count * (12 if charge.trial.unit == "year" else 1))


def _one_time(contract: model.Contract, segments: list[tuple[date, date, Version]], until: date) -> list[BillableLine]:
    start, _, version = segments[0]
    charge = version.charge
    assert charge is not None and isinstance(charge.pricing, model.OneTimeFee)
    day = charge.pricing.on or start
    alive = next((v for s, e, v in segments if s <= day < e), None)
    if alive is None or alive.charge is None or day >= until:
        return []
    pricing = alive.charge.pricing
    assert isinstance(pricing, model.OneTimeFee)
    return [
        OneTimeLine(
            id=LineId(contract.id, "one_time", charge.id, "", day, day + timedelta(days=1)),
            tax=_tax(alive.charge, day),
            label=alive.charge.label,
            billing_date=day,
            amount=pricing.amount,
            amendment=alive.amendment,
            span=alive.source or alive.charge.span,
        )
    ]


def _discount_lines(contract: model.Contract, timeline: Timeline, lines: list[BillableLine]) -> list[BillableLine]:
    found: list[BillableLine] = []
    for named in timeline.discounts:
        discount = named.discount
        window_start = discount.start or date.min
        window_end = discount.until or date.max
        for line in lines:
            if line.id.charge not in discount.charges or line.id.kind not in ("recurring", "one_time", "usage"):
                continue
            if max(service_start(line), window_start) >= min(service_end(line), window_end):
                continue
            found.append(
                DiscountLine(
                    id=line.id._replace(kind="discount", discount=named.id),
                    tax=line.tax,
                    label=f"{discount.label} ({_percent(discount.percent)} av {line.label})",
                    billing_date=line.billing_date,
                    percent=discount.percent,
                    base=line.id,
                    window_start=window_start,
                    window_end=window_end,
                    amendment=discount.amendment,
                    span=discount.span,
                )
            )
    return found


def _minimum_lines(contract: model.Contract, life_end: date | None, until: date, cut: date | None) -> list[MinimumLine]:
    """A true-up at the end of each whole contract year that ends by the horizon; the year running
    across the cut-over counts what the old billing invoiced in it."""
    counted = contract.cutover.toward_minimum if contract.cutover is not None else None
    if contract.minimum is None:
        return []
    treatment = contract.minimum_vat or model.Vat(category="standard")
    span = contract.minimum_span or contract.span
    lines: list[MinimumLine] = []
    year = 0
    while True:
        start = add_months(contract.start, 12 * year)
        end = add_months(contract.start, 12 * (year + 1))
        if end > until or (life_end is not None and end > life_end):
            return lines
        lines.append(
            MinimumLine(
                id=LineId(contract.id, "minimum", MINIMUM, "", start, end),
                tax=Tax(treatment.category, vat.rate(treatment.category, start)),
                label=MINIMUM_LABEL,
                billing_date=end,
                minimum=contract.minimum,
                span=span,
                billed_elsewhere=counted if counted is not None and cut is not None and start < cut < end else ZERO,
            )
        )
        year += 1


def _prepaid_lines(
    contract: model.Contract,
    prepaid: model.Prepaid,
    life_end: date | None,
    until: date,
    cut: date | None,
    lines: list[BillableLine],
    elsewhere: list[BillableLine],
) -> tuple[list[BillableLine], list[BillableLine]]:
    """Each contract year's credit, billed in advance on its first day, and a drawdown line beside every usage
    line of a named charge, for the year its service starts in; the old billing's years (before the cut-over,
    E0523 keeps it on a year's boundary) and their drawdowns apart.

    A year that the term's end cuts short (term 18 months: the second year has 6) is a shorter year: its
    credit is the yearly amount x its days / the whole year's days, rounded once to the currency, and its
    period ends with the term. A term an amendment signed after the year's first day (when the credit is
    invoiced) shortens does not cut the year, nor does a termination: none of the year's credit is refunded;
    a term such an amendment extends (a late renewal) makes the year whole (`_term_end`)."""
    ours: list[BillableLine] = []
    theirs: list[BillableLine] = []
    year = 0
    while True:
        start = add_months(contract.start, 12 * year)
        if start >= until or (life_end is not None and start >= life_end):
            break
        whole = add_months(contract.start, 12 * (year + 1))
        term_end = _term_end(contract, start)
        end = min(whole, term_end) if term_end is not None else whole
        if end <= start:
            break  # the term ended: no year to buy credit for
        amount = prepaid.amount
        if end < whole:
            share = Fraction(prepaid.amount) * (end - start).days / (whole - start).days
            amount = round_exact(share, contract.currency)
        line = PrepaidLine(
            id=LineId(contract.id, "prepaid", PREPAID, "", start, end),
            tax=Tax(prepaid.vat.category, vat.rate(prepaid.vat.category, start)),
            label=PREPAID_LABEL,
            billing_date=start,
            amount=amount,
            span=prepaid.span,
        )
        (theirs if cut is not None and start < cut else ours).append(line)
        year += 1
    named = set(prepaid.charges)
    for found, into in ((lines, ours), (elsewhere, theirs)):
        for usage in found:
            if not isinstance(usage, UsageLine) or usage.id.charge not in named:
                continue
            first, following = _contract_year(contract.start, service_start(usage))
            term_end = _term_end(contract, first)
            following = min(following, term_end) if term_end is not None else following
            into.append(
                DrawdownLine(
                    id=usage.id._replace(kind="drawdown"),
                    tax=usage.tax,
                    label=DRAWDOWN_LABEL,
                    billing_date=usage.billing_date,
                    base=usage.id,
                    year=LineId(contract.id, "prepaid", PREPAID, "", first, following),
                    span=prepaid.span,
                )
            )
    return ours, theirs


def _contract_year(start: date, day: date) -> tuple[date, date]:
    """The contract year [first, following) that `day` falls in."""
    year = max(0, day.year - start.year - 1)
    while add_months(start, 12 * (year + 1)) <= day:
        year += 1
    return add_months(start, 12 * year), add_months(start, 12 * (year + 1))


def _term_end(contract: model.Contract, known_on: date) -> date | None:
    """The day after the last day of a term that is not renewed, for a contract year that begins on `known_on`:
    the later of the term the contract and the amendments signed by then state, and the term in the end, so that
    an amendment signed later may extend the year (a late renewal) but never shorten what was invoiced. None
    when either runs on (renews), and a termination aside: it ends the contract, not the term."""
    ends = []
    for amendments in (
        (a for a in contract.amendments if a.signed <= known_on),
        contract.amendments,
    ):
        term, renewal = term_after(contract, amendments)
        if term is None or renewal.kind != "none":
            return None
        ends.append(add_duration(contract.start, term))
    return max(ends)


def _percent(value: Decimal) -> str:
    return f"{value.normalize():f} %".replace(".", ",")
