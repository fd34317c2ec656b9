"""Hypothesis strategies that build .avt ASTs directly (not text), for round-trip properties."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

from hypothesis import strategies as st

from dsl import ast

_GRAMMAR = (Path(__file__).parent.parent / "dsl" / "grammar" / "avt.lark").read_text()
KEYWORDS = frozenset(re.findall(r'"([a-z_0-9]+)"', _GRAMMAR))

names = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True).filter(lambda n: n not in KEYWORDS)
contract_ids = st.from_regex(r"[A-Z][A-Z0-9\-]{0,10}", fullmatch=True)
refs = st.builds(ast.Ref, name=names)
texts = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=16)
dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))
ints = st.integers(min_value=-1000, max_value=10**9)


@st.composite
def decimals(draw: st.DrawFn) -> Decimal:
    whole = draw(st.integers(min_value=-(10**11), max_value=10**11))
    places = draw(st.integers(min_value=0, max_value=4))
    return Decimal(whole).scaleb(-places)


periods = st.sampled_from(["month", "quarter", "year"])
durations = st.builds(ast.Duration, count=ints, unit=st.sampled_from(["day", "month", "year"]))
opt = st.none
year_months = st.builds(ast.YearMonth, year=st.integers(1000, 9999), month=st.integers(1, 12))
month_days = st.dates(date(2024, 1, 1), date(2024, 12, 31)).map(lambda d: ast.MonthDay(d.month, d.day))

tiers = st.builds(ast.Tier, up_to=decimals() | opt(), price=decimals(), flat=decimals() | opt())
milestones = st.builds(ast.Milestone, on=dates, percent=decimals())


@st.composite
def billing(draw: st.DrawFn) -> ast.BillingStmt:
    cycle = draw(st.sampled_from(["monthly", "quarterly", "yearly", "every"]))
    months = draw(ints) if cycle == "every" else None
    timing = draw(st.sampled_from(["advance", "arrears"]) | opt())
    return ast.BillingStmt(cycle=cycle, months=months, timing=timing)


@st.composite
def revenue(draw: st.DrawFn) -> ast.RevenueStmt:
    method = draw(
        st.sampled_from(
            ["ratably_daily", "ratably_monthly", "at_start", "on_date", "as_consumed", "over_term", "milestones"]
        )
    )
    if method == "on_date":
        return ast.RevenueStmt(method=method, on=draw(dates))
    if method == "milestones":
        return ast.RevenueStmt(method=method, milestones=tuple(draw(st.lists(milestones, max_size=3))))
    return ast.RevenueStmt(method=method)


@st.composite
def vat(draw: st.DrawFn) -> ast.VatStmt:
    category = draw(st.sampled_from(["standard", "medium", "low", "zero", "exempt", "reverse_charge", "outside"]))
    reason = draw(texts | opt()) if category == "exempt" else None
    return ast.VatStmt(category=category, reason=reason)


charge_stmts = st.one_of(
    st.builds(ast.FlatPrice, amount=decimals(), period=periods),
    st.builds(ast.PerUnitPrice, price=decimals(), unit=names | opt(), period=periods | opt()),
    st.builds(ast.OneTimePrice, amount=decimals(), on=dates | opt()),
    st.builds(ast.UsageStmt, metric=refs),
    st.builds(ast.GraduatedPrice, tiers=st.lists(tiers, max_size=4).map(tuple)),
    st.builds(ast.VolumePrice, tiers=st.lists(tiers, max_size=4).map(tuple)),
    st.builds(ast.PackagePrice, size=decimals(), price=decimals()),
    st.builds(ast.PercentagePrice, percent=decimals(), minimum=decimals() | opt(), maximum=decimals() | opt()),
    billing(),
    st.builds(ast.TrialStmt, duration=durations),
    revenue(),
    vat(),
    st.builds(ast.SspStmt, amount=decimals(), period=periods | opt()),
    st.builds(ast.UnitStmt, code=texts),
    st.builds(ast.AccountStmt, number=ints),
    st.builds(ast.QuantityStmt, quantity=decimals()),
)
charges = st.builds(ast.Charge, id=refs, label=texts, body=st.lists(charge_stmts, max_size=6).map(tuple))
charge_sets = st.builds(
    ast.ChargeSet,
    charge=refs,
    items=st.lists(
        st.builds(ast.QuantityStmt, quantity=decimals()) | st.builds(ast.PriceStmt, price=decimals()),
        min_size=1,
        max_size=2,
    ).map(tuple),
)
name_lists = st.lists(refs, min_size=1, max_size=3).map(tuple)
discounts = st.builds(
    ast.DiscountStmt, label=texts, percent=decimals(), charges=name_lists, start=dates | opt(), until=dates | opt()
)
renewals = st.one_of(
    st.builds(ast.RenewStmt, length=durations, notice=durations),
    st.builds(ast.EvergreenStmt, notice=durations),
    st.builds(ast.NoRenewalStmt),
)
amend_stmts = st.one_of(
    charge_sets,
    charges,
    st.builds(ast.RemoveStmt, charge=refs),
    discounts,
    st.builds(ast.TermStmt, duration=durations),
    renewals,
    st.builds(ast.TerminateStmt),
    st.builds(ast.ProrateStmt),
    st.builds(ast.AccountingStmt, treatment=st.sampled_from(["prospective", "catch_up", "separate"])),
)
contract_stmts = st.one_of(
    st.builds(ast.CustomerRef, customer=refs),
    st.builds(ast.SignedStmt, on=dates),
    st.builds(ast.StartStmt, on=dates),
    st.builds(ast.TermStmt, duration=durations),
    renewals,
    st.builds(ast.AnchorStmt, day=ints),
    st.builds(ast.DueStmt, days=ints),
    st.builds(ast.PurchaseOrderStmt, value=texts),
    st.builds(ast.ReferenceStmt, value=texts),
    st.builds(ast.CurrencyStmt, code=names),
    st.builds(
        ast.PlanRef,
        plan=refs,
        version=dates | opt(),
        overrides=st.lists(charge_sets, max_size=3).map(tuple) | opt(),
    ),
    charges,
    discounts,
    st.builds(ast.MinimumStmt, amount=decimals(), vat=vat() | opt()),
    st.builds(
        ast.IndexationStmt,
        index=refs,
        on=month_days,
        start=dates,
        compare=refs,
        cap=decimals() | opt(),
        floor=decimals() | opt(),
        charges=name_lists,
    ),
    st.builds(ast.ContractSspStmt, charge=refs, amount=decimals()),
    st.builds(
        ast.Amendment,
        number=ints,
        reason=texts,
        signed=dates,
        effective=dates,
        body=st.lists(amend_stmts, max_size=4).map(tuple),
    ),
)
shared = st.one_of(
    st.builds(ast.NameStmt, value=texts),
    st.builds(ast.OrgnrStmt, value=texts),
    st.builds(ast.AddressStmt, street=texts, postcode=texts, city=texts, country=names),
    st.builds(ast.EmailStmt, value=texts),
    st.builds(ast.PeppolStmt, value=texts),
)
seller_stmts = st.one_of(
    shared,
    st.builds(ast.MvaStmt),
    st.builds(ast.ForetaksregisteretStmt),
    st.builds(ast.BankStmt, account=texts),
    st.builds(ast.SeriesStmt, kind=st.sampled_from(["invoice", "credit_note"]), first=ints),
    st.builds(ast.KidStmt, scheme=st.sampled_from(["mod10", "mod11"]), length=ints),
    st.builds(ast.DueStmt, days=ints),
    st.builds(ast.RevenuePolicyStmt, policy=st.sampled_from(["ifrs15", "invoiced"])),
    st.builds(
        ast.AccountsStmt,
        entries=st.lists(st.builds(ast.AccountEntry, role=refs, number=ints), max_size=5).map(tuple),
    ),
    st.builds(ast.CurrencyStmt, code=names),
)
customer_stmts = st.one_of(
    shared,
    st.builds(ast.ConsumerStmt),
    st.builds(ast.ReferenceStmt, value=texts),
    st.builds(ast.LanguageStmt, code=names),
)
aggregates = st.one_of(
    st.just(ast.AggregateStmt(function="count", field=None)),
    st.builds(ast.AggregateStmt, function=st.sampled_from(["sum", "max", "unique", "latest"]), field=names),
)
metric_stmts = st.builds(ast.EventsStmt, names=st.lists(texts, min_size=1, max_size=3).map(tuple)) | aggregates

decls = st.one_of(
    st.builds(ast.Seller, id=refs, body=st.lists(seller_stmts, max_size=6).map(tuple)),
    st.builds(ast.Customer, id=refs, body=st.lists(customer_stmts, max_size=6).map(tuple)),
    st.builds(ast.Metric, id=refs, label=texts, body=st.lists(metric_stmts, max_size=3).map(tuple)),
    st.builds(
        ast.Index,
        id=refs,
        label=texts,
        values=st.lists(st.builds(ast.IndexValue, month=year_months, value=decimals()), max_size=4).map(tuple),
    ),
    st.builds(
        ast.Plan,
        id=refs,
        label=texts,
        effective=dates,
        body=st.lists(st.builds(ast.CurrencyStmt, code=names) | charges, max_size=4).map(tuple),
    ),
    st.builds(
        ast.Contract,
        id=contract_ids.map(lambda n: ast.Ref(name=n)),
        body=st.lists(contract_stmts, max_size=8).map(tuple),
    ),
)
source_files = st.builds(ast.SourceFile, path=st.just("gen.avt"), decls=st.lists(decls, max_size=4).map(tuple))
