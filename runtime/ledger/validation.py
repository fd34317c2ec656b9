"""Checks a draft must pass before it may become a document.

A draft that fails is a bug in what built it or bad input, never something to
store and fix later: issued documents cannot be changed.
"""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal

from compiler.billing.lines import LINE_KINDS
from compiler.money import is_rounded, minor_unit
from runtime.ledger.documents import KINDS, DraftDocument, DraftLine
from runtime.ledger.errors import InvalidDraft
from runtime.ledger.totals import VAT_CATEGORIES

CURRENCY = re.compile(r"[A-Z]{3}\Z")
# EN 16931 (BR-S-5, BR-Z-5, BR-E-5, BR-AE-5, BR-O-5): only these categories carry a rate above zero.
RATED = frozenset({"standard", "medium", "low"})
HELP = "this is a bug in the bill run that built the draft; nothing was issued"


def _fail(where: str, problem: str, help: str = HELP) -> InvalidDraft:
    return InvalidDraft(f"{where}: {problem}", help)


def _is_money(value: object) -> bool:
    return isinstance(value, Decimal) and value.is_finite()


def check_line(where: str, line: DraftLine, kind: str, corrects: tuple[int, ...], currency: str) -> None:
    for name in ("contract", "charge", "description"):
        if not isinstance(getattr(line, name), str) or not getattr(line, name).strip():
            raise _fail(where, f"the line has no {name}")
    if not (isinstance(line.period_start, date) and isinstance(line.period_end, date)):
        raise _fail(where, "the period must be two dates")
    if line.period_start >= line.period_end:
        raise _fail(
            where,
            f"the period {line.period_start}..{line.period_end} is empty (the end is exclusive)",
            "a one-day charge on D covers D..D+1; " + HELP,
        )
    for name in ("quantity", "unit_price", "net_amount", "vat_rate"):
        if not _is_money(getattr(line, name)):
            raise _fail(
                where, f"{name} {getattr(line, name)!r} is not a finite Decimal", "money is never a float; " + HELP
            )
    if not is_rounded(line.net_amount, currency):
        raise _fail(
            where,
            f"net amount {line.net_amount} is not rounded to {minor_unit(currency)} decimals ({currency})",
            "round each line's net amount (ROUND_HALF_UP) before issuing; " + HELP,
        )
    if line.kind not in LINE_KINDS:
        raise _fail(where, f"unknown line kind `{line.kind}`", f"use one of {', '.join(LINE_KINDS)}")
    if not (isinstance(line.billing_start, date) and isinstance(line.billing_end, date)):
        raise _fail(where, "the billing period must be two dates")
    if line.billing_start >= line.billing_end:
        raise _fail(where, f"the billing period {line.billing_start}..{line.billing_end} is empty")
    if line.vat_category not in VAT_CATEGORIES:
        raise _fail(where, f"unknown VAT category `{line.vat_category}`", f"use one of {', '.join(VAT_CATEGORIES)}")
    if line.vat_category in RATED and line.vat_rate <= 0:
        raise _fail(where, f"VAT category {line.vat_category} needs a rate above zero, not {line.vat_rate}")
    if line.vat_category not in RATED and line.vat_rate != 0:
        raise _fail(where, f"VAT category {line.vat_category} has rate 0, not {line.vat_rate}")
    if not isinstance(line.provenance, str) or not line.provenance.strip():
        raise _fail(where, "the line has no provenance", "every line must say where it came from; " + HELP)
    try:
        json.loads(line.provenance)
    except ValueError:
        raise _fail(where, "the provenance is not JSON text") from None
    if kind == "invoice" and line.corrects is not None:
        raise _fail(where, "an invoice line cannot correct another invoice", "corrections go on a credit note")
    if line.corrects is not None and line.corrects not in corrects:
        raise _fail(where, f"the line corrects invoice {line.corrects}, which its credit note does not reference")


def check_draft(index: int, draft: DraftDocument, as_of: date) -> None:
    """Raise InvalidDraft for the first thing wrong with draft number `index` (0-based) of a bill run."""
    where = f"draft {index + 1} ({draft.kind} for contract {draft.contract})"
    if draft.kind not in KINDS:
        raise _fail(where, f"unknown document kind `{draft.kind}`", "a draft is an invoice or a credit_note")
    for name in ("contract", "customer"):
        if not isinstance(getattr(draft, name), str) or not getattr(draft, name).strip():
            raise _fail(where, f"the document has no {name}")
    if not isinstance(draft.currency, str) or not CURRENCY.match(draft.currency):
        raise _fail(where, f"currency `{draft.currency}` is not an ISO 4217 code")
    if draft.issue_date != as_of:
        raise _fail(where, f"the issue date {draft.issue_date} is not the bill run's as-of date {as_of}")
    if not isinstance(draft.due_date, date) or draft.due_date < draft.issue_date:
        raise _fail(where, f"the due date {draft.due_date} is before the issue date {draft.issue_date}")
    if not (draft.buyer_reference or "").strip() and not (draft.purchase_order or "").strip():
        raise _fail(where, "neither buyer reference nor purchase order is filled", "PEPPOL requires one; " + HELP)
    if not draft.lines:
        raise _fail(where, "the document has no lines")
    if draft.kind == "invoice" and draft.corrects:
        raise _fail(where, "an invoice cannot reference invoices it corrects", "corrections go on a credit note")
    if draft.kind == "credit_note" and not draft.corrects:
        raise _fail(where, "a credit note must reference the invoices it corrects")
    if any(not isinstance(n, int) or n < 1 for n in draft.corrects):
        raise _fail(where, f"the referenced invoice numbers {list(draft.corrects)} must be positive whole numbers")
    if len(set(draft.corrects)) != len(draft.corrects):
        raise _fail(where, "the credit note references the same invoice twice")
    for position, line in enumerate(draft.lines, start=1):
        check_line(f"{where}, line {position}", line, draft.kind, draft.corrects, draft.currency)
