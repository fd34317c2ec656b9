"""Checked workspaces from text (tests/factories/workspaces.py) and their billing schedules, for hand-computed
schedule and billing cases."""

from __future__ import annotations

from datetime import date

from compiler.billing.lower import BillingSchedule, lower
from tests.factories.workspaces import PRELUDE, contract, workspace

__all__ = ["PRELUDE", "contract", "schedule", "workspace"]


def schedule(text: str, until: date, contract: str = "C-1") -> BillingSchedule:
    ws = workspace(text)
    return lower(ws.contracts[contract], ws.indices, until)
