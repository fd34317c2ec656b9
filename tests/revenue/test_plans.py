"""Revenue plans (compiler/revenue): the published checks and hand-computed cases for each method,
each kind of modification, a termination, a discount on two of three obligations and the invoiced
policy. Every figure below is worked out by hand in the comment beside it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from compiler.revenue.plan import revenue_plan
from tests.revenue.cases.helpers import D, contract, months, obligation, plan_of, workspace


# ------------------------------------------------------------- published checks
def test_stripe_monthly_from_the_15th_ratably_by_day() -> None:
    # 31.00 for 15 January to 15 February (31 days): 17 days in January, 14 in February
    plan = plan_of(
        contract(
            """
  no renewal
  charge sub "Abonnement" {
    flat 31.00 per month
    billed monthly in advance
    revenue ratably daily
  }
""",
            start="2019-01-15",
            term="term 1 month",
        )
    )
    assert months(obligation(plan, "sub")) == {"2019-01": D("17.00"), "2019-02": D("14.00")}


def test_stripe_yearly_365_ratably_by_day() -> None:
    plan = plan_of(
        contract(
            """
  no renewal
  charge sub "Abonnement" {
    flat 365.00 per year
    billed yearly in advance
  }
""",
            start="2019-01-01",
        )
    )
    found = months(obligation(plan, "sub"))
    assert [found["2019-01"], found["2019-02"], found["2019-03"]] == [D("31.00"), D("28.00"), D("31.00")]
    assert sum(found.values()) == D("365.00")


KPMG = """
  no renewal
  charge a "Produkt A" { one_time 25_000.00 on start }
  charge b "Produkt B" { one_time 25_000.00 on start }
  charge c "Produkt C" { one_time 30_000.00 on start }
  ssp a 20_000.00
  ssp b 30_000.00
  ssp c 40_000.00
"""


def test_kpmg_relative_ssp_to_the_ore() -> None:
    plan = plan_of(contract(KPMG))
    assert plan.transaction_price == D("80000.00")
    allocated = [obligation(plan, c).allocated for c in "abc"]
    assert allocated == [D("17777.78"), D("26666.67"), D("35555.55")]
    assert [obligation(plan, c).ssp_source for c in "abc"] == ["contract ssp"] * 3
    # at start: everything in the month of the start
    assert months(obligation(plan, "a")) == {"2026-01": D("17777.78")}


def test_ssp_90_44_66_price_190() -> None:
    plan = plan_of(
        contract(
            """
  no renewal
  charge a "A" { one_time 100_000.00 on start  ssp 90_000.00 }
  charge b "B" { one_time 40_000.00 on start  ssp 44_000.00 }
  charge c "C" { one_time 50_000.00 on start  ssp 66_000.00 }
"""
        )
    )
    assert [obligation(plan, c).allocated for c in "abc"] == [D("85500.00"), D("41800.00"), D("62700.00")]
    assert [obligation(plan, c).ssp_source for c in "abc"] == ["charge ssp"] * 3


# ---------------------------------------------------------------------- methods
def one_time(revenue: str, amount: str = "10_000.00") -> str:
    return contract(
        f"""
  no renewal
  charge fee "Gebyr" {{
    one_time {amount} on start
    {revenue}
  }}
"""
    )


def test_at_start() -> None:
    assert months(obligation(plan_of(one_time("revenue at start")), "fee")) == {"2026-01": D("10000.00")}


def test_on_a_date() -> None:
    assert months(obligation(plan_of(one_time("revenue on 2026-03-10")), "fee")) == {"2026-03": D("10000.00")}


def test_over_term_by_days() -> None:
    # 3,650 over 365 days is 10 a day
    found = months(obligation(plan_of(one_time("revenue over term", "3_650.00")), "fee"))
    assert (found["2026-01"], found["2026-02"], found["2026-03"], found["2026-12"]) == (
        D("310.00"),
        D("280.00"),
        D("310.00"),
        D("310.00"),
    )


def test_milestones() -> None:
    plan = plan_of(one_time("revenue milestones { 2026-02-15 40%  2026-06-30 60% }"))
    assert months(obligation(plan, "fee")) == {"2026-02": D("4000.00"), "2026-06": D("6000.00")}


def test_ratably_monthly_partial_months_by_days() -> None:
    # 1,200 over 15 Jan 2026 - 15 Jan 2027: 17/31 of January, 11 whole months, 14/31 of January 2027,
    # 100.00 a whole month. January: 100 x 17/31 = 54.84; the last month what is left: 45.16
    plan = plan_of(
        contract(
            """
  no renewal
  charge sub "Abonnement" {
    flat 1_200.00 per year
    billed yearly in advance
    revenue ratably monthly
  }
""",
            start="2026-01-15",
        )
    )
    found = months(obligation(plan, "sub"))
    assert found["2026-01"] == D("54.84")
    assert all(found[f"2026-{m:02d}"] == D("100.00") for m in range(2, 13))
    assert found["2027-01"] == D("45.16")


def test_usage_is_variable_and_not_allocated() -> None:
    plan = plan_of(
        contract(
            """
  no renewal
  charge base "Grunnpris" { flat 1_000.00 per month }
  charge api "API-kall" {
    usage calls
    per_unit 0.10
  }
"""
        )
    )
    api = obligation(plan, "api")
    assert (api.method, api.allocated, api.ssp, api.months) == ("as_consumed", None, None, ())
    assert obligation(plan, "base").allocated == plan.transaction_price == D("12000.00")


# -------------------------------------------------------------- allocation cases
def test_discount_on_two_of_three_spreads_over_all_three() -> None:
    # billed 10,800 + 5,400 + 3,000 = 19,200; SSPs 12,000 / 6,000 / 3,000 (undiscounted):
    # 19,200 x 12/21 = 1,097,142.857 øre, x 6/21 = 548,571.428 øre, x 3/21 = 274,285.714 øre;
    # floors sum to 19,199.98; the two øre go to the largest remainders (a .857, c .714)
    plan = plan_of(
        contract(
            """
  no renewal
  charge a "A" { flat 1_000.00 per month }
  charge b "B" { flat 500.00 per month }
  charge c "C" { flat 250.00 per month }
  discount "Rabatt" 10% on a, b
"""
        )
    )
    assert plan.transaction_price == D("19200.00")
    assert [obligation(plan, c).ssp for c in "abc"] == [D("12000.00"), D("6000.00"), D("3000.00")]
    assert [obligation(plan, c).allocated for c in "abc"] == [D("10971.43"), D("5485.71"), D("2742.86")]
    # C by days: 2,742.86 x 31/365 = 232.9552... in January
    assert months(obligation(plan, "c"))["2026-01"] == D("232.96")


def test_default_ssp_is_the_plan_price_when_the_contract_overrides_it() -> None:
    plan = plan_of(
        """
plan std "Standard" effective 2025-01-01 {
  currency NOK
  charge base "Grunnpris" { flat 1_000.00 per month }
  charge extra "Tillegg" { flat 1_000.00 per month }
}
contract C-1 {
  customer buyer
  signed 2026-01-01
  start 2026-01-01
  term 12 months
  no renewal
  plan std {
    base price 500.00
  }
}
"""
    )
    # billed 6,000 + 12,000; SSPs 12,000 (plan price) and 12,000: each gets 9,000
    assert [obligation(plan, c).ssp for c in ("base", "extra")] == [D("12000.00"), D("12000.00")]
    assert [obligation(plan, c).ssp_source for c in ("base", "extra")] == ["plan price", "plan price"]
    assert [obligation(plan, c).allocated for c in ("base", "extra")] == [D("9000.00"), D("9000.00")]


# ---------------------------------------------------------------- modifications
TWO = """
  no renewal
  charge a "A" { flat 1_000.00 per month }
  charge b "B" { flat 1_000.00 per month }
  amendment 1 "Ny pris" signed 2026-06-20 effective 2026-07-01 {
    b price 2_000.00
    %s
  }
"""


def test_prospective_modification() -> None:
    # before 1 July (181 of 365 days) each has 12,000 x 181/365 = 5,950.68; the new price is
    # 12,000 + 6,000 + 12,000 = 30,000, so 30,000 - 11,901.36 = 18,098.64 is left, shared by what
    # remains to bill: 6,000 (a) and 12,000 (b): 6,032.88 and 12,065.76
    plan = plan_of(contract(TWO % ""))
    a, b = obligation(plan, "a"), obligation(plan, "b")
    assert plan.transaction_price == D("30000.00")
    assert (a.allocated, b.allocated) == (D("11983.56"), D("18016.44"))
    assert b.stages[-1].amount == D("12065.76") and b.stages[-1].base == D("5950.68")
    (modification,) = plan.modifications
    assert (modification.accounting, modification.written, modification.amendment) == ("prospective", False, 1)
    assert "the default" in modification.why
    # b in July: 12,065.76 x 31/184 = 2,032.82
    assert months(b)["2026-07"] == D("2032.82")


def test_catch_up_modification() -> None:
    # as if agreed from the start: a 12,000, b 18,000; b's catch-up on 1 July:
    # 18,000 x 181/365 = 8,926.03 less the 5,950.68 recognised = 2,975.35
    plan = plan_of(contract(TWO % "accounting catch_up"))
    a, b = obligation(plan, "a"), obligation(plan, "b")
    assert (a.allocated, b.allocated) == (D("12000.00"), D("18000.00"))
    (modification,) = plan.modifications
    assert (modification.accounting, modification.written) == ("catch_up", True)
    assert modification.catch_up == (("b", D("2975.35")),)
    # July: 18,000 x 212/365 = 10,454.79 less 5,950.68 before July
    assert months(b)["2026-07"] == D("4504.11")
    assert months(a)["2026-07"] == D("1019.18")


def test_separate_contract_modification() -> None:
    # 10 more seats from 1 July: 6 months x 10 x 100 = 6,000, a contract of its own over 184 days
    plan = plan_of(
        contract(
            """
  no renewal
  charge seats "Brukere" {
    per_unit 100.00 per seat per month
    quantity 10
  }
  amendment 1 "Flere brukere" signed 2026-06-20 effective 2026-07-01 {
    seats quantity 20
    accounting separate
  }
"""
        )
    )
    old, added = obligation(plan, "seats"), obligation(plan, "seats", "amendment 1")
    assert (old.allocated, added.allocated) == (D("12000.00"), D("6000.00"))
    assert months(old)["2026-07"] == D("1019.18")
    assert months(added)["2026-07"] == D("1010.87")  # 6,000 x 31/184
    assert "2026-06" not in months(added)
    assert plan.modifications[0].accounting == "separate"


def test_separate_refused_for_a_reduction_is_prospective() -> None:
    plan = plan_of(
        contract(
            """
  no renewal
  charge seats "Brukere" {
    per_unit 100.00 per seat per month
    quantity 10
  }
  amendment 1 "Færre brukere" signed 2026-06-20 effective 2026-07-01 {
    seats quantity 5
    accounting separate
  }
"""
        )
    )
    (modification,) = plan.modifications
    assert modification.accounting == "prospective" and "written `separate`" in modification.why
    assert obligation(plan, "seats").allocated == D("9000.00")


def test_mid_term_termination() -> None:
    # billed January to March and 15 of April's 30 days: 3,500. Recognised before 16 April:
    # 12,000 x 105/365 = 3,452.05; the 47.95 left is recognised on the last day of service, 15 April, so
    # April is 3,500 - 12,000 x 90/365 (2,958.90) = 541.10
    plan = plan_of(
        contract(
            """
  no renewal
  charge base "Grunnpris" { flat 1_000.00 per month }
  amendment 1 "Oppsagt" signed 2026-04-01 effective 2026-04-16 {
    terminate
  }
"""
        )
    )
    base = obligation(plan, "base")
    assert plan.transaction_price == base.allocated == D("3500.00")
    assert months(base) == {
        "2026-01": D("1019.18"),
        "2026-02": D("920.55"),
        "2026-03": D("1019.17"),
        "2026-04": D("541.10"),
    }


TERMINATED_ON_THE_1ST = """
  amendment 1 "Oppsagt" signed 2026-05-15 effective 2026-09-01 {
    terminate
  }
"""


def test_a_termination_on_the_1st_leaves_nothing_in_a_month_without_service() -> None:
    # 1,200.00 a month, billed January to August: 8 x 1,200.00 = 9,600.00. Recognised before 1 September by days:
    # 14,400 x 243/365 = 9,586.85; the 13.15 left is recognised on 31 August, the last day of service (¶39), so
    # August is 9,600.00 - 14,400 x 212/365 (8,363.84) = 1,236.16 and September has nothing (it had 13.15).
    plan = plan_of(
        contract('  no renewal\n  charge base "Grunnpris" { flat 1_200.00 per month }\n' + TERMINATED_ON_THE_1ST)
    )
    base = obligation(plan, "base")
    assert plan.transaction_price == base.allocated == D("9600.00")
    assert months(base)["2026-07"] == D("1223.02")  # 8,363.84 - 14,400 x 181/365 (7,140.82)
    assert months(base)["2026-08"] == D("1236.16")
    assert "2026-09" not in months(base) and base.end == date(2026, 9, 1)


def test_a_termination_on_the_1st_ratably_monthly_lands_in_the_last_month_of_service() -> None:
    # 14,400.00 a year billed yearly in advance: billing prorates the year by days, 14,400 x 243/365 = 9,586.85.
    # By calendar months, 14,400 x 8/12 = 9,600.00 is recognised before 1 September, 13.15 too much: the
    # -13.15 goes in August, 1,200.00 - 13.15 = 1,186.85 (it went in September, a month without service).
    charge = """
  charge base "Grunnpris" {
    flat 14_400.00 per year
    billed yearly in advance
    revenue ratably monthly
  }
"""
    plan = plan_of(contract("  no renewal\n" + charge + TERMINATED_ON_THE_1ST))
    base = obligation(plan, "base")
    assert plan.transaction_price == base.allocated == D("9586.85")
    assert months(base) == {f"2026-0{m}": D("1200.00") for m in range(1, 8)} | {"2026-08": D("1186.85")}


def test_renewal_adds_its_consideration_prospectively() -> None:
    plan = plan_of(
        contract(
            """
  renew 12 months notice 3 months
  charge base "Grunnpris" { flat 1_000.00 per month }
"""
        ),
        horizon=date(2028, 1, 1),
    )
    assert plan.transaction_price == D("24000.00")
    (renewal,) = plan.modifications
    assert (renewal.effective, renewal.amendment, renewal.accounting) == (date(2027, 1, 1), None, "prospective")
    assert months(obligation(plan, "base"))["2027-01"] == D("1019.18")


# --------------------------------------------------------------- the policies
MONTHLY = """
  no renewal
  %s
  charge base "Grunnpris" {
    flat 1_000.00 per month
    billed monthly in advance
  }
"""


def test_invoiced_policy_next_to_ifrs15() -> None:
    ifrs = plan_of(contract(MONTHLY % ""))
    invoiced = plan_of(contract(MONTHLY % "revenue_policy invoiced"))
    assert (ifrs.policy, ifrs.policy_source) == ("ifrs15", "seller")
    assert (invoiced.policy, invoiced.policy_source) == ("invoiced", "contract")
    # IFRS 15: by days over the year; invoiced: each monthly invoice line over its own month
    assert months(obligation(ifrs, "base"))["2026-02"] == D("920.55")
    assert months(obligation(invoiced, "base"))["2026-02"] == D("1000.00")
    assert ifrs.transaction_price == invoiced.transaction_price == D("12000.00")


def test_seller_policy_applies_unless_the_contract_says() -> None:
    prelude = """
seller vendor {
  name "Prøve AS"
  orgnr "976240391"
  mva
  revenue_policy invoiced
}
customer buyer { name "Kjøper AS"  orgnr "922152799" }
"""
    ws = workspace(contract(MONTHLY % ""), prelude)
    plan = revenue_plan(ws.contracts["C-1"], ws, date(2030, 1, 1))
    assert (plan.policy, plan.policy_source) == ("invoiced", "seller")
    ws = workspace(contract(MONTHLY % "revenue_policy ifrs15"), prelude)
    assert revenue_plan(ws.contracts["C-1"], ws, date(2030, 1, 1)).policy == "ifrs15"


def test_months_sum_to_the_allocation_and_the_price() -> None:
    plan = plan_of(contract(TWO % ""))
    for found in plan.obligations:
        assert sum(months(found).values(), Decimal(0)) == found.allocated
    assert sum(plan.months().values(), Decimal(0)) == plan.transaction_price


# ------------------------------------------------------ the language and the docs
def test_contract_revenue_policy_parses_formats_and_is_checked() -> None:
    from compiler.workspace import check_workspace
    from dsl.parser import parse
    from dsl.printer import format_source
    from tests.revenue.cases.helpers import PRELUDE

    text = contract(MONTHLY % "revenue_policy invoiced")
    parsed = parse(text, "case.avt")
    assert parsed.file is not None
    canonical = format_source(parsed.file)
    assert "\n  revenue_policy invoiced\n" in canonical
    again = parse(canonical, "again.avt")
    assert again.file is not None and format_source(again.file) == canonical
    assert workspace(text).contracts["C-1"].revenue_policy == "invoiced"
    twice = contract(MONTHLY % "revenue_policy invoiced\n  revenue_policy ifrs15")
    files = [parse(PRELUDE, "prelude.avt").file, parse(twice, "case.avt").file]
    checked = check_workspace([f for f in files if f is not None])
    assert [d.code for d in checked.diagnostics if d.is_error] == ["E0304"]


def test_the_example_in_docs_revenue_md() -> None:
    from pathlib import Path

    from tests.revenue.cases.helpers import PRELUDE

    doc = (Path(__file__).resolve().parents[2] / "docs" / "revenue.md").read_text(encoding="utf-8")
    text = doc.split("```avt\n", 1)[1].split("```", 1)[0]
    ws = workspace(text, PRELUDE.replace("customer buyer", "customer acme"))
    plan = revenue_plan(ws.contracts["ACME-2026-001"], ws, date(2027, 1, 1))
    first = [obligation(plan, c).stages[0] for c in ("platform", "support", "training")]
    assert [s.ssp for s in first] == [D("12000.00"), D("6000.00"), D("4000.00")]
    assert [s.amount for s in first] == [D("10472.73"), D("5236.36"), D("3490.91")]
    (modification,) = plan.modifications
    assert sum((a for _, a in modification.catch_up), Decimal(0)) == D("807.50")
    assert dict(modification.catch_up)["support"] == D("786.98")
    assert plan.transaction_price == D("20820.00")


def test_evergreen_is_planned_a_notice_period_at_a_time() -> None:
    # committed only for its notice period: 3 months at a time, so a later horizon changes no earlier month
    text = contract(
        """
  charge base "Grunnpris" { flat 1_000.00 per month }
""",
        term="evergreen notice 3 months",
    )
    short, long = plan_of(text, horizon=date(2027, 1, 1)), plan_of(text, horizon=date(2028, 1, 1))
    assert short.transaction_price == D("12000.00") and long.transaction_price == D("24000.00")
    early = {k: v for k, v in months(obligation(long, "base")).items() if k < "2027"}
    assert early == months(obligation(short, "base"))
    # January to March 2026 is 90 days: 3,000 x 31/90 in January
    assert early["2026-01"] == D("1033.33")
    assert [m.effective for m in short.modifications] == [date(2026, 4, 1), date(2026, 7, 1), date(2026, 10, 1)]


def test_indexation_changes_the_price_prospectively() -> None:
    # 1,000 a month for 24 months (730 days), +10% from 1 January 2027 (October 2025 100, October 2026 110).
    # Signed, the price is 24,000: half of it, 12,000.00, recognised in 2026. On 1 January 2027 the price
    # is 12,000 + 13,200; the 13,200 left goes over 2027's 365 days: 13,200 x 31/365 = 1,121.10 in January
    plan = plan_of(
        contract(
            """
  no renewal
  charge base "Grunnpris" {
    flat 1_000.00 per month
    billed monthly in advance
  }
  indexation kpi yearly on 01-01 from 2027-01-01 compare october on base
""",
            term="term 24 months",
            extra='index kpi "KPI" {\n  2025-10 100.0\n  2026-10 110.0\n}',
        )
    )
    base = obligation(plan, "base")
    found = months(base)
    assert found["2026-01"] == D("1019.18")
    assert sum((v for k, v in found.items() if k < "2027"), Decimal(0)) == D("12000.00")
    assert found["2027-01"] == D("1121.10")
    assert plan.transaction_price == base.allocated == D("25200.00")
    (modification,) = plan.modifications
    assert modification.amendment is None and "indexation on 2027-01-01" in modification.why
    assert (modification.price_before, modification.price_after) == (D("24000.00"), D("25200.00"))
