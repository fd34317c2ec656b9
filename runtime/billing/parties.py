"""What a document shows of its parties and lines, taken from the workspace when a bill run drafts it.

The ledger stores these snapshots with the document (runtime/ledger/parties.py), so that what it shows
never changes with the workspace. `avtale ledger backfill` uses the same functions to give documents
issued before the ledger kept snapshots one from today's workspace.

Unit codes (UN/ECE Recommendation 20) say what a line's quantity counts, because an EHF or PDF shows
quantity x unit price = net amount:

- a recurring line of one whole price period counts the charge's units (`per_unit 129.00 per seat`:
  10 seats; a flat fee: 1), and a usage line at one unit rate counts what was metered (`per_unit 0.004 per
  call`: 182,300 calls): the charge's `unit "..."` when it declares one, else C62 (one);
- every other line states its whole amount as 1 x the amount (reconcile.py, compiler/billing/price.py):
  a prorated or multi-piece recurring line, tiered, package or percentage usage, a one-time charge, a
  discount, a minimum true-up and every correction. Its quantity counts one line, so C62, whatever unit
  the charge declares: `1 E34` would claim one gigabyte.

A line that states one counted unit at exactly its amount (1 seat for a whole month) is the one case the
two readings share; it takes C62 then, which a charge counting pieces declares anyway.
"""

from __future__ import annotations

from decimal import Decimal

from compiler import model
from runtime.ledger.documents import DraftLine
from runtime.ledger.parties import LineDetails, Parties, Party, PartyAddress

ONE = "C62"  # UN/ECE Rec. 20: one (a unit, a piece): what a line stated as 1 x its amount counts
COUNTED = ("recurring", "usage")  # the line kinds whose quantity can count the charge's units


def _address(address: model.Address | None) -> PartyAddress | None:
    if address is None:
        return None
    return PartyAddress(street=address.street, postcode=address.postcode, city=address.city, country=address.country)


def _digits(orgnr: str) -> str:
    """The organisation number as digits only (`925 792 403` is `925792403`)."""
    return "".join(c for c in orgnr if c.isdigit())


def seller_party(seller: model.Seller) -> Party:
    orgnr = _digits(seller.orgnr)
    return Party(
        id=seller.id,
        name=seller.name,
        orgnr=orgnr,
        vat_number=f"NO{orgnr}MVA" if seller.mva else None,
        foretaksregisteret=seller.foretaksregisteret,
        consumer=False,
        address=_address(seller.address),
        peppol=seller.peppol,
        email=seller.email,
        bank_account=seller.bank,
        language="nb",  # documents are written to the buyer; the seller declares no language of its own
    )


def buyer_party(customer: model.Customer) -> Party:
    return Party(
        id=customer.id,
        name=customer.name,
        orgnr=_digits(customer.orgnr) if customer.orgnr is not None else None,
        vat_number=None,  # the workspace declares no VAT number for customers yet
        foretaksregisteret=False,  # not declared for customers; only the seller's is shown
        consumer=customer.consumer,
        address=_address(customer.address),
        peppol=customer.peppol,
        email=customer.email,
        bank_account=None,
        language=customer.language,
    )


def parties_for(workspace: model.Workspace, contract_id: str) -> Parties:
    """The seller and the contract's customer as a document issued now names them."""
    if workspace.seller is None:
        raise ValueError("a checked workspace has a seller")
    contract = workspace.contracts[contract_id]
    return Parties(
        seller=seller_party(workspace.seller),
        buyer=buyer_party(workspace.customers[contract.customer]),
        source="issue",
    )


def charge_of(contract: model.Contract, line: DraftLine) -> model.Charge | None:
    """The version of the line's charge in force when the line's days begin, in the line's VAT category
    (a line holds the days of one VAT category: compiler/billing/lower.py); None if it has none."""
    if contract.terms is not None:
        for found_id, versions in contract.terms.versions:
            if found_id != line.charge:
                continue
            matching = [v for v in versions if v.charge is not None and v.charge.vat.category == line.vat_category]
            before = [v for v in matching if v.start <= line.period_start]
            chosen = before[-1] if before else (matching[0] if matching else None)
            return chosen.charge if chosen is not None else None
    same = [c for c in contract.charges if c.id == line.charge]
    return next((c for c in same if c.vat.category == line.vat_category), same[0] if same else None)


def _is_whole_amount(line: DraftLine) -> bool:
    """A line stated as 1 x its amount (credit notes state both as positive credits)."""
    return line.quantity == Decimal(1) and line.unit_price == line.net_amount


def line_details(workspace: model.Workspace, line: DraftLine) -> LineDetails:
    """The unit code and VAT exemption reason a line shows (see the module's doc for the unit codes).

    The VAT reason is the `vat exempt "..."` (or other `vat` statement's reason) of the line's charge; a
    minimum true-up takes the minimum's own; a discount line and a correction take their charge's.
    """
    contract = workspace.contracts.get(line.contract)
    if contract is None:
        return LineDetails(unit_code=ONE, vat_reason=None)
    # by kind only: a correction keeps its line's kind, and the charge key is the line's, not a charge's id
    if line.kind == "minimum":
        vat = contract.minimum_vat
        reason = vat.reason if vat is not None and vat.category == line.vat_category else None
        return LineDetails(unit_code=ONE, vat_reason=reason)
    if line.kind == "prepaid":
        vat = contract.prepaid.vat if contract.prepaid is not None else None
        reason = vat.reason if vat is not None and vat.category == line.vat_category else None
        return LineDetails(unit_code=ONE, vat_reason=reason)
    charge = charge_of(contract, line)
    reason = charge.vat.reason if charge is not None and charge.vat.category == line.vat_category else None
    counts_units = line.kind in COUNTED and not _is_whole_amount(line)
    unit = charge.unit if counts_units and charge is not None and charge.unit else ONE
    return LineDetails(unit_code=unit, vat_reason=reason)
