"""A reference biller: small, slow and obviously correct, sharing no code with the product.

It is a test oracle for bill runs. Given a checked workspace (the parser and the
checker are the only product code it relies on, through `compiler.model`), it
bills recurring `flat` and `per_unit` charges one day at a time, straight from
the rules in docs/billing.md:

- Periods are half-open. A month step keeps the anchor day and clamps it to the
  end of shorter months.
- The grid: anchor day A (the contract's `billing anchor`, else its start's day);
  F, the first anchor date on or after the start S; cycles of M months from F,
  and a first partial period [S, F) whose cycle is [F - M months, F).
- The life: from S to the term end (`no renewal`), or to a `terminate`
  amendment's effective date if earlier; open otherwise. A charge lives from S,
  or from the effective date of the amendment that adds it, until the life ends,
  or until the effective date of an amendment that removes it (the removal
  date cuts the period, as a termination does).
- Amendments apply from their effective date, in order; on one day the later
  number wins.
- Proration: price period P months, proration unit U = P when P divides M, else M.
  Units tile each cycle from its start. A day bills
  price x U / P x quantity / (days in its unit).
- A line is one charge's cycle: (contract, "recurring", charge, "", cycle start,
  cycle end). Its days are summed exactly per VAT category, then rounded
  HALF_UP to øre.
- In advance a line is due on its first billed day; in arrears on its period's
  end, min(cycle end, the charge's end). A run as of D bills every line due by D,
  whole.

Days are summed as exact fractions (`fractions.Fraction`), so that the one
rounding, per bucket, sees the exact amount: an amount of exactly half an øre
rounds up.

Anything else (trials, discounts, indexation, minimums, usage, one-time charges,
term or renewal changes) raises NotImplementedError rather than being
silently mis-billed.

It must not import from compiler.billing, compiler.calendar, compiler.money or
runtime.billing (a test checks this).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from compiler import model

ONE_DAY = timedelta(days=1)
PERIOD_MONTHS = {"month": 1, "quarter": 3, "year": 12}
VAT_RATES = {"standard": Decimal("25"), "exempt": Decimal("0")}

LineKey = tuple[str, str, str, str, date, date]
"""(contract, kind, charge, discount, cycle start, cycle end): equal to the product's LineId."""
Bucket = tuple[LineKey, str]
"""A line identity and a VAT category."""


# ------------------------------------------------------------------ months and days
def month_date(year: int, month: int, day: int) -> date:
    """`day` of the given month, clamped to its last day."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def plus_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def add_duration(day: date, duration: model.Duration) -> date:
    if duration.unit == "day":
        return day + timedelta(days=duration.count)
    months = duration.count * (12 if duration.unit == "year" else 1)
    return month_date(*plus_months(day.year, day.month, months), day.day)


def days(start: date, end: date) -> list[date]:
    """Every day of [start, end)."""
    result = []
    day = start
    while day < end:
        result.append(day)
        day += ONE_DAY
    return result


def round_half_up(amount: Fraction) -> Decimal:
    """Exactly to 0.01, halves away from zero."""
    cents = abs(amount) * 100
    whole = int(cents)  # floor, cents being >= 0
    if cents - whole >= Fraction(1, 2):
        whole += 1
    return Decimal(whole if amount >= 0 else -whole).scaleb(-2)


@dataclass(frozen=True)
class Grid:
    """The contract's anchor dates: `at(n)` is the anchor date n months after F."""

    anchor: int
    year: int
    month: int

    @staticmethod
    def of(contract: model.Contract) -> Grid:
        start = contract.start
        anchor = contract.anchor_day or start.day
        year, month = start.year, start.month
        if month_date(year, month, anchor) < start:
            year, month = plus_months(year, month, 1)
        return Grid(anchor, year, month)

    def at(self, months: int) -> date:
        return month_date(*plus_months(self.year, self.month, months), self.anchor)


# ------------------------------------------------------------------ a charge's days
@dataclass(frozen=True)
class Version:
    quantity: Fraction
    price: Fraction
    period: str
    vat: str


@dataclass(frozen=True)
class Life:
    start: date
    end: date | None
    """Exclusive; None while open."""

    def __contains__(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


@dataclass(frozen=True)
class ChargeHistory:
    """One recurring charge: its life, its grid, and the version in force on each day."""

    id: str
    months: int
    timing: str
    life: Life
    first: Version
    changes: tuple[tuple[date, model.Change], ...]
    """(effective, change) in the order they apply."""

    def version_on(self, day: date) -> Version:
        version = self.first
        for effective, change in self.changes:
            if effective > day:
                break
            if isinstance(change, model.SetQuantity):
                version = Version(Fraction(change.quantity), version.price, version.period, version.vat)
            elif isinstance(change, model.SetPrice):
                version = Version(version.quantity, Fraction(change.price), version.period, version.vat)
        return version


def first_version(charge: model.Charge) -> Version:
    if charge.trial is not None:
        raise NotImplementedError("the reference does not model trials")
    if charge.vat.category not in VAT_RATES:
        raise NotImplementedError(f"the reference does not model VAT {charge.vat.category}")
    pricing = charge.pricing
    if isinstance(pricing, model.FlatFee):
        return Version(Fraction(1), Fraction(pricing.amount), pricing.period, charge.vat.category)
    if isinstance(pricing, model.PerUnitFee):
        if charge.quantity is None:
            raise NotImplementedError("a per-unit charge without a quantity")
        return Version(Fraction(charge.quantity), Fraction(pricing.price), pricing.period, charge.vat.category)
    raise NotImplementedError(f"the reference does not model {type(pricing).__name__} charges")


def histories(contract: model.Contract) -> list[ChargeHistory]:
    if contract.discounts or contract.indexations or contract.minimum is not None:
        raise NotImplementedError("the reference does not model discounts, indexation or minimums")
    end: date | None = None
    if contract.renewal.kind == "none":
        if contract.term is None:
            raise NotImplementedError("no renewal without a term")
        end = add_duration(contract.start, contract.term)
    born: dict[str, tuple[date, model.Charge]] = {c.id: (contract.start, c) for c in contract.charges}
    removed: dict[str, date] = {}
    changes: dict[str, list[tuple[date, model.Change]]] = {c.id: [] for c in contract.charges}
    # Amendments in the order they apply: by effective date, then number; a later change
    # simply overwrites an earlier one when folded in this order.
    for amendment in sorted(contract.amendments, key=lambda a: (a.effective, a.number)):
        for change in amendment.changes:
            if isinstance(change, model.SetQuantity | model.SetPrice):
                changes[change.charge].append((amendment.effective, change))
            elif isinstance(change, model.AddCharge):
                if change.charge.id in born:
                    raise NotImplementedError("a charge added again under an id it had")
                born[change.charge.id] = (amendment.effective, change.charge)
                changes[change.charge.id] = []
            elif isinstance(change, model.RemoveCharge):
                removed[change.charge] = amendment.effective
            elif isinstance(change, model.Terminate):
                end = amendment.effective if end is None else min(end, amendment.effective)
            else:
                raise NotImplementedError(f"the reference does not model {type(change).__name__}")
    result = []
    for cid, (start, charge) in born.items():
        if charge.billing is None:
            raise NotImplementedError("one-time charges")
        stop = removed.get(cid, end)
        if stop is not None and end is not None:
            stop = min(stop, end)
        result.append(
            ChargeHistory(
                id=cid,
                months=charge.billing.months,
                timing=charge.billing.timing,
                life=Life(start, stop),
                first=first_version(charge),
                changes=tuple(changes[cid]),
            )
        )
    return result


# ------------------------------------------------------------------ lines
@dataclass(frozen=True)
class ReferenceLine:
    key: LineKey
    category: str
    rate: Decimal
    amount: Decimal
    """Rounded HALF_UP to 0.01; never zero."""
    due: date
    exact: Fraction


def charge_lines(contract: model.Contract, charge: ChargeHistory, until: date) -> list[ReferenceLine]:
    """The lines of every cycle of `charge` that starts before `until`, each whole."""
    grid = Grid.of(contract)
    cycle = charge.months
    lines: list[ReferenceLine] = []
    begins = -cycle  # months from F; the cycle before F holds the first partial period, if there is one
    while grid.at(begins) < until:
        cycle_start, cycle_end = grid.at(begins), grid.at(begins + cycle)
        sums: dict[str, Fraction] = {}
        billed: list[date] = []
        for day in days(cycle_start, cycle_end):
            if day not in charge.life:
                continue
            version = charge.version_on(day)
            period = PERIOD_MONTHS[version.period]
            unit = period if period <= cycle and cycle % period == 0 else cycle
            # the unit holding `day`: units tile the cycle from its start, `unit` months each
            offset = begins
            while grid.at(offset + unit) <= day:
                offset += unit
            unit_start, unit_end = grid.at(offset), grid.at(offset + unit)
            assert cycle_start <= unit_start <= day < unit_end <= cycle_end
            per_day = version.price * unit / period * version.quantity / (unit_end - unit_start).days
            sums[version.vat] = sums.get(version.vat, Fraction(0)) + per_day
            billed.append(day)
        begins += cycle
        if not billed:
            continue
        if charge.timing == "advance":
            due = billed[0]
        else:
            due = cycle_end if charge.life.end is None else min(cycle_end, charge.life.end)
        key: LineKey = (contract.id, "recurring", charge.id, "", cycle_start, cycle_end)
        for category, exact in sums.items():
            amount = round_half_up(exact)
            if amount:
                lines.append(ReferenceLine(key, category, VAT_RATES[category], amount, due, exact))
    return lines


def reference_lines(workspace: model.Workspace, until: date) -> list[ReferenceLine]:
    """Every line of every contract whose cycle starts before `until`, with its due date."""
    lines = []
    for contract in workspace.contracts.values():
        for charge in histories(contract):
            lines += charge_lines(contract, charge, until)
    return lines


def buckets(workspace: model.Workspace, as_of: date) -> dict[Bucket, Decimal]:
    """What a bill run as of `as_of` should leave billed: net per line identity and VAT category."""
    return {
        (line.key, line.category): line.amount
        for line in reference_lines(workspace, as_of + ONE_DAY)
        if line.due <= as_of
    }
