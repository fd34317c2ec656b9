"""Choosing issued documents for the commands that render them (`export ehf`, `export pdf`, `send`).

A document is named on the command line as its number (`250001`), or with its series when the two
series share a number (`invoice-250001`, `credit-note-950001`: the names of its files).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import NoReturn

import click

from runtime.einvoice.content import bokforing_problems
from runtime.ledger.checks import warning
from runtime.ledger.documents import DOCUMENT_NAMES, IssuedDocument, Kind, document_name
from runtime.ledger.store import Ledger

PREFIXES: tuple[tuple[str, Kind], ...] = (("invoice-", "invoice"), ("credit-note-", "credit_note"))


def fail(message: str, help: str) -> NoReturn:
    click.echo(f"error: {message}\n  = help: {help}", err=True)
    sys.exit(1)


def _parse(text: str) -> tuple[Kind | None, int]:
    for prefix, series in PREFIXES:
        if text.startswith(prefix):
            text, found = text[len(prefix) :], series
            break
    else:
        found = None
    if not text.isdigit():
        fail(
            f"`{text}` is not a document number",
            "give a number (250001), or a series and a number (invoice-250001, credit-note-950001)",
        )
    return found, int(text)


def select(ledger: Ledger, names: Sequence[str]) -> list[IssuedDocument]:
    """The documents NAMES stand for, in the order given (each once)."""
    chosen: dict[tuple[Kind, int], IssuedDocument] = {}
    for name in names:
        series, number = _parse(name)
        kinds: tuple[Kind, ...] = (series,) if series else ("invoice", "credit_note")
        found = [doc for kind in kinds if (doc := ledger.document(kind, number)) is not None]
        if not found:
            what = f"{DOCUMENT_NAMES[series]} number" if series else "invoice or credit note number"
            fail(f"no {what} {number}", "`avtale invoice list` shows the issued documents")
        if len(found) > 1:
            fail(
                f"{number} is both an invoice and a credit note number",
                f"say which: invoice-{number} or credit-note-{number}",
            )
        chosen.setdefault((found[0].series, found[0].number), found[0])
    return list(chosen.values())


def refuse_unsound(documents: Sequence[IssuedDocument], what: str) -> None:
    """Stop before anything is written when a document fails its hash or totals check, or was issued before
    the ledger kept a snapshot of its parties (then nobody knows whom it was addressed to)."""
    for doc in documents:
        changed = warning(doc)
        if changed is not None:
            fail(changed, f"a document that fails its check is not {what}; `avtale ledger verify` says what changed")
    unknown = [doc for doc in documents if doc.parties is None]
    if unknown:
        shown = ", ".join(document_name(doc) for doc in unknown[:5]) + (", ..." if len(unknown) > 5 else "")
        which = f"{shown} was" if len(unknown) == 1 else f"{len(unknown)} documents ({shown}) were"
        fail(
            f"{which} issued before the ledger kept party snapshots, so it is not known whom they were addressed to",
            "run `avtale ledger backfill` to record their parties from the workspace as it is today, then try again",
        )


def refuse_incomplete(doc: IssuedDocument) -> None:
    """Stop when a document lacks what a sales document must show (bokføringsforskriften § 5-1-1)."""
    problems = bokforing_problems(doc)
    if problems:
        what = "lacks what a sales document must show (bokføringsforskriften § 5-1-1)"
        click.echo(f"error: {document_name(doc)} {what}:", err=True)
        for problem in problems:
            click.echo(f"  - {problem}", err=True)
        click.echo(
            "  = help: fix the workspace for documents to come; this one is corrected by a credit note", err=True
        )
        sys.exit(1)
