"""Fixtures for e-invoice tests: the official artefacts and one shared validator per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from runtime.einvoice.validation import Validator

REPO = Path(__file__).resolve().parents[2]


def _shared() -> Path:
    """`$AVTALE_SHARED`, else `<repo>/../shared`: the official artefacts are never copied into the project."""
    return Path(os.environ["AVTALE_SHARED"]) if os.environ.get("AVTALE_SHARED") else REPO.parent / "shared"


@pytest.fixture(scope="session")
def einvoice_rules() -> Path:
    """The folder holding `ubl-2.1/` and `peppol-bis-billing-3.0.19/` (the official EHF/PEPPOL artefacts)."""
    rules = _shared() / "einvoice"
    missing = [p for p in ("ubl-2.1/xsd/maindoc", "peppol-bis-billing-3.0.19/sch") if not (rules / p).is_dir()]
    if missing:
        pytest.fail(
            f"the official e-invoice artefacts are missing: {', '.join(str(rules / p) for p in missing)}; "
            "set AVTALE_SHARED to the folder holding einvoice/ (UBL 2.1 XSDs and PEPPOL BIS Billing 3.0.19)"
        )
    return rules


@pytest.fixture(scope="session")
def einvoice_examples(einvoice_rules: Path) -> Path:
    """The official example invoices and credit notes."""
    return einvoice_rules / "peppol-bis-billing-3.0.19" / "examples"


@pytest.fixture(scope="session")
def validator(einvoice_rules: Path, tmp_path_factory: pytest.TempPathFactory) -> Validator:
    """One validator for the whole session (compiling the Schematron takes a few seconds; validating is fast)."""
    return Validator.load(einvoice_rules, cache=tmp_path_factory.mktemp("schematron-cache"))
