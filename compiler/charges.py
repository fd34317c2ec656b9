"""Charges: one pricing rule, a billing rule, a revenue rule, VAT and the rest,
checked and resolved with their defaults.

Defaults (docs/language.md): a recurring charge is billed in advance on the
cycle of its price period; usage is billed monthly in arrears; revenue is
recognised ratably by day for recurring charges, as consumed for usage and
at start for one-time fees; VAT is `standard`.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Literal

import attrs

from compiler import model
from compiler.names import check_charge_id, resolve
from compiler.statements import Statements
from dsl import ast
from dsl.diagnostics import Diagnostic, Label, error
from dsl.printer import format_decimal
from dsl.span import Span

PRICE_KINDS = (
    ast.FlatPrice,
    ast.PerUnitPrice,
    ast.OneTimePrice,
    ast.GraduatedPrice,
    ast.VolumePrice,
    ast.PackagePrice,
    ast.PercentagePrice,
)
USAGE_ONLY = (ast.GraduatedPrice, ast.VolumePrice, ast.PackagePrice, ast.PercentagePrice)
QUANTIFIED = (model.PerUnitFee, model.TieredFee)
"""Recurring prices that bill a quantity (`quantity N`)."""
LEVELS = frozenset({"time_weighted", "daily_average", "peak"})
"""Aggregations that read a gauge's level: priced per unit-month (compiler/billing/pricing/levels.py)."""
ALLOWANCE_RULES = (model.UnitRate, model.Tiered, model.Package)
PER_EVENT_PERCENT_DECIMALS = 8
"""A price per event is summed exactly over events in DECIMAL(38, 20) (an amount's 10 decimals and the rate's 10,
leaving 18 digits before the point): a percent of up to 8 decimals is a rate of up to 10."""
PER_EVENT_AMOUNT_DECIMALS = 20
"""Usage rules that count units, so that some can be included for free."""
PERIOD_MONTHS = {"month": 1, "quarter": 3, "year": 12}
CYCLE_MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12}
PERIOD_CYCLE: dict[str, ast.Cycle] = {"month": "monthly", "quarter": "quarterly", "year": "yearly"}
HUNDRED = Decimal(100)


def check_not_negative(value: Decimal | None, what: str, span: Span, sink: list[Diagnostic]) -> None:
    if value is not None and value < 0:
        sink.append(
            error(
                "E0208",
                f"{what} cannot be negative",
                span,
                label=f"{what} is {value}",
                help="write the amount as a positive number; a reduction is a `discount`, a refund a credit note",
            )
        )


def check_ssp(value: Decimal, span: Span, sink: list[Diagnostic]) -> None:
    """A standalone selling price is what the charge sells for alone: more than zero. A zero share of the
    allocation would hand the obligation's revenue to the others (IFRS 15 ¶76-80) without anyone noticing."""
    check_not_negative(value, "a standalone selling price", span, sink)
    if value == 0:
        sink.append(
            error(
                "E0222",
                "a standalone selling price cannot be zero",
                span,
                label="ssp 0 gives this charge none of the transaction price",
                help="write what the charge would sell for on its own, or leave `ssp` out to allocate by the plan "
                "price",
            )
        )


def check_duration(d: ast.Duration, what: str, sink: list[Diagnostic], *, allow_zero: bool = False) -> None:
    if d.count < 0 or (d.count == 0 and not allow_zero):
        sink.append(
            error(
                "E0514",
                f"{what} must be {'zero or more' if allow_zero else 'longer than zero'}",
                d.span,
                label=f"{d.count} {d.unit}s",
                help=f"write a positive length, such as `12 months`{' or `0 months`' if allow_zero else ''}",
            )
        )


def check_percent(value: Decimal, what: str, span: Span, sink: list[Diagnostic], *, allow_zero: bool = True) -> None:
    low_ok = value >= 0 if allow_zero else value > 0
    if not low_ok or value > HUNDRED:
        sink.append(
            error(
                "E0214",
                f"{what} of {value}% is out of range",
                span,
                label="outside 0% to 100%" if allow_zero else "outside (0%, 100%]",
                help="write a percentage between 0% and 100%",
            )
        )


def check_tiers(tiers: tuple[ast.Tier, ...], span: Span, sink: list[Diagnostic]) -> None:
    previous: ast.Tier | None = None
    for position, tier in enumerate(tiers):
        check_not_negative(tier.price, "a tier price", tier.span, sink)
        check_not_negative(tier.flat, "a tier's flat amount", tier.span, sink)
        if tier.up_to is None and position != len(tiers) - 1:
            sink.append(
                error(
                    "E0204",
                    "`above` must be the last tier",
                    tier.span,
                    label="a tier follows this one",
                    help="move the `above` tier to the end of the table",
                )
            )
        if tier.up_to is not None and tier.up_to <= 0:
            sink.append(
                error(
                    "E0203",
                    "tier bounds must increase",
                    tier.span,
                    label=f"a bound of {tier.up_to} leaves this tier empty",
                    help="the first bound must be above 0",
                )
            )
        elif (
            previous is not None
            and previous.up_to is not None
            and tier.up_to is not None
            and tier.up_to <= previous.up_to
        ):
            sink.append(
                error(
                    "E0203",
                    "tier bounds must increase",
                    tier.span,
                    label=f"{tier.up_to} is not above the previous bound {previous.up_to}",
                    help="write the tiers in increasing order of their bounds, each bound above the last",
                    labels=(Label(previous.span, "previous tier"),),
                )
            )
        previous = tier
    if not tiers or tiers[-1].up_to is not None:
        where = tiers[-1].span if tiers else span
        sink.append(
            error(
                "E0204",
                "a tier table must end with an `above` tier",
                where,
                label="no price for quantities above the last bound",
                help="add a last line such as `above 0.008`",
            )
        )


def _tier_rows(tiers: tuple[ast.Tier, ...]) -> tuple[model.TierRow, ...]:
    return tuple(model.TierRow(up_to=t.up_to, price=t.price, flat=t.flat or Decimal(0)) for t in tiers)


class ChargeBuilder:
    """Resolves charges; shared by plans, contracts and amendments."""

    def __init__(self, metrics: Mapping[str, Any], seller_mva: bool, sink: list[Diagnostic]) -> None:
        self.metrics = metrics
        self.seller_mva = seller_mva
        self.sink = sink

    def build(self, charge: ast.Charge) -> model.Charge | None:
        sink = self.sink
        check_charge_id(charge.id, sink)
        st = Statements(f"charge `{charge.id.name}`", charge.body, sink)
        price = st.one(PRICE_KINDS, "pricing rule", code="E0201")
        usage = st.one(ast.UsageStmt)
        billing = st.one(ast.BillingStmt)
        revenue = st.one(ast.RevenueStmt)
        vat = st.one(ast.VatStmt)
        ssp = st.one(ast.SspStmt)
        trial = st.one(ast.TrialStmt)
        unit = st.one(ast.UnitStmt)
        account = st.one(ast.AccountStmt)
        quantity = st.one(ast.QuantityStmt)
        included = st.one(ast.IncludedStmt)
        unused = st.one(ast.UnusedStmt)

        if not charge.label.strip():
            sink.append(
                error(
                    "E0221",
                    f"charge `{charge.id.name}` has an empty label",
                    charge.id.span,
                    label="what does the customer read on the invoice?",
                    help=f'write what the charge is called on invoices: `charge {charge.id.name} "Brukerlisenser" {{`',
                )
            )
        if price is None:
            sink.append(
                error(
                    "E0202",
                    f"charge `{charge.id.name}` has no pricing rule",
                    charge.id.span,
                    label="what does this charge cost?",
                    help="add one of: `flat 4_990.00 per month`, `per_unit 149.00 per seat per month`, "
                    "`one_time 25_000.00 on start`, or `usage METRIC` with a price",
                )
            )
            return None
        metric_id: str | None = None
        if usage is not None and resolve("metric", usage.metric, self.metrics, sink) is not None:
            metric_id = usage.metric.name
        pricing = self._pricing(charge, price, usage, metric_id)
        self._check_amounts(price, ssp, quantity)
        pricing = self._consumption(charge, pricing, included, unused)
        if trial is not None:
            check_duration(trial.duration, "a trial", sink)
        if trial is not None and isinstance(pricing, (model.OneTimeFee, model.UsageFee)):
            sink.append(
                error(
                    "E0220",
                    "a trial applies to recurring charges only",
                    trial.span,
                    label="this charge does not recur",
                    help="remove the trial, or put it on the recurring charges of the contract",
                )
            )
        if quantity is not None and pricing is not None and not isinstance(pricing, QUANTIFIED):
            sink.append(
                error(
                    "E0509",
                    f"charge `{charge.id.name}` is not priced per unit",
                    quantity.span,
                    label="a quantity does not apply",
                    help="only `per_unit` charges and tiers on a quantity (`graduated per month { ... }`) have a "
                    "quantity; delete this line",
                )
            )
        return model.Charge(
            id=charge.id.name,
            label=charge.label,
            pricing=pricing if pricing is not None else model.FlatFee(amount=Decimal(0), period="month"),
            billing=self._billing(price, usage, billing),
            trial=model.Duration(count=trial.duration.count, unit=trial.duration.unit) if trial else None,
            revenue=self._revenue(price, usage, revenue),
            vat=self._vat(vat),
            ssp=ssp.amount if ssp else None,
            ssp_period=ssp.period if ssp else None,
            unit=unit.code if unit else None,
            account=account.number if account else None,
            quantity=quantity.quantity if quantity else None,
            span=charge.span,
        )

    def _check_amounts(self, price: Any, ssp: ast.SspStmt | None, quantity: ast.QuantityStmt | None) -> None:
        sink = self.sink
        for attr, what in (
            ("amount", "a price"),
            ("price", "a price"),
            ("minimum", "a minimum"),
            ("maximum", "a maximum"),
            ("fee_per_event", "a fee per event"),
            ("event_minimum", "a minimum per event"),
            ("event_maximum", "a maximum per event"),
        ):
            value = getattr(price, attr, None)
            if isinstance(value, Decimal):
                check_not_negative(value, what, price.span, sink)
        if ssp is not None:
            check_ssp(ssp.amount, ssp.span, sink)
        if quantity is not None:
            check_not_negative(quantity.quantity, "a quantity", quantity.span, sink)

    def _pricing(
        self, charge: ast.Charge, price: Any, usage: ast.UsageStmt | None, metric: str | None
    ) -> model.Pricing | None:
        sink = self.sink
        if isinstance(price, (ast.GraduatedPrice, ast.VolumePrice)) and price.period is not None:
            if usage is not None:
                sink.append(
                    error(
                        "E0211",
                        "a usage price has no period",
                        price.span,
                        label=f"`per {price.period}` does not apply to usage",
                        help="usage tiers price the total counted in each billing period: write "
                        f"`{'graduated' if isinstance(price, ast.GraduatedPrice) else 'volume'} {{ ... }}`; tiers per "
                        "period are for a charge's quantity, without `usage`",
                    )
                )
                return None
            check_tiers(price.tiers, price.span, sink)
            mode: Literal["graduated", "volume"] = "graduated" if isinstance(price, ast.GraduatedPrice) else "volume"
            return model.TieredFee(mode=mode, tiers=_tier_rows(price.tiers), period=price.period)
        if usage is None:
            if isinstance(price, USAGE_ONLY):
                tiers = isinstance(price, (ast.GraduatedPrice, ast.VolumePrice))
                sink.append(
                    error(
                        "E0205",
                        f"charge `{charge.id.name}` prices usage but names no metric",
                        price.span,
                        label="usage pricing needs a metric to count",
                        help="add `usage METRIC` naming the metric whose total this prices"
                        + ("; or price a quantity: `graduated per month {`" if tiers else ""),
                    )
                )
                return None
            if isinstance(price, ast.FlatPrice):
                return model.FlatFee(amount=price.amount, period=price.period)
            if isinstance(price, ast.OneTimePrice):
                return model.OneTimeFee(amount=price.amount, on=price.on)
            assert isinstance(price, ast.PerUnitPrice)
            if price.period is None:
                sink.append(
                    error(
                        "E0210",
                        "a recurring per-unit price needs a period",
                        price.span,
                        label="per what period?",
                        help=f"write `{_per_unit_example(price)} per month` (or quarter, year); "
                        "for usage, add `usage METRIC`",
                    )
                )
                return None
            return model.PerUnitFee(price=price.price, period=price.period, unit=price.unit)
        if isinstance(price, (ast.FlatPrice, ast.OneTimePrice)):
            sink.append(
                error(
                    "E0209",
                    f"`{'flat' if isinstance(price, ast.FlatPrice) else 'one_time'}` cannot price usage",
                    price.span,
                    label="usage needs a price per unit, tiers, packages or a percentage",
                    help="write `per_unit PRICE`, `graduated { ... }`, `volume { ... }`, "
                    "`package SIZE for PRICE` or `percentage RATE`",
                )
            )
            return None
        rule = self._usage_rule(price)
        if rule is None or metric is None:
            return None
        decl = self.metrics.get(metric)
        body = decl.body if isinstance(decl, ast.Metric) else ()
        function = next((stmt.function for stmt in body if isinstance(stmt, ast.AggregateStmt)), None)
        if isinstance(rule, model.Percentage) and rule.per_event and function != "sum":
            sink.append(
                error(
                    "E0227",
                    f"a price per event needs each event's amount, and metric `{metric}` does not sum one",
                    price.span,
                    label=f"metric `{metric}` aggregates by `{function}`",
                    help="price per event on a metric that sums an amount field (`sum amount`), or drop the "
                    "`per event` parts",
                )
            )
            return None
        return model.UsageFee(metric=metric, rule=rule, level=function in LEVELS)

    def _usage_rule(self, price: Any) -> model.UsageRule | None:
        sink = self.sink
        if isinstance(price, ast.PerUnitPrice):
            if price.period is not None:
                sink.append(
                    error(
                        "E0211",
                        "a usage price has no period",
                        price.span,
                        label=f"`per {price.period}` does not apply to usage",
                        help="usage is priced per unit counted in each billing period: write "
                        f"`{_per_unit_example(price)}`",
                    )
                )
            return model.UnitRate(price=price.price)
        if isinstance(price, (ast.GraduatedPrice, ast.VolumePrice)):
            check_tiers(price.tiers, price.span, sink)
            mode: Literal["graduated", "volume"] = "graduated" if isinstance(price, ast.GraduatedPrice) else "volume"
            return model.Tiered(mode=mode, tiers=_tier_rows(price.tiers))
        if isinstance(price, ast.PackagePrice):
            if price.size <= 0:
                sink.append(
                    error(
                        "E0213",
                        "a package must hold more than zero units",
                        price.span,
                        label=f"package size {price.size}",
                        help="write a positive size, such as `package 1_000 for 50.00`",
                    )
                )
            return model.Package(size=price.size, price=price.price)
        assert isinstance(price, ast.PercentagePrice)
        check_percent(price.percent, "a percentage", price.span, sink)
        for low, high, scope in (
            (price.minimum, price.maximum, ""),
            (price.event_minimum, price.event_maximum, " per event"),
        ):
            if low is not None and high is not None and low > high:
                sink.append(
                    error(
                        "E0215",
                        f"the minimum{scope} is above the maximum{scope}",
                        price.span,
                        label=f"min {low} > max {high}",
                        help="swap them, or drop one",
                    )
                )
        self._check_per_event_decimals(price)
        return model.Percentage(
            percent=price.percent,
            minimum=price.minimum,
            maximum=price.maximum,
            fee_per_event=price.fee_per_event,
            event_minimum=price.event_minimum,
            event_maximum=price.event_maximum,
        )

    def _check_per_event_decimals(self, price: ast.PercentagePrice) -> None:
        """E0228: a price per event is computed on every event, exactly, in the usage store's decimals (an
        amount's 10, times the rate's): a percent of at most 8 decimals, fees and limits of at most 20."""
        if price.fee_per_event is None and price.event_minimum is None and price.event_maximum is None:
            return
        too_fine = [
            (what, value, most)
            for what, value, most in (
                ("the percentage", price.percent, PER_EVENT_PERCENT_DECIMALS),
                ("the fee per event", price.fee_per_event, PER_EVENT_AMOUNT_DECIMALS),
                ("the minimum per event", price.event_minimum, PER_EVENT_AMOUNT_DECIMALS),
                ("the maximum per event", price.event_maximum, PER_EVENT_AMOUNT_DECIMALS),
            )
            if value is not None and _decimals(value) > most
        ]
        for what, value, most in too_fine[:1]:
            self.sink.append(
                error(
                    "E0228",
                    f"{what} of a price per event has more decimals than each event's fee can be computed with",
                    price.span,
                    label=f"{_decimals(value)} decimals, at most {most}",
                    help=f"write {what} with at most {most} decimals",
                )
            )

    def _consumption(
        self,
        charge: ast.Charge,
        pricing: model.Pricing | None,
        included: ast.IncludedStmt | None,
        unused: ast.UnusedStmt | None,
    ) -> model.Pricing | None:
        """`included` and `unused` on the usage rule they fit; a diagnostic where they do not."""
        sink = self.sink
        usage = pricing if isinstance(pricing, model.UsageFee) else None
        if included is not None:
            check_not_negative(included.units, "an included allowance", included.span, sink)
            check_not_negative(included.rollover_max, "a rollover maximum", included.span, sink)
            if usage is not None and isinstance(usage.rule, ALLOWANCE_RULES):
                allowance = model.Allowance(units=included.units, rollover_max=included.rollover_max)
                usage = attrs.evolve(usage, allowance=allowance)
            elif pricing is not None:
                sink.append(
                    error(
                        "E0224",
                        f"charge `{charge.id.name}` cannot include free units",
                        included.span,
                        label="`included` needs usage priced per unit, by tiers or by packages",
                        help="remove `included`, or price the charge's usage with `per_unit`, `graduated`, `volume` "
                        "or `package`; a percentage has no units to give away",
                    )
                )
        if unused is not None:
            rule = usage.rule if usage is not None else None
            if not isinstance(rule, model.Tiered):
                if pricing is not None:
                    sink.append(
                        error(
                            "E0225",
                            f"charge `{charge.id.name}` has no tiers whose flat amount `unused` could bill",
                            unused.span,
                            label="`unused bills ...` applies to usage priced by `graduated` or `volume` tiers",
                            help="remove this line",
                        )
                    )
            elif unused.bills_flat and not rule.tiers[0].flat:
                sink.append(
                    error(
                        "E0226",
                        f"the first tier of charge `{charge.id.name}` has no flat amount to bill",
                        unused.span,
                        label="`unused bills flat` would bill 0.00",
                        help="add the flat amount to the first tier (`up to 1_000 0.00 + 500.00 flat`), or remove "
                        "this line",
                    )
                )
            else:
                assert usage is not None
                usage = attrs.evolve(usage, rule=attrs.evolve(rule, flat_at_zero=unused.bills_flat))
        return usage if usage is not None else pricing

    def _billing(
        self, price: Any, usage: ast.UsageStmt | None, billing: ast.BillingStmt | None
    ) -> model.Billing | None:
        sink = self.sink
        if isinstance(price, ast.OneTimePrice) and usage is None:
            if billing is not None:
                sink.append(
                    error(
                        "E0212",
                        "a one-time charge is billed once, on its date",
                        billing.span,
                        label="a billing cycle does not apply",
                        help="delete this line; the date after `on` says when it is billed",
                    )
                )
            return None
        if billing is not None and billing.cycle == "every" and (billing.months or 0) <= 0:
            sink.append(
                error(
                    "E0219",
                    "a billing cycle must be at least one month",
                    billing.span,
                    label=f"every {billing.months} months",
                    help="write `billed every 2 months`, or `monthly`, `quarterly`, `yearly`",
                )
            )
        if usage is not None:
            if billing is not None and billing.timing == "advance":
                sink.append(
                    error(
                        "E0206",
                        "usage cannot be billed in advance",
                        billing.span,
                        label="usage is only known after the period ends",
                        help="write `in arrears`, or leave the timing out: usage defaults to arrears",
                    )
                )
            if billing is None:
                return model.Billing(months=1, cycle="monthly", timing="arrears")
            return model.Billing(months=_months(billing), cycle=billing.cycle, timing="arrears")
        if billing is None:
            period = getattr(price, "period", None) or "month"
            return model.Billing(months=PERIOD_MONTHS[period], cycle=PERIOD_CYCLE[period], timing="advance")
        return model.Billing(months=_months(billing), cycle=billing.cycle, timing=billing.timing or "advance")

    def _revenue(self, price: Any, usage: ast.UsageStmt | None, revenue: ast.RevenueStmt | None) -> model.Revenue:
        sink = self.sink
        if revenue is None:
            if usage is not None:
                return model.Revenue(method="as_consumed")
            if isinstance(price, ast.OneTimePrice):
                return model.Revenue(method="at_start")
            return model.Revenue(method="ratably_daily")
        if revenue.method == "as_consumed" and usage is None:
            sink.append(
                error(
                    "E0216",
                    "`revenue as consumed` applies to usage charges only",
                    revenue.span,
                    label="this charge has no usage",
                    help="use `revenue ratably daily` for recurring fees, `at start` or `over term` for one-time fees",
                )
            )
        if revenue.method == "milestones":
            total = sum((m.percent for m in revenue.milestones), Decimal(0))
            if total != HUNDRED:
                sink.append(
                    error(
                        "E0217",
                        "milestones must add up to 100%",
                        revenue.span,
                        label=f"they add up to {total}%",
                        help="adjust the percentages so that together they recognise the whole price",
                    )
                )
        return model.Revenue(
            method=revenue.method,
            on=revenue.on,
            milestones=tuple((m.on, m.percent) for m in revenue.milestones),
        )

    def _vat(self, vat: ast.VatStmt | None) -> model.Vat:
        if vat is None:
            return model.Vat(category="standard")
        if vat.category == "exempt" and not (vat.reason or "").strip():
            self.sink.append(
                error(
                    "E0207",
                    "exempt VAT needs a reason",
                    vat.span,
                    label="the invoice must say why no VAT is charged",
                    help='write the legal basis, such as `vat exempt "Unntatt etter mval. § 3-6"`',
                )
            )
        if vat.category == "outside" and self.seller_mva:
            self.sink.append(
                error(
                    "E0218",
                    "`vat outside` is for sellers that are not MVA-registered",
                    vat.span,
                    label="the seller is MVA-registered",
                    help='use `vat zero`, `vat exempt "reason"` or `vat reverse_charge` for sales without VAT',
                )
            )
        return model.Vat(category=vat.category, reason=vat.reason)


def _decimals(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _months(billing: ast.BillingStmt) -> int:
    if billing.cycle == "every":
        return max(1, billing.months or 1)
    return CYCLE_MONTHS[billing.cycle]


def _per_unit_example(price: ast.PerUnitPrice) -> str:
    text = f"per_unit {format_decimal(price.price)}"
    return text + (f" per {price.unit}" if price.unit else "")
