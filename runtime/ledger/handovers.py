"""Handovers: which issued document was handed to which sending channel, and when (append-only)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import attrs

from runtime.ledger.documents import Kind

Channel = Literal["peppol", "email", "print"]
CHANNELS: tuple[Channel, ...] = ("peppol", "email", "print")


@attrs.frozen(kw_only=True)
class Handover:
    series: Kind
    number: int
    channel: Channel
    file: str
    """The file handed over, relative to the outbox folder (`peppol/250001.xml`)."""
    sha256: str
    """Of the file's bytes, so what was sent can be proved later."""
    handed_over_at: datetime
    """UTC, whole seconds."""
