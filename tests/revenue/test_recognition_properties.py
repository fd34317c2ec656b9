"""Over a contract's whole life, the revenue recognised equals what was billed, net of credits:
under IFRS 15 (fixed obligations from the plan, usage as metered) and under the invoiced policy
(from issued documents, a credit note included)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compiler.billing.lower import lower
from compiler.billing.price import price_schedule
from runtime.revenue.recognition import recognise, usage_requests
from tests.revenue.cases.helpers import contract, workspace
from tests.revenue.test_recognition import document

THROUGH = date(2029, 12, 31)


@st.composite
def cases(draw: st.DrawFn) -> tuple[str, int]:
    start = date(2026, 1, 1) + timedelta(days=draw(st.integers(0, 300)))
    charges = []
    for i in range(draw(st.integers(1, 3))):
        amount = f"{draw(st.integers(1, 2_000_000)) / 100:.2f}"
        kind = draw(st.sampled_from(["flat", "one_time", "usage"]))
        if kind == "flat":
            period = draw(st.sampled_from(["month", "quarter", "year"]))
            rule = (
                f"flat {amount} per {period}\n    revenue {draw(st.sampled_from(['ratably daily', 'ratably monthly']))}"
            )
        elif kind == "one_time":
            rule = f"one_time {amount} on start\n    revenue {draw(st.sampled_from(['at start', 'over term']))}"
        else:
            rule = f"usage calls\n    per_unit {draw(st.integers(1, 500)) / 100:.2f}"
        charges.append(f'  charge c{i} "Ytelse {i}" {{\n    {rule}\n  }}')
    body = "  no renewal\n" + "\n".join(charges)
    if draw(st.booleans()):
        body += f'\n  discount "Rabatt" {draw(st.integers(1, 60))}% on c0'
    text = contract(body, start=str(start), term=f"term {draw(st.integers(1, 18))} months")
    return text, draw(st.integers(0, 10_000))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases())
def test_ifrs15_recognises_what_is_billed(case: tuple[str, int]) -> None:
    text, seed = case
    ws = workspace(text)
    # usage: a made-up count for each calendar-month part of each billing period, the period's total their sum
    wanted = usage_requests(ws, THROUGH)
    parts = {key: Decimal((seed * (i + 7)) % 997) for i, key in enumerate(wanted)}
    totals = dict(parts)
    for cid, metric, start, end in wanted:
        inside = [
            k for k in wanted if k[1] == metric and start <= k[2] and k[3] <= end and k != (cid, metric, start, end)
        ]
        if inside:
            totals[cid, metric, start, end] = sum((parts[k] for k in inside), Decimal(0))
    records = recognise(ws, [], totals, THROUGH)
    billed = price_schedule(lower(ws.contracts["C-1"], ws.indices, THROUGH), totals, THROUGH)
    assert sum((r.amount for r in records), Decimal(0)) == sum((ln.net for ln in billed.lines), Decimal(0))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases(), credit=st.integers(0, 100))
def test_invoiced_recognises_what_is_billed_net_of_credits(case: tuple[str, int], credit: int) -> None:
    text, _ = case
    ws = workspace(text.replace("  no renewal\n", "  no renewal\n  revenue_policy invoiced\n", 1))
    billed = price_schedule(lower(ws.contracts["C-1"], ws.indices, THROUGH), {}, THROUGH)
    lines = [(ln.id.charge, ln.id.kind, f"{ln.net}", ln.start, ln.end) for ln in billed.lines if ln.net]
    issued = [document("invoice", 1, lines)] if lines else []
    credited = Decimal(0)
    if lines:
        charge, kind, amount, start, end = lines[0]
        credited = (Decimal(amount) * credit / 100).quantize(Decimal("0.01"))
        issued.append(document("credit_note", 1, [(charge, kind, f"{credited}", start, end)]))
    records = recognise(ws, issued, {}, THROUGH)
    total = sum((ln.net for ln in billed.lines), Decimal(0)) - credited
    assert sum((r.amount for r in records), Decimal(0)) == total
