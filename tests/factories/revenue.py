"""Recognised revenue as the engine would report it, written by hand for the journal, close and report tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from runtime.revenue.records import Recognised, RecognitionKind


def recognised(
    month: date,
    amount: str,
    *,
    contract: str = "A-1",
    obligation: str = "platform",
    account: int = 3020,
    currency: str = "NOK",
    kind: RecognitionKind = "scheduled",
    reason: str = "",
) -> Recognised:
    """`amount` of `obligation` recognised in `month` on revenue account `account` (3020 unless told)."""
    return Recognised(
        contract=contract,
        obligation=obligation,
        month=month,
        amount=Decimal(amount),
        currency=currency,
        account=account,
        kind=kind,
        reason=reason,
    )
