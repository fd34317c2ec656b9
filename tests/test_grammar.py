"""One test per construct: the text parses into the AST it means."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from dsl import ast
from dsl.parser import parse


def one(text: str) -> ast.Decl:
    result = parse(text, "t.avt")
    assert result.file is not None, result.diagnostics
    assert len(result.file.decls) == 1
    return result.file.decls[0]


def charge_stmt(line: str) -> object:
    plan = one(f'plan p "P" effective 2026-01-01 {{ charge c "C" {{ {line} }} }}')
    assert isinstance(plan, ast.Plan)
    charge = plan.body[0]
    assert isinstance(charge, ast.Charge)
    return charge.body[0]


def contract_stmt(line: str) -> object:
    contract = one(f"contract C-1 {{ {line} }}")
    assert isinstance(contract, ast.Contract)
    return contract.body[0]


def test_seller() -> None:
    seller = one(
        """seller s {
          name "Skyfjord AS"  orgnr "923609016"  mva  foretaksregisteret
          address "Gate 1", "0191", "Oslo", NO
          bank "1503.12.34562"  email "f@s.no"  peppol "0192:923609016"
          invoice_numbers from 10001  credit_note_numbers from 90001
          kid mod11 length 12  due 14 days  revenue_policy invoiced  currency NOK
          accounts { receivable 1500 deferred 2965 }
        }"""
    )
    assert isinstance(seller, ast.Seller)
    body = seller.body
    assert body[0] == ast.NameStmt(value="Skyfjord AS")
    assert ast.MvaStmt() in body and ast.ForetaksregisteretStmt() in body
    assert ast.AddressStmt(street="Gate 1", postcode="0191", city="Oslo", country="NO") in body
    assert ast.SeriesStmt(kind="invoice", first=10001) in body
    assert ast.SeriesStmt(kind="credit_note", first=90001) in body
    assert ast.KidStmt(scheme="mod11", length=12) in body
    assert ast.DueStmt(days=14) in body
    assert ast.RevenuePolicyStmt(policy="invoiced") in body
    accounts = body[-1]
    assert isinstance(accounts, ast.AccountsStmt)
    assert [(e.role.name, e.number) for e in accounts.entries] == [("receivable", 1500), ("deferred", 2965)]


def test_customer() -> None:
    customer = one('customer ola { name "Ola"  consumer  email "o@x.no"  reference "R"  language nn }')
    assert isinstance(customer, ast.Customer)
    assert customer.body == (
        ast.NameStmt(value="Ola"),
        ast.ConsumerStmt(),
        ast.EmailStmt(value="o@x.no"),
        ast.ReferenceStmt(value="R"),
        ast.LanguageStmt(code="nn"),
    )


@pytest.mark.parametrize(
    ("text", "function", "field"),
    [
        ("count", "count", None),
        ("sum amount", "sum", "amount"),
        ("max value", "max", "value"),
        ("unique user_id", "unique", "user_id"),
        ("latest value", "latest", "value"),
    ],
)
def test_metric_aggregations(text: str, function: str, field: str | None) -> None:
    metric = one(f'metric m "M" {{ events "a.b", "c.d"  {text} }}')
    assert isinstance(metric, ast.Metric)
    assert metric.body == (ast.EventsStmt(names=("a.b", "c.d")), ast.AggregateStmt(function=function, field=field))  # type: ignore[arg-type]


def test_metric_negative_allowed() -> None:
    metric = one('metric net "Netto" { events "p.c", "p.r"  sum amount  negative allowed }')
    assert isinstance(metric, ast.Metric)
    assert metric.body == (
        ast.EventsStmt(names=("p.c", "p.r")),
        ast.AggregateStmt(function="sum", field="amount"),
        ast.NegativeStmt(),
    )
    # the words are keywords only where a statement starts: a field may be called `negative`
    metric = one('metric m "M" { negative allowed  events "e"  latest negative }')
    assert isinstance(metric, ast.Metric)
    assert metric.body == (
        ast.NegativeStmt(),
        ast.EventsStmt(names=("e",)),
        ast.AggregateStmt(function="latest", field="negative"),
    )


def test_metric_negative_needs_allowed() -> None:
    result = parse('metric m "M" { events "e"  sum amount  negative }', "t.avt")
    assert [d.code for d in result.diagnostics] == ["E0100"]


def test_index() -> None:
    index = one('index kpi "KPI" { 2025-10 138.1  2026-10 141.6 }')
    assert isinstance(index, ast.Index)
    assert [(str(v.month), v.value) for v in index.values] == [
        ("2025-10", Decimal("138.1")),
        ("2026-10", Decimal("141.6")),
    ]


def test_plan_version_and_currency() -> None:
    plan = one('plan team "Team" effective 2026-01-01 { currency NOK }')
    assert isinstance(plan, ast.Plan)
    assert plan.effective == date(2026, 1, 1)
    assert plan.body == (ast.CurrencyStmt(code="NOK"),)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("flat 4_990.00 per month", ast.FlatPrice(amount=Decimal("4990.00"), period="month")),
        ("flat 10 per quarter", ast.FlatPrice(amount=Decimal("10"), period="quarter")),
        ("per_unit 149.00 per seat per month", ast.PerUnitPrice(price=Decimal("149.00"), unit="seat", period="month")),
        ("per_unit 0.01", ast.PerUnitPrice(price=Decimal("0.01"), unit=None, period=None)),
        ("per_unit 5 per year", ast.PerUnitPrice(price=Decimal("5"), unit=None, period="year")),
        ("one_time 25_000.00 on start", ast.OneTimePrice(amount=Decimal("25000.00"), on=None)),
        ("one_time 100 on 2026-03-01", ast.OneTimePrice(amount=Decimal("100"), on=date(2026, 3, 1))),
        ("usage api_calls", ast.UsageStmt(metric=ast.Ref(name="api_calls"))),
        ("package 1_000 for 50.00", ast.PackagePrice(size=Decimal("1000"), price=Decimal("50.00"))),
        (
            "percentage 1.5% min 100 max 2_000",
            ast.PercentagePrice(percent=Decimal("1.5"), minimum=Decimal(100), maximum=Decimal(2000)),
        ),
        ("percentage 2%", ast.PercentagePrice(percent=Decimal(2), minimum=None, maximum=None)),
        ("percentage 2% max 9", ast.PercentagePrice(percent=Decimal(2), minimum=None, maximum=Decimal(9))),
        ("billed monthly in advance", ast.BillingStmt(cycle="monthly", months=None, timing="advance")),
        ("billed quarterly in arrears", ast.BillingStmt(cycle="quarterly", months=None, timing="arrears")),
        ("billed yearly", ast.BillingStmt(cycle="yearly", months=None, timing=None)),
        ("billed every 6 months in advance", ast.BillingStmt(cycle="every", months=6, timing="advance")),
        ("trial 30 days", ast.TrialStmt(duration=ast.Duration(count=30, unit="day"))),
        ("trial 1 month", ast.TrialStmt(duration=ast.Duration(count=1, unit="month"))),
        ("revenue ratably daily", ast.RevenueStmt(method="ratably_daily")),
        ("revenue ratably monthly", ast.RevenueStmt(method="ratably_monthly")),
        ("revenue at start", ast.RevenueStmt(method="at_start")),
        ("revenue on 2026-05-01", ast.RevenueStmt(method="on_date", on=date(2026, 5, 1))),
        ("revenue as consumed", ast.RevenueStmt(method="as_consumed")),
        ("revenue over term", ast.RevenueStmt(method="over_term")),
        ("vat standard", ast.VatStmt(category="standard")),
        ("vat medium", ast.VatStmt(category="medium")),
        ("vat low", ast.VatStmt(category="low")),
        ("vat zero", ast.VatStmt(category="zero")),
        ('vat exempt "mval. § 3-6"', ast.VatStmt(category="exempt", reason="mval. § 3-6")),
        ("vat exempt", ast.VatStmt(category="exempt", reason=None)),
        ("vat reverse_charge", ast.VatStmt(category="reverse_charge")),
        ("vat outside", ast.VatStmt(category="outside")),
        ("ssp 30_000.00", ast.SspStmt(amount=Decimal("30000.00"), period=None)),
        ("ssp 1_100 per month", ast.SspStmt(amount=Decimal(1100), period="month")),
        ('unit "C62"', ast.UnitStmt(code="C62")),
        ("account 3020", ast.AccountStmt(number=3020)),
        ("quantity 25", ast.QuantityStmt(quantity=Decimal(25))),
    ],
)
def test_charge_statements(line: str, expected: object) -> None:
    assert charge_stmt(line) == expected


def test_tiers() -> None:
    stmt = charge_stmt("graduated { up to 100 0.00  up to 1_000 0.01 + 5.00 flat  above 0.008 }")
    assert stmt == ast.GraduatedPrice(
        tiers=(
            ast.Tier(up_to=Decimal(100), price=Decimal("0.00"), flat=None),
            ast.Tier(up_to=Decimal(1000), price=Decimal("0.01"), flat=Decimal("5.00")),
            ast.Tier(up_to=None, price=Decimal("0.008"), flat=None),
        )
    )
    assert isinstance(charge_stmt("volume { above 1 }"), ast.VolumePrice)


def test_milestones() -> None:
    stmt = charge_stmt("revenue milestones { 2026-02-01 40%  2026-06-01 60% }")
    assert stmt == ast.RevenueStmt(
        method="milestones",
        milestones=(
            ast.Milestone(on=date(2026, 2, 1), percent=Decimal(40)),
            ast.Milestone(on=date(2026, 6, 1), percent=Decimal(60)),
        ),
    )


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("customer acme", ast.CustomerRef(customer=ast.Ref(name="acme"))),
        ("signed 2025-12-15", ast.SignedStmt(on=date(2025, 12, 15))),
        ("start 2026-01-01", ast.StartStmt(on=date(2026, 1, 1))),
        ("term 36 months", ast.TermStmt(duration=ast.Duration(count=36, unit="month"))),
        ("term 3 years", ast.TermStmt(duration=ast.Duration(count=3, unit="year"))),
        (
            "renew 12 months notice 3 months",
            ast.RenewStmt(length=ast.Duration(count=12, unit="month"), notice=ast.Duration(count=3, unit="month")),
        ),
        ("evergreen notice 1 month", ast.EvergreenStmt(notice=ast.Duration(count=1, unit="month"))),
        ("no renewal", ast.NoRenewalStmt()),
        ("billing anchor 31", ast.AnchorStmt(day=31)),
        ("due 30 days", ast.DueStmt(days=30)),
        ('purchase_order "PO-7781"', ast.PurchaseOrderStmt(value="PO-7781")),
        ('reference "Kari"', ast.ReferenceStmt(value="Kari")),
        ("currency NOK", ast.CurrencyStmt(code="NOK")),
        ("plan team", ast.PlanRef(plan=ast.Ref(name="team"), version=None, overrides=None)),
        ("plan team {}", ast.PlanRef(plan=ast.Ref(name="team"), version=None, overrides=())),
        (
            "plan team version 2026-01-01 { seats quantity 25  setup price 20_000.00 quantity 1 }",
            ast.PlanRef(
                plan=ast.Ref(name="team"),
                version=date(2026, 1, 1),
                overrides=(
                    ast.ChargeSet(charge=ast.Ref(name="seats"), items=(ast.QuantityStmt(quantity=Decimal(25)),)),
                    ast.ChargeSet(
                        charge=ast.Ref(name="setup"),
                        items=(ast.PriceStmt(price=Decimal("20000.00")), ast.QuantityStmt(quantity=Decimal(1))),
                    ),
                ),
            ),
        ),
        (
            'discount "Intro" 10% on platform, seats from 2026-01-01 until 2027-01-01',
            ast.DiscountStmt(
                label="Intro",
                percent=Decimal(10),
                charges=(ast.Ref(name="platform"), ast.Ref(name="seats")),
                start=date(2026, 1, 1),
                until=date(2027, 1, 1),
            ),
        ),
        ("minimum 120_000.00 per contract year", ast.MinimumStmt(amount=Decimal("120000.00"))),
        (
            "minimum 60_000.00 per contract year vat standard",
            ast.MinimumStmt(amount=Decimal("60000.00"), vat=ast.VatStmt(category="standard")),
        ),
        (
            'minimum 60_000.00 per contract year vat exempt "Unntatt etter mval. § 3-5"',
            ast.MinimumStmt(
                amount=Decimal("60000.00"), vat=ast.VatStmt(category="exempt", reason="Unntatt etter mval. § 3-5")
            ),
        ),
        (
            "minimum 60_000.00 per contract year vat exempt",
            ast.MinimumStmt(amount=Decimal("60000.00"), vat=ast.VatStmt(category="exempt")),
        ),
        (
            "indexation kpi yearly on 01-01 from 2027-01-01 compare october cap 5% floor 0% on platform",
            ast.IndexationStmt(
                index=ast.Ref(name="kpi"),
                on=ast.MonthDay(1, 1),
                start=date(2027, 1, 1),
                compare=ast.Ref(name="october"),
                cap=Decimal(5),
                floor=Decimal(0),
                charges=(ast.Ref(name="platform"),),
            ),
        ),
        ("ssp setup 30_000.00", ast.ContractSspStmt(charge=ast.Ref(name="setup"), amount=Decimal("30000.00"))),
    ],
)
def test_contract_statements(line: str, expected: object) -> None:
    assert contract_stmt(line) == expected


def test_amendment_changes() -> None:
    amendment = contract_stmt(
        """amendment 2 "Endring" signed 2026-05-20 effective 2026-06-01 {
          seats quantity 40
          charge support "Support" { flat 2_500.00 per month }
          remove api
          discount "D" 5% on seats
          term 48 months
          renew 12 months notice 3 months
          terminate
          prorate none
          accounting catch_up
        }"""
    )
    assert isinstance(amendment, ast.Amendment)
    assert (amendment.number, amendment.reason) == (2, "Endring")
    assert (amendment.signed, amendment.effective) == (date(2026, 5, 20), date(2026, 6, 1))
    kinds = [type(s) for s in amendment.body]
    assert kinds == [
        ast.ChargeSet,
        ast.Charge,
        ast.RemoveStmt,
        ast.DiscountStmt,
        ast.TermStmt,
        ast.RenewStmt,
        ast.TerminateStmt,
        ast.ProrateStmt,
        ast.AccountingStmt,
    ]


def test_strings_comments_and_unicode() -> None:
    result = parse('# først\ncustomer c { name "Blåbær \\"AS\\" \\\\ ok" } # etter\n', "t.avt")
    assert result.file is not None
    customer = result.file.decls[0]
    assert isinstance(customer, ast.Customer)
    assert customer.body[0] == ast.NameStmt(value='Blåbær "AS" \\ ok')
    assert [c.text for c in result.file.comments] == ["# først", "# etter"]


def test_keywords_can_be_names_where_no_keyword_fits() -> None:
    # `start` is a keyword, but after `charge` only a name can come.
    plan = one('plan p "P" effective 2026-01-01 { charge start "S" { flat 1 per month } }')
    assert isinstance(plan, ast.Plan)
    charge = plan.body[0]
    assert isinstance(charge, ast.Charge) and charge.id.name == "start"


def test_byte_order_mark_is_ignored() -> None:
    assert parse('\ufeffcustomer c { name "C" }', "t.avt").file is not None
