"""The records revenue recognition hands to the reports, the journal and SAF-T."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

import attrs

RecognitionKind = Literal["scheduled", "catch_up"]


@attrs.frozen(kw_only=True)
class Recognised:
    """Revenue recognised for one contract and performance obligation in one calendar month."""

    contract: str
    obligation: str
    """The charge id (or `minimum`): the performance obligation the revenue belongs to."""
    month: date
    """The first day of the calendar month."""
    amount: Decimal
    """In the contract's currency at its minor unit; negative for a catch-up that reverses revenue."""
    currency: str
    account: int
    """The revenue account: the charge's `account`, else the seller's revenue account."""
    kind: RecognitionKind = "scheduled"
    reason: str = ""
    """Why a catch-up was posted (empty for scheduled revenue)."""
