"""Checks a draft must pass before it may become a document.

A draft that fails is a bug in what built it or bad input, never something to
store and fix later: issued documents cannot be changed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from compiler.billing.lines import LINE_KINDS
from compiler.money import is_rounded, minor_unit
from runtime.ledger.closes import ClosedMonth
from runtime.ledger.documents import KINDS, DraftDocument, DraftLine
from runtime.ledger.errors import InvalidDraft, LedgerError
from runtime.ledger.handovers import CHANNELS, Handover
from runtime.ledger.parties import LineDetails, Parties, Party, PartyAddress
from runtime.ledger.totals import VAT_CATEGORIES

CURRENCY = re.compile(r"[A-Z]{3}\Z")
# EN 16931 (BR-S-5, BR-Z-5, BR-E-5, BR-AE-5, BR-O-5): only these categories carry a rate above zero.
RATED = frozenset({"standard", "medium", "low"})
HELP = "this is a bug in the bill run that built the draft; nothing was issued"
SNAPSHOT_HELP = (
    "a bill run records both parties and every line's unit and VAT reason with the document "
    "(runtime/billing/parties.py); " + HELP
)
SHA256 = re.compile(r"[0-9a-f]{64}\Z")


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
    if line.details is None:
        raise _fail(where, "the line has no details (unit code and VAT reason)", SNAPSHOT_HELP)
    problem = details_problem(line.details)
    if problem is not None:
        raise _fail(where, problem, SNAPSHOT_HELP)
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
    if draft.parties is None:
        raise _fail(where, "the document has no snapshot of its parties (seller and buyer)", SNAPSHOT_HELP)
    if draft.parties.source != "issue":
        raise _fail(where, f"its party snapshot has source `{draft.parties.source}`, not `issue`", SNAPSHOT_HELP)
    problem = parties_problem(draft.parties)
    if problem is not None:
        raise _fail(where, problem, SNAPSHOT_HELP)
    if draft.parties.buyer.id != draft.customer:
        raise _fail(where, f"its buyer is `{draft.parties.buyer.id}`, but the document is for `{draft.customer}`")
    for position, line in enumerate(draft.lines, start=1):
        check_line(f"{where}, line {position}", line, draft.kind, draft.corrects, draft.currency)


def _text_problem(name: str, value: object, *, optional: bool) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        return f"the {name} is {'not text' if optional else 'empty'} ({value!r})"
    return None


def party_problem(role: str, party: object) -> str | None:
    """What is wrong with one party of a snapshot, or None."""
    if not isinstance(party, Party):
        return f"the {role} is not a Party"
    for name in ("id", "name", "language"):
        problem = _text_problem(f"{role}'s {name}", getattr(party, name), optional=False)
        if problem is not None:
            return problem
    for name in ("orgnr", "vat_number", "peppol", "email", "bank_account"):
        problem = _text_problem(f"{role}'s {name.replace('_', ' ')}", getattr(party, name), optional=True)
        if problem is not None:
            return problem
    if not isinstance(party.foretaksregisteret, bool) or not isinstance(party.consumer, bool):
        return f"the {role}'s foretaksregisteret and consumer flags must be True or False"
    address = party.address
    if address is not None:
        if not isinstance(address, PartyAddress):
            return f"the {role}'s address is not a PartyAddress"
        for name in ("street", "postcode", "city", "country"):
            problem = _text_problem(f"{role}'s {name}", getattr(address, name), optional=False)
            if problem is not None:
                return problem
    return None


def parties_problem(parties: Parties) -> str | None:
    """What is wrong with a snapshot of both parties, or None."""
    if not isinstance(parties, Parties):
        return "the party snapshot is not a Parties"
    if parties.source not in ("issue", "backfill"):
        return f"unknown snapshot source `{parties.source}`"
    return party_problem("seller", parties.seller) or party_problem("buyer", parties.buyer)


def details_problem(details: object) -> str | None:
    """What is wrong with a line's details, or None."""
    if not isinstance(details, LineDetails):
        return "the line's details are not a LineDetails"
    return _text_problem("unit code", details.unit_code, optional=False) or _text_problem(
        "VAT reason", details.vat_reason, optional=True
    )


def check_snapshot(where: str, parties: Parties, details: Sequence[LineDetails]) -> None:
    """Raise LedgerError for a backfill snapshot that cannot be recorded."""
    problem = parties_problem(parties)
    for position, found in enumerate(details, start=1):
        if problem is None:
            line_problem = details_problem(found)
            problem = None if line_problem is None else f"line {position}: {line_problem}"
    if problem is not None:
        raise LedgerError(
            f"cannot backfill {where}: {problem}", "nothing was recorded; this is a bug in what built the snapshot"
        )


def _utc_seconds(moment: object) -> bool:
    return isinstance(moment, datetime) and moment.tzinfo is not None and moment.microsecond == 0


def check_handover(item: Handover) -> None:
    """Raise LedgerError for a handover that cannot be recorded (a bug in what recorded it)."""
    where = f"the handover of {item.series} {item.number}"
    help = "nothing was recorded; this is a bug in what recorded the handover"
    if item.series not in KINDS or isinstance(item.number, bool) or not isinstance(item.number, int):
        raise LedgerError(f"{where}: it names no document (series {item.series!r}, number {item.number!r})", help)
    if item.channel not in CHANNELS:
        raise LedgerError(f"{where}: unknown channel `{item.channel}`", f"use one of {', '.join(CHANNELS)}; {help}")
    if not isinstance(item.file, str) or not item.file.strip():
        raise LedgerError(f"{where}: it names no file", help)
    if not isinstance(item.sha256, str) or not SHA256.match(item.sha256):
        raise LedgerError(f"{where}: `{item.sha256}` is not a SHA-256 (64 lowercase hex digits)", help)
    if not _utc_seconds(item.handed_over_at):
        raise LedgerError(f"{where}: the time handed over must be timezone-aware, in whole seconds", help)


def check_closed_month(closed: ClosedMonth) -> None:
    """Raise LedgerError for a closed month that cannot be recorded (a bug in what closed it)."""
    help = "nothing was recorded; this is a bug in what closed the month"
    if not isinstance(closed.month, date) or isinstance(closed.month, datetime) or closed.month.day != 1:
        raise LedgerError(f"cannot close month {closed.month}: a month is given as its first day", help)
    where = f"cannot close {closed.month.isoformat()[:7]}"
    if not _utc_seconds(closed.closed_at):
        raise LedgerError(f"{where}: the time closed must be timezone-aware, in whole seconds", help)
    if not isinstance(closed.closed_by, str) or not closed.closed_by.strip():
        raise LedgerError(f"{where}: it does not say who closed it", help)
    seen: set[tuple[str, str, int, str]] = set()
    for figure in closed.figures:
        key = (figure.contract, figure.obligation, figure.account, figure.currency)
        if key in seen:
            raise LedgerError(f"{where}: two figures for {' '.join(map(str, key))}", help)
        seen.add(key)
        if not _is_money(figure.amount):
            raise LedgerError(f"{where}: amount {figure.amount!r} is not a finite Decimal", help)
        if isinstance(figure.account, bool) or not isinstance(figure.account, int):
            raise LedgerError(f"{where}: account {figure.account!r} is not a whole number", help)
        if not isinstance(figure.currency, str) or not CURRENCY.match(figure.currency):
            raise LedgerError(f"{where}: currency `{figure.currency}` is not an ISO 4217 code", help)
