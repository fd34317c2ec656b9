"""The scenarios the fault suite attacks, prepared once per session (each with its undisturbed reference)."""

from __future__ import annotations

import pytest

from tests.faults import attacks

SEED = 20260701
"""Every random choice of the suite (kill delays, staggers, garbage bytes) comes from this seed."""

GENERATED_CONTRACTS = 300
"""Contracts of the generated workspace: enough that issuing and committing take a tenth of a second or more,
so that kills land inside the transaction."""


@pytest.fixture(scope="session")
def examples(tmp_path_factory: pytest.TempPathFactory) -> attacks.Scenario:
    """contracts_examples billed up to 1 April 2026, then late usage; the attacked run bills up to 1 July."""
    return attacks.examples(tmp_path_factory.mktemp("faults-examples"))


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> attacks.Scenario:
    """A workspace of 300 contracts from bench/generate.py, billed up to 1 April 2026, then up to 1 July."""
    return attacks.generated(tmp_path_factory.mktemp("faults-generated"), GENERATED_CONTRACTS)
