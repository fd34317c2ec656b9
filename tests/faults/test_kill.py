"""kill -9 during `avtale bill --apply`, at points spread over the run; then a rerun.

After each kill: `ledger verify` passes; the ledger holds the run whole or not at all (nothing, if the kill
came before the COMMIT began; all of it, if after the COMMIT returned); a rerun issues exactly the documents
that are missing; and the ledger then equals, row for row, the one an undisturbed run leaves.
"""

from __future__ import annotations

import random

import pytest

from tests.faults import attacks
from tests.faults.conftest import SEED

pytestmark = pytest.mark.faults

KILLS = 8
IN_TRANSACTION = 3


@pytest.mark.parametrize("trial", range(KILLS))
def test_a_kill_anywhere_in_an_apply_loses_and_doubles_nothing(examples: attacks.Scenario, trial: int) -> None:
    # Half are timed from the start, spread over the whole apply; half from when it takes the write lock,
    # spread over planning, issuing, committing and closing (on a slow machine, delays from the start
    # alone would all land while it loads the workspace).
    after = "" if trial < KILLS // 2 else "B"
    delay = attacks.delays(examples, KILLS // 2, random.Random(f"{SEED}{after}"), after)[trial % (KILLS // 2)]
    result = attacks.kill_trial(examples, trial, delay, after)
    assert result.problems == [], result.describe()


@pytest.mark.parametrize("trial", range(IN_TRANSACTION))
def test_a_kill_while_a_large_run_issues_and_commits(generated: attacks.Scenario, trial: int) -> None:
    # Counted from the run's first INSERT of a document, up to a little past its close: while it inserts,
    # writes the WAL at the COMMIT, and checkpoints the WAL into the file.
    delay = attacks.delays(generated, IN_TRANSACTION, random.Random(SEED), "D")[trial]
    result = attacks.kill_trial(generated, 100 + trial, delay, after="D")
    assert result.problems == [], result.describe()


def test_the_reference_run_issues_both_series(examples: attacks.Scenario) -> None:
    # The comparisons above are only as strong as the reference: it must hold new invoices and a credit note.
    # (That two undisturbed runs leave the same rows is checked when the scenario is prepared.)
    new = [row[:2] for row in examples.reference["documents"] if row not in examples.before["documents"]]
    assert {series for series, _ in new} == {"invoice", "credit_note"}
    assert examples.reference["document_refs"], "the credit note references the invoice it corrects"
