"""The plan advisor: what a customer's actual usage and quantities of the last months would have cost under
each plan version offered now, and under the contract's own terms (docs/advise.md).

Pure but for the usage: `prepare` lowers every candidate of a contract and says which metered totals it needs;
the caller meters them (one query for all contracts) and `conclude` prices them.

    prepared = [prepare(contract, workspace, as_of, window) for contract in chosen]
    totals = usage.meter(sorted({key for p in prepared for key in p.requests}))
    advice = [conclude(p, totals) for p in prepared]
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from fractions import Fraction

import attrs

from compiler import model
from compiler.billing.lower import BillingSchedule
from compiler.billing.price import UsageKey
from runtime.advise.candidates import Candidate, current, offered, plan_candidate
from runtime.advise.cost import bills_in_window, cost, requests, schedule_of, used_metrics
from runtime.advise.report import (
    Advice,
    Row,
    advice,
    advice_json,
    months_text,
    ranked,
    saving,
    summary_json,
    window_json,
)
from runtime.advise.window import Window, months_in_force, window_before


@attrs.frozen(kw_only=True)
class Prepared:
    contract: model.Contract
    customer: str
    as_of: date
    window: Window
    months: Fraction
    candidates: tuple[tuple[Candidate, BillingSchedule | None], ...]
    requests: tuple[UsageKey, ...]
    billed: bool
    """Whether the contract's own terms bill anything the advice counts (not only one-time charges) in the window."""


def prepare(contract: model.Contract, workspace: model.Workspace, as_of: date, window: Window) -> Prepared:
    """Every candidate of `contract` lowered over the window, and the metered totals they need."""
    found = [current(contract)] + [plan_candidate(contract, v, window) for v in offered(workspace, as_of)]
    schedules = tuple((c, schedule_of(c, workspace.indices, window)) for c in found)
    mine = schedules[0][1]
    assert mine is not None, "the current terms always lower"
    keys = tuple(dict.fromkeys(key for _, schedule in schedules for key in requests(schedule)))
    customer = workspace.customers[contract.customer].name if contract.customer in workspace.customers else ""
    return Prepared(
        contract=contract,
        customer=customer,
        as_of=as_of,
        window=window,
        months=months_in_force(window, contract.start, mine.end),
        candidates=schedules,
        requests=keys,
        billed=bills_in_window(mine, window),
    )


def conclude(prepared: Prepared, usage: Mapping[UsageKey, Decimal]) -> Advice:
    """The advice, once the usage totals are metered."""
    used = used_metrics(prepared.requests, usage, prepared.window)
    costed = [cost(c, s, usage, prepared.window, prepared.as_of, used) for c, s in prepared.candidates]
    c = prepared.contract
    return advice(c.id, prepared.customer, c.currency, prepared.as_of, prepared.window, prepared.months, costed)


__all__ = [
    "Advice",
    "Candidate",
    "Prepared",
    "Row",
    "Window",
    "advice_json",
    "conclude",
    "months_in_force",
    "months_text",
    "prepare",
    "ranked",
    "saving",
    "summary_json",
    "window_before",
    "window_json",
]
