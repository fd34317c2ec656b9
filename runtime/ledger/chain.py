"""The hash chain: each document's hash covers its content and the hash before it in its series.

hash = sha256(previous_hash as ASCII hex + canonical JSON of the document), where the
canonical JSON is the document without `hash` and `previous_hash`: keys sorted, no
spaces, UTF-8, Decimals and dates as strings exactly as stored. Changing any stored
figure, line, reference or number breaks the document's hash; removing or reordering
a document breaks the link from the next one.

A document issued with snapshots of its parties and lines (schema version 5, `parties.source == "issue"`) has
them in its canonical JSON too, with `"format": 2`: each line gains `details`, the document gains `parties`.
Stripping the snapshot, or relabelling it a backfill, gives the old form and so another hash. A document issued
before version 5 has neither and keeps its old canonical form, and so its hash, exactly; a snapshot backfilled
for it later is not covered.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from runtime.ledger.documents import DraftLine, IssuedDocument
from runtime.ledger.parties import LineDetails, Party

GENESIS = "0" * 64
SNAPSHOT_FORMAT = 2  # the canonical form of a document that carries its issue-time snapshots


def _line(line: DraftLine) -> dict[str, Any]:
    return {
        "contract": line.contract,
        "charge": line.charge,
        "description": line.description,
        "period_start": line.period_start.isoformat(),
        "period_end": line.period_end.isoformat(),
        "quantity": str(line.quantity),
        "unit_price": str(line.unit_price),
        "net_amount": str(line.net_amount),
        "vat_category": line.vat_category,
        "vat_rate": str(line.vat_rate),
        "provenance": line.provenance,
        "corrects": line.corrects,
        "line_kind": line.kind,
        "discount": line.discount,
        "billing_start": line.billing_start.isoformat(),
        "billing_end": line.billing_end.isoformat(),
    }


def _details(details: LineDetails | None) -> dict[str, Any] | None:
    if details is None:
        return None
    return {"unit_code": details.unit_code, "vat_reason": details.vat_reason}


def _party(party: Party) -> dict[str, Any]:
    address = party.address
    return {
        "id": party.id,
        "name": party.name,
        "orgnr": party.orgnr,
        "vat_number": party.vat_number,
        "foretaksregisteret": party.foretaksregisteret,
        "consumer": party.consumer,
        "address": None
        if address is None
        else {"street": address.street, "postcode": address.postcode, "city": address.city, "country": address.country},
        "peppol": party.peppol,
        "email": party.email,
        "bank_account": party.bank_account,
        "language": party.language,
    }


def covers_snapshots(doc: IssuedDocument) -> bool:
    """Whether the document's hash covers its party and line snapshots: those recorded when it was issued."""
    return doc.parties is not None and doc.parties.source == "issue"


def canonical(doc: IssuedDocument) -> bytes:
    lines = [_line(line) for line in doc.lines]
    body: dict[str, Any] = {
        "series": doc.series,
        "number": doc.number,
        "kind": doc.kind,
        "contract": doc.contract,
        "customer": doc.customer,
        "currency": doc.currency,
        "issue_date": doc.issue_date.isoformat(),
        "due_date": doc.due_date.isoformat(),
        "buyer_reference": doc.buyer_reference,
        "purchase_order": doc.purchase_order,
        "kid": doc.kid,
        "corrects": list(doc.corrects),
        "lines": lines,
        "vat_groups": [
            {"category": g.category, "rate": str(g.rate), "taxable": str(g.taxable), "vat": str(g.vat)}
            for g in doc.totals.groups
        ],
        "net": str(doc.totals.net),
        "vat": str(doc.totals.vat),
        "gross": str(doc.totals.gross),
        "run": doc.issued_at_run,
    }
    if covers_snapshots(doc):
        assert doc.parties is not None
        body["format"] = SNAPSHOT_FORMAT
        body["parties"] = {"seller": _party(doc.parties.seller), "buyer": _party(doc.parties.buyer)}
        for entry, line in zip(lines, doc.lines, strict=True):
            entry["details"] = _details(line.details)
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def document_hash(doc: IssuedDocument) -> str:
    """The hash `doc` must carry, from its previous_hash and its content (its own `hash` is ignored)."""
    return hashlib.sha256(doc.previous_hash.encode("ascii") + canonical(doc)).hexdigest()
