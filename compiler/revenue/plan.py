"""A contract's revenue plan: its obligations, their SSPs and allocated prices, and the revenue
per calendar month, through every amendment and renewal.

IFRS 15 as this module applies it:

- ¶22-30: each charge is a performance obligation (a series of distinct days of service, ¶22(b));
- ¶47-72: the transaction price is the fixed consideration of the committed term after
  discounts (`consideration.py`); usage is variable and stays with its own obligation (¶84-85);
- ¶73-86: the price is allocated by relative SSP (`allocation.py`); the default SSP is the
  undiscounted plan price for the same quantity and term, `ssp` overrides it (¶77-79);
- ¶18-21: each amendment is a contract modification, accounted for as the amendment says
  (`accounting ...`) or prospectively by default:
  - `prospective` (¶21(a)): what is not yet recognised plus the new consideration is
    allocated over what remains to be delivered, by the SSPs of what remains;
  - `catch_up` (¶21(b)): the plan is made again as if the amended terms had held from the
    start, and the difference to date is recognised on the effective date;
  - `separate` (¶20): what the amendment adds is a contract of its own, allocated among
    itself; the existing obligations go on as planned. An amendment that takes something
    away cannot be a separate contract and is accounted for prospectively, with the reason.
  A renewal adds the renewal term's consideration prospectively, and so does an indexation
  adjustment on its date (`indexation.py`: variable consideration known from then on, ¶87-90);
- ¶31-45: methods of satisfaction in `methods.py`.

The `invoiced` policy (NRS 8 practice for small companies) has no allocation: each billed
line is revenue over its own service period, by days.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Literal

import attrs

from compiler import model
from compiler.billing.lower import BillingSchedule, lower
from compiler.billing.price import price_schedule
from compiler.calendar import add_months
from compiler.money import round_exact
from compiler.revenue.allocation import allocate
from compiler.revenue.consideration import (
    ChargeTerms,
    Lowered,
    View,
    as_agreed,
    bound_until,
    committed_end,
    priced_lines,
    view,
    whole,
)
from compiler.revenue.indexation import adjustment_dates, as_known
from compiler.revenue.methods import months_between, next_month, recognised_before, satisfied, spread_daily
from compiler.revenue.records import (
    Accounting,
    Modification,
    MonthAmount,
    Obligation,
    Policy,
    RevenuePlan,
    SspSource,
    Stage,
)
from dsl.printer import format_decimal

ZERO = Decimal(0)
PERIOD_MONTHS = {"month": 1, "quarter": 3, "year": 12}


def policy_of(
    contract: model.Contract, seller: model.Seller | None
) -> tuple[Policy, Literal["contract", "seller", "default"]]:
    """The contract's own `revenue_policy`, else the seller's, else IFRS 15."""
    if contract.revenue_policy is not None:
        return contract.revenue_policy, "contract"
    if seller is not None:
        return seller.revenue_policy, "seller"
    return "ifrs15", "default"


def revenue_plan(contract: model.Contract, workspace: model.Workspace, horizon: date) -> RevenuePlan:
    """The revenue plan of a checked contract; renewals and evergreen contracts up to `horizon`."""
    return plan_and_schedule(contract, workspace, horizon)[0]


def plan_and_schedule(
    contract: model.Contract, workspace: model.Workspace, horizon: date
) -> tuple[RevenuePlan, BillingSchedule | None]:
    """The revenue plan, and the billing lowering of the terms in force at the horizon that it was made
    from (to at least the horizon), so that run time can price usage without lowering again.
    The lowering is None when an amendment takes effect on or after the horizon."""
    policy, source = policy_of(contract, workspace.seller)
    if policy == "invoiced":
        return _invoiced(contract, workspace.indices, horizon, source), None
    planner = _Planner(contract, workspace, horizon, source)
    plan = planner.plan()
    return plan, planner.schedule()


def known_plan(contract: model.Contract, workspace: model.Workspace, horizon: date, known: date) -> RevenuePlan:
    """The plan of the terms known at the end of the day `known`: `revenue_plan` to `horizon`, with the
    amendments signed by then that take effect after the horizon as well (a termination too), and
    none signed later that takes effect then. What the remaining schedule and the remaining performance
    obligations (IFRS 15 ¶120) are read from: an amendment signed is an approved modification (¶18)."""
    upto = known_amendments(contract, horizon, known)
    policy, source = policy_of(contract, workspace.seller)
    if policy == "invoiced":
        agreed = as_agreed(contract, upto)  # an adjustment from the horizon on is not known: priced unchanged
        reach = max(horizon, bound_until(agreed, known))
        return _invoiced(agreed, as_known(agreed, workspace.indices, horizon), horizon, source, reach, known)
    return _Planner(contract, workspace, horizon, source, known=upto, bound=known).plan()


def in_force_by(amendment: model.Amendment, contract: model.Contract, horizon: date) -> bool:
    """Whether every plan to `horizon` holds `amendment`, whenever it was signed: it takes effect before the
    horizon, or on it when the contract is terminated on it (a termination effective on the horizon ends
    the service the day before, `_prospective`; any other change of that day then changes nothing). Another
    change effective on the horizon changes nothing before it, so it is held only once it is known."""
    if amendment.effective < horizon:
        return True
    return amendment.effective == horizon and any(
        a.effective == horizon and any(isinstance(c, model.Terminate) for c in a.changes) for a in contract.amendments
    )


def known_amendments(contract: model.Contract, horizon: date, known: date) -> int | None:
    """The last amendment `known_plan` holds: one in force by `horizon` (`in_force_by`) or signed on or
    before `known`, with every one before it, since amendments apply in order. None when there is none."""
    held = [a.number for a in contract.amendments if in_force_by(a, contract, horizon) or a.signed <= known]
    return max(held, default=None)


# ------------------------------------------------------------------ IFRS 15
@attrs.define
class _Open:
    """An obligation while the plan is being made."""

    charge: model.Charge
    part: str
    ssp: Decimal | None
    ssp_source: SspSource
    start: date
    end: date
    stages: list[Stage]
    variable: bool


class _Planner:
    def __init__(
        self,
        contract: model.Contract,
        workspace: model.Workspace,
        horizon: date,
        source: str,
        known: int | None = None,
        bound: date | None = None,
    ) -> None:
        self.contract = contract
        self.workspace = workspace
        self.horizon = horizon
        self.known = known or 0  # amendments numbered up to this are planned even from the horizon on
        self.bound = bound  # renewals the customer is bound to at the end of this day are planned too
        self.source = source
        self.currency = contract.currency
        self.open: dict[tuple[str, str], _Open] = {}
        self.modifications: list[Modification] = []
        self._priced: dict[tuple[int | None, date | None], tuple[date, Lowered]] = {}
        self._adjustments = adjustment_dates(contract, max(horizon, contract.start) + timedelta(days=3700))
        self._last_key: tuple[int | None, date | None] | None = None

    # -- the walk through the contract's life
    def plan(self) -> RevenuePlan:
        contract, horizon = self.contract, self.horizon
        amendments = sorted(contract.amendments, key=lambda a: (a.effective, a.number))
        upto: int | None = None
        while amendments and amendments[0].effective <= contract.start:  # agreed from the start
            upto = amendments.pop(0).number
        adjustments = [d for d in self._adjustments if d > contract.start]
        current = self._view(upto, contract.start, None)
        self._first(current)
        day = contract.start
        while True:
            end = current.committed_end
            while adjustments and adjustments[0] <= day:  # known to the view in force since `day`
                adjustments.pop(0)
            renewal = end if self._renews(current.contract, end) else None
            amendment = amendments[0] if amendments and self._planned(amendments[0]) else None
            adjusted = adjustments[0] if adjustments and adjustments[0] < min(horizon, end) else None
            candidates = [d for d in (renewal, adjusted, amendment.effective if amendment else None) if d is not None]
            if not candidates:
                break
            day = min(candidates)
            if day == renewal:
                nxt = self._view(upto, end, end)
                why = f"renewal from {end} to {nxt.committed_end}: its consideration is added prospectively"
                self._prospective(end, current, nxt, None, False, why)
            elif day == adjusted:
                adjustments.pop(0)
                nxt = self._view(upto, day, day)
                why = f"indexation on {day}: the adjusted prices are known from this day on (¶87-90)"
                self._prospective(day, current, nxt, None, False, why)
            else:
                assert amendment is not None
                amendments.pop(0)
                upto = amendment.number
                nxt = self._view(upto, day, day)
                self._modify(day, current, nxt, amendment)
            current = nxt
        return self._finish(current)

    def _planned(self, amendment: model.Amendment) -> bool:
        return in_force_by(amendment, self.contract, self.horizon) or amendment.number <= self.known

    def schedule(self) -> BillingSchedule | None:
        """The lowering the last view was made from, when it reaches the horizon with the terms in force."""
        if any(a.effective >= self.horizon for a in self.contract.amendments):
            return None
        key = self._last_key
        cached = self._priced.get(key) if key is not None else None
        return cached[1].schedule if cached is not None and cached[0] >= self.horizon else None

    def _view(self, upto: int | None, day: date, since: date | None) -> View:
        """The contract as agreed up to amendment `upto` and as its indexation is known on `day`, over the
        term committed on `day`; with `since`, what remains of it from then on."""
        agreed = as_agreed(self.contract, upto)
        cut = next((d for d in self._adjustments if d > day), None)
        reach = self._reach(agreed)
        end = committed_end(agreed, day, reach)
        if reach > self.horizon and agreed.terms is not None and agreed.terms.term is None:
            # evergreen: bound to `reach`, not to the end of the notice period it falls in; never less than planned
            end = max(committed_end(agreed, day, self.horizon), min(end, reach))
        return view(agreed, self._lines(agreed, (upto, cut), end), end, since=since)

    def _reach(self, agreed: model.Contract) -> date:
        """How far renewals are planned: to the horizon, and in a plan of known terms (`known_plan`) to the end
        of the term the customer is bound to (`bound_until`)."""
        return self.horizon if self.bound is None else max(self.horizon, bound_until(agreed, self.bound))

    def _lines(self, agreed: model.Contract, key: tuple[int | None, date | None], end: date) -> Lowered:
        """The priced lines of a view up to `end` at least. Lowering is most of a plan's cost, so each
        view is lowered once, up to where the next change can replace it (again, farther, if asked)."""
        self._last_key = key
        cached = self._priced.get(key)
        if cached is not None and cached[0] >= end:
            return cached[1]
        upto, cut = key
        changes = [a.effective for a in self.contract.amendments if upto is None or a.number > upto]
        nearest = min([self.horizon, *(d for d in changes if d > agreed.start), *([cut] if cut else [])])
        until = max(end, committed_end(agreed, nearest, self.horizon))
        if cached is not None or nearest >= self.horizon:
            until = max(until, self.horizon, committed_end(agreed, self.horizon, self.horizon))
        indices = as_known(agreed, self.workspace.indices, cut)
        lines = priced_lines(agreed, indices, until)
        self._priced[key] = (until, lines)
        return lines

    def _renews(self, agreed: model.Contract, end: date) -> bool:
        terms = agreed.terms
        assert terms is not None
        if end >= self._reach(agreed) or (terms.terminated is not None and terms.terminated <= end):
            return False
        if terms.term is None:
            return True  # evergreen: the next notice period
        length = terms.renewal.length
        return terms.renewal.kind == "renew" and length is not None and length.count > 0

    def _first(self, current: View) -> None:
        fixed = [c for c in current.charges if not c.variable]
        ssps = [self._ssp(c, current) for c in fixed]
        shares = allocate(current.price, [s for s, _ in ssps], self.currency)
        for terms, (ssp, source), share in zip(fixed, ssps, shares, strict=True):
            why = f"{_money(share)} of the transaction price {_money(current.price)} by relative SSP (¶73-80)"
            stage = Stage(since=date.min, base=ZERO, amount=share, start=terms.start, end=terms.end, ssp=ssp, why=why)
            self.open[terms.charge.id, ""] = _Open(
                terms.charge, "", ssp, source, terms.start, terms.end, [stage], variable=False
            )
        self._variable(current)

    def _variable(self, current: View) -> None:
        for terms in current.charges:
            if terms.variable and (terms.charge.id, "") not in self.open:
                self.open[terms.charge.id, ""] = _Open(
                    terms.charge, "", None, "variable", terms.start, terms.end, [], variable=True
                )
            elif terms.variable:
                item = self.open[terms.charge.id, ""]
                item.charge, item.end = terms.charge, terms.end

    # -- modifications
    def _modify(self, d: date, old: View, new: View, amendment: model.Amendment) -> None:
        written = _written(amendment)
        accounting: Accounting = amendment.accounting
        label = f"amendment {amendment.number} ({amendment.reason}), effective {d}"
        how = "as written" if written else "the default"
        if accounting == "catch_up":
            if any(isinstance(c, model.Terminate) for c in amendment.changes):
                # nothing is left to deliver to catch up with: what is left of the price is recognised on the last
                # day of service, as a prospective termination does (a catch-up dated the effective day moved it
                # into the month after the service ended)
                why = (
                    f"{label}: written `catch_up`, but it ends the contract; what is left goes to its last day (¶21(a))"
                )
                self._prospective(d, old, new, amendment.number, written, why, accounting="prospective")
                return
            self._catch_up(d, old, new, amendment.number, written, f"{label}: cumulative catch-up (¶21(b)), {how}")
            return
        if accounting == "separate":
            refused = _not_separate(old, new, amendment)
            if refused is None:
                self._separate(d, old, new, amendment.number, written, f"{label}: a separate contract (¶20), {how}")
                return
            why = f"{label}: written `separate`, but {refused}; accounted for prospectively (¶21(a))"
            self._prospective(d, old, new, amendment.number, written, why, accounting="prospective")
            return
        self._prospective(d, old, new, amendment.number, written, f"{label}: prospective (¶21(a)), {how}")

    def _prospective(
        self,
        d: date,
        old: View,
        new: View,
        number: int | None,
        written: bool,
        why: str,
        accounting: Accounting = "prospective",
    ) -> None:
        done = {key: self._cum(item, d) for key, item in self.open.items() if not item.variable}
        recognised = sum(done.values(), ZERO)
        remaining = new.price - recognised
        fixed = [c for c in new.charges if not c.variable]
        ssps = [self._ssp(c, new) for c in fixed]
        weights = [self._ssp(c, new, since=d)[0] for c in fixed]
        if not any(weights):  # nothing left to deliver (a termination): what is left goes by the full SSPs
            weights = [ssp for ssp, _ in ssps]
        shares = allocate(remaining, weights, self.currency) if fixed else []
        touched: set[tuple[str, str]] = set()
        for terms, (ssp, source), weight, share in zip(fixed, ssps, weights, shares, strict=True):
            key = (terms.charge.id, "")
            touched.add(key)
            start = max(d, terms.start)
            reason = f"{_money(share)} of {_money(remaining)} still to recognise, by the SSP of what remains"
            since = d
            if terms.start < d and terms.end <= d:
                # Its service ended by d (a termination on d): progress was complete at the end of its last
                # day (¶39), so what is left is recognised then, in that day's month, not in d's (¶31).
                since = start = d - timedelta(days=1)
                reason += f", on {since}, the last day of service" if share else ""
            stage = Stage(
                since=since,
                base=done.get(key, ZERO),
                amount=share,
                start=start,
                end=max(terms.end, start) if since == d else start,
                ssp=_round(weight, self.currency),
                why=reason,
            )
            item = self.open.get(key)
            if item is None:
                self.open[key] = _Open(terms.charge, "", ssp, source, terms.start, terms.end, [stage], False)
            else:
                item.charge, item.ssp, item.ssp_source, item.end = terms.charge, ssp, source, terms.end
                item.stages.append(stage)
        for key, item in self.open.items():  # obligations the new terms no longer have: done as they stand
            if not item.variable and key not in touched:
                item.stages.append(_closed(d, done[key], "ended: nothing more is recognised"))
        self._variable(new)
        detail = f"; {_money(recognised)} recognised before {d}, {_money(remaining)} left for what remains"
        self.modifications.append(
            Modification(
                effective=d,
                amendment=number,
                accounting=accounting,
                written=written,
                price_before=old.price,
                price_after=new.price,
                catch_up=(),
                why=why + detail,
            )
        )

    def _catch_up(self, d: date, old: View, new: View, number: int, written: bool, why: str) -> None:
        before = {key: self._cum(item, d) for key, item in self.open.items() if not item.variable}
        fixed = [c for c in new.charges if not c.variable]
        ssps = [self._ssp(c, new) for c in fixed]
        shares = allocate(new.price, [s for s, _ in ssps], self.currency) if fixed else []
        touched: set[tuple[str, str]] = set()
        for terms, (ssp, source), share in zip(fixed, ssps, shares, strict=True):
            key = (terms.charge.id, "")
            touched.add(key)
            stage = Stage(
                since=d,
                base=ZERO,
                amount=share,
                start=terms.start,
                end=terms.end,
                ssp=ssp,
                why=f"{_money(share)} of the amended price {_money(new.price)}, as if agreed from the start",
            )
            item = self.open.get(key)
            if item is None:
                self.open[key] = _Open(terms.charge, "", ssp, source, terms.start, terms.end, [stage], False)
            else:
                item.charge, item.ssp, item.ssp_source, item.start, item.end = (
                    terms.charge,
                    ssp,
                    source,
                    terms.start,
                    terms.end,
                )
                item.stages.append(stage)
        for key, item in self.open.items():
            if not item.variable and key not in touched:
                item.stages.append(_closed(d, ZERO, "folded into the amended contract"))
        adjustments: list[tuple[str, Decimal]] = []
        for key, item in self.open.items():
            if item.variable:
                continue
            stage = item.stages[-1]  # the stage this catch-up made, in force from d
            now = stage.base + recognised_before(
                stage.amount, item.charge.revenue, stage.start, stage.end, d, self.currency
            )
            delta = now - before.get(key, ZERO)
            if delta:
                adjustments.append((_name(key), delta))
        self._variable(new)
        total = sum((a for _, a in adjustments), ZERO)
        self.modifications.append(
            Modification(
                effective=d,
                amendment=number,
                accounting="catch_up",
                written=written,
                price_before=old.price,
                price_after=new.price,
                catch_up=tuple(adjustments),
                why=f"{why}; catch-up of {_money(total)} on {d}",
            )
        )

    def _separate(self, d: date, old: View, new: View, number: int, written: bool, why: str) -> None:
        before = {c.charge.id: c for c in old.charges}
        parts: list[tuple[ChargeTerms, Decimal, Decimal, SspSource]] = []
        for terms in new.charges:
            if terms.variable:
                continue
            was = before.get(terms.charge.id)
            ssp, source = self._ssp(terms, new)
            old_ssp = self._ssp(was, old)[0] if was is not None else ZERO
            added = terms.net - (was.net if was is not None else ZERO)
            if added or ssp > old_ssp:
                parts.append((terms, added, max(ssp - old_ssp, ZERO), source))
        price = sum((p[1] for p in parts), ZERO)
        shares = allocate(price, [p[2] for p in parts], self.currency) if parts else []
        part = f"amendment {number}"
        for (terms, _, ssp, source), share in zip(parts, shares, strict=True):
            start = max(d, terms.start)
            stage = Stage(
                since=d,
                base=ZERO,
                amount=share,
                start=start,
                end=max(terms.end, start),
                ssp=ssp,
                why=f"{_money(share)} of the separate contract's price {_money(price)} by relative SSP",
            )
            self.open[terms.charge.id, part] = _Open(terms.charge, part, ssp, source, start, terms.end, [stage], False)
        self._variable(new)
        self.modifications.append(
            Modification(
                effective=d,
                amendment=number,
                accounting="separate",
                written=written,
                price_before=old.price,
                price_after=new.price,
                catch_up=(),
                why=f"{why}: {_money(price)} for what it adds; the existing obligations go on as planned",
            )
        )

    # -- figures
    def _ssp(self, terms: ChargeTerms, current: View, since: date | None = None) -> tuple[Decimal, SspSource]:
        """The standalone selling price of a charge over its window in the view (¶76-79); with `since`,
        of what remains of it from that day on (a prospective modification allocates by these)."""
        cid = terms.charge.id
        charge = terms.charge
        recurring = isinstance(charge.pricing, model.FlatFee | model.PerUnitFee | model.TieredFee)
        written = dict(self.contract.ssp).get(cid)
        if written is not None:
            return self._unsatisfied(written, terms, since), "contract ssp"
        if charge.ssp is not None:
            if charge.ssp_period is None:
                return self._unsatisfied(charge.ssp, terms, since), "charge ssp"
            months = _months(max(since or terms.start, terms.start), terms.end)
            return _round(Fraction(charge.ssp) * months / PERIOD_MONTHS[charge.ssp_period], self.currency), "charge ssp"
        listed = self._list_price(cid)
        own = _unit_price(terms.first.pricing)
        source: SspSource = "contract price" if listed is None else "plan price"
        if not recurring:
            billed = self._unsatisfied(terms.undiscounted, terms, since)
        else:
            billed = terms.undiscounted if since is None else terms.undiscounted_left
        if listed is not None and own is not None and own != 0 and own != listed:
            return _round(Fraction(billed) * Fraction(listed) / Fraction(own), self.currency), source
        return billed, source

    def _unsatisfied(self, ssp: Decimal, terms: ChargeTerms, since: date | None) -> Decimal:
        """`ssp` times the share of the obligation not yet satisfied on `since`."""
        if since is None:
            return ssp
        share = 1 - satisfied(terms.charge.revenue, terms.start, terms.end, since)
        return _round(Fraction(ssp) * share, self.currency)

    def _list_price(self, cid: str) -> Decimal | None:
        choice = self.contract.plan
        if choice is None:
            return None
        for version in self.workspace.plans.get(choice.plan, ()):
            if version.effective == choice.version:
                for charge in version.charges:
                    if charge.id == cid:
                        return _unit_price(charge.pricing)
        return None

    def _cum(self, item: _Open, t: date) -> Decimal:
        """Recognised before the day `t` (stages in force from a day before `t`)."""
        stage = None
        for s in item.stages:
            if s.since < t:
                stage = s
        if stage is None:
            return ZERO
        return stage.base + recognised_before(
            stage.amount, item.charge.revenue, stage.start, stage.end, t, self.currency
        )

    def _finish(self, last: View) -> RevenuePlan:
        obligations: list[Obligation] = []
        for (cid, part), item in self.open.items():
            months: tuple[MonthAmount, ...] = ()
            allocated: Decimal | None = None
            if not item.variable:
                months = self._months(item)
                allocated = sum((m.amount for m in months), ZERO)
            obligations.append(
                Obligation(
                    contract=self.contract.id,
                    charge=cid,
                    label=item.charge.label,
                    part=part,
                    method=item.charge.revenue.method,
                    ssp=item.ssp,
                    ssp_source=item.ssp_source,
                    allocated=allocated,
                    start=item.start,
                    end=item.end,
                    account=item.charge.account,
                    stages=tuple(item.stages),
                    months=months,
                )
            )
        return RevenuePlan(
            contract=self.contract.id,
            currency=self.currency,
            policy="ifrs15",
            policy_source=self.source,  # type: ignore[arg-type]
            transaction_price=last.price,
            obligations=tuple(obligations),
            modifications=tuple(self.modifications),
            horizon=self.horizon,
        )

    def _months(self, item: _Open) -> tuple[MonthAmount, ...]:
        revenue = item.charge.revenue
        days = [self.contract.start]
        for s in item.stages:
            days += [s.start, s.end] + ([s.since] if s.since != date.min else [])
        if revenue.on is not None:
            days.append(revenue.on)
        days += [day for day, _ in revenue.milestones]
        first, last = min(days), max(days) + timedelta(days=1)
        result: list[MonthAmount] = []
        before = ZERO
        for month in months_between(first, last):
            upto = self._cum(item, next_month(month))
            if upto != before:
                result.append(MonthAmount(month=month, amount=upto - before))
            before = upto
        return tuple(result)


def _closed(d: date, base: Decimal, why: str) -> Stage:
    return Stage(since=d, base=base, amount=ZERO, start=d, end=d, ssp=ZERO, why=why)


def _written(amendment: model.Amendment) -> bool:
    """Whether the amendment says `accounting ...`; any choice but the default must have been written."""
    return amendment.accounting_written or amendment.accounting != "prospective"


def _not_separate(old: View, new: View, amendment: model.Amendment) -> str | None:
    """Why an amendment cannot be a separate contract (¶20 needs distinct goods or services added)."""
    if any(isinstance(c, model.Terminate | model.RemoveCharge) for c in amendment.changes):
        return "it ends or removes something"
    before = {c.charge.id: c.net for c in old.charges}
    for terms in new.charges:
        if not terms.variable and terms.net < before.get(terms.charge.id, ZERO):
            return f"it lowers the consideration for `{terms.charge.id}`"
    return None


def _unit_price(pricing: model.Pricing) -> Decimal | None:
    if isinstance(pricing, model.FlatFee | model.OneTimeFee):
        return pricing.amount
    if isinstance(pricing, model.PerUnitFee):
        return pricing.price
    return None


def _months(start: date, end: date) -> Fraction:
    """[start, end) in months: whole months from `start`, then the rest of one by its days."""
    whole = 0
    while add_months(start, whole + 1) <= end:
        whole += 1
    here, following = add_months(start, whole), add_months(start, whole + 1)
    return whole + Fraction((end - here).days, (following - here).days)


def _round(value: Fraction | Decimal, currency: str) -> Decimal:
    return round_exact(Fraction(value), currency)


def _name(key: tuple[str, str]) -> str:
    return key[0] if not key[1] else f"{key[0]} ({key[1]})"


def _money(value: Decimal) -> str:
    return format_decimal(value)


# ----------------------------------------------------------------- invoiced
def _invoiced(
    contract: model.Contract,
    indices: Mapping[str, model.Index],
    horizon: date,
    source: str,
    reach: date | None = None,
    known: date | None = None,
) -> RevenuePlan:
    """Each fixed line billing will bill over the committed term in force at the horizon (renewals once
    begun, as under IFRS 15, or up to `reach` once the customer is bound to them), recognised over its own
    service period by days."""
    until = max(horizon, committed_end(contract, horizon, horizon))
    cut: date | None = None  # bound to `reach` and no further: a line across it counts to it, by days
    if reach is not None and reach > until:  # bound past it: to the term end that is `reach` (evergreen: at most)
        until = max(until, min(committed_end(contract, reach - timedelta(days=1), reach), reach))
        cut = reach
    schedule = lower(whole(contract), indices, until)
    priced = price_schedule(schedule, {}, date.max)
    per: dict[str, dict[date, Decimal]] = {}
    windows: dict[str, tuple[date, date]] = {}
    for line in priced.lines:
        if line.id.kind in ("usage", "minimum", "prepaid", "drawdown"):  # variable: known at run time
            continue
        start, end, net = line.start, line.end, line.net
        if cut is not None and end > cut and (known is None or line.billing_date > known):  # billed: whole
            if start >= cut:
                continue
            # what the line earns before the day the customer is no longer bound (an evergreen contract's
            # notice period): its days to then, as billing prorates a line cut short
            net = round_exact(Fraction(net) * (cut - start).days / (end - start).days, contract.currency)
            end = cut
        spread = per.setdefault(line.id.charge, {})
        for month, amount in spread_daily(net, start, end, contract.currency):
            spread[month] = spread.get(month, ZERO) + amount
        lo, hi = windows.get(line.id.charge, (start, end))
        windows[line.id.charge] = (min(lo, start), max(hi, end))
    charges = _charges(contract)
    obligations: list[Obligation] = []
    for cid, charge in charges.items():
        variable = isinstance(charge.pricing, model.UsageFee)
        months = tuple(MonthAmount(month=m, amount=a) for m, a in sorted(per.get(cid, {}).items()) if a)
        lo, hi = windows.get(cid, (contract.start, contract.start))
        obligations.append(
            Obligation(
                contract=contract.id,
                charge=cid,
                label=charge.label,
                part="",
                method="as_consumed" if variable else "ratably_daily",
                ssp=None,
                ssp_source="variable" if variable else "billed",
                allocated=None if variable else sum((m.amount for m in months), ZERO),
                start=lo,
                end=hi,
                account=charge.account,
                stages=(),
                months=() if variable else months,
            )
        )
    price = sum((o.allocated or ZERO for o in obligations), ZERO)
    return RevenuePlan(
        contract=contract.id,
        currency=contract.currency,
        policy="invoiced",
        policy_source=source,  # type: ignore[arg-type]
        transaction_price=price,
        obligations=tuple(obligations),
        modifications=(),
        horizon=horizon,
    )


def _charges(contract: model.Contract) -> dict[str, model.Charge]:
    """Every charge the contract ever has, its last version, in declaration order."""
    found: dict[str, model.Charge] = {}
    terms = contract.terms
    histories: Iterable[tuple[str, tuple[model.Version, ...]]] = terms.versions if terms else ()
    for cid, history in histories:
        alive = [v.charge for v in history if v.charge is not None]
        if alive:
            found[cid] = alive[-1]
    return found
