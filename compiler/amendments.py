"""Amendments: numbered in order, dated forward, inside the contract's life, and
changing only charges that exist at their effective date."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import attrs

from compiler import model
from compiler.calendar import add_duration, is_period_start
from compiler.charges import ChargeBuilder, check_duration
from compiler.names import did_you_mean, duplicate
from compiler.terms import (
    apply_set,
    check_charge_dates,
    check_discount,
    check_renewal,
    discount_of,
    duration,
    end_of_term,
    renewal_of,
)
from dsl import ast
from dsl.diagnostics import Diagnostic, Label, error, warning
from dsl.span import Span

CHARGE_CHANGES = (ast.ChargeSet, ast.RemoveStmt)


@attrs.define
class TermsRecorder:
    """The contract's terms over time, recorded while each amendment is checked, so that the one
    interpretation of an amendment (the checker's) is also what lowering bills."""

    start: date
    versions: dict[str, list[model.Version]]
    discounts: list[model.NamedDiscount]
    term: model.Duration | None
    renewal: model.Renewal
    terminated: date | None = None

    @classmethod
    def of(
        cls,
        start: date,
        charges: Mapping[str, model.Charge],
        discounts: list[model.Discount],
        term: model.Duration | None,
        renewal: model.Renewal,
    ) -> TermsRecorder:
        first = {
            cid: [model.Version(start=start, charge=c, amendment=None, source=None, priced_from=start)]
            for cid, c in charges.items()
        }
        named = [model.NamedDiscount(id=f"discount-{i}", discount=d) for i, d in enumerate(discounts, start=1)]
        return cls(start=start, versions=first, discounts=named, term=term, renewal=renewal)

    def push(self, charge_id: str, version: model.Version) -> None:
        history = self.versions.setdefault(charge_id, [])
        if history and history[-1].start == version.start:
            history[-1] = version  # two changes on one day: the later one stands
        else:
            history.append(version)

    def changed(self, day: date, number: int, charge: model.Charge, source: Span, repriced: bool) -> None:
        before = self.versions[charge.id][-1]
        priced_from = day if repriced else before.priced_from
        self.push(
            charge.id, model.Version(start=day, charge=charge, amendment=number, source=source, priced_from=priced_from)
        )

    def removed(self, day: date, number: int, charge_id: str, source: Span) -> None:
        self.push(charge_id, model.Version(start=day, charge=None, amendment=number, source=source, priced_from=day))

    def added(self, day: date, number: int, charge: model.Charge) -> None:
        self.push(charge.id, model.Version(start=day, charge=charge, amendment=number, source=None, priced_from=day))

    def discount(self, day: date, number: int, discount: model.Discount) -> None:
        count = sum(1 for d in self.discounts if d.discount.amendment == number) + 1
        dated = attrs.evolve(discount, start=discount.start or day, amendment=number)
        self.discounts.append(model.NamedDiscount(id=f"amendment-{number}-discount-{count}", discount=dated))

    def terminate(self, day: date) -> None:
        self.terminated = day if self.terminated is None else min(self.terminated, day)

    def terms(self) -> model.Terms:
        return model.Terms(
            versions=tuple((cid, tuple(v)) for cid, v in self.versions.items()),
            discounts=tuple(self.discounts),
            term=self.term,
            renewal=self.renewal,
            terminated=self.terminated,
        )


@attrs.define
class AmendmentChecker:
    contract_id: str
    signed: date
    start: date
    anchor: int | None
    end: date | None
    """End of the term in force (exclusive); None when it renews or is evergreen."""
    renewal: model.Renewal
    charges: Mapping[str, model.Charge]
    builder: ChargeBuilder
    sink: list[Diagnostic]
    recorder: TermsRecorder

    def check(self, amendments: list[ast.Amendment]) -> tuple[model.Amendment, ...]:
        """The checked amendments; `recorder` holds the terms over time they make."""
        sink = self.sink
        record = self.recorder
        live: dict[str, model.Charge] = dict(self.charges)
        renewal = self.renewal
        end = self.end
        previous: ast.Amendment | None = None
        terminated: ast.Amendment | None = None
        result: list[model.Amendment] = []
        for amendment in amendments:
            self._order(amendment, previous)
            if terminated is not None:
                sink.append(
                    error(
                        "E0606",
                        f"amendment {amendment.number} comes after the contract was terminated",
                        amendment.span,
                        label="the contract has ended",
                        help="a terminated contract cannot change; write a new contract instead",
                        labels=(Label(terminated.span, "terminated here"),),
                    )
                )
            if amendment.effective < self.start:
                sink.append(
                    error(
                        "E0603",
                        f"amendment {amendment.number} takes effect before the contract starts",
                        amendment.span,
                        label=f"effective {amendment.effective}, the contract starts {self.start}",
                        help=f"choose an effective date on or after {self.start}",
                    )
                )
            if amendment.signed < self.signed:
                sink.append(
                    error(
                        "E0605",
                        f"amendment {amendment.number} is signed before the contract itself",
                        amendment.span,
                        label=f"signed {amendment.signed}, the contract {self.signed}",
                        help="check the signing date; an amendment is agreed after the contract it changes",
                    )
                )
            if not amendment.body:
                sink.append(
                    warning(
                        "W0601",
                        f"amendment {amendment.number} changes nothing",
                        amendment.span,
                        label="empty amendment",
                        help="write the changes it makes, such as `seats quantity 40` or `terminate`",
                    )
                )
            changes: list[model.Change] = []
            prorate = True
            accounting: str = "prospective"
            added: dict[str, ast.Ref] = {}
            touched: dict[str, model.Charge] = {}  # charges whose billing this amendment changes
            for stmt in amendment.body:
                match stmt:
                    case ast.ChargeSet():
                        current = self._existing(stmt.charge, live, amendment)
                        if current is not None:
                            touched[current.id] = current
                            updated = apply_set(current, stmt, sink)
                            live[current.id] = updated
                            repriced = any(not isinstance(item, ast.QuantityStmt) for item in stmt.items)
                            record.changed(amendment.effective, amendment.number, updated, stmt.span, repriced)
                            for item in stmt.items:
                                if isinstance(item, ast.QuantityStmt):
                                    changes.append(
                                        model.SetQuantity(charge=current.id, quantity=item.quantity, span=item.span)
                                    )
                                else:
                                    changes.append(model.SetPrice(charge=current.id, price=item.price, span=item.span))
                    case ast.RemoveStmt():
                        if self._existing(stmt.charge, live, amendment) is not None:
                            touched[stmt.charge.name] = live.pop(stmt.charge.name)
                            record.removed(amendment.effective, amendment.number, stmt.charge.name, stmt.span)
                            changes.append(model.RemoveCharge(charge=stmt.charge.name, span=stmt.span))
                    case ast.Charge():
                        built = self.builder.build(stmt)
                        if stmt.id.name in live or stmt.id.name in added:
                            first = added.get(stmt.id.name)
                            sink.append(
                                duplicate("charge", stmt.id, first)
                                if first
                                else error(
                                    "E0301",
                                    f"charge `{stmt.id.name}` already exists in this contract",
                                    stmt.id.span,
                                    label="added again",
                                    help="change the existing charge with `ID quantity N` or `ID price P`, "
                                    "or remove it first with `remove ID`",
                                )
                            )
                        elif built is not None:
                            check_charge_dates(built, self.start, end, sink)
                            added[stmt.id.name] = stmt.id
                            live[built.id] = built
                            record.added(amendment.effective, amendment.number, built)
                            changes.append(model.AddCharge(charge=built))
                    case ast.DiscountStmt():
                        for ref in stmt.charges:
                            if ref.name not in live:
                                self._existing(ref, live, amendment)
                        added_discount = discount_of(stmt)
                        record.discount(amendment.effective, amendment.number, added_discount)
                        changes.append(model.AddDiscount(discount=added_discount))
                    case ast.TermStmt():
                        check_duration(stmt.duration, "a term", sink)
                        new_term = duration(stmt.duration)
                        end = end_of_term(self.start, new_term, stmt.span, sink)
                        record.term = new_term
                        changes.append(model.ChangeTerm(term=new_term, span=stmt.span))
                    case ast.RenewStmt() | ast.EvergreenStmt() | ast.NoRenewalStmt():
                        check_renewal(stmt, sink)
                        renewal = renewal_of(stmt)
                        record.renewal = renewal
                        changes.append(model.ChangeRenewal(renewal=renewal, span=stmt.span))
                    case ast.TerminateStmt():
                        terminated = amendment
                        touched.update(live)
                        self._notice(amendment, renewal)
                        record.terminate(amendment.effective)
                        changes.append(model.Terminate(span=stmt.span))
                    case ast.ProrateStmt():
                        prorate = False
                    case ast.AccountingStmt():
                        accounting = stmt.treatment
            bounded_end = end if renewal.kind == "none" else None
            for stmt in amendment.body:
                if isinstance(stmt, ast.DiscountStmt):
                    check_discount(stmt, self.start, end, sink)
            if bounded_end is not None and amendment.effective > bounded_end:
                sink.append(
                    error(
                        "E0603",
                        f"amendment {amendment.number} takes effect after the contract ends",
                        amendment.span,
                        label=f"effective {amendment.effective}, the term ends {bounded_end} without renewal",
                        help="choose an effective date inside the term, or extend the term in this amendment",
                    )
                )
            if not prorate:
                self._boundary(amendment, touched)
            result.append(
                model.Amendment(
                    number=amendment.number,
                    reason=amendment.reason,
                    signed=amendment.signed,
                    effective=amendment.effective,
                    changes=tuple(changes),
                    prorate=prorate,
                    accounting=accounting,  # type: ignore[arg-type]
                    accounting_written=any(isinstance(stmt, ast.AccountingStmt) for stmt in amendment.body),
                    span=amendment.span,
                )
            )
            previous = amendment
        return tuple(result)

    def _boundary(self, amendment: ast.Amendment, touched: Mapping[str, model.Charge]) -> None:
        """`prorate none` needs each changed recurring charge to start a period on the effective date."""
        for charge in touched.values():
            billing = charge.billing
            if billing is None or is_period_start(amendment.effective, self.start, billing.months, self.anchor):
                continue
            sink = self.sink
            sink.append(
                error(
                    "E0607",
                    f"amendment {amendment.number} says `prorate none` but takes effect mid-period",
                    amendment.span,
                    label=f"{amendment.effective} is inside a billing period of charge `{charge.id}`",
                    help="choose an effective date on which a billing period starts, or remove `prorate none`",
                )
            )
            return

    def _notice(self, amendment: ast.Amendment, renewal: model.Renewal) -> None:
        notice = renewal.notice
        if notice is None or notice.count <= 0:
            return
        try:
            earliest = add_duration(amendment.signed, notice)
        except (ValueError, OverflowError):
            return
        if amendment.effective < earliest:
            self.sink.append(
                warning(
                    "W0602",
                    f"amendment {amendment.number} terminates with less notice than agreed",
                    amendment.span,
                    label=f"signed {amendment.signed}, effective {amendment.effective}",
                    help=f"the notice is {notice.count} {notice.unit}s: the earliest end for a termination "
                    f"signed {amendment.signed} is {earliest}; fine if both parties agreed to end sooner",
                )
            )

    def _order(self, amendment: ast.Amendment, previous: ast.Amendment | None) -> None:
        expected = previous.number + 1 if previous else 1
        if amendment.number != expected:
            self.sink.append(
                error(
                    "E0601",
                    f"amendment {amendment.number} is out of order",
                    amendment.span,
                    label=f"expected amendment {expected} here",
                    help="number amendments 1, 2, 3, ... in the order they were signed, and append new ones at the end",
                    labels=(Label(previous.span, f"amendment {previous.number}"),) if previous else (),
                )
            )
        if previous is not None and amendment.signed < previous.signed:
            # what was known on a day (the revenue reports' remaining obligations) is read as a prefix of the
            # numbers: a later number signed earlier would make amendment 1 known before it was signed
            self.sink.append(
                error(
                    "E0608",
                    f"amendment {amendment.number} is signed before amendment {previous.number}",
                    amendment.span,
                    label=f"signed {amendment.signed}",
                    help="number amendments in the order they were signed: swap the numbers (and their places in the"
                    " file), or correct the signing date",
                    labels=(Label(previous.span, f"signed {previous.signed}"),),
                )
            )
        if previous is not None and amendment.effective < previous.effective:
            self.sink.append(
                error(
                    "E0602",
                    f"amendment {amendment.number} takes effect before amendment {previous.number}",
                    amendment.span,
                    label=f"effective {amendment.effective}",
                    help="amendments apply in order; a later amendment cannot take effect before an earlier one",
                    labels=(Label(previous.span, f"effective {previous.effective}"),),
                )
            )

    def _existing(
        self, ref: ast.Ref, live: Mapping[str, model.Charge], amendment: ast.Amendment
    ) -> model.Charge | None:
        if ref.name in live:
            return live[ref.name]
        removed = ref.name in self.charges
        self.sink.append(
            error(
                "E0604",
                f"amendment {amendment.number} changes charge `{ref.name}`, which "
                + ("was removed earlier" if removed else "the contract does not have"),
                ref.span,
                label="no such charge on " + str(amendment.effective),
                help=did_you_mean(ref.name, live) if not removed else "add it again with `charge` first",
            )
        )
        return None
