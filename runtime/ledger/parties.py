"""What an issued document shows of its parties and lines, as it stood on the day it was issued.

The ledger keeps these snapshots so an EHF or PDF rendered in five years shows
the names, addresses, accounts and identifiers the document was issued with,
whatever the workspace says by then (docs/ledger.md, docs/einvoice.md).
"""

from __future__ import annotations

from typing import Literal

import attrs

SnapshotSource = Literal["issue", "backfill"]
"""`issue`: recorded with the document and covered by its hash. `backfill`: recorded later from the
workspace of that day for a document issued before the ledger kept snapshots (`avtale ledger backfill`)."""


@attrs.frozen(kw_only=True)
class PartyAddress:
    street: str
    postcode: str
    city: str
    country: str
    """ISO 3166-1 alpha-2, as written in the workspace (NO, SE, ...)."""


@attrs.frozen(kw_only=True)
class Party:
    """A seller or buyer as a document names it."""

    id: str
    """The workspace id (`seller skarvtind`, `customer bergen_klatresenter`)."""
    name: str
    orgnr: str | None
    """The organisation number as declared (digits only), None for a consumer."""
    vat_number: str | None
    """`NO<orgnr>MVA` for an MVA-registered Norwegian seller; None when not registered for VAT."""
    foretaksregisteret: bool
    consumer: bool
    address: PartyAddress | None
    peppol: str | None
    """`scheme:identifier`, e.g. `0192:925792403`; None without a PEPPOL id."""
    email: str | None
    bank_account: str | None
    """The seller's account number as declared; None for buyers."""
    language: str
    """The language documents to this party are written in (nb, nn, en)."""


@attrs.frozen(kw_only=True)
class LineDetails:
    """What a line shows beyond its amounts: the unit and why a line carries no VAT."""

    unit_code: str
    """UN/ECE Recommendation 20 code (C62 one, E34 gigabyte, MON month, ...)."""
    vat_reason: str | None
    """The exemption reason written with `vat exempt "..."`; None otherwise."""


@attrs.frozen(kw_only=True)
class Parties:
    """Both parties of one document, and how the ledger came to know them."""

    seller: Party
    buyer: Party
    source: SnapshotSource
