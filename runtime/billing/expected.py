"""What should have been billed by an as-of date: every contract's schedule lowered
and priced (compiler/billing), with usage totals from the meter."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, timedelta
from decimal import Decimal

import attrs

from compiler import model
from compiler.billing.lower import BillingSchedule, lower
from compiler.billing.price import Blocked, PricedLine, UsageKey, price_schedule, usage_requests
from runtime.billing.reconcile import KnownIds

__all__ = ["Blocked", "Expected", "UsageKey", "expected_lines", "schedules", "wanted_usage"]


@attrs.frozen(kw_only=True)
class Expected:
    lines: tuple[PricedLine, ...]
    blocked: tuple[Blocked, ...]
    known: Mapping[str, KnownIds]
    """Each contract's charge and discount ids, to tell an orphaned issued line from a settled one."""


def schedules(
    workspace: model.Workspace,
    as_of: date,
    progress: Callable[[int, int], None] | None = None,
    since: Mapping[str, date] | None = None,
) -> dict[str, BillingSchedule]:
    """Each contract's schedule, for every line that can be due on or before `as_of` (and after the
    contract's date in `since`, when it has one: what was settled by then is left out)."""
    horizon = as_of + timedelta(days=1)
    contracts = sorted(workspace.contracts.items())
    result: dict[str, BillingSchedule] = {}
    settled = since or {}
    for done, (cid, contract) in enumerate(contracts, start=1):
        result[cid] = lower(contract, workspace.indices, horizon, settled.get(cid))
        if progress and (done % 500 == 0 or done == len(contracts)):
            progress(done, len(contracts))
    return result


def wanted_usage(plans: Mapping[str, BillingSchedule], as_of: date) -> list[UsageKey]:
    """The metered totals the due usage lines need, each once, sorted."""
    return sorted({key for schedule in plans.values() for key in usage_requests(schedule, as_of)})


def expected_lines(plans: Mapping[str, BillingSchedule], usage: Mapping[UsageKey, Decimal], as_of: date) -> Expected:
    lines: list[PricedLine] = []
    blocked: list[Blocked] = []
    known: dict[str, KnownIds] = {}
    for cid, schedule in plans.items():
        priced = price_schedule(schedule, usage, as_of)
        lines += priced.lines
        blocked += priced.blocked
        known[cid] = KnownIds(charges=schedule.charge_ids, discounts=schedule.discount_ids)
    return Expected(lines=tuple(lines), blocked=tuple(blocked), known=known)
