"""A bill run snapshots both parties and each line's unit code and VAT reason (runtime/billing/parties.py).

The expected values are read off the workspace text by hand: who the seller and buyer are, which charge
declares which unit, and whether the line states a count of units or 1 x its amount.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from runtime.billing.expected import UsageKey
from runtime.billing.parties import line_details, parties_for
from runtime.billing.run import apply
from runtime.ledger import IssuedDocument, LineDetails, Parties, PartyAddress
from runtime.ledger.store import Ledger
from runtime.loader import load
from tests.billing.helpers import contract, workspace
from tests.factories import documents as build

EXAMPLES = Path(__file__).parent.parent.parent / "contracts_examples"
EXEMPT = "Finansiell tjeneste, unntatt etter mval. § 3-6"

BODY = f"""
  charge platform "Plattform" {{
    flat 1_000.00 per month
  }}
  charge seats "Lisenser" {{
    per_unit 100.00 per seat per month
    quantity 3
    unit "C62"
  }}
  charge storage "Lagring" {{
    usage calls
    per_unit 0.50 per call
    billed monthly in arrears
    unit "E34"
  }}
  charge tiers "Trinn" {{
    usage calls
    graduated {{
      up to 10  1.00
      above     0.10
    }}
    billed monthly in arrears
    unit "E34"
  }}
  charge payments "Betaling" {{
    usage calls
    per_unit 2.00 per call
    billed monthly in arrears
    vat exempt "{EXEMPT}"
  }}
  discount "Rabatt" 10% on storage, payments
"""


def calls(requests: Sequence[UsageKey]) -> Mapping[UsageKey, Decimal]:
    return {key: Decimal(20) for key in requests}  # 20 calls in every month


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    return Ledger.open(tmp_path / "ledger.sqlite")


def test_a_bill_run_records_the_parties_and_each_lines_unit_and_reason(ledger: Ledger) -> None:
    ws = workspace(contract(BODY, start="2026-03-01"))
    _, [doc] = apply(ws, ledger, calls, date(2026, 4, 1))
    # The prelude declares names, organisation numbers and `mva` only: no address, PEPPOL id, e-mail or account,
    # not in Foretaksregisteret, language nb (what `build.business` leaves as it is).
    assert doc.parties == Parties(
        seller=build.business(
            id="vendor",
            name="Prøve AS",
            orgnr="976240391",
            vat_number="NO976240391MVA",  # the prelude's seller declares `mva`
            address=None,
            peppol=None,
        ),
        buyer=build.business(id="buyer", name="Kjøper AS", orgnr="922152799", address=None, peppol=None),
        source="issue",
    )
    shown = {(x.charge, x.kind, x.billing_start.month): (x.quantity, x.details) for x in doc.lines}
    c62 = LineDetails(unit_code="C62", vat_reason=None)
    assert shown == {
        ("platform", "recurring", 3): (Decimal(1), c62),  # a flat fee: 1 x the month's price
        ("platform", "recurring", 4): (Decimal(1), c62),
        ("seats", "recurring", 3): (Decimal(3), c62),  # 3 seats, as `unit "C62"` says
        ("seats", "recurring", 4): (Decimal(3), c62),
        # 20 calls at one rate count what was metered: the charge's unit
        ("storage", "usage", 3): (Decimal(20), LineDetails(unit_code="E34", vat_reason=None)),
        # graduated: stated as 1 x 11.00; `1 E34` would claim one gigabyte
        ("tiers", "usage", 3): (Decimal(1), c62),
        ("payments", "usage", 3): (Decimal(20), LineDetails(unit_code="C62", vat_reason=EXEMPT)),
        # discounts: 1 x their amount, with their charge's VAT reason
        ("storage", "discount", 3): (Decimal(1), c62),
        ("payments", "discount", 3): (Decimal(1), LineDetails(unit_code="C62", vat_reason=EXEMPT)),
    }
    assert ledger.verify() == []


def test_a_minimum_true_up_takes_the_minimums_own_vat_reason(ledger: Ledger) -> None:
    body = (
        '  charge payments "Betaling" {\n    flat 100.00 per month\n    vat exempt "' + EXEMPT + '"\n  }\n'
        '  minimum 5_000.00 per contract year vat exempt "Unntatt etter avtale"\n'
    )
    ws = workspace(contract(body, start="2025-03-01"))
    _, docs = apply(ws, ledger, calls, date(2026, 3, 1))
    [minimum] = [x for d in docs for x in d.lines if x.kind == "minimum"]
    # 5,000.00 - 12 x 100.00 = 3,800.00, stated as 1 x 3,800.00
    assert (minimum.quantity, minimum.net_amount) == (Decimal(1), Decimal("3800.00"))
    assert minimum.details == LineDetails(unit_code="C62", vat_reason="Unntatt etter avtale")


def test_a_correction_takes_its_charges_reason_and_counts_one(ledger: Ledger) -> None:
    before = workspace(contract(BODY, start="2026-03-01"))
    apply(before, ledger, calls, date(2026, 4, 1))
    after = workspace(contract(BODY.replace("per_unit 2.00 per call", "per_unit 1.00 per call"), start="2026-03-01"))
    _, [invoice, note] = apply(after, ledger, calls, date(2026, 4, 1))
    # 20 x (2.00 - 1.00) = 20.00 credited, as 1 x 20.00 on a credit note; the discount shrinks from 4.00 to
    # 2.00, so 1 x 2.00 of it is invoiced back
    [usage] = note.lines
    [discount] = invoice.lines
    assert usage.description.startswith("Korreksjon: ") and discount.description.startswith("Korreksjon: ")
    assert (usage.kind, usage.quantity, usage.net_amount) == ("usage", Decimal(1), Decimal("20.00"))
    assert (discount.kind, discount.quantity, discount.net_amount) == ("discount", Decimal(1), Decimal("2.00"))
    assert usage.details == LineDetails(unit_code="C62", vat_reason=EXEMPT)
    assert discount.details == LineDetails(unit_code="C62", vat_reason=EXEMPT)


def test_the_example_workspace_snapshots_what_its_files_declare(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    shutil.copytree(EXAMPLES, root, ignore=shutil.ignore_patterns(".avtale", "ledger.sqlite*", "out"))
    result = load(root).result
    assert result is not None
    model = result.workspace
    found = parties_for(model, "SKT-2026-008")
    # build.seller() is the example workspace's seller, field by field as seller.avt writes it
    assert found.seller == build.seller()
    assert (found.seller.address, found.seller.bank_account) == (
        PartyAddress(street="Keiser Wilhelms gate 22", postcode="6003", city="Ålesund", country="NO"),
        "7661.69.72304",
    )
    assert (found.buyer.id, found.buyer.name, found.buyer.language, found.buyer.peppol) == (
        "sogndal_turlag",
        "Sogndal Turlag",
        "nn",
        "0192:919730609",
    )
    consumer = parties_for(model, "SKT-2025-004").buyer
    assert (consumer.consumer, consumer.orgnr, consumer.email) == (True, None, "ingrid.haugen@example.no")


def _line(doc: IssuedDocument, charge: str) -> LineDetails | None:
    return next(x.details for x in doc.lines if x.charge == charge)


def test_line_details_of_an_issued_line_are_those_a_run_records(ledger: Ledger) -> None:
    # `avtale ledger backfill` computes details for lines already issued: the same function, the same result.
    ws = workspace(contract(BODY, start="2026-03-01"))
    _, [doc] = apply(ws, ledger, calls, date(2026, 4, 1))
    assert all(line_details(ws, x) == x.details for x in doc.lines)
    assert _line(doc, "payments") == LineDetails(unit_code="C62", vat_reason=EXEMPT)
