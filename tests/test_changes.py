"""compiler.changes and compiler.impact: the semantic diff of two checked workspaces and its money,
on workspaces built from text, figures computed by hand."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from compiler import model
from compiler.changes import ObjectChange, WorkspaceChanges, compare
from compiler.impact import ContractImpact, Horizon, Month, money_impact
from tests.factories import workspaces

SELLER = """
seller vendor {
  name "Prøve AS"
  orgnr "976240391"
  mva
}
"""
CUSTOMERS = """
customer acme {
  name "Acme AS"
  orgnr "922152799"
}

customer fjord {
  name "Fjord AS"
  orgnr "971352418"
}
"""
CATALOG = """
metric calls "API-kall" { events "api.call"  count }

index kpi "KPI" {
  2024-10 100.0
  2025-10 104.0
}
"""
TEAM = """
plan team "Team" effective 2026-01-01 {
  charge platform "Plattform" {
    flat 1_000.00 per month
    billed monthly in advance
  }
  charge seats "Brukere" {
    per_unit 149.00 per seat per month
    billed monthly in advance
  }
}
"""
SOLO = """
plan solo "Solo" effective 2026-01-01 {
  charge base "Grunnpris" {
    flat 500.00 per month
    billed monthly in advance
  }
  charge api "API" {
    usage calls
    per_unit 0.01
  }
}
"""


def contract(
    cid: str, customer: str, plan: str, *, seats: int | None = None, start: str = "2026-01-01", more: str = ""
) -> str:
    body = f"    seats quantity {seats}\n" if seats is not None else ""
    return f"""
contract {cid} {{
  customer {customer}
  signed 2026-01-01
  start {start}
  term 12 months
  renew 12 months notice 3 months
  plan {plan} {{
{body}  }}
{more}}}
"""


BASE = {
    "seller.avt": SELLER,
    "customers.avt": CUSTOMERS,
    "catalog.avt": CATALOG,
    "plans/team.avt": TEAM,
    "plans/solo.avt": SOLO,
    "contracts/c1.avt": contract("C-1", "acme", "team", seats=10),
    "contracts/c2.avt": contract("C-2", "acme", "team", seats=20, start="2026-02-01"),
    "contracts/c3.avt": contract("C-3", "fjord", "team", seats=5, start="2026-03-15"),
    "contracts/c4.avt": contract("C-4", "fjord", "solo"),
}
APRIL = Horizon.starting(date(2026, 4, 10), 3)
"""April, May and June 2026."""


def checked(files: Mapping[str, str]) -> model.Workspace:
    return workspaces.checked(dict(sorted(files.items())))


def changed(files: Mapping[str, str | None]) -> dict[str, str]:
    out = dict(BASE)
    for name, text in files.items():
        if text is None:
            del out[name]
        else:
            out[name] = text
    return out


def diff(edits: Mapping[str, str | None]) -> tuple[WorkspaceChanges, model.Workspace, model.Workspace]:
    """BASE against BASE with `edits`: the changes, and both checked workspaces."""
    before, after = checked(BASE), checked(changed(edits))
    return compare(before, after), before, after


def only(changes: WorkspaceChanges) -> ObjectChange:
    assert len(changes.changes) == 1, changes.changes
    return changes.changes[0]


def impacts(
    changes: WorkspaceChanges, old: model.Workspace, new: model.Workspace, horizon: Horizon = APRIL
) -> dict[str, ContractImpact]:
    found = money_impact(old, new, [a.contract for a in changes.affected], horizon)
    return {i.contract: i for i in found}


def months(impact: ContractImpact) -> list[tuple[str, Decimal, Decimal]]:
    return [(f"{m.month:%Y-%m}", m.before, m.after) for m in impact.months]


def test_nothing_changed() -> None:
    changes, _, _ = diff({})
    assert changes.empty and changes.affected == ()


def test_moving_and_reordering_files_changes_nothing() -> None:
    moved = {f"elsewhere/{name.replace('/', '-')}": "\n\n# moved\n" + text for name, text in BASE.items()}
    changes = compare(checked(BASE), checked(moved))
    assert changes.empty and changes.affected == ()


def test_a_plan_price_change_is_the_plan_versions_and_moves_its_followers() -> None:
    changes, old, new = diff({"plans/team.avt": TEAM.replace("149.00", "159.00")})
    plan = only(changes)
    assert (plan.kind, plan.id, plan.version, plan.status) == ("plan", "team", date(2026, 1, 1), "changed")
    assert plan.name == "plan team 2026-01-01"
    assert plan.terms == ("seats price 149.00 -> 159.00",)
    assert plan.contracts == ("C-1", "C-2", "C-3")
    assert [(a.contract, a.reasons, a.changed) for a in changes.affected] == [
        (cid, ("follows plan team 2026-01-01 (changed)",), False) for cid in ("C-1", "C-2", "C-3")
    ]
    found = impacts(changes, old, new)
    # C-1: 1,000.00 + 10 x 149.00 = 2,490.00 a month, then 10 x 159.00: 2,590.00
    assert months(found["C-1"]) == [
        (m, Decimal("2490.00"), Decimal("2590.00")) for m in ("2026-04", "2026-05", "2026-06")
    ]
    assert [(f"{m.month:%Y-%m}", m.difference) for m in found["C-1"].earlier] == [
        ("2026-01", Decimal("100.00")),
        ("2026-02", Decimal("100.00")),
        ("2026-03", Decimal("100.00")),
    ]
    # C-2 from February: 1,000.00 + 20 x 149.00 = 3,980.00 -> 4,180.00
    assert found["C-2"].total("NOK") == (Decimal("11940.00"), Decimal("12540.00"))
    assert len(found["C-2"].earlier) == 2
    # C-3 from 15 March, anchored on the 15th: 1,745.00 -> 1,795.00, billed on the 15th
    assert months(found["C-3"]) == [
        (m, Decimal("1745.00"), Decimal("1795.00")) for m in ("2026-04", "2026-05", "2026-06")
    ]
    assert [m.month for m in found["C-3"].earlier] == [date(2026, 3, 1)]
    changed_lines = found["C-1"].months[0].changed
    assert [(line.kind, line.charge, line.period_start) for line in changed_lines] == [
        ("recurring", "seats", date(2026, 4, 1))
    ]


def test_a_price_override_shields_a_contract_from_its_plans_change() -> None:
    pinned = contract("C-1", "acme", "team", seats=10).replace(
        "    seats quantity 10\n", "    seats quantity 10\n    seats price 149.00\n"
    )
    old = checked(changed({"contracts/c1.avt": pinned}))
    new = checked(changed({"contracts/c1.avt": pinned, "plans/team.avt": TEAM.replace("149.00", "159.00")}))
    changes = compare(old, new)
    assert only(changes).kind == "plan"
    found = impacts(changes, old, new)
    assert not found["C-1"].differs  # affected, lowered twice, bills the same
    assert found["C-2"].differs


def test_a_label_change_is_reported_and_moves_no_money() -> None:
    changes, old, new = diff({"plans/team.avt": TEAM.replace('"Brukere"', '"Brukerlisenser"')})
    assert only(changes).terms == ('seats label "Brukere" -> "Brukerlisenser" (a label: moves no money)',)
    assert not any(i.differs for i in impacts(changes, old, new).values())


def test_an_added_amendment_says_what_it_changes_from_when() -> None:
    amendment = """  amendment 1 "Flere brukere" signed 2026-04-20 effective 2026-05-01 {
    seats quantity 25
  }
"""
    changes, old, new = diff({"contracts/c1.avt": contract("C-1", "acme", "team", seats=10, more=amendment)})
    change = only(changes)
    assert change.name == "contract C-1" and change.status == "changed"
    assert change.terms == (
        'amendment 1 added ("Flere brukere", signed 2026-04-20, effective 2026-05-01)',
        "  seats quantity 10 -> 25 from 2026-05-01",
    )
    assert [(a.contract, a.reasons, a.changed) for a in changes.affected] == [("C-1", ("contract changed",), True)]
    found = impacts(changes, old, new)
    # 15 more seats x 149.00 = 2,235.00 in May and in June; April as it was
    assert [m.difference for m in found["C-1"].months] == [Decimal(0), Decimal("2235.00"), Decimal("2235.00")]
    assert found["C-1"].earlier == ()


def test_a_back_dated_amendment_reaches_earlier_months() -> None:
    amendment = """  amendment 1 "Ny pris" signed 2026-04-05 effective 2026-03-01 {
    base price 600.00
  }
"""
    changes, old, new = diff({"contracts/c4.avt": contract("C-4", "fjord", "solo", more=amendment)})
    assert only(changes).terms[1] == "  base price 500.00 -> 600.00 from 2026-03-01"
    impact = impacts(changes, old, new)["C-4"]
    assert [(m.month, m.before, m.after) for m in impact.earlier] == [
        (date(2026, 3, 1), Decimal("500.00"), Decimal("600.00"))
    ]
    assert [m.difference for m in impact.months] == [Decimal("100.00")] * 3


def test_contract_terms_in_words() -> None:
    edited = contract("C-2", "fjord", "team", seats=22, start="2026-02-01").replace(
        "  term 12 months\n", "  term 24 months\n  billing anchor 1\n  due 30 days\n"
    )
    edited = edited.replace(
        "  }\n}", '  }\n  discount "Rabatt" 10% on seats until 2026-08-01\n  minimum 50_000.00 per contract year\n}'
    )
    changes, _, _ = diff({"contracts/c2.avt": edited})
    assert only(changes).terms == (
        "customer acme -> fjord",
        "term 12 months -> 24 months",
        "billing anchor the start's day -> 1",
        "due 14 days -> 30 days",
        "seats quantity 20 -> 22",
        'discount-1 added: discount "Rabatt" 10% on seats until 2026-08-01',
        "minimum none -> 50_000.00 per contract year",
    )
    reasons = {a.contract: a.reasons for a in changes.affected}
    assert reasons == {"C-2": ("contract changed",)}


def test_contracts_added_and_removed() -> None:
    changes, old, new = diff({"contracts/c4.avt": None, "contracts/c5.avt": contract("C-5", "acme", "solo")})
    assert [(c.name, c.status) for c in changes.changes] == [("contract C-4", "removed"), ("contract C-5", "added")]
    assert changes.changes[1].terms == (
        "customer acme, start 2026-01-01, term 12 months, renew 12 months notice 3 months, NOK",
        "plan solo 2026-01-01",
    )
    found = impacts(changes, old, new)
    assert [(m.before, m.after) for m in found["C-4"].months] == [(Decimal("500.00"), Decimal(0))] * 3
    assert [(m.before, m.after) for m in found["C-5"].months] == [(Decimal(0), Decimal("500.00"))] * 3


def test_an_index_value_added_moves_the_contracts_it_indexes() -> None:
    indexed = contract(
        "C-4", "fjord", "solo", more="  indexation kpi yearly on 01-01 from 2027-01-01 compare october on base\n"
    ).replace("term 12 months", "term 24 months")
    old_files = changed({"contracts/c4.avt": indexed})
    new_catalog = CATALOG.replace("  2025-10 104.0\n", "  2025-10 104.0\n  2026-10 106.08\n")
    old = checked(old_files)
    new = checked({**old_files, "catalog.avt": new_catalog})
    changes = compare(old, new)
    change = only(changes)
    assert (change.name, change.terms, change.contracts) == ("index kpi", ("2026-10 value 106.08 added",), ("C-4",))
    assert [(a.contract, a.reasons) for a in changes.affected] == [("C-4", ("uses index kpi (changed)",))]
    impact = impacts(changes, old, new, Horizon.starting(date(2026, 12, 1), 2))["C-4"]
    january = impact.months[1]
    # before: blocked (no 2026-10 value); after: 500.00 x 1.02 = 510.00
    assert (january.before, january.after) == (Decimal(0), Decimal("510.00"))
    assert january.blocked_before and "2026-10" in january.blocked_before[0] and january.blocked_after == ()


def test_a_usage_rule_change_depends_on_usage() -> None:
    changes, old, new = diff({"plans/solo.avt": SOLO.replace("per_unit 0.01", "per_unit 0.02")})
    assert only(changes).terms == ("api price 0.01 -> 0.02",)
    impact = impacts(changes, old, new)["C-4"]
    assert all(m.usage for m in impact.months)
    assert all(m.before == m.after == Decimal("500.00") for m in impact.months)  # the fixed lines alone


def test_customer_metric_and_seller_changes_reach_the_contracts_that_use_them() -> None:
    changes, old, new = diff(
        {
            "customers.avt": CUSTOMERS.replace('"Fjord AS"', '"Fjord Norge AS"'),
            "catalog.avt": CATALOG.replace('"api.call"', '"api.call", "api.batch"'),
            "seller.avt": SELLER.replace("  mva\n", "  mva\n  due 20 days\n"),
        }
    )
    assert [(c.name, c.terms, c.contracts) for c in changes.changes] == [
        ("seller vendor", ("due 14 days -> 20 days",), ()),
        ("customer fjord", ('name "Fjord AS" -> "Fjord Norge AS" (a label: moves no money)',), ("C-3", "C-4")),
        ("metric calls", ("events api.call -> api.call, api.batch",), ("C-4",)),
    ]
    reasons = {a.contract: a.reasons for a in changes.affected}
    assert reasons["C-1"] == ("seller vendor changed",)
    assert reasons["C-4"] == ("uses customer fjord (changed)", "uses metric calls (changed)", "seller vendor changed")
    assert not any(i.differs for i in impacts(changes, old, new).values())


def test_a_plan_version_added_regrandfathers_contracts_signed_after_it() -> None:
    newer = TEAM.replace("effective 2026-01-01", "effective 2025-12-01").replace("149.00", "139.00")
    changes, old, new = diff({"plans/team-2025.avt": newer})
    names = [(c.name, c.status) for c in changes.changes]
    assert names[0] == ("plan team 2025-12-01", "added")
    # contracts signed 2026-01-01 keep following the version in force then: 2026-01-01
    assert all(c.kind == "plan" for c in changes.changes)
    assert not any(i.differs for i in impacts(changes, old, new).values())


def test_a_changed_currency_never_mixes_currencies() -> None:
    eur = SOLO.replace("effective 2026-01-01 {\n", "effective 2026-01-01 {\n  currency EUR\n")
    changes, old, new = diff({"plans/solo.avt": eur})
    assert only(changes).terms == ("currency NOK -> EUR",)
    impact = impacts(changes, old, new)["C-4"]
    assert impact.currencies == ("EUR", "NOK")
    assert impact.total("NOK") == (Decimal("1500.00"), Decimal(0))
    assert impact.total("EUR") == (Decimal(0), Decimal("1500.00"))


def test_an_edited_signed_amendment_is_shown_as_edited() -> None:
    def with_amendment(quantity: int, effective: str) -> str:
        amendment = f"""  amendment 1 "Flere" signed 2026-04-20 effective {effective} {{
    seats quantity {quantity}
  }}
"""
        return contract("C-1", "acme", "team", seats=10, more=amendment)

    old = checked(changed({"contracts/c1.avt": with_amendment(25, "2026-05-01")}))
    new = checked(changed({"contracts/c1.avt": with_amendment(30, "2026-06-01")}))
    assert only(compare(old, new)).terms == (
        "amendment 1 changed (a signed amendment edited):",
        "  effective 2026-05-01 -> 2026-06-01",
        "  was: seats quantity 10 -> 25 from 2026-05-01",
        "  now: seats quantity 10 -> 30 from 2026-06-01",
    )


def test_a_month_differs_by_its_lines_not_its_sums() -> None:
    same = Month(month=date(2026, 1, 1), currency="NOK", before=Decimal(1), after=Decimal(1))
    assert not same.differs and same.difference == 0
    assert Month(month=date(2026, 1, 1), currency="NOK", before=Decimal(0), after=Decimal(0), usage=True).differs
