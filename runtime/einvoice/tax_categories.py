"""Avtale's VAT categories as EN 16931 / UNCL5305 tax category codes, with the reasons EHF asks for.

The code comes from compiler/vat.py CATEGORY_CODES, with one Norwegian refinement: a
zero-rated line to a buyer outside Norway is an export (G, "free export item, VAT not
charged"); Z stays for zero-rated sales at home. E, AE, G and O carry an exemption reason in
the VAT breakdown (BR-E-10, BR-AE-10, BR-G-10, BR-O-10); S and Z must not (BR-S-10, BR-Z-10).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import attrs

from compiler.vat import CATEGORY_CODES
from runtime.ledger.documents import DraftLine, IssuedDocument
from runtime.ledger.parties import Parties
from runtime.ledger.totals import VatGroup, plain_rate

ZERO = Decimal(0)

REVERSE_CHARGE = "Omvendt avgiftsplikt - Merverdiavgift ikke beregnet"
"""The marking a Norwegian sales document carries when the buyer calculates the VAT (mval. § 11-1 (2))."""
EXPORT = {
    "nb": "Eksport, merverdiavgift ikke beregnet",
    "nn": "Eksport, meirverdiavgift ikkje rekna ut",
    "en": "Export, VAT not charged",
}
OUTSIDE = {"nb": "Ikke merverdiavgiftspliktig", "nn": "Ikkje meirverdiavgiftspliktig", "en": "Not subject to VAT"}
EXEMPT_FALLBACK = "Unntatt fra merverdiavgift"
"""Only for a damaged ledger: the checker refuses an exempt line without its reason (E0207)."""
REASON_CODES = {"AE": "VATEX-EU-AE", "G": "VATEX-EU-G", "O": "VATEX-EU-O"}


@attrs.frozen(kw_only=True)
class TaxCategory:
    code: str  # UNCL5305: S, Z, E, AE, G, O
    rate: Decimal  # percent; 0 for every code but S
    reason_code: str | None = None  # VATEX code, in the VAT breakdown only
    reason: str | None = None  # exemption reason text, in the VAT breakdown only


def category_code(category: str, parties: Parties) -> str:
    """The UNCL5305 code of one of Avtale's categories, on a document between these parties."""
    code = CATEGORY_CODES.get(category)
    if code is None:
        raise ValueError(f"unknown VAT category {category!r}")
    if code == "Z" and _abroad(parties):
        return "G"
    return code


def _abroad(parties: Parties) -> bool:
    seller, buyer = parties.seller.address, parties.buyer.address
    return seller is not None and buyer is not None and buyer.country != seller.country


def line_category(line: DraftLine, parties: Parties) -> TaxCategory:
    return TaxCategory(code=category_code(line.vat_category, parties), rate=plain_rate(line.vat_rate))


def _reason(code: str, lines: list[DraftLine], language: str) -> tuple[str | None, str | None]:
    lang = language if language in EXPORT else "nb"
    if code == "E":
        reasons: list[str] = []
        for line in lines:
            reason = line.details.vat_reason if line.details is not None else None
            if reason and reason.strip() and reason.strip() not in reasons:
                reasons.append(reason.strip())
        return None, "; ".join(reasons) or EXEMPT_FALLBACK
    if code == "AE":
        return REASON_CODES[code], REVERSE_CHARGE if lang != "en" else f"{REVERSE_CHARGE} (reverse charge)"
    if code == "G":
        return REASON_CODES[code], EXPORT[lang]
    if code == "O":
        return REASON_CODES[code], OUTSIDE[lang]
    return None, None


def document_categories(doc: IssuedDocument, parties: Parties) -> Iterator[tuple[VatGroup, TaxCategory]]:
    """Each VAT group of the document's stored totals with the tax category it is reported under."""
    for group in doc.totals.groups:
        members = [
            line
            for line in doc.lines
            if line.vat_category == group.category and plain_rate(line.vat_rate) == group.rate
        ]
        code = category_code(group.category, parties)
        reason_code, reason = _reason(code, members, parties.buyer.language)
        yield group, TaxCategory(code=code, rate=group.rate, reason_code=reason_code, reason=reason)
