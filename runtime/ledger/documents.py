"""The values that cross the ledger's boundary: drafts in, issued documents out.

Amounts on a credit note are stated as positive credits, as in a UBL CreditNote;
`Ledger.issued_lines` gives them a negative sign for reconciliation.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

import attrs

from compiler.billing.lines import LineId, LineKind, Tax
from runtime.ledger.parties import LineDetails, Parties
from runtime.ledger.totals import Totals

Kind = Literal["invoice", "credit_note"]
KINDS: tuple[Kind, ...] = ("invoice", "credit_note")


@attrs.frozen(kw_only=True)
class DraftLine:
    contract: str
    charge: str  # the charge billed (or discounted); `minimum` for a true-up
    description: str  # display only: never matched on
    period_start: date  # the days this line bills: [period_start, period_end)
    period_end: date  # exclusive
    quantity: Decimal
    unit_price: Decimal
    net_amount: Decimal  # rounded to the currency's minor unit by whoever made the line
    vat_category: str  # standard, medium, low, zero, exempt, reverse_charge or outside
    vat_rate: Decimal  # percent: Decimal("25")
    provenance: str  # a versioned trace (compiler/billing/provenance.py), stored verbatim
    kind: LineKind  # with contract, charge, discount and the billing period: the line's identity
    discount: str  # a discount line's discount id; empty otherwise
    billing_start: date  # the billing period the line belongs to (the full cycle)
    billing_end: date
    corrects: int | None = None  # credit-note lines: the invoice number whose line this corrects
    details: LineDetails | None = None  # unit code and VAT reason; None only on lines issued before snapshots

    @property
    def id(self) -> LineId:
        return LineId(self.contract, self.kind, self.charge, self.discount, self.billing_start, self.billing_end)


@attrs.frozen(kw_only=True)
class DraftDocument:
    kind: Kind
    contract: str
    customer: str
    currency: str
    issue_date: date
    due_date: date
    buyer_reference: str | None
    purchase_order: str | None
    lines: tuple[DraftLine, ...]
    corrects: tuple[int, ...] = ()  # credit notes: the invoice numbers they reference
    parties: Parties | None = None  # both parties as of issue; a bill run always sets them


@attrs.frozen(kw_only=True)
class IssuedDocument:
    """A stored document: the draft's fields with its line amounts at 2 decimals, plus what issuing added."""

    kind: Kind
    contract: str
    customer: str
    currency: str
    issue_date: date
    due_date: date
    buyer_reference: str | None
    purchase_order: str | None
    lines: tuple[DraftLine, ...]
    corrects: tuple[int, ...]
    number: int
    series: Kind
    kid: str  # empty for credit notes: nothing is paid against them
    totals: Totals
    previous_hash: str
    hash: str
    issued_at_run: int
    parties: Parties | None = None  # None only for a document issued before the ledger kept snapshots


@attrs.frozen(kw_only=True)
class IssuedLine:
    """One issued line as reconciliation sees it: what was billed for a line identity, in one VAT group."""

    contract: str
    charge: str
    period_start: date
    period_end: date
    net_amount: Decimal  # negative on credit notes
    series: Kind
    number: int
    line: int  # 1-based position on its document
    provenance: str
    description: str
    kind: LineKind
    discount: str
    billing_start: date
    billing_end: date
    vat_category: str
    vat_rate: Decimal
    corrects: int | None

    @property
    def id(self) -> LineId:
        return LineId(self.contract, self.kind, self.charge, self.discount, self.billing_start, self.billing_end)

    @property
    def tax(self) -> Tax:
        return Tax(self.vat_category, self.vat_rate)


@attrs.frozen(kw_only=True)
class Settlement:
    """A contract whose lines due by `as_of` stood issued as expected, from inputs with these digests."""

    contract: str
    as_of: date
    terms: str
    usage: str


DOCUMENT_NAMES: dict[Kind, str] = {"invoice": "invoice", "credit_note": "credit note"}


def document_name(doc: IssuedDocument) -> str:
    """`invoice 250001`, `credit note 950001`: how messages name a document."""
    return f"{DOCUMENT_NAMES[doc.series]} {doc.number}"


def file_stem(doc: IssuedDocument) -> str:
    """The name of a document's files (`250001`, `credit-note-950001`): the two series may share numbers,
    so a credit note's name says what it is. Exports and the outbox use it alike."""
    return str(doc.number) if doc.series == "invoice" else f"credit-note-{doc.number}"
