"""What a Norwegian sales document must say (bokføringsforskriften § 5-1-1), checked before it is sent.

The regulation lists what every sales document shows: its number and date, the parties,
what was delivered and how much, when and where, the price and when it is due, and any
VAT, in Norwegian kroner. Avtale fills all of it from the ledger; this check finds the
document that cannot (a snapshot without an orgnr, VAT in a foreign currency), so that the
export refuses it instead of sending it. docs/einvoice.md has the table.
"""

from __future__ import annotations

from decimal import Decimal

from runtime.ledger.documents import IssuedDocument
from runtime.ledger.parties import Party

ZERO = Decimal(0)


def bokforing_problems(doc: IssuedDocument) -> list[str]:
    """Every § 5-1-1 requirement the document does not meet, in words; empty when it meets them all."""
    problems: list[str] = []
    problems += _number_and_date(doc)
    problems += _parties(doc)
    problems += _what_and_when(doc)
    problems += _price_and_due(doc)
    problems += _vat(doc)
    return problems


def _number_and_date(doc: IssuedDocument) -> list[str]:
    if doc.number <= 0:
        return [f"no. 1 (number and date): the document has no number ({doc.number})"]
    return []


def _parties(doc: IssuedDocument) -> list[str]:
    if doc.parties is None:
        return ["no. 2 (parties): the document has no snapshot of its parties (run `avtale ledger backfill`)"]
    seller, buyer = doc.parties.seller, doc.parties.buyer
    found: list[str] = []
    if not seller.name.strip():
        found.append(f"no. 2 (parties): the seller `{seller.id}` has no name")
    if not seller.orgnr:
        found.append(f"no. 2 (parties): the seller `{seller.id}` has no organisation number")
    elif seller.vat_number is not None and _is_norwegian(seller) and seller.vat_number != f"NO{seller.orgnr}MVA":
        found.append(
            f"no. 2 (parties): the seller's VAT number {seller.vat_number} is not its organisation number "
            f"followed by MVA (NO{seller.orgnr}MVA)"
        )
    if not buyer.name.strip():
        found.append(f"no. 2 (parties): the buyer `{buyer.id}` has no name")
    if buyer.address is None and not buyer.orgnr:
        found.append(f"no. 2 (parties): the buyer `{buyer.id}` has neither an address nor an organisation number")
    return found


def _is_norwegian(party: Party) -> bool:
    return party.address is None or party.address.country == "NO"


def _what_and_when(doc: IssuedDocument) -> list[str]:
    found: list[str] = []
    if not doc.lines:
        found.append("no. 3 (what was delivered): the document has no lines")
    for number, line in enumerate(doc.lines, start=1):
        if not line.description.strip():
            found.append(f"no. 3 (what was delivered): line {number} has no description")
        if line.period_end <= line.period_start:
            found.append(
                f"no. 4 (when delivered): line {number} has no delivery period "
                f"({line.period_start} to {line.period_end})"
            )
    # The place: where the buyer is (the EHF's delivery address), else where the seller provides the service from.
    if doc.parties is not None and doc.parties.buyer.address is None and doc.parties.seller.address is None:
        found.append("no. 4 (where delivered): neither the buyer nor the seller has an address to name as the place")
    return found


def _price_and_due(doc: IssuedDocument) -> list[str]:
    found: list[str] = []
    net = sum((line.net_amount for line in doc.lines), ZERO)
    if net != doc.totals.net or doc.totals.net + doc.totals.vat != doc.totals.gross:
        found.append(
            f"no. 5 (price): the lines sum to {net}, the document says net {doc.totals.net}, "
            f"VAT {doc.totals.vat}, total {doc.totals.gross}"
        )
    if doc.kind == "invoice" and doc.due_date < doc.issue_date:
        found.append(f"no. 5 (due date): the invoice is due {doc.due_date}, before it was issued {doc.issue_date}")
    if doc.kind == "credit_note" and not doc.corrects:
        found.append("no. 5 (price): the credit note does not name the invoice it corrects")
    return found


def _vat(doc: IssuedDocument) -> list[str]:
    found: list[str] = []
    if sum((group.vat for group in doc.totals.groups), ZERO) != doc.totals.vat:
        found.append(f"no. 6 (VAT): the VAT per rate does not add up to the VAT of {doc.totals.vat}")
    if doc.totals.vat != 0 and doc.currency != "NOK":
        found.append(
            f"no. 6 (VAT in NOK): the document is in {doc.currency} and charges VAT, which must also be "
            "stated in Norwegian kroner; Avtale keeps no exchange rate for it"
        )
    for number, line in enumerate(doc.lines, start=1):
        reason = line.details.vat_reason if line.details is not None else None
        if line.vat_category == "exempt" and not (reason and reason.strip()):
            found.append(f"no. 6 (VAT): line {number} is exempt from VAT but does not say why")
    return found
