"""The hash chain: each document's hash covers its content and the hash before it in its series.

hash = sha256(previous_hash as ASCII hex + canonical JSON of the document), where the
canonical JSON is the document without `hash` and `previous_hash`: keys sorted, no
spaces, UTF-8, Decimals and dates as strings exactly as stored. Changing any stored
figure, line, reference or number breaks the document's hash; removing or reordering
a document breaks the link from the next one.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from runtime.ledger.documents import DraftLine, IssuedDocument

GENESIS = "0" * 64


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


def canonical(doc: IssuedDocument) -> bytes:
    body = {
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
        "lines": [_line(line) for line in doc.lines],
        "vat_groups": [
            {"category": g.category, "rate": str(g.rate), "taxable": str(g.taxable), "vat": str(g.vat)}
            for g in doc.totals.groups
        ],
        "net": str(doc.totals.net),
        "vat": str(doc.totals.vat),
        "gross": str(doc.totals.gross),
        "run": doc.issued_at_run,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def document_hash(doc: IssuedDocument) -> str:
    """The hash `doc` must carry, from its previous_hash and its content (its own `hash` is ignored)."""
    return hashlib.sha256(doc.previous_hash.encode("ascii") + canonical(doc)).hexdigest()
