"""The official EHF validator for the outbox tests: what goes to an access point must pass it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from runtime.einvoice.validation import Validator


@pytest.fixture(scope="session")
def ehf_validator(tmp_path_factory: pytest.TempPathFactory) -> Validator:
    shared = (
        Path(os.environ["AVTALE_SHARED"]) if os.environ.get("AVTALE_SHARED") else Path(__file__).parents[3] / "shared"
    )
    rules = shared / "einvoice"
    if not (rules / "peppol-bis-billing-3.0.19" / "sch").is_dir():
        pytest.fail(f"the official e-invoice artefacts are missing in {rules}; set AVTALE_SHARED to hold einvoice/")
    return Validator.load(rules, cache=tmp_path_factory.mktemp("outbox-schematron"))
