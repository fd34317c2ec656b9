"""Checks of one document as read back: does it still match its hash, do its totals add up.

Shared by `Ledger.verify`, the cheap checks a bill run makes before it extends the
ledger, and the commands that print documents (which warn, and print them anyway).
"""

from __future__ import annotations

from runtime.ledger import rows
from runtime.ledger.chain import document_hash
from runtime.ledger.documents import IssuedDocument
from runtime.ledger.totals import compute_totals

LABEL = {"invoice": "invoice", "credit_note": "credit note"}
CHANGED = "its content does not match its hash (changed after issue)"
TOTALS = "its totals do not add up from its lines"


def label(series: str, number: object) -> str:
    """`invoice 250001`, `credit note 950001`: how every problem is located."""
    return f"{LABEL.get(series, series)} {number}"


def document_problems(doc: IssuedDocument) -> list[str]:
    """What is wrong with a document read back from the ledger, unlocated; [] when it is as issued."""
    problems = []
    if document_hash(doc) != doc.hash:
        problems.append(CHANGED)
    if compute_totals(doc.lines, doc.currency) != doc.totals:
        problems.append(TOTALS)
    return problems


def raw_problems(raw: rows.Raw) -> list[str]:
    """`document_problems` of a stored document, located, including a value that cannot be read."""
    where = label(raw[0][0], raw[0][1])
    try:
        doc = rows.decode_document(*raw)
    except (ValueError, ArithmeticError, TypeError) as exc:
        return [f"{where}: a stored value cannot be read ({exc})"]
    return [f"{where}: {problem}" for problem in document_problems(doc) + snapshot_problems(doc)]


def snapshot_problems(doc: IssuedDocument) -> list[str]:
    """A snapshot is whole: both parties and every line's details, or nothing at all (schema version 5)."""
    bare = [str(position) for position, line in enumerate(doc.lines, start=1) if line.details is None]
    if doc.parties is not None and bare:
        return [f"its snapshot is incomplete: line {', '.join(bare)} ha{'s' if len(bare) == 1 else 've'} no details"]
    if doc.parties is None and len(bare) < len(doc.lines):
        return ["its lines have details but it has no snapshot of its parties"]
    return []


def warning(doc: IssuedDocument) -> str | None:
    """The warning to print with a document that fails its check, or None when it passes."""
    problems = document_problems(doc)
    if not problems:
        return None
    what = "does not match its hash: it was changed after issue" if CHANGED in problems else TOTALS
    return f"{label(doc.series, doc.number)} {what}; run `avtale ledger verify`"
