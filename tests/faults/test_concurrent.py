"""Two `avtale bill --apply` of the same run at once.

Both end (one may be told the ledger is locked, exit 1); between them they issue the run exactly once; the
ledger verifies and equals the reference; a rerun issues nothing.
"""

from __future__ import annotations

import random
import sqlite3

import pytest

from tests.faults import attacks
from tests.faults.conftest import SEED

pytestmark = pytest.mark.faults

PAIRS = 3


@pytest.mark.parametrize("trial", range(PAIRS))
def test_two_applies_at_once_issue_the_run_once(examples: attacks.Scenario, trial: int) -> None:
    # The second starts together with the first, or up to as long after it as the first holds the lock.
    stagger = random.Random(SEED + trial).uniform(0, attacks.lock_window(examples)) if trial else 0.0
    result = attacks.pair_trial(examples, trial, stagger)
    assert result.problems == [], result.describe()


def test_two_applies_of_a_large_run_at_once(generated: attacks.Scenario) -> None:
    # Planning 300 contracts under the lock takes longer: the second waits longer for it, and on a slow
    # machine may outlast its wait (2 s) and be refused as locked, while the first issues everything.
    result = attacks.pair_trial(generated, 100, 0.0)
    assert result.problems == [], result.describe()


def test_an_apply_while_another_holds_the_lock_is_refused_then_reruns(examples: attacks.Scenario) -> None:
    # The lock held longer than an apply waits for it (2 s): the refusal path, which the pairs above reach
    # only when planning under the lock outlasts the wait.
    root = examples.fresh()
    holder = sqlite3.connect(examples.ledger, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        refused = attacks.cli(root, examples.cache, *examples.args)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert attacks.problems_of(refused, "the apply while the lock is held", codes=(1,)) == []
    assert "is locked by another process" in refused.stderr and "try again when it finishes" in refused.stderr
    assert attacks.after_disturbance(examples, "", "after the refusal") == []
