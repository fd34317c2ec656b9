"""`usage_lines` lowers only the metered charges: its lines must be the whole lowering's usage lines, in order.

Oracle: `lower` itself over the whole contract (tested on its own against hand figures and the reference biller),
on every contract of a generated workspace (amendments, indexation, discounts, minimums, renewals), of the
examples, and of contracts written to try it: a charge that turns from metered to fixed and back, one fixed
first and metered later, a metered charge removed, indexation of a metered charge beside a fixed one, a
quarterly gauge on an anchor day, a price per event beside a discount and a minimum, a prepaid credit, a
termination, and a cut-over (revenue lowers `whole(contract)`, without it), each at several horizons.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest

from compiler import model
from compiler.billing.lines import UsageLine
from compiler.billing.lower import lower, usage_lines
from compiler.revenue.consideration import whole
from runtime.loader import load
from tests.factories.workspaces import PRELUDE, checked
from tests.factories.workspaces import contract as contract_text

REPO = Path(__file__).resolve().parents[2]
HORIZONS = [date(2025, 3, 1), date(2026, 7, 1), date(2029, 1, 1)]


def _generated(root: Path) -> model.Workspace:
    sys.path.insert(0, str(REPO / "bench"))
    try:
        import generate
    finally:
        sys.path.remove(str(REPO / "bench"))
    generate.generate(root, 120, seed=3)
    loaded = load(root)
    assert loaded.result is not None
    return loaded.result.workspace


@pytest.fixture(scope="module")
def workspaces(tmp_path_factory: pytest.TempPathFactory) -> list[model.Workspace]:
    examples = load(REPO / "contracts_examples")
    assert examples.result is not None
    return [_generated(tmp_path_factory.mktemp("usage-lines") / "ws"), examples.result.workspace]


def test_the_metered_charges_alone_give_the_whole_lowerings_usage_lines(workspaces: list[model.Workspace]) -> None:
    compared = 0
    for ws in workspaces:
        for agreed in ws.contracts.values():
            for until in HORIZONS:
                every = [ln for ln in lower(agreed, ws.indices, until).lines if isinstance(ln, UsageLine)]
                assert usage_lines(agreed, ws.indices, until) == every, (agreed.id, until)
                compared += len(every)
    assert compared > 1000  # a comparison that can fail: most generated contracts are metered


METRICS = (
    PRELUDE
    + """
metric storage "Lagring (GB)" { events "storage.level"  time_weighted gb }
metric paid "Betalt" { events "payment.paid"  sum amount }
index kpi "KPI" {
  2025-10 100.0
  2026-10 110.0
  2027-10 112.0
}
"""
)
API = '  charge api "API" {\n    usage calls\n    per_unit 2.00\n  }\n'
FIXED_API = '  charge api "API" {\n    flat 1_000.00 per month\n  }\n'
SEATS = '  charge seats "Brukere" {\n    per_unit 100.00 per month\n    quantity 10\n  }\n'
STORAGE = '  charge storage "Lagring" {\n    usage storage\n    per_unit 0.25\n    billed quarterly in arrears\n  }\n'
CARD = '  charge card "Kort" {\n    usage paid\n    percentage 1.4% + 2.00 per event min 3.00 per event\n  }\n'


def _amend(number: int, signed: str, effective: str, body: str) -> str:
    return f'  amendment {number} "Endring" signed {signed} effective {effective} {{\n{body}  }}\n'


def _inside(charge: str) -> str:
    return "".join("  " + line + "\n" for line in charge.splitlines())


CRAFTED = {
    "metered, fixed, metered": API
    + SEATS
    + _amend(1, "2026-02-20", "2026-03-10", "    remove api\n" + _inside(FIXED_API))
    + _amend(2, "2026-05-01", "2026-06-17", "    remove api\n" + _inside(API)),
    "fixed, then metered": FIXED_API + SEATS + _amend(1, "2026-02-20", "2026-03-10", "    remove api\n" + _inside(API)),
    "metered charge removed": API + SEATS + _amend(1, "2026-02-20", "2026-04-11", "    remove api\n"),
    "indexed beside a fixed charge": API
    + SEATS
    + "  indexation kpi yearly on 01-01 from 2027-01-01 compare october on api, seats\n",
    "quarterly gauge on an anchor day": STORAGE + SEATS + "  billing anchor 15\n",
    "per event, discount, minimum": CARD
    + API
    + SEATS
    + '  discount "Rabatt" 10% on card, api\n  minimum 50_000.00 per contract year\n',
    "prepaid credit": API + SEATS + "  prepaid 10_000.00 per contract year on api\n",
    "terminated": API + STORAGE + SEATS + _amend(1, "2026-05-10", "2026-05-20", "    terminate\n"),
}


@pytest.mark.parametrize("case", sorted(CRAFTED))
@pytest.mark.parametrize(
    ("start", "term", "cutover"),
    [
        ("2026-01-01", "term 13 months", ""),
        ("2026-01-31", "term 24 months\n  renew 12 months notice 3 months", ""),
        ("2025-07-01", "term 24 months", "  billed_through 2026-06-30\n"),
    ],
)
def test_contracts_written_to_tell_them_apart(case: str, start: str, term: str, cutover: str) -> None:
    ws = checked({"prelude.avt": METRICS, "case.avt": contract_text(CRAFTED[case] + cutover, start=start, term=term)})
    compared = 0
    for agreed in (ws.contracts["C-1"], whole(ws.contracts["C-1"])):
        for until in (date(2026, 7, 1), date(2026, 8, 15), date(2029, 1, 1)):
            every = [ln for ln in lower(agreed, ws.indices, until).lines if isinstance(ln, UsageLine)]
            assert usage_lines(agreed, ws.indices, until) == every, until
            compared += len(every)
    assert compared >= 10  # each case has metered lines to compare (the fewest, a removed charge: 18)


def test_a_contract_without_metered_charges_has_none(workspaces: list[model.Workspace]) -> None:
    unmetered = [
        (c, ws)
        for ws in workspaces
        for c in ws.contracts.values()
        if c.terms is not None
        and not any(
            v.charge is not None and isinstance(v.charge.pricing, model.UsageFee)
            for _, h in c.terms.versions
            for v in h
        )
    ]
    assert unmetered
    for agreed, ws in unmetered:
        assert usage_lines(agreed, ws.indices, HORIZONS[-1]) == []
