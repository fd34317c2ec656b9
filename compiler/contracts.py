"""Contracts: customer, dates, term and renewal, the plan version followed with its
overrides, extra charges, discounts, commitments, indexation, SSP and amendments."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any, cast

import attrs

from compiler import identity, model
from compiler.amendments import AmendmentChecker, TermsRecorder
from compiler.calendar import MONTH_NAMES
from compiler.charges import ChargeBuilder, check_duration, check_not_negative, check_ssp
from compiler.cutover import check_allowances, contract_cutover, straddled_year
from compiler.identity import check_currency
from compiler.money import minor_unit
from compiler.names import did_you_mean, duplicate, resolve
from compiler.statements import Statements
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
from dsl.diagnostics import Diagnostic, Label, error, note, warning
from dsl.printer import format_decimal, quote, statement_text

RENEWALS = (ast.RenewStmt, ast.EvergreenStmt, ast.NoRenewalStmt)


@attrs.define
class ContractContext:
    customers: Mapping[str, Any]
    plans: Mapping[str, tuple[model.PlanVersion, ...]]
    indices: Mapping[str, Any]
    charges: ChargeBuilder
    default_currency: str
    default_due_days: int
    sink: list[Diagnostic]
    cutover: model.Cutover | None = None
    """avtale.toml's `billed_through`, for contracts without their own."""


class ContractBuilder:
    def __init__(self, ctx: ContractContext) -> None:
        self.ctx = ctx
        self.sink = ctx.sink

    def build(self, contract: ast.Contract) -> model.Contract | None:
        sink = self.sink
        cid = contract.id
        st = Statements(f"contract `{cid.name}`", contract.body, sink)
        customer = st.require(ast.CustomerRef, "customer", cid.span, "customer acme")
        signed = st.require(ast.SignedStmt, "signing date", cid.span, "signed 2025-12-15")
        start = st.require(ast.StartStmt, "start date", cid.span, "start 2026-01-01")
        term = st.one(ast.TermStmt)
        renewal = cast(
            "ast.RenewStmt | ast.EvergreenStmt | ast.NoRenewalStmt | None",
            st.one(RENEWALS, "renewal rule (`renew`, `evergreen` or `no renewal`)", code="E0308"),
        )
        anchor = st.one(ast.AnchorStmt)
        due = st.one(ast.DueStmt)
        po = st.one(ast.PurchaseOrderStmt)
        reference = st.one(ast.ReferenceStmt)
        currency = st.one(ast.CurrencyStmt)
        plan_ref = st.one(ast.PlanRef, "`plan`")
        minimum = st.one(ast.MinimumStmt)
        prepaid_stmt = st.one(ast.PrepaidStmt)
        policy = st.one(ast.RevenuePolicyStmt)
        billed_through = st.one(ast.BilledThroughStmt)

        if customer is not None:
            resolve("customer", customer.customer, self.ctx.customers, sink)
        if currency is not None:
            check_currency(currency.code, currency.span, sink)
        if anchor is not None and not 1 <= anchor.day <= 31:
            sink.append(
                error(
                    "E0505",
                    f"billing anchor {anchor.day} is not a day of the month",
                    anchor.span,
                    label="expected 1 to 31",
                    help="write the day periods start on; 29, 30 and 31 fall on the last day of shorter months",
                )
            )
        if due is not None:
            check_not_negative(Decimal(due.days), "due days", due.span, sink)
        minimum_vat: model.Vat | None = None
        if minimum is not None:
            check_not_negative(minimum.amount, "a minimum commitment", minimum.span, sink)
            if minimum.vat is not None:
                # the charge's own VAT check: E0207 without an exempt reason, E0218 outside for MVA sellers
                minimum_vat = self.ctx.charges._vat(minimum.vat)
        if term is not None:
            check_duration(term.duration, "a term", sink)
        check_renewal(renewal, sink)
        if term is None and not isinstance(renewal, ast.EvergreenStmt):
            sink.append(
                error(
                    "E0504",
                    f"contract `{cid.name}` has no term",
                    cid.span,
                    label="how long does it run?",
                    help="add `term 12 months`, or `evergreen notice 3 months` for a contract running until terminated",
                )
            )
        if signed is not None and start is not None and signed.on > start.on:
            sink.append(
                warning(
                    "W0501",
                    f"contract `{cid.name}` is signed after it starts",
                    signed.span,
                    label=f"signed {signed.on}, starts {start.on}",
                    help="a back-dated contract is billed from its start date; check the dates if this is a typo",
                    labels=(Label(start.span, "starts here"),),
                )
            )

        choice, version = self._plan(cid, plan_ref, signed, start)
        contract_currency = self._currency(currency, version, plan_ref)
        charges = self._charges(st, plan_ref, version)
        if not charges and plan_ref is None:
            sink.append(
                error(
                    "E0502",
                    f"contract `{cid.name}` has nothing to bill",
                    cid.span,
                    label="no plan and no charges",
                    help="add `plan ID` to follow a price plan, or a `charge` of its own",
                )
            )
        ids = {c.id: c for c in charges}
        term_model = duration(term.duration) if term else None
        end = end_of_term(start.on, term_model, term.span, sink) if start and term else None
        own = {node.id.name for node in st.all(ast.Charge)}
        for charge in charges:
            if charge.id in own:
                check_charge_dates(charge, start.on if start else None, end, sink)
        discounts = [self._discount(d, ids, start.on if start else None, end) for d in st.all(ast.DiscountStmt)]
        indexations = [self._indexation(x, ids, start.on if start else None, end) for x in st.all(ast.IndexationStmt)]
        ssp = self._ssp(st, ids)
        if customer is None or signed is None or start is None:
            return None
        recorder = TermsRecorder.of(start.on, ids, discounts, term_model, renewal_of(renewal))
        amendments = AmendmentChecker(
            contract_id=cid.name,
            signed=signed.on,
            start=start.on,
            anchor=anchor.day if anchor else None,
            end=end,
            renewal=renewal_of(renewal),
            charges=ids,
            builder=self.ctx.charges,
            sink=sink,
            recorder=recorder,
        ).check(st.all(ast.Amendment))
        if minimum is not None and minimum_vat is None:
            minimum_vat = self._minimum_vat(minimum, charges, amendments)
        # a term that is renewed does not end the contract years
        last = end if renewal_of(renewal).kind == "none" else None
        cutover = contract_cutover(cid.name, billed_through, self.ctx.cutover, start.on, minimum, sink, end=last)
        prepaid = (
            self._prepaid(prepaid_stmt, charges, amendments, cutover, start.on, last, contract_currency)
            if prepaid_stmt
            else None
        )
        terms = recorder.terms()
        if cutover is not None:
            check_allowances(cid.name, cutover, terms, start.on, anchor.day if anchor else None, last, sink)
        return model.Contract(
            id=cid.name,
            customer=customer.customer.name,
            signed=signed.on,
            start=start.on,
            term=term_model,
            renewal=renewal_of(renewal),
            anchor_day=anchor.day if anchor else None,
            due_days=due.days if due else self.ctx.default_due_days,
            purchase_order=po.value if po else None,
            reference=reference.value if reference else None,
            currency=contract_currency,
            plan=choice,
            charges=tuple(charges),
            discounts=tuple(discounts),
            minimum=minimum.amount if minimum else None,
            indexations=tuple(x for x in indexations if x is not None),
            ssp=ssp,
            amendments=amendments,
            span=contract.span,
            minimum_vat=minimum_vat,
            minimum_span=minimum.span if minimum else None,
            terms=terms,
            revenue_policy=policy.policy if policy else None,
            cutover=cutover,
            prepaid=prepaid,
        )

    # ------------------------------------------------------------ plan
    def _plan(
        self,
        cid: ast.Ref,
        plan_ref: ast.PlanRef | None,
        signed: ast.SignedStmt | None,
        start: ast.StartStmt | None,
    ) -> tuple[model.PlanChoice | None, model.PlanVersion | None]:
        if plan_ref is None:
            return None, None
        versions = resolve("plan", plan_ref.plan, self.ctx.plans, self.sink)
        if not versions:
            return None, None
        name = plan_ref.plan.name
        dates = ", ".join(f"`{v.effective}`" for v in versions)
        if plan_ref.version is not None:
            for v in versions:
                if v.effective == plan_ref.version:
                    return model.PlanChoice(plan=name, version=v.effective, pinned=True), v
            self.sink.append(
                error(
                    "E0306",
                    f"plan `{name}` has no version effective {plan_ref.version}",
                    plan_ref.span,
                    label="no such version",
                    help=f"versions of `{name}` take effect on {dates}",
                )
            )
            return None, None
        if signed is None or start is None:
            return None, None
        in_force = [v for v in versions if v.effective <= signed.on]
        reason = f"in force when the contract was signed ({signed.on})"
        if not in_force:
            in_force = [v for v in versions if v.effective <= start.on][:1]
            reason = f"the first version in force by the start date ({start.on}); none was in force when signed"
        if not in_force:
            self.sink.append(
                error(
                    "E0307",
                    f"no version of plan `{name}` is in force for contract `{cid.name}`",
                    plan_ref.span,
                    label=f"signed {signed.on}, starts {start.on}",
                    help=f"versions of `{name}` take effect on {dates}; pin one with `plan {name} version DATE`",
                )
            )
            return None, None
        chosen = in_force[-1]
        newer = [v for v in versions if v.effective > chosen.effective]
        extra = f"; newer version {newer[-1].effective} exists (grandfathered)" if newer else ""
        self.sink.append(
            note(
                "N0301",
                f"contract `{cid.name}` follows plan `{name}` version {chosen.effective}",
                plan_ref.span,
                label=reason + extra,
                help=f"pin it with `plan {name} version {chosen.effective}` to make the choice explicit",
            )
        )
        return model.PlanChoice(plan=name, version=chosen.effective, pinned=False), chosen

    def _currency(
        self, stmt: ast.CurrencyStmt | None, version: model.PlanVersion | None, plan_ref: ast.PlanRef | None
    ) -> str:
        if stmt is None:
            return version.currency if version else self.ctx.default_currency
        known = stmt.code in identity.CURRENCIES
        if known and version is not None and version.currency != stmt.code and plan_ref is not None:
            self.sink.append(
                error(
                    "E0501",
                    f"the contract is in {stmt.code} but plan `{version.id}` is in {version.currency}",
                    stmt.span,
                    label=f"contract currency {stmt.code}",
                    help=f"write `currency {version.currency}`, or follow a plan priced in {stmt.code}",
                    labels=(Label(version.span, f"plan priced in {version.currency}"),),
                )
            )
        return stmt.code

    # --------------------------------------------------------- charges
    def _charges(
        self, st: Statements, plan_ref: ast.PlanRef | None, version: model.PlanVersion | None
    ) -> list[model.Charge]:
        sink = self.sink
        charges: dict[str, model.Charge] = {c.id: c for c in version.charges} if version else {}
        if plan_ref is not None and version is not None:
            for override in plan_ref.overrides or ():
                target = charges.get(override.charge.name)
                if target is None:
                    sink.append(
                        error(
                            "E0302",
                            f"plan `{version.id}` has no charge `{override.charge.name}`",
                            override.charge.span,
                            label="unknown charge",
                            help=did_you_mean(override.charge.name, charges),
                        )
                    )
                    continue
                charges[target.id] = apply_set(target, override, sink)
        own_spans: dict[str, ast.Ref] = {}
        for node in st.all(ast.Charge):
            built = self.ctx.charges.build(node)
            if node.id.name in charges or node.id.name in own_spans:
                first = own_spans.get(node.id.name)
                if first is not None:
                    sink.append(duplicate("charge", node.id, first))
                else:
                    sink.append(
                        error(
                            "E0301",
                            f"charge `{node.id.name}` is already in plan `{plan_ref.plan.name if plan_ref else ''}`",
                            node.id.span,
                            label="same id as a plan charge",
                            help="give the contract's own charge another id, or override the plan charge's "
                            "price or quantity in the `plan` block",
                        )
                    )
                continue
            own_spans[node.id.name] = node.id
            if built is not None:
                charges[built.id] = built
        for charge in charges.values():
            if isinstance(charge.pricing, model.PerUnitFee | model.TieredFee) and charge.quantity is None:
                sink.append(
                    error(
                        "E0510",
                        f"{'tiered' if isinstance(charge.pricing, model.TieredFee) else 'per-unit'} charge "
                        f"`{charge.id}` has no quantity",
                        plan_ref.span if plan_ref and charge in (version.charges if version else ()) else charge.span,
                        label="how many units?",
                        help=f"write `{charge.id} quantity 10` in the `plan` block (or `quantity 10` in the charge)",
                    )
                )
        return list(charges.values())

    # ------------------------------------------------- discounts and more
    def _discount(
        self, stmt: ast.DiscountStmt, charges: Mapping[str, model.Charge], start: date | None, end: date | None
    ) -> model.Discount:
        for ref in stmt.charges:
            resolve("charge", ref, charges, self.sink, where=" in this contract")
        check_discount(stmt, start, end, self.sink)
        return discount_of(stmt)

    def _indexation(
        self, stmt: ast.IndexationStmt, charges: Mapping[str, model.Charge], start: date | None, end: date | None
    ) -> model.Indexation | None:
        sink = self.sink
        resolve("index", stmt.index, self.ctx.indices, sink)
        for ref in stmt.charges:
            resolve("charge", ref, charges, sink, where=" in this contract")
        month_name = stmt.compare.name.lower()
        if month_name not in MONTH_NAMES:
            sink.append(
                error(
                    "E0507",
                    f"`{stmt.compare.name}` is not a month",
                    stmt.compare.span,
                    label="expected a month's English name",
                    help=did_you_mean(month_name, MONTH_NAMES),
                )
            )
        if stmt.cap is not None and stmt.floor is not None and stmt.floor > stmt.cap:
            sink.append(
                error(
                    "E0508",
                    "the indexation floor is above its cap",
                    stmt.span,
                    label=f"floor {stmt.floor}% > cap {stmt.cap}%",
                    help="swap them: the floor is the smallest change, the cap the largest",
                )
            )
        if (start is not None and stmt.start < start) or (end is not None and stmt.start >= end):
            sink.append(
                error(
                    "E0512",
                    "indexation starts outside the contract's term",
                    stmt.span,
                    label=f"from {stmt.start}",
                    help=f"start indexation on an adjustment date between {start} and {end or 'the end'}",
                )
            )
        if month_name not in MONTH_NAMES:
            return None
        return model.Indexation(
            index=stmt.index.name,
            on=(stmt.on.month, stmt.on.day),
            start=stmt.start,
            compare_month=MONTH_NAMES.index(month_name) + 1,
            cap=stmt.cap,
            floor=stmt.floor,
            charges=tuple(r.name for r in stmt.charges),
            span=stmt.span,
        )

    def _minimum_vat(
        self, minimum: ast.MinimumStmt, charges: list[model.Charge], amendments: tuple[model.Amendment, ...]
    ) -> model.Vat:
        """The VAT shared by every charge the contract can have, for a minimum without `vat`."""
        added = [c.charge for a in amendments for c in a.changes if isinstance(c, model.AddCharge)]
        first: dict[model.Vat, model.Charge] = {}
        for charge in [*charges, *added]:
            first.setdefault(charge.vat, charge)
        if len(first) <= 1:
            return next(iter(first), model.Vat(category="standard"))

        def words(vat: model.Vat) -> str:
            alike = sum(v.category == vat.category for v in first)
            return vat.category if vat.reason is None or alike == 1 else f"{vat.category} {quote(vat.reason)}"

        vat = next(iter(first))
        example = ast.MinimumStmt(amount=minimum.amount, vat=ast.VatStmt(category=vat.category, reason=vat.reason))
        self.sink.append(
            error(
                "E0516",
                "the minimum commitment tops up charges with different VAT ("
                + ", ".join(f"{words(v)} on `{c.id}`" for v, c in first.items())
                + ")",
                minimum.span,
                label="which VAT does the true-up carry?",
                help=f"write the VAT of the true-up on the minimum: `{statement_text(example)}`",
                labels=tuple(Label(c.span, f"{words(v)} VAT") for v, c in first.items()),
            )
        )
        return model.Vat(category="standard")

    def _prepaid(
        self,
        stmt: ast.PrepaidStmt,
        charges: list[model.Charge],
        amendments: tuple[model.Amendment, ...],
        cutover: model.Cutover | None = None,
        start: date | None = None,
        end: date | None = None,
        currency: str = "NOK",
    ) -> model.Prepaid | None:
        """The prepaid credit: a positive amount, drawn down by usage charges of the contract that share its VAT,
        and a cut-over (if any) on the boundary of two contract years."""
        sink = self.sink
        year = straddled_year(start, cutover.first_day, end) if cutover is not None and start is not None else None
        if year is not None and cutover is not None and start is not None:
            last = year[1] - timedelta(days=1)
            before = year[0] - timedelta(days=1)
            if cutover.from_settings:
                # the contract has no `billed_through` to move: it can get its own, or the workspace's can move
                own = f"`billed_through {last}`" + (f" or `billed_through {before}`" if year[0] > start else "")
                how = (
                    f"give this contract its own {own}, on a contract year's boundary, or move the "
                    "`billed_through` in avtale.toml to the end of this contract's year"
                )
            else:
                other = f"`billed_through {before}`" if year[0] > start else "no `billed_through`: Avtale bills it all"
                how = f"move the cut-over to the end of a contract year (`billed_through {last}`, or {other})"
            sink.append(
                error(
                    "E0523",
                    f"the cut-over after {cutover.through} falls inside the contract year {year[0]} – {last} "
                    "of a prepaid credit",
                    stmt.span if cutover.from_settings else cutover.span,
                    label=f"billed through {cutover.through} ({'avtale.toml' if cutover.from_settings else 'here'})",
                    help="the old billing invoiced that year's credit and drew it down, so Avtale cannot know what "
                    f"is left of it: {how}",
                    labels=(Label(stmt.span, "the credit is bought per contract year"),)
                    if not cutover.from_settings
                    else (Label(cutover.span, "the workspace's cut-over"),),
                )
            )
        check_not_negative(stmt.amount, "a prepaid credit", stmt.span, sink)
        if stmt.amount == 0:
            sink.append(
                error(
                    "E0520",
                    "a prepaid credit of zero has nothing to draw down",
                    stmt.span,
                    label="prepaid 0",
                    help="write the amount the customer buys up front each contract year, or remove the line",
                )
            )
        digits = minor_unit(currency)
        if stmt.amount != stmt.amount.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_DOWN):
            sink.append(
                error(
                    "E0525",
                    f"a prepaid credit of {format_decimal(stmt.amount)} {currency} is finer than the currency's "
                    "smallest unit",
                    stmt.span,
                    label=f"{currency} has {digits} decimals",
                    help="the credit is invoiced as it is written: write an amount the invoice can carry",
                )
            )
        added = [c.charge for a in amendments for c in a.changes if isinstance(c, model.AddCharge)]
        # every version of a charge id: an amendment may remove a charge and add it back priced or taxed
        # differently, and the credit is drawn by each version in turn
        versions: dict[str, list[model.Charge]] = {}
        for charge in [*charges, *added]:
            versions.setdefault(charge.id, []).append(charge)
        known = {cid: vs[0] for cid, vs in versions.items()}
        named: list[model.Charge] = []
        seen: dict[str, ast.Ref] = {}
        for ref in stmt.charges:
            if ref.name in seen:
                sink.append(
                    error(
                        "E0304",
                        f"the prepaid credit names charge `{ref.name}` twice",
                        ref.span,
                        label="second one here",
                        help=f"name `{ref.name}` once",
                        labels=(Label(seen[ref.name].span, "first one here"),),
                    )
                )
                continue
            seen[ref.name] = ref
            if resolve("charge", ref, known, sink, where=" in this contract") is None:
                continue
            fixed = next((c for c in versions[ref.name] if not isinstance(c.pricing, model.UsageFee)), None)
            if fixed is not None:
                first = fixed is known[ref.name]
                sink.append(
                    error(
                        "E0521",
                        f"charge `{ref.name}` is not priced by usage, so it cannot draw down a prepaid credit",
                        ref.span,
                        label="not a usage charge" if first else "not a usage charge in one of its versions",
                        help="name the usage charges the credit pays for; fixed fees are invoiced as they are",
                        labels=() if first else (Label(fixed.span, "this version is not priced by usage"),),
                    )
                )
                continue
            named.extend(versions[ref.name])
        vat = self.ctx.charges._vat(stmt.vat) if stmt.vat is not None else None
        kinds = {c.vat for c in named} | ({vat} if vat is not None else set())
        if len(kinds) > 1:
            sink.append(
                error(
                    "E0522",
                    "a prepaid credit and the charges that draw it down must carry the same VAT",
                    stmt.span,
                    label=", ".join(sorted(f"{v.category}" for v in kinds)),
                    help="a drawdown credits the usage line at the usage's VAT, so the credit must have been invoiced "
                    "with it: give the named charges one VAT, and write it (or none) on `prepaid`",
                    labels=tuple(Label(c.span, f"{c.vat.category} VAT") for c in named),
                )
            )
        if not named:
            return None
        return model.Prepaid(
            amount=stmt.amount,
            charges=tuple(dict.fromkeys(c.id for c in named)),
            vat=vat or named[0].vat,
            span=stmt.span,
        )

    def _ssp(self, st: Statements, charges: Mapping[str, model.Charge]) -> tuple[tuple[str, Decimal], ...]:
        seen: dict[str, ast.ContractSspStmt] = {}
        for stmt in st.all(ast.ContractSspStmt):
            resolve("charge", stmt.charge, charges, self.sink, where=" in this contract")
            check_ssp(stmt.amount, stmt.span, self.sink)
            if stmt.charge.name in seen:
                self.sink.append(duplicate("ssp for charge", stmt.charge, seen[stmt.charge.name].charge))
            seen[stmt.charge.name] = stmt
        return tuple((name, stmt.amount) for name, stmt in seen.items())
