"""The incremental checker gives what a fresh check of the same texts gives, and checks only what an edit reaches."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compiler.incremental import Checker
from compiler.workspace import check_workspace
from dsl.parser import parse

EXAMPLES = Path(__file__).parent.parent / "contracts_examples"


def example_texts() -> dict[str, str]:
    return {
        str(p.relative_to(EXAMPLES)): p.read_text(encoding="utf-8")
        for p in sorted(EXAMPLES.rglob("*.avt"))
        if "import" not in p.parts
    }


SETTINGS = (EXAMPLES / "avtale.toml").read_text(encoding="utf-8")
TEXTS = example_texts()
CONTRACT = "contracts/SKT-2026-011-lofoten-rorbu-team.avt"
PLAN = "plans/team.avt"


def fresh(texts: dict[str, str], settings_text: str = SETTINGS) -> tuple[object, object]:
    snap = Checker(settings_text, texts).check()
    return snap.diagnostics, snap.workspace


def test_an_unchanged_workspace_checks_nothing_again() -> None:
    checker = Checker(SETTINGS, TEXTS)
    first = checker.check()
    assert first.reused == 0 and first.checked > 0
    again = checker.check()
    assert again.checked == 0 and again.reused == first.checked
    assert (again.diagnostics, again.workspace) == (first.diagnostics, first.workspace)


def test_a_contract_edit_checks_that_contract_and_its_customers_only() -> None:
    checker = Checker(SETTINGS, TEXTS)
    checker.check()
    edited = TEXTS[CONTRACT].replace("quantity 6", "quantity 7")
    assert edited != TEXTS[CONTRACT]
    checker.set_file(CONTRACT, edited)
    snap = checker.check()
    assert snap.checked == 1  # SKT-2026-011 alone; the file holds no customer
    assert (snap.diagnostics, snap.workspace) == fresh({**TEXTS, CONTRACT: edited})


def test_a_plan_edit_checks_the_plan_and_the_contracts_that_follow_it() -> None:
    checker = Checker(SETTINGS, TEXTS)
    base = checker.check()
    assert base.workspace is not None
    followers = {c.id for c in base.workspace.contracts.values() if c.plan is not None and c.plan.plan == "team"}
    edited = TEXTS[PLAN].replace("flat 2_690.00 per month", "flat 2_790.00 per month", 1)
    assert edited != TEXTS[PLAN]
    checker.set_file(PLAN, edited)
    snap = checker.check()
    assert snap.checked == 1 + len(followers)
    assert (snap.diagnostics, snap.workspace) == fresh({**TEXTS, PLAN: edited})


EDITS = [
    ("quantity 6", "quantity 60"),
    ("customer lofoten_rorbu", "customer lofoten_rorbux"),  # unknown customer: a did-you-mean
    ("plan team", "plan teamx"),  # unknown plan
    ("flat 2_690.00", "flat -2_690.00"),  # negative price in a plan
    ("signed", "sigend"),  # a syntax error
    ('name "Lofoten Rorbuferie AS"', ""),  # a customer without a name
    ("customer lofoten_rorbu {", "customer lofoten_rorbu2 {"),  # a customer renamed
    ("metric", "# metric"),  # metrics commented out
    ("billed monthly", "billed quarterly"),
]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(sorted(TEXTS)), st.sampled_from(EDITS), st.booleans()), max_size=6))
def test_any_sequence_of_edits_gives_what_a_fresh_check_gives(edits: list[tuple[str, tuple[str, str], bool]]) -> None:
    checker = Checker(SETTINGS, TEXTS)
    checker.check()
    texts = dict(TEXTS)
    for path, (old, new), remove in edits:
        if remove and path in texts and len(texts) > 1:
            del texts[path]
            checker.remove_file(path)
        else:
            texts[path] = (texts.get(path) or TEXTS[path]).replace(old, new, 1)
            checker.set_file(path, texts[path])
        snap = checker.check()
        assert (snap.diagnostics, snap.workspace) == fresh(texts)


def test_a_settings_edit_reaches_every_contract() -> None:
    checker = Checker(SETTINGS, TEXTS)
    checker.check()
    checker.set_settings(SETTINGS + "\nbilled_through = 2026-02-28\n")
    snap = checker.check()
    assert (snap.diagnostics, snap.workspace) == fresh(TEXTS, SETTINGS + "\nbilled_through = 2026-02-28\n")
    assert any(d.code == "E0518" for d in snap.diagnostics)


def test_a_check_with_a_memo_gives_what_one_without_gives() -> None:
    # `avtale check` checks without a memo (nothing is recorded); the editor server with one
    snap = Checker(SETTINGS, TEXTS).check()
    files = [parse(TEXTS[path], path).file for path in sorted(TEXTS)]
    plain = check_workspace([f for f in files if f is not None])
    assert snap.result is not None
    assert (snap.result.diagnostics, snap.result.workspace) == (plain.diagnostics, plain.workspace)
