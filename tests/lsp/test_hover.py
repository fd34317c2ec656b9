"""Hover texts and the node lookup under them, on small workspaces whose figures are worked out by hand."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from compiler.incremental import Checker, Snapshot
from dsl import ast
from dsl.parser import parse
from runtime.ledger import Ledger, LedgerIdentity
from runtime.lsp import hover as hover_module
from runtime.lsp.hover import hover
from runtime.lsp.locate import node_path, ref_at
from tests.factories.workspaces import PRELUDE
from tests.ledger.factories import invoice, issue, line

EXAMPLES = Path(__file__).parent.parent.parent / "contracts_examples"

PLANS = """plan team "Team" effective 2025-06-01 {
  charge platform "Plattformavgift" {
    flat 4_990.00 per month
  }
  charge seats "Brukerlisenser" {
    per_unit 139.00 per seat per month
  }
}

plan team "Team" effective 2026-01-01 {
  charge platform "Plattformavgift" {
    flat 4_990.00 per month
  }
  charge seats "Brukerlisenser" {
    per_unit 149.00 per seat per month
  }
}

plan team "Team" effective 2026-06-01 {
  charge platform "Plattformavgift" {
    flat 5_490.00 per month
  }
  charge seats "Brukerlisenser" {
    per_unit 159.00 per seat per month
  }
}

index kpi "KPI" {
  2025-10 100.0
  2026-10 103.0
}
"""

NORD = """contract NORD-1 {
  customer buyer
  signed 2026-01-10
  start 2026-02-01
  term 36 months
  renew 12 months notice 3 months
  plan team {
    seats quantity 25
  }
  amendment 1 "Utvidet til 40 brukere" signed 2026-02-10 effective 2026-03-01 {
    seats quantity 40
  }
}
"""

PINNED = """contract PIN-1 {
  customer buyer
  signed 2026-07-01
  start 2026-07-01
  term 12 months
  no renewal
  plan team version 2025-06-01 {
    seats quantity 5
  }
}
"""

OWN = """contract OWN-1 {
  customer buyer
  signed 2026-01-05
  start 2026-01-15
  term 12 months
  no renewal
  billing anchor 1
  charge platform "Plattform" {
    flat 1_000.00 per month
  }
  charge seats "Lisenser" {
    per_unit 100.00 per seat per month
    quantity 10
  }
  charge onboarding "Oppstart" {
    one_time 9_500.00 on start
  }
  charge api "API-kall" {
    usage calls per_unit 0.004
  }
  discount "Intro" 10% on platform from 2026-01-15 until 2026-04-01
}
"""

RENEWING = """contract REN-1 {
  customer buyer
  signed 2026-01-01
  start 2026-01-01
  term 12 months
  renew 12 months notice 3 months
  charge platform "Plattform" {
    flat 1_000.00 per month
  }
  discount "Lojalitet" 5% on platform from 2026-10-01 until 2027-01-01
}
"""

INDEXED = """contract IDX-1 {
  customer buyer
  signed 2026-01-01
  start 2026-01-01
  term 24 months
  no renewal
  charge seats "Lisenser" {
    per_unit 100.00 per seat per month
    quantity 10
  }
  indexation kpi yearly on 01-01 from 2027-01-01 compare october cap 4% on seats
}
"""

FILES = {
    "prelude.avt": PRELUDE,
    "plans.avt": PLANS,
    "nord.avt": NORD,
    "pinned.avt": PINNED,
    "own.avt": OWN,
    "renewing.avt": RENEWING,
    "indexed.avt": INDEXED,
}


@pytest.fixture(scope="module")
def snapshot() -> Snapshot:
    snap = Checker("", FILES).check()
    assert not [d for d in snap.diagnostics if d.is_error]
    return snap


def at(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    """The 1-based line and column of the `nth` occurrence of `needle` in `text`."""
    index = -1
    for _ in range(nth + 1):
        index = text.index(needle, index + 1)
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def hover_on(snap: Snapshot, path: str, needle: str, today: date, nth: int = 0, **kw: object) -> str | None:
    line, column = at(FILES[path], needle, nth)
    return hover(snap, path, line, column, today, **kw)  # type: ignore[arg-type]


def lines(*text: str) -> str:
    """Markdown lines as the hover joins them: a hard break (two spaces) before each newline."""
    return "  \n".join(text)


# ------------------------------------------------------------------ locate
def test_node_path_runs_from_the_declaration_down_to_the_name() -> None:
    file = parse(NORD, "nord.avt").file
    assert file is not None
    line, column = at(NORD, "seats quantity 25")
    path = node_path(file, line, column + 2)
    assert [type(n) for n in path] == [ast.Contract, ast.PlanRef, ast.ChargeSet, ast.Ref]
    found = ref_at(file, line, column + 2)
    assert found is not None and found.name == "seats" and found.span.line == 8


def test_the_end_column_is_exclusive_and_a_keyword_has_no_name() -> None:
    file = parse(NORD, "nord.avt").file
    assert file is not None
    line, column = at(NORD, "seats quantity 25")
    assert ref_at(file, line, column + len("seats") - 1) is not None
    assert ref_at(file, line, column + len("seats")) is None  # the space after the name
    between = node_path(file, line, column + len("seats"))
    assert [type(n) for n in between] == [ast.Contract, ast.PlanRef, ast.ChargeSet]
    inner = node_path(file, line, column + len("seats q"))
    assert [type(n) for n in inner] == [ast.Contract, ast.PlanRef, ast.ChargeSet, ast.QuantityStmt]
    assert ref_at(file, *at(NORD, "signed 2026")) is None
    assert node_path(file, 40, 1) == []


def test_the_amendment_header_and_its_body() -> None:
    file = parse(NORD, "nord.avt").file
    assert file is not None
    head = node_path(file, *at(NORD, "amendment 1"))
    assert [type(n) for n in head] == [ast.Contract, ast.Amendment]
    body = node_path(file, *at(NORD, "seats quantity 40"))
    assert [type(n) for n in body] == [ast.Contract, ast.Amendment, ast.ChargeSet, ast.Ref]


def test_a_lookup_in_a_long_file_is_quick() -> None:
    text = (EXAMPLES / "plans" / "team.avt").read_text(encoding="utf-8") * 2  # two versions' worth, ~190 lines
    file = parse(text, "team.avt").file
    assert file is not None
    last = len(text.splitlines()) - 3
    start = time.perf_counter()
    for _ in range(200):
        node_path(file, last, 8)
    assert (time.perf_counter() - start) / 200 < 0.001  # well under a millisecond each (about 10 µs here)


# ------------------------------------------------------------------ charges
def test_a_plan_charge_before_the_contract_starts(snapshot: Snapshot) -> None:
    assert hover_on(snapshot, "nord.avt", "seats quantity 25", date(2026, 1, 20)) == lines(
        '**seats** "Brukerlisenser" · contract `NORD-1`',
        "In force on 2026-02-01: 25 x 149.00 NOK per seat per month, billed monthly in advance",
        "From 2026-03-01: 40 x 149.00 NOK per seat per month, billed monthly in advance (amendment 1)",
        "Plan `team` version 2026-01-01; quantity set by the contract",
        "Next invoice line: 2026-02-01, period 2026-02-01 – 2026-02-28: 25 x 149.00 = 3 725.00 NOK",
    )


def test_a_charge_in_an_amendment_after_it_took_effect(snapshot: Snapshot) -> None:
    assert hover_on(snapshot, "nord.avt", "seats quantity 40", date(2026, 3, 15)) == lines(
        '**seats** "Brukerlisenser" · contract `NORD-1`',
        "In force on 2026-03-15: 40 x 149.00 NOK per seat per month, billed monthly in advance, as set by amendment 1",
        "Plan `team` version 2026-01-01; quantity set by the contract",
        "Next invoice line: 2026-04-01, period 2026-04-01 – 2026-04-30: 40 x 149.00 = 5 960.00 NOK",
    )


def test_an_own_charge_prorated_from_a_mid_month_start(snapshot: Snapshot) -> None:
    # 10 x 100.00 for 17 of January's 31 days: 17_000 / 31 = 548.387... -> 548.39
    assert hover_on(snapshot, "own.avt", "seats", date(2026, 1, 10)) == lines(
        '**seats** "Lisenser" · contract `OWN-1`',
        "In force on 2026-01-15: 10 x 100.00 NOK per seat per month, billed monthly in advance",
        "The contract's own charge",
        "Next invoice line: 2026-01-15, period 2026-01-15 – 2026-01-31: "
        "10 x 100.00/month x 17/31 days of a month = 548.39 NOK",
    )


def test_the_next_line_comes_with_its_discount(snapshot: Snapshot) -> None:
    assert hover_on(snapshot, "own.avt", "platform", date(2026, 2, 10), nth=1) == lines(
        '**platform** "Plattform" · contract `OWN-1`',
        "In force on 2026-02-10: 1 000.00 NOK per month, billed monthly in advance",
        "The contract's own charge",
        "Next invoice line: 2026-03-01, period 2026-03-01 – 2026-03-31: 1 000.00 NOK",
        "Less Intro (10 % av Plattform): -100.00 NOK",
    )


def test_a_one_time_charge_before_and_after_its_day(snapshot: Snapshot) -> None:
    assert hover_on(snapshot, "own.avt", "onboarding", date(2026, 1, 10)) == lines(
        '**onboarding** "Oppstart" · contract `OWN-1`',
        "In force on 2026-01-15: one-time 9 500.00 NOK on the start",
        "The contract's own charge",
        "Next invoice line: 2026-01-15, once: 9 500.00 NOK",
    )
    after = hover_on(snapshot, "own.avt", "onboarding", date(2026, 2, 10))
    assert after is not None
    assert after.endswith("Billed once, on 2026-01-15: no further invoice line")


def test_a_usage_charge_says_it_is_priced_from_usage(snapshot: Snapshot) -> None:
    assert hover_on(snapshot, "own.avt", "charge api", date(2026, 2, 10)) is None  # the keyword, not the name
    assert hover_on(snapshot, "own.avt", "api", date(2026, 2, 10)) == lines(
        '**api** "API-kall" · contract `OWN-1`',
        'In force on 2026-02-10: priced from usage of `calls` ("API-kall"): per_unit 0.004, billed monthly in arrears',
        "The contract's own charge",
        "Next invoice line: 2026-03-01, usage period 2026-02-01 – 2026-02-28, priced from the metered total",
    )


def test_an_indexed_price(snapshot: Snapshot) -> None:
    # October 2025 100.0 -> October 2026 103.0: +3.00% (under the 4% cap) on 1 January 2027
    assert hover_on(snapshot, "indexed.avt", "seats", date(2027, 2, 1)) == lines(
        '**seats** "Lisenser" · contract `IDX-1`',
        "In force on 2027-02-01: 10 x 103.00 NOK per seat per month, billed monthly in advance",
        "Price indexed +3.00% on 2027-01-01 (kpi, october)",
        "The contract's own charge",
        "Next invoice line: 2027-02-01, period 2027-02-01 – 2027-02-28: 10 x 103.00 = 1 030.00 NOK",
    )


def test_with_a_ledger_the_hover_says_what_was_invoiced(snapshot: Snapshot, tmp_path: Path) -> None:
    seller = LedgerIdentity(seller_orgnr="976240391", seller_name="Prøve AS", invoice_first=1001, credit_note_first=1)
    march = (date(2026, 3, 1), date(2026, 4, 1))
    with Ledger.init(tmp_path / "ledger.sqlite", seller, datetime(2026, 2, 25, tzinfo=UTC)) as ledger:
        seats = line("5960.00", quantity="40", price="149.00", contract="NORD-1", period=march)
        issue(ledger, [invoice(seats, contract="NORD-1", customer="buyer")], as_of=date(2026, 3, 1))
        text = hover_on(snapshot, "nord.avt", "seats quantity 25", date(2026, 2, 20), ledger=ledger)
    assert text is not None
    assert text.splitlines()[-2:] == [
        "Next invoice line: 2026-03-01, period 2026-03-01 – 2026-03-31: 40 x 149.00 = 5 960.00 NOK "
        "(already invoiced: invoice 1001)  ",
        "Last invoiced: invoice 1001, 2026-03-01 – 2026-03-31",
    ]


def test_a_charge_in_a_plan_declaration(snapshot: Snapshot) -> None:
    assert hover_on(snapshot, "plans.avt", "seats", date(2026, 2, 1), nth=1) == lines(
        '**seats** "Brukerlisenser", per_unit 149.00 per seat per month, billed monthly in advance',
        "Plan `team` version 2026-01-01",
    )


# ------------------------------------------------------------------ plan references
def test_a_plan_followed_by_its_signing_date(snapshot: Snapshot) -> None:
    assert hover_on(snapshot, "nord.avt", "team", date(2026, 2, 20)) == lines(
        '**plan `team`** "Team": version 2026-01-01 applies',
        "Why: in force when the contract was signed (2026-01-10); pin it with `plan team version 2026-01-01`",
        "Newer version 2026-06-01 not followed (grandfathered)",
        "Older: 2025-06-01",
    )


def test_a_pinned_plan_version_also_on_its_date(snapshot: Snapshot) -> None:
    expected = lines(
        '**plan `team`** "Team": version 2025-06-01 applies',
        "Why: pinned by `version 2025-06-01` in the contract",
        "Newer versions 2026-01-01, 2026-06-01 not followed (grandfathered)",
    )
    assert hover_on(snapshot, "pinned.avt", "team", date(2026, 7, 1)) == expected
    assert hover_on(snapshot, "pinned.avt", "2025-06-01", date(2026, 7, 1)) == expected


# ------------------------------------------------------------------ amendments
def test_an_amendment_says_what_it_changes_and_what_it_moves(snapshot: Snapshot) -> None:
    # March 2026 to February 2027: platform 12 x 4 990.00 = 59 880.00 on both sides; seats 12 x 25 x 149.00 =
    # 44 700.00 before, 12 x 40 x 149.00 = 71 520.00 after: 104 580.00 -> 131 400.00, +26 820.00
    expected = lines(
        '**amendment 1** "Utvidet til 40 brukere": signed 2026-02-10, effective 2026-03-01',
        "- seats quantity 25 -> 40 from 2026-03-01",
        "Billing 2026-03 to 2027-02: 104 580.00 -> 131 400.00 NOK (+26 820.00)",
    )
    assert hover_on(snapshot, "nord.avt", "amendment 1", date(2026, 2, 20)) == expected
    assert hover_on(snapshot, "nord.avt", '"Utvidet', date(2026, 2, 20)) == expected


def test_an_amendment_is_measured_without_the_later_ones() -> None:
    later = NORD.replace(
        "    seats quantity 40\n  }\n",
        '    seats quantity 40\n  }\n  amendment 2 "Ned til 30" signed 2026-05-10 effective 2026-06-01 {\n'
        "    seats quantity 30\n  }\n",
    )
    snap = Checker("", {**FILES, "nord.avt": later}).check()
    first = hover(snap, "nord.avt", *at(later, "amendment 1"), date(2026, 2, 20))
    assert first is not None and first.endswith("104 580.00 -> 131 400.00 NOK (+26 820.00)")
    # amendment 2, June 2026 to May 2027: 12 x 4 990.00 + 12 x 40 x 149.00 = 131 400.00 before,
    # 12 x 4 990.00 + 12 x 30 x 149.00 = 113 520.00 after
    second = hover(snap, "nord.avt", *at(later, "amendment 2"), date(2026, 2, 20))
    assert second == lines(
        '**amendment 2** "Ned til 30": signed 2026-05-10, effective 2026-06-01',
        "- seats quantity 40 -> 30 from 2026-06-01",
        "Billing 2026-06 to 2027-05: 131 400.00 -> 113 520.00 NOK (-17 880.00)",
    )


# ------------------------------------------------------------------ dates
def test_the_start_date_bills_the_first_lines(snapshot: Snapshot) -> None:
    # 17/31 of January: platform 1 000.00 -> 548.39, its 10% discount -54.84, seats 10 x 100.00 -> 548.39
    assert hover_on(snapshot, "own.avt", "2026-01-15", date(2026, 1, 1)) == lines(
        "**2026-01-15** · contract `OWN-1`",
        "- the contract starts",
        "- billed: Plattform, period 2026-01-15 – 2026-01-31: 548.39 NOK",
        "- billed: Intro (10 % av Plattform), period 2026-01-15 – 2026-01-31: -54.84 NOK",
        "- billed: Lisenser, period 2026-01-15 – 2026-01-31: 548.39 NOK",
        "- billed: Oppstart, once: 9 500.00 NOK",
        "- period 2026-01-15 – 2026-01-31 of api starts (billed 2026-02-01)",
        '- discount "Intro" (10%) starts',
    )


def test_the_day_a_discount_ends(snapshot: Snapshot) -> None:
    assert hover_on(snapshot, "own.avt", "2026-04-01", date(2026, 1, 1)) == lines(
        "**2026-04-01** · contract `OWN-1`",
        "- billed: API-kall, usage period 2026-03-01 – 2026-03-31, priced from the metered total",
        "- billed: Plattform, period 2026-04-01 – 2026-04-30: 1 000.00 NOK",
        "- billed: Lisenser, period 2026-04-01 – 2026-04-30: 1 000.00 NOK",
        "- period 2026-04-01 – 2026-04-30 of api starts (billed 2026-05-01)",
        '- discount "Intro" ends',
    )


def test_the_notice_deadline_and_the_term_end(snapshot: Snapshot) -> None:
    # term 12 months from 2026-01-01 ends 2027-01-01; notice 3 months before: 2026-10-01
    assert hover_on(snapshot, "renewing.avt", "2026-10-01", date(2026, 1, 1)) == lines(
        "**2026-10-01** · contract `REN-1`",
        "- billed: Plattform, period 2026-10-01 – 2026-10-31: 1 000.00 NOK",
        "- billed: Lojalitet (5 % av Plattform), period 2026-10-01 – 2026-10-31: -50.00 NOK",
        "- last day to give notice before the term ends 2027-01-01",
        '- discount "Lojalitet" (5%) starts',
    )
    assert hover_on(snapshot, "renewing.avt", "2027-01-01", date(2026, 1, 1)) == lines(
        "**2027-01-01** · contract `REN-1`",
        "- billed: Plattform, period 2027-01-01 – 2027-01-31: 1 000.00 NOK",
        "- a term ends: the contract renews",
        '- discount "Lojalitet" ends',
    )


def test_an_indexation_date_and_an_amendment_date(snapshot: Snapshot) -> None:
    assert hover_on(snapshot, "indexed.avt", "2027-01-01", date(2026, 1, 1)) == lines(
        "**2027-01-01** · contract `IDX-1`",
        "- billed: Lisenser, period 2027-01-01 – 2027-01-31: 1 030.00 NOK",
        "- seats price indexed +3.00% on 2027-01-01 (kpi, october)",
    )
    assert hover_on(snapshot, "nord.avt", "2026-03-01", date(2026, 1, 1)) == lines(
        "**2026-03-01** · contract `NORD-1`",
        '- amendment 1 takes effect ("Utvidet til 40 brukere")',
        "- billed: Plattformavgift, period 2026-03-01 – 2026-03-31: 4 990.00 NOK",
        "- billed: Brukerlisenser, period 2026-03-01 – 2026-03-31: 5 960.00 NOK",
    )


def test_a_quiet_day_names_the_next_billing(snapshot: Snapshot) -> None:
    assert hover_on(snapshot, "nord.avt", "2026-01-10", date(2026, 1, 1)) == lines(
        "**2026-01-10** · contract `NORD-1`",
        "- the contract is signed",
    )
    assert hover_on(snapshot, "nord.avt", "2026-02-10", date(2026, 1, 1)) == lines(
        "**2026-02-10** · contract `NORD-1`",
        "- amendment 1 is signed",
    )
    quiet = NORD.replace("signed 2026-01-10", 'signed 2026-01-10\n  purchase_order "PO 2026-01-20"')
    snap = Checker("", {**FILES, "nord.avt": quiet}).check()
    assert hover(snap, "nord.avt", *at(quiet, "2026-01-20"), date(2026, 1, 1)) == lines(
        "**2026-01-20** · contract `NORD-1`",
        "Nothing is billed or changes on this day; next billing 2026-02-01",
    )


# ------------------------------------------------------------------ declarations
def test_names_elsewhere_in_one_line(snapshot: Snapshot) -> None:
    today = date(2026, 2, 1)
    customer = '**customer `buyer`** "Kjøper AS", orgnr 922152799, language nb'
    assert hover_on(snapshot, "nord.avt", "buyer", today) == customer
    assert hover(snapshot, "prelude.avt", *at(PRELUDE, "buyer"), today) == customer
    assert (
        hover_on(snapshot, "own.avt", "calls", today) == '**metric `calls`** "API-kall": count over events "api.call"'
    )
    assert hover_on(snapshot, "indexed.avt", "kpi", today) == '**index `kpi`** "KPI": 2 values, latest 2026-10 = 103'
    assert hover_on(snapshot, "nord.avt", "NORD-1", today) == lines(
        '**contract `NORD-1`** for `buyer` "Kjøper AS", plan `team` version 2026-01-01',
        "Starts 2026-02-01, term 36 months",
    )
    assert hover(snapshot, "prelude.avt", *at(PRELUDE, "vendor"), today) == (
        '**seller `vendor`** "Prøve AS", orgnr 976240391 MVA'
    )


def test_nothing_to_say_is_none(snapshot: Snapshot) -> None:
    today = date(2026, 2, 1)
    assert hover_on(snapshot, "nord.avt", "term 36", today) is None
    assert hover_on(snapshot, "indexed.avt", "october", today) is None
    assert hover(snapshot, "nord.avt", 200, 1, today) is None
    assert hover(snapshot, "missing.avt", 1, 1, today) is None


# ------------------------------------------------------------------ broken workspaces
def test_syntax_errors_leave_what_the_ast_can_say() -> None:
    broken = {**FILES, "own.avt": OWN.replace("quantity 10", "quantity")}
    snap = Checker("", broken).check()
    assert snap.result is None
    today = date(2026, 2, 1)
    assert hover(snap, "own.avt", *at(OWN, "seats"), today) is None
    assert hover_on(snap, "nord.avt", "seats quantity 25", today) is None  # no model, no price
    assert hover_on(snap, "nord.avt", "buyer", today) == lines(
        '**customer `buyer`** "Kjøper AS"', "prelude.avt:8 (not checked: the workspace has errors)"
    )
    assert hover_on(snap, "nord.avt", "team", today) == lines(
        '**plan `team`** "Team"', "plans.avt:1 (not checked: the workspace has errors)"
    )


def test_a_contract_with_errors_still_has_names() -> None:
    wrong = NORD.replace("  signed 2026-01-10\n", "")  # E0305: a contract without its signing date is not built
    snap = Checker("", {**FILES, "nord.avt": wrong}).check()
    assert snap.result is not None and "NORD-1" not in snap.result.workspace.contracts
    today = date(2026, 2, 20)
    assert hover(snap, "nord.avt", *at(wrong, "seats quantity 25"), today) is None
    assert hover(snap, "nord.avt", *at(wrong, "amendment 1"), today) is None
    assert hover(snap, "nord.avt", *at(wrong, "2026-03-01"), today) is None
    assert hover(snap, "nord.avt", *at(wrong, "team"), today) == lines(
        '**plan `team`** "Team"', "Versions: 2025-06-01, 2026-01-01, 2026-06-01"
    )


def test_no_position_in_the_example_workspace_raises() -> None:
    """Every word of every example file, hovered with the guard off: the inner function must not raise."""
    texts = {str(p.relative_to(EXAMPLES)): p.read_text(encoding="utf-8") for p in sorted(EXAMPLES.rglob("*.avt"))}
    snap = Checker((EXAMPLES / "avtale.toml").read_text(encoding="utf-8"), texts).check()
    said = 0
    for path, text in texts.items():
        for number, row in enumerate(text.splitlines(), start=1):
            for column in [i + 1 for i, ch in enumerate(row) if ch != " " and (i == 0 or row[i - 1] in ' "{')]:
                found = hover_module._hover(snap, path, number, column, date(2026, 6, 15), None)
                said += found is not None
    assert said > 300


def test_a_hover_lowers_only_its_contract(snapshot: Snapshot, monkeypatch: pytest.MonkeyPatch) -> None:
    lowered: list[str] = []
    real = hover_module.lower

    def counting(contract: object, *args: object, **kw: object) -> object:
        lowered.append(contract.id)  # type: ignore[attr-defined]
        return real(contract, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(hover_module, "lower", counting)
    hover_on(snapshot, "nord.avt", "seats quantity 25", date(2026, 2, 20))
    hover_on(snapshot, "nord.avt", "2026-03-01", date(2026, 2, 20))
    hover_on(snapshot, "nord.avt", "amendment 1", date(2026, 2, 20))
    assert set(lowered) == {"NORD-1"}


CHANGED = """contract ADD-1 {
  customer buyer
  signed 2026-01-01
  start 2026-01-01
  term 12 months
  no renewal
  charge platform "Plattform" {
    flat 1_000.00 per month
  }
  charge seats "Lisenser" {
    per_unit 100.00 per seat per month
    quantity 10
  }
  amendment 1 "Support i stedet for lisenser" signed 2026-03-10 effective 2026-04-01 {
    remove seats
    charge support "Support" {
      flat 500.00 per month
    }
  }
}
"""


def test_charges_an_amendment_adds_and_removes() -> None:
    snap = Checker("", {**FILES, "changed.avt": CHANGED}).check()
    assert not [d for d in snap.diagnostics if d.is_error]
    before = date(2026, 2, 1)
    # April to December 2026 (the contract ends 2027-01-01): 9 x (1 000.00 + 10 x 100.00) = 18 000.00 before,
    # 9 x (1 000.00 + 500.00) = 13 500.00 after
    assert hover(snap, "changed.avt", *at(CHANGED, "amendment 1"), before) == lines(
        '**amendment 1** "Support i stedet for lisenser": signed 2026-03-10, effective 2026-04-01',
        "- charge seats removed from 2026-04-01",
        '- charge support added from 2026-04-01: "Support", flat 500.00 per month, billed monthly in advance',
        "Billing 2026-04 to 2027-03: 18 000.00 -> 13 500.00 NOK (-4 500.00)",
    )
    assert hover(snap, "changed.avt", *at(CHANGED, "support"), before) == lines(
        '**support** "Support" · contract `ADD-1`',
        "In force from 2026-04-01: 500.00 NOK per month, billed monthly in advance, as set by amendment 1",
        "Added by amendment 1, effective 2026-04-01",
        "Next invoice line: 2026-04-01, period 2026-04-01 – 2026-04-30: 500.00 NOK",
    )
    removed = at(CHANGED, "seats", 1)
    assert hover(snap, "changed.avt", *removed, before) == lines(
        '**seats** "Lisenser" · contract `ADD-1`',
        "In force on 2026-02-01: 10 x 100.00 NOK per seat per month, billed monthly in advance",
        "Removed from 2026-04-01",
        "The contract's own charge",
        "Next invoice line: 2026-02-01, period 2026-02-01 – 2026-02-28: 10 x 100.00 = 1 000.00 NOK",
    )
    assert hover(snap, "changed.avt", *removed, date(2026, 5, 1)) == lines(
        '**seats** "Lisenser" · contract `ADD-1`',
        "Removed from 2026-04-01 by amendment 1",
        "The contract's own charge",
        "No further invoice line: the contract ends 2026-12-31",
    )


def test_a_price_the_index_cannot_give_yet() -> None:
    longer = INDEXED.replace("term 24 months", "term 36 months")
    snap = Checker("", {**FILES, "indexed.avt": longer}).check()
    text = hover(snap, "indexed.avt", *at(longer, "seats"), date(2027, 2, 1))
    assert text is not None
    assert text.splitlines()[2:4] == [
        "Price indexed +3.00% on 2027-01-01 (kpi, october)  ",
        "From 2028-01-01: price not known yet: index `kpi` has no value for 2027-10 (october), "
        "needed for the 2028 adjustment  ",
    ]
    assert hover(snap, "indexed.avt", *at(longer, "seats"), date(2028, 2, 1)) == lines(
        '**seats** "Lisenser" · contract `IDX-1`',
        "In force on 2028-02-01: price not known: index `kpi` has no value for 2027-10 (october), "
        "needed for the 2028 adjustment",
        "The contract's own charge",
        "Next invoice line: 2028-02-01, period 2028-02-01 – 2028-02-29: cannot be priced yet",
    )
