"""The ledger's identity: whose books it is and where its number series start.

`avtale ledger init` records it once. A bill run compares it with the workspace's
seller before issuing, so that a ledger of another company, or a fresh ledger where
a used one was moved away, can never be billed into by mistake: numbers already
used must never be issued again.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import attrs

from runtime.ledger.errors import LedgerError, LedgerMismatch, LedgerNotInitialised

INIT = "`avtale ledger init`"


@attrs.frozen(kw_only=True)
class LedgerIdentity:
    seller_orgnr: str
    seller_name: str
    invoice_first: int
    credit_note_first: int


@attrs.frozen(kw_only=True)
class LedgerInfo:
    """The identity row as stored, with when it was recorded."""

    identity: LedgerIdentity
    initialised_at: datetime  # UTC


def describe(identity: LedgerIdentity) -> str:
    return (
        f"{identity.seller_name} (organisation number {identity.seller_orgnr}), invoices from "
        f"{identity.invoice_first}, credit notes from {identity.credit_note_first}"
    )


def check_new(identity: LedgerIdentity, initialised_at: datetime) -> None:
    """Refuse an identity that cannot be recorded. It comes from a checked seller, so this is a safeguard."""
    if not isinstance(identity.seller_orgnr, str) or not identity.seller_orgnr.strip():
        raise LedgerError("the seller has no organisation number", 'write `orgnr "..."` in the seller declaration')
    for name, value in (("invoice", identity.invoice_first), ("credit note", identity.credit_note_first)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise LedgerError(
                f"{name} numbers cannot start from {value}",
                "write a positive first number in the seller declaration",
            )
    if initialised_at.tzinfo is None:
        raise ValueError("initialised_at must be timezone-aware (UTC)")


def timestamp(moment: datetime) -> str:
    """UTC, to the second, ISO 8601 with a Z: `2026-03-01T09:30:00Z`."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def parse_timestamp(text: object) -> datetime:
    if not isinstance(text, str) or not text.endswith("Z"):
        raise ValueError(f"timestamp {text!r} is not UTC ISO text")
    return datetime.fromisoformat(text[:-1]).replace(tzinfo=UTC)


def not_initialised(path: Path) -> LedgerNotInitialised:
    return LedgerNotInitialised(
        f"the ledger at {path} records no seller and number series: it was not set up with {INIT}",
        f"run {INIT} to record them; if you moved the ledger, point the `ledger` setting in avtale.toml at the "
        "old file instead: numbers already used must never be issued again",
    )


def mismatches(recorded: LedgerIdentity, expected: LedgerIdentity) -> list[str]:
    """What differs between the ledger's identity and the workspace's; a renamed seller is not a difference."""
    found = []
    if recorded.seller_orgnr != expected.seller_orgnr:
        found.append(
            f"it belongs to organisation number {recorded.seller_orgnr} ({recorded.seller_name}), but the "
            f"workspace's seller has {expected.seller_orgnr}"
        )
    for label, setting, was, now in (
        ("invoice", "invoice_numbers", recorded.invoice_first, expected.invoice_first),
        ("credit note", "credit_note_numbers", recorded.credit_note_first, expected.credit_note_first),
    ):
        if was != now:
            found.append(f"its {label} series starts at {was}, but the seller declares `{setting} from {now}`")
    return found


def mismatch(path: Path, recorded: LedgerIdentity, expected: LedgerIdentity) -> LedgerMismatch | None:
    found = mismatches(recorded, expected)
    if not found:
        return None
    orgnr_differs = recorded.seller_orgnr != expected.seller_orgnr
    return LedgerMismatch(
        f"the ledger at {path} was initialised for another seller or numbering: {'; '.join(found)}",
        "point the `ledger` setting in avtale.toml at this seller's own ledger"
        if orgnr_differs
        else "write the first numbers the ledger records in the seller declaration: a gapless series cannot "
        "start again",
    )
