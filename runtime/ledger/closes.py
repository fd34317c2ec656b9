"""Closed accounting months: the revenue recognised in a month as it stood when the month was closed.

A closed month is never rewritten; a later change that would alter it is posted as a
catch-up in the first open month (docs/revenue.md).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import attrs


@attrs.frozen(kw_only=True)
class ClosedFigure:
    """Revenue recognised for one contract and performance obligation in a closed month."""

    contract: str
    obligation: str
    """The charge id (or `minimum`) the revenue belongs to."""
    account: int
    currency: str
    amount: Decimal


@attrs.frozen(kw_only=True)
class ClosedMonth:
    month: date
    """The first day of the calendar month."""
    closed_at: datetime
    """UTC, whole seconds."""
    closed_by: str
    """Who closed it (`git config user.name <user.email>`, or the OS user)."""
    figures: tuple[ClosedFigure, ...]
