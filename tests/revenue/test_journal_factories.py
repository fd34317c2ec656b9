"""Hand-built issued documents and recognised revenue for the journal and SAF-T tests (no tests here).

Totals are written by hand (not computed), so they are the oracle's figures.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from runtime.ledger.documents import DraftLine, IssuedDocument
from runtime.ledger.parties import Parties, Party, PartyAddress
from runtime.ledger.totals import Totals, VatGroup
from runtime.revenue.records import Recognised

D = Decimal


def party(pid: str, country: str = "NO", *, name: str = "Kunde AS", orgnr: str | None = "923609016") -> Party:
    return Party(
        id=pid,
        name=name,
        orgnr=orgnr,
        vat_number=None,
        foretaksregisteret=True,
        consumer=False,
        address=PartyAddress(street="Storgata 1", postcode="0155", city="Oslo", country=country),
        peppol=None,
        email=None,
        bank_account=None,
        language="nb",
    )


def draft_line(net: str, category: str = "standard", rate: str = "25", contract: str = "A-1") -> DraftLine:
    return DraftLine(
        contract=contract,
        charge="platform",
        description="Plattform",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 2, 1),
        quantity=D(1),
        unit_price=D(net),
        net_amount=D(net),
        vat_category=category,
        vat_rate=D(rate),
        provenance="{}",
        kind="recurring",
        discount="",
        billing_start=date(2026, 1, 1),
        billing_end=date(2026, 2, 1),
    )


def document(
    number: int,
    issued: date,
    groups: list[tuple[str, str, str, str]],
    *,
    kind: str = "invoice",
    contract: str = "A-1",
    customer: str = "kunde",
    currency: str = "NOK",
    country: str = "NO",
) -> IssuedDocument:
    """A document with VAT groups (category, rate, taxable, vat), one line per group; amounts as stored
    (positive on a credit note)."""
    vat_groups = tuple(VatGroup(category=c, rate=D(r), taxable=D(t), vat=D(v)) for c, r, t, v in groups)
    net = sum((g.taxable for g in vat_groups), D(0))
    vat = sum((g.vat for g in vat_groups), D(0))
    seller = party("selger", name="Selger AS", orgnr="925792403")
    return IssuedDocument(
        kind=kind,  # type: ignore[arg-type]
        contract=contract,
        customer=customer,
        currency=currency,
        issue_date=issued,
        due_date=issued,
        buyer_reference="ref",
        purchase_order=None,
        lines=tuple(draft_line(t, c, r, contract) for c, r, t, _ in groups),
        corrects=(),
        number=number,
        series=kind,  # type: ignore[arg-type]
        kid="",
        totals=Totals(groups=vat_groups, net=net, vat=vat, gross=net + vat),
        previous_hash="",
        hash="",
        issued_at_run=1,
        parties=Parties(seller=seller, buyer=party(customer, country), source="issue"),
    )


def recognised(
    month: date,
    amount: str,
    *,
    contract: str = "A-1",
    account: int = 3020,
    obligation: str = "platform",
    currency: str = "NOK",
    kind: str = "scheduled",
    reason: str = "",
) -> Recognised:
    return Recognised(
        contract=contract,
        obligation=obligation,
        month=month,
        amount=D(amount),
        currency=currency,
        account=account,
        kind=kind,  # type: ignore[arg-type]
        reason=reason,
    )
